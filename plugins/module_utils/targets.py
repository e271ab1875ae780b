# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Turning ``server_ids`` / ``server_group_id`` into server records, and batching."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.client import ApiError

MIN_BATCH_SIZE = 1
MAX_BATCH_SIZE = 20
# Up to this many explicit ids are looked up one by one; more are matched
# against the paged server list (100 per request), which is cheaper then.
PER_ID_LOOKUP_MAX = 5


class TargetError(Exception):
    """The targets cannot be resolved (unknown id, bad option): nothing was changed."""


def check_batch_size(batch_size, maximum=MAX_BATCH_SIZE):
    if not MIN_BATCH_SIZE <= batch_size <= maximum:
        raise TargetError("batch_size: %s is out of range; allowed values are %d..%d"
                          % (batch_size, MIN_BATCH_SIZE, maximum))


def batches(items, size):
    """Consecutive chunks of at most ``size`` items."""
    return [items[start:start + size] for start in range(0, len(items), size)]


def _unique(values):
    seen, ordered = set(), []
    for value in values:
        if value not in seen:
            seen.add(value)
            ordered.append(value)
    return ordered


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


def resolve_targets(client, server_ids=None, server_group_id=None):
    """Read the target servers; unknown ids fail here, before anything is submitted."""
    if server_group_id:
        group = show_group_or_fail(client, server_group_id)
        return Targets(api.list_servers(client, server_group_id=server_group_id), group)
    wanted = _unique(server_ids or [])
    if not wanted:
        raise TargetError("server_ids: the list is empty; name at least one server or use server_group_id")
    if len(wanted) <= PER_ID_LOOKUP_MAX:
        found = []
        for server_id in wanted:
            found.extend(s for s in api.list_servers(client, server_id=server_id) if s.get("id") == server_id)
    else:
        wanted_set = set(wanted)
        found = [server for server in api.list_servers(client) if server.get("id") in wanted_set]
    known = set(server["id"] for server in found)
    unknown = [server_id for server_id in wanted if server_id not in known]
    if unknown:
        raise TargetError("server_ids: unknown server id(s): %s" % ", ".join(unknown))
    return Targets(found)
