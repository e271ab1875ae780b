"""Live progress at -v: the lines of every module that waits appear while the task still runs
(plugins/plugin_utils/job_progress.py)."""

import subprocess

import pytest

from tests.harness import module_task

MODULE = "huaweicloud.workspace_app.app_server_hda_upgrade"


@pytest.fixture
def long_jobs(make_simulator):
    """30 servers behind, upgrade jobs that would take 10 minutes unless the test ends them."""
    sim = make_simulator(servers=30, groups=1, job_duration=600)
    for server_id in sim.state.server_ids():
        sim.state.set_hda_version(server_id, "2.0.10.1")
    return sim, next(iter(sim.state.groups))


def upgrade(group_id, **options):
    args = {"server_group_id": group_id, "poll_interval": 0.3, "wait_timeout": 60}
    args.update(options)
    return {"name": "upgrade", MODULE: args, "register": "up"}


def test_progress_lines_are_printed_while_the_module_waits(long_jobs, runner_for):
    """The jobs only end once the test has read a polling round on the playbook's output: if the lines
    came at the end of the task only, the wait would time out (60 s) and the task fail."""
    sim, group_id = long_jobs
    runner = runner_for(sim)
    cmd, env, results_file = runner.prepare([upgrade(group_id)], verbosity=1)
    seen = []
    with subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
        for line in process.stdout:
            seen.append(line.rstrip("\n"))
            if line.startswith("upgrade | [group ") and "] round 1:" in line:
                sim.state.fast_forward(601)
        process.wait(timeout=120)
    assert process.returncode == 0, "\n".join(seen)
    result = runner.results(results_file)["up"]
    assert result["summary"]["succeeded"] == 30
    live = [line for line in seen if line.startswith("upgrade | ")]
    # every line says whose it is: the group, by its name
    group = sim.state.get_group(group_id)
    label = "[group %s] " % group["name"]  # the name, from the access agent list
    assert all(line.startswith("upgrade | " + label) for line in live), live
    assert live[:2] == ["upgrade | %sbatch 1/2: 20 server(s) submitted" % label,
                        "upgrade | %sbatch 2/2: 10 server(s) submitted" % label]
    # round 1 reads the job submitted last alone (2 jobs: it ends last), the last round every server's state
    assert any("] round 1: job " in line and "the last submitted, still running" in line and "s left" in line
               for line in live), live
    assert live[-1].startswith("upgrade | %sround " % label) and live[-1].endswith("; done")
    # the same lines, in the same order, are in the result
    assert ["upgrade | " + line for line in result["progress"]] == live
    result_line = next(i for i, line in enumerate(seen) if line.startswith("changed: [localhost]"))
    assert result_line > seen.index(live[-1])


def test_no_live_lines_without_verbosity_or_in_check_mode(long_jobs, runner_for):
    sim, group_id = long_jobs
    sim.state.job_duration = 0.3
    runner = runner_for(sim)
    quiet = runner.run([upgrade(group_id)])
    assert quiet.rc == 0, quiet.output
    assert quiet["up"]["progress"] and "upgrade | " not in quiet.output
    check = runner.run([upgrade(group_id)], check=True, verbosity=2)
    assert check.rc == 0, check.output
    assert "upgrade | " not in check.output


def test_every_module_that_waits_prints_its_lines_with_its_targets_label(make_simulator, runner_for):
    """One playbook at -v: a power change (servers not yet in the state), a logoff with a grace period (the time
    left, then who is still on), a session wait (the servers still with sessions) and a logoff sent without
    waiting; every line is printed under the task's name and starts with the label of its targets."""
    sim = make_simulator(servers=6, groups=2, seed=5, job_duration=1.5)
    group_1 = sim.state.group_by_name("sim-group-1")
    others = sorted(sid for sid in sim.state.servers if sim.state.servers[sid]["server_group_id"] != group_1["id"])
    for server_id in others:
        sim.state.patch_server(server_id, session_count=2)
    names = dict((sid, sim.state.get_server(sid)["name"]) for sid in others)
    fast = dict(poll_interval=0.5, wait_timeout=60)
    run = runner_for(sim).run([
        module_task("huaweicloud.workspace_app.app_server_power", "power", server_group_name="sim-group-1",
                    state="stopped", **fast),
        module_task("huaweicloud.workspace_app.app_session_logoff", "logoff", server_ids=others[:2],
                    message_text="Save your work", delay_time=3, **fast),
        # delay_time long enough that the session wait below reads a round with the sessions still on, however long
        # the next task takes to start on a loaded machine (with 2 s, a fresh-clone make test once saw none)
        module_task("huaweicloud.workspace_app.app_session_logoff", "later", server_ids=others[2:3], delay_time=6,
                    wait=False, **fast),
        module_task("huaweicloud.workspace_app.app_session_info", "drain", server_ids=others[2:3], wait=True,
                    **fast),
    ], verbosity=1)
    assert run.rc == 0, run.output
    lines = run.output.splitlines()

    def live(task):
        return [line[len(task) + 3:] for line in lines if line.startswith(task + " | ")]

    power = live("power")
    assert power and all(line.startswith("[group sim-group-1] ") for line in power), power
    assert any("round 1: 0/" in line and "s left; not yet SHUTOFF: " in line and "(ACTIVE, task running)" in line
               for line in power), power
    assert power == run["power"]["progress"]

    logoff = live("logoff")
    label = "[2 servers: %s] " % ", ".join(sorted(names[sid] for sid in others[:2]))
    assert logoff and all(line.startswith(label) for line in logoff), logoff
    # while delay_time runs: how long the users have left, and who is still on (4 sessions on 2 servers)
    assert any("; sign-out in " in line and "s (delay_time 3s); 4 session(s) still on: " in line
               for line in logoff), logoff
    assert logoff[-1].endswith("; done") and run["logoff"]["session_summary"]["logged_off"] == 4

    drain = live("drain")
    label = "[%s] " % names[others[2]]
    assert drain and all(line.startswith(label) for line in drain), drain
    assert any("s left; still with sessions: %s (2)" % names[others[2]] in line for line in drain), drain
    assert run["drain"]["drained"] is True and drain == run["drain"]["progress"]
    # sent without waiting: its batch line only
    assert live("later") == run["later"]["progress"] == ["[%s] batch 1/1: 1 server(s) submitted" % names[others[2]]]
    print("\n".join(power + logoff + drain))
