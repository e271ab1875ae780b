"""Handlers of the image server endpoints (``/v1/{project_id}/image-servers``) and of their jobs
(``/v1/{project_id}/image-server-jobs``, ``/image-server-sub-jobs``). The model is :mod:`.image_servers`; bodies are
validated against the SDK's request models (``CreateImageServerReq``, ``UpdateImageServerReq``,
``AttachServerAppReq``, ``CreateServerImageReq``, ``BatchDeleteImageServerReq``) and its required attributes."""

import re

from .errors import invalid
from .image_servers import IMAGE_JOB_STATUSES, IMAGE_JOB_TYPES, IMAGE_SUB_JOB_STATUSES
from .routing import Reply, Route, contains, control, control_body, paged, require_body
from .validation import EXTRA_SESSION_TYPES, IMAGE_TYPES, VOLUME_TYPES, Field, check_group_name, paging, query_enum

ACCOUNT_TYPES = ("USER", "USER_GROUP")
MAX_BATCH_DELETE = 20  # BatchDeleteImageServerReq.items: "一次请求数量区间 [1, 20]"
# CreateServerImageReq.name: 1..128 letters (any script), digits, "-", ".", "_" and spaces, not at either end
_IMAGE_NAME_RE = re.compile(r"^[\w\-. ]{1,128}$")

IMAGE_REF = Field("object", required=True, fields={
    "id": Field("str", required=True, min_len=1),
    "image_type": Field("str", required=True, enum=IMAGE_TYPES),
    "spce_code": Field("str"),
    "product_id": Field("str"),
})
ACCOUNT = Field("object", fields={
    "account": Field("str", required=True, min_len=1),
    "account_type": Field("str", required=True, enum=ACCOUNT_TYPES),
    "domain": Field("str"),
})


def _name(name, value):
    check_group_name(name, value)  # 1..64 letters of any script, digits, "_" and "-": the image server's rule too


def _image_name(name, value):
    if not _IMAGE_NAME_RE.match(value) or value != value.strip():
        raise invalid("%s must be 1 to 128 letters, digits, '-', '.', '_' or spaces, not starting or ending with a "
                      "space." % name)


CREATE_IMAGE_SERVER_SCHEMA = {
    "name": Field("str", required=True, check=_name),
    "description": Field("str", max_len=255),
    "root_volume": Field("object", required=True, fields={
        "type": Field("str", required=True, enum=VOLUME_TYPES),
        "size": Field("int", required=True, minimum=10, maximum=1024),
        "cluster_id": Field("str"),
    }),
    "image_ref": IMAGE_REF,
    "vpc_id": Field("str", required=True, min_len=1),
    "subnet_id": Field("str", required=True, min_len=1),
    "product_id": Field("str", required=True, min_len=1),
    "flavor_id": Field("str"),
    "availability_zone": Field("str"),
    "attach_apps": Field("list", items=Field("str", min_len=1)),
    "authorize_accounts": Field("list", required=True, items=ACCOUNT),
    "ou_name": Field("str"),
    "is_vdi": Field("bool"),
    "scheduler_hints": Field("object", fields={"dedicated_host_id": Field("str"), "tenancy": Field("str")}),
    "extra_session_type": Field("str", enum=EXTRA_SESSION_TYPES),
    "extra_session_size": Field("int", minimum=0),
    "route_policy": Field("object", fields={key: Field("int", minimum=0) for key in (
        "max_session", "cpu_threshold", "mem_threshold")}),
    "tags": Field("list", max_items=20, items=Field("object", fields={
        "key": Field("str", required=True, min_len=1, max_len=128), "value": Field("str", max_len=255)})),
    "enterprise_project_id": Field("str"),
}
UPDATE_IMAGE_SERVER_SCHEMA = {
    "name": Field("str", check=_name),
    "description": Field("str", max_len=255),
}
ATTACH_APP_SCHEMA = {
    "items": Field("list", required=True, min_items=1, items=Field("str", min_len=1), unique=True),
}
CREATE_SERVER_IMAGE_SCHEMA = {
    "name": Field("str", required=True, check=_image_name),
    "description": Field("str", max_len=1024),
    "enterprise_project_id": Field("str"),
    "execute_sysprep": Field("bool"),
}
BATCH_DELETE_SCHEMA = {
    "items": Field("list", required=True, min_items=1, max_items=MAX_BATCH_DELETE, items=Field("str", min_len=1),
                   unique=True),
    "recursive": Field("bool"),
}


def _job_id(job):
    return {"job_id": job["id"]} if job is not None else {}


def list_image_servers(sim, call):
    """GET /v1/{project_id}/image-servers: filters ``server_name`` (partial), ``server_id``,
    ``enterprise_project_id``."""
    q = call.query
    paging(q)
    name, server_id, project = q.get("server_name") or None, q.get("server_id") or None, \
        q.get("enterprise_project_id") or None
    state = sim.state
    matches = [record for record in state.image_servers.values()
               if (server_id is None or record["id"] == server_id)
               and (name is None or contains(name, record["name"]))
               and (project is None or record.get("enterprise_project_id") == project)]
    page = paged(matches, q)
    page["items"] = [state.image_server_view(record) for record in page["items"]]
    return Reply(page)


def show_image_server(sim, call):
    """GET /v1/{project_id}/image-servers/{server_id}."""
    return Reply(sim.state.image_server_view(sim.state.require_image_server(call.params["server_id"])))


def create_image_server(sim, call):
    """POST /v1/{project_id}/image-servers: ``{job_id}`` of its CREATE_SERVER image job."""
    return Reply(_job_id(sim.state.create_image_server(require_body(call, CREATE_IMAGE_SERVER_SCHEMA))))


def update_image_server(sim, call):
    """PATCH /v1/{project_id}/image-servers/{server_id}: ``{}`` (UpdateImageServerResponse has no field)."""
    sim.state.update_image_server(call.params["server_id"], require_body(call, UPDATE_IMAGE_SERVER_SCHEMA))
    return Reply({})


def attach_image_server_app(sim, call):
    """POST /v1/{project_id}/image-servers/{server_id}/actions/attach-app: ``{uri}``, no job."""
    items = require_body(call, ATTACH_APP_SCHEMA)["items"]
    return Reply({"uri": sim.state.attach_image_server_apps(call.params["server_id"], items)})


def list_latest_attached_server_app(sim, call):
    """GET /v1/{project_id}/image-servers/{server_id}/actions/latest-attached-app: ``{items}``."""
    return Reply({"items": sim.state.attached_apps(call.params["server_id"])})


def recreate_server_image(sim, call):
    """POST /v1/{project_id}/image-servers/{server_id}/actions/recreate-image: ``{job_id}`` of its
    CREATE_SERVER_IMAGE image job."""
    body = require_body(call, CREATE_SERVER_IMAGE_SCHEMA)
    return Reply(_job_id(sim.state.build_image(call.params["server_id"], body)))


def batch_delete_image_server(sim, call):
    """PATCH /v1/{project_id}/image-servers/actions/batch-delete: ``{job_id}``, or ``{}`` when none of the ids is
    left to delete (200 all the same)."""
    body = require_body(call, BATCH_DELETE_SCHEMA)
    return Reply(_job_id(sim.state.delete_image_servers(body["items"], bool(body.get("recursive")))))


def show_image_job(sim, call):
    """GET /v1/{project_id}/image-server-jobs/{job_id} (404 for a server job's id)."""
    return Reply(sim.state.image_job_view(sim.state.require_image_job(call.params["job_id"])))


def list_image_jobs(sim, call):
    """GET /v1/{project_id}/image-server-jobs: filters ``status``, ``job_type``; newest first, no sub jobs."""
    q = call.query
    paging(q)
    status = query_enum(q, "status", IMAGE_JOB_STATUSES)
    job_type = query_enum(q, "job_type", IMAGE_JOB_TYPES)
    state = sim.state
    matches = [job for job in reversed(list(state.image_jobs.values()))
               if (status is None or job["status"] == status) and (job_type is None or job["job_type"] == job_type)]
    page = paged(matches, q)
    page["items"] = [state.image_job_view(job, detail=False) for job in page["items"]]
    return Reply(page)


def list_image_sub_jobs(sim, call):
    """GET /v1/{project_id}/image-server-sub-jobs: filters ``status``, ``job_type``, ``job_id``; newest job
    first."""
    q = call.query
    paging(q)
    status = query_enum(q, "status", IMAGE_SUB_JOB_STATUSES)
    job_type = query_enum(q, "job_type", IMAGE_JOB_TYPES)
    job_id = q.get("job_id") or None
    state = sim.state
    state.advance()
    matches = [sub for sub in state.iter_image_sub_jobs()
               if (status is None or sub["status"] == status) and (job_type is None or sub["job_type"] == job_type)
               and (job_id is None or sub["job_id"] == job_id)]
    page = paged(matches, q)
    page["items"] = [state.image_sub_job_view(sub) for sub in page["items"]]
    return Reply(page)


def sim_fail_next_image_job(sim, call):
    """POST /_sim/fail-next-image-job: body ``{job_type?, error_code?, error_msg?, times?, status?}``."""
    control(sim.state.fail_next_image_job, **control_body(call))
    return Reply({"ok": True})


P = "/v1/{project_id}"
ROUTES = [
    # the fixed path /image-servers/actions/batch-delete before /image-servers/{server_id}
    Route("PATCH", P + "/image-servers/actions/batch-delete", "batch_delete_image_server", batch_delete_image_server),
    Route("GET", P + "/image-servers", "list_image_servers", list_image_servers),
    Route("POST", P + "/image-servers", "create_image_server", create_image_server),
    Route("GET", P + "/image-servers/{server_id}", "show_image_server", show_image_server),
    Route("PATCH", P + "/image-servers/{server_id}", "update_image_server", update_image_server),
    Route("POST", P + "/image-servers/{server_id}/actions/attach-app", "attach_image_server_app",
          attach_image_server_app),
    Route("GET", P + "/image-servers/{server_id}/actions/latest-attached-app", "list_latest_attached_server_app",
          list_latest_attached_server_app),
    Route("POST", P + "/image-servers/{server_id}/actions/recreate-image", "recreate_server_image",
          recreate_server_image),
    Route("GET", P + "/image-server-jobs", "list_image_jobs", list_image_jobs),
    Route("GET", P + "/image-server-jobs/{job_id}", "show_image_job", show_image_job),
    Route("GET", P + "/image-server-sub-jobs", "list_image_sub_jobs", list_image_sub_jobs),
    Route("POST", "/_sim/fail-next-image-job", "sim_fail_next_image_job", sim_fail_next_image_job, area="control"),
]
