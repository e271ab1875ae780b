#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_server_hda_upgrade
short_description: Bring the access agent (HDA) of Workspace application streaming servers to the latest version
version_added: 1.0.0
description:
  - Desired state for the access agent (HDA) of application streaming servers, so that every target server runs
    the tenant's latest HDA version.
  - Reads each server's current version (C(GET …/app-servers/access-agent/list)) and the latest version per HDA
    type (C(…/access-agent/actions/show-latest-version); C(SBC) for servers of non-VDI groups, C(OA_APP) for VDI
    without GPU, C(PT_APP) for VDI with GPU), then submits only the servers that are behind, at most
    O(batch_size) per call (C(PATCH …/access-agent/actions/upgrade)), and waits for all jobs with one deadline.
  - Servers already at the target version are left alone. Servers whose upgrade is already running (started by
    an earlier run with O(wait=false), by the console, or by someone else) are waited for, never submitted again.
  - Servers whose C(status) is not C(REGISTERED) (agent offline, frozen, stopped ...) cannot be upgraded; they are
    reported with status C(skipped), their status named, and a warning, and do not fail the task.
  - A server to upgrade that is in transition (a job or task still running on it, its VM rebuilding or rebooting,
    or C(UNREGISTER) within 10 minutes after a job that rebuilt, reinstalled or rebooted it, for example an image
    change earlier in the same play; the agent registers again a while after such a job) is waited for before
    planning, within O(wait_timeout), and then upgraded. One still in transition at the deadline fails, naming
    what it shows. An C(UNREGISTER) server that no such job explains is an agent that is down, skipped as above.
    Check mode does not wait, and reports such a server as skipped.
  - A server whose last upgrade succeeded less than 10 minutes ago but whose access agent record still shows a
    version behind (the service's records lag behind its jobs; a re-run after an interrupted run meets it) is read
    again for up to 60 seconds before it is planned, so that it is not upgraded twice; one that still shows a
    version behind then (a newer version published since) is upgraded.
  - Servers in maintenance mode are upgraded like any other; maintenance mode is the usual way to drain users
    before an upgrade.
  - A batch the service rejects with HTTP 409 or 400 (busy, an upgrade is already running) is re-read and waited for
    instead of failing. A batch whose response was lost, or answered with a server error (5xx, which may
    come after the service applied it), is re-read; it is submitted again only when the re-read shows it was not
    applied (up to O(max_retries) times).
author:
  - huaweicloud.workspace_app maintainers (@huaweicloud)
options:
  version:
    description:
      - V(latest) brings every target to the latest version of its HDA type.
      - An explicit version (digits and dots, such as V(2.0.24.5)) is a guard. Each target must either run it
        already (nothing is done for that server) or have it as the latest version of its HDA type (the API can
        only upgrade to the latest one); otherwise the task fails before anything is submitted, naming the latest
        version.
    type: str
    default: latest
extends_documentation_fragment:
  - huaweicloud.workspace_app.connection
  - huaweicloud.workspace_app.connection.action_group
  - huaweicloud.workspace_app.targets
  - huaweicloud.workspace_app.wait
attributes:
  check_mode:
    support: full
    description: Reads and plans; submits nothing and waits for nothing. C(changed) tells whether a real run
      would submit something.
  diff_mode:
    support: full
    description: Per server, the HDA version before and after.
notes:
  - Upgrading the HDA restarts the agent on the server; users connected to it may be disconnected. Drain the
    servers first (maintenance mode) when that matters.
  - Request cost of a run where everything is already up to date is one page of 100 servers per request plus one
    request for the latest versions. When the latest versions differ per HDA type, each target group is read once
    too (its type depends on whether it is a VDI group), and a VDI group's server list (whether a server has a GPU);
    the tasks of one run share those reads on the controller.
"""

EXAMPLES = r"""
- name: Upgrade the access agent of every server of a group
  huaweicloud.workspace_app.app_server_hda_upgrade:
    region: cn-north-4
    server_group_id: 7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1
  register: upgrade

- name: Canary first - two servers, smaller batches, shorter deadline
  huaweicloud.workspace_app.app_server_hda_upgrade:
    server_ids:
      - 3f791197-d166-4c8e-81e4-38c40ffc1989
      - 62f48b59-0ebb-4b1e-ad35-f64948a0591b
    batch_size: 1
    wait_timeout: 1200

- name: Start the upgrade of the group named design and come back later
  huaweicloud.workspace_app.app_server_hda_upgrade:
    server_group_name: design
    wait: false
  register: started

- name: A long upgrade as an AWX-style background job, checked every 30 seconds
  huaweicloud.workspace_app.app_server_hda_upgrade:
    server_group_name: design
  async: 7200
  poll: 0
  register: upgrade_job

- name: Wait for the background upgrade
  ansible.builtin.async_status:
    jid: "{{ upgrade_job.ansible_job_id }}"
  register: upgrade
  until: upgrade.finished
  retries: 240
  delay: 30

- name: Later - check one of the jobs
  huaweicloud.workspace_app.app_job_info:
    job_id: "{{ started.jobs[0] }}"
  when: started.jobs | length > 0

- name: Which servers would be upgraded? (no change made)
  huaweicloud.workspace_app.app_server_hda_upgrade:
    server_group_id: 7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1
  check_mode: true
  diff: true
  register: plan

- name: Only make sure the group runs a known version (fails if that is no longer the latest)
  huaweicloud.workspace_app.app_server_hda_upgrade:
    server_group_id: 7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1
    version: 2.0.24.5
"""

RETURN = r"""
servers:
  description: One entry per target server, in name order (servers of the same name by id).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Server id.
      type: str
    name:
      description: Server name.
      type: str
    action:
      description: V(none) (nothing to do or skipped), V(submitted) (upgrade submitted by this run) or V(waited)
        (an upgrade already running was waited for). In check mode, the action a real run would take.
      type: str
    status:
      description: V(unchanged) (already at the target), V(skipped) (not C(REGISTERED); see RV(servers[].error_msg)),
        V(succeeded), V(failed), or V(pending) (not waited for, or in check mode).
      type: str
    job_id:
      description: The job that upgrades the server.
      type: str
    error_code:
      description: Error code of a failed upgrade.
      type: str
    error_msg:
      description: Why the upgrade failed or the server was skipped.
      type: str
    before:
      description: The state before, C({hda_version}).
      type: dict
    after:
      description: The state after (re-read from the service after a successful upgrade), C({hda_version}).
      type: dict
  sample:
    - id: 3f791197-d166-4c8e-81e4-38c40ffc1989
      name: as-server-0001
      action: submitted
      status: succeeded
      job_id: "575945548515770368"
      error_code: null
      error_msg: null
      before: {hda_version: 2.0.23.1}
      after: {hda_version: 2.0.24.5}
jobs:
  description: Ids of the jobs this run submitted, in order.
  returned: always
  type: list
  elements: str
  sample: ["575945548515770368", "575945548515770369"]
summary:
  description: Counts of RV(servers) by status.
  returned: always
  type: dict
  sample: {total: 60, unchanged: 15, skipped: 0, succeeded: 45, failed: 0, pending: 0}
latest_versions:
  description: The latest HDA version per HDA type, as the service reports it.
  returned: always
  type: dict
  sample: {SBC: 2.0.24.5, OA_APP: 2.0.24.5, PT_APP: 2.0.24.3}
progress:
  description:
    - Progress lines of the run (batches submitted, polling rounds, jobs and servers done, time left).
    - Each line starts with a label naming the targets, such as C([group apps-prod]) (see the notes).
    - At C(-v) and above, when the module runs on the controller (C(connection=local)), each line is also
      printed while the task runs, prefixed with the task name.
  returned: when something was submitted or waited for
  type: list
  elements: str
diff:
  description: With C(--diff), C(before) and C(after) map each acted-on server, named "name (id)" (such as
    "as-server-0001 (3f791197-d166-4c8e-81e4-38c40ffc1989)"; the id alone for a server without a name), to its HDA
    version.
  returned: when diff mode is on
  type: dict
"""

import re

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import TargetError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.jobs import (
    JobKind, StateWaiter, Submission, succeeded_lately)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import run_operation
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.operation import Operation, PlanItem
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.servers import (
    AGENT_LIST, ServerReader, agent_records, hda_type, is_gpu_server, latest_for)


VERSION_RE = re.compile(r"\d+(\.\d+)+")
# Seconds a server whose upgrade succeeded lately but whose agent record lags is read again before it is planned.
LAG_PROBE = 60


def version_is_latest_or_a_version(params):
    version = params.get("version")
    if version != "latest" and not VERSION_RE.fullmatch(version or ""):
        raise TargetError("version: %r is not a version; use latest or a version such as 2.0.24.5" % version)


def version_key(version):
    """Compare versions numerically where they are numeric (2.0.10 > 2.0.9)."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"[.\-_]", version or "")]


def latest_versions(client):
    """``{hda type: latest version}``; ``{"": version}`` when the service tells only the tenant-wide one (JSON keys:
    the controller may share it between tasks)."""
    latest = api.list_access_agent_latest_version(client)
    if not any(latest.values()):
        latest = {"": api.show_access_agent_latest_version(client)}
    return dict((kind or "", version) for kind, version in latest.items())


class HdaUpgrade(Operation):
    # the access agent list shows an upgraded version: the waiter settles servers by it, and it is the final state
    kind = JobKind("UPGRADE_ACCESS_AGENT", running_task="upgrading_access_agent", settles_by_state=True)
    options = dict(version=dict(type="str", default="latest"))
    rules = (version_is_latest_or_a_version,)

    def __init__(self, module):
        super(HdaUpgrade, self).__init__(module)
        self.latest = {}
        self.groups = {}
        self.listed = {}  # server id -> its server list record, when planning has one
        self.listed_groups = set()  # groups planning listed whole

    def find_targets(self):
        """Targets from the access agent list: it carries what planning needs for most servers."""
        return agent_records(self.client, self.params["server_ids"], self.context.group_id)

    def prepare(self, servers):
        if self.context.group:  # found by name: its detail was read already
            self.groups[self.context.group["id"]] = self.context.group
        # the same for every task of a run: shared on the controller (one read per run of hosts, not per host)
        latest = self.client.shared_read("latest-hda-versions", lambda: latest_versions(self.client))
        self.latest = dict((None if kind == "" else kind, version) for kind, version in latest.items())
        self.extra_result["latest_versions"] = dict((k, v) for k, v in self.latest.items() if k)
        # a few servers named by id come with their server list record (job fields, GPU flag) already
        self.listed = dict((server["id"], server) for server in servers if server["has_job_fields"])
        for server in servers:
            server["target_version"] = self.target_for(server)
        self.check_explicit_version([s for s in servers if not s["no_agent"]])
        behind = [s for s in servers if not s["no_agent"] and not self.at_target(s)]
        # job fields (is an upgrade running?) are only in the server list: read the records planning lacks
        unread = [s["id"] for s in behind if s["id"] not in self.listed]
        if unread:
            self.listed.update(self.context.reader().read(unread))
        for server in behind:
            record = self.listed.get(server["id"], {})
            for key in ("job_id", "job_type", "job_status", "task_status", "status", "update_time"):
                server[key] = record.get(key, server.get(key))
        self.reread_versions([s for s in behind if self.upgrade_ended(s)])
        self.await_lagging_versions([s for s in behind if not self.at_target(s)
                                     and succeeded_lately(s, self.kind.job_type)])

    def upgrade_ended(self, server):
        """Whether the server record says its last upgrade succeeded."""
        return (server.get("job_type") == self.kind.job_type and server.get("job_status") == "SUCCESS") or (
            server.get("task_status") == "upgrad_access_agent_success")

    def reread_versions(self, servers):
        """The versions of ``servers`` read again. The versions come from the access agent list, the job fields
        from the server list, read after it: an upgrade that ended between the two reads shows the old version
        and no job running, and would be sent twice. A server whose last upgrade succeeded and still shows a
        version behind is read again (an upgrade to an earlier latest version shows the same, at one read)."""
        if not servers:
            return
        fresh = self.agent_reader().read([server["id"] for server in servers])
        for server in servers:
            version = (fresh.get(server["id"]) or {}).get("current_version")
            if version:
                server["current_version"] = version

    def await_lagging_versions(self, servers):
        """Servers whose last upgrade succeeded minutes ago but whose agent record still shows a version behind (the
        service's records lag behind its jobs; a re-run after a killed run meets it) are read again, at the waiters'
        pace, for up to LAG_PROBE seconds (within wait_timeout), before anything is planned: one that shows its
        version by then is not upgraded twice. One that does not (a newer latest version published since, an agent
        put back) is planned as it shows. Check mode does not wait."""
        if not servers or self.check_mode or not self.params.get("wait", True):
            return
        by_id = dict((server["id"], server) for server in servers)
        module = self

        class Probe:
            def cost(self, server_ids):
                return module.agent_reader().cost(server_ids)

            def read(self, server_ids):
                for sid, detail in module.agent_reader().read(server_ids).items():
                    if detail.get("current_version"):
                        by_id[sid]["current_version"] = detail["current_version"]
                return dict((sid, True) for sid in server_ids if module.at_target(by_id[sid]))

        self.context.progress.append("%d server(s) whose upgrade succeeded lately do not show the new version yet: "
                                     "reading them again for up to %ds before planning" % (len(servers), LAG_PROBE))
        within = min(LAG_PROBE, self.params["wait_timeout"])
        waiter = StateWaiter(self.client, within, self.params["poll_interval"], progress=self.context.progress.append,
                             observed=Probe())
        waiter.wait_for(sorted(by_id), fresh=True)

    def target_for(self, server):
        versions = set(v for v in self.latest.values() if v)
        if len(versions) <= 1:
            return versions.pop() if versions else None
        # Several HDA types with different latest versions: the server's type decides.
        group_id = server["server_group_id"]
        if group_id not in self.groups:
            self.groups[group_id] = dict(is_vdi=self.client.shared_read(
                "group-is-vdi", lambda: bool((api.show_server_group(self.client, group_id) or {}).get("is_vdi")),
                group_id))
        if not self.groups[group_id].get("is_vdi"):
            return latest_for(self.latest, hda_type(False, False))
        if server["id"] not in self.listed and group_id not in self.listed_groups:
            # the GPU flag is only in the server list; the records also give the job fields prepare needs
            self.listed.update((record["id"], record) for record in api.list_servers(self.client,
                                                                                     server_group_id=group_id))
            self.listed_groups.add(group_id)
        return latest_for(self.latest, hda_type(True, is_gpu_server(self.listed.get(server["id"]) or {})))

    def at_target(self, server):
        current, wanted = server["current_version"], self.params["version"]
        if wanted != "latest" and current == wanted:
            return True
        target = server["target_version"]
        return bool(current and target) and version_key(current) >= version_key(target)

    def check_explicit_version(self, servers):
        """Each target runs the explicit version already, or has it as its latest."""
        wanted = self.params["version"]
        wrong = sorted(set(s["target_version"] for s in servers
                           if s["current_version"] != wanted and s["target_version"] != wanted))
        if wanted != "latest" and wrong:
            raise TargetError(
                "version: %s is not the latest HDA version (latest: %s); the API can only upgrade to the latest "
                "version, so use version: latest or %s" % (wanted, ", ".join(str(v) for v in wrong), wrong[-1]))

    def plan_server(self, server):
        before = dict(hda_version=server["current_version"])
        after = dict(hda_version=server["target_version"])
        if server["no_agent"]:
            return PlanItem(server, "skip", before, note="the service reports no access agent on this server")
        if self.at_target(server):
            return PlanItem(server, "none", before)
        if self.kind.running(server):
            return PlanItem(server, "wait", before, after, job_id=server["job_id"])
        if server.get("status") != "REGISTERED":
            return PlanItem(server, "skip", before, note="status is %s; only REGISTERED servers can be upgraded"
                            % server.get("status"))
        return PlanItem(server, "submit", before, after)

    def awaits_registration(self, record):
        """A server to be upgraded that is not REGISTERED: the run waits for it when it is in transition (the agent
        registers again after a rebuild, reinstall or power change), instead of skipping it."""
        return (record.get("status") != "REGISTERED" and not record["no_agent"] and not self.at_target(record)
                and not self.kind.running(record))

    def send(self, items):
        job_id = api.batch_upgrade_hda_version(self.client, [item.server_id for item in items])
        return dict((item.server_id, Submission(job_id)) for item in items)

    def agent_reader(self):
        return ServerReader(self.client, list(self.context.targets.values()), self.context.group_sizes(),
                            source=AGENT_LIST)

    def read_states(self, server_ids):
        return dict((sid, dict(hda_version=detail.get("current_version")))
                    for sid, detail in self.agent_reader().read(server_ids).items())

    def state_cost(self, server_ids):
        return self.agent_reader().cost(server_ids)

    def reached(self, planned, after):
        wanted, current = planned.get("hda_version"), after.get("hda_version")
        return not wanted or (bool(current) and version_key(current) >= version_key(wanted))


def main():
    run_operation(HdaUpgrade)


if __name__ == "__main__":
    main()
