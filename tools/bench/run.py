"""Fleet benchmark (``make bench``): the collection against a naive playbook and a plain SDK script.

Every contender runs against its own fresh in-process simulator (simulator/) with the same settings (job
duration, poll interval, batch size, fleet), and everything reported is counted from the simulator's request log
or timed around the contender's process:

* collection: ``huaweicloud.workspace_app.app_server_hda_upgrade`` / ``app_server_image``
  (tools/bench/collection/*.yml), plus a no-op re-run of each on the converged fleet;
* naive: ``ansible.builtin.uri`` only, one call per server and one ``until`` loop per job (tools/bench/naive/*.yml);
* sdk: the official Python SDK, batches of 20, each job polled until done (tools/bench/sdk_fleet.py).

Prints one table per fleet size and writes a Markdown report (``--out``) and a PNG chart next to it (needs
matplotlib; without it the chart is skipped with a message). ``--long-wait`` adds a 1,000-server run of the
collection with a long job and the modules' default poll interval, to measure the polling rate.

    .venv/bin/python tools/bench/run.py --sizes 100,300,1000 --long-wait --out docs/benchmarks.md
    .venv/bin/python tools/bench/run.py --quick --out /tmp/bench.md
"""

import argparse
import datetime
import hashlib
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(BENCH_DIR))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

# tests.harness (first) puts the collection on the import path (.collections/ansible_collections/...).
from tests.harness import ANSIBLE_PLAYBOOK, playbook_environment  # noqa: E402  pylint: disable=wrong-import-position
from simulator import Simulator  # noqa: E402  pylint: disable=wrong-import-position

WINDOW = 300.0  # seconds: the "requests per 5 minutes" window
SCENARIOS = ("hda", "image", "reinstall")
SCENARIO_TITLES = {"hda": "HDA upgrade (all servers outdated)", "image": "image change (all servers)",
                   "reinstall": "reinstall (all servers)"}
# Scenarios only the collection runs: the reinstall is measured against the collection's own image change (the
# issue's goal: reinstalling N servers costs no more requests than changing their image), not against naive/sdk.
COLLECTION_ONLY = frozenset(["reinstall"])
CONTENDERS = ("collection", "naive", "sdk")
PLAYBOOKS = {
    ("collection", "hda"): "collection/hda_upgrade.yml",
    ("collection", "image"): "collection/image_change.yml",
    ("collection", "reinstall"): "collection/reinstall.yml",
    ("naive", "hda"): "naive/hda_upgrade.yml",
    ("naive", "image"): "naive/image_change.yml",
}
NEW_IMAGE = "bench-image-0000-0000-0000-000000000002"
SECRET_KEYS = ("sk", "password", "auth_token", "security_token", "temp_sk")
GOAL_WALL_RATIO = 10.0
GOAL_REQUEST_RATIO = 20.0
GOAL_NOOP_REQUESTS = 15
GOAL_NOOP_SECONDS = 2.0
GOAL_REQUESTS_PER_WINDOW = 150
MODULE_DEFAULT_POLL = 15.0  # the modules' documented poll_interval default (plugins/doc_fragments/wait.py)


class Settings:
    """What every contender shares in one bench run."""

    def __init__(self, args):
        self.sizes = args.sizes
        self.naive_sizes = args.naive_sizes
        self.scenarios = args.scenarios
        self.contenders = args.contenders
        self.job_duration = args.job_duration
        self.poll_interval = args.poll_interval
        self.batch_size = 20
        self.groups = 1
        self.seed = args.seed
        self.long_wait = args.long_wait
        self.long_wait_servers = args.long_wait_servers
        self.long_wait_job_duration = args.long_wait_job_duration

    @property
    def naive_retries(self):
        """Reads of one job before the naive playbook gives up: three job durations' worth, at least 10."""
        return max(10, int(math.ceil(3 * self.job_duration / self.poll_interval)))


# ---------------------------------------------------------------------------------------------- measuring

class Measurement:
    """One contender's run: its outcome and what the simulator's request log says about it."""

    def __init__(self, contender, scenario, size):
        self.contender = contender
        self.scenario = scenario
        self.size = size
        self.ran = False
        self.note = ""
        self.rc = None
        self.converged = None
        self.wall = None
        self.module_seconds = None
        self.requests = None
        self.mutating = None
        self.span = None
        self.wait_span = None
        self.wait_requests = None
        self.peak_window = None
        self.by_operation = {}

    @property
    def ok(self):
        return self.ran and self.rc == 0 and self.converged

    def read_log(self, records):
        records = sorted(records, key=lambda record: record["time"])
        self.requests = len(records)
        self.mutating = sum(1 for record in records if record["mutating"])
        self.by_operation = {}
        for record in records:
            key = str(record["operation"])
            self.by_operation[key] = self.by_operation.get(key, 0) + 1
        self.span = records[-1]["time"] - records[0]["time"] if records else 0.0
        last_mutation = max((i for i, record in enumerate(records) if record["mutating"]), default=None)
        if last_mutation is None or last_mutation == len(records) - 1:
            return
        waiting = [record["time"] for record in records[last_mutation + 1:]]
        self.wait_requests = len(waiting)
        self.wait_span = waiting[-1] - waiting[0]
        self.peak_window = peak_in_window(waiting, WINDOW)

    def as_dict(self):
        return dict((key, value) for key, value in self.__dict__.items())


def peak_in_window(times, window):
    """Most requests in any ``window`` seconds (all of them when they span less than that)."""
    peak = 0
    start = 0
    for end, moment in enumerate(times):
        while moment - times[start] > window:
            start += 1
        peak = max(peak, end - start + 1)
    return peak


def redact(text, credentials):
    for key in SECRET_KEYS:
        value = credentials.get(key)
        if value:
            text = text.replace(value, "******")
    return text


def base_environment(workdir):
    return playbook_environment(workdir)


def make_fleet(settings, scenario, size, job_duration=None):
    sim = Simulator(servers=size, groups=settings.groups, seed=settings.seed,
                    job_duration=settings.job_duration if job_duration is None else job_duration,
                    outdated_hda=1.0 if scenario == "hda" else 0.0, images=[NEW_IMAGE])
    return sim.start()


def converged(sim, scenario):
    ids = sim.state.server_ids()
    if scenario == "hda":
        return all(sim.state.hda_version(sid) == sim.state.latest_hda_for(sid) for sid in ids)
    if scenario == "reinstall":
        return all(sim.state.get_server(sid)["job_type"] == "REINSTALL_OS"
                   and sim.state.get_server(sid)["job_status"] == "SUCCESS" for sid in ids)
    return all(sim.state.get_server(sid)["image_id"] == NEW_IMAGE for sid in ids)


LOAD_SAMPLES = []


def sample_load():
    """Record the 1-minute load average (other work on the machine slows the Ansible runs down)."""
    try:
        LOAD_SAMPLES.append(os.getloadavg()[0])
    except OSError:
        pass


def run_process(measurement, sim, cmd, env, timeout, log_prefix):
    sample_load()
    started = time.monotonic()
    try:
        process = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, check=False,
                                 cwd=REPO_ROOT)
        measurement.rc = process.returncode
        output = process.stdout + process.stderr
    except subprocess.TimeoutExpired as exc:
        measurement.rc = "timeout"
        output = "%s%s" % (exc.stdout or "", exc.stderr or "")
        if isinstance(output, bytes):
            output = output.decode("utf-8", "replace")
    measurement.wall = time.monotonic() - started
    measurement.ran = True
    sample_load()
    if measurement.rc != 0:
        tail = redact(output if isinstance(output, str) else str(output), sim.credentials)[-3000:]
        print("%s failed (rc=%s); last output:\n%s" % (log_prefix, measurement.rc, tail), file=sys.stderr)
    return output


def run_playbook(contender, scenario, sim, settings, workdir, poll_interval, timeout):
    """One ansible-playbook run of a contender; returns (Measurement, results dict of the collection or {})."""
    measurement = Measurement(contender, scenario, len(sim.state.server_ids()))
    creds = sim.credentials
    results_file = os.path.join(workdir, "results-%s-%s-%d.json" % (contender, scenario, time.monotonic_ns()))
    extra = {"appstream_endpoint": sim.url, "iam_endpoint": sim.url, "region": creds["region"],
             "image_id": NEW_IMAGE, "image_type": "private", "os_type": "Windows", "results_file": results_file}
    if contender == "collection":
        extra.update(project_id=creds["project_id"], access_key=creds["ak"], secret_key=creds["sk"],
                     server_group_id=next(iter(sim.state.groups)))
        if poll_interval is not None:
            extra["poll_interval"] = poll_interval
    else:
        extra.update(domain_name=creds["domain_name"], user_name=creds["user_name"], user_password=creds["password"],
                     poll_delay=poll_interval, poll_retries=settings.naive_retries)
    vars_file = os.path.join(workdir, "vars-%d.json" % time.monotonic_ns())
    with open(vars_file, "w") as handle:
        json.dump(extra, handle)
    os.chmod(vars_file, 0o600)
    cmd = [ANSIBLE_PLAYBOOK, "-i", "localhost,", "-e", "@" + vars_file,
           os.path.join(BENCH_DIR, PLAYBOOKS[(contender, scenario)])]
    sim.log.clear()
    run_process(measurement, sim, cmd, base_environment(workdir), timeout,
                "%s %s at %d servers" % (contender, scenario, measurement.size))
    os.unlink(vars_file)
    measurement.read_log(sim.log.snapshot())
    measurement.converged = converged(sim, scenario)
    results = {}
    if os.path.exists(results_file):
        with open(results_file) as handle:
            results = json.load(handle)
        measurement.module_seconds = results.get("module_seconds")
    return measurement, results


def run_sdk(scenario, sim, settings, workdir, timeout):
    measurement = Measurement("sdk", scenario, len(sim.state.server_ids()))
    creds = sim.credentials
    env = base_environment(workdir)
    env.update(HUAWEICLOUD_SDK_AK=creds["ak"], HUAWEICLOUD_SDK_SK=creds["sk"],
               HUAWEICLOUD_SDK_PROJECT_ID=creds["project_id"])
    cmd = [sys.executable, os.path.join(BENCH_DIR, "sdk_fleet.py"), "--endpoint", sim.url,
           "--batch-size", str(settings.batch_size), "--poll-interval", str(settings.poll_interval), scenario]
    if scenario == "image":
        cmd += ["--image-id", NEW_IMAGE]
    sim.log.clear()
    run_process(measurement, sim, cmd, env, timeout, "sdk %s at %d servers" % (scenario, measurement.size))
    measurement.read_log(sim.log.snapshot())
    measurement.converged = converged(sim, scenario)
    return measurement


def run_size(settings, size, workdir, progress):
    """All contenders and scenarios at one fleet size: {(contender, scenario): Measurement}, plus no-op runs."""
    timeout = max(3600, 12 * size + 10 * settings.job_duration)
    results = {}
    for scenario in settings.scenarios:
        for contender in CONTENDERS:
            if contender not in settings.contenders:
                continue
            if contender != "collection" and scenario in COLLECTION_ONLY:
                skipped = Measurement(contender, scenario, size)
                skipped.note = "not run: compared with the collection's image change"
                results[(contender, scenario)] = skipped
                continue
            if contender == "naive" and size not in settings.naive_sizes:
                skipped = Measurement(contender, scenario, size)
                skipped.note = "not run at this size (--naive-sizes)"
                results[(contender, scenario)] = skipped
                continue
            progress("%s %s, %d servers ..." % (contender, scenario, size))
            sim = make_fleet(settings, scenario, size)
            try:
                if contender == "sdk":
                    measurement = run_sdk(scenario, sim, settings, workdir, timeout)
                else:
                    measurement, _unused = run_playbook(contender, scenario, sim, settings, workdir,
                                                        settings.poll_interval, timeout)
                results[(contender, scenario)] = measurement
                if contender == "collection":
                    progress("collection %s no-op re-run, %d servers ..." % (scenario, size))
                    noop, noop_results = run_playbook(contender, scenario, sim, settings, workdir,
                                                      settings.poll_interval, timeout)
                    noop.contender = "collection no-op"
                    if noop_results.get("changed"):
                        noop.note = "reported changed"
                    results[("collection no-op", scenario)] = noop
            finally:
                sim.stop()
            progress("  -> %s" % short(results[(contender, scenario)]))
    return results


def run_long_wait(settings, scenario, workdir, out):
    """The collection at ``long_wait_servers`` with a long job and the modules' default poll interval."""
    sim = make_fleet(settings, scenario, settings.long_wait_servers, job_duration=settings.long_wait_job_duration)
    try:
        timeout = settings.long_wait_job_duration * 3 + 600
        measurement, _unused = run_playbook("collection", scenario, sim, settings, workdir, None, timeout)
    finally:
        sim.stop()
    out[scenario] = measurement


def short(measurement):
    if not measurement.ran:
        return measurement.note
    return "rc=%s converged=%s wall=%.1fs requests=%d mutating=%d" % (
        measurement.rc, measurement.converged, measurement.wall, measurement.requests, measurement.mutating)


# ---------------------------------------------------------------------------------------------- reporting

def fmt_seconds(value):
    return "-" if value is None else "%.1f" % value


def fmt_int(value):
    return "-" if value is None else "%d" % value


def ratio(numerator, denominator):
    if numerator is None or denominator in (None, 0):
        return None
    return float(numerator) / denominator


def fmt_ratio(value):
    return "-" if value is None else "%.1fx" % value


TABLE_HEADER = ("scenario", "contender", "wall s", "module s", "API s", "requests", "mutating", "peak/5 min waiting",
                "wall vs collection", "requests vs collection", "result")


def table_rows(settings, size, results):
    rows = []
    for scenario in settings.scenarios:
        base = results.get(("collection", scenario))
        for contender in CONTENDERS + ("collection no-op",):
            m = results.get((contender, scenario))
            if m is None:
                continue
            if not m.ran:
                rows.append((scenario, contender, "-", "-", "-", "-", "-", "-", "-", "-", m.note))
                continue
            compare = contender in ("naive", "sdk") and base is not None and base.ran
            result = "ok" if m.ok else "FAILED (rc=%s, converged=%s)" % (m.rc, m.converged)
            if m.note:
                result += "; " + m.note
            rows.append((scenario, contender, fmt_seconds(m.wall), fmt_seconds(m.module_seconds), fmt_seconds(m.span),
                         fmt_int(m.requests),
                         fmt_int(m.mutating), fmt_int(m.peak_window),
                         fmt_ratio(ratio(m.wall, base.wall)) if compare else "",
                         fmt_ratio(ratio(m.requests, base.requests)) if compare else "", result))
    return rows


def text_table(header, rows):
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    line = "  ".join("%-*s" % (width, cell) for width, cell in zip(widths, header))
    out = [line, "  ".join("-" * width for width in widths)]
    out.extend("  ".join("%-*s" % (width, cell) for width, cell in zip(widths, row)) for row in rows)
    return "\n".join(out)


def markdown_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _unused in header) + "|"]
    out.extend("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows)
    return "\n".join(out)


LONG_HEADER = ("scenario", "servers", "job duration s", "poll interval s", "module s", "requests", "mutating",
               "waiting s", "requests waiting", "peak/5 min waiting", "result")


def long_rows(settings, long_results):
    rows = []
    for scenario in settings.scenarios:
        m = long_results.get(scenario)
        if m is None:
            continue
        rows.append((scenario, m.size, fmt_seconds(settings.long_wait_job_duration), "module default",
                     fmt_seconds(m.module_seconds), fmt_int(m.requests), fmt_int(m.mutating), fmt_seconds(m.wait_span),
                     fmt_int(m.wait_requests), fmt_int(m.peak_window),
                     "ok" if m.ok else "FAILED (rc=%s, converged=%s)" % (m.rc, m.converged)))
    return rows


def verdict(met):
    return "not measured" if met is None else ("**met**" if met else "**missed**")


def goals(settings, all_results, long_results):
    """[(goal, measured text, met True/False/None)]."""
    out = []
    at300 = all_results.get(300, {})
    for size in settings.sizes:
        at_size = all_results.get(size, {})
        image, reinstall = at_size.get(("collection", "image")), at_size.get(("collection", "reinstall"))
        if image is None or reinstall is None:
            continue
        usable = image.ok and reinstall.ok
        out.append(("%d servers: reinstall costs no more requests than the image change" % size,
                    "reinstall %d, image change %d" % (reinstall.requests, image.requests) if usable else "-",
                    reinstall.requests <= image.requests if usable else None))
    for scenario in settings.scenarios:
        if scenario in COLLECTION_ONLY:
            continue
        coll, naive = at300.get(("collection", scenario)), at300.get(("naive", scenario))
        usable = coll is not None and naive is not None and coll.ok and naive.ok
        wall = ratio(naive.wall, coll.wall) if usable else None
        reqs = ratio(naive.requests, coll.requests) if usable else None
        out.append(("300 servers, %s: >= %gx less wall time than naive" % (scenario, GOAL_WALL_RATIO),
                    "%s (naive %s s, collection %s s)" % (fmt_ratio(wall), fmt_seconds(naive.wall),
                                                          fmt_seconds(coll.wall)) if usable else "-",
                    None if wall is None else wall >= GOAL_WALL_RATIO))
        out.append(("300 servers, %s: >= %gx fewer requests than naive" % (scenario, GOAL_REQUEST_RATIO),
                    "%s (naive %d, collection %d)" % (fmt_ratio(reqs), naive.requests, coll.requests)
                    if usable else "-", None if reqs is None else reqs >= GOAL_REQUEST_RATIO))
    at1000 = all_results.get(1000, {})
    for scenario in settings.scenarios:
        noop = at1000.get(("collection no-op", scenario))
        usable = noop is not None and noop.ok and noop.module_seconds is not None
        out.append(("1,000-server no-op (%s): <= %d requests" % (scenario, GOAL_NOOP_REQUESTS),
                    fmt_int(noop.requests) if usable else "-",
                    noop.requests <= GOAL_NOOP_REQUESTS if usable else None))
        out.append(("1,000-server no-op (%s): < %g s module time" % (scenario, GOAL_NOOP_SECONDS),
                    "%.2f s (API %.2f s)" % (noop.module_seconds, noop.span) if usable else "-",
                    noop.module_seconds < GOAL_NOOP_SECONDS if usable else None))
    for scenario in settings.scenarios:
        m = long_results.get(scenario)
        usable = m is not None and m.ok and m.peak_window is not None
        out.append(("waiting on %s servers, default poll_interval (%s): <= %d requests per 5 minutes"
                    % (format(settings.long_wait_servers, ","), scenario, GOAL_REQUESTS_PER_WINDOW),
                    "%d (waiting lasted %.0f s%s)" % (m.peak_window, m.wait_span,
                                                      "" if m.wait_span >= WINDOW else ", less than 5 minutes")
                    if usable else "-",
                    m.peak_window <= GOAL_REQUESTS_PER_WINDOW if usable else None))
    for scenario in settings.scenarios:
        m = at1000.get(("collection", scenario))
        usable = m is not None and m.ok and m.module_seconds is not None
        limit = settings.job_duration + 2 * settings.poll_interval
        out.append(("1,000-server %s finishes within job duration + 2 poll intervals (%g s)" % (scenario, limit),
                    "%.1f s module time (API %.1f s)" % (m.module_seconds, m.span) if usable else "-",
                    m.module_seconds <= limit if usable else None))
        m = long_results.get(scenario)
        usable = m is not None and m.ok and m.module_seconds is not None
        limit = settings.long_wait_job_duration + 2 * MODULE_DEFAULT_POLL
        out.append(("long wait: %s-server %s finishes within job duration + 2 poll intervals (%g s)"
                    % (format(settings.long_wait_servers, ","), scenario, limit),
                    "%.1f s module time (API %.1f s)" % (m.module_seconds, m.span) if usable else "-",
                    m.module_seconds <= limit if usable else None))
    return out


def naive_skip_note(settings, all_results):
    """Why naive has no numbers at some sizes, with the time it would take at the measured per-server rate."""
    skipped = [size for size in settings.sizes if size not in settings.naive_sizes]
    if not skipped or "naive" not in settings.contenders:
        return ""
    text = ("The naive playbook was not run at %s servers (`--naive-sizes %s`): it runs one Ansible loop item per "
            "server for the submissions and another per job for the waiting, so its time grows linearly with the fleet."
            % (", ".join(str(size) for size in skipped), ",".join(str(size) for size in settings.naive_sizes)))
    measured = [size for size in settings.sizes if size in settings.naive_sizes]
    if measured:
        size = max(measured)
        estimates = []
        for scenario in settings.scenarios:
            m = all_results[size].get(("naive", scenario))
            if m is not None and m.ok:
                rate = m.wall / size
                minutes = rate * max(skipped) / 60
                estimates.append("%s %.2f s per server, so about %.1f minutes" % (scenario, rate, minutes))
        if estimates:
            text += (" At the rate measured at %d servers (%s), one run at %d servers would take that long (an "
                     "estimate, not a measurement)." % (size, "; ".join(estimates), max(skipped)))
    return text


def git_revision():
    """HEAD's short id, marked when plugins/ differs from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True,
                              check=False).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "plugins"], cwd=REPO_ROOT, capture_output=True,
                               text=True, check=False).stdout.strip()
        return (head or "unknown") + (" (plugins/ with uncommitted changes)" if dirty else "")
    except OSError:
        return "unknown"


def plugins_fingerprint():
    """A hash of every file under plugins/: the code under test, whatever git says about it."""
    digest = hashlib.sha256()
    root = os.path.join(REPO_ROOT, "plugins")
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(directory, name)
            digest.update(os.path.relpath(path, root).encode("utf-8") + b"\0")
            with open(path, "rb") as handle:
                digest.update(handle.read())
    return digest.hexdigest()[:12]


def tool_versions():
    versions = {"python": platform.python_version()}
    try:
        from ansible.release import __version__ as ansible_version  # pylint: disable=import-outside-toplevel
        versions["ansible-core"] = ansible_version
    except ImportError:
        pass
    try:
        from huaweicloudsdkcore import __version__ as sdk_version  # pylint: disable=import-outside-toplevel
        versions["huaweicloudsdkcore"] = sdk_version
    except ImportError:
        pass
    return versions


def write_markdown(path, chart_name, settings, command, started_at, elapsed, all_results, long_results, goal_rows,
                   chart_note, revision):
    lines = [
        "# Fleet benchmarks",
        "",
        "<!-- Generated file: do not edit by hand. -->",
        "Generated by `make bench`, i.e. `%s`, on %s (total bench time %.0f s). Re-run that command to refresh "
        "this page and the chart." % (command, started_at.strftime("%Y-%m-%d %H:%M UTC"), elapsed),
        "",
        "Collection revision %s; %s; %d CPU core(s)%s." % (
            revision, ", ".join("%s %s" % item for item in sorted(tool_versions().items())), os.cpu_count() or 0,
            "; 1-minute load average sampled around each run: %.1f to %.1f (anything else running on the machine "
            "slows the Ansible runs down, the naive one most)" % (min(LOAD_SAMPLES), max(LOAD_SAMPLES))
            if LOAD_SAMPLES else ""),
        "",
        "## What runs",
        "",
        "Three contenders do the same job on the same simulated fleet (simulator/, a fresh one per run, over "
        "HTTP on the loopback interface):",
        "",
        "* **collection**: one task of `huaweicloud.workspace_app.app_server_hda_upgrade` or `app_server_image` on "
        "the server group (`tools/bench/collection/`), AK/SK signing; then the same playbook again on the converged "
        "fleet (**collection no-op**).",
        "* **naive**: what an operator writes without the collection (`tools/bench/naive/`): `ansible.builtin.uri` "
        "with an IAM password token, the server list page by page, one upgrade / image change request per server in "
        "a loop, then one `until`/`retries` loop per job on `GET /v2/{project_id}/job/{job_id}` with "
        "`delay` = the poll interval.",
        "* **sdk**: a plain Python script on the official SDK (`tools/bench/sdk_fleet.py`): list the servers, submit "
        "batches of %d, then wait for each job in turn, reading it every poll interval." % settings.batch_size,
        "",
        "## Settings",
        "",
        markdown_table(("setting", "value"), [
            ("fleet", "%s servers in %d server group(s); HDA scenario: all servers outdated; image scenario: every "
                      "server to a new image" % (", ".join(str(s) for s in settings.sizes), settings.groups)),
            ("job duration (simulator)", "%g s" % settings.job_duration),
            ("poll interval (all contenders)", "%g s (collection `poll_interval`, naive `delay`, sdk sleep)"
             % settings.poll_interval),
            ("naive `retries`", "%d" % settings.naive_retries),
            ("batch size (collection, sdk)", "%d (the naive playbook sends one server per request)" % settings.batch_size),
            ("naive run at", ", ".join(str(s) for s in settings.naive_sizes if s in settings.sizes) or "none"),
            ("long wait", "%s servers, job duration %g s, the modules' default `poll_interval`"
             % (settings.long_wait_servers, settings.long_wait_job_duration) if settings.long_wait else "not run"),
            ("simulator seed", "%d" % settings.seed),
        ]),
        "",
        "## How it is measured",
        "",
        "* **wall s**: elapsed time of the contender's process (`ansible-playbook` or `python`), start-up included.",
        "* **module s**: the collection task alone, timed by the playbook around it (`now()` before and after): "
        "Ansible's module start-up (a new Python process importing the module) included.",
        "* **API s**: from the first to the last request the simulator logged for the run.",
        "* **requests**: every HTTP request the simulator logged during the run (AppStream and IAM); **mutating**: "
        "the non-GET AppStream requests among them.",
        "* **peak/5 min waiting**: the waiting phase is every request after the last mutating one; the figure is the "
        "most requests in any 5-minute window of it (all of them when the waiting phase is shorter than 5 minutes).",
        "* **vs collection**: the contender's figure divided by the collection's, same size and scenario.",
        "* **result**: `ok` when the process exited 0 and the simulator's state shows every server converged.",
        "",
        "## Results",
        "",
    ]
    for size in settings.sizes:
        lines += ["### %d servers" % size, "", markdown_table(TABLE_HEADER, table_rows(settings, size, all_results[size])),
                  ""]
    note = naive_skip_note(settings, all_results)
    if note:
        lines += [note, ""]
    if settings.long_wait:
        lines += ["### Long wait", "",
                  "The collection on %d servers with jobs lasting %g s and the modules' default poll interval, so that "
                  "the waiting phase is longer than one 5-minute window. (It runs alongside the runs above, on its "
                  "own simulator; it only counts requests, which do not depend on the machine's load.)"
                  % (settings.long_wait_servers, settings.long_wait_job_duration), "",
                  markdown_table(LONG_HEADER, long_rows(settings, long_results)), ""]
    lines += ["## Goals", "", markdown_table(("goal", "measured", "verdict"),
                                             [(goal, measured, verdict(met)) for goal, measured, met in goal_rows]), ""]
    lines += ["## Chart", ""]
    if chart_name:
        lines += ["![requests and wall time against fleet size](%s)" % chart_name, ""]
    else:
        lines += [chart_note, ""]
    lines += ["## Requests per operation", "",
              "Counted from the request log, per run (sizes and scenarios as above).", ""]
    op_rows = []
    for size in settings.sizes:
        for (contender, scenario), m in sorted(all_results[size].items()):
            if m.ran:
                op_rows.append((size, scenario, contender,
                                ", ".join("%s %d" % item for item in sorted(m.by_operation.items()))))
    for scenario, m in sorted(long_results.items()):
        op_rows.append((m.size, scenario, "collection (long wait)",
                        ", ".join("%s %d" % item for item in sorted(m.by_operation.items()))))
    lines += [markdown_table(("servers", "scenario", "contender", "requests per operation"), op_rows), ""]
    with open(path, "w") as handle:
        handle.write("\n".join(lines))


def write_chart(path, settings, all_results):
    """requests and wall time against fleet size; returns None or why no chart was made."""
    try:
        import matplotlib  # pylint: disable=import-outside-toplevel
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel
        from matplotlib import ticker  # pylint: disable=import-outside-toplevel
    except ImportError:
        return ("No chart: matplotlib is not installed (`.venv/bin/python -m pip install -r requirements-bench.txt`, "
                "which `make bench` does).")
    figure, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    styles = {"collection": "tab:green", "naive": "tab:red", "sdk": "tab:blue"}
    markers = {"hda": "o", "image": "s", "reinstall": "^"}
    for axis, attribute, title in ((axes[0], "requests", "HTTP requests"), (axes[1], "wall", "wall time (s)")):
        for contender in CONTENDERS:
            for scenario in settings.scenarios:
                points = [(size, getattr(all_results[size][(contender, scenario)], attribute))
                          for size in settings.sizes
                          if all_results[size].get((contender, scenario)) is not None
                          and all_results[size][(contender, scenario)].ok]
                if not points:
                    continue
                axis.plot([p[0] for p in points], [p[1] for p in points], color=styles[contender],
                          marker=markers[scenario], linestyle="-" if scenario == "hda" else "--",
                          label="%s, %s" % (contender, scenario))
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xticks(settings.sizes)
        axis.xaxis.set_major_formatter(ticker.ScalarFormatter())
        axis.xaxis.set_minor_formatter(ticker.NullFormatter())
        axis.yaxis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        axis.yaxis.set_major_formatter(ticker.ScalarFormatter())
        axis.yaxis.set_minor_formatter(ticker.NullFormatter())
        axis.set_xlabel("servers")
        axis.set_title(title)
        axis.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    figure.suptitle("Fleet benchmark: job duration %g s, poll interval %g s (lower is better)"
                    % (settings.job_duration, settings.poll_interval))
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return None


# ---------------------------------------------------------------------------------------------- main

def int_list(text):
    return [int(part) for part in text.split(",") if part.strip()]


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Fleet benchmark: collection vs naive playbook vs SDK script.")
    parser.add_argument("--sizes", type=int_list, default=None, help="fleet sizes (default 100,300,1000; --quick: 20,60)")
    parser.add_argument("--naive-sizes", type=int_list, default=None,
                        help="sizes at which the naive playbook runs (default 100,300: it runs one Ansible loop item per "
                             "server and request; --quick: all sizes)")
    parser.add_argument("--scenarios", type=lambda text: [s for s in text.split(",") if s], default=list(SCENARIOS),
                        help="hda,image,reinstall (default all three)")
    parser.add_argument("--contenders", type=lambda text: [s for s in text.split(",") if s], default=list(CONTENDERS),
                        help="collection,naive,sdk (default all three)")
    parser.add_argument("--quick", action="store_true", help="fast smoke run: sizes 20,60, short jobs")
    parser.add_argument("--job-duration", type=float, default=None, help="seconds (default 20; --quick: 2)")
    parser.add_argument("--poll-interval", type=float, default=None, help="seconds (default 5; --quick: 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--long-wait", action="store_true",
                        help="also run the collection on --long-wait-servers with --long-wait-job-duration and the "
                             "modules' default poll_interval (runs alongside the other runs)")
    parser.add_argument("--long-wait-servers", type=int, default=1000)
    parser.add_argument("--long-wait-job-duration", type=float, default=360.0)
    parser.add_argument("--out", default=os.path.join(REPO_ROOT, "docs", "benchmarks.md"),
                        help="Markdown report (the chart goes next to it, same name with .png)")
    parser.add_argument("--json", default=None, help="also write every measurement as JSON here")
    args = parser.parse_args(argv)
    unknown = [s for s in args.scenarios if s not in SCENARIOS]
    if unknown:
        parser.error("unknown scenario(s): %s" % ", ".join(unknown))
    unknown = [c for c in args.contenders if c not in CONTENDERS]
    if unknown:
        parser.error("unknown contender(s): %s" % ", ".join(unknown))
    if args.sizes is None:
        args.sizes = [20, 60] if args.quick else [100, 300, 1000]
    if args.naive_sizes is None:
        args.naive_sizes = list(args.sizes) if args.quick else [100, 300]
    if args.job_duration is None:
        args.job_duration = 2.0 if args.quick else 20.0
    if args.poll_interval is None:
        args.poll_interval = 1.0 if args.quick else 5.0
    return args


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    settings = Settings(args)
    started_at = datetime.datetime.now(datetime.timezone.utc)
    started = time.monotonic()
    command = " ".join([".venv/bin/python", os.path.relpath(os.path.abspath(__file__), REPO_ROOT)] + list(argv))

    def progress(message):
        print("[%6.0fs] %s" % (time.monotonic() - started, message), flush=True)

    revision_at_start, fingerprint_at_start = git_revision(), plugins_fingerprint()
    workdir = tempfile.mkdtemp(prefix="bench-")
    long_results = {}
    long_threads = []
    try:
        if settings.long_wait:
            for scenario in settings.scenarios:
                progress("long wait %s, %d servers, job duration %g s (in the background) ..."
                         % (scenario, settings.long_wait_servers, settings.long_wait_job_duration))
                thread = threading.Thread(target=run_long_wait, args=(settings, scenario, workdir, long_results),
                                          daemon=True)
                thread.start()
                long_threads.append(thread)
            # Let the long runs submit before timing anything else: from then on they only poll.
            time.sleep(min(30.0, settings.long_wait_job_duration / 4))
        all_results = {}
        for size in settings.sizes:
            all_results[size] = run_size(settings, size, workdir, progress)
            print()
            print("Fleet of %d servers (job duration %g s, poll interval %g s)" % (size, settings.job_duration,
                                                                                   settings.poll_interval))
            print(text_table(TABLE_HEADER, table_rows(settings, size, all_results[size])))
            print(flush=True)
        if long_threads:
            progress("waiting for the long-wait run(s) ...")
            for thread in long_threads:
                thread.join()
            print()
            print("Long wait: %d servers, job duration %g s, default poll interval"
                  % (settings.long_wait_servers, settings.long_wait_job_duration))
            print(text_table(LONG_HEADER, long_rows(settings, long_results)))
            print()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    elapsed = time.monotonic() - started
    revision = "%s, plugins/ fingerprint %s" % (revision_at_start, fingerprint_at_start)
    if plugins_fingerprint() != fingerprint_at_start:
        revision += (" **(plugins/ changed during the run, to %s at %s: the numbers may mix two versions of the "
                     "code; re-run)**" % (plugins_fingerprint(), git_revision()))
        print("WARNING: plugins/ changed during the run; the numbers may mix two versions of the code.")
    goal_rows = goals(settings, all_results, long_results)
    print("Goals")
    print(text_table(("goal", "measured", "verdict"), [(g, m, verdict(v).strip("*")) for g, m, v in goal_rows]))
    note = naive_skip_note(settings, all_results)
    if note:
        print()
        print(note)

    out = os.path.abspath(args.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    chart = os.path.splitext(out)[0] + ".png"
    chart_note = write_chart(chart, settings, all_results)
    if chart_note:
        print(chart_note)
    write_markdown(out, None if chart_note else os.path.basename(chart), settings, command, started_at, elapsed,
                   all_results, long_results, goal_rows, chart_note, revision)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"settings": settings.__dict__, "elapsed": elapsed,
                       "runs": [m.as_dict() for size in settings.sizes for m in all_results[size].values()],
                       "long_wait": [m.as_dict() for m in long_results.values()]}, handle, indent=1)
    if LOAD_SAMPLES:
        print("1-minute load average around the runs: %.1f to %.1f on %d core(s)"
              % (min(LOAD_SAMPLES), max(LOAD_SAMPLES), os.cpu_count() or 0))
    print("wrote %s%s; total %.0f s" % (os.path.relpath(out), "" if chart_note else " and " + os.path.relpath(chart),
                                        elapsed))
    failures = [m for size in settings.sizes for m in all_results[size].values() if m.ran and not m.ok]
    failures += [m for m in long_results.values() if not m.ok]
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
