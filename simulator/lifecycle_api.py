"""Handlers of the fleet lifecycle endpoints: servers created (``create_app_servers``) and deleted
(``batch_delete_server``, ``delete_server``), server groups created (``create_server_group``), deleted
(``delete_server_groups``) and counted (``show_server_group_state``), the scaling policy calls, and the
``/_sim/quota`` and ``/_sim/fail-next-create`` controls.

The routes are in :data:`simulator.api.ROUTES`; the model is :mod:`.lifecycle`. Bodies are validated against the
SDK's request models (their required fields, the api doc's enums); AppStream handlers run with the fleet lock held
(and the state advanced) by the dispatcher.
"""

from .errors import invalid
from .routing import EMPTY, Reply, batch_ids_field, control, control_body, require_body
from .validation import (APP_TYPES, EXTRA_SESSION_TYPES, IMAGE_TYPES, OS_TYPES, VOLUME_TYPES, Field,
                         check_group_name, percent_field, route_policy_field)

CREATE_TYPES = ("createApps",)  # CreateAppServerReq.type: only cloud application servers
# subscription_num per create_app_servers call (the API does not document a maximum; the simulator's choice).
MAX_SUBSCRIPTION = 50
CHARGING_MODES = ("postPaid",)  # prePaid (an order instead of a job) is not simulated


def _multiple_of_ten(name, value):
    if value % 10:
        raise invalid("%s must be a multiple of 10." % name)


def _unique_tag_keys(name, value):
    keys = [tag["key"] for tag in value]
    duplicate = next((key for index, key in enumerate(keys) if key in keys[:index]), None)
    if duplicate is not None:
        raise invalid("%s contains duplicate key %s." % (name, duplicate))


def _id_field(required=False):
    return Field("str", required=required, min_len=1, max_len=64)


# CreateAppServerReq: required as in the SDK model (type, server_group_id, subscription_num, product_id,
# root_volume, subnet_id, vpc_id).
CREATE_SERVERS_SCHEMA = {
    "type": Field("str", required=True, enum=CREATE_TYPES),
    "server_group_id": _id_field(required=True),
    "availability_zone": Field("str", min_len=1, max_len=64),
    "subscription_num": Field("int", required=True, minimum=1, maximum=MAX_SUBSCRIPTION),
    "nics": Field("list", items=Field("object", fields={"ip_address": Field("str"), "subnet_id": Field("str")})),
    "ou_name": Field("str", max_len=64),
    "product_id": _id_field(required=True),
    "flavor_id": Field("str", max_len=64),
    "os_type": Field("str", enum=OS_TYPES),
    "root_volume": Field("object", required=True, fields={
        "type": Field("str", required=True, enum=VOLUME_TYPES),
        "size": Field("int", required=True, minimum=10, maximum=1024, check=_multiple_of_ten),
        "cluster_id": Field("str")}),
    "scheduler_hints": Field("object", fields={"dedicated_host_id": Field("str"), "tenancy": Field("str")}),
    "subnet_id": _id_field(required=True),
    "vpc_id": _id_field(required=True),
    "update_access_agent": Field("bool"),
    "create_server_extend_param": Field("object", fields={
        "charging_mode": Field("str", enum=CHARGING_MODES), "period_type": Field("int", enum=(2, 3)),
        "period_num": Field("int", minimum=1, maximum=9), "is_auto_renew": Field("bool"),
        "is_auto_pay": Field("bool")}),
}

# CreateServerGroupReq: required as in the SDK model (name, image_id, image_type, os_type, product_id, vpc_id,
# subnet_id, system_disk_type, system_disk_size).
CREATE_GROUP_SCHEMA = {
    "name": Field("str", required=True, check=check_group_name),
    "image_id": _id_field(required=True),
    "image_product_id": Field("str", max_len=64),
    "image_type": Field("str", required=True, enum=IMAGE_TYPES),
    "os_type": Field("str", required=True, enum=OS_TYPES),
    "description": Field("str", max_len=255),
    "route_policy": route_policy_field(),
    "product_id": _id_field(required=True),
    "flavor_id": Field("str", max_len=64),
    "vpc_id": _id_field(required=True),
    "subnet_id": _id_field(required=True),
    "system_disk_type": Field("str", required=True, enum=VOLUME_TYPES),
    "system_disk_size": Field("int", required=True, minimum=40, maximum=1024),
    "ou_name": Field("str", max_len=64),
    "cluster_id": Field("str", max_len=64),
    "availability_zone": Field("str", max_len=64),
    "ip_virtual": Field("object", fields={"enable": Field("bool", required=True)}),
    "is_vdi": Field("bool"),
    "app_type": Field("str", enum=APP_TYPES),
    "extra_session_type": Field("str", enum=EXTRA_SESSION_TYPES),
    "extra_session_size": Field("int", minimum=0, maximum=10000),
    "tags": Field("list", max_items=20, check=_unique_tag_keys, items=Field("object", fields={
        "key": Field("str", required=True, min_len=1, max_len=128), "value": Field("str", max_len=255)})),
    "enterprise_project_id": Field("str", max_len=64),
    "primary_server_group_id": Field("str", min_len=1, max_len=64),
    "server_group_status": Field("bool"),
}

# Ranges of the scaling policy: max_scaling_amount 1..100 and single_expansion_count 1..10 (Terraform's docs of the
# real service); the idle minutes' maximum is the simulator's choice.
MAX_SCALING_AMOUNT = 100
MAX_SINGLE_EXPANSION = 10
MAX_IDLE_MINUTES = 1440
SCALING_POLICY_SCHEMA = {
    "enable": Field("bool"),
    "max_scaling_amount": Field("int", required=True, minimum=1, maximum=MAX_SCALING_AMOUNT),
    "single_expansion_count": Field("int", required=True, minimum=1, maximum=MAX_SINGLE_EXPANSION),
    "scaling_policy_by_session": Field("object", required=True, fields={
        "session_usage_threshold": percent_field(),
        "shrink_after_session_idle_minutes": Field("int", required=True, minimum=1, maximum=MAX_IDLE_MINUTES)}),
    "scaling_policy_by_resource": Field("object", fields={
        key: percent_field() for key in ("cpu_usage_threshold", "mem_usage_threshold", "gpu_usage_threshold")}),
    "server_group_id": _id_field(required=True),
}


# ---------------------------------------------------------------------------------------------- servers

def create_app_servers(sim, call):
    """POST /v1/{project_id}/app-servers/actions/create: ``{job_id}`` of the CREATE_SERVER job."""
    body = require_body(call, CREATE_SERVERS_SCHEMA)
    job = sim.state.create_servers(body["server_group_id"], body["subscription_num"],
                                   availability_zone=body.get("availability_zone"), root_volume=body["root_volume"],
                                   ou_name=body.get("ou_name"))
    return Reply({"job_id": job["id"]})


def _deleted(job):
    """``{job_id}`` of a DELETE_SERVER job; ``{}`` when none was needed (dialect ``absent_deletes`` "200": every
    server named was already gone)."""
    return Reply({} if job is None else {"job_id": job["id"]})


def batch_delete_server(sim, call):
    """POST /v1/{project_id}/app-servers/actions/batch-delete: ``{job_id}`` of the DELETE_SERVER job."""
    return _deleted(sim.state.delete_servers(require_body(call, {"items": batch_ids_field()})["items"]))


def delete_server(sim, call):
    """DELETE /v1/{project_id}/app-servers/{server_id}: ``{job_id}`` of the DELETE_SERVER job."""
    return _deleted(sim.state.delete_servers([call.params["server_id"]]))


# ---------------------------------------------------------------------------------------------- groups

def create_server_group(sim, call):
    """POST /v1/{project_id}/app-server-groups: the new group (CreateServerGroupResponse: the list view)."""
    body = require_body(call, CREATE_GROUP_SCHEMA)
    return Reply(sim.state.group_view(sim.state.create_group(body)))


def delete_server_groups(sim, call):
    """DELETE /v1/{project_id}/app-server-groups/{server_group_id}: an empty group goes (empty 200)."""
    sim.state.delete_group(call.params["server_group_id"])
    return Reply(EMPTY)


def show_server_group_state(sim, call):
    """GET /v1/{project_id}/app-server-groups/{server_group_id}/state: ``{aps_status: {ServerStatus: count}}``."""
    return Reply({"aps_status": sim.state.group_state(call.params["server_group_id"])})


# ---------------------------------------------------------------------------------------------- scaling policy

def _group_query(call):
    group_id = call.query.get("server_group_id")
    if not group_id:
        raise invalid("server_group_id is required.")
    return group_id


def create_or_update_scaling_policy(sim, call):
    """PUT /v1/{project_id}/scaling-policy: the group's policy replaced; answers it."""
    body = dict(require_body(call, SCALING_POLICY_SCHEMA))
    if body["single_expansion_count"] > body["max_scaling_amount"]:
        raise invalid("single_expansion_count must not be greater than max_scaling_amount.")
    group_id = body.pop("server_group_id")
    return Reply(dict(sim.state.set_scaling_policy(group_id, body)))


def show_scaling_policy(sim, call):
    """GET /v1/{project_id}/scaling-policy?server_group_id=: the policy (the disabled default when none)."""
    return Reply(dict(sim.state.scaling_policy(_group_query(call))))


def delete_scaling_policy(sim, call):
    """DELETE /v1/{project_id}/scaling-policy?server_group_id=: back to the disabled default (empty 200)."""
    sim.state.delete_scaling_policy(_group_query(call))
    return Reply(EMPTY)


# ---------------------------------------------------------------------------------------------- control

def sim_set_quota(sim, call):
    """POST /_sim/quota: body ``{servers}`` -> ``{server_quota, servers}`` (servers: how many exist now)."""
    body = control_body(call)
    if body:
        control(sim.state.set_server_quota, **body)
    return Reply({"server_quota": sim.state.server_quota, "servers": len(sim.state.servers)})


def sim_fail_next_create(sim, call):
    """POST /_sim/fail-next-create: body ``{count?, error_code?, error_msg?, status?}``."""
    control(sim.state.fail_next_create, **control_body(call))
    return Reply({"ok": True})
