"""Callback of the fault soak (tools/soak/run.py): when each task starts, one JSON line per task appended to the
file ``SOAK_TASK_TIMES`` names (``{"task": name, "time": epoch seconds}``), written at once so that a run killed
with SIGKILL leaves what it started. The soak gives each request of the simulator's log to the task that was
running when it arrived (the per-module table)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: soak_task_times
type: aggregate
short_description: task start times for the fault soak
description:
  - Appends one JSON line per task start to the file the environment variable SOAK_TASK_TIMES names.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "soak_task_times"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.path = os.environ.get("SOAK_TASK_TIMES")

    def v2_playbook_on_task_start(self, task, is_conditional):
        if not self.path:
            return
        with open(self.path, "a") as handle:
            handle.write(json.dumps({"task": task.get_name(), "time": time.time()}) + "\n")
            handle.flush()
