"""app_image_server through main() against the recorded service (the simulator's image server model applies each
scripted call): a create waited for through its image job until ACTIVE, a re-run that sends nothing, check mode,
bad input before any request, a lost create answer not created twice, an update of only what differs, and a delete
with and without delete_related."""

from ansible_collections.huaweicloud.workspace_app.plugins.modules import app_image_server as module

from tests.harness.image_servers import BASE, FAST, base_image, serve_image_servers


def create_args(service, **changes):
    args = dict(BASE, name="golden-src", image_id=base_image(service), **FAST)
    args.update(changes)
    return args


def test_a_create_is_waited_for_until_active_and_a_rerun_sends_nothing(service, run):
    serve_image_servers(service)
    result = run(module, **create_args(service, description="weekly"))
    assert result["changed"] is True, result
    server = result["image_server"]
    assert server["status"] == "ACTIVE" and server["server_group_id"] and server["app_group_id"]
    (create,) = service.mutations
    assert create.operation == "create_image_server"
    assert create.body["image_ref"] == dict(id=base_image(service), image_type="private")
    assert create.body["root_volume"] == dict(type="SAS", size=80)
    assert create.body["authorize_accounts"] == [dict(account="builder", account_type="USER")]
    assert create.body["description"] == "weekly" and "delete_related" not in create.body
    assert service.sent("show_image_job")  # waited for on the image job endpoint
    creates = [job["id"] for job in service.state.image_jobs.values() if job["job_type"] == "CREATE_SERVER"]
    assert result["jobs"] == creates and len(creates) == 1
    again = run(module, **create_args(service, description="weekly"))
    assert again["changed"] is False and again["image_server"]["id"] == server["id"] and again["jobs"] == []
    assert len(service.mutations) == 1
    renamed = run(module, **create_args(service, description="monthly", new_name="golden-src-2"))
    assert renamed["changed"] is True and renamed["changes"] == dict(description="monthly", name="golden-src-2")
    assert service.mutations[-1].operation == "update_image_server" and len(service.mutations) == 2
    assert run(module, **create_args(service, description="monthly", new_name="golden-src-2"))["changed"] is False


def test_check_mode_plans_the_create_and_sends_nothing(service, run):
    serve_image_servers(service)
    result = run(module, check=True, diff=True, **create_args(service))
    assert result["changed"] is True and service.mutations == []
    assert result["image_server"]["status"] == "CREATING" and result["diff"]["before"] == {}
    assert result["changes"]["image_ref"]["id"] == base_image(service)


def test_bad_input_fails_before_any_request(service, run):
    too_small = run(module, **create_args(service, system_disk_size=5))
    assert too_small.failed and "system_disk_size" in too_small["msg"] and "10..1024" in too_small["msg"]
    gold = run(module, **create_args(service, image_type="gold"))
    assert gold.failed and gold["msg"].startswith("image_product_id: required when image_type is gold")
    bad_name = run(module, **create_args(service, name="golden src"))
    assert bad_name.failed and "not a valid image server name" in bad_name["msg"]
    bad_type = run(module, **create_args(service, system_disk_type="HDD"))
    assert bad_type.failed and "system_disk_type" in bad_type["msg"] and "SATA" in bad_type["msg"]
    assert service.requests == []
    missing = run(module, name="golden-src", **FAST)
    assert missing.failed and "missing: image_id, image_type" in missing["msg"] and "flavor_id or product_id" in (
        missing["msg"])
    assert service.mutations == []


def test_a_lost_create_answer_is_settled_by_name_and_waited_for_not_created_twice(service, run):
    serve_image_servers(service, lost=("create_image_server",))
    result = run(module, **create_args(service))
    assert not result.failed, result
    assert len(service.sent("create_image_server")) == 1 and len(service.state.image_servers) == 1
    assert result["image_server"]["status"] == "ACTIVE"
    assert any("taken as the one this task created" in text for text in result.warning_texts)


def test_a_failed_create_job_fails_the_task_with_its_error(service, run):
    serve_image_servers(service)
    service.state.fail_next_image_job(job_type="CREATE_SERVER", error_code="WKS.00219999", error_msg="no capacity")
    result = run(module, **create_args(service))
    assert result.failed and "ended FAILED" in result["msg"] and "WKS.00219999 no capacity" in result["msg"]


def test_a_delete_keeps_the_related_groups_unless_delete_related(service, run):
    serve_image_servers(service)
    first = run(module, **create_args(service))["image_server"]
    check = run(module, check=True, name="golden-src", state="absent", delete_related=True)
    assert check["changed"] is True and len(service.mutations) == 1
    assert check["destroys"][:2] == ["app group (%s)" % first["app_group_id"],
                                     "server group (%s) with its servers" % first["server_group_id"]]
    gone = run(module, name="golden-src", state="absent", **FAST)
    assert gone["changed"] is True and "destroys" in gone
    delete = service.mutations[-1]
    assert delete.operation == "batch_delete_image_server"
    assert delete.body == dict(items=[first["id"]], recursive=False)
    assert first["server_group_id"] in service.state.groups and first["id"] not in service.state.image_servers
    assert run(module, name="golden-src", state="absent", **FAST)["changed"] is False
    second = run(module, **create_args(service, name="golden-two"))["image_server"]
    run(module, name="golden-two", state="absent", delete_related=True, **FAST)
    assert service.mutations[-1].body == dict(items=[second["id"]], recursive=True)
    assert second["server_group_id"] not in service.state.groups


def attached(service, image_server_id):
    return [item["app_id"] for item in service.state.attached_apps(image_server_id)]


def test_attach_apps_go_with_the_create_and_a_rerun_reads_them_and_sends_nothing(service, run):
    serve_image_servers(service)
    result = run(module, **create_args(service, attach_apps=["app-office", "app-pdf"]))
    assert result["changed"] is True, result
    (create,) = service.mutations
    assert create.body["attach_apps"] == ["app-office", "app-pdf"] and service.sent("attach_image_server_app") == []
    server_id = result["image_server"]["id"]
    assert attached(service, server_id) == ["app-office", "app-pdf"]
    again = run(module, **create_args(service, attach_apps=["app-pdf", "app-office"]))
    assert again["changed"] is False and again["changes"] == {} and len(service.mutations) == 1
    assert len(service.sent("list_latest_attached_server_app")) >= 2
    planned = run(module, check=True, diff=True, **create_args(service, name="golden-new", attach_apps=["app-1"]))
    assert planned["changed"] is True and planned["changes"]["attach_apps"] == ["app-1"]
    assert len(service.mutations) == 1


def test_attach_apps_sends_the_list_only_when_an_app_is_not_attached_and_converges(service, run):
    serve_image_servers(service)
    server_id = run(module, **create_args(service))["image_server"]["id"]
    assert attached(service, server_id) == []
    first = run(module, name="golden-src", attach_apps=["app-office"], **FAST)
    assert first["changed"] is True and first["changes"] == dict(attach_apps=["app-office"])
    (attach,) = service.sent("attach_image_server_app")
    assert attach.path.endswith("/image-servers/%s/actions/attach-app" % server_id)
    assert attach.body == dict(items=["app-office"]) and attached(service, server_id) == ["app-office"]
    assert run(module, name="golden-src", attach_apps=["app-office"], **FAST)["changed"] is False

    mutations = len(service.mutations)
    check = run(module, check=True, diff=True, name="golden-src", attach_apps=["app-office", "app-pdf"], **FAST)
    assert check["changed"] is True and len(service.mutations) == mutations
    assert check["diff"] == dict(before=dict(attach_apps=["app-office"]),
                                 after=dict(attach_apps=["app-office", "app-pdf"]))
    assert sorted(check["image_server"]["attach_apps"]) == ["app-office", "app-pdf"]
    more = run(module, diff=True, name="golden-src", attach_apps=["app-office", "app-pdf"], **FAST)
    assert more["changed"] is True and more["diff"] == check["diff"]
    assert service.sent("attach_image_server_app")[-1].body == dict(items=["app-office", "app-pdf"])
    assert attached(service, server_id) == ["app-office", "app-pdf"]
    for apps in (["app-office", "app-pdf"], ["app-pdf"], ["app-office"]):  # a subset of what is listed: nothing
        assert run(module, name="golden-src", attach_apps=apps, **FAST)["changed"] is False
    assert len(service.sent("attach_image_server_app")) == 2


def test_attach_apps_bad_input_fails_before_any_request(service, run):
    serve_image_servers(service)
    for apps, text in ((["app-1", "app-1"], "'app-1' is given twice"), ([""], "'' is not a warehouse app id"),
                       ([" app-1"], "' app-1' is not a warehouse app id"),
                       (["app-%d" % n for n in range(101)], "101 apps given; at most 100")):
        result = run(module, **create_args(service, attach_apps=apps))
        assert result.failed and result["msg"].startswith("attach_apps: ") and text in result["msg"], result["msg"]
    assert service.requests == []


def test_a_lost_attach_answer_is_settled_by_the_latest_attached_read_not_sent_twice(service, run):
    serve_image_servers(service, lost=("attach_image_server_app",))
    server_id = run(module, **create_args(service))["image_server"]["id"]
    result = run(module, name="golden-src", attach_apps=["app-office"], **FAST)
    assert not result.failed and result["changed"] is True, result
    assert len(service.sent("attach_image_server_app")) == 1 and attached(service, server_id) == ["app-office"]
    assert any("shows the attach apps applied" in text for text in result.warning_texts), result.warning_texts
