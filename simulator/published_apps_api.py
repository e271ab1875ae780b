"""Handlers of the published application endpoints (``/v1/{project_id}/app-groups/{app_group_id}/apps...``,
``.../publishable-app``) and the ``/_sim/image-apps`` control. The model is :mod:`.published_apps`; bodies are
validated against the SDK's request models (``PublishAppReq``/``PublishApp``, ``UpdateAppReq``, ``UnpublishAppReq``,
``BatchUpdateAppReq``, ``CheckPublishAppReq``)."""

from .published_apps import APP_STATES, MAX_PUBLISH, MAX_STATE_CHANGE, MAX_UNPUBLISH, NAME_MAX
from .routing import EMPTY, Reply, Route, contains, control, control_body, paged, require_body
from .validation import Field, paging, query_enum

EXTENDED_INFO = Field("object", fields={"extended_info": Field("object")})
PUBLISH_APP = {
    "name": Field("str", required=True),
    "version": Field("str", max_len=128),
    "command_param": Field("str", max_len=1024),
    "icon_uri": Field("str", max_len=8 * 1024 * 4 // 3 + 4),
    "execute_path": Field("str", max_len=1024),
    "work_path": Field("str", max_len=1024),
    "icon_path": Field("str", max_len=1024),
    "icon_index": Field("int", minimum=0),
    "description": Field("str", max_len=1024),
    "source_type": Field("int", required=True),
    "publisher": Field("str", max_len=128),
    "source_image_ids": Field("list", max_items=20, items=Field("str", min_len=1)),
    "sandbox_enable": Field("bool"),
    "app_extended_info": EXTENDED_INFO,
    "is_pre_boot": Field("bool"),
    "pre_launch_policy": Field("int", minimum=0, maximum=3),
}
PUBLISH_SCHEMA = {
    "items": Field("list", required=True, min_items=1, max_items=MAX_PUBLISH,
                   items=Field("object", fields=PUBLISH_APP)),
}
UPDATE_SCHEMA = {
    "name": Field("str", min_len=1, max_len=NAME_MAX),
    "version": Field("str", max_len=128),
    "execute_path": Field("str", max_len=1024),
    "work_path": Field("str", max_len=1024),
    "description": Field("str", max_len=1024),
    "command_param": Field("str", max_len=1024),
    "state": Field("str", enum=APP_STATES),
    "sandbox_enable": Field("bool"),
    "app_extended_info": EXTENDED_INFO,
}
CHECK_SCHEMA = {"name": Field("str", required=True)}


def ids_schema(limit):
    return {"ids": Field("list", required=True, min_items=1, max_items=limit, items=Field("str", min_len=1))}


def list_published_app(sim, call):
    """GET …/app-groups/{app_group_id}/apps: filters ``name`` (partial, case-insensitive, as the service matches),
    ``state``, ``app_id``; paged; 200 with no items for a group that does not exist (service-behaviour.md)."""
    q = call.query
    paging(q)
    state_filter = query_enum(q, "state", APP_STATES)
    name, app_id = q.get("name") or None, q.get("app_id") or None
    apps = [app for app in sim.state.published_apps(call.params["app_group_id"])
            if (name is None or contains(name, app["name"])) and (app_id is None or app["id"] == app_id)
            and (state_filter is None or app.get("state") == state_filter)]
    page = paged(apps, q)
    page["items"] = [sim.state.app_view(app) for app in page["items"]]
    return Reply(page)


def show_app_detail(sim, call):
    """GET …/apps/{app_id}: 404 when the group or the app does not exist."""
    return Reply(sim.state.app_view(sim.state.require_app(call.params["app_group_id"], call.params["app_id"])))


def show_publishable_app(sim, call):
    """GET …/publishable-app: ``{count, group_images, items}`` from the group's server group's images."""
    return Reply(sim.state.publishable_apps(call.params["app_group_id"]))


def check_publish_app(sim, call):
    """POST …/apps/actions/check: ``{result, validate_rule}``."""
    body = require_body(call, CHECK_SCHEMA)
    return Reply(sim.state.check_app_name(call.params["app_group_id"], body["name"]))


def publish_app(sim, call):
    """POST …/apps: 1..20 PublishApp items, all published or none; answers ``{count, items}`` of the new Apps."""
    body = require_body(call, PUBLISH_SCHEMA)
    records = sim.state.publish_apps(call.params["app_group_id"], body["items"])
    return Reply({"count": len(records), "items": [sim.state.app_view(app) for app in records]})


def update_app(sim, call):
    """PATCH …/apps/{app_id}: the App after the change."""
    body = require_body(call, UPDATE_SCHEMA)
    app = sim.state.update_app(call.params["app_group_id"], call.params["app_id"], body)
    return Reply(sim.state.app_view(app))


def unpublish_app(sim, call):
    """POST …/apps/batch-unpublish: ``{ids}`` (1..50); 200 always, unknown ids left out."""
    body = require_body(call, ids_schema(MAX_UNPUBLISH))
    sim.state.unpublish_apps(call.params["app_group_id"], body["ids"])
    return Reply(EMPTY)


def batch_enable_app(sim, call):
    """POST …/apps/actions/enable: ``{ids}`` (1..20) to NORMAL."""
    body = require_body(call, ids_schema(MAX_STATE_CHANGE))
    sim.state.set_apps_state(call.params["app_group_id"], body["ids"], "NORMAL")
    return Reply(EMPTY)


def batch_disable_app(sim, call):
    """POST …/apps/actions/disable: ``{ids}`` (1..20) to FORBIDDEN."""
    body = require_body(call, ids_schema(MAX_STATE_CHANGE))
    sim.state.set_apps_state(call.params["app_group_id"], body["ids"], "FORBIDDEN")
    return Reply(EMPTY)


def sim_set_image_apps(sim, call):
    """POST /_sim/image-apps: body ``{image_id, apps: [{name, execute_path, ...}]}``: what that image offers."""
    body = control_body(call)
    return Reply(control(sim.state.set_image_apps, body.get("image_id"), body.get("apps")))


P = "/v1/{project_id}/app-groups/{app_group_id}"
ROUTES = [
    Route("GET", P + "/publishable-app", "show_publishable_app", show_publishable_app),
    Route("POST", P + "/apps/actions/check", "check_publish_app", check_publish_app),
    Route("POST", P + "/apps/actions/enable", "batch_enable_app", batch_enable_app),
    Route("POST", P + "/apps/actions/disable", "batch_disable_app", batch_disable_app),
    Route("POST", P + "/apps/batch-unpublish", "unpublish_app", unpublish_app),
    Route("GET", P + "/apps", "list_published_app", list_published_app),
    Route("POST", P + "/apps", "publish_app", publish_app),
    Route("GET", P + "/apps/{app_id}", "show_app_detail", show_app_detail),
    Route("PATCH", P + "/apps/{app_id}", "update_app", update_app),
    Route("POST", "/_sim/image-apps", "sim_set_image_apps", sim_set_image_apps, area="control"),
]
