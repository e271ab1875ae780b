# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r"""
options:
  wait:
    description:
      - Wait until every submitted (or already running) job has finished.
      - With V(false) the task returns as soon as the jobs are submitted, with their ids in RV(jobs); a later run
        of the same task waits for them instead of submitting again.
      - At C(-v) and above, while the task waits, its progress lines (jobs and servers finished, time left) are
        printed as they come when the module runs on the controller (C(connection=local), no C(become), no
        C(async)).
      - The module works under C(async), with C(poll=0) and M(ansible.builtin.async_status) or with a C(poll)
        interval. The wait then runs in the background and the result, progress lines included, comes at the end.
    type: bool
    default: true
  wait_timeout:
    description:
      - Overall time budget in seconds for waiting on all batches of this task, V(1) to V(86400) (a day).
      - On timeout the task fails and lists the job ids still running; re-running it resumes waiting.
      - V(0) is only accepted with O(wait=false) (it would time out at once); to submit without waiting, set
        O(wait=false).
    type: int
    default: 3600
  poll_interval:
    description:
      - Minimum seconds between polling rounds. The first round comes O(poll_interval) after the last submission.
        A round reads each unfinished batch job once (with all its sub jobs) or the list of the servers still
        waited for (100 per request), whichever takes fewer requests; while that is more than one request, it reads
        only the job submitted last until that one has finished.
      - A round that fails with HTTP 429, a 5xx or no connection (after O(max_retries)) does not end the wait; the
        next round tries again, until O(wait_timeout).
      - Waiting never sends more than 150 requests within any 5 minutes; when rounds of a large fleet would, they
        are spaced further apart than O(poll_interval).
      - More than V(0), at most V(3600).
    type: float
    default: 15
"""

    # Waiting by reading the state again (no job to follow: a power change, a logoff).
    STATE = r"""
options:
  wait:
    description:
      - Wait until every server sent shows the change (the module's description says what it reads).
      - With V(false) the task returns once the calls are sent (their servers V(pending)); a re-run sends only the
        servers that do not show the change yet.
      - At C(-v) and above, while the task waits, its progress lines (servers done, time left, and what the servers
        still waited for show) are printed as they come when the module runs on the controller
        (C(connection=local), no C(become), no C(async)).
    type: bool
    default: true
  wait_timeout:
    description:
      - One deadline in seconds for the whole task, counted from the first call that changes something, V(1) to
        V(86400) (a day). A server that does not show the change by then fails, naming what it shows.
      - V(0) is only accepted with O(wait=false) (it would time out at once).
    type: int
    default: 3600
  poll_interval:
    description:
      - Seconds between two reads of the servers' state; the first read comes O(poll_interval) after the last call.
        More than V(0), at most V(3600).
      - Waiting never sends more than 150 requests within any 5 minutes; when rounds of a large fleet would, they
        are spaced further apart than O(poll_interval).
    type: float
    default: 15
"""
