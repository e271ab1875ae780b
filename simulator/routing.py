"""The handler contract and what handlers share: a parsed request, a reply, a route, and their small helpers.

A handler is ``def handler(sim, call)`` taking the :class:`~simulator.server.Simulator` and a :class:`Call`
and returning a :class:`Reply`; business errors are raised as :class:`~simulator.errors.ApiError`.
:mod:`.api` holds the routes (``ROUTES``) and most handlers; handlers of other modules (:mod:`.session_api`,
:mod:`.power_api`) use the same helpers from here, so neither module imports the other's handlers back.
"""

import re

from . import errors
from .errors import ApiError, invalid
from .validation import Field, paging, validate_body

EMPTY = object()  # reply with a zero-length body (batch-maint, batch-reboot, batch-start, batch-stop)
BATCH_LIMIT = 20  # server ids per batch request (upgrade, TSVI, maintenance, start, stop, reboot)


class Call:
    """One parsed request as handlers see it."""

    def __init__(self, method, path, params, query, query_pairs, headers, body, json_body):
        self.method = method
        self.path = path
        self.params = params
        self.query = query
        self.query_pairs = query_pairs
        self.headers = headers
        self.body = body
        self.json = json_body


class Reply:
    """A handler's answer: status, payload (JSON-encoded unless :data:`EMPTY`) and extra headers."""

    def __init__(self, payload=EMPTY, status=200, headers=None):
        self.status = status
        self.payload = payload
        self.headers = dict(headers or {})


class Route:
    """``method`` + path template (``{name}`` = one segment) -> operation name and handler."""

    def __init__(self, method, template, operation, handler, area="api"):
        self.method = method
        self.template = template
        self.operation = operation
        self.handler = handler
        self.area = area
        self.regex = re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$")


def require_body(call, schema):
    """The request's JSON body validated against ``schema`` (400 when it is missing or invalid)."""
    if call.json is None:
        raise invalid("The request body is required.")
    return validate_body(call.json, schema)


def batch_ids_field():
    """The ``items`` of a batch request: 1..20 unique non-empty server id strings, required."""
    return Field("list", required=True, items=Field("str", min_len=1), min_items=1, max_items=BATCH_LIMIT, unique=True)


def paged(records, query):
    """``{count, items}``: one page (``offset``, ``limit`` of the query) of ``records``."""
    offset, limit = paging(query)
    return {"count": len(records), "items": records[offset:offset + limit]}


def contains(needle, haystack):
    """Whether a name filter matches: the service matches names "fuzzily" (SQL LIKE), substring, case-insensitive."""
    return needle.lower() in (haystack or "").lower()


def control_body(call):
    """The JSON object body of a ``/_sim`` request (``{}`` when there is none; 400 ``SIM.0400`` when not an object)."""
    if call.json is None:
        return {}
    if not isinstance(call.json, dict):
        raise ApiError(400, errors.SIM_BAD_REQUEST, "The body must be a JSON object.")
    return call.json


def control(fn, *args, **kwargs):
    """Call a state/fault method for a ``/_sim`` request; bad arguments (TypeError, ValueError, ...) -> 400."""
    try:
        return fn(*args, **kwargs)
    except (TypeError, ValueError, KeyError, re.error) as exc:
        raise ApiError(400, errors.SIM_BAD_REQUEST, str(exc)) from None
