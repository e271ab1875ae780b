"""Fixtures shared by the module_utils unit tests.

HTTP is real (``pytest-httpserver`` on loopback); only time is faked: the
client gets a ``sleep`` that records the delays and a fixed ``rand``.
The controller's shared state (project-id cache, throttle) is off unless a
test turns it on (test_shared_state.py): nothing is written to the real
temporary directory and no test's pace depends on another's.
AK/SK signatures are verified on the server side with the official SDK's
``Signer`` (huaweicloudsdkcore), recomputed from the request as received.
"""

import re

import pytest

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import client, connection, shared_state

AK = "HPUAEXAMPLEAK0000001"
SK = "sk-Secret/+=value-0123456789abcdefSECRET"
PROJECT_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
AUTH_RE = re.compile(r"^SDK-HMAC-SHA256 Access=(?P<ak>[^,]+), SignedHeaders=(?P<names>[^,]+), "
                     r"Signature=(?P<sig>[0-9a-f]{64})$")


def sdk_authorization(request, ak=AK, sk=SK):
    """The Authorization value the official SDK computes for ``request`` (a werkzeug request)."""
    match = AUTH_RE.match(request.headers.get("Authorization", ""))
    assert match, "no SDK-HMAC-SHA256 Authorization header: %r" % request.headers.get("Authorization")
    names = match.group("names").split(";")
    assert "host" in names and "x-sdk-date" in names, names
    header_params = {}
    for name in names:
        assert name in request.headers, "signed header %s was not sent" % name
        header_params[name] = request.headers[name]
    body = request.get_data()
    sdk_request = SdkRequest(method=request.method, schema="http", host=request.headers["Host"],
                             resource_path=request.path, query_params=list(request.args.items(multi=True)),
                             header_params=header_params, body=body or None)
    Signer(BasicCredentials(ak, sk)).sign(sdk_request)
    return sdk_request.header_params["Authorization"]


@pytest.fixture
def assert_signed():
    """``assert_signed(request)``: the request carries a valid AK/SK signature for AK/SK."""

    def check(request, ak=AK, sk=SK):
        received = request.headers.get("Authorization")
        assert received == sdk_authorization(request, ak, sk)
        assert "Access=%s," % ak in received

    return check


class Recorder:
    """A fake ``sleep`` that records each delay."""

    def __init__(self):
        self.delays = []

    def __call__(self, seconds):
        self.delays.append(seconds)


@pytest.fixture(autouse=True)
def no_shared_state(monkeypatch):
    monkeypatch.setenv(shared_state.STATE_DIR_VARIABLE, "off")


@pytest.fixture
def isolated_home(tmp_path, monkeypatch):
    """HOME without ~/.huaweicloud/credentials, so the real user's file is never read."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture
def make_client(httpserver, isolated_home):
    """Build a Client pointed at ``httpserver``; returns ``(client, sleep_recorder)``."""

    def make(rand=lambda: 0.5, environ=None, **params):
        base = dict(region="cn-north-4", project_id=PROJECT_ID, access_key=AK, secret_key=SK,
                    endpoint=httpserver.url_for("/"), max_retries=3, request_timeout=5)
        base.update(params)
        base = dict((k, v) for k, v in base.items() if v is not None)
        settings = connection.resolve_connection(base, environ or {})
        sleep = Recorder()
        return client.Client(settings, sleep=sleep, rand=rand), sleep

    return make
