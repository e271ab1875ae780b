"""Handlers of the server repair endpoints: ``batch_reinstall_server``, ``reinstall_server`` and
``batch_rejoin_domain`` (the model is :mod:`.repair`). AppStream handlers run with the fleet lock held (and the
state advanced) by the dispatcher."""

from .routing import Reply, Route, batch_ids_field, require_body
from .validation import Field, validate_body

# BatchReinstallServerReq: no batch limit is documented for server_ids (as for the image change); none is enforced.
REINSTALL_SCHEMA = {
    "server_ids": Field("list", required=True, items=Field("str", min_len=1), min_items=1, unique=True),
    "update_access_agent": Field("bool"),
}
# ReinstallServerReq.
REINSTALL_ONE_SCHEMA = {"update_access_agent": Field("bool")}
# BatchRejoinDomainReq: 1..20 ids.
REJOIN_SCHEMA = {"items": batch_ids_field()}


def batch_reinstall_server(sim, call):
    """POST /v1/{project_id}/app-servers/actions/batch-reinstall: one job per server, per-item errors."""
    body = require_body(call, REINSTALL_SCHEMA)
    return Reply({"items": sim.state.reinstall(body["server_ids"], bool(body.get("update_access_agent")))})


def reinstall_server(sim, call):
    """POST /v1/{project_id}/app-servers/{server_id}/actions/reinstall: ``{job_id}``."""
    body = validate_body(call.json, REINSTALL_ONE_SCHEMA) if call.json is not None else {}  # the body is optional
    job = sim.state.reinstall_one(call.params["server_id"], bool(body.get("update_access_agent")))
    return Reply({"job_id": job["id"]})


def batch_rejoin_domain(sim, call):
    """PATCH /v1/{project_id}/app-servers/actions/batch-rejoin-domain: one job, ``{job_id}``."""
    body = require_body(call, REJOIN_SCHEMA)
    return Reply({"job_id": sim.state.rejoin_domain(body["items"])["id"]})


P = "/v1/{project_id}"
# Fixed paths before /app-servers/{server_id} (simulator.api.ROUTES puts these first).
ROUTES = [
    Route("POST", P + "/app-servers/actions/batch-reinstall", "batch_reinstall_server", batch_reinstall_server),
    Route("PATCH", P + "/app-servers/actions/batch-rejoin-domain", "batch_rejoin_domain", batch_rejoin_domain),
    Route("POST", P + "/app-servers/{server_id}/actions/reinstall", "reinstall_server", reinstall_server),
]
