"""app_image_server, app_image and app_image_server_info through ansible-playbook against the simulator: ONE shared
run (the golden image steps): an image server created and waited for, apps attached to it, an image built from it,
both re-run unchanged,
the info module, the image server deleted with what was built for it."""

from tests.harness import Scenario, ScenarioSet, module_task

SERVER = "huaweicloud.workspace_app.app_image_server"
IMAGE = "huaweicloud.workspace_app.app_image"
INFO = "huaweicloud.workspace_app.app_image_server_info"
FAST = {"poll_interval": 0.1, "wait_timeout": 120}

scenario = ScenarioSet("images")
shared = scenario.fixture()


@scenario
def golden(make_simulator):
    sim = make_simulator(servers=1, groups=1, job_duration=0.3)
    base = next(iter(sim.state.groups.values()))["image_id"]
    create = dict(FAST, name="golden-src", image_id=base, image_type="private", product_id="p", vpc_id="vpc-1",
                  subnet_id="subnet-1", system_disk_type="SAS", system_disk_size=80,
                  authorize_accounts=[{"account": "builder"}])
    build = dict(FAST, name="golden 1", image_server_name="golden-src")
    apps = dict(FAST, name="golden-src", attach_apps=["app-office", "app-pdf"])
    tasks = [module_task(SERVER, "server", create), module_task(SERVER, "apps", apps),
             module_task(IMAGE, "image", build), module_task(SERVER, "server_again", dict(create, **apps)),
             module_task(IMAGE, "image_again", build),
             module_task(INFO, "info", {"name": "golden-src"}),
             module_task(SERVER, "gone", dict(FAST, name="golden-src"), state="absent", delete_related=True)]
    return Scenario("golden", sim, tasks)


def test_an_image_server_and_its_image_are_made_once_and_the_server_deleted_with_its_groups(shared):
    run = shared["golden"]
    sim = run.sim
    assert run.rc == 0, run.output
    server, image = run["server"]["image_server"], run["image"]["image"]
    assert run["server"]["changed"] and server["status"] == "ACTIVE" and server["server_group_id"]
    assert run["image"]["changed"] and run["image"]["action"] == "build" and image["status"] == "SUCCESS"
    assert image["id"] and image["id"] in [known["image_id"] for known in sim.state.images()]
    assert run["apps"]["changed"] and run["apps"]["changes"] == {"attach_apps": ["app-office", "app-pdf"]}
    assert run["server_again"]["changed"] is False and run["image_again"]["changed"] is False
    assert run["image_again"]["action"] == "none" and run["image_again"]["image"] == image
    (listed,) = run["info"]["image_servers"]
    assert (listed["id"], listed["status"], listed["image_id"]) == (server["id"], "BUILT", image["id"])
    assert run["gone"]["changed"] and server["id"] not in sim.state.image_servers
    assert server["server_group_id"] not in sim.state.groups
    mutations = [(call.operation, call.status) for call in sim.log.mutations()]
    assert mutations == [("create_image_server", 200), ("attach_image_server_app", 200),
                         ("recreate_server_image", 200), ("batch_delete_image_server", 200)]
