"""Sum and sort the per-test CPU seconds that WORKSPACE_APP_TEST_CPU=<file> made the integration tests write.

    WORKSPACE_APP_TEST_CPU=.tmp/cpu .venv/bin/python -m pytest -n 3 tests/integration
    .venv/bin/python scripts/test_cpu.py .tmp/cpu [--top 30]

Prints the total, the seconds per test file and the most expensive tests (CPU of the test process, with its
in-process simulators, and of the ansible-playbook processes it ran; a module-scoped shared run counts for the test
that first asked for it).
"""

import argparse
import collections
import glob


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("prefix")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    tests = []
    for path in glob.glob(glob.escape(args.prefix) + ".*"):
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                seconds, _tab, test = line.rstrip("\n").partition("\t")
                tests.append((float(seconds), test))
    files = collections.Counter()
    for seconds, test in tests:
        files[test.split("::", 1)[0]] += seconds
    print("%d tests, %.1f CPU seconds in all" % (len(tests), sum(seconds for seconds, _test in tests)))
    print("\nper file:")
    for name, seconds in files.most_common():
        print("  %7.1f  %s" % (seconds, name))
    print("\nmost expensive tests:")
    for seconds, test in sorted(tests, reverse=True)[:args.top]:
        print("  %7.1f  %s" % (seconds, test))


if __name__ == "__main__":
    main()
