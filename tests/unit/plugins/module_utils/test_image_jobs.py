"""jobs.py on the image endpoint: image server jobs (``/v1/{project_id}/image-server-jobs/{id}``) waited for by the
real waiter against the simulator over HTTP, with the deadline, polling and status rules of server jobs, and the
created resource's id read from the first sub job.

Only time is faked: the waiter's clock and sleep are a counter whose sleep also moves the simulator's clock."""

import pytest

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api, client, connection, jobs
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import ApiError

CREATE_BODY = {"name": "golden-src", "root_volume": {"type": "SAS", "size": 80}, "vpc_id": "vpc-1",
               "subnet_id": "subnet-1", "product_id": "workspace.appstream.general.xlarge.2",
               "authorize_accounts": [{"account": "builder", "account_type": "USER"}]}


class SimClock:
    """The waiter's clock; its sleep moves the simulator's clock as far."""

    def __init__(self, sim):
        self.sim = sim
        self.now = 1000.0
        self.sleeps = []

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds
        self.sim.state.fast_forward(seconds)


@pytest.fixture
def service(make_simulator):
    sim = make_simulator(servers=2, groups=1, seed=29, job_duration=60)
    creds = sim.credentials
    settings = connection.resolve_connection({"endpoint": sim.url, "region": creds["region"], "access_key": creds["ak"],
                                              "secret_key": creds["sk"], "project_id": creds["project_id"],
                                              "max_retries": 0}, environ={})
    sim.client = client.Client(settings, state_dir=None)
    sim.base_image = next(iter(sim.state.groups.values()))["image_id"]
    return sim


def waiter(service, timeout=600, poll_interval=15, endpoint=jobs.IMAGE_JOBS, lines=None):
    clock = SimClock(service)
    made = jobs.JobWaiter(service.client, timeout, poll_interval, clock=clock.time, sleep=clock.sleep,
                          progress=(lines if lines is not None else []).append, endpoint=endpoint)
    made.fake_clock = clock
    return made


def create(service, **changes):
    body = dict(CREATE_BODY, image_ref={"id": service.base_image, "image_type": "private"})
    body.update(changes)
    return api.create_image_server(service.client, body)


def test_an_image_server_create_is_waited_for_on_the_image_endpoint_and_names_the_server(service):
    job_id = create(service)
    assert len(job_id) == 18 and job_id.isdigit()
    service.log.clear()
    lines = []
    wait = waiter(service, lines=lines)
    results = wait.wait({job_id: []}, fresh=True)
    result = results[job_id]
    assert result.finished and result.status == "SUCCESS"
    image_server_id = jobs.created_resource_id(result.detail)
    assert image_server_id and result.servers[image_server_id].status == jobs.SUCCEEDED
    shown = api.show_image_server(service.client, image_server_id)
    assert shown["status"] == "ACTIVE" and shown["server_group_id"] and shown["app_group_id"]
    # read from the image endpoint only: one request per round, the first one poll_interval after the submission
    reads = service.log.summary()
    assert set(reads) == {"show_image_job", "show_image_server"} and reads["show_image_job"] == wait.rounds
    assert wait.fake_clock.sleeps[0] == 15 and wait.rounds == 4  # 60 s of job at 15 s a round
    assert lines[-1].startswith("round 4: 1/1 job(s) finished")


def test_a_build_names_its_image_only_once_it_succeeded_and_the_image_is_then_usable(service):
    results = waiter(service).wait({create(service): []}, fresh=True)
    image_server_id = jobs.created_resource_id(next(iter(results.values())).detail)
    job_id = api.recreate_server_image(service.client, image_server_id, "golden 2026.12", execute_sysprep=True)
    running = api.show_image_job(service.client, job_id)
    assert running["job_type"] == "CREATE_SERVER_IMAGE" and jobs.created_resource_id(running) is None
    assert running["sub_jobs"][0]["job_resource_info"] == {"resource_name": "golden 2026.12"}
    assert api.show_image_server(service.client, image_server_id)["status"] == "BUILDING"
    result = waiter(service).wait({job_id: []}, fresh=True)[job_id]
    image_id = jobs.created_resource_id(result.detail)
    assert result.status == "SUCCESS" and image_id
    assert api.show_image_server(service.client, image_server_id)["image_id"] == image_id
    # the tenant knows it: an image change (app_server_image) and a group update accept it
    server_id = service.state.server_ids()[0]
    (item,) = service.state.change_image([server_id], image_id, "private", "Windows")
    assert item["job_id"] and not item["error_code"]
    subs = api.list_image_sub_jobs(service.client, job_type="CREATE_SERVER_IMAGE", status="SUCCESS")
    assert [(s["job_resource_info"]["resource_name"], s["job_id"]) for s in subs] == [("golden 2026.12", job_id)]
    assert [job["id"] for job in api.list_image_jobs(service.client, job_type="CREATE_SERVER_IMAGE")] == [job_id]


def test_a_failed_image_job_fails_its_resource_with_the_error_of_job_execute_info(service):
    service.state.fail_next_image_job(job_type="CREATE_SERVER", error_code="WKS.00219999", error_msg="no capacity",
                                      status="ABNORMAL")
    job_id = create(service)
    result = waiter(service).wait({job_id: []}, fresh=True)[job_id]
    assert result.finished and result.status == "FAILED"
    image_server_id = jobs.created_resource_id(result.detail)
    outcome = result.servers[image_server_id]
    assert (outcome.status, outcome.error_code, outcome.error_msg, outcome.sub_job_status) == (
        jobs.FAILED, "WKS.00219999", "no capacity", "ABNORMAL")
    assert jobs.sub_job_error(result.detail["sub_jobs"][0]) == ("WKS.00219999", "no capacity")
    assert api.show_image_server(service.client, image_server_id)["status"] == "ERROR"


def test_a_status_nobody_knows_keeps_the_wait_going_and_is_warned_about(service):
    service.dialect.update({"unknown_status": "QUEUED"})  # WAITING shows as a word this collection does not know
    job_id = create(service)
    wait = waiter(service, poll_interval=3)
    result = wait.wait({job_id: []}, fresh=True)[job_id]  # 6 s WAITING (QUEUED), then RUNNING, then SUCCESS
    assert result.status == "SUCCESS" and wait.rounds > 2
    job_warning, sub_job_warning = wait.unknown_values()
    assert job_warning.startswith("job %s showed status 'QUEUED', a value this collection does not know: it was "
                                  "treated as still running" % job_id)
    assert sub_job_warning.startswith("job %s, sub job " % job_id) and "showed sub job status 'QUEUED'" in \
        sub_job_warning


def test_the_deadline_is_kept_and_a_re_run_resumes_the_same_job(service):
    job_id = create(service)
    first = waiter(service, timeout=30)
    with pytest.raises(jobs.WaitTimeout) as caught:
        first.wait({job_id: []}, fresh=True)
    assert caught.value.pending == [job_id] and "re-run the task to resume" in str(caught.value)
    assert sum(first.fake_clock.sleeps) == 30
    result = waiter(service).wait({job_id: []})[job_id]  # the next run: the same job, no second create
    assert result.status == "SUCCESS" and len(service.state.image_servers) == 1


def test_the_endpoints_know_only_their_own_jobs(service):
    server_job = service.state.upgrade_hda(service.state.server_ids()[:1])["id"]
    image_job = create(service)
    with pytest.raises(ApiError) as caught:
        jobs.read_job(service.client, server_job, jobs.IMAGE_JOBS)
    assert caught.value.status == 404
    with pytest.raises(ApiError) as caught:
        jobs.read_job(service.client, image_job, jobs.SERVER_JOBS)
    assert caught.value.status == 404
    assert jobs.read_job(service.client, server_job)["job_type"] == "UPGRADE_ACCESS_AGENT"
    assert jobs.read_job(service.client, image_job, jobs.IMAGE_JOBS)["job_type"] == "CREATE_SERVER"


def test_a_job_kind_says_its_endpoint_and_image_jobs_are_read_by_their_detail():
    kind = jobs.JobKind("CREATE_SERVER", None, endpoint=jobs.IMAGE_JOBS)
    assert kind.endpoint == jobs.IMAGE_JOBS and kind.waiter_class is jobs.JobWaiter
    assert jobs.JobKind("UPGRADE_ACCESS_AGENT", None).endpoint == jobs.SERVER_JOBS
    assert jobs.AppliedAtOnce.endpoint == jobs.SettlesLater.endpoint == jobs.SERVER_JOBS
    with pytest.raises(ValueError, match="endpoint must be one of image, server"):
        jobs.JobKind("CREATE_SERVER", None, endpoint="images")
    with pytest.raises(ValueError, match="endpoint must be one of"):
        jobs.JobWaiter(None, 10, 1, endpoint="v3")


def test_created_resource_id_and_sub_job_error_read_both_shapes():
    assert jobs.created_resource_id(None) is None
    assert jobs.created_resource_id({"sub_jobs": []}) is None
    assert jobs.created_resource_id({"sub_jobs": [{"job_resource_info": "?"}]}) is None
    assert jobs.created_resource_id({"sub_jobs": [{"job_resource_info": {"resource_id": "img-1"}},
                                                  {"job_resource_info": {"resource_id": "img-2"}}]}) == "img-1"
    assert jobs.sub_job_error({"error_code": "E1", "error_message": "m"}) == ("E1", "m")
    assert jobs.sub_job_error({"job_execute_info": {"error_code": "E2", "error_message": "n"}}) == ("E2", "n")
    assert jobs.sub_job_error({"error_code": "", "job_execute_info": None}) == (None, None)


def test_an_unknown_status_on_a_sub_job_that_names_no_resource_keeps_the_job_unfinished():
    result = jobs.JobResult("575000000000000001", [])
    result.update({"status": "SUCCESS", "sub_jobs": [{"id": "s", "status": "PAUSED", "job_resource_info": {}}]})
    assert not result.finished and ("sub job status", "PAUSED") in result.unknown
    result.update({"status": "SUCCESS", "sub_jobs": [{"id": "s", "status": "SUCCESS", "job_resource_info": {
        "resource_id": "img-1"}}]})
    assert result.finished and result.servers["img-1"].status == jobs.SUCCEEDED
