# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The test harness's own filter: ``PlaybookRunner`` saves what a play registered with it (a ``debug`` task).

Writing the file on the controller while templating costs no module run: an ``ansible.builtin.copy`` task runs
two modules (``stat``, then ``copy``) in processes of their own, over a second of CPU per playbook run on a slow
machine, which the suites paid on every run. Found through ``ANSIBLE_FILTER_PLUGINS`` (set by
``PlaybookRunner.environment``); not part of the collection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os


def harness_save(content, path):
    """Write ``content`` (text) to ``path`` (through a temporary file, so a reader never sees half of it);
    returns a short note for the task's output, never the content (it may hold what a test checks is not
    printed)."""
    text = str(content)
    partial = "%s.partial" % path
    with open(partial, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.rename(partial, path)
    return "saved %d characters to %s" % (len(text), os.path.basename(str(path)))


class FilterModule:
    def filters(self):
        return {"harness_save": harness_save}
