"""This checkout as the collection ``huaweicloud.workspace_app``, importable and visible to Ansible.

The collection's Python code lives under the import path
``ansible_collections.huaweicloud.workspace_app``. The repository itself is not
laid out that way, so a tree ``.collections/ansible_collections/huaweicloud/
workspace_app`` whose last element links back to the repository root is made
(once, on import) and put first on ``sys.path``. The same directory is what playbook runs
get as ``ANSIBLE_COLLECTIONS_PATH``. The repository root goes on ``sys.path``
too, for ``simulator`` and ``tests.harness``.
"""

import importlib.util
import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS_ROOT = os.path.join(REPO_ROOT, ".collections")


def _ensure_collection_link():
    namespace_dir = os.path.join(COLLECTIONS_ROOT, "ansible_collections", "huaweicloud")
    link = os.path.join(namespace_dir, "workspace_app")
    os.makedirs(namespace_dir, exist_ok=True)
    if not os.path.lexists(link):
        try:
            os.symlink(os.path.relpath(REPO_ROOT, namespace_dir), link)
        except FileExistsError:  # another xdist worker (or process) won the race
            pass


# On import, so that importing tests.harness is all a tool outside pytest needs.
_ensure_collection_link()
if COLLECTIONS_ROOT not in sys.path:
    sys.path.insert(0, COLLECTIONS_ROOT)
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)


def load_script(name):
    """A script of ``scripts/`` (``matrix``, ``awx_project``, ...) loaded as a module, for tests of its tables and
    functions (the scripts are not a package)."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(REPO_ROOT, "scripts", name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
