"""The official SDK's client against the simulator's image server endpoints and their jobs: create, list, show,
update, attach-app, latest-attached-app, recreate-image, batch-delete, show/list image jobs and sub jobs."""

import pytest
import requests
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException, ServerResponseException
from huaweicloudsdkworkspaceapp.v1 import (
    AttachImageServerAppRequest, AttachServerAppReq, BatchDeleteImageServerReq, BatchDeleteImageServerRequest,
    CreateImageServerReq, CreateImageServerRequest, CreateServerImageReq, ImageAccountInfo, ImageRef,
    ListImageJobsRequest, ListImageServersRequest, ListImageSubJobsRequest, ListLatestAttachedServerAppRequest,
    RecreateServerImageRequest, ShowImageJobRequest, ShowImageServerRequest, ShowJobDetailRequest,
    UpdateImageServerReq, UpdateImageServerRequest, Volume)

from tests.unit.simulator.test_sdk_compat import _client


def sdk_client(sim):
    creds = sim.credentials
    return _client(sim, BasicCredentials(creds["ak"], creds["sk"], creds["project_id"]))


def create_body(sim, name="golden-src", **extra):
    base = next(iter(sim.state.groups.values()))["image_id"]
    return CreateImageServerReq(
        name=name, root_volume=Volume(type="SAS", size=80), image_ref=ImageRef(id=base, image_type="private"),
        vpc_id="vpc-1", subnet_id="subnet-1", product_id="workspace.appstream.general.xlarge.2",
        authorize_accounts=[ImageAccountInfo(account="builder", account_type="USER")], **extra)


def settle(sim):
    sim.state.fast_forward(sim.state.job_duration + 1)


def test_sdk_creates_builds_updates_attaches_and_deletes_an_image_server(make_simulator):
    sim = make_simulator(servers=1, groups=1, seed=29, job_duration=5)
    client = sdk_client(sim)
    groups_before = set(sim.state.groups)

    created = client.create_image_server(CreateImageServerRequest(body=create_body(
        sim, description="source", ou_name="OU=Apps", attach_apps=["app-1"], is_vdi=False)))
    assert len(created.job_id) == 18 and created.job_id.isdigit()
    job = client.show_image_job(ShowImageJobRequest(job_id=created.job_id))
    assert job.job_type == "CREATE_SERVER" and job.status == "WAITING" and job.sub_jobs_total == 1
    image_server_id = job.sub_jobs[0].job_resource_info.resource_id
    shown = client.show_image_server(ShowImageServerRequest(server_id=image_server_id))
    assert (shown.name, shown.status, shown.image_ref.image_type) == ("golden-src", "CREATING", "private")
    with pytest.raises(ClientRequestException) as caught:  # not on the server job endpoint
        client.show_job_detail(ShowJobDetailRequest(job_id=created.job_id))
    assert caught.value.status_code == 404

    settle(sim)
    done = client.show_image_job(ShowImageJobRequest(job_id=created.job_id))
    assert done.status == "SUCCESS" and done.sub_jobs[0].status == "SUCCESS" and done.end_time
    shown = client.show_image_server(ShowImageServerRequest(server_id=image_server_id))
    assert shown.status == "ACTIVE" and shown.server_group_id not in groups_before
    assert shown.server_id in sim.state.servers and shown.app_group_id in sim.state.app_groups
    assert [i.app_id for i in client.list_latest_attached_server_app(ListLatestAttachedServerAppRequest(
        server_id=image_server_id)).items] == ["app-1"]

    listed = client.list_image_servers(ListImageServersRequest(server_name="golden", limit=10))
    assert listed.count == 1 and listed.items[0].id == image_server_id
    assert client.list_image_servers(ListImageServersRequest(server_id="missing")).count == 0
    client.update_image_server(UpdateImageServerRequest(server_id=image_server_id, body=UpdateImageServerReq(
        name="golden-source", description="renamed")))
    assert client.show_image_server(ShowImageServerRequest(server_id=image_server_id)).name == "golden-source"

    attached = client.attach_image_server_app(AttachImageServerAppRequest(
        server_id=image_server_id, body=AttachServerAppReq(items=["app-2", "app-3"])))
    assert attached.uri.endswith("/image-servers/%s/actions/latest-attached-app" % image_server_id)
    latest = client.list_latest_attached_server_app(ListLatestAttachedServerAppRequest(server_id=image_server_id))
    assert [item.app_id for item in latest.items] == ["app-2", "app-3"] and all(item.id for item in latest.items)

    build = client.recreate_server_image(RecreateServerImageRequest(
        server_id=image_server_id,
        body=CreateServerImageReq(name="golden 2026.12", description="office", execute_sysprep=True)))
    assert client.show_image_server(ShowImageServerRequest(server_id=image_server_id)).status == "BUILDING"
    with pytest.raises(ClientRequestException) as caught:  # a build runs: no second one, no delete
        client.recreate_server_image(RecreateServerImageRequest(server_id=image_server_id, body=CreateServerImageReq(
            name="again")))
    assert caught.value.status_code == 409
    settle(sim)
    built = client.show_image_job(ShowImageJobRequest(job_id=build.job_id))
    image_id = built.sub_jobs[0].job_resource_info.resource_id
    assert built.job_type == "CREATE_SERVER_IMAGE" and built.status == "SUCCESS" and image_id
    assert built.sub_jobs[0].job_resource_info.resource_name == "golden 2026.12"
    shown = client.show_image_server(ShowImageServerRequest(server_id=image_server_id))
    assert (shown.status, shown.image_id) == ("BUILT", image_id)
    assert {"image_id": image_id, "image_name": "golden 2026.12"} in sim.state.images()

    jobs = client.list_image_jobs(ListImageJobsRequest(limit=10))
    assert [j.id for j in jobs.items] == [build.job_id, created.job_id] and jobs.count == 2
    assert [j.id for j in client.list_image_jobs(ListImageJobsRequest(job_type="CREATE_SERVER")).items] == [
        created.job_id]
    assert client.list_image_jobs(ListImageJobsRequest(status="FAILED")).count == 0
    subs = client.list_image_sub_jobs(ListImageSubJobsRequest(job_id=build.job_id))
    assert subs.count == 1 and subs.items[0].job_resource_info.resource_id == image_id
    assert client.list_image_sub_jobs(ListImageSubJobsRequest(job_type="CREATE_SERVER_IMAGE",
                                                              status="SUCCESS")).count == 1

    sim.log.clear()
    deleted = client.batch_delete_image_server(BatchDeleteImageServerRequest(body=BatchDeleteImageServerReq(
        items=[image_server_id, "missing"], recursive=False)))
    (record,) = sim.log.mutations()
    assert record.operation == "batch_delete_image_server" and record.items == 2
    assert client.show_image_job(ShowImageJobRequest(job_id=deleted.job_id)).job_type == "DELETE_SERVER"
    settle(sim)
    with pytest.raises(ClientRequestException) as caught:
        client.show_image_server(ShowImageServerRequest(server_id=image_server_id))
    assert caught.value.status_code == 404
    assert shown.server_group_id in sim.state.groups and shown.app_group_id in sim.state.app_groups  # not recursive
    again = client.batch_delete_image_server(BatchDeleteImageServerRequest(body=BatchDeleteImageServerReq(
        items=[image_server_id])))
    assert again.job_id is None  # gone: 200 with no job


def test_sdk_recursive_delete_takes_what_the_image_server_made_and_bad_requests_are_refused(make_simulator):
    sim = make_simulator(servers=2, groups=1, seed=29, job_duration=2)
    client = sdk_client(sim)
    other_groups, other_servers = set(sim.state.groups), set(sim.state.servers)
    created = client.create_image_server(CreateImageServerRequest(body=create_body(sim)))
    image_server_id = client.show_image_job(ShowImageJobRequest(job_id=created.job_id)).sub_jobs[0] \
        .job_resource_info.resource_id
    with pytest.raises(ClientRequestException) as caught:  # still CREATING
        client.batch_delete_image_server(BatchDeleteImageServerRequest(body=BatchDeleteImageServerReq(
            items=[image_server_id], recursive=True)))
    assert caught.value.status_code == 409
    settle(sim)
    shown = client.show_image_server(ShowImageServerRequest(server_id=image_server_id))
    deleted = client.batch_delete_image_server(BatchDeleteImageServerRequest(body=BatchDeleteImageServerReq(
        items=[image_server_id], recursive=True)))
    assert client.show_image_server(ShowImageServerRequest(server_id=image_server_id)).status == "DELETING"
    settle(sim)
    assert client.show_image_job(ShowImageJobRequest(job_id=deleted.job_id)).status == "SUCCESS"
    assert set(sim.state.groups) == other_groups and set(sim.state.servers) == other_servers
    assert shown.app_group_id not in sim.state.app_groups and sim.state.image_servers == {}

    for bad in (dict(name="has space"), dict(name="x" * 65)):
        with pytest.raises(ClientRequestException) as caught:
            client.create_image_server(CreateImageServerRequest(body=create_body(sim, **bad)))
        assert caught.value.status_code == 400
    unknown_image = create_body(sim)
    unknown_image.image_ref = ImageRef(id="no-such-image", image_type="private")
    with pytest.raises(ClientRequestException) as caught:
        client.create_image_server(CreateImageServerRequest(body=unknown_image))
    assert caught.value.status_code == 400
    with pytest.raises(ClientRequestException) as caught:
        client.batch_delete_image_server(BatchDeleteImageServerRequest(body=BatchDeleteImageServerReq(
            items=["id-%d" % n for n in range(21)])))
    assert caught.value.status_code == 400
    for call, request in ((client.show_image_job, ShowImageJobRequest(job_id="575000000000000000")),
                          (client.show_image_server, ShowImageServerRequest(server_id="missing"))):
        with pytest.raises(ClientRequestException) as caught:
            call(request)
        assert caught.value.status_code == 404
    with pytest.raises(ClientRequestException) as caught:
        client.list_image_jobs(ListImageJobsRequest(status="PAUSED"))
    assert caught.value.status_code == 400


def test_sdk_a_failed_image_job_and_an_injected_fault(make_simulator):
    sim = make_simulator(servers=0, groups=1, seed=29, job_duration=2)
    client = sdk_client(sim)
    control = sim.url + "/_sim/fail-next-image-job"
    assert requests.post(control, json={"status": "PAUSED"}, timeout=5).status_code == 400
    assert requests.post(control, json={"job_type": "CREATE_SERVER", "error_code": "WKS.00219999",
                                        "error_msg": "no capacity"}, timeout=5).status_code == 200
    created = client.create_image_server(CreateImageServerRequest(body=create_body(sim)))
    settle(sim)
    job = client.show_image_job(ShowImageJobRequest(job_id=created.job_id))
    assert job.status == "FAILED" and job.sub_jobs[0].status == "FAILED"
    info = job.sub_jobs[0].job_execute_info
    assert (info.error_code, info.error_message) == ("WKS.00219999", "no capacity")
    image_server_id = job.sub_jobs[0].job_resource_info.resource_id
    assert client.show_image_server(ShowImageServerRequest(server_id=image_server_id)).status == "ERROR"
    failed = client.list_image_sub_jobs(ListImageSubJobsRequest(status="FAILED"))
    assert [s.job_id for s in failed.items] == [created.job_id]

    sim.faults.script("error500", "GET", "/image-server-jobs/", count=1)
    with pytest.raises(ServerResponseException) as caught:
        client.show_image_job(ShowImageJobRequest(job_id=created.job_id))
    assert caught.value.status_code == 500
    assert client.show_image_job(ShowImageJobRequest(job_id=created.job_id)).status == "FAILED"
