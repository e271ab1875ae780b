#!/usr/bin/env python
"""Run ``ansible-test sanity`` on a real copy of the collection, offline-safe.

The copy and the offline pip bootstrap are explained in scripts/ansible_test_tree.py.

Usage: ansible_test_sanity.py [--seed-only] [--keep] [ansible-test sanity args...]
Sanity results are copied back to ``tests/output/`` of the source tree.
"""

import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ansible_test_tree import (  # noqa: E402  pylint: disable=wrong-import-position
    REPO_ROOT, ansible_test_command, ansible_test_environment, collection_copy, copy_results, seed_cache,
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--seed-only", action="store_true", help="only seed ~/.ansible/test/cache")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    parser.add_argument("--source", default=REPO_ROOT, help="collection source tree (default: this repo)")
    options, sanity_args = parser.parse_known_args()

    seed_cache()
    if options.seed_only:
        return 0

    source = os.path.abspath(options.source)
    with collection_copy(source, "sanity", keep=options.keep) as (_workdir, copy):
        command = [ansible_test_command(), "sanity"] + sanity_args
        print("ansible-test sanity in %s" % copy, flush=True)
        result = subprocess.run(command, cwd=copy, env=ansible_test_environment(), check=False)
        copy_results(copy, source)
        return result.returncode


if __name__ == "__main__":
    sys.exit(main())
