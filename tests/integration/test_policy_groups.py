"""playbooks/policy_baseline.yml run as a user (or AWX) runs it, and app_policy_group_info: real ansible-playbook
against the simulator over HTTP. One story, each step one run: the baseline creates the group, a re-run changes
nothing (its requests counted), another operator's change through the API is shown by --check --diff key by key
(nothing sent) and then corrected, and in that last run a second play reads the group back with the info module
(its requests counted): four starts of ansible-playbook."""

import json
import os

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api

from tests.harness import REPO_ROOT

INFO = "huaweicloud.workspace_app.app_policy_group_info"


def api_calls(sim):
    """The API requests since the log was cleared (IAM and simulator control calls left out), in order."""
    return [record.operation for record in sim.log.requests() if record.path.startswith("/v1/")]


def baseline_then_info(tmp_path, group_id):
    """A playbook that imports playbooks/policy_baseline.yml, then reads the group with the info module (by name and
    by id) and saves both results to a file: (its path without .yml, for the ``play`` fixture, which joins an
    absolute name as it is; the results file)."""
    results = tmp_path / "info.json"
    saved = "{{ {'by_name': by_name, 'by_id': by_id} | to_json | harness_save(%s) }}" % json.dumps(str(results))
    wrapper = [
        {"ansible.builtin.import_playbook": os.path.join(REPO_ROOT, "playbooks", "policy_baseline.yml")},
        {"name": "Read it back", "hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": [
            {"name": "by name", INFO: {"name": "security_baseline"}, "register": "by_name"},
            {"name": "by id", INFO: {"policy_group_id": group_id}, "register": "by_id"},
            {"name": "save", "ansible.builtin.debug": {"msg": saved}},
        ]},
    ]
    (tmp_path / "wrapper.yml").write_text(json.dumps(wrapper), encoding="utf-8")
    return str(tmp_path / "wrapper"), results


def test_policy_baseline_creates_stays_shows_a_drift_corrects_it_and_the_info_module_reads_it(
        make_simulator, play, api_client_for, tmp_path):
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
    assert api_calls(sim) == ["list_policy_group", "show_policy_group"]
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
    wrapper, results = baseline_then_info(tmp_path, group["id"])
    sim.log.clear()
    fixed = play(sim, wrapper, app_group_names="design-apps, office-apps")
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

    info = json.loads(results.read_text(encoding="utf-8"))
    (listed,) = info["by_name"]["policy_groups"]
    assert listed["id"] == group["id"] and info["by_name"]["unexpected"] == []
    assert listed["policies"]["file_and_clipboard"]["clipboard_redirection"] == "SERVER_TO_CLIENT_ENABLED"
    assert [g["id"] for g in info["by_id"]["policy_groups"]] == [group["id"]]
    # the correction (the app groups by name, the policy group by name and its read, the PATCH, the read after it),
    # then the info module: one request each, the list with the name filter and the read by id
    assert api_calls(sim) == ["list_app_group", "list_policy_group", "show_policy_group", "update_policy_group",
                              "show_policy_group", "list_policy_group", "show_policy_group"]
