# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading servers and server groups: the one place that decides how.

:class:`ServerReader` reads server records by id in as few requests as it
can; target resolution (:func:`resolve_targets`), the info modules, the
engine's recovery and verification, the waiters and the ``read_by_id``
filter all go through it, so "list the group or look servers up one by one"
is decided here only. Server groups are found by id or by exact name here
too (:func:`find_group`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.client import PAGE_LIMIT
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import ApiError, TargetError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.resource import describe, find_by_id_or_name
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.server_groups import tag_dict

# Up to this many servers of a group whose size is unknown (or of no known group) are looked up one by one;
# more are read from the paged list (100 per request), which is cheaper then.
PER_ID_LOOKUP_MAX = 5
# task_status values that tell how a server's last task ended (AppServerTaskStatus): the server is not busy. Every
# other non-empty task_status is a task still in progress (scheduling, rebooting, upgrading_access_agent, ...).
ENDED_TASK_STATUSES = frozenset([
    "null", "rebuild_fail", "updating_tsvi_failed", "delete_failed", "upgrad_access_agent_fail",
    "upgrad_access_agent_success", "migrate_failed", "install_app_failed",
])


def named(names, shown=3):
    """``a, b, c`` or ``a, b, c and 4 more``: the first ``shown`` of ``names``, for a progress line."""
    names = list(names)
    more = len(names) - shown
    return ", ".join(names[:shown]) + (" and %d more" % more if more > 0 else "")


def pages(size):
    """Requests a listing of ``size`` records costs (at least one)."""
    return max(1, -(-size // PAGE_LIMIT))


def task_running(record):
    """The server's ``task_status`` when it names a task in progress; None when empty or an ended task's status."""
    status = record.get("task_status")
    if not status or status in ENDED_TASK_STATUSES:
        return None
    return status


def unique(values):
    """``values`` without repeats, in their first order."""
    return list(dict.fromkeys(values))


class Listing:
    """Where a reader reads records: a paged listing by group, and a lookup of one server.

    ``lookup_by`` is the record field the one-server lookup filters on (``id`` for the server list; the access
    agent list can only be filtered by ``server_name``, and matches it partially); ``id_key`` names the server id
    in the listing's records.
    """

    def __init__(self, call, id_key, lookup_param, lookup_by):
        self.call = call
        self.id_key = id_key
        self.lookup_param = lookup_param
        self.lookup_by = lookup_by

    def list(self, client, group_id, filters):
        return self.call(client, server_group_id=group_id, **filters)

    def lookup(self, client, value, filters):
        query = dict(filters)
        query[self.lookup_param] = value
        return self.call(client, **query)


SERVER_LIST = Listing(api.list_servers, "id", "server_id", "id")
AGENT_LIST = Listing(api.list_server_hda_details, "server_id", "server_name", "name")


class ServerReader:
    """Reads the current records of some servers in as few requests as it can.

    Per server group, either the group's paged list (``server_group_id``, 100
    per page) or one lookup per server, whichever costs fewer requests. A
    group listing is estimated at ``ceil(size / 100)`` pages, where ``size`` is
    what its last listing returned (or ``group_sizes`` said), or before that
    the number of known servers in it (a lower bound: then a few servers, up to
    ``PER_ID_LOOKUP_MAX``, are looked up one by one rather than risk listing a
    large group). Servers of no known group are looked up one by one, up to
    ``PER_ID_LOOKUP_MAX``; more are matched against one listing of the whole
    tenant.

    ``source`` is the listing read (:data:`SERVER_LIST`, by default, or
    :data:`AGENT_LIST`, whose one-server lookup needs the server's name: a
    server of unknown name is listed with its group). ``filters``
    (``server_name``, ``maintain_status``) narrow every read.
    """

    def __init__(self, client, servers=None, group_sizes=None, filters=None, source=SERVER_LIST):
        self.client = client
        self.source = source
        self.filters = dict((key, value) for key, value in (filters or {}).items() if value is not None)
        self.group_of = dict((record["id"], record.get("server_group_id")) for record in servers or [])
        self.lookup_key = dict((record["id"], record.get(source.lookup_by)) for record in servers or [])
        self.group_size = dict(group_sizes or {})  # group id -> servers its last listing returned
        self.known_in_group = {}
        for group_id in self.group_of.values():
            if group_id:
                self.known_in_group[group_id] = self.known_in_group.get(group_id, 0) + 1

    def cheaper_to_list(self, group_id, count):
        """Is listing the group (the whole tenant for ``group_id`` None) cheaper than ``count`` lookups by id?"""
        if not group_id:
            return count > PER_ID_LOOKUP_MAX
        size = self.group_size.get(group_id)
        if size is None:
            if count <= PER_ID_LOOKUP_MAX:
                return False
            size = self.known_in_group.get(group_id, 0)
        return count >= pages(size)

    def key_for(self, server_id):
        return server_id if self.source.lookup_by == "id" else self.lookup_key.get(server_id)

    def plan_reads(self, server_ids):
        """``[(group_id, ids, list_group)]``: how :meth:`read` would read these servers."""
        by_group = {}
        for server_id in unique(server_ids):
            by_group.setdefault(self.group_of.get(server_id), []).append(server_id)
        return [(group_id, ids, self.cheaper_to_list(group_id, len(ids))
                 or any(not self.key_for(server_id) for server_id in ids))
                for group_id, ids in by_group.items()]

    def cost(self, server_ids):
        """Requests :meth:`read` is expected to send for these servers."""
        total = 0
        for group_id, ids, list_group in self.plan_reads(server_ids):
            if list_group:
                total += pages(self.group_size.get(group_id) or self.known_in_group.get(group_id, len(ids)))
            else:
                total += len(ids)
        return total

    def read(self, server_ids):
        """``{server_id: record}`` for the given servers the service still lists."""
        ordered = unique(server_ids)
        wanted = set(ordered)
        id_key = self.source.id_key
        found = {}
        for group_id, ids, list_group in self.plan_reads(ordered):
            if list_group:
                records = self.source.list(self.client, group_id, self.filters)
                if group_id and not self.filters:
                    self.group_size[group_id] = len(records)
                found.update((r[id_key], r) for r in records if r.get(id_key) in wanted)
            else:
                for server_id in ids:
                    found.update((r[id_key], r) for r in self.source.lookup(self.client, self.key_for(server_id),
                                                                            self.filters)
                                 if r.get(id_key) == server_id)
        for server_id, record in found.items():
            self.group_of[server_id] = record.get("server_group_id") or self.group_of.get(server_id)
        return found


def read_by_id(fleet, wanted):
    """``wanted`` when looking those servers up one by one costs fewer requests than listing their groups, else [].

    ``fleet`` is a list of server records read before (it tells each server's group and each group's size).
    """
    reader = ServerReader(None, fleet)
    reader.group_size.update(reader.known_in_group)  # the fleet holds every server of its groups: their sizes
    wanted = unique(wanted)
    return [] if any(list_group for _unused, _ids, list_group in reader.plan_reads(wanted)) else wanted


class Targets:
    """The servers a task acts on, sorted by id, and the group when one was named."""

    def __init__(self, servers, group=None):
        self.servers = sorted(servers, key=lambda server: server["id"])
        self.group = group

    @property
    def ids(self):
        return [server["id"] for server in self.servers]


def show_group_or_fail(client, server_group_id, option="server_group_id"):
    try:
        return api.show_server_group(client, server_group_id)
    except ApiError as exc:
        if exc.status == 404:
            raise TargetError("%s: no server group with id %r (%s)" % (option, server_group_id, exc.error_code))
        raise


IDS_TAKEN = ("it takes one or more server ids (a list, or ids separated by commas), or set server_group_id or "
             "server_group_name instead")


def ids_given(server_ids, option="server_ids"):
    """Fail when the list of ids ``server_ids`` (when given) is empty or has an empty entry (``server_ids=`` on the
    command line is one empty id): a message naming the option and what it takes, before any request."""
    if server_ids is None:
        return
    blank = [index for index, server_id in enumerate(server_ids) if not (server_id or "").strip()]
    if len(blank) == len(server_ids):
        raise TargetError("%s: is empty (%s); %s" % (
            option, "no id given" if not server_ids else "%d empty id(s) given" % len(server_ids), IDS_TAKEN))
    if blank:
        raise TargetError("%s: %d of the %d ids given %s empty (position %s); remove the empty entries"
                          % (option, len(blank), len(server_ids), "is" if len(blank) == 1 else "are",
                             ", ".join(str(index + 1) for index in blank)))


def wanted_ids(server_ids):
    """The named servers without repeats; an empty list, or an empty id, fails."""
    ids_given(server_ids or [])
    return unique(server_ids)


def fail_unknown(wanted, found):
    unknown = [server_id for server_id in wanted if server_id not in found]
    if unknown:
        raise TargetError("server_ids: unknown server id(s): %s" % ", ".join(unknown))


def resolve_targets(client, server_ids=None, server_group_id=None, group=None):
    """Read the target servers; unknown ids fail here, before anything is submitted.

    ``group`` is the detail record of ``server_group_id`` when it was read already (found by name). A group given
    by id is read only when it lists no server, to tell an empty group (no targets) from an unknown one (it fails);
    ``Targets.group`` is then None unless it was given.
    """
    if server_group_id:
        servers = api.list_servers(client, server_group_id=server_group_id)
        if not servers and group is None:
            group = show_group_or_fail(client, server_group_id)  # an unknown group fails; an empty one has no targets
        return Targets(servers, group)
    wanted = wanted_ids(server_ids)
    found = ServerReader(client).read(wanted)
    fail_unknown(wanted, found)
    return Targets([found[server_id] for server_id in wanted])


def describe_groups(groups):
    """``a (id1), b (id2), ...``: groups as messages list them."""
    return describe(groups)


def find_group(client, server_group_id=None, name=None, renamed_to=None, option="name", missing_ok=False):
    """A group's detail record, by id or by exact name (or by ``renamed_to``, when an earlier run renamed it): the
    resource engine's rule (:func:`~.resource.find_by_id_or_name`) for server groups.

    With ``missing_ok`` a group that does not exist is None instead of a failure.
    """
    return find_by_id_or_name("server group", lambda group_id: api.show_server_group(client, group_id),
                              lambda group_name: api.list_server_groups(client, server_group_name=group_name),
                              server_group_id, name, renamed_to, option=option, id_option="server_group_id",
                              missing_ok=missing_ok, everything=lambda: api.list_server_groups(client))


def agent_record(detail, server=None):
    """A target as planning sees it: the access agent list's fields, the server record's where it was read."""
    record = dict(server or {})
    record.update(id=detail.get("server_id") or record.get("id"),
                  name=detail.get("server_name") or record.get("name"),
                  server_group_id=detail.get("server_group_id") or record.get("server_group_id"),
                  server_group_name=detail.get("server_group_name") or record.get("server_group_name"),
                  status=detail.get("status") or record.get("status"),
                  maintain_status=detail.get("maintain_status", record.get("maintain_status")),
                  current_version=detail.get("current_version"), no_agent=detail.get("no_agent", False),
                  has_job_fields=server is not None)
    return record


def missing_agent(server):
    return dict(server_id=server["id"], server_name=server.get("name"), server_group_id=server.get("server_group_id"),
                status=server.get("status"), current_version=None, no_agent=True)


def agent_records(client, server_ids=None, server_group_id=None):
    """Target servers as the access agent list shows them (with ``current_version``).

    A group is read through its agent list. Up to ``PER_ID_LOOKUP_MAX`` servers named by id are read one by one:
    their server records by id, then their agent records by name, so that a task on one server costs two reads
    whatever the tenant's size (their records then also carry the server list's job fields: ``has_job_fields``).
    More are matched
    against one listing of the tenant's agents. Servers the agent list leaves out are read from the server list
    (unknown ids fail there) and carry ``current_version`` None and ``no_agent`` True.
    """
    if server_group_id:
        details = [d for d in api.list_server_hda_details(client, server_group_id=server_group_id)
                   if d.get("server_group_id") == server_group_id]
        if not details:
            show_group_or_fail(client, server_group_id)  # an unknown group fails; an empty one has no targets
        return [agent_record(d) for d in details]
    wanted = wanted_ids(server_ids)
    if len(wanted) <= PER_ID_LOOKUP_MAX:
        found = ServerReader(client).read(wanted)
        fail_unknown(wanted, found)
        servers = [found[sid] for sid in wanted]
        details = ServerReader(client, servers, source=AGENT_LIST).read(wanted)
        return [agent_record(details.get(s["id"]) or missing_agent(s), s) for s in servers]
    by_id = dict((d.get("server_id"), d) for d in api.list_server_hda_details(client))
    missing = [sid for sid in wanted if sid not in by_id]
    if missing:
        for record in resolve_targets(client, server_ids=missing).servers:
            by_id[record["id"]] = missing_agent(record)
    return [agent_record(by_id[sid]) for sid in wanted]


def hda_versions(client, server_group_id=None, server_name=None):
    """``{server_id: current_version}`` from the access agent list."""
    return dict((detail.get("server_id"), detail.get("current_version"))
                for detail in api.list_server_hda_details(client, server_group_id=server_group_id,
                                                          server_name=server_name))


# -- HDA types and the fleet as selected ----------------------------------------------------------------------

# ServerStatus, the values of a server record's ``status``.
SERVER_STATUSES = ("UNREGISTER", "REGISTERED", "MAINTAINING", "FREEZE", "STOPPED", "NONE")


def hda_type(is_vdi, is_gpu):
    """The HDA type of a server (``LatestVersionInfo.hda_type``): ``SBC`` outside VDI groups, else ``PT_APP`` with a
    GPU and ``OA_APP`` without."""
    if not is_vdi:
        return "SBC"
    return "PT_APP" if is_gpu else "OA_APP"


def latest_for(latest, server_hda_type):
    """The latest version of ``server_hda_type`` in ``latest`` (``{hda_type: version}``); the SBC one when the
    service lists none for it."""
    return latest.get(server_hda_type) or latest.get("SBC")


def host_addresses(server):
    """The addresses of a server record's ``host_address`` (EcsNetWork entries with an ``addr``)."""
    return [a for a in server.get("host_address") or [] if isinstance(a, dict) and a.get("addr")]


def first_address(server):
    """The server's first IPv4 address, else its first address, else None."""
    addresses = host_addresses(server)
    ipv4 = [a for a in addresses if str(a.get("version")) == "4"]
    return (ipv4 or addresses or [{}])[0].get("addr")


def is_gpu_server(record):
    return bool((record.get("product_info") or {}).get("is_gpu"))


def select_groups(groups, group_ids=None, group_names=None):
    """The ids of the groups named by id or by exact name (every group of a name, in listing order), or None when
    neither is given (every group). An unknown id or name fails naming the groups there are."""
    if group_ids is None and group_names is None:
        return None
    known = dict((group.get("id"), group) for group in groups)
    unknown_ids = [group_id for group_id in group_ids or [] if group_id not in known]
    if unknown_ids:
        raise TargetError("server_group_ids: no server group with id %s; existing groups: %s"
                          % (", ".join(repr(i) for i in unknown_ids), describe_groups(groups) or "none"))
    by_name = {}
    for group in groups:
        by_name.setdefault(group.get("name"), []).append(group["id"])
    unknown_names = [name for name in group_names or [] if name not in by_name]
    if unknown_names:
        raise TargetError("server_group_names: no server group is named %s; existing groups: %s"
                          % (", ".join(repr(n) for n in unknown_names), describe_groups(groups) or "none"))
    return unique(list(group_ids or []) + [group_id for name in group_names or [] for group_id in by_name[name]])


def read_fleet(client, group_ids=None, group_names=None, name=None, maintain_status=None, statuses=None, hda=False):
    """The selected servers, sorted by id, each with its group's ``server_group_name`` and ``server_group_tags`` (a
    ``{key: value}`` dict, from the same listing of the groups: no request of its own); with ``hda`` also its
    ``current_version`` (None when the access agent list has none), ``hda_type`` and the ``latest_version`` of
    that type.

    Costs one listing of the server groups, the server list (per selected group, or the tenant's when no group is
    selected; 100 per page) and, with ``hda`` and at least one server selected, the access agent list read the same
    way plus one request for the latest versions. ``name`` is the API's partial match and narrows both lists;
    ``statuses`` is matched here (the list cannot filter by status).
    """
    groups = api.list_server_groups(client)
    selected = select_groups(groups, group_ids, group_names)
    scopes = [None] if selected is None else selected
    filters = dict(server_name=name, maintain_status=maintain_status)
    servers = {}
    for group_id in scopes:
        for record in api.list_servers(client, server_group_id=group_id, **filters):
            if selected is None or record.get("server_group_id") == group_id:
                servers[record["id"]] = record
    if statuses is not None:
        servers = dict((i, r) for i, r in servers.items() if r.get("status") in statuses)
    group_of = dict((group.get("id"), group) for group in groups)
    for record in servers.values():
        group = group_of.get(record.get("server_group_id")) or {}
        record["server_group_name"] = group.get("name") or record.get("server_group_name")
        record["server_group_tags"] = tag_dict(group.get("tags") or [])
    if hda and servers:
        versions = {}
        for group_id in scopes:
            versions.update(hda_versions(client, server_group_id=group_id, server_name=name))
        latest = api.list_access_agent_latest_version(client)
        for record in servers.values():
            group = group_of.get(record.get("server_group_id")) or {}
            record["current_version"] = versions.get(record["id"])
            record["hda_type"] = hda_type(group.get("is_vdi"), is_gpu_server(record))
            record["latest_version"] = latest_for(latest, record["hda_type"])
    return [servers[server_id] for server_id in sorted(servers)]
