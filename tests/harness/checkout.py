"""Documents run as printed: their fenced blocks, and a checkout of this repository to run them in.

``tests/readme/test_readme.py`` (README.md) and ``tests/readme/test_tutorial.py`` (docs/tutorial.md) share these:

* ``fenced_blocks(path)``: the fenced blocks of a Markdown file (``Block``: the heading it is under, its language,
  its text with the fence's indentation removed, its line);
* ``Checkout(root, home)``: a copy of the repository's files in a directory of its own, the ``.venv`` linked in and
  the collection link tree made, where commands run with ``bash`` as in a clone (``Checkout.bash``), with Ansible's
  commands on ``PATH``, a throwaway ``HOME`` and no credentials or Ansible settings of the developer's;
* ``succeeded(rc, output)``: the command exited 0 and every PLAY RECAP line says ``unreachable=0 failed=0``.
"""

import os
import re
import shutil
import signal
import subprocess

from .collection import REPO_ROOT
from .playbook import ANSIBLE_BIN, CREDENTIAL_ENV_PREFIXES

FENCE = re.compile(r"^(\s*)```(\w*)\s*$")
COMMAND_TIMEOUT = 300


class Block:
    """One fenced block: the heading it is under, its language, its text (indentation removed), its line."""

    def __init__(self, heading, language, text, line, document="README.md"):
        self.heading, self.language, self.text, self.line = heading, language, text, line
        self.document = document

    def __repr__(self):
        return "%s:%d (%s, %s)" % (self.document, self.line, self.heading, self.language or "text")


def fenced_blocks(path):
    """The fenced blocks of the Markdown file ``path``, in order."""
    document = os.path.relpath(path, REPO_ROOT)
    blocks, heading, inside, lines, indent = [], None, None, [], ""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle.read().splitlines(), start=1):
            fence = FENCE.match(line)
            if inside is None and line.startswith("#"):
                heading = line.lstrip("#").strip()
            elif inside is None and fence:
                inside, indent, lines = (heading, fence.group(2), number), fence.group(1), []
            elif inside is not None and fence and fence.group(1) == indent:
                text = "\n".join(piece[len(indent):] if piece.startswith(indent) else piece for piece in lines)
                blocks.append(Block(inside[0], inside[1], text + "\n", inside[2], document))
                inside = None
            elif inside is not None:
                lines.append(line)
    assert inside is None, "%s:%d: a fenced block is not closed" % (document, inside[2])
    return blocks


class Checkout:
    """A copy of the repository's files (tracked, and new ones not ignored) in a directory of its own, with the
    repository's ``.venv`` linked in and ``make collections`` done: commands with relative paths, ``make build``
    included, work there as in a clone, and what they write stays there."""

    def __init__(self, root, home):
        self.root, self.home = str(root), str(home)
        os.makedirs(self.root)
        os.makedirs(self.home)
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                cwd=REPO_ROOT, capture_output=True, text=True, check=True)
        for path in sorted(set(filter(None, listed.stdout.split("\0")))):
            source = os.path.join(REPO_ROOT, path)
            if os.path.isfile(source):  # a deleted tracked file is still listed
                os.makedirs(os.path.dirname(os.path.join(self.root, path)), exist_ok=True)
                shutil.copy2(source, os.path.join(self.root, path))
        os.symlink(os.path.realpath(os.path.join(REPO_ROOT, ".venv")), os.path.join(self.root, ".venv"))
        link = os.path.join(self.root, ".collections", "ansible_collections", "huaweicloud", "workspace_app")
        os.makedirs(os.path.dirname(link))
        os.symlink("../../..", link)

    def write(self, name, text):
        with open(os.path.join(self.root, name), "w", encoding="utf-8") as handle:
            handle.write(text)
        return name

    def environment(self):
        drop = CREDENTIAL_ENV_PREFIXES + ("ANSIBLE_", "MAKE", "MFLAGS", "WORKSPACE_APP_")
        env = {key: value for key, value in os.environ.items() if not key.startswith(drop)}
        env.update({
            "HOME": self.home,
            "PATH": os.pathsep.join([ANSIBLE_BIN, env.get("PATH", "")]),
            "ANSIBLE_NOCOLOR": "1",
            "WORKSPACE_APP_SHARED_STATE_DIR": os.path.join(self.home, "shared-state"),
        })
        return env

    def bash(self, script, timeout=COMMAND_TIMEOUT):
        """``bash -e`` runs ``script`` here; (exit code, stdout and stderr together)."""
        process = subprocess.Popen(["bash", "-e", "-o", "pipefail", "-c", script], cwd=self.root,
                                   env=self.environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True, start_new_session=True)
        try:
            output, _unused = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:  # the whole session: a simulator started by the script too
            os.killpg(process.pid, signal.SIGKILL)
            output, _unused = process.communicate()
            raise AssertionError("timed out after %ss:\n%s" % (timeout, output[-6000:]))
        return process.returncode, output


def succeeded(rc, output):
    assert rc == 0, output[-6000:]
    recaps = re.findall(r"^\S+\s*:\s*ok=\d+\s+changed=\d+\s+unreachable=(\d+)\s+failed=(\d+)", output, re.M)
    assert all(recap == ("0", "0") for recap in recaps), output[-6000:]
    return output
