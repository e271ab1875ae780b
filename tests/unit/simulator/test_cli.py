"""``python -m simulator`` as a separate process."""

import json
import os
import signal
import subprocess
import sys
import time
import types

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def test_cli_serves_until_sigterm(tmp_path, client_for, poll):
    ready_file = tmp_path / "ready.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "--host", "127.0.0.1", "--port", "0", "--servers", "7",
         "--groups", "3", "--seed", "5", "--job-duration", "0", "--outdated-hda", "0.3",
         "--ready-file", str(ready_file)],
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
