"""playbooks/golden_image.yml as a user (or AWX) runs it, against the simulator over HTTP: the plan (--check --diff,
nothing sent), the whole pipeline killed with SIGKILL inside a step drawn at random and run again (the image server
made once, the image built once, every server's image changed once, the group's image setting changed, the image
server deleted, nothing left in maintenance mode), then a third run that changes nothing.

WORKSPACE_APP_PIPELINE_CRASH=<step> picks the step instead of a random draw; ``all`` runs the story once per step
(``make soak`` does, about a minute each)."""

import json
import os
import random
import signal
import time

from tests.harness import processes

SERVERS = 4  # a canary of 2, then a wave of 2
IMAGE = "golden 2026.12"
BUILDER = "golden-src"
# The steps a crash can hit: a predicate on the simulator's request log says the pipeline is inside the step.
CRASH_STEPS = {
    "image server create": lambda sim: calls(sim, "create_image_server"),
    "image build": lambda sim: calls(sim, "recreate_server_image"),
    "canary wave": lambda sim: calls(sim, "batch_change_server_maintain_mode"),
    "image change": lambda sim: calls(sim, "batch_change_server_image"),
    "second wave": lambda sim: len(calls(sim, "batch_change_server_image")) >= 2,
    "group image setting": lambda sim: calls(sim, "update_server_group"),
    "image server delete": lambda sim: calls(sim, "batch_delete_image_server"),
}


def calls(sim, operation):
    return [call for call in sim.log.requests(operation=operation) if (call.status or 0) // 100 == 2]


def answers(sim, group_name, state_file):
    group = sim.state.group_by_name(group_name)
    return dict(image_name=IMAGE, image_server_name=BUILDER, base_image_id=group["image_id"],
                product_id="workspace.appstream.general.xlarge.2", vpc_id="vpc-1", subnet_id="subnet-1",
                builder_accounts="builder", apps="office-2024\npdf-reader", server_group_name=group_name,
                canary_size=2, batch_size=2,
                drain_policy="notify_then_logoff", logoff_grace=0, drain_timeout=30, drain_poll_interval=0.2,
                logoff_message="New image tonight: back in five minutes", wait_timeout=120, poll_interval=0.4,
                state_file=str(state_file))


def test_golden_image_pipeline_plans_then_survives_a_crash_at_any_step_and_converges_once(
        make_simulator, play, tmp_path):
    chosen = os.environ.get("WORKSPACE_APP_PIPELINE_CRASH") or random.Random().choice(sorted(CRASH_STEPS))
    for number, step in enumerate(sorted(CRASH_STEPS) if chosen == "all" else [chosen]):
        print("crash at: %s" % step)
        crash_and_rerun(make_simulator, play, tmp_path / str(number), step)


def crash_and_rerun(make_simulator, play, tmp_path, step):
    sim = make_simulator(servers=SERVERS, groups=1, job_duration=0.3)
    ids = sorted(sim.state.server_ids())
    for sid in ids[:3]:
        sim.state.patch_server(sid, session_count=1)  # users on the first servers: the drain logs them off
    sim.state.session_drain = None
    extra = answers(sim, "sim-group-1", tmp_path / "rollout.json")
    sim.log.clear()

    # the plan: every step checked, nothing sent
    plan = play(sim, "golden_image", check=True, diff=True, **extra)
    assert plan.rc == 0, plan.output
    assert sim.log.mutations() == []
    assert "Check mode, nothing changed (the plan): golden image golden 2026.12" in plan.output
    assert "2 wave(s) of at most 2, the first a canary of 2" in " ".join(plan.output.split())

    # the pipeline killed inside the step, then run again
    command, env = play.command(sim, "golden_image", **extra)
    code = processes.kill_when(command, env, lambda: CRASH_STEPS[step](sim), timeout=240)
    assert code == -signal.SIGKILL, "the pipeline ended (%s) before the step %r" % (code, step)
    time.sleep(0.5)  # a request in flight when the controller died is still handled by the service

    rerun = play(sim, "golden_image", **extra)
    assert rerun.rc == 0, (step, rerun.output)
    built = [image for image in sim.state.images() if image.get("image_name") == IMAGE]
    assert len(built) == 1, (step, built)
    image_id = built[0]["image_id"]
    assert len(calls(sim, "create_image_server")) == 1 and len(calls(sim, "recreate_server_image")) == 1, step
    assert "office-2024" in json.dumps(calls(sim, "create_image_server")[0].body), "the apps go with the create"
    changed = [sid for call in calls(sim, "batch_change_server_image") for sid in call.body["server_ids"]]
    assert sorted(changed) == ids, (step, changed)  # every server changed, and only once
    servers = [sim.state.get_server(sid) for sid in ids]
    assert [server["image_id"] for server in servers] == [image_id] * SERVERS, step
    assert [server["maintain_status"] for server in servers] == [False] * SERVERS, step
    assert [server["session_count"] for server in servers] == [0] * SERVERS, step
    assert sim.state.group_by_name("sim-group-1")["image_id"] == image_id, step
    assert not [record for record in sim.state.image_servers.values() if record["name"] == BUILDER], step
    assert not os.path.exists(extra["state_file"]), step
    assert "rollout: 2 wave(s), 4 server(s) changed, 0 failed" in rerun.output or step not in (
        "image server create", "image build"), rerun.output

    sim.log.clear()
    again = play(sim, "golden_image", **extra)
    assert again.rc == 0, again.output
    assert again.changed == 0 and sim.log.mutations() == []
    lines = again.debug_lines("Show the pipeline")
    assert lines[:3] == ["golden image %s (%s)" % (IMAGE, image_id),
                         "image server %s: not needed, the image was built before" % BUILDER,
                         "image: built before, found by its name"], lines
    assert "group image setting: already the image" in lines and "rollout: 0 wave(s), 0 server(s) changed, 0 failed" \
        in lines
    requests = len(sim.log)
    print("a converged re-run: %d requests" % requests)
