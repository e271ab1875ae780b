"""A recorded Workspace App service for plan-level module tests: API records over real HTTP, canned mutations.

:class:`RecordedService` serves one tenant on a ``pytest-httpserver`` loopback port:

* **reads** (``GET``) are answered by the simulator's own read handlers (``simulator/api.py``: the filters,
  paging and 404s of the service) over a :class:`~simulator.state.FleetState` the test shapes with the
  simulator's builders (``add_group``, ``add_server``, ``log_on``, ``patch_server``). So every record a module
  reads has the service's wire shape, field by field, as ``simulator/views.py`` renders it (null fields omitted,
  detail-only fields only in the detail reads). Nothing moves by itself: the state holds no running job and no
  power transition unless the test puts one there;
* **mutations** (``POST``/``PUT``/``PATCH``/``DELETE``) are never carried out by the simulator: each is answered
  with what the test scripted for its operation (:meth:`RecordedService.reply`: an answer body, an error, or a
  function of the request that may also change the records, the way the service would have), and an unscripted
  mutation is refused with 400 and noted in :attr:`RecordedService.unscripted`;
* every request is recorded (:attr:`RecordedService.requests`: method, path, query, JSON body, the API
  operation), so a test asserts what was sent, how often and with which body.

:func:`run_module` runs a module's ``main()`` in-process the way Ansible would (``patch_module_args``, the
module's JSON on stdout) and returns the result dict. The modules and ``plugins/module_utils`` are used only
through ``main()`` and HTTP.
"""

import json
import os
import re
from collections import namedtuple

from ansible.module_utils.common import warnings as ansible_warnings
from werkzeug.wrappers import Response

from simulator import api as sim_api
from simulator import errors as sim_errors
from simulator.errors import ApiError as SimApiError
from simulator.routing import EMPTY, Call
from simulator.state import FleetState

from tests.harness.module_args import patch_module_args

# Operations answered by the simulator's read handlers; every other operation must be scripted.
READS = frozenset([
    "list_servers", "show_server", "list_server_hda_details", "show_access_agent_latest_version",
    "list_access_agent_latest_version", "list_server_groups", "show_server_group", "show_job_detail",
    "list_sessions", "show_scaling_policy",
    # apps and users
    "list_app_group", "show_app_group_detail", "list_published_app", "show_app_detail", "show_publishable_app",
    "list_app_group_authorization", "list_authorization_mail_record",
    # image servers and their jobs
    "list_image_servers", "show_image_server", "list_latest_attached_server_app", "show_image_job", "list_image_jobs",
    "list_image_sub_jobs",
    # schedule tasks
    "list_schedule_tasks", "show_schedule_task", "list_task_execute_history", "list_task_execute_detail",
    # policy groups
    "list_policy_group", "show_policy_group", "list_policy_of_policy_group", "list_targets_of_policy_group",
    "show_original_policy_info",
    # server-group tags and the quota check
    "list_server_group_tag", "show_server_group_tag", "check_quota",
])
MUTATING = frozenset(["POST", "PUT", "PATCH", "DELETE"])

AK = "HPUAEXAMPLEAK0000001"
SK = "sk-Secret/+=value-0123456789abcdefSECRET"


class Request(namedtuple("Request", "method path query body operation")):
    """One request as the service received it (``query`` a dict, ``body`` the decoded JSON or None)."""

    @property
    def mutating(self):
        return self.method in MUTATING


class Error:
    """A scripted error answer: ``Error(409, "WKS.00211204", "busy")`` (the service's ``error_code``/``error_msg``
    body; the codes are those of ``simulator/errors.py``)."""

    def __init__(self, status, error_code, error_msg):
        self.status = status
        self.error_code = error_code
        self.error_msg = error_msg


class _Sim:
    """What the simulator's handlers read of a ``Simulator``: its ``state``."""

    def __init__(self, state):
        self.state = state


class RecordedService:
    """One tenant served over ``httpserver``; see the module docstring."""

    def __init__(self, httpserver, seed=1):
        self.httpserver = httpserver
        self.state = FleetState(servers=0, groups=0, seed=seed, job_duration=60.0)
        self.project_id = self.state.project_id
        self.requests = []
        self.unscripted = []
        self.unscripted_expected = False  # a test that sends an unscripted mutation on purpose sets it
        self._scripts = {}
        self._hooks = {}
        self._job_seq = 0
        httpserver.expect_request(re.compile(".*")).respond_with_handler(self._handle)

    # -- the tenant ---------------------------------------------------------------------------------------------
    def group(self, name, **kwargs):
        """A server group (the simulator's ``add_group``: ShowServerGroupResponse shape); its live record."""
        return self.state.add_group(name, **kwargs)

    def server(self, group, name=None, session_count=0, **kwargs):
        """A server of ``group`` (the simulator's ``add_server``; no sessions unless asked); its live record.
        ``hda_version`` and ``tsvi_enabled`` go to the side tables, other keyword arguments override fields."""
        return self.state.add_server(group["id"], name=name, session_count=session_count, **kwargs)

    def patch(self, server, **fields):
        """Change fields of a server record (unknown field names raise: no invented fields)."""
        return self.state.patch_server(server["id"], **fields)

    def remove(self, server_id):
        """The server is gone (deleted): no listing shows it any more."""
        with self.state.lock:
            self.state._remove_server(server_id)  # pylint: disable=protected-access  # what a deletion job does

    def end_sessions(self, session_ids):
        """The sessions are signed out (``SignedOut``, the server's ``session_count`` recounted)."""
        with self.state.lock:
            for session_id in session_ids:
                self.state._end_session(session_id, self.state.clock.monotonic())  # pylint: disable=protected-access

    def job(self, job_type, servers, status="SUCCESS", sub_status=None, errors=None, job_id=None):
        """A job as ``GET /v2/{project_id}/job/{job_id}`` shows it (``simulator/views.py:job_view``), with one sub job
        per server of ``servers`` (records, or ``(id, name)`` pairs of servers the tenant does not list); its id.

        ``sub_status`` is one status for every sub job or ``{server id: status}``; ``errors`` is
        ``{server id: (error_code, error_message)}``. The job is stored as the simulator stores a finished one
        (never advanced: it is in no active table).
        """
        self._job_seq += 1
        job_id = job_id or str(575945548515770368 + self._job_seq)
        begin = self.state.clock.iso()
        end = None if status in ("WAITING", "RUNNING") else begin
        subs = []
        for index, server in enumerate(servers):
            server_id, name = (server["id"], server.get("name")) if isinstance(server, dict) else server
            state = sub_status.get(server_id, status) if isinstance(sub_status, dict) else (sub_status or status)
            code, message = (errors or {}).get(server_id, (None, None))
            subs.append({
                "id": "%s-%04d" % (job_id, index + 1), "job_id": job_id, "job_type": job_type, "server_id": server_id,
                "server_name": name, "status": state, "begin_time": begin,
                "end_time": None if state in ("WAITING", "RUNNING") else begin, "error_code": code,
                "error_message": message,
            })
        with self.state.lock:
            self.state._jobs[job_id] = {  # pylint: disable=protected-access  # the simulator's job table
                "id": job_id, "job_type": job_type, "status": status, "begin_time": begin, "end_time": end,
                "created_at": 0.0, "running_at": 0.0, "done_at": 0.0, "params": {}, "sub_jobs": subs,
            }
        return job_id

    def show_job(self, job_id, **changes):
        """Change a stored job (``status``, ``end_time`` ...) and, with ``sub_status``, every sub job's status."""
        job = self.state.get_job(job_id)
        sub_status = changes.pop("sub_status", None)
        job.update(changes)
        for sub in job["sub_jobs"]:
            if sub_status:
                sub["status"] = sub_status
        return job

    def hda(self, server):
        """The HDA version the access agent list shows for the server."""
        return self.state.hda_version(server["id"])

    # -- scripted mutations -----------------------------------------------------------------------------------
    def reply(self, operation, *answers):
        """Script the answers to the API operation ``operation`` (the simulator's route names:
        ``batch_upgrade_hda_version``, ``batch_change_server_maintain_mode`` ...), one per call in order, the last
        one for every later call. An answer is a JSON payload (dict, list or None: ``null``), :data:`EMPTY` (a
        zero-length body), an :class:`Error`, or a function ``(request) -> answer`` that may change the records
        first (what the service does when it accepts the call)."""
        self._scripts[operation] = list(answers)

    def before(self, operation, change, once=True):
        """Call ``change(request)`` just before a request of ``operation`` (a read too) is answered, the first time
        only unless ``once`` is False: what happens meanwhile in the service (a job running elsewhere ends when
        the module comes to read it)."""
        self._hooks.setdefault(operation, []).append((change, once))

    def _run_hooks(self, request):
        hooks = self._hooks.get(request.operation) or []
        for hook in list(hooks):
            change, once = hook
            if once:
                hooks.remove(hook)
            change(request)

    def _scripted(self, request):
        answers = self._scripts.get(request.operation)
        if not answers:
            self.unscripted.append(request)
            return Error(400, "WKS.00211102", "The parameter is invalid. (unscripted %s)" % request.operation)
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        while callable(answer):
            answer = answer(request)
        return answer

    # -- what was sent ----------------------------------------------------------------------------------------
    @property
    def mutations(self):
        return [request for request in self.requests if request.mutating]

    def sent(self, operation):
        """The requests of one API operation, in order."""
        return [request for request in self.requests if request.operation == operation]

    # -- the module's connection ------------------------------------------------------------------------------
    @property
    def connection(self):
        return dict(region="cn-north-4", project_id=self.project_id, access_key=AK, secret_key=SK,
                    endpoint=self.httpserver.url_for("/").rstrip("/"), max_retries=1, request_timeout=5)

    # -- HTTP -------------------------------------------------------------------------------------------------
    def _handle(self, http_request):
        path = http_request.path.rstrip("/") or "/"
        raw = http_request.get_data()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        query_pairs = list(http_request.args.items(multi=True))
        route, params = sim_api.match_route(http_request.method, path)
        request = Request(http_request.method, path, dict(query_pairs), body, route.operation if route else None)
        self.requests.append(request)
        try:
            if route is None:
                raise SimApiError(404, sim_errors.API_NOT_FOUND)
            if params is None:
                raise SimApiError(405, sim_errors.METHOD_NOT_ALLOWED)
            if params.get("project_id") not in (None, self.project_id):
                raise SimApiError(403, sim_errors.FORBIDDEN)
            self._run_hooks(request)
            if route.operation in READS:
                call = Call(http_request.method, path, params, dict(query_pairs), query_pairs,
                            dict(http_request.headers), raw, body)
                with self.state.lock:
                    status, payload = 200, route.handler(_Sim(self.state), call).payload
            else:
                answer = self._scripted(request)
                if isinstance(answer, Error):
                    status, payload = answer.status, {"error_code": answer.error_code, "error_msg": answer.error_msg}
                else:
                    status, payload = 200, answer
        except SimApiError as exc:
            status, payload = exc.status, exc.body()
        data = b"" if payload is EMPTY else json.dumps(payload).encode("utf-8")
        return Response(data, status=status, content_type="application/json",
                        headers={"X-Request-Id": "req-%d" % len(self.requests)})


class ModuleResult(dict):
    """A module's result dict, with ``rc`` (its exit code)."""

    rc = 0

    @property
    def failed(self):
        return bool(self.get("failed"))

    @property
    def warning_texts(self):
        """The warnings as text: plain strings before ansible-core 2.19, ``WarningSummary`` objects (the text in
        ``event.msg``) from 2.19 on."""
        texts = []
        for warning in self.get("warnings") or []:
            if isinstance(warning, dict):
                warning = (warning.get("event") or {}).get("msg") or warning.get("msg")
            texts.append(warning)
        return texts


def forget_warnings():
    """Empty ansible-core's process-wide tables of warnings and deprecations: a module run in this process (not a
    process of its own, as under Ansible) would otherwise return those of every module run before it. A dict from
    ansible-core 2.19, a list before; both have ``clear``."""
    for name in ("_global_warnings", "_global_deprecations"):
        table = getattr(ansible_warnings, name, None)
        if table is not None:
            table.clear()


def run_module(module, args, capsys, check=False, diff=False):
    """Run ``module.main()`` with ``args`` (``_ansible_check_mode``/``_ansible_diff`` set from ``check``/``diff``)
    and return what it printed, parsed, as a :class:`ModuleResult`."""
    values = dict(args)
    values["_ansible_check_mode"] = bool(check)
    values["_ansible_diff"] = bool(diff)
    capsys.readouterr()  # anything printed before is not the module's
    forget_warnings()
    code = None
    with patch_module_args(values):
        try:
            module.main()
        except SystemExit as exc:
            code = exc.code if exc.code is not None else 0
    assert code is not None, "%s.main() returned instead of exiting" % module.__name__
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("{")]
    assert lines, "the module printed no JSON: %r" % out
    result = ModuleResult(json.loads(lines[-1]))
    result.rc = code
    return result


def isolate(monkeypatch, home):
    """The environment a module test runs in: no shared state on the controller, a temporary HOME (no credentials
    file of the real user), no credentials from the environment, no live progress file."""
    monkeypatch.setenv("WORKSPACE_APP_SHARED_STATE_DIR", "off")
    monkeypatch.setenv("HOME", str(home))
    for name in ("HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HW_ACCESS_KEY", "HW_SECRET_KEY", "HW_AUTH_TOKEN",
                 "HUAWEICLOUD_SDK_PROJECT_ID", "HW_PROJECT_ID", "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
                 "HW_WORKSPACE_APP_ENDPOINT", "HUAWEICLOUD_SDK_SECURITY_TOKEN", "HW_SECURITY_TOKEN",
                 "WORKSPACE_APP_PROGRESS_FILE"):
        monkeypatch.delenv(name, raising=False)
    os.makedirs(str(home), exist_ok=True)
