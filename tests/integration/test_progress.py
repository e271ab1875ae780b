"""Live progress at -v: the job modules' lines appear while the task still runs (plugins/action/job_progress.py)."""

import subprocess

import pytest

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
