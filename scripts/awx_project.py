#!/usr/bin/env python
"""Write the playbooks of the AWX project skeleton, extensions/awx/project/<name>.yml: one per playbook of
playbooks/, each importing the collection's playbook by name (the collection comes with the execution
environment). Run it after adding or renaming a playbook; tests/unit/test_awx_extensions.py fails while the
skeleton differs from what this writes.

    python scripts/awx_project.py
"""

import os
import sys

import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLAYBOOK_DIR = os.path.join(REPO_ROOT, "playbooks")
PROJECT_DIR = os.path.join(REPO_ROOT, "extensions", "awx", "project")
COLLECTION = "huaweicloud.workspace_app"
# playbooks with no wrapper, each with the reason
LEFT_OUT = {"demo": "the story of `make demo`, against the bundled simulator, not a tenant"}


def playbook_names():
    names = (name[:-4] for name in os.listdir(PLAYBOOK_DIR) if name.endswith(".yml"))
    return sorted(name for name in names if name not in LEFT_OUT)


def wrapper(name):
    """The text of the project's playbook for playbooks/<name>.yml."""
    with open(os.path.join(PLAYBOOK_DIR, name + ".yml"), encoding="utf-8") as handle:
        plays = yaml.safe_load(handle)
    return ("---\n"
            "# Written by scripts/awx_project.py: runs the collection's playbooks/%s.yml (its header lists the\n"
            "# variables; survey: extensions/awx/surveys/%s.yml). The collection comes with the execution\n"
            "# environment.\n"
            "- name: %s\n"
            "  ansible.builtin.import_playbook: %s.%s\n" % (name, name, plays[0]["name"], COLLECTION, name))


def wrappers():
    """``{file name: text}`` of every wrapper the skeleton must hold."""
    return dict((name + ".yml", wrapper(name)) for name in playbook_names())


def main():
    wanted = wrappers()
    for filename, text in wanted.items():
        with open(os.path.join(PROJECT_DIR, filename), "w", encoding="utf-8") as handle:
            handle.write(text)
    stale = sorted(f for f in os.listdir(PROJECT_DIR) if f.endswith(".yml") and f not in wanted)
    for filename in stale:
        os.remove(os.path.join(PROJECT_DIR, filename))
    removed = "; removed " + ", ".join(stale) if stale else ""
    print("wrote %d playbooks in %s%s" % (len(wanted), os.path.relpath(PROJECT_DIR, REPO_ROOT), removed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
