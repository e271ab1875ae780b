#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_group_authorization
short_description: Grant or remove users and user groups on Workspace application streaming app groups
version_added: 1.1.0
description:
  - Desired state for who may use one or more app groups. Each (app group, account) pair is one item of the
    result; an account is a user or a user group of the tenant's directory.
  - Reads each app group's authorizations (C(GET …/app-groups/actions/list-authorizations), 100 per request,
    every page), then grants only the pairs that are missing (C(POST …/app-groups/authorizations)) and removes
    only the pairs that must go (C(POST …/app-groups/actions/batch-delete-authorization)). A second run changes
    nothing.
  - One grant (or removal) call acts on every account it names on every app group it names, at most 10 app groups
    and 50 accounts a call. The module only ever sends a full rectangle of planned pairs, so no pair that was not
    planned is granted; accounts that need the same app groups share calls, so 1,000 accounts onto 5 empty app
    groups take 20 grant calls.
  - The service answers a grant with 200 also for accounts it does not know. The app groups are therefore read
    again after the calls, and a pair that does not show there is reported as failed, naming the account (the
    other pairs are granted); the task then fails naming them.
  - A call whose response was lost, or answered with a server error (5xx), is settled by reading the app groups
    again; only the pairs that do not show the change yet are sent again (up to O(max_retries) times), so nothing
    is granted twice.
author:
  - huaweicloud.workspace_app maintainers (@huaweicloud)
options:
  app_group_ids:
    description:
      - Ids of the app groups. With O(app_group_names), the union.
      - An id that does not exist fails before anything is sent, listing the existing app groups.
    type: list
    elements: str
  app_group_names:
    description:
      - Exact names of the app groups (one listing of the tenant's app groups). A name that no app group has, or
        that several have, fails before anything is sent.
    type: list
    elements: str
  accounts:
    description:
      - The users and user groups, each given by its name (O(accounts[].account)) or its id (O(accounts[].id)), or
        both.
      - An account matches an authorization of the service when the type is the same and the id is the same (when
        O(accounts[].id) is given), else the name is the same (and the domain, when O(accounts[].domain) is given).
      - The service grants a user group by its id only. A V(USER_GROUP) given without O(accounts[].id) takes the id
        that the authorizations already read show for that name; when none does, the task fails before anything is
        sent.
      - The same account twice fails before anything is sent.
    type: list
    elements: dict
    default: []
    suboptions:
      account:
        description:
          - The user's or user group's name (1 to 64 characters).
        type: str
      type:
        description:
          - V(USER) or V(USER_GROUP).
        type: str
        choices: [USER, USER_GROUP]
        default: USER
      domain:
        description:
          - The account's domain (as the authorizations list it). When set, a name matches only in this domain.
        type: str
      id:
        description:
          - The user's or user group's id in the directory.
        type: str
  state:
    description:
      - V(present) grants every account on every app group; V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
  purge:
    description:
      - With O(state=present), also remove, per app group, every account that O(accounts) does not list
        (offboarding). With an empty O(accounts), every account of the app groups is removed.
    type: bool
    default: false
  notify:
    description:
      - Send the authorization mail (C(POST /v1/{project_id}/mails/actions/send-by-authorization)) to the accounts
        this run granted, once the read-back shows them, with the ids of their new authorization records. Accounts
        that were granted already get no mail.
    type: bool
    default: false
extends_documentation_fragment:
  - huaweicloud.workspace_app.connection
  - huaweicloud.workspace_app.connection.action_group
attributes:
  check_mode:
    support: full
    description: Reads and plans; sends nothing (no grant, no removal, no mail). C(changed) and the per-pair
      RV(authorizations[].action) tell what a real run would do.
  diff_mode:
    support: full
    description: Per pair that is (or would be) granted or removed, C({granted}) before and after, named
      "account (TYPE) on app group", so the diff says who gains or loses which app group.
notes:
  - Request cost of a run where nothing needs changing is one listing of the app groups plus, per app group, one
    request per 100 authorizations it has. A run that grants also reads every app group again once at the end
    (the read-back that finds the accounts the service did not grant).
  - Pairs are reported in account order, then app group.
"""

EXAMPLES = r"""
- name: Onboard two users and a user group onto two app groups, mailing them
  huaweicloud.workspace_app.app_group_authorization:
    region: cn-north-4
    app_group_names: [office, cad]
    accounts:
      - account: alice
      - account: bob
        domain: example.com
      - account: engineers
        type: USER_GROUP
        id: 5f3c2a1e9d8b4c7a
    notify: true
  register: granted

- name: Offboard a user from an app group
  huaweicloud.workspace_app.app_group_authorization:
    app_group_names: [cad]
    accounts:
      - account: bob
    state: absent

- name: Exactly these users on the app group, nobody else (others are removed)
  huaweicloud.workspace_app.app_group_authorization:
    app_group_ids: [0b5e8a4c-3c8f-4d7e-9f51-2a6c1b0d7e33]
    accounts:
      - account: alice
      - account: carol
    purge: true

- name: Who would gain or lose what (nothing is sent)
  huaweicloud.workspace_app.app_group_authorization:
    app_group_names: [office]
    accounts: [{account: carol}]
    purge: true
  check_mode: true
  diff: true
"""

RETURN = r"""
msg:
  description: What was (or, in check mode, would be) granted and removed.
  returned: when the task does not fail
  type: str
  sample: granted 5000 and removed 0 (app group, account) pair(s); 0 unchanged
authorizations:
  description: One entry per (app group, account) pair the task is about, in account order, then app group.
  returned: always
  type: list
  elements: dict
  contains:
    app_group:
      description: The app group's name.
      type: str
    app_group_id:
      description: The app group's id.
      type: str
    account:
      description: The account's name (its id when it was given by id only).
      type: str
    account_id:
      description: The account's id, when it was given or read.
      type: str
    type:
      description: V(USER) or V(USER_GROUP).
      type: str
    action:
      description: V(none) (already as desired), V(grant) (granted by this run; in check mode, would be) or V(remove)
        (removed by this run, or would be).
      type: str
    status:
      description: V(unchanged), V(succeeded) (the read-back shows the change), V(failed) or V(pending) (check mode).
      type: str
    error_code:
      description: Error code of a failed call.
      type: str
    error_msg:
      description: Why the pair failed, such as the service answering 200 without granting an account it does not
        know.
      type: str
    before:
      description: C({granted}) before.
      type: dict
    after:
      description: C({granted}) after (read back; the planned state in check mode).
      type: dict
  sample:
    - app_group: office
      app_group_id: 0b5e8a4c-3c8f-4d7e-9f51-2a6c1b0d7e33
      account: alice
      account_id: null
      type: USER
      action: grant
      status: succeeded
      error_code: null
      error_msg: null
      before: {granted: false}
      after: {granted: true}
summary:
  description: Counts of RV(authorizations) by status.
  returned: always
  type: dict
  sample: {total: 10, unchanged: 8, skipped: 0, succeeded: 2, failed: 0, pending: 0}
notified:
  description: The authorization record ids whose mail was sent (O(notify)).
  returned: when O(notify) is set and something was granted
  type: list
  elements: str
progress:
  description: One line per call sent.
  returned: when something was sent
  type: list
  elements: str
diff:
  description: With C(--diff), C(before) and C(after) map each pair that changes, named "account (TYPE) on app
    group", to its C({granted}).
  returned: when diff mode is on
  type: dict
"""

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.app_groups import resolve_app_groups
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import ApiError, TargetError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.jobs import AppliedAtOnce, Submission
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import (
    not_blank, run_operation)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.operation import (
    FAILED, SUCCEEDED, ItemKind, Operation, PlanItem)

MAX_GROUPS = 10  # app groups one grant or removal call takes (AppGroupAuthorizeReq.app_group_ids)
MAX_ACCOUNTS = 50  # accounts one call takes (AppGroupAuthorizeReq.accounts)
ACCOUNT_MAX = 64  # characters of an account name (guessed: the SDK states no length)
ID_MAX = 64
DOMAIN_MAX = 255
MAILS_PER_CALL = 100  # authorization ids one mail call takes (guessed: the SDK states no bound)
GRANT = "grant"
REMOVE = "remove"
ACCOUNT_TYPES = ("USER", "USER_GROUP")


def account_ident(account_type, account_id=None, name=None, domain=None):
    """How the run tells accounts apart: by type and id when there is one, else by type, name and domain."""
    return (account_type, "id", account_id) if account_id else (account_type, "name", name, domain or "")


def check_accounts(params):
    """Each entry names an account (a name or an id) within the API's lengths, none twice; purge only with
    state=present. Runs before any request."""
    seen = {}
    for index, entry in enumerate(params.get("accounts") or []):
        option = "accounts[%d]" % index
        if not (entry.get("account") or "").strip() and not (entry.get("id") or "").strip():
            raise TargetError("%s: set account (the name) or id of the user or user group; got neither" % option)
        for field, most in (("account", ACCOUNT_MAX), ("id", ID_MAX), ("domain", DOMAIN_MAX)):
            value = entry.get(field)
            if value is not None and not value.strip():
                raise TargetError("%s.%s: must not be empty" % (option, field))
            if value is not None and len(value) > most:
                raise TargetError("%s.%s: is %d characters long; the most allowed is %d"
                                  % (option, field, len(value), most))
        ident = account_ident(entry.get("type") or "USER", entry.get("id"), entry.get("account"),
                              entry.get("domain"))
        if ident in seen:
            raise TargetError("%s: the same account as accounts[%d] (%s %s); list each account once"
                              % (option, seen[ident], entry.get("type") or "USER",
                                 entry.get("id") or entry.get("account")))
        seen[ident] = index
    if params.get("purge") and params.get("state") == "absent":
        raise TargetError("purge: only with state: present (it keeps the accounts listed and removes the others); "
                          "state: absent removes the accounts listed")
    if not params.get("accounts") and not params.get("purge"):
        raise TargetError("accounts: list at least one account (account or id, type USER or USER_GROUP), or set "
                          "purge: true to remove every account of the app groups")


class Listing:
    """One app group's authorizations, indexed for matching: by (type, account id) and by (type, account name)."""

    def __init__(self, records):
        self.records = records
        self.by_id = {}
        self.by_name = {}
        for record in records:
            kind = record.get("account_type")
            self.by_id.setdefault((kind, record.get("account_id")), record)
            self.by_name.setdefault((kind, record.get("account")), []).append(record)

    def match(self, entry):
        """The authorization of ``entry`` (type, and id when given, else name and domain when given), or None."""
        if entry.get("id"):
            return self.by_id.get((entry["type"], entry["id"]))
        named = self.by_name.get((entry["type"], entry.get("account")), [])
        return next((record for record in named
                     if not entry.get("domain") or record.get("domain") == entry["domain"]), None)


class Pairs(ItemKind):
    """(app group, account) pairs: reported by app group and account, read again per app group (every page)."""

    noun = "authorization"
    result_key = "authorizations"
    identity = ("app_group", "app_group_id", "account", "account_id", "type")

    def key(self, record):
        return record["key"]

    def label(self, fields):
        return "%s (%s) on %s" % (fields.get("account"), fields.get("type"), fields.get("app_group"))

    def action(self, item):
        """The result's ``action`` of a submitted pair: ``grant`` or ``remove`` (its call's kind)."""
        return item.batch_key[0]

    def reader(self, context):
        return PairReader(context)


class PairReader:
    """Reads pairs again: one listing per app group they are on (100 a page), each pair matched as planning did."""

    def __init__(self, context):
        self.context = context

    def cost(self, keys):
        sizes = dict((self.context.targets[key]["app_group_id"], self.context.targets[key]["group_size"])
                     for key in keys)
        return sum(1 + size // 100 for size in sizes.values())

    def read(self, keys):
        targets = self.context.targets
        listings = {}
        records = {}
        for key in keys:
            target = targets[key]
            group_id = target["app_group_id"]
            if group_id not in listings:
                listings[group_id] = Listing(api.list_app_group_authorizations(
                    self.context.client, app_group_id=group_id))
            found = listings[group_id].match(target["entry"])
            records[key] = dict(target, granted=found is not None, authorization_id=(found or {}).get("id"))
        return records


class Authorization(Operation):
    items = Pairs()
    kind = AppliedAtOnce()  # no job: the read-back proves each pair
    server_targets = False
    options = dict(
        app_group_ids=dict(type="list", elements="str"),
        app_group_names=dict(type="list", elements="str"),
        accounts=dict(type="list", elements="dict", default=[], options=dict(
            account=dict(type="str"), type=dict(type="str", choices=list(ACCOUNT_TYPES), default="USER"),
            domain=dict(type="str"), id=dict(type="str"))),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        purge=dict(type="bool", default=False),
        notify=dict(type="bool", default=False),
    )
    module_kwargs = dict(required_one_of=[("app_group_ids", "app_group_names")])

    def __init__(self, module):
        super(Authorization, self).__init__(module)
        self.read_back = {}  # key -> the authorization id the last read showed

    # -- input ---------------------------------------------------------------------------------------------------
    rules = (not_blank("app_group_ids"), not_blank("app_group_names"), check_accounts)

    # -- planning ------------------------------------------------------------------------------------------------
    def find_targets(self):
        groups = resolve_app_groups(self.client, self.params.get("app_group_ids") or [],
                                    self.params.get("app_group_names") or [])
        listings = dict((group["id"], Listing(api.list_app_group_authorizations(self.client,
                                                                                app_group_id=group["id"])))
                        for group in groups)
        present = self.params["state"] == "present"
        entries = [dict(entry, type=entry.get("type") or "USER") for entry in self.params["accounts"]]
        self.learn_group_ids(entries, listings)
        records = []
        for group in groups:
            listing = listings[group["id"]]
            matched = set()
            for entry in entries:
                found = listing.match(entry)
                if found is not None:
                    matched.add(found.get("id"))
                records.append(self.pair(group, entry, found, want=present, size=len(listing.records)))
            if self.params["purge"]:
                for found in listing.records:
                    if found.get("id") in matched:
                        continue
                    entry = dict(account=found.get("account"), id=found.get("account_id"),
                                 type=found.get("account_type") or "USER", domain=found.get("domain"))
                    records.append(self.pair(group, entry, found, want=False, size=len(listing.records)))
        self.cut(records)
        return records

    @staticmethod
    def learn_group_ids(entries, listings):
        """A user group given by name only takes the id its authorizations show (the service grants groups by id)."""
        for entry in entries:
            if entry["type"] != "USER_GROUP" or entry.get("id"):
                continue
            for listing in listings.values():
                found = listing.match(entry)
                if found is not None and found.get("account_id"):
                    entry["learnt_id"] = found["account_id"]
                    break

    def pair(self, group, entry, found, want, size):
        ident = account_ident(entry["type"], entry.get("id"), entry.get("account"), entry.get("domain"))
        account = entry.get("account") or (found or {}).get("account") or entry.get("id")
        # by account, then app group (by name): the order of the calls (they fill up) and of the result
        key = "\x1f".join(("\x1e".join(str(part) for part in ident), account or "",
                           group.get("name") or "", group["id"]))
        return dict(id=key, key=key, ident=ident, entry=entry, app_group=group.get("name"),
                    app_group_id=group["id"], account=account, type=entry["type"],
                    account_id=entry.get("id") or entry.get("learnt_id") or (found or {}).get("account_id"),
                    granted=found is not None, want=want, group_size=size)

    def cut(self, records):
        """Each pair's call kind: the slice (of at most 10 app groups) of the app groups its account needs the same
        change on, so that a call is a full rectangle of accounts that need the same app groups."""
        needs = {}
        for record in records:
            if record["granted"] != record["want"]:
                needs.setdefault((record["want"], record["ident"]), []).append(record["app_group_id"])
        for record in records:
            groups = sorted(needs.get((record["want"], record["ident"]), []))
            if record["app_group_id"] not in groups:
                continue
            start = groups.index(record["app_group_id"]) // MAX_GROUPS * MAX_GROUPS
            record["call"] = (GRANT if record["want"] else REMOVE,) + tuple(groups[start:start + MAX_GROUPS])

    def plan_item(self, record):
        before = dict(granted=record["granted"])
        if record["granted"] == record["want"]:
            return PlanItem(record, "none", before)
        if record["want"] and record["type"] == "USER_GROUP" and not record["account_id"]:
            raise TargetError("accounts: the user group %r has no id, and no authorization read shows one; the "
                              "service grants user groups by id: set its id" % record["account"])
        return PlanItem(record, "submit", before, dict(granted=record["want"]), batch_key=record["call"])

    def batch_limit(self, batch_key):
        return MAX_GROUPS * MAX_ACCOUNTS

    @staticmethod
    def batch_fits(chunk, item):
        accounts = set(i.record["ident"] for i in chunk)
        return item.record["ident"] in accounts or len(accounts) < MAX_ACCOUNTS

    # -- sending -------------------------------------------------------------------------------------------------
    def send(self, items):
        """Calls of full rectangles: the accounts that need the same app groups in one call (at most 50 of them);
        a resend of part of a batch (what a lost answer left undone) is cut the same way."""
        groups_of, infos = {}, {}
        for item in items:
            record = item.record
            groups_of.setdefault(record["ident"], set()).add(record["app_group_id"])
            infos[record["ident"]] = self.account_info(record)
        rectangles = {}
        for ident, groups in groups_of.items():
            rectangles.setdefault(tuple(sorted(groups)), []).append(ident)
        call = api.add_app_group_authorizations if items[0].record["want"] else api.delete_app_group_authorizations
        for groups, idents in sorted(rectangles.items()):
            for start in range(0, len(idents), MAX_ACCOUNTS):
                for first in range(0, len(groups), MAX_GROUPS):
                    call(self.client, list(groups[first:first + MAX_GROUPS]),
                         [infos[ident] for ident in idents[start:start + MAX_ACCOUNTS]])
        return dict((item.record["key"], Submission(applied=True)) for item in items)

    @staticmethod
    def account_info(record):
        """The AccountInfo of a pair's account: what was given (or read), nothing empty."""
        entry = record["entry"]
        info = dict(account=entry.get("account") or None, account_type=record["type"],
                    id=record.get("account_id") or None, domain=entry.get("domain") or None)
        return dict((key, value) for key, value in info.items() if value is not None)

    # -- verifying -----------------------------------------------------------------------------------------------
    @staticmethod
    def observe(record):
        return dict(granted=bool(record.get("granted")))

    def reached(self, planned, after):
        return bool((after or {}).get("granted")) == bool((planned or {}).get("granted"))

    def read_states(self, server_ids):
        records = self.context.reader().read(server_ids)
        self.read_back.update((key, record.get("authorization_id")) for key, record in records.items())
        return dict((key, self.observe(record)) for key, record in records.items())

    def conclude(self, outcome):
        targets = self.context.targets
        for key, report in self.context.reports():
            if report.status != FAILED or report.error_code or not report.submitted:
                continue
            if report.after == dict(granted=not targets[key]["want"]) and (report.error_msg or "").startswith(
                    "the service accepted"):
                report.error_msg = ("the service answered 200 but did not grant it: the read-back does not show it "
                                    "(an account its directory does not know, or a user group not given by its id)"
                                    if targets[key]["want"] else
                                    "the service answered 200 but the read-back still shows it granted")
        self.notify(outcome)
        verb = "would grant %d and remove %d" if self.check_mode else "granted %d and removed %d"
        grants = outcome.count(lambda r: r.submitted and r.status != FAILED and r.after.get("granted"))
        removals = outcome.count(lambda r: r.submitted and r.status != FAILED and not r.after.get("granted"))
        outcome.headline = "%s (app group, account) pair(s); %d unchanged%s" % (
            verb % (grants, removals), outcome.count(lambda r: not r.submitted),
            " (check mode, nothing sent)" if self.check_mode else "")
        outcome.headline_in_diff = True

    def notify(self, outcome):
        """The authorization mail to the accounts this run granted (their new authorization record ids)."""
        if not self.params["notify"] or self.check_mode:
            return
        records = [self.read_back.get(key) for key, report in self.context.reports()
                   if report.submitted and report.status == SUCCEEDED and self.context.targets[key]["want"]]
        records = sorted(record for record in records if record)
        if not records:
            return
        sent = []
        for start in range(0, len(records), MAILS_PER_CALL):
            try:
                api.send_authorized_mails(self.client, records[start:start + MAILS_PER_CALL])
            except ApiError as exc:  # the grants stand; the mails not sent are counted
                outcome.problems.append("the authorization mails of %d record(s) were not sent (%s); the accounts "
                                        "are granted" % (len(records) - len(sent), exc.message))
                break
            sent.extend(records[start:start + MAILS_PER_CALL])
        outcome.extra["notified"] = sent


def main():
    run_operation(Authorization)


if __name__ == "__main__":
    main()
