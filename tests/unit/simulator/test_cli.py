"""``python -m simulator`` as a separate process."""

import json
import os
import signal
import subprocess
import sys
import time
import types

import requests

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def test_cli_serves_until_sigterm(tmp_path, client_for, poll):
    ready_file = tmp_path / "ready.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "--host", "127.0.0.1", "--port", "0", "--servers", "7",
         "--groups", "3", "--seed", "5", "--job-duration", "0", "--outdated-hda", "0.3",
         "--image", "img-cli-1", "--image", "img-cli-2", "--ready-file", str(ready_file)],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        poll(ready_file.exists, timeout=15, interval=0.02)
        info = json.loads(ready_file.read_text())
        assert json.loads(process.stdout.readline()) == info
        assert info["url"].startswith("http://127.0.0.1:")
        assert [group["name"] for group in info["groups"]] == ["sim-group-1", "sim-group-2", "sim-group-3"]
        for key in ("ak", "sk", "project_id", "region", "domain_id", "domain_name", "user_name", "password",
                    "temp_ak", "temp_sk", "security_token", "auth_token"):
            assert info["credentials"][key], key

        remote = types.SimpleNamespace(url=info["url"], credentials=info["credentials"])
        response = client_for(remote).get("app-servers", params={"limit": 100})
        assert response.status_code == 200, response.text
        assert response.json()["count"] == 7
        images = [image["image_id"] for image in requests.get(info["url"] + "/_sim/images", timeout=10).json()]
        assert {"img-cli-1", "img-cli-2"} <= set(images)

        process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        while process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert process.returncode == 0, process.stderr.read()
        assert process.stderr.read() == ""  # requests are logged to stderr only with --verbose
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


def test_group_names_name_the_default_groups_in_order():
    from simulator.__main__ import parse_args
    from simulator.state import FleetState

    args = parse_args(["--group-names", "apps-prod, design", "--servers", "4"])
    assert args.groups == ["apps-prod", "design"]
    state = FleetState(servers=args.servers, groups=args.groups, seed=1)
    names = sorted(group["name"] for group in state.groups.values())
    assert names == ["apps-prod", "design"]
    by_group = {}
    for server in state.servers.values():
        by_group.setdefault(server["server_group_id"], []).append(server["id"])
    assert sorted(len(ids) for ids in by_group.values()) == [2, 2]
    assert parse_args([]).groups == 2


def test_group_names_that_contradict_groups_or_repeat_are_refused(capsys):
    import pytest
    from simulator.__main__ import parse_args

    for argv, words in ((["--groups", "3", "--group-names", "a,b"], "--groups 3 but --group-names names 2"),
                        (["--group-names", "a,a"], "distinct names"), (["--group-names", " , "], "distinct names")):
        with pytest.raises(SystemExit):
            parse_args(argv)
        assert words in capsys.readouterr().err


# The README's command ("Without a cloud"), with port 0 instead of 8080 so that parallel runs do not meet, then what
# the shell then has: the variables, exported, and the simulator's process id.
PRINT_ENV_SCRIPT = '''
eval "$(%s -m simulator --port 0 --servers 3 --groups 1 --print-env &)"
%s -c 'import json, os; print(json.dumps({k: v for k, v in os.environ.items() if k.startswith(("HW_", "HUAW"))}))'
echo "$WORKSPACE_APP_SIMULATOR_PID"
'''


def test_print_env_sets_the_variables_the_modules_read_and_serves_on_in_the_background(client_for, poll, tmp_path):
    from simulator.environment import connection_variables

    clean = dict((k, v) for k, v in os.environ.items() if not k.startswith(("HW_", "HUAWEICLOUD_")))
    started = time.monotonic()
    # stderr to a file: the simulator in the background keeps the shell's stderr open while it serves
    with open(str(tmp_path / "stderr"), "w", encoding="utf-8") as stderr:
        shell = subprocess.run(["bash", "-c", PRINT_ENV_SCRIPT % (sys.executable, sys.executable)], cwd=REPO_ROOT,
                               env=clean, stdout=subprocess.PIPE, stderr=stderr, text=True, timeout=30, check=False)
    assert shell.returncode == 0, (tmp_path / "stderr").read_text()
    assert time.monotonic() - started < 20  # the command substitution returned while the simulator serves on
    exported, pid = shell.stdout.splitlines()
    exported, pid = json.loads(exported), int(pid)
    try:
        assert sorted(exported) == sorted(["HW_WORKSPACE_APP_ENDPOINT", "HUAWEICLOUD_SDK_IAM_ENDPOINT",
                                           "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK",
                                           "HUAWEICLOUD_SDK_PROJECT_ID", "HUAWEICLOUD_SDK_REGION"])
        url = exported["HW_WORKSPACE_APP_ENDPOINT"]
        assert url.startswith("http://127.0.0.1:") and exported["HUAWEICLOUD_SDK_IAM_ENDPOINT"] == url
        credentials = {"ak": exported["HUAWEICLOUD_SDK_AK"], "sk": exported["HUAWEICLOUD_SDK_SK"],
                       "project_id": exported["HUAWEICLOUD_SDK_PROJECT_ID"],
                       "region": exported["HUAWEICLOUD_SDK_REGION"]}
        # the same mapping scripts/with_simulator.py exports
        assert dict(connection_variables({"url": url, "credentials": credentials})) == exported

        response = client_for(types.SimpleNamespace(url=url, credentials=credentials)).get(
            "app-servers", params={"limit": 100})
        assert response.status_code == 200, response.text
        assert response.json()["count"] == 3
    finally:
        os.kill(pid, signal.SIGTERM)
    poll(lambda: not process_alive(pid), timeout=10, interval=0.05)
    assert (tmp_path / "stderr").read_text() == ""


def process_alive(pid):
    """Is ``pid`` running (not gone, not a zombie)?"""
    try:
        with open("/proc/%d/stat" % pid, encoding="utf-8") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_print_env_lines_quote_their_values():
    from simulator.environment import export_lines

    credentials = {"ak": "A K", "sk": "s'k", "project_id": "p", "region": "r"}
    text = export_lines({"url": "http://127.0.0.1:1", "credentials": credentials}, pid=42)
    assert text.splitlines() == [
        "export HW_WORKSPACE_APP_ENDPOINT=http://127.0.0.1:1",
        "export HUAWEICLOUD_SDK_IAM_ENDPOINT=http://127.0.0.1:1",
        "export HUAWEICLOUD_SDK_AK='A K'",
        "export HUAWEICLOUD_SDK_SK='s'\"'\"'k'",
        "export HUAWEICLOUD_SDK_PROJECT_ID=p",
        "export HUAWEICLOUD_SDK_REGION=r",
        "WORKSPACE_APP_SIMULATOR_PID=42  # stop the simulator: kill $WORKSPACE_APP_SIMULATOR_PID",
    ]
    shell = subprocess.run(["bash", "-c", 'eval "$1"; printf "%s|%s" "$HUAWEICLOUD_SDK_SK" "$HUAWEICLOUD_SDK_AK"',
                            "-", text], capture_output=True, text=True, check=True)
    assert shell.stdout == "s'k|A K"
