"""app_image_server_info through main() against the recorded service: exact names only (the API's server_name filter
matches parts), by id, and an unknown status named in unexpected."""

from ansible_collections.huaweicloud.workspace_app.plugins.modules import app_image_server_info as module

from tests.harness.image_servers import made_image_server


def test_exact_name_id_and_unexpected(service, run):
    golden = made_image_server(service, "golden")
    other = made_image_server(service, "golden-2")
    every = run(module, check=True)
    assert [s["name"] for s in every["image_servers"]] == ["golden", "golden-2"] and every["unexpected"] == []
    (read,) = service.requests
    assert read.operation == "list_image_servers"
    named = run(module, name="golden")
    assert [s["id"] for s in named["image_servers"]] == [golden]
    assert service.requests[-1].query["server_name"] == "golden"  # the filter matches both; the module keeps one
    by_id = run(module, image_server_id=other)["image_servers"]
    assert [(s["id"], s["status"]) for s in by_id] == [(other, "ACTIVE")]
    assert run(module, image_server_id="no-such-id")["image_servers"] == []
    service.state.image_servers[golden]["status"] = "PAUSED"
    odd = run(module, name="golden")
    assert [(f["kind"], f["id"], f["field"], f["value"], f["why"]) for f in odd["unexpected"]] == [
        ("image_server", golden, "status", "PAUSED", "unknown ImageServerStatus value")]
    assert service.mutations == []
