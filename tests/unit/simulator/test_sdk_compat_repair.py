"""The official SDK's client against the simulator's repair endpoints: batch reinstall (one job per server, per-item
answers), the single-server reinstall, and batch rejoin-domain (one job; the server stays REGISTERED while it runs)."""

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkworkspaceapp.v1 import (BatchReinstallServerReq, BatchReinstallServerRequest,
                                           BatchRejoinDomainReq, BatchRejoinDomainRequest, ReinstallServerReq,
                                           ReinstallServerRequest, ShowJobDetailRequest, ShowServerRequest)

from tests.unit.simulator.test_sdk_compat import _client


def _sdk(sim):
    creds = sim.credentials
    return _client(sim, BasicCredentials(creds["ak"], creds["sk"], creds["project_id"]))


def test_sdk_reinstalls_servers_one_job_each_with_a_transitional_status(make_simulator):
    sim = make_simulator(servers=4, groups=1, seed=29, job_duration=100, dialect=dict(transitions=5))
    state = sim.state
    a, b, c, d = state.server_ids()
    state.log_on(a, user_name="alice")
    state.fail_next_job([b])
    client = _sdk(sim)

    def shown(server_id):
        server = client.show_server(ShowServerRequest(server_id=server_id))
        return server.status, server.vm_status, server.task_status, server.job_type, server.session_count

    answer = client.batch_reinstall_server(BatchReinstallServerRequest(body=BatchReinstallServerReq(
        server_ids=[a, b, "missing"], update_access_agent=True)))
    items = dict((item.server_id, item) for item in answer.items)
    assert items[a].job_id.isdigit() and items[b].job_id.isdigit() and items[a].job_id != items[b].job_id
    assert (items["missing"].job_id, items["missing"].error_code) == ("", "WKS.00211201")
    state.fast_forward(20)
    assert shown(a) == ("UNREGISTER", "REBUILD", "rebuilding", "REINSTALL_OS", 0)  # the rebuild ended the session
    busy = client.batch_reinstall_server(BatchReinstallServerRequest(body=BatchReinstallServerReq(server_ids=[a])))
    assert busy.items[0].error_code == "WKS.00211204" and busy.items[0].job_id == ""

    single = client.reinstall_server(ReinstallServerRequest(server_id=c, body=ReinstallServerReq(
        update_access_agent=False)))
    assert single.job_id.isdigit()
    with pytest.raises(ClientRequestException) as caught:
        client.reinstall_server(ReinstallServerRequest(server_id=c, body=ReinstallServerReq()))
    assert caught.value.status_code == 409

    state.fast_forward(110)  # the jobs ended and the agents registered again
    assert shown(a)[:3] == ("REGISTERED", "ACTIVE", None)
    assert state.hda_version(a) == state.latest_hda_for(a)
    failed = client.show_job_detail(ShowJobDetailRequest(job_id=items[b].job_id))
    assert failed.status == "FAILED" and failed.sub_jobs[0].status == "FAILED"
    assert shown(b)[2] == "rebuild_fail"
    assert client.show_server(ShowServerRequest(server_id=d)).job_type is None
    assert [(r.operation, r.items, r.status) for r in sim.log.mutations()] == [
        ("batch_reinstall_server", 3, 200), ("batch_reinstall_server", 1, 200), ("reinstall_server", None, 200),
        ("reinstall_server", None, 409)]


def test_sdk_rejoins_servers_in_one_job_while_they_stay_registered(make_simulator):
    sim = make_simulator(servers=3, groups=1, seed=29, job_duration=100, dialect=dict(transitions=5))
    state = sim.state
    a, b, c = state.server_ids()
    state.fail_next_job([b], error_code="WKS.00211999", error_msg="The domain cannot be reached.")
    client = _sdk(sim)

    job_id = client.batch_rejoin_domain(BatchRejoinDomainRequest(body=BatchRejoinDomainReq(items=[a, b]))).job_id
    assert job_id.isdigit()
    state.fast_forward(50)
    server = client.show_server(ShowServerRequest(server_id=a))
    assert (server.status, server.task_status, server.job_id, server.job_status) == (
        "REGISTERED", "rejoining_domain", job_id, "RUNNING")
    with pytest.raises(ClientRequestException) as caught:  # busy: the whole batch is refused
        client.batch_rejoin_domain(BatchRejoinDomainRequest(body=BatchRejoinDomainReq(items=[a, c])))
    assert (caught.value.status_code, caught.value.error_code) == (409, "WKS.00211204")
    with pytest.raises(ClientRequestException) as caught:  # 1..20 ids
        client.batch_rejoin_domain(BatchRejoinDomainRequest(body=BatchRejoinDomainReq(items=[c] * 21)))
    assert caught.value.status_code == 400

    state.fast_forward(60)
    job = client.show_job_detail(ShowJobDetailRequest(job_id=job_id))
    subs = dict((sub.job_resource_info.resource_id, sub) for sub in job.sub_jobs)
    assert job.job_type == "REJOIN_DOMAIN" and job.status == "FAILED"
    assert (subs[a].status, subs[b].status, subs[b].error_code) == ("SUCCESS", "FAILED", "WKS.00211999")
    assert client.show_server(ShowServerRequest(server_id=a)).status == "REGISTERED"
    assert [(r.operation, r.items, r.status) for r in sim.log.mutations()] == [
        ("batch_rejoin_domain", 2, 200), ("batch_rejoin_domain", 2, 409), ("batch_rejoin_domain", 21, 400)]
