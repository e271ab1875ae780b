"""playbooks/maintenance_window.yml (app_schedule_task, app_schedule_task_info) run as a user (or AWX) runs it: real
ansible-playbook, survey answers as -e, against the simulator over HTTP. One test, one simulator: plan with --check
--diff (nothing sent), create, the simulated clock passes the tasks' time, a re-run changes nothing and shows the
executions server by server; the request counts of that no-op run are the modules' cost."""

ANSWERS = dict(server_group_names="sim-group-1, sim-group-2", task_type="restart", schedule="weekly",
               weekdays="saturday,sunday", time="03:00", time_zone="Asia/Shanghai", task_prefix="night")


def test_maintenance_window_plans_creates_then_changes_nothing_and_shows_the_executions(make_simulator, play):
    sim = make_simulator(servers=4, groups=2)
    groups = dict((group["name"], group["id"]) for group in sim.state.groups.values())

    plan = play(sim, "maintenance_window", check=True, diff=True, **ANSWERS)
    assert plan.rc == 0, plan.output
    assert sim.log.mutations() == [] and sim.state.schedule_tasks == {}
    assert plan.changed >= 1 and "night-sim-group-1" in plan.output and "check mode" in plan.output

    run = play(sim, "maintenance_window", **ANSWERS)
    assert run.rc == 0, run.output
    creates = sim.log.requests(operation="create_schedule_task")
    assert len(creates) == 2 and len(sim.log.mutations()) == 2
    by_name = dict((call.body["task_name"], call.body) for call in creates)
    assert by_name["night-sim-group-2"] == {
        "task_name": "night-sim-group-2", "task_type": "RESTART_SERVER", "scheduled_type": "WEEK",
        "week_list": "1,7", "scheduled_time": "03:00:00", "time_zone": "Asia/Shanghai", "is_enable": True,
        "target_infos": [{"target_type": "SERVER_GROUP", "target_id": groups["sim-group-2"]}]}
    assert "restart weekly at 03:00:00 Asia/Shanghai, next 20" in " ".join(run.output.split())

    sim.state.fast_forward(8 * 86400)  # a week and a day: each task ran twice (Saturday and Sunday)
    sim.log.clear()
    again = play(sim, "maintenance_window", show_history=True, **ANSWERS)
    assert again.rc == 0, again.output
    assert again.changed == 0 and sim.log.mutations() == []
    ops = [call.operation for call in sim.log.requests() if call.operation != "keystone_list_projects"]
    # no-op cost: app_schedule_task per group: list_server_groups, list_schedule_tasks, show_schedule_task (3);
    # app_schedule_task_info with history per group: list, show, history, one detail list per execution (3 + runs)
    per_module = [ops.count(name) for name in ("list_server_groups", "list_schedule_tasks", "show_schedule_task",
                                               "list_task_execute_history", "list_task_execute_detail")]
    assert per_module == [2, 4, 4, 2, 4], ops
    text = " ".join(again.output.split())
    assert "(unchanged)" in text and "SUCCESS (2/2)" in text and "sim-server-" in text
