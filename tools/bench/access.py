"""Access benchmark (``make bench``, after the fleet ones): users granted on app groups by the collection, side by
side with the naive way (one grant call per account per app group, as a loop over the official SDK does it).

Each contender runs against its own fresh in-process simulator (simulator/) holding the same app groups and a
directory of the same users; everything reported is counted from the simulator's request log or timed around the
run:

* collection: ``huaweicloud.workspace_app.app_group_authorization`` through ``ansible-playbook``
  (tools/bench/collection/app_group_authorization.yml), then the same playbook again on the granted tenant (the
  no-op re-run);
* naive: a Python script on the official SDK, one ``add_app_group_authorization`` per (app group, account), run as
  a process of its own (its start-up in the wall time, like ``ansible-playbook``'s), then the same loop again (it
  reads nothing, so its re-run sends every grant again: the simulator counts them as duplicates).

Exits non-zero when the collection's grant takes more than ``--max-requests`` (120) requests, its re-run more than
``--max-noop-requests`` (60) or any mutation, or a run does not leave every pair granted.

The command prints the table, the ratios naive / collection (requests and wall time) and the goals with their
verdicts; ``--out PAGE`` also writes them as the "access" section of that generated page (docs/benchmarks-apps.md
in ``make bench``; tools/bench/apps_page.py).

    .venv/bin/python tools/bench/access.py
    .venv/bin/python tools/bench/access.py --users 200 --groups 3 --out /tmp/benchmarks-apps.md
"""

import argparse
import json
import os
import shutil
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

PLAYBOOK = os.path.join(BENCH_DIR, "collection", "app_group_authorization.yml")


class Run:
    """One measured run: requests and mutations from the simulator's log, wall time, whether every pair shows."""

    def __init__(self, contender, name):
        self.contender = contender
        self.name = name
        self.requests = self.mutations = self.duplicates = 0
        self.wall = 0.0
        self.ok = False
        self.converged = False

    def measure(self, sim, started, duplicates_before):
        records = [record for record in sim.log.snapshot() if record.get("operation") and
                   not record["operation"].startswith("sim_")]
        self.wall = time.monotonic() - started
        self.requests = len(records)
        self.mutations = len([record for record in records if record.get("mutating")])
        self.duplicates = sim.state.duplicate_grants - duplicates_before


def tenant(users, groups, seed):
    sim = Simulator(servers=0, groups=0, seed=seed).start()
    names = ["bench-apps-%d" % number for number in range(groups)]
    for name in names:
        sim.state.add_app_group(name)
    sim.state.add_directory_accounts(count=users, prefix="user")
    return sim, names


def accounts_of(users):
    return ["user%04d" % number for number in range(users)]


def converged(sim, users, groups):
    return len(sim.state.authorizations) == users * groups


def run_collection(sim, names, users, workdir, name):
    result = Run("collection", name)
    creds = sim.credentials
    results_file = os.path.join(workdir, "results-%s.json" % name)
    extra = {"appstream_endpoint": sim.url, "region": creds["region"], "project_id": creds["project_id"],
             "access_key": creds["ak"], "secret_key": creds["sk"], "app_group_names": names,
             "accounts": [{"account": account} for account in accounts_of(users)], "results_file": results_file}
    vars_file = os.path.join(workdir, "vars-%s.json" % name)
    with open(vars_file, "w") as handle:
        json.dump(extra, handle)
    os.chmod(vars_file, 0o600)
    sim.log.clear()
    duplicates, started = sim.state.duplicate_grants, time.monotonic()
    process = subprocess.run([ANSIBLE_PLAYBOOK, "-i", "localhost,", "-e", "@" + vars_file, PLAYBOOK],
                             env=playbook_environment(workdir), capture_output=True, text=True, timeout=1800,
                             check=False, cwd=REPO_ROOT)
    result.measure(sim, started, duplicates)
    os.unlink(vars_file)
    result.ok = process.returncode == 0
    if not result.ok:
        output = (process.stdout + process.stderr)[-3000:]
        print("collection %s failed (rc=%s):\n%s" % (name, process.returncode, output), file=sys.stderr)
    return result


def naive_loop(params):
    """The naive way (in its own process, :func:`apps_page.run_child`): one grant call per (app group, account)
    with the official SDK's client."""
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.http.http_config import HttpConfig
    from huaweicloudsdkworkspaceapp.v1 import (AccountInfo, AddAppGroupAuthorizationRequest, AppGroupAuthorizeReq,
                                               WorkspaceAppClient)

    config = HttpConfig.get_default_config()
    config.timeout = (10, 60)
    client = (WorkspaceAppClient.new_builder()
              .with_credentials(BasicCredentials(params["access_key"], params["secret_key"], params["project_id"]))
              .with_endpoints([params["endpoint"]]).with_http_config(config).build())
    for group_id in params["group_ids"]:
        for account in params["accounts"]:
            client.add_app_group_authorization(AddAppGroupAuthorizationRequest(body=AppGroupAuthorizeReq(
                app_group_ids=[group_id], accounts=[AccountInfo(account=account, account_type="USER")])))
    return {"ok": True}


def run_naive(sim, names, users, name, workdir):
    creds = sim.credentials
    group_ids = [group["id"] for group in sim.state.app_groups.values() if group["name"] in names]
    params = dict(endpoint=sim.url, access_key=creds["ak"], secret_key=creds["sk"], project_id=creds["project_id"],
                  group_ids=group_ids, accounts=accounts_of(users))
    result = Run("naive", name)
    sim.log.clear()
    duplicates, started = sim.state.duplicate_grants, time.monotonic()
    _seconds, outcome, rc = run_child(__file__, params, workdir)
    result.ok = rc == 0 and outcome.get("ok") is True
    result.measure(sim, started, duplicates)
    return result


HEADER = ("contender", "run", "requests", "mutations", "duplicate grants", "wall s", "converged",
          "requests naive / collection", "wall naive / collection")


def table_rows(runs):
    base = dict((r.name, r) for r in runs if r.contender == "collection")
    rows = []
    for r in runs:
        compare = r.contender != "collection" and r.name in base
        rows.append((r.contender, r.name, str(r.requests), str(r.mutations), str(r.duplicates), "%.1f" % r.wall,
                     "yes" if r.converged else "NO", ratio(r.requests, base[r.name].requests) if compare else "",
                     ratio(r.wall, base[r.name].wall) if compare else ""))
    return rows


def goal_rows(args, runs):
    collection = dict((r.name, r) for r in runs if r.contender == "collection")
    grant, again = collection["grant"], collection["re-run"]
    out = [
        ("grant: at most %d requests" % args.max_requests, "%d" % grant.requests,
         grant.ok and grant.requests <= args.max_requests),
        ("re-run: at most %d requests" % args.max_noop_requests, "%d" % again.requests,
         again.ok and again.requests <= args.max_noop_requests),
        ("re-run: 0 mutations", "%d" % again.mutations, again.ok and again.mutations == 0),
        ("collection: no pair granted twice", "%d duplicate grant(s)" % sum(r.duplicates for r in collection.values()),
         not any(r.duplicates for r in collection.values())),
    ]
    out.extend(("%s %s: every pair granted" % (r.contender, r.name), "yes" if r.converged else "NO", r.converged)
               for r in runs)
    return out


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--groups", type=int, default=5)
    parser.add_argument("--seed", type=int, default=28)
    parser.add_argument("--max-requests", type=int, default=120, help="the collection's grant, at most (issue 28)")
    parser.add_argument("--max-noop-requests", type=int, default=60, help="its no-op re-run, at most (issue 28)")
    parser.add_argument("--skip-naive", action="store_true", help="only the collection")
    parser.add_argument("--out", help="write the table and goals as the access section of this generated page")
    return parser.parse_args(argv)


def main(argv=None):
    params = child_params(argv)
    if params is not None:  # the naive contender's own process
        print(json.dumps(naive_loop(params)))
        return 0
    args = parse_args(argv)
    generated = generated_line(__file__, argv)
    workdir = tempfile.mkdtemp(prefix="access-bench-")
    runs = []
    try:
        contenders = [lambda sim, names, name: run_collection(sim, names, args.users, workdir, name)]
        if not args.skip_naive:
            contenders.append(lambda sim, names, name: run_naive(sim, names, args.users, name, workdir))
        for contender in contenders:  # each on a fresh tenant of its own: the grant, then its re-run
            sim, names = tenant(args.users, args.groups, args.seed)
            try:
                for name in ("grant", "re-run"):
                    runs.append(contender(sim, names, name))
                    runs[-1].converged = runs[-1].ok and converged(sim, args.users, args.groups)
            finally:
                sim.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    title = "%d users onto %d app groups (%d pairs)" % (args.users, args.groups, args.users * args.groups)
    body = table_rows(runs)
    text = [title, "", text_table(HEADER, body)]
    collection = dict((r.name, r) for r in runs if r.contender == "collection")
    naive = dict((r.name, r) for r in runs if r.contender == "naive")
    summary = None
    if naive:
        summary = "naive / collection: requests %s, wall %s; re-run: requests %s, mutations %s vs %s" % (
            ratio(naive["grant"].requests, collection["grant"].requests),
            ratio(naive["grant"].wall, collection["grant"].wall),
            ratio(naive["re-run"].requests, collection["re-run"].requests),
            naive["re-run"].mutations, collection["re-run"].mutations)
        text += ["", summary]
    goals = goal_rows(args, runs)
    text += [""] + ["%-45s %-25s %s" % (goal, measured, "met" if met else "MISSED") for goal, measured, met in goals]
    missed = [goal for goal, _measured, met in goals if not met]
    text += ["", "goals: %s" % ("missed: " + "; ".join(missed) if missed else "all met")]
    print("\n".join(text))
    if args.out:
        lines = [
            "## Authorizations: %s" % title,
            "",
            generated,
            "",
            "* **collection**: one task of `huaweicloud.workspace_app.app_group_authorization` "
            "(`tools/bench/collection/app_group_authorization.yml`, through `ansible-playbook`: its start-up is in "
            "the wall time), then the same playbook again on the granted tenant (**re-run**).",
            "* **naive**: a Python script on the official SDK, one `add_app_group_authorization` call per (app "
            "group, account), run as a process of its own (its start-up and the SDK's import are in the wall time), "
            "then the same loop again: it reads nothing, so its re-run sends every grant again (the simulator counts "
            "them as duplicate grants).",
            "",
            markdown_table(HEADER, body),
            "",
        ]
        if summary:
            lines += [summary + ".", ""]
        lines += [
            "### Goals (authorizations)",
            "",
            markdown_table(("goal", "measured", "verdict"),
                           [(g, m, "**met**" if v else "**missed**") for g, m, v in goals]),
        ]
        write_section(args.out, "access", lines)
        print("wrote %s" % os.path.relpath(args.out))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
