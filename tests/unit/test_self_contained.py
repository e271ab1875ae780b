"""The repository is self-contained: no tracked file points at a file outside it."""

import os
import re
import subprocess

from tests.harness import REPO_ROOT

# a path that climbs out of the checkout into a sibling "shared" directory (design notes, API pages), or an
# absolute path of the machine the collection was developed on
OUTSIDE = re.compile(r"\.\./+shared/|(?<![\w.])shared/(?:design|api)/|/work/(?:shared|main)\b")


def tracked_files():
    """The files git tracks, or every file under the root when this is not a git checkout."""
    if os.path.isdir(os.path.join(REPO_ROOT, ".git")) or os.path.isfile(os.path.join(REPO_ROOT, ".git")):
        out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True).stdout
        return [name for name in out.decode("utf-8").split("\0") if name]
    found = []
    for root, dirs, files in os.walk(REPO_ROOT):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in ("build", "__pycache__", "output")]
        found += [os.path.relpath(os.path.join(root, name), REPO_ROOT) for name in files]
    return found


def test_the_pattern_finds_what_it_is_for():
    # the strings are split so that this file does not match itself
    assert OUTSIDE.search("see ../" + "sha" + "red/design/TOOLCHAIN.md")
    assert OUTSIDE.search("the notes in sha" + "red/design/x.md")
    assert OUTSIDE.search("in /wo" + "rk/sha" + "red/api/x.md")
    assert not OUTSIDE.search("docs/toolchain.md, shared_state.py, lib/shared/thing")


def test_no_tracked_file_refers_to_a_file_outside_the_repository():
    files = tracked_files()
    assert "requirements-dev.txt" in files
    offending = []
    for name in files:
        path = os.path.join(REPO_ROOT, name)
        if not os.path.isfile(path) or os.path.islink(path):
            continue
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8", errors="replace")
        offending += ["%s:%d: %s" % (name, number, line.strip())
                      for number, line in enumerate(text.splitlines(), 1) if OUTSIDE.search(line)]
    assert offending == []


def test_the_toolchain_notes_requirements_dev_points_at_are_in_the_repository():
    with open(os.path.join(REPO_ROOT, "requirements-dev.txt"), encoding="utf-8") as handle:
        first = handle.readline()
    named = re.findall(r"[\w./-]+\.md", first)
    assert named == ["docs/toolchain.md"]
    assert os.path.isfile(os.path.join(REPO_ROOT, named[0]))
