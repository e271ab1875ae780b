# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Policy groups: the reads, the name rule and the targets (who a group applies to) as the API carries them.

A target is ``{target_type, target_id, target_name}`` on the wire; the modules take ``{type, id, name}``. App groups
may be named (resolved to their ids from one listing, :func:`~.app_groups.resolve_app_groups`); users, user groups
and OUs are named by their ids (the collection has no directory lookup); ``ALL`` is the service's fixed target.
Targets are compared as a set of (type, id).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.app_groups import resolve_app_groups
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import TargetError

KIND = "policy group"
TARGET_TYPES = ["USER", "USERGROUP", "APPGROUP", "OU", "ALL"]  # Target.target_type
# The fixed target of ALL (Terraform's docs of workspace_app_policy_group).
ALL_TARGET = {"target_type": "ALL", "target_id": "default-apply-all-targets", "target_name": "All-Targets"}
# PolicyGroupForCreate.policy_group_name: letters, digits and "_", 1..55 characters.
NAME_RE = re.compile(r"[A-Za-z0-9_]{1,55}")
NAME_RULE = "1 to 55 English letters, digits or underscores (_), no spaces"
TARGETS = "targets"


def read_policy_group(client, policy_group_id):
    """A policy group's record (``GET …/policy-groups/{id}``; a 404 when there is none); when the read leaves its
    ``policies`` out, they are read by ``GET …/policy-groups/{id}/policy``."""
    record = api.show_policy_group(client, policy_group_id)
    if record.get("policies") is None:
        record["policies"] = api.list_policy_of_policy_group(client, policy_group_id) or {}
    return record


def check_targets(params):
    """A value rule (before any request): each target names what its type needs; a TargetError names the entry."""
    for index, target in enumerate(params.get(TARGETS) or []):
        where = "%s[%d]" % (TARGETS, index)
        kind = target["type"]
        if kind in ("USER", "USERGROUP", "OU") and not target.get("id"):
            raise TargetError("%s.id: required for type %s (the service names a %s by its id); the name alone is not "
                              "enough" % (where, kind, {"USER": "user", "USERGROUP": "user group", "OU": "OU"}[kind]))
        if kind == "APPGROUP" and not (target.get("id") or target.get("name")):
            raise TargetError("%s: an APPGROUP target needs id or name (the app group's)" % where)


def resolve_targets(client, targets):
    """The ``targets`` option as the API carries it: app groups named by name get their ids (and every app group
    its name) from one listing of the app groups; an unknown app group fails, naming it, before anything is sent."""
    wanted = [target for target in targets if target["type"] == "APPGROUP"]
    by_id, by_name = {}, {}
    if wanted:
        ids = [target["id"] for target in wanted if target.get("id")]
        names = [target["name"] for target in wanted if not target.get("id")]
        for record in resolve_app_groups(client, ids, names, id_option="targets.id", name_option="targets.name"):
            by_id[record["id"]] = record
            by_name[record.get("name")] = record
    wire = []
    for target in targets:
        kind = target["type"]
        if kind == "ALL":
            entry = dict(ALL_TARGET)
        elif kind == "APPGROUP":
            record = by_id[target["id"]] if target.get("id") else by_name[target["name"]]
            entry = dict(target_type=kind, target_id=record["id"], target_name=record.get("name"))
        else:
            entry = dict(target_type=kind, target_id=target["id"])
            if target.get("name"):
                entry["target_name"] = target["name"]
        if target_key(entry) not in [target_key(kept) for kept in wire]:
            wire.append(entry)
    return wire


def target_key(target):
    return (target.get("target_type"), target.get("target_id"))


def target_keys(targets):
    return sorted(target_key(target) for target in targets or [])


def targets_text(targets):
    """``["APPGROUP design-apps (0c2f…)", "ALL"]``: how a diff shows targets, sorted."""
    return sorted("ALL" if target.get("target_type") == "ALL" else "%s %s(%s)" % (
        target.get("target_type"), "%s " % target["target_name"] if target.get("target_name") else "",
        target.get("target_id")) for target in targets or [])
