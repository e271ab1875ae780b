#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_application
short_description: Publish, update, enable, disable and unpublish applications of a Workspace app group
version_added: 1.1.0
description:
  - Desired state for the published applications of one app group (application streaming). Each entry of
    O(applications) is identified by its O(applications[].name) within the group; it is published with the settings
    listed, a published one whose listed settings differ is updated, O(applications[].enabled) enables or disables
    it, O(applications[].state=absent) unpublishes it. With O(purge=true) the published applications that are not
    listed are unpublished too.
  - Reads the app group once and its published applications once (every page of one listing, matched by exact
    name; the API's name filter matches parts of names). Only the settings a task sets are compared and sent.
  - Cost of the calls sent, per kind, as the API allows them - publish at most 20 applications per call,
    unpublish at most 50, enable and disable at most 20; a differing setting is one C(update_app) call per
    application (which also carries O(applications[].enabled) when that differs too).
  - An image application (O(applications[].source_type=image)) must be one the group's image offers (what
    C(GET …/app-groups/{id}/publishable-app) lists); this is checked before anything is sent, and the failure names
    the applications the image offers. Its publish call takes the offered application's settings (execute path,
    work path, icon, version, publisher) unless the task sets them.
  - A call whose answer was lost, or answered with a server error (5xx), is settled by reading the published
    applications again; what shows the change is not sent again (an application is never published twice), the
    rest is sent again up to O(max_retries) times.
author:
  - huaweicloud.workspace_app maintainers (@huaweicloud)
options:
  app_group_id:
    description:
      - The app group's id. Exactly one of O(app_group_id) and O(app_group_name).
    type: str
  app_group_name:
    description:
      - The app group's exact name (a name several groups share fails, listing them).
    type: str
  applications:
    description:
      - The applications of the group to act on, each at most once.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - The application's name, its identity within the app group. 1 to 64 visible characters or spaces, not
            only spaces, none of C(^ ; / ~ ` { } [ ] < >).
        type: str
        required: true
      source_type:
        description:
          - V(image) is an application the group's image offers (see M(huaweicloud.workspace_app.app_application_info)
            with C(publishable=true)); V(custom) an application the task describes, with O(applications[].execute_path).
          - When not set, an application to publish is V(custom) when O(applications[].execute_path) is set, else
            V(image).
          - It cannot be changed on a published application (the update call has no such field); a difference fails
            before anything is sent. Unpublish it (O(applications[].state=absent)) and publish it again.
        type: str
        choices: [image, custom]
      execute_path:
        description:
          - The path of the executable on the servers. Required for V(custom) applications.
        type: str
      version:
        description: The application's version.
        type: str
      command_param:
        description: The command line parameters it starts with.
        type: str
      work_path:
        description: Its working directory.
        type: str
      icon_path:
        description:
          - The path of its icon file. Set when it is published; a difference on a published application fails
            before anything is sent (the update call cannot change it).
        type: str
      icon_index:
        description:
          - The index of its icon in O(applications[].icon_path). Set when published, like O(applications[].icon_path).
        type: int
      publisher:
        description:
          - Its publisher. Set when published, like O(applications[].icon_path).
        type: str
      description:
        description: Its description.
        type: str
      sandbox_enable:
        description: Whether it runs in sandbox mode.
        type: bool
      enabled:
        description:
          - V(true) is C(state=NORMAL) (users may start it), V(false) C(FORBIDDEN). Not compared when not set; an
            application is published enabled, so V(false) on one to publish publishes it and then disables it.
        type: bool
      state:
        description:
          - V(present) publishes it (or keeps it published), V(absent) unpublishes it (nothing happens when it is not
            published).
        type: str
        choices: [present, absent]
        default: present
  purge:
    description:
      - V(true) also unpublishes every published application of the group that O(applications) does not list.
    type: bool
    default: false
extends_documentation_fragment:
  - huaweicloud.workspace_app.connection
  - huaweicloud.workspace_app.connection.action_group
attributes:
  check_mode:
    support: full
    description: Reads and plans; sends nothing. C(changed) and RV(applications[].action) tell what a real run would do.
  diff_mode:
    support: full
    description: Per application that is (or would be) changed, the settings that change before and after.
notes:
  - Request cost of a run where nothing needs changing - one request for the app group by id (two by name) and one
    page of 100 published applications per request; one more for the group's image only when an image application
    is to be published.
  - The update call cannot change O(applications[].source_type), O(applications[].icon_path),
    O(applications[].icon_index) or O(applications[].publisher) of a published application.
  - The service answers 200 to an unpublish of applications it does not have; every change is verified by
    reading the published applications again.
"""

EXAMPLES = r"""
- name: Publish two applications of the image and a custom one, disable an old one
  huaweicloud.workspace_app.app_application:
    region: cn-north-4
    app_group_name: office
    applications:
      - name: Notepad
        source_type: image
      - name: Calculator
      - name: Report tool
        source_type: custom
        execute_path: 'C:\Program Files\Reports\report.exe'
        command_param: --readonly
        description: Monthly reports
      - name: Legacy viewer
        enabled: false
  register: published

- name: Exactly these applications in the group, nothing else (check mode first)
  huaweicloud.workspace_app.app_application:
    app_group_id: 5e1c1b2b-9f3a-4a57-8c53-2d0e5a7b9c11
    purge: true
    applications: "{{ office_apps }}"
  check_mode: true
  diff: true
  register: plan

- name: Show what would be unpublished
  ansible.builtin.debug:
    msg: "{{ plan.applications | selectattr('action', 'eq', 'unpublish') | map(attribute='name') | list }}"

- name: Unpublish one application
  huaweicloud.workspace_app.app_application:
    app_group_name: office
    applications:
      - name: Legacy viewer
        state: absent
"""

RETURN = r"""
msg:
  description: What the run did (or, in check mode, would do), per kind of call.
  returned: when the task does not fail
  type: str
  sample: "app group office (5e1c…): published 3, updated 1, disabled 1 application(s); 20 unchanged"
app_group:
  description: The app group acted on.
  returned: always
  type: dict
  contains:
    id:
      description: Its id.
      type: str
    name:
      description: Its name.
      type: str
applications:
  description: One entry per application listed (and, with O(purge), per published one not listed), in name order
    (applications still to be published last).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The application's name.
      type: str
    id:
      description: Its id in the app group (none for one not published yet; in check mode, for one to publish).
      type: str
    action:
      description: V(none) (as desired), or the call that changes it in this run (in check mode, would), V(publish),
        V(update), V(enable), V(disable) or V(unpublish). A new application with O(applications[].enabled=false)
        is V(publish) (published, then disabled).
      type: str
    status:
      description: V(unchanged), V(succeeded) (the re-read shows the desired state), V(failed), or V(pending)
        (check mode).
      type: str
    error_code:
      description: Error code of a failed call.
      type: str
    error_msg:
      description: Why the application failed.
      type: str
    before:
      description: What it showed before of the settings that change (C(published), C(enabled), the settings set).
      type: dict
    after:
      description: What it shows after (re-read), or the plan in check mode.
      type: dict
  sample:
    - name: Notepad
      id: 0c3b7d2e-1f4a-4e8e-9b1d-6f3f3b7f3c10
      action: publish
      status: succeeded
      error_code: null
      error_msg: null
      before: {published: false}
      after: {published: true, source_type: image}
summary:
  description: Counts of RV(applications) by status.
  returned: always
  type: dict
  sample: {total: 25, unchanged: 20, skipped: 0, succeeded: 5, failed: 0, pending: 0}
progress:
  description: One line per call sent.
  returned: when something was sent
  type: list
  elements: str
diff:
  description: With C(--diff), C(before) and C(after) map each changed (or, in check mode, to be changed) application,
    by name, to its settings that change.
  returned: when diff mode is on
  type: dict
"""

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.app_groups import find_app_group
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.applications import (
    MAX_PUBLISH, MAX_STATE_CHANGE, MAX_UNPUBLISH, SOURCE_TYPES, Applications, ambiguous, name_problem,
    publishable, published_by_name, source_type_name)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import TargetError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.jobs import AppliedAtOnce, Submission
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import not_blank, run_operation
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.operation import (
    SUCCEEDED, Operation, PlanItem)

PUBLISH = "publish"
UPDATE = "update"
ENABLE = "enable"
DISABLE = "disable"
UNPUBLISH = "unpublish"
LIMITS = {PUBLISH: MAX_PUBLISH, UPDATE: 1, ENABLE: MAX_STATE_CHANGE, DISABLE: MAX_STATE_CHANGE,
          UNPUBLISH: MAX_UNPUBLISH}
VERBS = ((PUBLISH, "published"), (UPDATE, "updated"), (ENABLE, "enabled"), (DISABLE, "disabled"),
         (UNPUBLISH, "unpublished"))

# The settings of an application (the App record's fields of the same names), and which of them update_app takes.
SETTINGS = ("source_type", "execute_path", "version", "command_param", "work_path", "icon_path", "icon_index",
            "publisher", "description", "sandbox_enable")
UPDATABLE = ("execute_path", "version", "command_param", "work_path", "description", "sandbox_enable")
# What a publish body of an image application takes from the offered application unless the task sets it.
OFFERED = ("execute_path", "work_path", "icon_path", "icon_index", "command_param", "version", "publisher",
           "description", "sandbox_enable")

APPLICATION_OPTIONS = dict(
    name=dict(type="str", required=True),
    source_type=dict(type="str", choices=sorted(SOURCE_TYPES)),
    execute_path=dict(type="str"),
    version=dict(type="str"),
    command_param=dict(type="str"),
    work_path=dict(type="str"),
    icon_path=dict(type="str"),
    icon_index=dict(type="int"),
    publisher=dict(type="str"),
    description=dict(type="str"),
    sandbox_enable=dict(type="bool"),
    enabled=dict(type="bool"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)


def check_applications(params):
    """The listed applications as the API takes them, before any request: names by PublishApp's rules, each name
    once, a custom application with its execute path, an icon index that is not negative."""
    seen = {}
    for index, app in enumerate(params.get("applications") or []):
        option = "applications[%d]" % index
        problem = name_problem(app["name"])
        if problem:
            raise TargetError("%s.name: %s" % (option, problem))
        if app["name"] in seen:
            raise TargetError("applications: %r is listed twice (applications[%d] and [%d]); list each application "
                              "once" % (app["name"], seen[app["name"]], index))
        seen[app["name"]] = index
        if app.get("state") != "absent" and app.get("source_type") == "custom" and not app.get("execute_path"):
            raise TargetError("%s.execute_path: required for source_type custom (%r)" % (option, app["name"]))
        if app.get("icon_index") is not None and app["icon_index"] < 0:
            raise TargetError("%s.icon_index: must be 0 or more, got %d" % (option, app["icon_index"]))


def observe(record):
    """What a published application (its App record; ``{}`` for none) shows, in the plan's words."""
    if not record:
        return dict(published=False)
    state = dict(published=True, enabled=record.get("state") != "FORBIDDEN")
    for field in SETTINGS:
        state[field] = record.get(field)
    state["source_type"] = source_type_name(record.get("source_type"))
    if state["sandbox_enable"] is None:
        state["sandbox_enable"] = False
    return state


class ReadBack(AppliedAtOnce):
    """Applied at once; after a lost answer or a 5xx an application's re-read (none: not published) says whether the
    change is there (an unpublished application shows as ``{published: false}``, so its unpublish is settled too)."""

    @staticmethod
    def recovered(item, record, exc, operation):
        if operation.reached(item.after, operation.observe(record or {})):
            return Submission(applied=True)
        return None


class Publish(Operation):
    kind = ReadBack()
    items = Applications()
    server_targets = False
    options = dict(
        app_group_id=dict(type="str"),
        app_group_name=dict(type="str"),
        applications=dict(type="list", elements="dict", options=APPLICATION_OPTIONS, default=[]),
        purge=dict(type="bool", default=False),
    )
    module_kwargs = dict(mutually_exclusive=[("app_group_id", "app_group_name")],
                         required_one_of=[("app_group_id", "app_group_name")])
    rules = (not_blank("app_group_id"), not_blank("app_group_name"), check_applications)

    def __init__(self, module):
        super(Publish, self).__init__(module)
        self.items = Applications(self)
        self.app_group = None
        self.wanted = dict((app["name"], app) for app in self.params.get("applications") or [])
        self.shown = {}  # name -> the App record last read (None: not published); what a publish call sends
        self.offered = {}  # name -> the PublishableApp the group's image offers (when an image app is published)
        self.group_images = []
        self.batch_keys = {}  # name -> the call its plan sends (None: nothing)

    # -- targets -----------------------------------------------------------------------------------------------
    def find_targets(self):
        self.app_group = find_app_group(self.client, self.params["app_group_id"], self.params["app_group_name"],
                                        option="app_group_name")
        self.extra_result["app_group"] = dict(id=self.app_group["id"], name=self.app_group.get("name"))
        published = published_by_name(self.client, self.app_group["id"])
        names = list(self.wanted) + (sorted(set(published) - set(self.wanted)) if self.params["purge"] else [])
        doubled = ambiguous(published, names)
        if doubled:
            raise TargetError("applications: app group %s has several published applications named %s; unpublish "
                              "the extra ones by id first" % (self.group_label(), ", ".join(repr(n) for n in doubled)))
        records = []
        for name in names:
            record = published.get(name)
            self.shown[name] = record
            records.append(dict(record) if record else dict(name=name))
        self.check_unchangeable(records)
        self.check_offered(records)
        return records

    def group_label(self):
        return "%s (%s)" % (self.app_group.get("name"), self.app_group["id"])

    def source_type(self, name):
        """The source type an application is (to be) published as: the task's, else custom with an execute path."""
        app = self.wanted[name]
        return app.get("source_type") or ("custom" if app.get("execute_path") else "image")

    def check_unchangeable(self, records):
        """A published application whose listed setting the update call cannot change fails before anything is
        sent (naming the option, both values and what to do)."""
        for index, app in enumerate(self.params.get("applications") or []):
            record = self.shown.get(app["name"])
            if not record or app["state"] == "absent":
                continue
            shown = observe(record)
            for field in SETTINGS:
                if field not in UPDATABLE and app.get(field) is not None and app[field] != shown[field]:
                    raise TargetError(
                        "applications[%d].%s: %r is published with %s %r, which the service cannot update; "
                        "unpublish it (state: absent) and publish it again"
                        % (index, field, app["name"], field, shown[field]))

    def check_offered(self, records):
        """Image applications to publish are ones the group's image offers: read once, only when there are any."""
        image_apps = sorted(record["name"] for record in records if not self.shown.get(record["name"])
                            and record["name"] in self.wanted and self.wanted[record["name"]]["state"] == "present"
                            and self.source_type(record["name"]) == "image")
        if not image_apps:
            return
        answer = publishable(self.client, self.app_group, option="applications")
        self.group_images = list(answer.get("group_images") or [])
        self.offered = dict((item.get("name"), item) for item in answer.get("items") or [])
        missing = [name for name in image_apps if name not in self.offered]
        if missing:
            raise TargetError("applications: %s %s not offered by the image of app group %s (source_type image); it "
                              "offers: %s" % (", ".join(repr(name) for name in missing),
                                              "is" if len(missing) == 1 else "are", self.group_label(),
                                              ", ".join(sorted(self.offered)) or "nothing"))

    # -- the plan ----------------------------------------------------------------------------------------------
    def plan_item(self, record):
        item = self.plan_application(record)
        self.batch_keys[record["name"]] = item.batch_key if item.action == "submit" else None
        return item

    def plan_application(self, record):
        name = record["name"]
        app = self.wanted.get(name)
        shown = observe(self.shown.get(name))
        if app is None or app["state"] == "absent":  # purged, or listed absent
            if not shown["published"]:
                return PlanItem(record, "none", dict(published=False))
            return PlanItem(record, "submit", dict(published=True), dict(published=False), batch_key=UNPUBLISH)
        wanted = dict((field, app[field]) for field in SETTINGS if app.get(field) is not None)
        if not shown["published"]:
            after = dict(wanted, published=True, source_type=self.source_type(name))
            if app.get("enabled") is not None:
                after["enabled"] = app["enabled"]
            return PlanItem(record, "submit", dict(published=False), after, batch_key=PUBLISH)
        changes = dict((field, value) for field, value in wanted.items() if shown[field] != value)
        if app.get("enabled") is not None and shown["enabled"] != app["enabled"]:
            changes["enabled"] = app["enabled"]
        if not changes:
            return PlanItem(record, "none", dict((field, shown[field]) for field in wanted))
        before = dict((field, shown[field]) for field in changes)
        if set(changes) - set(["enabled"]):
            key = UPDATE
        else:
            key = ENABLE if changes["enabled"] else DISABLE
        return PlanItem(record, "submit", before, changes, batch_key=key)

    def batch_limit(self, batch_key):
        return LIMITS[batch_key]

    # -- sending -----------------------------------------------------------------------------------------------
    def send(self, items):
        key = items[0].batch_key
        group_id = self.app_group["id"]
        names = [item.record["name"] for item in items]
        if key == PUBLISH:
            self.publish(items)
        elif key == UPDATE:
            item = items[0]  # one application per update call (batch_limit)
            body = dict((field, value) for field, value in item.after.items() if field in UPDATABLE)
            if "enabled" in item.after:
                body["state"] = "NORMAL" if item.after["enabled"] else "FORBIDDEN"
            api.update_app(self.client, group_id, self.app_id(item), body)
        else:
            call = {ENABLE: api.batch_enable_apps, DISABLE: api.batch_disable_apps,
                    UNPUBLISH: api.unpublish_apps}[key]
            call(self.client, group_id, [self.app_id(item) for item in items])
        return dict((name, Submission(applied=True)) for name in names)

    def app_id(self, item):
        record = self.shown.get(item.record["name"]) or item.record
        return record["id"]

    def publish(self, items):
        """One publish call for the applications the last read shows unpublished (after a lost answer the rest
        landed already: they are never sent twice), then one disable call for those to publish disabled."""
        to_publish = [item for item in items if not self.shown.get(item.record["name"])]
        if to_publish:
            answer = api.publish_apps(self.client, self.app_group["id"],
                                      [self.publish_body(item.record["name"]) for item in to_publish])
            for record in answer:
                if record.get("name") in self.wanted:
                    self.shown[record["name"]] = record
        disabled = [self.shown[item.record["name"]]["id"] for item in items
                    if item.after.get("enabled") is False and self.shown.get(item.record["name"])
                    and self.shown[item.record["name"]].get("state") != "FORBIDDEN"]
        if disabled:
            api.batch_disable_apps(self.client, self.app_group["id"], disabled)

    def publish_body(self, name):
        """A PublishApp: the task's settings, and for an image application the offered one's where not set."""
        app = self.wanted[name]
        source_type = self.source_type(name)
        body = dict(name=name, source_type=SOURCE_TYPES[source_type])
        if source_type == "image":
            offered = self.offered.get(name) or {}
            body.update((field, offered[field]) for field in OFFERED if offered.get(field) is not None)
            body["source_image_ids"] = list(offered.get("source_image_ids") or self.group_images)[:20]
        body.update((field, app[field]) for field in SETTINGS if field != "source_type" and app.get(field) is not None)
        return body

    # -- verifying ---------------------------------------------------------------------------------------------
    @staticmethod
    def observe(record):
        return observe(record)

    def reached(self, planned, after):
        return all(after.get(field) == value for field, value in (planned or {}).items())

    def read_states(self, server_ids):
        """What each application shows now (``server_ids``: the engine's name for the keys, here application names),
        in the words of its plan (and its id, in its report)."""
        keys = server_ids
        records = self.context.reader().read(keys)
        states = {}
        for key in keys:
            shown = observe(records.get(key))
            report = self.context.report(key)
            if records.get(key):
                report.id = records[key].get("id")
            planned = report.after or shown
            states[key] = dict((field, shown.get(field)) for field in planned)
        return states

    def conclude(self, outcome):
        counts = []
        for key, verb in VERBS:
            sent = [name for name, report in self.context.reports() if report.submitted
                    and self.batch_keys.get(name) == key and (self.check_mode or report.status == SUCCEEDED)]
            if sent:
                counts.append("%s %d" % (verb, len(sent)))
        unchanged = outcome.count(lambda report: not report.submitted)
        done = ", ".join(counts) + " application(s)" if counts else "nothing to change"
        outcome.headline = "app group %s: %s%s; %d unchanged%s" % (
            self.app_group.get("name") if self.app_group else None, "would have " if self.check_mode and counts
            else "", done, unchanged, " (check mode, nothing sent)" if self.check_mode else "")


def main():
    run_operation(Publish)


if __name__ == "__main__":
    main()
