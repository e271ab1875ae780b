"""Handlers of the policy group endpoints (``/v1/{project_id}/policy-groups``): list, show, create, update, delete,
a group's policies and targets, and the original policy. The model is :mod:`.policy_groups`; bodies are validated
against the SDK's request models (``CreatePolicyGroupReq``/``PolicyGroupForCreate``,
``UpdatePolicyGroupReq``/``PolicyGroupForUpdate``, ``Target``)."""

import copy

from .policy_groups import ORIGINAL_POLICY, TARGET_TYPES
from .routing import EMPTY, Reply, Route, contains, paged, require_body
from .validation import Field, paging, query_enum

TARGET = Field("object", fields={
    "target_id": Field("str", max_len=128), "target_name": Field("str", max_len=128),
    "target_type": Field("str", required=True, enum=TARGET_TYPES),
})
GROUP_FIELDS = {
    "policy_group_name": Field("str", min_len=1, max_len=55),
    "priority": Field("int", minimum=1),
    "description": Field("str", max_len=255),
    "targets": Field("list", items=TARGET),
    "policies": Field("object"),
}
CREATE_SCHEMA = {"policy_group": Field("object", required=True, fields=dict(
    GROUP_FIELDS, policy_group_name=Field("str", required=True, min_len=1, max_len=55)))}
UPDATE_SCHEMA = {"policy_group": Field("object", required=True, fields=GROUP_FIELDS)}


def list_policy_group(sim, call):
    """GET /v1/{project_id}/policy-groups: ``policy_group_name`` matches parts of names; ``policy_group_type``
    0 (the groups; 4 would be templates, which the simulator has none of)."""
    q = call.query
    paging(q)
    name = q.get("policy_group_name") or None
    kind = query_enum(q, "policy_group_type", ("0", "4"))
    state = sim.state
    matches = [group for group in state.policy_groups.values()
               if (name is None or contains(name, group["name"])) and kind != "4"]
    page = paged(matches, q)
    page["items"] = [state.policy_group_view(group) for group in page["items"]]
    page["total_count"] = len(state.policy_groups)
    return Reply(page)


def show_policy_group(sim, call):
    state = sim.state
    return Reply({"policy_group": state.policy_group_view(state.require_policy_group(call.params["policy_group_id"]))})


def create_policy_group(sim, call):
    body = require_body(call, CREATE_SCHEMA)["policy_group"]
    return Reply({"id": sim.state.create_policy_group(body)["id"]})


def update_policy_group(sim, call):
    body = require_body(call, UPDATE_SCHEMA)["policy_group"]
    return Reply({"id": sim.state.update_policy_group(call.params["policy_group_id"], body)["id"]})


def delete_policy_group(sim, call):
    sim.state.delete_policy_group(call.params["policy_group_id"])
    return Reply(EMPTY)


def list_policy_of_policy_group(sim, call):
    group = sim.state.require_policy_group(call.params["policy_group_id"])
    return Reply({"policies": sim.state.policy_group_view(group)["policies"]})


def list_targets_of_policy_group(sim, call):
    group = sim.state.require_policy_group(call.params["policy_group_id"])
    kind = query_enum(call.query, "target_type", TARGET_TYPES)
    return Reply({"targets": [dict(target) for target in group["targets"]
                              if kind in (None, "ALL") or target["target_type"] == kind]})


def show_original_policy_info(sim, call):
    return Reply({"policies": copy.deepcopy(ORIGINAL_POLICY)})


P = "/v1/{project_id}/policy-groups"
# The fixed path /actions/list-original-policy comes before /{policy_group_id}, which would take it as an id.
ROUTES = [
    Route("GET", P + "/actions/list-original-policy", "show_original_policy_info", show_original_policy_info),
    Route("GET", P, "list_policy_group", list_policy_group),
    Route("POST", P, "create_policy_group", create_policy_group),
    Route("GET", P + "/{policy_group_id}", "show_policy_group", show_policy_group),
    Route("PATCH", P + "/{policy_group_id}", "update_policy_group", update_policy_group),
    Route("DELETE", P + "/{policy_group_id}", "delete_policy_group", delete_policy_group),
    Route("GET", P + "/{policy_group_id}/policy", "list_policy_of_policy_group", list_policy_of_policy_group),
    Route("GET", P + "/{policy_group_id}/target", "list_targets_of_policy_group", list_targets_of_policy_group),
]
