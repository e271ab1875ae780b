#!/usr/bin/env python
"""Run the phases of ``make test`` (each a make target of its own), time them and print the times at the end.

Usage (from the Makefile)::

    test_phases.py --make "$(MAKE)" [--keep-going] [--times FILE] PHASE... [-- MAKE ARGS]

Each phase is ``make --no-print-directory PHASE``, one after the other, its output going straight through (the
pytest summary lines that .ci/run counts are printed as pytest prints them). A phase that fails stops the run,
unless ``--keep-going`` (``make -k``), with which the following phases run as well. Then the table: each phase's
seconds and result, and the total; the same rows, tab-separated, go to ``--times`` (default
``.tmp/test-phases.tsv``). The exit status is 0 only when every phase passed: the table never hides a failure.
"""

import argparse
import os
import shlex
import subprocess
import sys
import time


def run_phase(make, phase, make_args):
    started = time.monotonic()
    sys.stdout.flush()
    status = subprocess.call(make + ["--no-print-directory", phase] + make_args)
    return time.monotonic() - started, status


def table(rows, total):
    width = max([len("phase"), len("total")] + [len(phase) for phase, _seconds, _status in rows])
    lines = ["make test: time per phase (seconds)", "  %-*s  %8s  %s" % (width, "phase", "seconds", "result")]
    for phase, seconds, status in rows:
        result = "ok" if status == 0 else ("FAILED (exit %d)" % status if status is not None else "not run")
        lines.append("  %-*s  %8s  %s" % (width, phase, "-" if seconds is None else "%.1f" % seconds, result))
    failed = sum(1 for _phase, _seconds, status in rows if status not in (0, None))
    lines.append("  %-*s  %8.1f  %s" % (width, "total", total, "ok" if not failed else "%d phase(s) failed" % failed))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--make", default=os.environ.get("MAKE", "make"), help="the make command (default: $MAKE)")
    parser.add_argument("--keep-going", action="store_true", help="run the following phases after a failure")
    parser.add_argument("--times", default=os.path.join(".tmp", "test-phases.tsv"), help="where the rows go")
    parser.add_argument("phases", nargs="+", help="make targets, in order")
    arguments = sys.argv[1:]
    make_args = []
    if "--" in arguments:
        make_args = arguments[arguments.index("--") + 1:]
        arguments = arguments[:arguments.index("--")]
    options = parser.parse_args(arguments)
    make = shlex.split(options.make)

    started = time.monotonic()
    rows = []
    stopped = False
    for phase in options.phases:
        if stopped:
            rows.append((phase, None, None))
            continue
        seconds, status = run_phase(make, phase, make_args)
        rows.append((phase, seconds, status))
        stopped = status != 0 and not options.keep_going
    total = time.monotonic() - started

    os.makedirs(os.path.dirname(options.times) or ".", exist_ok=True)
    with open(options.times, "w", encoding="utf-8") as handle:
        handle.write("phase\tseconds\tstatus\n")
        for phase, seconds, status in rows:
            handle.write("%s\t%s\t%s\n" % (phase, "" if seconds is None else "%.1f" % seconds,
                                           "not run" if status is None else status))
        handle.write("total\t%.1f\t\n" % total)
    print("\n" + table(rows, total), flush=True)
    return 0 if all(status == 0 for _phase, _seconds, status in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
