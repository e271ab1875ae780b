#!/usr/bin/env python
"""Run the phases of ``make test`` (each a make target of its own), time them and print the times at the end.

Usage (from the Makefile)::

    test_phases.py --make "$(MAKE)" [--keep-going] [--times FILE] [--title TEXT] [--beside PHASE=P1,P2,...] PHASE...

Each phase is ``make --no-print-directory PHASE``, one after the other, its output going straight through (the
pytest summary lines that .ci/run counts are printed as pytest prints them). ``--beside integration=sanity,lint``:
while ``integration`` runs, ``sanity`` then ``lint`` run too, one after the other, in the background (two
``--beside`` values for one phase: two such chains at once) (integration
mostly waits on jobs, polls and playbook start-up and leaves part of the two cores idle); their output goes to
``.tmp/phase-<name>.log`` and is printed once ``integration`` has ended, so that nothing interleaves with pytest's
lines. A phase that fails stops the run (the background ones still finish), unless ``--keep-going`` (``make
-k``), with which the following phases run as well. Then the table: each phase's seconds and result, and the
total; the same rows, tab-separated, go to ``--times`` (default ``.tmp/test-phases.tsv``). ``make ci-rest`` (the
rest of CI after ``make test``) runs its phases the same way, with ``--title``. The exit status is 0
only when every phase passed: the table never hides a failure.
"""

import argparse
import os
import shlex
import subprocess
import sys
import threading
import time

LOG_DIR = ".tmp"


def run_phase(make, phase, output=None):
    """(seconds, exit status) of ``make PHASE``; its output to ``output`` (a file) or straight through."""
    started = time.monotonic()
    sys.stdout.flush()
    status = subprocess.call(make + ["--no-print-directory", phase], stdout=output,
                             stderr=subprocess.STDOUT if output else None)
    return time.monotonic() - started, status


class Background(threading.Thread):
    """Phases run one after the other beside a foreground phase, each into its own log file."""

    def __init__(self, make, phases, keep_going):
        super().__init__(daemon=True)
        self.make = make
        self.phases = phases
        self.keep_going = keep_going
        self.rows = []

    def run(self):
        stopped = False
        for phase in self.phases:
            if stopped:
                self.rows.append((phase, None, None))
                continue
            with open(log_path(phase), "w", encoding="utf-8") as log:
                seconds, status = run_phase(self.make, phase, output=log)
            self.rows.append((phase, seconds, status))
            stopped = status != 0 and not self.keep_going

    def report(self, foreground):
        """Print each phase's log, after the foreground phase ended."""
        for phase, seconds, status in self.rows:
            if status is None:
                continue
            print("\n---- make %s (ran beside %s: %.1f s, %s); its output: %s ----"
                  % (phase, foreground, seconds, "ok" if status == 0 else "FAILED, exit %d" % status,
                     log_path(phase)), flush=True)
            with open(log_path(phase), encoding="utf-8", errors="replace") as log:
                for line in log:
                    sys.stdout.write(line)
            print("---- end of make %s ----" % phase, flush=True)


def log_path(phase):
    return os.path.join(LOG_DIR, "phase-%s.log" % phase)


def table(rows, total, beside, title="make test"):
    width = max([len("phase"), len("total")] + [len(phase) for phase, _seconds, _status in rows])

    def line(name, seconds, result):
        return "  " + name.ljust(width) + "  " + seconds.rjust(8) + "  " + result

    lines = ["%s: time per phase (seconds)" % title, line("phase", "seconds", "result")]
    for phase, seconds, status in rows:
        result = "ok" if status == 0 else ("FAILED (exit %d)" % status if status is not None else "not run")
        if phase in beside and status is not None:
            result += " (beside %s)" % beside[phase]
        lines.append(line(phase, "-" if seconds is None else "%.1f" % seconds, result))
    failed = sum(1 for _phase, _seconds, status in rows if status not in (0, None))
    lines.append(line("total", "%.1f" % total, "ok (wall clock)" if not failed else "%d phase(s) failed" % failed))
    return "\n".join(lines)


def parse_beside(values, phases):
    """{foreground phase: [[background phases], ...]} from ``PHASE=P1,P2`` values (one chain each; several values
    for one foreground phase are chains that run at the same time); each named phase must be listed."""
    groups = {}
    for value in values:
        foreground, _sep, background = value.partition("=")
        names = [name for name in background.split(",") if name]
        for name in [foreground] + names:
            if name not in phases:
                raise SystemExit("test_phases.py: --beside %s: %s is not one of the phases %s" % (value, name, phases))
        groups.setdefault(foreground, []).append(names)
    return groups


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--make", default=os.environ.get("MAKE", "make"), help="the make command (default: $MAKE)")
    parser.add_argument("--keep-going", action="store_true", help="run the following phases after a failure")
    parser.add_argument("--times", default=os.path.join(LOG_DIR, "test-phases.tsv"), help="where the rows go")
    parser.add_argument("--beside", action="append", default=[], metavar="PHASE=P1,P2",
                        help="run P1, P2 ... one after the other in the background while PHASE runs")
    parser.add_argument("--title", default="make test", help="the table's heading (default: make test)")
    parser.add_argument("phases", nargs="+", help="make targets, in order")
    options = parser.parse_args()
    make = shlex.split(options.make)
    groups = parse_beside(options.beside, options.phases)
    beside = dict((name, foreground) for foreground, chains in groups.items() for names in chains for name in names)
    os.makedirs(LOG_DIR, exist_ok=True)

    started = time.monotonic()
    results = {}
    stopped = False
    for phase in options.phases:
        if phase in beside:
            continue  # run beside its foreground phase
        if stopped:
            results[phase] = (None, None)
            for names in groups.get(phase, []):
                for name in names:
                    results[name] = (None, None)
            continue
        backgrounds = [Background(make, names, options.keep_going) for names in groups.get(phase, []) if names]
        for background in backgrounds:
            background.start()
        results[phase] = run_phase(make, phase)
        failed = results[phase][1] != 0
        for background in backgrounds:
            background.join()
            background.report(phase)
            for name, seconds, status in background.rows:
                results[name] = (seconds, status)
                failed = failed or status not in (0, None)
        stopped = failed and not options.keep_going
    total = time.monotonic() - started
    rows = [(phase,) + results.get(phase, (None, None)) for phase in options.phases]

    os.makedirs(os.path.dirname(options.times) or ".", exist_ok=True)
    with open(options.times, "w", encoding="utf-8") as handle:
        handle.write("phase\tseconds\tstatus\tbeside\n")
        for phase, seconds, status in rows:
            handle.write("%s\t%s\t%s\t%s\n" % (phase, "" if seconds is None else "%.1f" % seconds,
                                               "not run" if status is None else status, beside.get(phase, "")))
        handle.write("total\t%.1f\t\t\n" % total)
    print("\n" + table(rows, total, beside, options.title), flush=True)
    return 0 if all(status == 0 for _phase, _seconds, status in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
