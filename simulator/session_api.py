"""Handlers of the session endpoints: ``list_sessions``, ``logoff_user_session`` and the ``/_sim/sessions`` logon.

The routes are in :data:`simulator.api.ROUTES`; the model is :mod:`.sessions`. AppStream handlers run with the
fleet lock held (and the state advanced) by the dispatcher.
"""

from . import errors
from .errors import ApiError
from .routing import Reply, contains, control, control_body, paged, require_body
from .sessions import SESSION_STATES
from .validation import Field, paging, query_bool, query_enum_list, query_time

# Query parameters matched exactly against a session field.
EXACT_FILTERS = (("user_name", "login_user"), ("app_server_group_id", "app_server_group_id"), ("vm_ip", "vm_ip"),
                 ("public_ip", "public_ip"))

# LogoffUserSessionReq, with the limits of the service's API definition.
LOGOFF_SCHEMA = {
    "session_ids": Field("list", required=True, items=Field("str", min_len=1, max_len=64), min_items=1, max_items=999),
    "message_type": Field("int", required=True, minimum=0, maximum=4),
    "message": Field("str", min_len=1, max_len=255),
    "title": Field("str", min_len=1, max_len=255),
    "delay_time": Field("int", required=True, minimum=0, maximum=999999),
    "transaction_id": Field("str", max_len=31),
}


def _session_filters(q):
    """The list_sessions query as predicates on a session record (validated: 400 on a bad value)."""
    tests = [lambda s, key=key, value=q[param]: s[key] == value
             for param, key in EXACT_FILTERS if q.get(param)]
    if q.get("machine_name"):
        tests.append(lambda s, name=q["machine_name"]: contains(name, s["machine_name"]))
    states = query_enum_list(q, "session_state", SESSION_STATES)
    if states is not None:
        tests.append(lambda s: s["session_state"] in states)
    success = query_bool(q, "is_success")
    if success is not None:
        tests.append(lambda s: (s["session_state"] != "InitFail") == success)
    begin, end = query_time(q, "query_begin_time"), query_time(q, "query_end_time")
    if begin is not None:
        tests.append(lambda s: s["start_time"] >= begin)
    if end is not None:
        tests.append(lambda s: s["start_time"] <= end)
    return tests


def list_sessions(sim, call):
    """GET /v1/{project_id}/session/list-sessions: every session, ended ones too, by start time (then creation).

    ``user_name``, ``app_server_group_id``, ``vm_ip``, ``public_ip`` exact; ``machine_name`` substring,
    case-insensitive (as list_servers); ``session_state`` a comma-separated list; ``is_success``
    ``true``/``false`` (not / only InitFail); ``query_begin_time``..``query_end_time`` on ``start_time``.
    """
    q = call.query
    paging(q)  # validate before the scan
    tests = _session_filters(q)
    state = sim.state
    ordered = sorted(state.sessions.values(), key=lambda session: session["start_time"])
    page = paged([session for session in ordered if all(test(session) for test in tests)], q)
    page["items"] = [state.session_view(session) for session in page["items"]]
    return Reply(page)


def logoff_user_session(sim, call):
    """POST /v1/{project_id}/session/logoff: notify the sessions and sign them out ``delay_time`` s later; ``{}``."""
    body = require_body(call, LOGOFF_SCHEMA)
    sim.state.log_off(body["session_ids"], delay_time=body["delay_time"], message_type=body["message_type"],
                      message=body.get("message"), title=body.get("title"), transaction_id=body.get("transaction_id"))
    return Reply({})


def sim_log_on(sim, call):
    """POST /_sim/sessions: body ``{server_id, user_name?, session_state?}`` -> the new session (SessionInfo);
    409 ``SIM.0409`` when the server refuses logons (maintenance mode, not running, powering off or on, not
    REGISTERED)."""
    body = control_body(call)
    server_id = body.get("server_id")
    if isinstance(server_id, str) and sim.state.get_server(server_id) is None:
        raise ApiError(404, errors.SIM_NOT_FOUND, "server %s" % server_id)
    return Reply(sim.state.session_view(control(sim.state.log_on, **body)))
