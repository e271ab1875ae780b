"""docs/tutorial.md run as written: its commands in order, in one checkout, and the output it shows checked.

The tutorial's fenced blocks are of four kinds, told apart by their language and first line:

* ``bash``: commands, run in the order of the tutorial by ONE ``bash -e -o pipefail`` in one checkout (the
  tutorial's shell: what a command sets, such as the simulator's variables of ``eval "$(... --print-env &)"``,
  holds for the next ones); a failing command fails the test, naming its block;
* ``text`` right after a ``bash`` block: what that block prints. Every line it shows must be a line of that block's
  output, in the order shown (lines the tutorial leaves out are allowed, blank lines are not compared); ``...`` in a
  shown line stands for any text (ids, ports, times), and a line that is only ``...`` marks lines left out;
  trailing spaces are not compared. ``shown_lines_missing`` is that rule;
* ``yaml`` whose first line is ``# <name>.yml``: a file the reader saves, written into the checkout at that point;
* a block listed in ``NOT_RUN``, with the reason it cannot run here.

A block of any other kind fails ``test_every_tutorial_block_is_run_or_says_why`` (also in the unit suite:
tests/unit/test_tutorial_blocks.py), so the tutorial cannot gain a command or an output nothing checks.

``make readme`` runs it (CI's ``.ci/run`` after ``make test``); the checkout is the one of the README's test
(tests/harness/checkout.py): a copy of the repository, the ``.venv`` linked in, a throwaway ``HOME``, no credentials
or Ansible settings of the developer's. The simulator is the one the tutorial starts; should the run stop half way,
the test stops it.
"""

import os
import re

from tests.harness.checkout import Checkout, fenced_blocks
from tests.harness.collection import REPO_ROOT

TUTORIAL = os.path.join(REPO_ROOT, "docs", "tutorial.md")
BLOCKS = fenced_blocks(TUTORIAL)
FILE_BLOCK = re.compile(r"\A# ([\w.-]+\.ya?ml)\n")
OUTPUT_LANGUAGE = "text"
# the whole tutorial, all commands of it: about 3 minutes on 2 busy cores, mostly simulated jobs and grace periods
TIMEOUT = 480

# Blocks that cannot run here (a marker in the block's text -> the reason).
NOT_RUN = {
    "git clone ":
        "clones from GitHub (this machine may be offline); the test's checkout, a copy of this repository's files, "
        "stands for the clone",
}

# What the test adds around the tutorial's own commands: at the end, whatever happened, the simulator the tutorial
# started is stopped; one still running 10 s after that (the tutorial's own kill included) is killed, and says so.
STILL_RUNNING = "@@the simulator still ran 10 s after it was told to stop@@"
STOP_SIMULATOR = """stop_simulator() {
  local pid=${WORKSPACE_APP_SIMULATOR_PID:-}
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  echo "%s"; kill -9 "$pid" 2>/dev/null || true
}
trap stop_simulator EXIT
""" % STILL_RUNNING
MARKER = "@@tutorial-block %d $(date +%%s)@@"
MARKER_LINE = re.compile(r"^@@tutorial-block (\d+) \d+@@$", re.M)
HEREDOC_END = "TUTORIAL_FILE_END"


def not_run_reason(block):
    found = [reason for marker, reason in NOT_RUN.items() if marker in block.text]
    assert len(found) <= 1, "%r is in more than one NOT_RUN entry" % block
    return found[0] if found else None


def steps(blocks=None):
    """The tutorial as ``[(kind, block, detail)]``: ``("run", block, None)``, ``("output", block, the bash block
    it shows the output of)``, ``("file", block, file name)``, ``("not_run", block, reason)``; a block of no kind
    fails, naming it."""
    blocks = BLOCKS if blocks is None else blocks
    found, unknown = [], []
    for index, block in enumerate(blocks):
        reason = not_run_reason(block)
        file_name = FILE_BLOCK.match(block.text)
        previous = found[index - 1] if index else None
        if reason:
            found.append(("not_run", block, reason))
        elif block.language == "bash":
            found.append(("run", block, None))
        elif block.language == OUTPUT_LANGUAGE and previous and previous[0] == "run":
            found.append(("output", block, previous[1]))
        elif block.language == "yaml" and file_name:
            found.append(("file", block, file_name.group(1)))
        else:
            unknown.append(block)
            found.append(("unknown", block, None))
    assert not unknown, ("tutorial blocks that are neither commands (bash), their output (text right after a bash "
                         "block), a file (yaml starting with '# <name>.yml') nor in NOT_RUN: %s" % unknown)
    return found


def script(tutorial_steps):
    """One bash script: each run block after a marker line naming it, each file block written where it stands."""
    parts = [STOP_SIMULATOR]
    for number, (kind, block, detail) in enumerate(tutorial_steps):
        if kind == "run":
            parts.append('printf "\\n%s\\n"\n%s' % (MARKER % number, block.text))
        elif kind == "file":
            assert HEREDOC_END not in block.text, block
            parts.append("cat > %s <<'%s'\n%s%s\n" % (detail, HEREDOC_END, block.text, HEREDOC_END))
    parts.append('printf "\\n%s\\n"\n' % (MARKER % len(tutorial_steps)))
    return "".join(parts)


def outputs(output):
    """{step number: what that run block printed}."""
    pieces = MARKER_LINE.split(output)
    return {int(number): text for number, text in zip(pieces[1::2], pieces[2::2])}


def shown_line_pattern(line):
    return re.compile(".*".join(re.escape(piece) for piece in line.split("...")) + r"\Z")


def shown_lines_missing(shown, printed):
    """None when every line of ``shown`` (the tutorial's output block) is a line of ``printed``, in order; else
    which shown line was not found after the lines found before it."""
    printed_lines = [line.rstrip() for line in printed.splitlines()]
    position = 0
    for shown_line in shown.splitlines():
        shown_line = shown_line.rstrip()
        if not shown_line.strip() or shown_line.strip() == "...":
            continue
        pattern = shown_line_pattern(shown_line)
        for offset, line in enumerate(printed_lines[position:]):
            if pattern.match(line):
                position += offset + 1
                break
        else:
            return "not printed (after the lines found before it): %r" % shown_line
    return None


def test_every_tutorial_block_is_run_or_says_why():
    kinds = [kind for kind, _block, _detail in steps()]
    assert kinds.count("run") >= 15 and kinds.count("output") >= 15 and kinds.count("file") >= 2, kinds


def test_tutorial_runs_as_written(tmp_path):
    tutorial_steps = steps()
    checkout = Checkout(tmp_path / "checkout", tmp_path / "home")
    rc, output = checkout.bash(script(tutorial_steps), timeout=TIMEOUT)
    printed = outputs(output)
    assert STILL_RUNNING not in output, output[-3000:]
    ran = [number for number, (kind, _block, _detail) in enumerate(tutorial_steps) if kind == "run"]
    assert rc == 0 and sorted(printed) == ran + [len(tutorial_steps)], "the tutorial stopped in %r (exit %s):\n%s" % (
        tutorial_steps[max(printed)][1] if printed and max(printed) < len(tutorial_steps) else None, rc,
        output[-6000:])
    by_block = {id(block): printed[number] for number, (kind, block, _detail) in enumerate(tutorial_steps)
                if kind == "run"}
    problems = []
    for kind, block, command_block in tutorial_steps:
        if kind == "output":
            missing = shown_lines_missing(block.text, by_block[id(command_block)])
            if missing:
                problems.append("%r, the output of %r: %s\n--- printed:\n%s" % (
                    block, command_block, missing, by_block[id(command_block)][-4000:]))
    assert not problems, "\n\n".join(problems)
