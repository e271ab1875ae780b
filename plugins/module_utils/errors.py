# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The two ways a call to the service fails: bad configuration (nothing sent) or a failed API call."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# API Gateway answers throttled calls with 429, or with one of these codes under another status (e.g. 403). The real
# gateway has been seen to answer APIG.0308 as well as APIGW.0308.
THROTTLE_STATUS = 429
THROTTLE_CODE = "APIGW.0308"
THROTTLE_CODES = frozenset([THROTTLE_CODE, "APIG.0308"])
# How the gateway words its window: "... policy ip over ratelimit,limit:5,time:1 minute".
THROTTLE_WINDOW = re.compile(r"limit\s*:\s*(\d+)\s*,\s*time\s*:\s*(\d+)\s*([a-z]+)", re.IGNORECASE)
WINDOW_UNITS = (("ms", None), ("millisecond", None), ("s", 1), ("sec", 1), ("second", 1), ("m", 60), ("min", 60),
                ("minute", 60), ("h", 3600), ("hour", 3600), ("d", 86400), ("day", 86400))


def throttle_window(text):
    """``(limit, seconds)`` of the first ``limit:N,time:M unit`` in ``text``, or None."""
    match = THROTTLE_WINDOW.search(text or "")
    if not match:
        return None
    unit = match.group(3).lower()
    seconds = next((factor for name, factor in WINDOW_UNITS if unit in (name, name + "s")), None)
    limit, count = int(match.group(1)), int(match.group(2))
    if not seconds or not limit or not count:
        return None
    return limit, count * seconds


class ConfigurationError(Exception):
    """The connection options cannot work: nothing was sent."""


class ApiError(Exception):
    """A failed API call, with everything a user needs and nothing secret."""

    def __init__(self, status, error_code, error_msg, method, path, request_id=None):
        self.status = status
        self.error_code = error_code
        self.error_msg = error_msg
        self.method = method
        self.path = path
        self.request_id = request_id
        super(ApiError, self).__init__(self.message)

    @property
    def message(self):
        where = "%s %s" % (self.method, self.path)
        status = "HTTP %s" % self.status if self.status is not None else "no response"
        code = " %s" % self.error_code if self.error_code else ""
        text = "%s failed: %s%s: %s" % (where, status, code, self.error_msg)
        if self.request_id:
            text += " (request id %s)" % self.request_id
        return text

    @property
    def throttled(self):
        return self.status == THROTTLE_STATUS or self.error_code in THROTTLE_CODES

    @property
    def throttle_window(self):
        """``(limit, seconds)`` of the window a throttled answer names (``limit:5,time:1 minute`` -> ``(5, 60)``),
        or None when it names none (or not in a unit of a second or more)."""
        return throttle_window(self.error_msg) if self.throttled else None

    def to_dict(self):
        return {
            "status": self.status,
            "error_code": self.error_code,
            "error_msg": self.error_msg,
            "method": self.method,
            "path": self.path,
            "request_id": self.request_id,
        }


def with_hint(exc, hint):
    """The same failed call, ``hint`` in parentheses after the service's message."""
    return ApiError(exc.status, exc.error_code, "%s (%s)" % (exc.error_msg, hint), exc.method, exc.path,
                    exc.request_id)


def naming_the_image(exc, image_id, image_type=None):
    """A 400 answer to a request that names an image: the same error, its message naming ``image_id`` and the value.

    The service refuses an image the project does not have with a 400 whose message need not say which image
    (no code for it is documented); any other answer is returned as it is.
    """
    if exc.status != 400:
        return exc
    what = "image_id %s" % image_id + (", image_type %s" % image_type if image_type else "")
    return with_hint(exc, "%s: an image this project does not have is refused; check the id" % what)


def api_error_message(exc):
    """What a user reads of a failed call: its message, with the likely cause of a 401 or 403."""
    if exc.status == 401:
        return "Authentication failed: %s. Check access_key/secret_key (or auth_token) and the clock." % exc.message
    if exc.status == 403:
        return "Permission denied: %s. Check the project_id and the IAM permissions." % exc.message
    return exc.message


class TargetError(Exception):
    """Bad input (an option's value, an unknown server or group): nothing was changed."""


class PartlyDone(Exception):
    """The task failed after it had done part of its work (a group's servers deleted, the group kept): the message,
    and the result so far, returned with the failure."""

    def __init__(self, message, result):
        super(PartlyDone, self).__init__(message)
        self.result = result
