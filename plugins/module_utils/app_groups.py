# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""App groups as the modules that act on them find them: one by id or exact name (the resource engine's rule), or
several at once from one listing (the authorizations take up to any number of groups)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import TargetError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.resource import (
    describe, exact, find_by_id_or_name)

KIND = "app group"


def find_app_group(client, app_group_id=None, name=None, renamed_to=None, option="name", id_option="app_group_id",
                   missing_ok=False):
    """An app group's detail record by id or by exact name (or ``renamed_to``): :func:`~.resource.find_by_id_or_name`
    for app groups. With ``missing_ok`` one that does not exist is None instead of a failure naming similar ones."""
    return find_by_id_or_name(KIND, lambda group_id: api.show_app_group(client, group_id),
                              lambda group_name: api.list_app_groups(client, name=group_name),
                              app_group_id, name, renamed_to, option=option, id_option=id_option,
                              missing_ok=missing_ok, everything=lambda: api.list_app_groups(client))


def resolve_app_groups(client, ids=(), names=(), id_option="app_group_ids", name_option="app_group_names"):
    """The records of the app groups given by id and by exact name, in the order given, each once, from one listing
    of the tenant's app groups (100 a page). An unknown id or name, or a name several groups have, fails naming it
    (and the existing groups), before anything is sent."""
    listed = api.list_app_groups(client)
    by_id = dict((record.get("id"), record) for record in listed)
    unknown_ids = [group_id for group_id in ids if group_id not in by_id]
    if unknown_ids:
        raise TargetError("%s: no %s with id %s; existing app groups: %s"
                          % (id_option, KIND, ", ".join(repr(i) for i in unknown_ids), describe(listed) or "none"))
    found = [by_id[group_id] for group_id in ids]
    unknown_names = []
    for name in names:
        record = exact(listed, name, KIND, name_option, id_option)
        if record is None:
            unknown_names.append(name)
        else:
            found.append(record)
    if unknown_names:
        raise TargetError("%s: no %s is named %s; existing app groups: %s"
                          % (name_option, KIND, ", ".join(repr(n) for n in unknown_names),
                             describe(listed) or "none"))
    unique = []
    for record in found:
        if record["id"] not in [kept["id"] for kept in unique]:
            unique.append(record)
    return unique
