"""Access benchmark (``make bench``, after the fleet ones): users granted on app groups by the collection, side by
side with the naive way (one grant call per account per app group, as a loop over the official SDK does it).

Each contender runs against its own fresh in-process simulator (simulator/) holding the same app groups and a
directory of the same users; everything reported is counted from the simulator's request log or timed around the
run:

* collection: ``huaweicloud.workspace_app.app_group_authorization`` through ``ansible-playbook``
  (tools/bench/collection/app_group_authorization.yml), then the same playbook again on the granted tenant (the
  no-op re-run);
* naive: the official Python SDK, one ``add_app_group_authorization`` per (app group, account), then the same loop
  again (it reads nothing, so its re-run sends every grant again: the simulator counts them as duplicates).

Exits non-zero when the collection's grant takes more than ``--max-requests`` (120) requests, its re-run more than
``--max-noop-requests`` (60) or any mutation, or a run does not leave every pair granted.

    .venv/bin/python tools/bench/access.py
    .venv/bin/python tools/bench/access.py --users 200 --groups 3 --out /tmp/access.md
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


def run_naive(sim, names, users, name):
    """One grant call per (app group, account) with the official SDK's client."""
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.http.http_config import HttpConfig
    from huaweicloudsdkworkspaceapp.v1 import (AccountInfo, AddAppGroupAuthorizationRequest, AppGroupAuthorizeReq,
                                               WorkspaceAppClient)

    creds = sim.credentials
    config = HttpConfig.get_default_config()
    config.timeout = (10, 60)
    client = (WorkspaceAppClient.new_builder()
              .with_credentials(BasicCredentials(creds["ak"], creds["sk"], creds["project_id"]))
              .with_endpoints([sim.url]).with_http_config(config).build())
    group_ids = [group["id"] for group in sim.state.app_groups.values() if group["name"] in names]
    result = Run("naive", name)
    sim.log.clear()
    duplicates, started = sim.state.duplicate_grants, time.monotonic()
    try:
        for group_id in group_ids:
            for account in accounts_of(users):
                client.add_app_group_authorization(AddAppGroupAuthorizationRequest(body=AppGroupAuthorizeReq(
                    app_group_ids=[group_id], accounts=[AccountInfo(account=account, account_type="USER")])))
        result.ok = True
    except Exception as exc:  # pylint: disable=broad-except  # reported, the bench goes on
        print("naive %s failed: %s" % (name, exc), file=sys.stderr)
    result.measure(sim, started, duplicates)
    return result


def ratio(numerator, denominator):
    return "%.1fx" % (float(numerator) / denominator) if denominator else "-"


def table(runs):
    header = ("contender", "run", "requests", "mutations", "duplicate grants", "wall s", "converged")
    rows = [(r.contender, r.name, str(r.requests), str(r.mutations), str(r.duplicates), "%.1f" % r.wall,
             "yes" if r.converged else "NO") for r in runs]
    widths = [max(len(row[i]) for row in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)) for row in [header] + rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--groups", type=int, default=5)
    parser.add_argument("--seed", type=int, default=28)
    parser.add_argument("--max-requests", type=int, default=120, help="the collection's grant, at most (issue 28)")
    parser.add_argument("--max-noop-requests", type=int, default=60, help="its no-op re-run, at most (issue 28)")
    parser.add_argument("--skip-naive", action="store_true", help="only the collection")
    parser.add_argument("--out", help="also write the table (Markdown) to this file")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="access-bench-")
    runs = []
    sim, names = tenant(args.users, args.groups, args.seed)
    try:
        for name in ("grant", "re-run"):
            runs.append(run_collection(sim, names, args.users, workdir, name))
            runs[-1].converged = runs[-1].ok and converged(sim, args.users, args.groups)
    finally:
        sim.stop()
    if not args.skip_naive:
        sim, names = tenant(args.users, args.groups, args.seed)
        try:
            for name in ("grant", "re-run"):
                runs.append(run_naive(sim, names, args.users, name))
                runs[-1].converged = runs[-1].ok and converged(sim, args.users, args.groups)
        finally:
            sim.stop()
    title = "%d users onto %d app groups (%d pairs)" % (args.users, args.groups, args.users * args.groups)
    text = [title, "", table(runs)]
    collection = dict((r.name, r) for r in runs if r.contender == "collection")
    naive = dict((r.name, r) for r in runs if r.contender == "naive")
    if naive:
        text += ["", "naive / collection: requests %s, wall %s; re-run: requests %s, mutations %s vs %s" % (
            ratio(naive["grant"].requests, collection["grant"].requests),
            ratio(naive["grant"].wall, collection["grant"].wall),
            ratio(naive["re-run"].requests, collection["re-run"].requests),
            naive["re-run"].mutations, collection["re-run"].mutations)]
    problems = []
    if collection["grant"].requests > args.max_requests:
        problems.append("the grant took %d requests (at most %d)" % (collection["grant"].requests, args.max_requests))
    if collection["re-run"].requests > args.max_noop_requests:
        problems.append("the re-run took %d requests (at most %d)" % (collection["re-run"].requests,
                                                                      args.max_noop_requests))
    if collection["re-run"].mutations:
        problems.append("the re-run sent %d mutation(s)" % collection["re-run"].mutations)
    problems.extend("%s %s did not converge" % (r.contender, r.name) for r in runs if not r.converged)
    problems.extend("collection %s granted %d pair(s) twice" % (r.name, r.duplicates) for r in collection.values()
                    if r.duplicates)
    met = "met (grant <= %d requests, re-run <= %d and 0 mutations)" % (args.max_requests, args.max_noop_requests)
    text += ["", "goals: %s" % ("; ".join(problems) if problems else met)]
    print("\n".join(text))
    if args.out:
        with open(args.out, "w") as handle:
            handle.write("# Access benchmark\n\n%s\n\n```\n%s\n```\n" % (title, "\n".join(text[2:])))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
