"""Request validation: query parameters and JSON bodies, as strictly as the service checks them.

Every failure raises :class:`ApiError` 400 ``WKS.00211102`` with a short detail
naming the field, so a client's error handling sees what the real API sends.
"""

import datetime
import re

from .clock import iso_time
from .errors import invalid

# Enums of the api doc (ImageTypeEnum, OsTypeEnum, AppTypeEnum, StorageFolderMountType, VolumeType,
# ExtraSessionTypeEnum).
IMAGE_TYPES = ("gold", "public", "private", "shared", "other")
OS_TYPES = ("Linux", "Windows", "Other")
APP_TYPES = ("SESSION_DESKTOP_APP", "COMMON_APP")
STORAGE_MOUNT_POLICIES = ("USER", "SHARE", "ANY")
VOLUME_TYPES = ("ESSD", "SSD", "GPSSD", "SAS", "SATA")
EXTRA_SESSION_TYPES = ("GPU", "CPU")

# Letters of any script (so CJK too), digits, "_" and "-"; no spaces.
_NAME_CHAR_RE = re.compile(r"[\w-]")


class Field:
    """One field of a body schema.

    ``kind`` is one of ``str``, ``int``, ``bool``, ``list``, ``object``.
    """

    def __init__(self, kind, required=False, enum=None, minimum=None, maximum=None, min_len=None, max_len=None,
                 items=None, fields=None, min_items=None, max_items=None, unique=False, check=None):
        self.kind = kind
        self.required = required
        self.enum = enum
        self.minimum = minimum
        self.maximum = maximum
        self.min_len = min_len
        self.max_len = max_len
        self.items = items
        self.fields = fields
        self.min_items = min_items
        self.max_items = max_items
        self.unique = unique
        self.check = check


def _type_ok(kind, value):
    # bool is a subclass of int in Python; JSON true is not an integer for the service.
    if kind == "str":
        return isinstance(value, str)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "list":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    raise ValueError(kind)


def validate_value(name, field, value):
    """Check one value against its field; raise 400 on the first problem."""
    if not _type_ok(field.kind, value):
        kinds = {"str": "string", "int": "integer", "bool": "boolean", "list": "array", "object": "object"}
        raise invalid("%s must be of type %s." % (name, kinds[field.kind]))
    if field.enum is not None and value not in field.enum:
        raise invalid("%s must be one of %s." % (name, ", ".join(field.enum)))
    if field.minimum is not None and value < field.minimum:
        raise invalid("%s must be at least %s." % (name, field.minimum))
    if field.maximum is not None and value > field.maximum:
        raise invalid("%s must be at most %s." % (name, field.maximum))
    if field.kind == "str":
        if field.min_len is not None and len(value) < field.min_len:
            raise invalid("%s must not be empty." % name if field.min_len == 1 else
                          "%s is shorter than %d characters." % (name, field.min_len))
        if field.max_len is not None and len(value) > field.max_len:
            raise invalid("%s is longer than %d characters." % (name, field.max_len))
    if field.kind == "list":
        if field.min_items is not None and len(value) < field.min_items or \
                field.max_items is not None and len(value) > field.max_items:
            if field.max_items is None:
                raise invalid("%s must contain at least %d item(s)." % (name, field.min_items))
            raise invalid("%s must contain %d to %d items." % (name, field.min_items or 0, field.max_items))
        for index, item in enumerate(value):
            validate_value("%s[%d]" % (name, index), field.items, item)
        if field.unique:
            seen = set()
            for item in value:
                key = item if not isinstance(item, dict) else item.get("id")
                if key in seen:
                    raise invalid("%s contains duplicate %s." % (name, key))
                seen.add(key)
    if field.kind == "object" and field.fields is not None:
        validate_object(name, field.fields, value)
    if field.check is not None:
        field.check(name, value)


def validate_object(name, schema, value):
    """Unknown keys, missing required keys and each value, in that order."""
    for key in value:
        if key not in schema:
            raise invalid("%s is not a known field." % (key if not name else "%s.%s" % (name, key)))
    for key, field in schema.items():
        full = key if not name else "%s.%s" % (name, key)
        if key not in value or value[key] is None:
            if field.required:
                raise invalid("%s is required." % full)
            continue
        validate_value(full, field, value[key])


def validate_body(body, schema):
    """Validate a parsed JSON body (must be an object) against ``schema``; return it."""
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object.")
    validate_object("", schema, body)
    return body


def percent_field(required=False):
    """An integer percentage 1..100."""
    return Field("int", required=required, minimum=1, maximum=100)


def route_policy_field():
    """RoutePolicyDetail (create and update a group): each value 1..100."""
    keys = ("max_session", "cpu_threshold", "gpu_threshold", "mem_threshold")
    return Field("object", fields={key: percent_field() for key in keys})


def check_group_name(name, value):
    """1..64 characters: letters of any script, digits, ``_`` and ``-``."""
    if not 1 <= len(value) <= 64 or not all(_NAME_CHAR_RE.match(ch) for ch in value):
        raise invalid("%s must be 1 to 64 letters, digits, underscores or hyphens." % name)


def query_int(query, name, default, minimum=None, maximum=None):
    """An integer query parameter with bounds; 400 when not a plain decimal integer."""
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"-?\d{1,9}", raw):
        raise invalid("%s must be an integer." % name)
    value = int(raw)
    if minimum is not None and value < minimum or maximum is not None and value > maximum:
        if maximum is None:
            raise invalid("%s must be at least %d." % (name, minimum))
        raise invalid("%s must be between %d and %d." % (name, minimum, maximum))
    return value


def query_bool(query, name):
    """A ``"true"``/``"false"`` query parameter; None when absent."""
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    if raw not in ("true", "false"):
        raise invalid("%s must be true or false." % name)
    return raw == "true"


def query_enum(query, name, choices, required=False):
    """A query parameter restricted to ``choices``; None when absent and not required."""
    raw = query.get(name)
    if raw is None or raw == "":
        if required:
            raise invalid("%s is required." % name)
        return None
    if raw not in choices:
        raise invalid("%s must be one of %s." % (name, ", ".join(choices)))
    return raw


def query_enum_list(query, name, choices):
    """A comma-separated list of values from ``choices`` (``a,b``); None when absent."""
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    values = [value.strip() for value in raw.split(",")]
    wrong = [value for value in values if value not in choices]
    if wrong:
        raise invalid("%s must be a comma-separated list of %s, got %s." % (name, ", ".join(choices), wrong[0] or "''"))
    return values


def query_time(query, name):
    """An ISO 8601 time (``2024-02-27T03:47:51.182Z``; no zone: UTC) as the service's own time string, which
    compares in time order with the records' times; None when absent."""
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    try:
        moment = datetime.datetime.fromisoformat(raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw)
    except ValueError:
        raise invalid("%s must be a time like 2024-02-27T03:47:51.182Z." % name) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return iso_time(moment.timestamp())


def paging(query):
    """``offset`` (>= 0, default 0) and ``limit`` (1..100, default 10) as the API defines them."""
    return query_int(query, "offset", 0, minimum=0), query_int(query, "limit", 10, minimum=1, maximum=100)
