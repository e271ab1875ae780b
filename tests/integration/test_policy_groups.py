"""playbooks/policy_baseline.yml run as a user (or AWX) runs it, and app_policy_group_info: real ansible-playbook
against the simulator over HTTP. One story, each step one run: the baseline creates the group, a re-run changes
nothing (its requests counted), another operator's change through the API is shown by --check --diff key by key
(nothing sent) and then corrected, and the info module reads the group back (its requests counted)."""

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api

from tests.harness import module_task

INFO = "huaweicloud.workspace_app.app_policy_group_info"


def read_only(sim):
    """The API requests since the log was cleared (IAM and simulator control calls left out), by operation."""
    return sorted(record.operation for record in sim.log.requests() if record.path.startswith("/v1/"))


def test_policy_baseline_creates_stays_shows_a_drift_corrects_it_and_the_info_module_reads_it(
        make_simulator, play, api_client_for, runner_for):
    sim = make_simulator(servers=0, groups=0)
    sim.log.clear()

    created = play(sim, "policy_baseline")  # the example baseline shipped next to the playbook
    assert created.rc == 0, created.output
    (group,) = sim.state.policy_groups.values()
    assert group["name"] == "security_baseline" and group["priority"] == 1
    assert group["targets"] == [{"target_type": "ALL", "target_id": "default-apply-all-targets",
                                 "target_name": "All-Targets"}]
    policies = group["policies"]
    assert policies["file_and_clipboard"]["clipboard_redirection"] == "SERVER_TO_CLIENT_ENABLED"
    assert policies["file_and_clipboard"]["file_redirection"]["redirection_mode"] == "DISABLED"
    assert policies["peripherals"]["usb_port_redirection"]["usb_enable"] is False
    assert policies["audio"]["audio_redirection_enable"] is True  # the original policy where the baseline is silent
    assert "policy group security_baseline: created (changed)" in " ".join(created.output.split())

    sim.log.clear()
    again = play(sim, "policy_baseline")
    assert again.rc == 0 and again.changed == 0, again.output
    assert sim.log.mutations() == []
    # the no-op run of app_policy_group: the groups by name, the group
    assert read_only(sim) == ["list_policy_group", "show_policy_group"]
    assert "policy group security_baseline: at the baseline" in " ".join(again.output.split())

    # another operator opens the clipboard both ways and allows USB, through the API
    api.update_policy_group(api_client_for(sim), group["id"], {"policies": {
        "file_and_clipboard": {"clipboard_redirection": "TWO_WAY_ENABLED"},
        "peripherals": {"usb_port_redirection": {"usb_enable": True}}}})
    sim.log.clear()
    audit = play(sim, "policy_baseline", check=True, diff=True)
    assert audit.rc == 0 and audit.changed == 1, audit.output
    assert sim.log.mutations() == []
    diff_lines = [" ".join(line.rstrip(",").split()) for line in audit.output.splitlines()]
    for line in ('- "file_and_clipboard.clipboard_redirection": "TWO_WAY_ENABLED"',
                 '+ "file_and_clipboard.clipboard_redirection": "SERVER_TO_CLIENT_ENABLED"',
                 '- "peripherals.usb_port_redirection.usb_enable": true',
                 '+ "peripherals.usb_port_redirection.usb_enable": false'):
        assert line in diff_lines, audit.output
    assert ("Check mode, nothing changed: policy group security_baseline: differs from the baseline in "
            "file_and_clipboard.clipboard_redirection, peripherals.usb_port_redirection.usb_enable (would be changed)"
            in " ".join(audit.output.split()))
    assert group["policies"]["file_and_clipboard"]["clipboard_redirection"] == "TWO_WAY_ENABLED"

    # corrected, and from now on for two app groups named in the survey's answer instead of everyone
    design, office = sim.state.add_app_group("design-apps"), sim.state.add_app_group("office-apps")
    sim.log.clear()
    fixed = play(sim, "policy_baseline", app_group_names="design-apps, office-apps")
    assert fixed.rc == 0 and fixed.changed == 1, fixed.output
    (patch,) = sim.log.mutations()
    assert sorted(patch.body["policy_group"]) == ["policies", "targets"]
    assert sorted(patch.body["policy_group"]["policies"]) == ["file_and_clipboard", "peripherals"]
    assert group["policies"]["file_and_clipboard"]["clipboard_redirection"] == "SERVER_TO_CLIENT_ENABLED"
    assert group["policies"]["peripherals"]["usb_port_redirection"]["usb_enable"] is False
    assert [(t["target_type"], t["target_id"]) for t in group["targets"]] == [
        ("APPGROUP", design["id"]), ("APPGROUP", office["id"])]
    assert ("policy group security_baseline: differs from the baseline in policies.file_and_clipboard, "
            "policies.peripherals, targets (changed)" in " ".join(fixed.output.split())), fixed.output

    sim.log.clear()
    info = runner_for(sim).run([module_task(INFO, "by_name", name="security_baseline"),
                                module_task(INFO, "by_id", policy_group_id=group["id"])])
    assert info.rc == 0, info.output
    (listed,) = info["by_name"]["policy_groups"]
    assert listed["id"] == group["id"] and info["by_name"]["unexpected"] == []
    assert listed["policies"]["file_and_clipboard"]["clipboard_redirection"] == "SERVER_TO_CLIENT_ENABLED"
    assert [g["id"] for g in info["by_id"]["policy_groups"]] == [group["id"]]
    # one request each: the list with the name filter, the read by id
    assert read_only(sim) == ["list_policy_group", "show_policy_group"]
