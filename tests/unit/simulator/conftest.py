"""Fixtures for the simulator tests: an independent AK/SK signing client and a polling helper.

The signer here is written from the published SDK-HMAC-SHA256 algorithm on
purpose, not imported from the simulator: a shared bug would cancel out.
"""

import datetime
import hashlib
import hmac
import json
import time
from urllib.parse import quote, urlsplit

import pytest
import requests


def _encode(value):
    return quote(str(value), safe="~")


def sdk_date(offset_seconds=0):
    """``X-Sdk-Date`` for now (+ offset)."""
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_seconds)
    return moment.strftime("%Y%m%dT%H%M%SZ")


class SignedClient:
    """Sends requests to a simulator, signed with SDK-HMAC-SHA256 (or carrying a token).

    ``path`` arguments not starting with ``/`` are relative to ``/v1/{project_id}/``.
    Keyword ``tamper`` (a callable) may change ``(headers, params, body)`` after
    signing, to test that the server notices.
    """

    def __init__(self, url, credentials, ak=None, sk=None, token=None, security_token=None):
        self.url = url.rstrip("/")
        self.credentials = credentials
        self.ak = ak or credentials["ak"]
        self.sk = sk or credentials["sk"]
        self.token = token
        self.security_token = security_token
        self.session = requests.Session()

    def full_path(self, path):
        return path if path.startswith("/") else "/v1/%s/%s" % (self.credentials["project_id"], path)

    def request(self, method, path, params=None, json_body=None, data=None, headers=None, date=None, sign=True,
                tamper=None, signed_extra=None, timeout=10):
        path = self.full_path(path)
        pairs = sorted((str(k), str(v)) for k, v in (params or {}).items())
        query = "&".join("%s=%s" % (_encode(k), _encode(v)) for k, v in pairs)
        if data is None:
            data = json.dumps(json_body, ensure_ascii=False).encode("utf-8") if json_body is not None else b""
        host = urlsplit(self.url).netloc
        sent_headers = {"Host": host, "Content-Type": "application/json;charset=UTF-8"}
        sent_headers.update(signed_extra or {})
        if self.token:
            sent_headers["X-Auth-Token"] = self.token
        elif sign:
            sent_headers["X-Sdk-Date"] = date or sdk_date()
            if self.security_token:
                sent_headers["X-Security-Token"] = self.security_token
            sent_headers["Authorization"] = self._authorization(method, path, pairs, sent_headers, data)
        sent_headers.update(headers or {})
        if tamper is not None:
            # The tamper callable may return the query as a ready string to send as is.
            sent_headers, pairs, data = tamper(sent_headers, pairs, data)
            query = pairs if isinstance(pairs, str) else "&".join("%s=%s" % (_encode(k), _encode(v)) for k, v in pairs)
        url = self.url + quote(path, safe="/~") + ("?" + query if query else "")
        return self.session.request(method, url, data=data, headers=sent_headers, timeout=timeout)

    def _authorization(self, method, path, pairs, headers, body):
        segments = [_encode(segment) for segment in path.split("/")]
        canonical_uri = "/".join(segments)
        if not canonical_uri.endswith("/"):
            canonical_uri += "/"
        canonical_query = "&".join("%s=%s" % (_encode(k), _encode(v)) for k, v in pairs)
        names = sorted(name.lower() for name in headers)
        lowered = {name.lower(): str(value).strip() for name, value in headers.items()}
        canonical_headers = "".join("%s:%s\n" % (name, lowered[name]) for name in names)
        if not body:
            body_hash = hashlib.sha256(b"").hexdigest()
        elif "x-sdk-content-sha256" in lowered:
            body_hash = lowered["x-sdk-content-sha256"]
        else:
            body_hash = hashlib.sha256(body).hexdigest()
        canonical = "\n".join([method, canonical_uri, canonical_query, canonical_headers, ";".join(names), body_hash])
        to_sign = "SDK-HMAC-SHA256\n%s\n%s" % (headers["X-Sdk-Date"], hashlib.sha256(canonical.encode()).hexdigest())
        signature = hmac.new(self.sk.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        return "SDK-HMAC-SHA256 Access=%s, SignedHeaders=%s, Signature=%s" % (self.ak, ";".join(names), signature)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, json_body=None, **kwargs):
        return self.request("POST", path, json_body=json_body, **kwargs)

    def patch(self, path, json_body=None, **kwargs):
        return self.request("PATCH", path, json_body=json_body, **kwargs)


def wait_for(predicate, timeout=5.0, interval=0.02):
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within %.1f s" % timeout)
        time.sleep(interval)


@pytest.fixture
def client(simulator):
    """A SignedClient for the default ``simulator`` fixture (6 servers, seed 1, 0.5 s jobs)."""
    return SignedClient(simulator.url, simulator.credentials)


@pytest.fixture
def client_for():
    """Factory: ``client_for(sim, **SignedClient kwargs)``."""
    def factory(sim, **kwargs):
        return SignedClient(sim.url, sim.credentials, **kwargs)
    return factory


@pytest.fixture
def poll():
    """The ``wait_for`` helper as a fixture."""
    return wait_for
