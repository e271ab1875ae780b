"""``patch_module_args`` for the unit tests on every ansible-core the collection supports.

ansible-core 2.19 has ``ansible.module_utils.testing.patch_module_args``; 2.16 to 2.18 read a module's
arguments from ``ansible.module_utils.basic._ANSIBLE_ARGS`` (JSON bytes, with the ``_ansible_*`` internal
arguments a controller would pass). The unit tests import this one name and run unchanged on each.
"""

import contextlib
import json

try:
    from ansible.module_utils.testing import patch_module_args  # noqa: F401  pylint: disable=unused-import
except ImportError:  # ansible-core < 2.19
    from ansible.module_utils import basic

    @contextlib.contextmanager
    def patch_module_args(args=None):
        """The module arguments ``args`` for an ``AnsibleModule`` created inside the ``with`` block."""
        values = dict(args or {})
        values.setdefault("_ansible_remote_tmp", "/tmp")
        values.setdefault("_ansible_keep_remote_files", False)
        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": values}).encode("utf-8")
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved
