# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""SDK-HMAC-SHA256 request signing, as Huawei Cloud's API gateway verifies it.

Pure functions: nothing here does I/O or reads the clock unless no time is
given. The algorithm follows the public description of the Huawei Cloud
"AK/SK signing" scheme (also implemented by the official SDKs):

* canonical request = method, canonical URI, canonical query string,
  canonical headers, signed header names and the hex SHA-256 of the body,
  joined by newlines;
* string to sign = algorithm name, the ``X-Sdk-Date`` value and the hex
  SHA-256 of the canonical request;
* signature = hex HMAC-SHA256 of the string to sign keyed with the SK.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib
import hmac

from urllib.parse import quote, unquote

ALGORITHM = "SDK-HMAC-SHA256"
DATE_HEADER = "X-Sdk-Date"
CONTENT_HASH_HEADER = "X-Sdk-Content-Sha256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
EMPTY_BODY_HASH = hashlib.sha256(b"").hexdigest()


def _encode(value):
    """Percent-encode everything but the RFC 3986 unreserved characters."""
    return quote(value, safe="~")


def _as_bytes(body):
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    return body


def canonical_uri(path):
    """Each segment of the decoded path re-encoded; always ends with ``/``."""
    encoded = "/".join(_encode(segment) for segment in unquote(path).split("/"))
    if not encoded.endswith("/"):
        encoded += "/"
    return encoded


def _query_value(value):
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def canonical_query_string(params):
    """Sorted ``key=value`` pairs joined with ``&``.

    ``params`` is a list of ``(key, value)`` pairs (or a dict); a list value
    yields one pair per element, sorted, as the service expects.
    """
    if isinstance(params, dict):
        params = list(params.items())
    expanded = []
    for key, value in params:
        if isinstance(value, (list, tuple)):
            expanded.extend((str(key), _query_value(item)) for item in value)
        else:
            expanded.append((str(key), _query_value(value)))
    pairs = ["%s=%s" % (_encode(key), _encode(value)) for key, value in sorted(expanded)]
    return "&".join(pairs)


def signed_header_names(headers):
    """Lower-cased, sorted names of the headers that take part in the signature.

    Header names containing ``_`` are left out, as the gateway does.
    """
    return sorted(name.lower() for name in headers if "_" not in name)


def payload_hash(headers, body):
    for name, value in headers.items():
        if name.lower() == CONTENT_HASH_HEADER.lower():
            return value
    data = _as_bytes(body)
    if not data:
        return EMPTY_BODY_HASH
    return hashlib.sha256(data).hexdigest()


def canonical_request(method, path, params, headers, body):
    names = signed_header_names(headers)
    lowered = dict((name.lower(), str(value).strip()) for name, value in headers.items())
    header_block = "".join("%s:%s\n" % (name, lowered[name]) for name in names)
    return "\n".join([
        method.upper(),
        canonical_uri(path),
        canonical_query_string(params),
        header_block,
        ";".join(names),
        payload_hash(headers, body),
    ])


def string_to_sign(canonical, sdk_date):
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return "%s\n%s\n%s" % (ALGORITHM, sdk_date, digest)


def signature(secret_key, to_sign):
    return hmac.new(secret_key.encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def format_date(moment=None):
    if moment is None:
        moment = datetime.datetime.now(datetime.timezone.utc)
    return moment.strftime(DATE_FORMAT)


def sign(method, host, path, params, headers, body, access_key, secret_key, sdk_date=None):
    """Return a new header dict carrying ``Host``, ``X-Sdk-Date`` and ``Authorization``.

    ``headers`` must already hold every header that will be sent and should be
    signed (``Content-Type``, ``X-Project-Id``, ``X-Security-Token`` ...);
    ``host`` is the ``Host`` header value (``name[:port]``).
    """
    signed = dict(headers)
    if not any(name.lower() == "host" for name in signed):
        signed["Host"] = host
    if not any(name.lower() == DATE_HEADER.lower() for name in signed):
        signed[DATE_HEADER] = sdk_date or format_date()
    sdk_date = next(value for name, value in signed.items() if name.lower() == DATE_HEADER.lower())
    canonical = canonical_request(method, path, params, signed, body)
    digest = signature(secret_key, string_to_sign(canonical, sdk_date))
    signed["Authorization"] = "%s Access=%s, SignedHeaders=%s, Signature=%s" % (
        ALGORITHM, access_key, ";".join(signed_header_names(signed)), digest)
    return signed
