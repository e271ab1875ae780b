"""Fan-out benchmark (part of ``make bench``): one host per server, forks 20, against a throttled service.

The inventory holds one host per target server (``server_id`` as a host variable); each host runs
``huaweicloud.workspace_app.app_server_hda_upgrade`` on its own server (``connection: local``), 20 at a time.
Side by side, in the same run, the same fleet is upgraded by one ``run_once`` task (``server_ids`` of every host).
Each contender gets its own fresh simulator: a tenant of ``--tenant`` servers of which ``--hosts`` (one group) are
behind, the service throttled one of two ways, each run in turn when both are given:

* ``--rate-limit R``: R requests per second (the simulator's token bucket, answering HTTP 429 APIGW.0308 with a
  ``Retry-After`` beyond it); ``--rate-limit 0`` skips this run;
* ``--throttle-window LIMIT/SECONDS``: the gateway's windowed throttle (the simulator's dialect ``throttle_window``:
  per credential at most LIMIT requests per fixed window of SECONDS, beyond it 429 APIG.0308 "policy ip over
  ratelimit,limit:LIMIT,time:..." and no ``Retry-After``, as the real gateway answers).

Everything reported is counted from the simulator's request log. A request is attributed to the host whose server
it names (``server_id`` or ``server_name`` in the query, the server in a mutation's body, the job it polls); reads
that name no server (the latest HDA version, a group, the project) count as shared. "Served" requests are those
that did not get a 429.

    .venv/bin/python tools/bench/fanout.py --rate-limit 10 --throttle-window 100/60 --out docs/benchmarks-fanout.md
"""

import argparse
import datetime
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

from tests.harness import ANSIBLE_PLAYBOOK, playbook_environment  # noqa: E402  pylint: disable=wrong-import-position
from simulator import Simulator  # noqa: E402  pylint: disable=wrong-import-position
from simulator.dialect import parse_window, window_text  # noqa: E402  pylint: disable=wrong-import-position
# the tables of tools/bench/run.py (this directory is on sys.path when the script runs)
from run import markdown_table, text_table  # noqa: E402  pylint: disable=wrong-import-position

OLD_HDA = "2.0.10.1"
PLAYBOOK = os.path.join(BENCH_DIR, "collection", "hda_upgrade_per_host.yml")
GOAL_FAILED_HOSTS = 0
GOAL_SERVED_PER_HOST = 6
GOAL_THROTTLED_PER_HOST = 1


class Throttle:
    """How the service throttles one pair of runs: the token bucket (``rate_limit``) or the gateway's window."""

    def __init__(self, rate_limit=None, window=None):
        self.rate_limit = rate_limit
        self.window = window  # [limit, seconds]

    @property
    def name(self):
        return "window" if self.window else "bucket"

    def simulator_options(self):
        if self.window:
            return dict(dialect={"throttle_window": list(self.window), "throttle_code": "APIG.0308"})
        return dict(rate_limit=self.rate_limit)

    def describe(self):
        if self.window:
            return ("at most %d requests per fixed window of %s per credential (HTTP 429 APIG.0308 \"policy ip over "
                    "ratelimit,limit:%d,time:%s\" beyond that, no Retry-After)"
                    % (self.window[0], window_text(self.window[1]), self.window[0], window_text(self.window[1])))
        return "at most %g requests per second (token bucket; HTTP 429 APIGW.0308 with Retry-After beyond that)" % (
            self.rate_limit)

    def title(self):
        if self.window:
            limit, seconds = self.window
            return "Windowed throttle: %d requests per %s, no Retry-After" % (limit, window_text(seconds))
        return "Token bucket: %g requests per second, with Retry-After" % self.rate_limit


def make_fleet(args, throttle):
    groups = max(1, args.tenant // args.hosts)
    sim = Simulator(servers=args.tenant, groups=groups, seed=args.seed, job_duration=args.job_duration,
                    **throttle.simulator_options())
    group_id = sorted(sim.state.groups)[0]
    targets = sorted(sim.state.server_ids(group_id))[:args.hosts]
    for server_id in targets:
        sim.state.set_hda_version(server_id, OLD_HDA)
    return sim.start(), targets


def write_inventory(path, sim, targets):
    hosts = {}
    for server_id in targets:
        name = sim.state.get_server(server_id)["name"]
        hosts[name] = {"server_id": server_id}
    with open(path, "w") as handle:
        json.dump({"all": {"children": {"fleet": {"hosts": hosts}}}}, handle)


def attribute(records, sim, targets):
    """{server id or "shared": {"served": n, "throttled": n}} from the request log."""
    wanted = set(targets)
    by_name = dict((sim.state.get_server(sid)["name"], sid) for sid in targets)
    job_servers = {}
    for job_id, job in sim.state.jobs.items():
        job_servers[job_id] = [sub["server_id"] for sub in job["sub_jobs"]]
    counts = {}

    def add(key, record):
        entry = counts.setdefault(key, {"served": 0, "throttled": 0})
        entry["throttled" if record["status"] == 429 else "served"] += 1

    for record in records:
        owners = []
        query = record["query"] or {}
        if query.get("server_id") in wanted:
            owners = [query["server_id"]]
        elif query.get("server_name") in by_name:
            owners = [by_name[query["server_name"]]]
        elif record["mutating"] and isinstance(record["body"], dict):
            named = record["body"].get("items") or record["body"].get("server_ids") or []
            owners = [sid if isinstance(sid, str) else sid.get("id") for sid in named]
            owners = [sid for sid in owners if sid in wanted]
        elif "/job/" in record["path"]:
            owners = [sid for sid in job_servers.get(record["path"].rsplit("/", 1)[-1], []) if sid in wanted]
        if len(owners) == 1:
            add(owners[0], record)
        else:
            add("shared", record)
    return counts


def run_contender(name, args, workdir, throttle):
    sim, targets = make_fleet(args, throttle)
    try:
        creds = sim.credentials
        tag = "%s-%s" % (throttle.name, name)
        inventory = os.path.join(workdir, "inventory-%s.json" % tag)
        write_inventory(inventory, sim, targets)
        results_dir = os.path.join(workdir, "results-%s" % tag)
        os.makedirs(results_dir)
        extra = {"appstream_endpoint": sim.url, "region": creds["region"], "project_id": creds["project_id"],
                 "access_key": creds["ak"], "secret_key": creds["sk"], "results_dir": results_dir,
                 "poll_interval": args.poll_interval, "run_once_fleet": name == "run_once"}
        vars_file = os.path.join(workdir, "vars-%s.json" % tag)
        with open(vars_file, "w") as handle:
            json.dump(extra, handle)
        os.chmod(vars_file, 0o600)
        env = playbook_environment(workdir)
        env["ANSIBLE_FORKS"] = str(args.forks)
        # the controller-side state (shared throttle, project id) of this contender alone
        env["WORKSPACE_APP_SHARED_STATE_DIR"] = os.path.join(workdir, "state-%s" % tag)
        sim.log.clear()
        started = time.monotonic()
        process = subprocess.run([ANSIBLE_PLAYBOOK, "-i", inventory, "-e", "@" + vars_file, PLAYBOOK], env=env,
                                 capture_output=True, text=True, timeout=1800, check=False, cwd=REPO_ROOT)
        wall = time.monotonic() - started
        os.unlink(vars_file)
        records = sim.log.snapshot()
        reported = [name for name in os.listdir(results_dir) if name.endswith(".json")]
        if name == "run_once":  # one task for every host: it fails them all or none
            failed_hosts = 0 if reported else len(targets)
        else:
            failed_hosts = len(targets) - len(reported)
        converged = all(sim.state.hda_version(sid) == sim.state.latest_hda_for(sid) for sid in targets)
        counts = attribute(records, sim, targets)
        shared = counts.pop("shared", {"served": 0, "throttled": 0})
        served = sum(entry["served"] for entry in counts.values()) + shared["served"]
        throttled = sum(entry["throttled"] for entry in counts.values()) + shared["throttled"]
        if process.returncode != 0:
            tail = process.stdout[-3000:] + process.stderr[-2000:]
            for secret in (creds["sk"],):
                tail = tail.replace(secret, "******")
            print("%s (%s): ansible-playbook rc=%s; last output:\n%s" % (name, throttle.name, process.returncode, tail),
                  file=sys.stderr)
        return {
            "contender": name, "throttle": throttle.name, "hosts": len(targets), "rc": process.returncode, "wall": wall,
            "failed_hosts": failed_hosts, "converged": converged, "requests": len(records), "served": served,
            "throttled": throttled, "shared_served": shared["served"], "shared_throttled": shared["throttled"],
            "served_per_host": float(served) / len(targets),
            "max_served_per_host": max([entry["served"] for entry in counts.values()] or [0]),
            "max_throttled_per_host": max([entry["throttled"] for entry in counts.values()] or [0]),
            "mutating": sum(1 for record in records if record["mutating"] and record["status"] != 429),
        }
    finally:
        sim.stop()


HEADER = ("contender", "hosts", "forks", "wall s", "failed hosts", "requests", "served", "429s", "served per host",
          "max served by one host", "max 429s of one host", "shared reads (served)", "mutating", "converged")


def rows(results, args):
    out = []
    for r in results:
        forks = str(args.forks) if r["contender"] == "per_host" else "1 task"
        out.append((r["contender"], r["hosts"], forks, "%.1f" % r["wall"], r["failed_hosts"], r["requests"],
                    r["served"], r["throttled"], "%.2f" % r["served_per_host"],
                    r["max_served_per_host"] if r["contender"] == "per_host" else "-",
                    r["max_throttled_per_host"] if r["contender"] == "per_host" else "-",
                    r["shared_served"], r["mutating"], "yes" if r["converged"] else "NO"))
    return out


def goals(results, throttle):
    per_host = next((r for r in results if r["contender"] == "per_host"), None)
    if per_host is None:
        return []
    prefix = "%s: " % throttle.name
    return [
        (prefix + "failed hosts = %d" % GOAL_FAILED_HOSTS, str(per_host["failed_hosts"]),
         per_host["failed_hosts"] == GOAL_FAILED_HOSTS and per_host["rc"] == 0 and per_host["converged"]),
        (prefix + "served requests per host <= %d" % GOAL_SERVED_PER_HOST,
         "%.2f on average, at most %d attributed to one host" % (per_host["served_per_host"],
                                                                 per_host["max_served_per_host"]),
         per_host["served_per_host"] <= GOAL_SERVED_PER_HOST
         and per_host["max_served_per_host"] <= GOAL_SERVED_PER_HOST),
        (prefix + "at most %d 429 per host" % GOAL_THROTTLED_PER_HOST,
         "%d in all (%d on shared reads), at most %d for one host" % (
             per_host["throttled"], per_host["shared_throttled"], per_host["max_throttled_per_host"]),
         per_host["max_throttled_per_host"] <= GOAL_THROTTLED_PER_HOST
         and per_host["throttled"] <= GOAL_THROTTLED_PER_HOST * per_host["hosts"]),
    ]


def window_note(throttle, per_host):
    """Why the window is not the real gateway's 5 a minute: that limit's arithmetic for this run's requests."""
    served = per_host["served"]
    windows = (served + 4) // 5
    limit, seconds = throttle.window
    length = ("The window's length is the real gateway's (its answers name `time:1 minute`)" if seconds == 60 else
              "The real gateway's answers name a window of `time:1 minute`; this one is %s" % window_text(seconds))
    return ("%s. The one limit seen in a real answer, 5 requests a minute (another API behind the same gateway), "
            "would have spread the %d requests the %d hosts were served here over at least %d one-minute windows "
            "(%d minutes and more for this one table): `make wire-real` runs that limit (60 servers, one task). "
            "Here the limit is %d requests per %s."
            % (length, served, per_host["hosts"], windows, windows - 1, limit, window_text(seconds)))


def throttles_of(args):
    out = []
    if args.rate_limit:
        out.append(Throttle(rate_limit=args.rate_limit))
    if args.throttle_window:
        out.append(Throttle(window=args.throttle_window))
    return out


def window_arg(text):
    try:
        window = parse_window(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc))
    return window


def main(argv=None):
    parser = argparse.ArgumentParser(description="One host per server under forks against a throttled service.")
    parser.add_argument("--hosts", type=int, default=40)
    parser.add_argument("--forks", type=int, default=20)
    parser.add_argument("--tenant", type=int, default=440, help="servers in the tenant (the hosts' group included)")
    parser.add_argument("--rate-limit", type=float, default=10.0,
                        help="requests per second the service serves (token bucket, 429 with Retry-After); "
                             "0: no token-bucket run")
    parser.add_argument("--throttle-window", type=window_arg, default=None, metavar="LIMIT/SECONDS",
                        help="also run under the gateway's windowed throttle: at most LIMIT requests per fixed window "
                             "of SECONDS per credential, 429 APIG.0308 without Retry-After (e.g. 20/10)")
    parser.add_argument("--job-duration", type=float, default=2.0)
    parser.add_argument("--poll-interval", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="Markdown report")
    args = parser.parse_args(argv)
    throttles = throttles_of(args)
    if not throttles:
        parser.error("--rate-limit 0 and no --throttle-window: nothing to run")
    started_at = datetime.datetime.now(datetime.timezone.utc)
    workdir = tempfile.mkdtemp(prefix="bench-fanout-")
    sections = []  # (throttle, results)
    try:
        for throttle in throttles:
            results = []
            for name in ("per_host", "run_once"):
                print("%s: %d hosts, forks %d, tenant %d, %s ..."
                      % (name, args.hosts, args.forks, args.tenant, throttle.describe()), flush=True)
                results.append(run_contender(name, args, workdir, throttle))
            sections.append((throttle, results))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    all_goals = []
    for throttle, results in sections:
        body = rows(results, args)
        print("")
        print(throttle.title())
        print(text_table(HEADER, body))
        goal_rows = goals(results, throttle)
        all_goals.append(goal_rows)
        for goal, measured, met in goal_rows:
            print("%-40s %-60s %s" % (goal, measured, "met" if met else "MISSED"))
    if args.out:
        command = " ".join([".venv/bin/python", os.path.relpath(os.path.abspath(__file__), REPO_ROOT)]
                           + list(sys.argv[1:] if argv is None else argv))
        lines = [
            "# Fan-out benchmark: one host per server",
            "",
            "<!-- Generated file: do not edit by hand. -->",
            "Generated by `make bench` (`%s`) on %s. Re-run it to refresh this page." % (
                command, started_at.strftime("%Y-%m-%d %H:%M UTC")),
            "",
            "An inventory of %d hosts, one per server (`server_id` as a host variable); each runs "
            "`app_server_hda_upgrade` on its own server with `connection: local`, %d at a time (forks). The "
            "tenant holds %d servers; jobs take %g s; `poll_interval` %g s. **run_once** upgrades the same %d "
            "servers with one task (`server_ids` of every host, `run_once: true`) in the same run, on a fresh "
            "simulator of its own. Each contender runs once per throttle below, each time on a fresh simulator."
            % (args.hosts, args.forks, args.tenant, args.job_duration, args.poll_interval, args.hosts),
            "",
            "Counted from the simulator's request log. *Served*: requests that did not get a 429. A request counts "
            "for the host whose server it names (`server_id` or `server_name` in the query, the server in a "
            "mutation's body, the job it polls); *shared reads* name no server (the latest HDA versions, a group). "
            "Wall times are measured on a shared machine: compare them within this page only.",
            "",
        ]
        for (throttle, results), goal_rows in zip(sections, all_goals):
            lines += [
                "## %s" % throttle.title(),
                "",
                "The service answers %s." % throttle.describe(),
                "",
            ]
            per_host = next((r for r in results if r["contender"] == "per_host"), None)
            if throttle.window and per_host is not None:
                lines += [window_note(throttle, per_host), ""]
            lines += [
                markdown_table(HEADER, rows(results, args)),
                "",
                "### Goals (%s)" % throttle.name,
                "",
                markdown_table(("goal", "measured", "verdict"),
                               [(g, m, "**met**" if v else "**missed**") for g, m, v in goal_rows]),
                "",
            ]
        with open(args.out, "w") as handle:
            handle.write("\n".join(lines))
        print("wrote %s" % os.path.relpath(args.out))
    failed = [r for _throttle, results in sections for r in results if r["rc"] != 0 or not r["converged"]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
