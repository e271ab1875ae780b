"""Publish benchmark (``make bench``): 25 applications published into one app group by the collection
(``huaweicloud.workspace_app.app_application``, tools/bench/collection/publish_apps.yml) side by side with the naive
way (the official SDK, one ``publish_app`` call per application), then the re-run of each on the published group.

Each contender runs against its own fresh in-process simulator; every number is counted from the simulator's request
log. Exits non-zero when the collection sends more than 2 publish calls for 25 applications, when its re-run sends
any mutation, or when a contender does not end with every application published once.

The command prints the table, the ratios naive / collection (requests and wall time) and the goals with their
verdicts; ``--out PAGE`` also writes them as the "publish" section of that generated page
(docs/benchmarks-apps.md in ``make bench``; tools/bench/apps_page.py).

    .venv/bin/python tools/bench/publish.py [--apps 25] [--out docs/benchmarks-apps.md]
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
# this directory is on sys.path when the script runs
from apps_page import (  # noqa: E402  pylint: disable=wrong-import-position
    child_params, generated_line, ratio, run_child, write_section)
from run import markdown_table, text_table  # noqa: E402  pylint: disable=wrong-import-position

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


def naive_loop(params):
    """The naive way (in its own process, :func:`apps_page.run_child`): one publish_app call per application, as a
    loop over the official SDK's client would. Returns ``{"refused": n}`` (a re-run's calls are refused as
    duplicates)."""
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
    from huaweicloudsdkcore.http.http_config import HttpConfig
    from huaweicloudsdkworkspaceapp.v1 import PublishApp, PublishAppReq, PublishAppRequest, WorkspaceAppClient

    config = HttpConfig.get_default_config()
    config.timeout = (5, 30)
    client = (WorkspaceAppClient.new_builder()
              .with_credentials(BasicCredentials(params["access_key"], params["secret_key"], params["project_id"]))
              .with_endpoints([params["endpoint"]]).with_http_config(config).build())
    refused = 0
    for app in params["applications"]:
        body = PublishAppReq(items=[PublishApp(name=app["name"], execute_path=app["execute_path"], source_type=3)])
        try:
            client.publish_app(PublishAppRequest(app_group_id=params["app_group_id"], body=body))
        except ClientRequestException:
            refused += 1  # a re-run: the name is published already (400 duplicate)
    return {"refused": refused}


def run_sdk(sim, group, apps, workdir):
    creds = sim.credentials
    params = dict(endpoint=sim.url, access_key=creds["ak"], secret_key=creds["sk"], project_id=creds["project_id"],
                  app_group_id=group["id"], applications=apps)
    sim.log.clear()
    seconds, result, rc = run_child(__file__, params, workdir, timeout=300)
    return dict(counts(sim, seconds), rc=rc, refused=result.get("refused", 0))


def published_once(sim, group, apps):
    names = sim.state.app_names(group["id"])
    return sorted(names) == sorted(app["name"] for app in apps)


HEADER = ("contender", "run", "requests", "mutations", "publish calls", "wall s", "requests naive / collection",
          "wall naive / collection")


def table_rows(rows):
    base = dict((run, row) for contender, run, row in rows if contender == "collection")
    out = []
    for contender, run, row in rows:
        compare = contender != "collection" and run in base
        out.append((contender, run, str(row["requests"]), str(row["mutations"]), str(row["publish_calls"]),
                    "%.1f" % row["seconds"], ratio(row["requests"], base[run]["requests"]) if compare else "",
                    ratio(row["seconds"], base[run]["seconds"]) if compare else ""))
    return out


def goal_rows(args, first, again, collection_ok, naive_ok):
    return [
        ("%d applications: at most %d publish calls" % (args.apps, GOAL_PUBLISH_CALLS),
         "%d publish calls (%d requests)" % (first["publish_calls"], first["requests"]),
         first["rc"] == 0 and first["publish_calls"] <= GOAL_PUBLISH_CALLS),
        ("re-run on the published group: 0 mutations",
         "%d mutations (%d requests)" % (again["mutations"], again["requests"]),
         again["rc"] == 0 and again["mutations"] == 0),
        ("every application published once (collection)", "yes" if collection_ok else "NO", collection_ok),
        ("every application published once (naive)", "yes" if naive_ok else "NO", naive_ok),
    ]


def main(argv=None):
    params = child_params(argv)
    if params is not None:  # the naive contender's own process
        print(json.dumps(naive_loop(params)))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--apps", type=int, default=25, help="applications to publish (default 25)")
    parser.add_argument("--seed", type=int, default=28)
    parser.add_argument("--out", help="write the table and goals as the publish section of this generated page")
    args = parser.parse_args(argv)
    generated = generated_line(__file__, argv)
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
            naive = run_sdk(sim, group, apps, workdir)
            naive_again = run_sdk(sim, group, apps, workdir)
            naive_ok = published_once(sim, group, apps)
            if not naive_ok:
                problems.append("the naive loop did not end with every application published once")
        finally:
            sim.stop()
        rows += [("naive (SDK loop)", "publish", naive), ("naive (SDK loop)", "re-run", naive_again)]

    title = "%d applications published into one app group (requests counted by the simulator)" % args.apps
    body = table_rows(rows)
    summary = ("naive / collection: requests %s, wall %s, publish calls %d / %d = %s; re-run mutations: collection "
               "%d, naive %d (%d refused as duplicates)" % (
                   ratio(naive["requests"], first["requests"]), ratio(naive["seconds"], first["seconds"]),
                   naive["publish_calls"], first["publish_calls"],
                   ratio(naive["publish_calls"], first["publish_calls"]), again["mutations"], naive_again["mutations"],
                   naive_again["refused"]))
    goals = goal_rows(args, first, again, ok, naive_ok)
    print(title)
    print(text_table(HEADER, body))
    print(summary)
    for goal, measured, met in goals:
        print("%-50s %-40s %s" % (goal, measured, "met" if met else "MISSED"))
    for problem in problems:
        print("FAILED: " + problem, file=sys.stderr)
    if args.out:
        write_section(args.out, "publish", [
            "## Publishing: %d applications into one app group" % args.apps,
            "",
            generated,
            "",
            "* **collection**: one task of `huaweicloud.workspace_app.app_application` with the %d applications "
            "(`tools/bench/collection/publish_apps.yml`, through `ansible-playbook`: its start-up is in the wall "
            "time), then the same playbook again on the published group (**re-run**)." % args.apps,
            "* **naive (SDK loop)**: a Python script on the official SDK, one `publish_app` call per application, run "
            "as a process of its own (its start-up and the SDK's import are in the wall time), then the same loop "
            "again: it reads nothing, so its re-run sends every call again (refused as duplicates).",
            "",
            markdown_table(HEADER, body),
            "",
            summary + ".",
            "",
            "### Goals (publishing)",
            "",
            markdown_table(("goal", "measured", "verdict"),
                           [(g, m, "**met**" if v else "**missed**") for g, m, v in goals]),
        ])
        print("wrote %s" % os.path.relpath(args.out))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
