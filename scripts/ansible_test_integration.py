#!/usr/bin/env python
"""Run ``ansible-test integration`` (tests/integration/targets/) on a real copy of the collection.

By default against a freshly started simulator: the simulator's endpoint and
credentials are written to ``tests/integration/integration_config.yml`` of the
copy (never of the source tree). With ``--config FILE`` (a file made from
tests/integration/integration_config.yml.template) against a real tenant
instead: no simulator is started and FILE is copied in, with the access key
and secret key filled from HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK when FILE
leaves them empty (ansible-test does not pass those variables on to the
tasks). The copy is deleted afterwards, so the secret only lives in a private
temporary directory for the run.

Usage: ansible_test_integration.py [--config FILE] [--keep] [ansible-test integration args/targets...]
Results are copied back to ``tests/output/`` of the source tree; the exit
status is ansible-test's.
"""

import argparse
import os
import signal
import subprocess
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ansible_test_tree import (  # noqa: E402  pylint: disable=wrong-import-position
    REPO_ROOT, ansible_test_command, ansible_test_environment, collection_copy, copy_results, seed_cache,
)
from with_simulator import SimulatorError, stop, wait_for_ready  # noqa: E402  pylint: disable=wrong-import-position

# 12 servers in 4 groups of 3; all on an older HDA; jobs of 0.3 s keep the whole run short.
SIMULATOR_ARGS = ["--servers", "12", "--groups", "4", "--outdated-hda", "1", "--job-duration", "0.3", "--seed", "7"]
CONFIG_PATH = os.path.join("tests", "integration", "integration_config.yml")
ENV_SECRETS = {"workspace_app_access_key": "HUAWEICLOUD_SDK_AK", "workspace_app_secret_key": "HUAWEICLOUD_SDK_SK",
               "workspace_app_security_token": "HUAWEICLOUD_SDK_SECURITY_TOKEN"}


def simulator_config(info):
    """integration_config.yml for the simulator: one group per kind of mutation, so that targets do not meet."""
    credentials = info["credentials"]
    groups = info["groups"]
    return {
        "workspace_app_simulator": True,
        "workspace_app_endpoint": info["url"],
        "workspace_app_iam_endpoint": info["url"],
        "workspace_app_region": credentials["region"],
        "workspace_app_project_id": credentials["project_id"],
        "workspace_app_access_key": credentials["ak"],
        "workspace_app_secret_key": credentials["sk"],
        "workspace_app_test_server_group_id": groups[0]["id"],
        "workspace_app_test_server_group_name": groups[0]["name"],
        # the power and fleet targets get groups of their own: a server whose last task was an access agent
        # upgrade (hda/image targets) can be taken as busy by power and fleet
        "workspace_app_power_server_group_id": groups[1]["id"],
        "workspace_app_fleet_server_group_id": groups[2]["id"],
        "workspace_app_fleet_scale": True,
        "workspace_app_session_server_group_id": groups[3]["id"],
        "workspace_app_image_id": "0d4c4a8e-3c7b-4f43-9d55-6a2f1c2b9e70",
        "workspace_app_image_type": "private",
        "workspace_app_repair": True,
        "workspace_app_images": True,
        "workspace_app_vpc_id": "vpc-ansible-test",
        "workspace_app_subnet_id": "subnet-ansible-test",
        "workspace_app_image_server_product_id": "workspace.appstream.general.xlarge.2",
        "workspace_app_image_server_apps": ["app-office", "app-pdf"],
    }


def tenant_config(path):
    with open(path, encoding="utf-8") as handle:
        config = yaml.safe_load(handle) or {}
    for key, name in ENV_SECRETS.items():
        if not config.get(key) and os.environ.get(name):
            config[key] = os.environ[name]
    missing = [key for key in ("workspace_app_region", "workspace_app_test_server_group_id") if not config.get(key)]
    if missing:
        raise SystemExit("%s: missing %s (see tests/integration/integration_config.yml.template)" % (path, ", ".join(missing)))
    config["workspace_app_simulator"] = False
    return config


def write_config(copy, config):
    path = os.path.join(copy, CONFIG_PATH)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        yaml.safe_dump(config, handle, default_flow_style=False)


def start_simulator(workdir):
    ready_file = os.path.join(workdir, "simulator-ready.json")
    log_file = os.path.join(workdir, "simulator.log")
    with open(log_file, "w", encoding="utf-8") as log:
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, "-m", "simulator", "--port", "0", "--ready-file", ready_file] + SIMULATOR_ARGS,
            cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        return process, wait_for_ready(process, ready_file, log_file)
    except SimulatorError:
        stop(process)
        raise


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--config", help="integration_config.yml of a real tenant (default: start the simulator)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    parser.add_argument("--source", default=REPO_ROOT, help="collection source tree (default: this repo)")
    options, test_args = parser.parse_known_args()
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)

    seed_cache()
    source = os.path.abspath(options.source)
    simulator = None
    try:
        with collection_copy(source, "integration", keep=options.keep) as (workdir, copy):
            try:
                config_in_copy = os.path.join(copy, CONFIG_PATH)
                if os.path.exists(config_in_copy):  # a config of the source tree is only used when named with --config
                    os.unlink(config_in_copy)
                if options.config:
                    config = tenant_config(options.config)
                    print("ansible-test integration against region %s" % config["workspace_app_region"], flush=True)
                else:
                    simulator, info = start_simulator(workdir)
                    config = simulator_config(info)
                    print("ansible-test integration against the simulator at %s" % info["url"], flush=True)
                write_config(copy, config)

                command = [ansible_test_command(), "integration", "--local", "--color", "no"] + test_args
                print("%s (in %s)" % (" ".join(command), copy), flush=True)
                result = subprocess.run(command, cwd=copy, env=ansible_test_environment(), check=False)
                copy_results(copy, source)
                return result.returncode
            finally:
                if simulator is not None:
                    stop(simulator)
    except SimulatorError as error:
        print(error, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
