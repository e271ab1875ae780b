"""The ``huaweicloud.workspace_app.app_servers`` inventory plugin: real ``ansible-inventory`` and ``ansible-playbook``
runs against the simulator over HTTP."""

import json
import os
import subprocess

import pytest
import yaml

from ansible.inventory.group import to_safe_group_name

from tests.harness import REPO_ROOT, InventoryRunner, ansible_command, service_requests


# what AWX sets for every inventory update (STANDARD_INVENTORY_UPDATE_ENV in awx/main/constants.py), running
# ansible-inventory --list --export -i <source> (RunInventoryUpdate.build_args in awx/main/tasks/jobs.py)
AWX_INVENTORY_UPDATE_ENV = {"ANSIBLE_INVENTORY_UNPARSED_FAILED": "True", "ANSIBLE_INVENTORY_EXPORT": "True",
                            "ANSIBLE_VERBOSE_TO_STDERR": "True"}


def operations(sim):
    return sorted(record.operation for record in service_requests(sim))


@pytest.fixture
def fleet_sim(make_simulator):
    """150 servers in two groups, a third of them on an old HDA."""
    return make_simulator(servers=150, groups=2, outdated_hda=0.3)


@pytest.fixture
def small_sim(make_simulator):
    return make_simulator(servers=12, groups=2, outdated_hda=0.25)


@pytest.fixture
def inventory_for(tmp_path):
    return lambda sim: InventoryRunner(tmp_path, sim)


def group_named(sim, name):
    return next(group for group in sim.state.groups.values() if group["name"] == name)


def test_150_servers_are_150_hosts_in_groups_per_server_group_and_maintenance(fleet_sim, inventory_for):
    sim = fleet_sim
    maintained = sorted(sim.state.servers)[:3]
    for server_id in maintained:
        sim.state.patch_server(server_id, maintain_status=True)
    inventory = inventory_for(sim)
    config = inventory.config(project_id=False)  # looked up through IAM

    run = inventory.run(config, "--list", "--export", env=AWX_INVENTORY_UPDATE_ENV)  # as an AWX inventory update
    assert run.rc == 0, run.output
    assert "WARNING" not in run.stderr, run.stderr  # no reserved variable names, no invalid group names
    # plain strings, which AWX imports as they are (no {"__ansible_unsafe": ...} mappings)
    assert "__ansible_unsafe" not in run.stdout
    hostvars = run.hostvars
    assert len(hostvars) == 150
    servers = sim.state.servers
    # hosts, and the hosts of each group, in server name order (as plans list servers), not in id order
    raw = json.loads(run.stdout)
    names = sorted(server["name"] for server in servers.values())
    assert names != [servers[i]["name"] for i in sorted(servers)]  # id order differs: the order is the plugin's
    for group in ["in_service"] + [g["name"].replace("-", "_") for g in sim.state.groups.values()]:
        assert raw[group]["hosts"] == sorted(raw[group]["hosts"]), group
    assert sorted(hostvars) == sorted(server["name"] for server in servers.values())
    # one listing of the groups, two pages of servers, the project id from IAM: at most 8 requests
    assert operations(sim) == ["keystone_list_projects", "list_server_groups", "list_servers", "list_servers"]

    host = hostvars[servers[maintained[0]]["name"]]
    record = servers[maintained[0]]
    assert host["id"] == record["id"] and host["server_name"] == record["name"]
    assert host["server_group_id"] == record["server_group_id"]
    assert host["server_group_name"] == sim.state.groups[record["server_group_id"]]["name"]
    assert host["maintain_status"] is True and host["status"] == record["status"]
    assert host["host_address"][0]["addr"] == record["host_address"][0]["addr"]
    assert "server_tags" in host and "name" not in host and "tags" not in host
    assert "ansible_host" not in host and "current_version" not in host

    for group in sim.state.groups.values():
        members = run.group(group["name"].replace("-", "_"))
        assert members == sorted(s["name"] for s in servers.values() if s["server_group_id"] == group["id"])
    assert run.group("in_maintenance") == sorted(servers[i]["name"] for i in maintained)
    assert len(run.group("in_service")) == 147


def test_1000_servers_with_hda_cost_at_most_25_requests(make_simulator, inventory_for):
    sim = make_simulator(servers=1000, groups=2, outdated_hda=0.2)
    inventory = inventory_for(sim)
    config = inventory.config(hda=True, project_id=False)
    run = inventory.run(config)
    assert run.rc == 0, run.output
    assert len(run.hostvars) == 1000
    summary = sim.log.summary()
    assert len(service_requests(sim)) == 23 <= 25, summary
    assert summary["list_servers"] == 10 and summary["list_server_hda_details"] == 10
    assert summary["list_server_groups"] == 1 and summary["list_access_agent_latest_version"] == 1
    outdated = [host for host in run.hostvars.values() if host["current_version"] != host["latest_version"]]
    assert len(outdated) == sum(1 for server_id in sim.state.servers
                                if sim.state.hda_version(server_id) != sim.state.latest_hda_for(server_id))
    assert outdated


def test_hda_adds_version_type_and_latest_per_type(small_sim, inventory_for):
    sim = small_sim
    vdi = sim.state.add_group("vdi-gpu", is_vdi=True, is_gpu=True)
    sim.state.set_latest_hda("9.9.9.9", "PT_APP")
    gpu_server = sim.state.add_server(vdi["id"], name="gpu-01", hda_version="9.0.0.1")
    run = inventory_for(sim).inventory(hda=True, keyed_groups=[{"key": "hda_type", "prefix": "hda"}],
                                       groups={"hda_behind": "current_version != latest_version"})
    hostvars = run.hostvars
    assert len(hostvars) == 13
    gpu = hostvars["gpu-01"]
    assert (gpu["current_version"], gpu["hda_type"], gpu["latest_version"]) == ("9.0.0.1", "PT_APP", "9.9.9.9")
    for name, host in hostvars.items():
        assert host["current_version"] == sim.state.hda_version(host["id"]), name
        assert host["hda_type"] == sim.state.hda_type(host["id"]), name
        assert host["latest_version"] == sim.state.latest_hda_for(host["id"]), name
    assert run.group("hda_PT_APP") == ["gpu-01"]
    assert len(run.group("hda_SBC")) == 12
    assert run.group("hda_behind") == sorted(name for name, host in hostvars.items()
                                             if host["current_version"] != host["latest_version"])
    assert gpu_server["id"] == gpu["id"]


def test_selection_by_group_name_id_server_name_maintenance_and_status(small_sim, inventory_for):
    sim = small_sim
    inventory = inventory_for(sim)
    groups = sorted(sim.state.groups.values(), key=lambda group: group["name"])
    first, second = groups
    in_first = sorted(s["name"] for s in sim.state.servers.values() if s["server_group_id"] == first["id"])
    stopped = next(s for s in sim.state.servers.values() if s["server_group_id"] == second["id"])
    sim.state.patch_server(stopped["id"], status="STOPPED", maintain_status=True)

    assert sorted(inventory.inventory(server_group_names=[first["name"]]).hostvars) == in_first
    assert operations(sim) == ["list_server_groups", "list_servers"]  # the group's list only
    sim.log.clear()
    both = inventory.inventory(server_group_ids=[second["id"]], server_group_names=[first["name"]])
    assert len(both.hostvars) == 12
    assert operations(sim) == ["list_server_groups", "list_servers", "list_servers"]

    named = inventory.inventory(name="server-000").hostvars
    assert sorted(named) == sorted(s["name"] for s in sim.state.servers.values() if "server-000" in s["name"])
    assert list(inventory.inventory(maintenance=True).hostvars) == [stopped["name"]]
    assert len(inventory.inventory(maintain_status=False).hostvars) == 11
    assert list(inventory.inventory(status=["STOPPED", "FREEZE"]).hostvars) == [stopped["name"]]
    assert len(inventory.inventory(status=["REGISTERED"]).hostvars) == 11
    nothing = inventory.inventory(name="no-such-server", hda=True)
    assert nothing.hostvars == {}


def test_hostnames_fall_back_in_order_and_never_share_a_name(small_sim, inventory_for):
    sim = small_sim
    group = sorted(sim.state.groups.values(), key=lambda g: g["name"])[0]
    twin_a = sim.state.add_server(group["id"], name="twin")
    twin_b = sim.state.add_server(group["id"], name="twin")
    nameless = sim.state.add_server(group["id"])
    sim.state.patch_server(nameless["id"], name="")
    # text from the cloud that looks like a template stays text: marked unsafe, never rendered
    sim.state.patch_server(twin_a["id"], description="{{ lookup('env', 'HOME') }}")
    run = inventory_for(sim).inventory(
        hostnames=["no_such_variable.attribute", "name", "server_group_name ~ '-' ~ machine_name | lower"])
    hostvars = run.hostvars
    assert len(hostvars) == 15
    twin_a_host = "%s-%s" % (group["name"], twin_a["machine_name"].lower())
    assert json.loads(run.stdout)["_meta"]["hostvars"][twin_a_host]["description"] == {
        "__ansible_unsafe": "{{ lookup('env', 'HOME') }}"}
    assert run.stdout.count("__ansible_unsafe") == 1  # every other string is plain
    assert "twin" not in hostvars  # two servers have that name: neither is called so
    for server in (twin_a, twin_b, nameless):
        assert hostvars["%s-%s" % (group["name"], server["machine_name"].lower())]["id"] == server["id"]
    assert "sim-server-0001" in hostvars

    by_ip = inventory_for(sim).inventory(filename="by-ip", hostnames=["ip_address"], set_ansible_host=True).hostvars
    for name, host in by_ip.items():
        assert name == host["host_address"][0]["addr"] == host["ansible_host"]
    by_id = inventory_for(sim).inventory(hostnames=["machine_name", "id"], default_groups=False)
    assert sorted(by_id.hostvars) == sorted(s["machine_name"] for s in sim.state.servers.values())
    assert by_id.groups == ["ungrouped"]


def test_compose_keyed_groups_groups_prefix_and_separator(small_sim, inventory_for):
    sim = small_sim
    run = inventory_for(sim).inventory(
        hostvars_prefix="app_",
        compose={"ansible_host": "app_host_address[0].addr", "sessions": "app_session_count"},
        groups={"busy": "app_session_count > 0"},
        keyed_groups=[{"key": "app_vm_status", "prefix": "vm"}, {"key": "app_image_id", "prefix": "", "separator": ""},
                      {"key": "app_status"}],
        leading_separator=False)
    hostvars = run.hostvars
    assert len(hostvars) == 12
    any_host = next(iter(hostvars.values()))
    assert "app_id" in any_host and "app_name" in any_host and "id" not in any_host
    assert any_host["ansible_host"] == any_host["app_host_address"][0]["addr"]
    assert any_host["sessions"] == any_host["app_session_count"]
    assert run.group("busy") == sorted(n for n, h in hostvars.items() if h["app_session_count"] > 0)
    assert len(run.group("vm_ACTIVE")) == 12
    assert "REGISTERED" in run.groups  # no prefix, no leading separator
    images = set(h["app_image_id"] for h in hostvars.values())
    assert all(to_safe_group_name(image, force=True, silent=True) in run.groups for image in images)


def test_strict_fails_on_a_bad_expression(small_sim, inventory_for):
    inventory = inventory_for(small_sim)
    lenient = inventory.inventory(compose={"broken": "no_such_variable.attribute"})
    assert "broken" not in next(iter(lenient.hostvars.values()))
    run = inventory.run(inventory.config(compose={"broken": "no_such_variable.attribute"}, strict=True))
    assert run.rc != 0
    assert run.says("no_such_variable"), run.stderr


def test_cache_second_run_sends_no_request(small_sim, inventory_for, tmp_path):
    sim = small_sim
    inventory = inventory_for(sim)
    cache = {"cache": True, "cache_plugin": "ansible.builtin.jsonfile", "cache_connection": str(tmp_path / "cache"),
             "cache_timeout": 600}
    config = inventory.config(hda=True, **cache)
    first = inventory.run(config)
    assert first.rc == 0, first.output
    assert len(service_requests(sim)) == 4
    sim.log.clear()
    second = inventory.run(config)
    assert second.rc == 0, second.output
    assert second.hostvars == first.hostvars
    assert service_requests(sim) == []
    cached = "".join(path.read_text() for path in (tmp_path / "cache").iterdir())
    assert sim.credentials["sk"] not in cached and "secret" not in cached

    narrower = inventory.config(filename="narrower", hda=True, name="server-000", **cache)  # another key
    assert inventory.run(narrower).rc == 0
    assert len(service_requests(sim)) == 4
    sim.log.clear()
    play = tmp_path / "hosts.yml"
    play.write_text("- hosts: all\n  gather_facts: false\n  tasks: []\n")
    flushed = inventory.run(config, str(play), "--list-hosts", "--flush-cache", command="ansible-playbook")
    assert flushed.rc == 0, flushed.output
    assert flushed.stdout.count("sim-server-") == 12
    assert len(service_requests(sim)) == 4  # --flush-cache: read afresh


@pytest.mark.parametrize("options, message", [
    ({"server_group_name": "typo"}, "unknown option(s) server_group_name; the options are: "),
    ({"hda": "maybe"}, "hda: expected a boolean (true or false), got text"),
    ({"max_retries": "many"}, "max_retries: expected an integer, got text"),
    ({"secret_key": ["not", "a", "string"]}, "secret_key: expected a string, got a list"),
    ({"status": ["RUNNING"]}, "status: 'RUNNING' not allowed; allowed values are UNREGISTER, REGISTERED, "
                              "MAINTAINING, FREEZE, STOPPED, NONE"),
    ({"hostnames": []}, "hostnames: the list is empty"),
    ({"server_group_ids": [""]}, "server_group_ids: the list holds an empty value"),
    ({"request_timeout": 0}, "request_timeout: must be more than 0 seconds"),
    ({"endpoint": "http://example.com"}, "endpoint: plain http:// is only allowed for loopback hosts"),
    ({"hostvars_prefix": "app-"}, "hostvars_prefix: 'app-' would not make valid variable names"),
])
def test_bad_configuration_fails_clearly_before_any_request(small_sim, inventory_for, options, message):
    sim = small_sim
    inventory = inventory_for(sim)
    run = inventory.run(inventory.config(**options))
    assert run.rc != 0
    assert run.says(message), run.stderr
    assert "Traceback" not in run.output
    assert service_requests(sim) == []


def test_unknown_group_names_fail_naming_the_groups(small_sim, inventory_for):
    sim = small_sim
    inventory = inventory_for(sim)
    run = inventory.run(inventory.config(server_group_names=["no-such-group"]))
    assert run.rc != 0
    assert run.says("server_group_names: no server group is named 'no-such-group'; existing groups: sim-group-1 (")
    run = inventory.run(inventory.config(server_group_ids=["0000-missing"]))
    assert run.says("server_group_ids: no server group with id '0000-missing'; existing groups: ")
    assert operations(sim) == ["list_server_groups", "list_server_groups"]  # read only, nothing else


def test_auth_failure_is_one_clear_error_without_secrets_even_at_vvv(small_sim, inventory_for, tmp_path):
    sim = small_sim
    inventory = inventory_for(sim)
    wrong = "Wrong" + sim.credentials["sk"][5:]
    bad = inventory.config(secret_key=wrong)
    # AWX's inventory update: the job fails (not a green sync with no hosts), its output says why
    run = inventory.run(bad, "--list", "--export", "-vvv", env=AWX_INVENTORY_UPDATE_ENV)
    assert run.rc != 0
    assert run.says("Authentication failed") and run.says("Check access_key/secret_key"), run.stderr
    assert "Traceback" not in run.output
    for secret in (wrong, sim.credentials["sk"]):
        assert secret not in run.output

    # the command line with the setting the README gives (any_unparsed_is_failed): a playbook on an inventory
    # directory where another file parses fails too, instead of "no hosts matched" and exit code 0
    directory = tmp_path / "inventory"
    directory.mkdir()
    bad.rename(directory / bad.name)
    (directory / "local.yml").write_text("all:\n  hosts:\n    localhost:\n")
    play = tmp_path / "servers.yml"
    play.write_text("- hosts: all:!localhost\n  gather_facts: false\n  tasks: []\n")
    played = inventory.run(directory, str(play), command="ansible-playbook", strict=False,
                           env={"ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "true"})
    assert played.rc != 0, played.output
    assert played.says("Authentication failed") and played.says("Completely failed to parse inventory source")
    assert "no hosts matched" not in played.output and wrong not in played.output
    good = inventory.run(inventory.config(), "--list", "-vvv")
    assert good.rc == 0
    assert sim.credentials["sk"] not in good.output


def test_connection_from_the_environment_and_a_credentials_file(small_sim, inventory_for, tmp_path):
    sim = small_sim
    creds = sim.credentials
    inventory = inventory_for(sim)
    config = inventory.config(filename="env", connection=False)
    env = {"HUAWEICLOUD_SDK_AK": creds["ak"], "HUAWEICLOUD_SDK_SK": creds["sk"],
           "HUAWEICLOUD_SDK_REGION": creds["region"], "HUAWEICLOUD_SDK_IAM_ENDPOINT": sim.url,
           "HW_WORKSPACE_APP_ENDPOINT": sim.url}
    run = inventory.run(config, env=env)
    assert run.rc == 0, run.output
    assert len(run.hostvars) == 12

    credentials = tmp_path / "credentials"
    credentials.write_text("[basic]\nak = %s\nsk = %s\nproject_id = %s\n"
                           % (creds["ak"], creds["sk"], creds["project_id"]))
    from_file = inventory.config(filename="file", connection=False, endpoint=sim.url, region=creds["region"],
                                 credentials_file=str(credentials))
    run = inventory.run(from_file)
    assert run.rc == 0, run.output
    assert len(run.hostvars) == 12

    missing = inventory.run(config)
    assert missing.rc != 0
    assert missing.says("No credentials: access_key and secret_key not found"), missing.stderr


def test_only_files_named_app_servers_yml_are_read(small_sim, inventory_for):
    inventory = inventory_for(small_sim)
    other = inventory.config(filename="fleet.yml")
    run = inventory.run(other)
    assert run.rc != 0
    assert run.says("could not be verified by inventory plugin 'huaweicloud.workspace_app.app_servers'"), run.stderr
    assert service_requests(small_sim) == []
    yaml_suffix = inventory.config(filename="fleet.app_servers.yaml")
    assert inventory.run(yaml_suffix).rc == 0


def test_graph_shows_the_groups(small_sim, inventory_for):
    inventory = inventory_for(small_sim)
    run = inventory.run(inventory.config(), "--graph")
    assert run.rc == 0, run.output
    assert "@sim_group_1:" in run.stdout and "@in_service:" in run.stdout
    assert run.stdout.count("sim-server-") == 24  # each host under its server group and its maintenance state


def test_awx_inventory_source_example_parses_with_credential_environment(small_sim, inventory_for, tmp_path):
    sim = small_sim
    creds = sim.credentials
    source = os.path.join(REPO_ROOT, "extensions", "awx", "project", "inventory", "fleet.app_servers.yml")
    with open(source) as handle:
        config = yaml.safe_load(handle)
    assert config["plugin"] == "huaweicloud.workspace_app.app_servers"
    copy = tmp_path / "fleet.app_servers.yml"
    copy.write_text(yaml.safe_dump(config))
    # what the credential type of extensions/awx/credential_type.yml injects, plus the simulator's endpoints
    env = {"HUAWEICLOUD_SDK_AK": creds["ak"], "HUAWEICLOUD_SDK_SK": creds["sk"],
           "HUAWEICLOUD_SDK_REGION": creds["region"], "HUAWEICLOUD_SDK_PROJECT_ID": creds["project_id"],
           "HW_WORKSPACE_APP_ENDPOINT": sim.url}
    run = inventory_for(sim).run(copy, env=env)
    assert run.rc == 0, run.output
    assert len(run.hostvars) == 12
    assert all("current_version" in host for host in run.hostvars.values())


def test_shipped_playbook_upgrades_the_hda_of_the_hosts_that_are_behind(make_simulator, inventory_for, tmp_path):
    sim = make_simulator(servers=10, groups=2, outdated_hda=0.4, job_duration=0.2)
    behind = sorted(server_id for server_id in sim.state.servers
                    if sim.state.hda_version(server_id) != sim.state.latest_hda_for(server_id))
    assert behind
    inventory = inventory_for(sim)
    config = inventory.config(hda=True)
    playbook = os.path.join(REPO_ROOT, "playbooks", "hda_upgrade_hosts.yml")
    creds = sim.credentials
    extra = json.dumps({"hda_upgrade_poll_interval": 1, "workspace_app_endpoint": sim.url,
                        "workspace_app_region": creds["region"], "workspace_app_project_id": creds["project_id"]})
    env = {"HUAWEICLOUD_SDK_AK": creds["ak"], "HUAWEICLOUD_SDK_SK": creds["sk"]}  # as an AWX credential would
    run = inventory.run(config, playbook, "-f", "5", "-e", extra, env=env, command="ansible-playbook")
    assert run.rc == 0, run.output
    assert "ok=" in run.stdout
    for server_id in sim.state.servers:
        assert sim.state.hda_version(server_id) == sim.state.latest_hda_for(server_id)
    upgraded = sorted(set(item for record in sim.log.mutations() for item in record.body["items"]))
    assert upgraded == behind  # hosts already on their latest version sent nothing
    assert "%d of 10 servers upgraded" % len(behind) in run.stdout
    assert sim.credentials["sk"] not in run.output

    sim.log.clear()
    again = inventory.run(config, playbook, "-e", extra, "-vvv", env=env, command="ansible-playbook")
    assert again.rc == 0, again.output
    assert sim.log.mutations() == []
    assert sim.credentials["sk"] not in again.output  # from the environment: masked even at -vvv
    assert "0 of 10 servers upgraded" in again.stdout


def test_a_vaulted_secret_key_in_the_file_works(small_sim, inventory_for, tmp_path):
    sim = small_sim
    password = tmp_path / "vault-password"
    password.write_text("correct horse battery staple\n")
    inventory = inventory_for(sim)
    encrypted = subprocess.run(
        [ansible_command("ansible-vault"), "encrypt_string", "--vault-password-file", str(password),
         sim.credentials["sk"], "--name", "secret_key"],
        env=inventory.environment(), capture_output=True, text=True, check=True, timeout=120).stdout
    config = inventory.config(filename="vaulted")
    text = "\n".join(line for line in config.read_text().splitlines() if not line.startswith("secret_key:"))
    config.write_text(text + "\n" + encrypted)
    assert sim.credentials["sk"] not in config.read_text()
    run = inventory.run(config, "--list", "--vault-password-file", str(password))
    assert run.rc == 0, run.output
    assert len(run.hostvars) == 12
