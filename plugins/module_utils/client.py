# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One HTTP session to the Workspace App service.

Everything that talks HTTP goes through :class:`Client`: endpoint and
credential resolution, AK/SK signing or token auth, project id lookup through
IAM, retries with jittered backoff, paging and the error type.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import configparser
import ipaddress
import json
import os
import random
import re
import time

from urllib.parse import urlsplit

try:
    import requests
    from requests.exceptions import (
        ConnectTimeout, ConnectionError as RequestsConnectionError, RequestException, SSLError, Timeout)
    from urllib3.exceptions import ConnectTimeoutError
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised by ansible-test's import sanity test
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import signer

COLLECTION_VERSION = "0.1.0"
USER_AGENT = "huaweicloud.workspace_app/%s" % COLLECTION_VERSION

# Regions served from the "appstream" host; every other region uses "workspace".
APPSTREAM_HOST_REGIONS = frozenset(["cn-north-4", "cn-east-3", "cn-south-1", "cn-north-9", "cn-southwest-2"])
REGION_PATTERN = re.compile(r"[a-z]{2}(-[a-z]+)+-\d+")

DEFAULT_CREDENTIALS_FILE = "~/.huaweicloud/credentials"
PAGE_LIMIT = 100
RETRYABLE_STATUS = frozenset([429, 500, 502, 503, 504])
THROTTLE_CODE = "APIGW.0308"
BACKOFF_BASE = 1.0
BACKOFF_CAP = 30.0
RETRY_AFTER_CAP = 120.0  # a Retry-After longer than this is not worth holding a task for

# option name -> environment variables, in order of precedence
ENVIRONMENT = {
    "region": ("HUAWEICLOUD_SDK_REGION", "HW_REGION_NAME"),
    "project_id": ("HUAWEICLOUD_SDK_PROJECT_ID", "HW_PROJECT_ID"),
    "access_key": ("HUAWEICLOUD_SDK_AK", "HW_ACCESS_KEY"),
    "secret_key": ("HUAWEICLOUD_SDK_SK", "HW_SECRET_KEY"),
    "security_token": ("HUAWEICLOUD_SDK_SECURITY_TOKEN", "HW_SECURITY_TOKEN"),
    "auth_token": ("HW_AUTH_TOKEN",),
    "credentials_file": ("HUAWEICLOUD_SDK_CREDENTIALS_FILE",),
    "endpoint": ("HW_WORKSPACE_APP_ENDPOINT",),
    "iam_endpoint": ("HUAWEICLOUD_SDK_IAM_ENDPOINT",),
}
# option name -> key in the credentials file's [basic] section
CREDENTIALS_FILE_KEYS = {
    "access_key": "ak",
    "secret_key": "sk",
    "project_id": "project_id",
    "security_token": "security_token",
}
SECRET_OPTIONS = ("secret_key", "security_token", "auth_token")
CREDENTIAL_OPTIONS = ("project_id", "access_key") + SECRET_OPTIONS


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
        return self.status == 429 or self.error_code == THROTTLE_CODE

    def to_dict(self):
        return {
            "status": self.status,
            "error_code": self.error_code,
            "error_msg": self.error_msg,
            "method": self.method,
            "path": self.path,
            "request_id": self.request_id,
        }


class ConnectionSettings:
    """Resolved connection options. ``sources`` says where each value came from."""

    def __init__(self, values, sources):
        self.values = values
        self.sources = sources

    def __getattr__(self, name):
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(name)

    @property
    def secrets(self):
        return [self.values[name] for name in SECRET_OPTIONS if self.values.get(name)]


def _is_loopback(host):
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint(option, url):
    """Return ``url`` without a trailing slash, or raise ConfigurationError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError("%s: %r is not a URL; expected https://host[:port]" % (option, url))
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ConfigurationError(
            "%s: plain http:// is only allowed for loopback hosts (127.0.0.0/8, ::1, localhost); "
            "use https:// for %s" % (option, parts.hostname))
    if parts.query or parts.fragment:
        raise ConfigurationError("%s: %r must not carry a query string or fragment" % (option, url))
    if parts.username is not None or parts.password is not None:
        raise ConfigurationError("%s: credentials in the URL are not supported; use the credential options" % option)
    try:
        parts.port
    except ValueError:
        raise ConfigurationError("%s: the port of %s is not a number from 0 to 65535" % (option, parts.hostname))
    return url.rstrip("/")


def service_endpoint(region):
    prefix = "appstream" if region in APPSTREAM_HOST_REGIONS else "workspace"
    return "https://%s.%s.myhuaweicloud.com" % (prefix, region)


def _read_credentials_file(path):
    parser = configparser.ConfigParser(interpolation=None)  # secrets may contain %
    try:
        with open(path) as handle:
            parser.read_file(handle)
    except (OSError, configparser.Error) as exc:
        raise ConfigurationError("credentials_file: cannot read %s: %s" % (path, exc))
    if not parser.has_section("basic"):
        raise ConfigurationError("credentials_file: %s has no [basic] section" % path)
    return dict(parser.items("basic"))


def resolve_connection(params, environ=None):
    """Apply the documented precedence: module option > environment > credentials file.

    Returns a :class:`ConnectionSettings`; raises ConfigurationError naming
    every place that was looked at when something required is missing.
    """
    environ = os.environ if environ is None else environ
    values, sources = {}, {}
    for name, env_names in ENVIRONMENT.items():
        if params.get(name) not in (None, ""):
            values[name], sources[name] = params[name], "option %s" % name
            continue
        for env_name in env_names:
            if environ.get(env_name):
                values[name], sources[name] = environ[env_name], "environment %s" % env_name
                break

    credentials_path = values.get("credentials_file")
    if credentials_path is None:
        default_path = os.path.expanduser(DEFAULT_CREDENTIALS_FILE)
        if os.path.isfile(default_path):
            credentials_path = default_path
    else:
        credentials_path = os.path.expanduser(credentials_path)
    if credentials_path:
        from_file = _read_credentials_file(credentials_path)
        for name, key in CREDENTIALS_FILE_KEYS.items():
            if values.get(name) in (None, "") and from_file.get(key):
                values[name], sources[name] = from_file[key], "credentials file %s" % credentials_path

    for name in CREDENTIAL_OPTIONS:
        if isinstance(values.get(name), str):
            values[name] = values[name].strip()
            if any(ord(ch) < 32 or ord(ch) == 127 for ch in values[name]):
                # name the option and where it came from, never the value
                raise ConfigurationError("%s (from %s) contains control characters" % (name, sources[name]))

    for name in ("validate_certs", "request_timeout", "max_retries"):
        values[name] = params.get(name)

    def looked_at(name):
        places = ["option %s" % name] + ["environment %s" % env for env in ENVIRONMENT[name]]
        if name in CREDENTIALS_FILE_KEYS:
            places.append("credentials file %s" % (credentials_path or DEFAULT_CREDENTIALS_FILE))
        return ", ".join(places)

    if not values.get("auth_token"):
        missing = [name for name in ("access_key", "secret_key") if not values.get(name)]
        if missing:
            raise ConfigurationError(
                "No credentials: %s not found (looked at: %s); alternatively set auth_token (option auth_token, "
                "environment HW_AUTH_TOKEN)" % (" and ".join(missing), "; ".join(looked_at(name) for name in missing)))

    region = values.get("region")
    if region and not REGION_PATTERN.fullmatch(region):
        raise ConfigurationError("region: %r is not a region name such as cn-north-4 or ap-southeast-1" % region)
    if values.get("endpoint"):
        values["endpoint"] = check_endpoint("endpoint", values["endpoint"])
    elif region:
        values["endpoint"] = service_endpoint(region)
    else:
        raise ConfigurationError("region is required to find the service endpoint (looked at: %s); "
                                 "or set endpoint" % looked_at("region"))
    if not values.get("project_id") and not region:
        raise ConfigurationError("project_id is not set (looked at: %s) and cannot be resolved through IAM "
                                 "without region" % looked_at("project_id"))
    if values.get("iam_endpoint"):
        values["iam_endpoint"] = check_endpoint("iam_endpoint", values["iam_endpoint"])
    elif region:
        values["iam_endpoint"] = "https://iam.%s.myhuaweicloud.com" % region
    return ConnectionSettings(values, sources)


def _reached_service(exc):
    """False only when the request provably never reached the service."""
    if isinstance(exc, (ConnectTimeout, SSLError)):
        return False  # no TCP connection, or the TLS handshake failed: nothing was sent
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3 MaxRetryError wraps the cause
    return not isinstance(reason, ConnectTimeoutError)


def _retry_after(response):
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return None


class Client:
    """Signed, retrying HTTP access to the Workspace App API and the bits of IAM it needs."""

    def __init__(self, settings, session=None, sleep=time.sleep, rand=random.random, backoff_base=BACKOFF_BASE,
                 backoff_cap=BACKOFF_CAP):
        if not HAS_REQUESTS:
            raise ConfigurationError("the Python library 'requests' is required")
        self.settings = settings
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self._sleep = sleep
        self._rand = rand
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._project_id = settings.values.get("project_id")
        self.retries = 0  # how many retries this client made, for reports and tests
        self.requests_sent = 0

    # -- project -----------------------------------------------------------------
    @property
    def project_id(self):
        if not self._project_id:
            self._project_id = self._lookup_project_id()
        return self._project_id

    def _lookup_project_id(self):
        region = self.settings.values["region"]
        body = self.request("GET", "/v3/projects", params={"name": region}, base=self.settings.iam_endpoint,
                            project_scoped=False)
        projects = (body or {}).get("projects") or []
        if len(projects) != 1:
            found = ", ".join(p.get("id", "?") for p in projects) or "none"
            raise ConfigurationError(
                "project_id: IAM at %s returned %s project(s) named %r (%s); set project_id explicitly"
                % (self.settings.iam_endpoint, len(projects), region, found))
        return projects[0]["id"]

    # -- requests ----------------------------------------------------------------
    def _headers(self, method, url, params, body, project_scoped):
        headers = {"Content-Type": "application/json"}
        values = self.settings.values
        if project_scoped and self._project_id:
            headers["X-Project-Id"] = self._project_id
        if values.get("auth_token"):
            headers["X-Auth-Token"] = values["auth_token"]
            return headers
        if values.get("security_token"):
            headers["X-Security-Token"] = values["security_token"]
        parts = urlsplit(url)
        return signer.sign(method, parts.netloc, parts.path, params, headers, body,
                           values["access_key"], values["secret_key"])

    def _backoff(self, attempt, response):
        delay = self._rand() * min(self.backoff_cap, self.backoff_base * (2 ** attempt))
        retry_after = _retry_after(response)
        if retry_after is not None:
            delay = max(delay, min(retry_after, RETRY_AFTER_CAP))
        return delay

    @staticmethod
    def _error_from_response(response, method, path):
        request_id = (response.headers.get("X-Request-Id") or response.headers.get("X-Openstack-Request-Id")
                      or response.headers.get("X-IAM-Trace-Id"))
        code, msg = None, None
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if isinstance(payload, dict):
            error = payload.get("error") if isinstance(payload.get("error"), dict) else payload
            code = error.get("error_code") or error.get("code")
            msg = error.get("error_msg") or error.get("message")
        if not msg:
            msg = (response.reason or "error") if not response.text else response.text[:255]
        return ApiError(response.status_code, code, msg, method, path, request_id)

    def request(self, method, path, params=None, body=None, base=None, project_scoped=True):
        """Send one API call and return the decoded JSON body (None when empty).

        ``path`` may contain ``{project_id}``. Reads are retried on throttling,
        5xx and connection errors; mutations only when the gateway throttled
        them or the connection was never established, because anything else
        may have been applied.
        """
        method = method.upper()
        if "{project_id}" in path:
            path = path.replace("{project_id}", self.project_id)
        params = [(k, v) for k, v in (params or {}).items() if v is not None]
        query = signer.canonical_query_string(params)
        base = base or self.settings.endpoint
        url = base + path + ("?" + query if query else "")
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else b""
        mutating = method != "GET"
        max_retries = self.settings.values.get("max_retries")
        max_retries = 5 if max_retries is None else max_retries
        timeout = self.settings.values.get("request_timeout") or 30
        verify = self.settings.values.get("validate_certs")
        verify = True if verify is None else verify

        attempt = 0
        while True:
            headers = self._headers(method, url, params, data, project_scoped)
            response, error = None, None
            self.requests_sent += 1
            try:
                response = self.session.request(method, url, data=data or None, headers=headers,
                                                timeout=timeout, verify=verify, allow_redirects=False)
            except (RequestsConnectionError, Timeout) as exc:
                error = exc
            except RequestException as exc:
                # Invalid URL/header and the like: the message may quote a header value, so only the type is kept.
                raise ApiError(None, None, "the request could not be sent (%s)" % type(exc).__name__, method, path)
            if error is not None:
                retryable = not mutating or not _reached_service(error)
                if not retryable or attempt >= max_retries:
                    if mutating and _reached_service(error):
                        detail = ("the connection failed after the request was sent, so it may have been applied; "
                                  "re-read the state before trying again (%s)" % type(error).__name__)
                    else:
                        detail = "cannot reach %s (%s)" % (urlsplit(base).netloc, type(error).__name__)
                    raise ApiError(None, None, detail, method, path)
            else:
                if 200 <= response.status_code < 300:
                    if not response.content:
                        return None
                    try:
                        return response.json()
                    except ValueError:
                        raise ApiError(response.status_code, None, "the response is not JSON", method, path,
                                       response.headers.get("X-Request-Id"))
                api_error = self._error_from_response(response, method, path)
                retryable = api_error.throttled or (not mutating and response.status_code in RETRYABLE_STATUS)
                if not retryable or attempt >= max_retries:
                    raise api_error
            self._sleep(self._backoff(attempt, response))
            attempt += 1
            self.retries += 1

    def get(self, path, params=None):
        return self.request("GET", path, params=params)

    def paginate(self, path, params=None, key="items", limit=PAGE_LIMIT):
        """All items of an ``offset``/``limit`` listing; stops on ``count`` or a short page."""
        items, offset = [], 0
        query = dict(params or {})
        while True:
            query.update(offset=offset, limit=limit)
            page = self.get(path, query) or {}
            chunk = page.get(key) or []
            items.extend(chunk)
            offset += len(chunk)
            count = page.get("count")
            if not chunk or len(chunk) < limit or (count is not None and offset >= count):
                return items
