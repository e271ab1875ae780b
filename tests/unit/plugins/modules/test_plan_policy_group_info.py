"""app_policy_group_info through main() against recorded API answers: exact names kept from the API's partial name
filter, by id (an unknown id is an empty list), the request count of a run."""

from ansible_collections.huaweicloud.workspace_app.plugins.modules import app_policy_group_info as module


def test_lists_by_exact_name_and_by_id_one_request_each(service, run):
    state = service.state
    base = state.create_policy_group({"policy_group_name": "base", "priority": 1})
    state.create_policy_group({"policy_group_name": "base_old"})
    state.create_policy_group({"policy_group_name": "other"})

    result = run(module, name="base")
    assert not result.failed and result["changed"] is False
    assert [group["name"] for group in result["policy_groups"]] == ["base"]
    assert result["policy_groups"][0]["policies"]["client"]["session_persistence_time"] == 180
    assert result["unexpected"] == []
    assert [r.operation for r in service.requests] == ["list_policy_group"]
    assert service.requests[0].query["policy_group_name"] == "base"

    service.requests.clear()
    every = run(module)
    assert [group["name"] for group in every["policy_groups"]] == ["base", "base_old", "other"]
    assert len(service.requests) == 1

    service.requests.clear()
    by_id = run(module, policy_group_id=base["id"])
    assert [group["id"] for group in by_id["policy_groups"]] == [base["id"]]
    assert [r.operation for r in service.requests] == ["show_policy_group"]
    assert run(module, policy_group_id="no-such-id")["policy_groups"] == []
    assert service.mutations == []
