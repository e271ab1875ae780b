# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Live progress for the collection's modules that wait.

The action plugins of ``app_server_hda_upgrade``, ``app_server_image``,
``app_server_tsvi``, ``app_server_fleet``, ``app_server_group`` (``force``),
``app_server_power``, ``app_session_logoff`` and ``app_session_info``
(``wait``) (``plugins/action/<module>.py``) are this class. It runs
the module exactly once, as Ansible would; at ``-v`` and above, when the module runs on the
controller (``connection: local``, the way cloud modules run) and without
``become``, it also tells the module (environment variable
``WORKSPACE_APP_PROGRESS_FILE``) to append its progress lines to a private
temporary file, and prints each new line while the module runs: batches
submitted, jobs and servers done, time left, what the servers still waited
for show. An operator watching a long
wait in AWX sees it move. Otherwise the module runs as usual and its
``progress`` lines are in the result only.

The module itself always runs through ansible-core's own ``normal`` action
plugin, so ``async``/``poll`` (including ``poll: 0`` with ``async_status``),
delegation and the clean-up of the remote temporary directory behave exactly
as for any module. Under ``async`` nothing is shown live (the module runs
detached from this plugin); its result still carries ``progress``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import tempfile
import threading

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.operation import PROGRESS_FILE_ENV
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.shared_state import RUN_ID_VARIABLE

display = Display()

TAIL_INTERVAL = 1.0


def run_id():
    """Which Ansible run this task is of: the ``ansible-playbook`` (or ``ansible``) process, the parent of the
    worker process that runs this plugin, with its start time where the system tells it (a pid alone may be
    reused)."""
    parent = os.getppid()
    try:
        with open("/proc/%d/stat" % parent) as handle:
            started = handle.read().rsplit(")", 1)[1].split()[19]  # field 22: start time, in clock ticks
    except (IOError, OSError, IndexError):
        started = ""
    return "%d-%s" % (parent, started)


class JobProgressAction(ActionBase):

    _supports_async = True
    _progress_file = None

    def run(self, tmp=None, task_vars=None):
        super(JobProgressAction, self).run(tmp, task_vars)  # the common checks (check mode, async supported)
        # The task's environment is the public way to hand the module a variable (ansible-core adds
        # ANSIBLE_ASYNC_DIR the same way); the task's own environment is put back afterwards.
        task_environment = self._task.environment
        variables = {RUN_ID_VARIABLE: run_id()}  # the tasks of one run share some reads on the controller
        try:
            if not self.shows_progress():
                self._task.environment = list(task_environment or []) + [variables]
                return self.run_module(task_vars)
            return self.run_with_progress(task_vars, task_environment, variables)
        finally:
            self._task.environment = task_environment

    def run_with_progress(self, task_vars, task_environment, variables):
        workdir = tempfile.mkdtemp(prefix="workspace-app-progress-")
        self._progress_file = os.path.join(workdir, "progress")
        variables[PROGRESS_FILE_ENV] = self._progress_file
        self._task.environment = list(task_environment or []) + [variables]
        outcome, problems = {}, []

        def execute():
            try:
                outcome.update(self.run_module(task_vars))
            except Exception as exc:  # pylint: disable=broad-except
                problems.append(exc)  # raised again below, in the worker's own thread

        worker = threading.Thread(target=execute, name="workspace-app-module")
        try:
            worker.start()
            shown = 0
            while worker.is_alive():
                worker.join(TAIL_INTERVAL)
                shown = self.show_new_lines(shown)
        finally:
            worker.join()
            self._progress_file = None
            shutil.rmtree(workdir, ignore_errors=True)
        if problems:
            raise problems[0]
        return outcome

    def run_module(self, task_vars):
        """The module, run by ansible-core's ``normal`` action plugin (async, temporary files and all)."""
        normal = self._shared_loader_obj.action_loader.get(
            "ansible.builtin.normal", task=self._task, connection=self._connection, play_context=self._play_context,
            loader=self._loader, templar=self._templar, shared_loader_obj=self._shared_loader_obj)
        return normal.run(task_vars=task_vars)

    def shows_progress(self):
        return (display.verbosity >= 1 and not self._task.check_mode and not self._task.async_val
                and not self._play_context.become
                and getattr(self._connection, "transport", None) in ("local", "ansible.builtin.local"))

    def show_new_lines(self, shown):
        """Print the complete lines the module appended since ``shown`` bytes; returns the new offset."""
        try:
            with open(self._progress_file, "rb") as handle:
                handle.seek(shown)
                data = handle.read()
        except (IOError, OSError):
            return shown
        complete = data[:data.rfind(b"\n") + 1]
        for line in complete.decode("utf-8", "replace").splitlines():
            display.v("%s | %s" % (self._task.get_name(), line))
        return shown + len(complete)
