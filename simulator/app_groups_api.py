"""Handlers of the app group endpoints (``/v1/{project_id}/app-groups``): list, show, create, update, delete and
batch delete. The model is :mod:`.app_groups`; bodies are validated against the SDK's request models
(``CreateAppGroupReq``, ``UpdateAppGroupReq``, ``DeleteAppGroupReq``)."""

from .app_groups import AUTHORIZATION_TYPES
from .routing import EMPTY, Reply, Route, contains, paged, require_body
from .validation import APP_TYPES, Field, paging, query_enum

CREATE_APP_GROUP_SCHEMA = {
    "name": Field("str", required=True, min_len=1, max_len=64),
    "app_server_group_id": Field("str", min_len=1, max_len=64),
    "description": Field("str", max_len=255),
    "authorization_type": Field("str", enum=AUTHORIZATION_TYPES),
    "app_type": Field("str", enum=APP_TYPES),
}
UPDATE_APP_GROUP_SCHEMA = {
    "name": Field("str", min_len=1, max_len=64),
    "app_server_group_id": Field("str", min_len=1, max_len=64),
    "description": Field("str", max_len=255),
}
MAX_BATCH_DELETE = 20  # DeleteAppGroupReq.ids: "单次最多20个"
BATCH_DELETE_SCHEMA = {
    "ids": Field("list", required=True, min_items=1, max_items=MAX_BATCH_DELETE, items=Field("str", min_len=1)),
}


def list_app_group(sim, call):
    """GET /v1/{project_id}/app-groups: filters ``app_server_group_id``, ``app_group_id``, ``name`` (partial, as
    the other name filters of the service), ``authorization_type``, ``app_type``."""
    q = call.query
    paging(q)
    authorization_type = query_enum(q, "authorization_type", AUTHORIZATION_TYPES)
    app_type = query_enum(q, "app_type", APP_TYPES)
    name, group_id, server_group_id = (q.get("name") or None, q.get("app_group_id") or None,
                                       q.get("app_server_group_id") or None)
    state = sim.state
    matches = [group for group in state.app_groups.values()
               if (group_id is None or group["id"] == group_id)
               and (server_group_id is None or group.get("app_server_group_id") == server_group_id)
               and (name is None or contains(name, group["name"]))
               and (authorization_type is None or group["authorization_type"] == authorization_type)
               and (app_type is None or group["app_type"] == app_type)]
    page = paged(matches, q)
    page["items"] = [state.app_group_view(group) for group in page["items"]]
    return Reply(page)


def show_app_group_detail(sim, call):
    """GET /v1/{project_id}/app-groups/{app_group_id}."""
    state = sim.state
    return Reply(state.app_group_view(state.require_app_group(call.params["app_group_id"]), detail=True))


def create_app_group(sim, call):
    """POST /v1/{project_id}/app-groups: the new group."""
    body = require_body(call, CREATE_APP_GROUP_SCHEMA)
    return Reply(sim.state.app_group_view(sim.state.create_app_group(body)))


def update_app_group(sim, call):
    """PATCH /v1/{project_id}/app-groups/{app_group_id}: the group after the change."""
    body = require_body(call, UPDATE_APP_GROUP_SCHEMA)
    return Reply(sim.state.app_group_view(sim.state.update_app_group(call.params["app_group_id"], body)))


def delete_app_group(sim, call):
    """DELETE /v1/{project_id}/app-groups/{app_group_id}: 200 whether it existed or not."""
    sim.state.delete_app_groups([call.params["app_group_id"]])
    return Reply(EMPTY)


def batch_delete_app_group(sim, call):
    """POST /v1/{project_id}/app-groups/batch-delete: ``{ids}`` (1..20); 200 always."""
    sim.state.delete_app_groups(require_body(call, BATCH_DELETE_SCHEMA)["ids"])
    return Reply(EMPTY)


P = "/v1/{project_id}"
ROUTES = [
    Route("GET", P + "/app-groups", "list_app_group", list_app_group),
    Route("POST", P + "/app-groups", "create_app_group", create_app_group),
    Route("POST", P + "/app-groups/batch-delete", "batch_delete_app_group", batch_delete_app_group),
    Route("GET", P + "/app-groups/{app_group_id}", "show_app_group_detail", show_app_group_detail),
    Route("PATCH", P + "/app-groups/{app_group_id}", "update_app_group", update_app_group),
    Route("DELETE", P + "/app-groups/{app_group_id}", "delete_app_group", delete_app_group),
]
