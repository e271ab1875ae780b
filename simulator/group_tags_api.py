"""Handlers of the server-group tag endpoints and the quota check (issue 30).

* ``GET /v1/{project_id}/server-group/tags``: the tags of all groups, each key once with its ``values`` (a list);
* ``GET /v1/{project_id}/server-group/{server_group_id}/tags``: one group's tags, each ``{key, value}``: the value a
  single string (the real service's quirk: the list read answers a list, the one-group read a string), with
  ``sys_tags`` (always empty here);
* ``POST …/server-group/tags/batch-create``: adds tags, a key already there gets the new value; a group with more
  than 20 tags afterwards is a 400 and nothing changes;
* ``DELETE …/server-group/tags/batch-delete``: removes the named keys (a key the group does not have is ignored);
* ``GET /v1/{project_id}/check/quota``: ``INSTANCES`` needed (``subscription_num``) against what the tenant's server
  quota leaves (``/_sim/quota``: the server quota minus the servers there are), ``is_enough``.

The group's own record keeps its ``tags`` as ``{key, value}`` (the group reads show them as the create left them).
"""

from .errors import ApiError, GROUP_NOT_FOUND, invalid
from .routing import EMPTY, Reply, Route, require_body
from .validation import Field, query_int

MAX_TAGS = 20


def _unique_keys(name, value):
    keys = [tag["key"] for tag in value]
    duplicate = next((key for index, key in enumerate(keys) if key in keys[:index]), None)
    if duplicate is not None:
        raise invalid("%s contains duplicate key %s." % (name, duplicate))


# BatchCreateServerGroupTagsReq / BatchDeleteServerGroupTagsReq: items of ServerGroupTagsInfo (TmsTag: key 1..128,
# value up to 255).
TAGS_SCHEMA = {
    "items": Field("list", required=True, min_items=1, max_items=MAX_TAGS, items=Field("object", fields={
        "server_group_id": Field("str", required=True, min_len=1, max_len=64),
        "tags": Field("list", required=True, min_items=1, max_items=MAX_TAGS, check=_unique_keys,
                      items=Field("object", fields={"key": Field("str", required=True, min_len=1, max_len=128),
                                                    "value": Field("str", max_len=255)})),
    })),
}


def _groups_of(sim, items):
    """The named groups' records (404 for an unknown one, before anything changes)."""
    groups = []
    for item in items:
        group = sim.state.get_group(item["server_group_id"])
        if group is None:
            raise ApiError(404, GROUP_NOT_FOUND, "server_group_id: %s" % item["server_group_id"])
        groups.append(group)
    return groups


def list_server_group_tag(sim, call):
    """GET /v1/{project_id}/server-group/tags: ``{tags: [{key, values}]}`` over all groups."""
    values = {}
    for group in sim.state.groups.values():
        for tag in group.get("tags") or []:
            values.setdefault(tag["key"], set()).add(tag.get("value") or "")
    return Reply({"tags": [{"key": key, "values": sorted(found)} for key, found in sorted(values.items())]})


def show_server_group_tag(sim, call):
    """GET /v1/{project_id}/server-group/{server_group_id}/tags: ``{tags: [{key, value}], sys_tags: []}``."""
    group = sim.state.get_group(call.params["server_group_id"])
    if group is None:
        raise ApiError(404, GROUP_NOT_FOUND, "server_group_id: %s" % call.params["server_group_id"])
    return Reply({"tags": [{"key": tag["key"], "value": tag.get("value") or ""} for tag in group.get("tags") or []],
                  "sys_tags": []})


def batch_create_server_group_tags(sim, call):
    """POST …/server-group/tags/batch-create: tags added (a key there takes the new value); empty 200."""
    items = require_body(call, TAGS_SCHEMA)["items"]
    groups = _groups_of(sim, items)
    updated = []
    for group, item in zip(groups, items):
        tags = dict((tag["key"], tag.get("value") or "") for tag in group.get("tags") or [])
        tags.update((tag["key"], tag.get("value") or "") for tag in item["tags"])
        if len(tags) > MAX_TAGS:
            raise invalid("server group %s would have %d tags; at most %d." % (group["id"], len(tags), MAX_TAGS))
        updated.append((group, tags))
    for group, tags in updated:
        group["tags"] = [{"key": key, "value": value} for key, value in tags.items()]
    return Reply(EMPTY)


def batch_delete_server_group_tags(sim, call):
    """DELETE …/server-group/tags/batch-delete: the named keys removed; empty 200."""
    items = require_body(call, TAGS_SCHEMA)["items"]
    for group, item in zip(_groups_of(sim, items), items):
        gone = set(tag["key"] for tag in item["tags"])
        group["tags"] = [tag for tag in group.get("tags") or [] if tag["key"] not in gone]
    return Reply(EMPTY)


def check_quota(sim, call):
    """GET /v1/{project_id}/check/quota: ``{is_enough, quota_remainder: [{type: INSTANCES, remainder, need}]}``."""
    need = query_int(call.query, "subscription_num", 1, minimum=0)
    remainder = max(0, sim.state.server_quota - len(sim.state.servers))
    return Reply({"is_enough": need <= remainder,
                  "quota_remainder": [{"type": "INSTANCES", "remainder": remainder, "need": need}]})


P = "/v1/{project_id}"
ROUTES = [
    # the fixed paths /server-group/tags/... before /server-group/{server_group_id}/tags
    Route("GET", P + "/server-group/tags", "list_server_group_tag", list_server_group_tag),
    Route("POST", P + "/server-group/tags/batch-create", "batch_create_server_group_tags",
          batch_create_server_group_tags),
    Route("DELETE", P + "/server-group/tags/batch-delete", "batch_delete_server_group_tags",
          batch_delete_server_group_tags),
    Route("GET", P + "/server-group/{server_group_id}/tags", "show_server_group_tag", show_server_group_tag),
    Route("GET", P + "/check/quota", "check_quota", check_quota),
]
