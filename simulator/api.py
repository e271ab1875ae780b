"""Routes and handlers: the AppStream API, the IAM bits the SDK needs, and the ``/_sim`` control plane.

Handlers receive the :class:`~simulator.server.Simulator` and a
:class:`~simulator.routing.Call` and return a :class:`~simulator.routing.Reply`
(the contract and the helpers handlers share live in :mod:`.routing`); business
errors are raised as :class:`~simulator.errors.ApiError`. AppStream handlers run
with the fleet lock held by the dispatcher.
"""

from . import errors
from .errors import ApiError
from .app_groups_api import ROUTES as APP_GROUP_ROUTES
from .authorizations_api import ROUTES as AUTHORIZATION_ROUTES
from .image_servers_api import ROUTES as IMAGE_SERVER_ROUTES
from .schedule_tasks_api import ROUTES as SCHEDULE_TASK_ROUTES
from .policy_groups_api import ROUTES as POLICY_GROUP_ROUTES
from .group_tags_api import ROUTES as GROUP_TAG_ROUTES
from .published_apps_api import ROUTES as PUBLISHED_APP_ROUTES
from .fleet import HDA_TYPES
from .repair_api import ROUTES as REPAIR_ROUTES
from .power_api import batch_reboot_server, batch_start_server, batch_stop_server, sim_fail_next_power
from .routing import (BATCH_LIMIT, EMPTY, Reply, Route, batch_ids_field, contains, control, control_body, paged,
                      require_body)
from .session_api import list_sessions, logoff_user_session, sim_log_on
from .lifecycle_api import (batch_delete_server, create_app_servers, create_or_update_scaling_policy,
                            create_server_group, delete_scaling_policy, delete_server, delete_server_groups,
                            show_scaling_policy, show_server_group_state, sim_fail_next_create, sim_set_quota)
from .validation import (APP_TYPES, IMAGE_TYPES, OS_TYPES, STORAGE_MOUNT_POLICIES, VOLUME_TYPES, Field,
                         check_group_name, paging, query_bool, query_enum, route_policy_field)

JOB_TYPES = ("CREATE_SERVER", "DELETE_SERVER", "UPDATE_FREEZE_STATUS", "CREATE_SERVER_IMAGE", "REINSTALL_OS",
             "CHANGE_SERVER_IMAGE", "REJOIN_DOMAIN", "MIGRATE_SERVER", "UPGRADE_ACCESS_AGENT", "UPDATE_SERVER_TSVI",
             "SCHEDULED_TASK", "COLLECT_HDA_LOG", "COLLECT_APS_LOG", "CREATE_SERVER_SNAPSHOT", "DELETE_SERVER_SNAPSHOT",
             "RESTORE_SERVER_SNAPSHOT", "BATCH_INSTALL_APP", "INSTALL_CES_AGENT", "UNINSTALL_CES_AGENT")
JOB_DETAIL_STATUSES = ("WAITING", "RUNNING", "SUCCESS", "FAILED", "ABNORMAL", "ROLLBACK", "ABORTING")


def _server_or_404(state, server_id):
    record = state.get_server(server_id)
    if record is None:
        raise ApiError(404, errors.SERVER_NOT_FOUND, "server_id: %s" % server_id)
    return record


# ---------------------------------------------------------------------------------------------- reads

def list_servers(sim, call):
    """GET /v1/{project_id}/app-servers."""
    q = call.query
    paging(q)  # validate before the scan
    maintain = query_bool(q, "maintain_status")
    scaling = query_bool(q, "scaling_auto_create")
    group_id, server_id = q.get("server_group_id") or None, q.get("server_id") or None
    name, machine, ip_addr = q.get("server_name") or None, q.get("machine_name") or None, q.get("ip_addr") or None
    state = sim.state
    matches = []
    for record in state.servers.values():
        if group_id is not None and record["server_group_id"] != group_id:
            continue
        if server_id is not None and record["id"] != server_id:
            continue
        if maintain is not None and record["maintain_status"] != maintain:
            continue
        if scaling is not None and record["scaling_auto_create"] != scaling:
            continue
        if name is not None and not contains(name, record["name"]):
            continue
        if machine is not None and not contains(machine, record["machine_name"]):
            continue
        if ip_addr is not None and not any(ip_addr in address["addr"] for address in record["host_address"]):
            continue
        matches.append(record)
    page = paged(matches, q)
    page["items"] = [state.server_view(record) for record in page["items"]]
    return Reply(page)


def show_server(sim, call):
    """GET /v1/{project_id}/app-servers/{server_id}."""
    return Reply(sim.state.server_view(_server_or_404(sim.state, call.params["server_id"]), detail=True))


def list_server_hda_details(sim, call):
    """GET /v1/{project_id}/app-servers/access-agent/list."""
    q = call.query
    paging(q)
    group_id, name = q.get("server_group_id") or None, q.get("server_name") or None
    state = sim.state
    matches = [record for record in state.servers.values()
               if (group_id is None or record["server_group_id"] == group_id)
               and (name is None or contains(name, record["name"]))]
    page = paged(matches, q)
    page["items"] = [state.hda_view(record) for record in page["items"]]
    return Reply(page)


def show_access_agent_latest_version(sim, call):
    """GET /v1/{project_id}/app-servers/access-agent/latest-version (the tenant-wide, i.e. SBC, version)."""
    return Reply({"latest_version": sim.state.latest_hda["SBC"]})


def list_access_agent_latest_version(sim, call):
    """GET /v1/{project_id}/app-servers/access-agent/actions/show-latest-version."""
    latest = sim.state.latest_hda
    return Reply({"items": [{"latest_version": latest[kind], "hda_type": kind} for kind in HDA_TYPES]})


def show_hda_upgrade_flag(sim, call):
    """GET /v1/{project_id}/app-servers/access-agent/upgrade-flag: 1 when any server runs an old HDA."""
    state = sim.state
    outdated = any(state.hda_version(sid) != state.latest_hda_for(sid) for sid in state.servers)
    return Reply({"upgrade_flag": 1 if outdated else 0})


def list_server_hda_upgrade_records(sim, call):
    """GET /v1/{project_id}/app-servers/access-agent/upgrade-record."""
    return Reply(paged(sim.state.upgrade_records, call.query))


def list_server_groups(sim, call):
    """GET /v1/{project_id}/app-server-groups (list view: no detail-only fields)."""
    q = call.query
    paging(q)
    app_type = query_enum(q, "app_type", APP_TYPES)
    secondary = query_bool(q, "is_secondary_server_group")
    name, group_id = q.get("server_group_name") or None, q.get("server_group_id") or None
    state = sim.state
    matches = [group for group in state.groups.values()
               if (group_id is None or group["id"] == group_id)
               and (name is None or contains(name, group["name"]))
               and (app_type is None or group["app_type"] == app_type)
               and (secondary is None or bool(group.get("primary_server_group_ids")) == secondary)]
    page = paged(matches, q)
    page["items"] = [state.group_view(group) for group in page["items"]]
    return Reply(page)


def show_server_group(sim, call):
    """GET /v1/{project_id}/app-server-groups/{server_group_id} (detail view)."""
    group = sim.state.get_group(call.params["server_group_id"])
    if group is None:
        raise ApiError(404, errors.GROUP_NOT_FOUND, "server_group_id: %s" % call.params["server_group_id"])
    return Reply(sim.state.group_view(group, detail=True))


def _job_or_404(sim, call):
    job = sim.state.get_job(call.params["job_id"])
    if job is None:
        raise ApiError(404, errors.JOB_NOT_FOUND, "job_id: %s" % call.params["job_id"])
    return job


def show_job_detail(sim, call):
    """GET /v2/{project_id}/job/{job_id}."""
    return Reply(sim.state.job_view(_job_or_404(sim, call)))


def show_job(sim, call):
    """GET /v1/{project_id}/job/{job_id} (integer statuses)."""
    return Reply(sim.state.job_view_v1(_job_or_404(sim, call)))


def list_sub_jobs(sim, call):
    """GET /v1/{project_id}/app-server-sub-jobs (``job_type`` is mandatory, as documented)."""
    q = call.query
    paging(q)
    job_type = query_enum(q, "job_type", JOB_TYPES, required=True)
    word = sim.state.dialect.unknown_status
    status = query_enum(q, "status", JOB_DETAIL_STATUSES + ((word,) if word else ()))
    if word and status == word:
        status = "WAITING"  # the dialect's word for it
    job_id = q.get("job_id") or None
    state = sim.state
    state.advance()
    matches = [sub for sub in state.iter_sub_jobs()
               if sub["job_type"] == job_type
               and (status is None or sub["status"] == status)
               and (job_id is None or sub["job_id"] == job_id)]
    page = paged(matches, q)
    page["items"] = [{k: v for k, v in state.sub_job_view(sub).items() if v is not None} for sub in page["items"]]
    return Reply(page)


# ---------------------------------------------------------------------------------------------- mutations

def batch_upgrade_hda_version(sim, call):
    """PATCH /v1/{project_id}/app-servers/access-agent/actions/upgrade."""
    body = require_body(call, {"items": batch_ids_field()})
    return Reply({"job_id": sim.state.upgrade_hda(body["items"])["id"]})


CHANGE_IMAGE_SCHEMA = {
    # No batch limit is documented for server_ids; none is enforced.
    "server_ids": Field("list", required=True, items=Field("str", min_len=1), min_items=1, unique=True),
    "image_id": Field("str", required=True, min_len=1, max_len=64),
    "image_type": Field("str", required=True, enum=IMAGE_TYPES),
    "os_type": Field("str", required=True, enum=OS_TYPES),
    "image_product_id": Field("str", max_len=64),
    "update_access_agent": Field("bool"),
}


def batch_change_server_image(sim, call):
    """POST /v1/{project_id}/app-servers/actions/batch-change-image: one job per server, per-item errors."""
    body = require_body(call, CHANGE_IMAGE_SCHEMA)  # a gold image without image_product_id is taken (Terraform)
    items = sim.state.change_image(body["server_ids"], body["image_id"], body["image_type"], body["os_type"],
                                   body.get("image_product_id"), bool(body.get("update_access_agent")))
    return Reply({"items": items})


TSVI_SCHEMA = {
    "items": Field("list", required=True, min_items=1, max_items=BATCH_LIMIT, unique=True,
                   items=Field("object", fields={"id": Field("str", required=True, min_len=1),
                                                 "enable": Field("bool", required=True)})),
}


def batch_update_tsvi(sim, call):
    """PATCH /v1/{project_id}/app-servers/actions/batch-update-tsvi (per-item ``enable`` is ignored)."""
    body = require_body(call, TSVI_SCHEMA)
    return Reply({"job_id": sim.state.update_tsvi([item["id"] for item in body["items"]])["id"]})


def batch_change_server_maintain_mode(sim, call):
    """PATCH /v1/{project_id}/app-servers/actions/batch-maint (synchronous, empty 200)."""
    body = require_body(call, {"items": batch_ids_field(), "maintain_status": Field("bool", required=True)})
    sim.state.set_maintenance(body["items"], body["maintain_status"])
    return Reply(EMPTY)


UPDATE_GROUP_SCHEMA = {
    "name": Field("str", check=check_group_name),
    "description": Field("str", max_len=255),
    "route_policy": route_policy_field(),
    "storage_mount_policy": Field("str", enum=STORAGE_MOUNT_POLICIES),
    "image_id": Field("str", min_len=1, max_len=64),
    "image_product_id": Field("str", max_len=64),
    "image_type": Field("str", enum=IMAGE_TYPES),
    "system_disk_type": Field("str", enum=VOLUME_TYPES),
    "system_disk_size": Field("int", minimum=40, maximum=1024),
    "ou_name": Field("str", max_len=64),
    "app_type": Field("str", enum=APP_TYPES),
    "server_group_status": Field("bool"),
}


def update_server_group(sim, call):
    """PATCH /v1/{project_id}/app-server-groups/{server_group_id}: only given fields change; body ``null``."""
    group_id = call.params["server_group_id"]
    if sim.state.get_group(group_id) is None:
        raise ApiError(404, errors.GROUP_NOT_FOUND, "server_group_id: %s" % group_id)
    body = require_body(call, UPDATE_GROUP_SCHEMA)
    sim.state.update_group(group_id, body)
    return Reply(None)


# ---------------------------------------------------------------------------------------------- IAM

def keystone_list_projects(sim, call):
    """GET /v3/projects[?name=<region>] (how the SDK resolves a project id)."""
    creds = sim.credentials
    project = {
        "id": creds["project_id"],
        "name": creds["region"],
        "domain_id": creds["domain_id"],
        "enabled": True,
        "is_domain": False,
        "parent_id": creds["domain_id"],
        "description": "",
        "links": {"self": "%s/v3/projects/%s" % (sim.url, creds["project_id"])},
    }
    name = call.query.get("name")
    projects = [project] if name is None or name == creds["region"] else []
    return Reply({"projects": projects, "links": {"self": sim.url + call.path, "previous": None, "next": None}})


def _iam_error(status, error, title):
    code, msg = error
    return ApiError(status, (code, msg), extra_body={"error": {"code": status, "message": msg, "title": title}})


def keystone_create_user_token_by_password(sim, call):
    """POST /v3/auth/tokens with a password identity; 201 and the token in ``X-Subject-Token``."""
    body = call.json
    try:
        auth = body["auth"]
        identity = auth["identity"]
        if "password" not in identity.get("methods", []):
            raise KeyError("methods")
        user = identity["password"]["user"]
        domain = user.get("domain") or {}
        user_name, password = user["name"], user["password"]
        domain_ref = domain.get("name") or domain.get("id")
    except (KeyError, TypeError, AttributeError):
        raise _iam_error(400, ("IAM.0007", "The request body is invalid."), "Bad Request") from None
    creds = sim.credentials
    if not sim.auth.check_password(user_name, password, domain_ref):
        raise _iam_error(401, errors.IAM_BAD_PASSWORD, "Unauthorized")
    scope = (auth.get("scope") or {}).get("project") or {}
    if scope and scope.get("id") not in (None, creds["project_id"]) or \
            scope.get("name") not in (None, creds["region"]):
        raise _iam_error(400, ("IAM.0011", "The project in the scope does not exist."), "Bad Request")
    token, expires_at = sim.auth.issue_token()
    issued_at = sim.state.clock.iso()
    domain_obj = {"id": creds["domain_id"], "name": creds["domain_name"]}
    payload = {"token": {
        "expires_at": expires_at,
        "issued_at": issued_at,
        "methods": ["password"],
        "user": {"id": creds["domain_id"][::-1], "name": creds["user_name"], "domain": domain_obj,
                 "password_expires_at": ""},
        "project": {"id": creds["project_id"], "name": creds["region"], "domain": domain_obj},
        "roles": [{"id": "0", "name": "op_service"}, {"id": "1", "name": "te_admin"}],
        "catalog": [],
    }}
    return Reply(payload, status=201, headers={"X-Subject-Token": token})


# ---------------------------------------------------------------------------------------------- control

def sim_get_log(sim, call):
    """GET /_sim/log[?operation=&method=&mutating=true|false]: the records as a JSON list."""
    mutating = query_bool(call.query, "mutating")
    records = sim.log.requests(method=call.query.get("method"), operation=call.query.get("operation"),
                               mutating=mutating)
    return Reply([record.as_dict() for record in records])


def sim_log_summary(sim, call):
    """GET /_sim/log/summary: request counts per operation."""
    return Reply({str(key): value for key, value in sim.log.summary().items()})


def sim_clear_log(sim, call):
    """POST /_sim/log/clear."""
    return Reply({"cleared": sim.log.clear()})


def sim_get_state(sim, call):
    """GET /_sim/state: the whole fleet."""
    return Reply(sim.state.dump())


def sim_configure_faults(sim, call):
    """POST /_sim/faults: body = FaultInjector.configure() keyword arguments."""
    return Reply(control(sim.faults.configure, **control_body(call)))


def sim_script_fault(sim, call):
    """POST /_sim/faults/script: body ``{kind, method, path, count}``."""
    return Reply(control(sim.faults.script, **control_body(call)))


def sim_clear_faults(sim, call):
    """POST /_sim/faults/clear."""
    sim.faults.clear()
    return Reply(sim.faults.config())


def sim_patch_server(sim, call):
    """POST /_sim/servers/{server_id}: patch record fields (and ``hda_version`` / ``tsvi_enabled``)."""
    server_id = call.params["server_id"]
    if sim.state.get_server(server_id) is None:
        raise ApiError(404, errors.SIM_NOT_FOUND, "server %s" % server_id)
    control(sim.state.patch_server, server_id, **control_body(call))
    view = sim.state.server_view(sim.state.get_server(server_id), detail=True)
    view["hda_version"] = sim.state.hda_version(server_id)
    view["tsvi_enabled"] = sim.state.tsvi_enabled(server_id)
    return Reply(view)


def sim_list_images(sim, call):
    """GET /_sim/images: the images the tenant has, ``[{image_id, image_name}, ...]``."""
    return Reply(sim.state.images())


def sim_add_image(sim, call):
    """POST /_sim/images: body ``{image_id, name?}`` makes an image known; answers it."""
    return Reply(control(sim.state.add_image, **control_body(call)))


def sim_fail_next_job(sim, call):
    """POST /_sim/fail-next-job: body ``{server_ids, error_code?, error_msg?, times?, status?}``."""
    control(sim.state.fail_next_job, **control_body(call))
    return Reply({"ok": True})


def sim_set_latest_hda(sim, call):
    """POST /_sim/latest-hda: body ``{version, hda_type?}``."""
    control(sim.state.set_latest_hda, **control_body(call))
    return Reply({"latest_hda": dict(sim.state.latest_hda)})


def sim_issue_token(sim, call):
    """POST /_sim/tokens: body ``{ttl?}`` -> ``{token, expires_at}``."""
    token, expires_at = control(sim.auth.issue_token, **control_body(call))
    return Reply({"token": token, "expires_at": expires_at})


def sim_get_dialect(sim, call):
    """GET /_sim/dialect: the whole dialect configuration (simulator/dialect.py)."""
    return Reply(sim.dialect.as_dict())


def sim_set_dialect(sim, call):
    """POST /_sim/dialect: body = any subset of the dialect's keys (``preset`` too); answers the whole configuration;
    a bad key or value is a 400 ``SIM.0400`` naming it and what it takes, and changes nothing."""
    with sim.state.lock:
        sim.state.advance()  # what is due under the old dialect happens under it
        return Reply(control(sim.dialect.update, control_body(call)))


def sim_fast_forward(sim, call):
    """POST /_sim/clock: body ``{seconds}`` moves the simulator's clock ahead."""
    control(sim.state.fast_forward, **control_body(call))
    return Reply({"now": sim.state.clock.iso()})


P = "/v1/{project_id}"
ROUTES = [
    Route("GET", P + "/app-servers", "list_servers", list_servers),
    Route("GET", P + "/app-servers/access-agent/list", "list_server_hda_details", list_server_hda_details),
    Route("GET", P + "/app-servers/access-agent/latest-version", "show_access_agent_latest_version",
          show_access_agent_latest_version),
    Route("GET", P + "/app-servers/access-agent/actions/show-latest-version", "list_access_agent_latest_version",
          list_access_agent_latest_version),
    Route("GET", P + "/app-servers/access-agent/upgrade-flag", "show_hda_upgrade_flag", show_hda_upgrade_flag),
    Route("GET", P + "/app-servers/access-agent/upgrade-record", "list_server_hda_upgrade_records",
          list_server_hda_upgrade_records),
    Route("PATCH", P + "/app-servers/access-agent/actions/upgrade", "batch_upgrade_hda_version",
          batch_upgrade_hda_version),
    Route("POST", P + "/app-servers/actions/batch-change-image", "batch_change_server_image",
          batch_change_server_image),
    Route("PATCH", P + "/app-servers/actions/batch-update-tsvi", "batch_update_tsvi", batch_update_tsvi),
    Route("PATCH", P + "/app-servers/actions/batch-maint", "batch_change_server_maintain_mode",
          batch_change_server_maintain_mode),
    Route("PATCH", P + "/app-servers/actions/batch-reboot", "batch_reboot_server", batch_reboot_server),
    Route("PATCH", P + "/app-servers/actions/batch-start", "batch_start_server", batch_start_server),
    Route("PATCH", P + "/app-servers/actions/batch-stop", "batch_stop_server", batch_stop_server),
    Route("POST", P + "/app-servers/actions/create", "create_app_servers", create_app_servers),
    Route("POST", P + "/app-servers/actions/batch-delete", "batch_delete_server", batch_delete_server),
    Route("GET", P + "/app-servers/{server_id}", "show_server", show_server),
    Route("DELETE", P + "/app-servers/{server_id}", "delete_server", delete_server),
    Route("GET", P + "/app-server-groups", "list_server_groups", list_server_groups),
    Route("POST", P + "/app-server-groups", "create_server_group", create_server_group),
    Route("GET", P + "/app-server-groups/{server_group_id}", "show_server_group", show_server_group),
    Route("PATCH", P + "/app-server-groups/{server_group_id}", "update_server_group", update_server_group),
    Route("DELETE", P + "/app-server-groups/{server_group_id}", "delete_server_groups", delete_server_groups),
    Route("GET", P + "/app-server-groups/{server_group_id}/state", "show_server_group_state",
          show_server_group_state),
    Route("PUT", P + "/scaling-policy", "create_or_update_scaling_policy", create_or_update_scaling_policy),
    Route("GET", P + "/scaling-policy", "show_scaling_policy", show_scaling_policy),
    Route("DELETE", P + "/scaling-policy", "delete_scaling_policy", delete_scaling_policy),
    Route("GET", P + "/app-server-sub-jobs", "list_sub_jobs", list_sub_jobs),
    Route("GET", P + "/job/{job_id}", "show_job", show_job),
    Route("GET", "/v2/{project_id}/job/{job_id}", "show_job_detail", show_job_detail),
    Route("GET", P + "/session/list-sessions", "list_sessions", list_sessions),
    Route("POST", P + "/session/logoff", "logoff_user_session", logoff_user_session),
    Route("GET", "/v3/projects", "keystone_list_projects", keystone_list_projects, area="iam"),
    Route("POST", "/v3/auth/tokens", "keystone_create_user_token_by_password", keystone_create_user_token_by_password,
          area="iam"),
    Route("GET", "/_sim/log", "sim_get_log", sim_get_log, area="control"),
    Route("GET", "/_sim/log/summary", "sim_log_summary", sim_log_summary, area="control"),
    Route("POST", "/_sim/log/clear", "sim_clear_log", sim_clear_log, area="control"),
    Route("GET", "/_sim/state", "sim_get_state", sim_get_state, area="control"),
    Route("POST", "/_sim/faults", "sim_configure_faults", sim_configure_faults, area="control"),
    Route("POST", "/_sim/faults/script", "sim_script_fault", sim_script_fault, area="control"),
    Route("POST", "/_sim/faults/clear", "sim_clear_faults", sim_clear_faults, area="control"),
    Route("POST", "/_sim/servers/{server_id}", "sim_patch_server", sim_patch_server, area="control"),
    Route("POST", "/_sim/sessions", "sim_log_on", sim_log_on, area="control"),
    Route("GET", "/_sim/images", "sim_list_images", sim_list_images, area="control"),
    Route("POST", "/_sim/images", "sim_add_image", sim_add_image, area="control"),
    Route("POST", "/_sim/fail-next-job", "sim_fail_next_job", sim_fail_next_job, area="control"),
    Route("POST", "/_sim/fail-next-power", "sim_fail_next_power", sim_fail_next_power, area="control"),
    Route("POST", "/_sim/fail-next-create", "sim_fail_next_create", sim_fail_next_create, area="control"),
    Route("POST", "/_sim/quota", "sim_set_quota", sim_set_quota, area="control"),
    Route("POST", "/_sim/latest-hda", "sim_set_latest_hda", sim_set_latest_hda, area="control"),
    Route("POST", "/_sim/tokens", "sim_issue_token", sim_issue_token, area="control"),
    Route("POST", "/_sim/clock", "sim_fast_forward", sim_fast_forward, area="control"),
    Route("GET", "/_sim/dialect", "sim_get_dialect", sim_get_dialect, area="control"),
    Route("POST", "/_sim/dialect", "sim_set_dialect", sim_set_dialect, area="control"),
]
# Apps and users (their own modules): the authorizations' fixed paths (/app-groups/actions/...,
# /app-groups/authorizations) come before /app-groups/{app_group_id}, which would take them as an id.
ROUTES = REPAIR_ROUTES + ROUTES + AUTHORIZATION_ROUTES + APP_GROUP_ROUTES + PUBLISHED_APP_ROUTES
# Image servers and their jobs (image_servers_api.py; /image-server-jobs is apart from /v2/{project_id}/job).
ROUTES = ROUTES + IMAGE_SERVER_ROUTES
ROUTES = ROUTES + SCHEDULE_TASK_ROUTES  # schedule tasks (schedule_tasks_api.py)
# Policy groups (policy_groups_api.py).
ROUTES = ROUTES + POLICY_GROUP_ROUTES
# Server-group tags and the quota check (group_tags_api.py).
ROUTES = ROUTES + GROUP_TAG_ROUTES


def area_of(path):
    """``control`` for /_sim, ``iam`` for /v3, else ``api``."""
    if path == "/_sim" or path.startswith("/_sim/"):
        return "control"
    if path.startswith("/v3/"):
        return "iam"
    return "api"


def match_route(method, path):
    """(route, params) for the request; (None, None) for an unknown path; (route, None) for a wrong method."""
    path_matches = []
    for route in ROUTES:
        found = route.regex.match(path)
        if found is None:
            continue
        if route.method == method:
            return route, found.groupdict()
        path_matches.append(route)
    if path_matches:
        return path_matches[0], None
    return None, None


def mutated_items(operation, body):
    """Number of servers (sessions, for a logoff; app groups, for their batch delete; applications, for
    publish/unpublish/enable/disable; image servers, for their batch delete; apps, for an attach) a mutating request
    names (for the request log), else None."""
    if not isinstance(body, dict):
        return None
    if operation in ("add_app_group_authorization", "batch_delete_app_group_authorization"):
        groups, accounts = body.get("app_group_ids"), body.get("accounts")  # a cross product: the pairs named
        return len(groups) * len(accounts) if isinstance(groups, list) and isinstance(accounts, list) else None
    key = {"batch_upgrade_hda_version": "items", "batch_change_server_image": "server_ids",
           "batch_update_tsvi": "items", "batch_change_server_maintain_mode": "items",
           "batch_reboot_server": "items", "batch_start_server": "items", "batch_stop_server": "items",
           "batch_delete_server": "items", "batch_delete_app_group": "ids",
           "batch_reinstall_server": "server_ids", "batch_rejoin_domain": "items",
           "logoff_user_session": "session_ids",
           "publish_app": "items", "unpublish_app": "ids", "batch_enable_app": "ids",
           "batch_disable_app": "ids", "send_authorized_mail": "records",
           "batch_delete_image_server": "items", "attach_image_server_app": "items",
           "batch_delete_schedule_task": "items",
           "batch_create_server_group_tags": "items", "batch_delete_server_group_tags": "items"}.get(operation)
    value = body.get(key) if key else None
    return len(value) if isinstance(value, list) else None
