"""Publish benchmark (``make bench``): 25 applications published into one app group by the collection
(``huaweicloud.workspace_app.app_application``, tools/bench/collection/publish_apps.yml) side by side with the naive
way (the official SDK, one ``publish_app`` call per application), then the re-run of each on the published group.

Each contender runs against its own fresh in-process simulator; every number is counted from the simulator's request
log. Exits non-zero when the collection sends more than 2 publish calls for 25 applications, when its re-run sends
any mutation, or when a contender does not end with every application published once.

    .venv/bin/python tools/bench/publish.py [--apps 25]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(BENCH_DIR))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

# tests.harness (first) puts the collection on the import path (.collections/ansible_collections/...).
from tests.harness import ANSIBLE_PLAYBOOK, playbook_environment  # noqa: E402  pylint: disable=wrong-import-position
from simulator import Simulator  # noqa: E402  pylint: disable=wrong-import-position

PLAYBOOK = os.path.join(BENCH_DIR, "collection", "publish_apps.yml")
GOAL_PUBLISH_CALLS = 2  # 25 applications, at most 20 per publish call


def applications(count):
    return [dict(name="bench-app-%02d" % number, execute_path="C:\\Apps\\bench-%02d.exe" % number,
                 source_type="custom") for number in range(count)]


def tenant(seed):
    sim = Simulator(servers=1, groups=1, seed=seed).start()
    group = sim.state.add_app_group("bench-apps", next(iter(sim.state.groups)))
    return sim, group


def counts(sim, seconds):
    log = sim.log.snapshot()
    api = [record for record in log if record["operation"] and not record["operation"].startswith(("sim_",
                                                                                                  "keystone_"))]
    return dict(requests=len(api), mutations=len([r for r in api if r["mutating"]]),
                publish_calls=len([r for r in api if r["operation"] == "publish_app"]), seconds=seconds)


def run_collection(sim, group, apps, workdir):
    creds = sim.credentials
    extra = dict(appstream_endpoint=sim.url, region=creds["region"], project_id=creds["project_id"],
                 access_key=creds["ak"], secret_key=creds["sk"], app_group_id=group["id"], applications=apps)
    vars_file = os.path.join(workdir, "vars.json")
    with open(vars_file, "w") as handle:
        json.dump(extra, handle)
    os.chmod(vars_file, 0o600)
    sim.log.clear()
    started = time.monotonic()
    process = subprocess.run([ANSIBLE_PLAYBOOK, "-i", "localhost,", "-e", "@" + vars_file, PLAYBOOK],
                             env=playbook_environment(workdir), capture_output=True, text=True, timeout=300,
                             check=False, cwd=REPO_ROOT)
    seconds = time.monotonic() - started
    if process.returncode != 0:
        print((process.stdout + process.stderr)[-3000:].replace(creds["sk"], "******"), file=sys.stderr)
    return dict(counts(sim, seconds), rc=process.returncode)


def run_sdk(sim, group, apps):
    """The naive way: one publish_app call per application, as a loop over the official SDK's client would."""
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
    from huaweicloudsdkcore.http.http_config import HttpConfig
    from huaweicloudsdkworkspaceapp.v1 import PublishApp, PublishAppReq, PublishAppRequest, WorkspaceAppClient

    creds = sim.credentials
    config = HttpConfig.get_default_config()
    config.timeout = (5, 30)
    client = (WorkspaceAppClient.new_builder().with_credentials(BasicCredentials(creds["ak"], creds["sk"],
                                                                                 creds["project_id"]))
              .with_endpoints([sim.url]).with_http_config(config).build())
    sim.log.clear()
    started, refused = time.monotonic(), 0
    for app in apps:
        body = PublishAppReq(items=[PublishApp(name=app["name"], execute_path=app["execute_path"], source_type=3)])
        try:
            client.publish_app(PublishAppRequest(app_group_id=group["id"], body=body))
        except ClientRequestException:
            refused += 1  # a re-run: the name is published already (400 duplicate)
    return dict(counts(sim, time.monotonic() - started), rc=0, refused=refused)


def published_once(sim, group, apps):
    names = sim.state.app_names(group["id"])
    return sorted(names) == sorted(app["name"] for app in apps)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--apps", type=int, default=25, help="applications to publish (default 25)")
    parser.add_argument("--seed", type=int, default=28)
    args = parser.parse_args(argv)
    apps = applications(args.apps)
    rows, problems = [], []
    with tempfile.TemporaryDirectory(prefix="bench-publish-") as workdir:
        sim, group = tenant(args.seed)
        try:
            first = run_collection(sim, group, apps, workdir)
            again = run_collection(sim, group, apps, workdir)
            ok = published_once(sim, group, apps)
        finally:
            sim.stop()
        rows += [("collection", "publish", first), ("collection", "re-run", again)]
        if first["rc"] or again["rc"]:
            problems.append("the collection's playbook failed (rc %s, %s)" % (first["rc"], again["rc"]))
        if first["publish_calls"] > GOAL_PUBLISH_CALLS:
            problems.append("the collection sent %d publish calls for %d applications (goal: at most %d)"
                            % (first["publish_calls"], args.apps, GOAL_PUBLISH_CALLS))
        if again["mutations"]:
            problems.append("the collection's re-run sent %d mutation(s) (goal: none)" % again["mutations"])
        if not ok:
            problems.append("the collection did not end with every application published once")
        sim, group = tenant(args.seed)
        try:
            naive = run_sdk(sim, group, apps)
            naive_again = run_sdk(sim, group, apps)
            if not published_once(sim, group, apps):
                problems.append("the naive loop did not end with every application published once")
        finally:
            sim.stop()
        rows += [("naive (SDK loop)", "publish", naive), ("naive (SDK loop)", "re-run", naive_again)]

    print("%d applications published into one app group (requests counted by the simulator)" % args.apps)
    print("%-18s %-8s %9s %10s %14s %8s" % ("contender", "run", "requests", "mutations", "publish calls", "seconds"))
    for contender, run, row in rows:
        print("%-18s %-8s %9d %10d %14d %8.1f"
              % (contender, run, row["requests"], row["mutations"], row["publish_calls"], row["seconds"]))
    print("publish calls, naive / collection: %d / %d = %.1fx; re-run mutations: collection %d, naive %d (%d "
          "refused as duplicates)" % (naive["publish_calls"], first["publish_calls"],
                                      naive["publish_calls"] / float(max(first["publish_calls"], 1)),
                                      again["mutations"], naive_again["mutations"], naive_again["refused"]))
    for problem in problems:
        print("FAILED: " + problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
