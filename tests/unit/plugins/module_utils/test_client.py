"""client.py: connection resolution, signed requests, retries, errors, project lookup, paging.

HTTP goes to a real loopback server (pytest-httpserver, or a raw socket server
for a connection dropped mid-request); delays are recorded, never slept.
"""

import json
import os
import socket
import threading

import pytest

from werkzeug.wrappers import Response

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import client

# the same values as conftest.py (test modules cannot import conftest under --import-mode=importlib)
AK = "HPUAEXAMPLEAK0000001"
SK = "sk-Secret/+=value-0123456789abcdefSECRET"
PROJECT_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
TOKEN = "MIIEXAMPLEtokenVALUE-" + "x" * 40
SECURITY_TOKEN = "gQpTEMPORARYsecurityTOKEN+/=" + "y" * 30

AK_SK = dict(access_key=AK, secret_key=SK)


def settings_for(params, environ=None):
    return client.resolve_connection(params, environ or {})


def write_credentials(path, **basic):
    lines = ["[basic]"] + ["%s = %s" % item for item in basic.items()]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def sequence(*responses):
    """A handler answering with ``responses`` in turn; the last one repeats."""
    queue = list(responses)

    def handler(request):
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return handler


def error_response(status, code="WKS.00129901", msg="The service is now unavailable to process the request.",
                   headers=None):
    return Response(json.dumps({"error_code": code, "error_msg": msg}), status=status,
                    headers=headers or {}, content_type="application/json")


def ok(payload=None):
    return Response(json.dumps(payload if payload is not None else {"ok": True}), status=200,
                    content_type="application/json")


def closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


class DroppingServer:
    """Reads each whole request, then closes the connection without answering.

    With ``hold`` it keeps the connection open (silent) until it is closed itself.
    """

    def __init__(self, hold=False):
        self.hold = hold
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.requests = []
        self._held = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _read_request(self, conn):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _unused, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _unused, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            body += chunk
        return head + b"\r\n\r\n" + body

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _unused = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(5)
            try:
                self.requests.append(self._read_request(conn))
                if self.hold:
                    self._held.append(conn)
                    continue
            except OSError:
                pass
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join(2)
        for conn in self._held:
            conn.close()
        self.sock.close()


@pytest.fixture
def holding_server():
    server = DroppingServer(hold=True)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def dropping_server():
    server = DroppingServer()
    try:
        yield server
    finally:
        server.close()


# ---------------------------------------------------------------------------
# resolve_connection
# ---------------------------------------------------------------------------

@pytest.mark.usefixtures("isolated_home")
class TestResolveConnection:

    def test_option_beats_environment_beats_credentials_file(self, tmp_path):
        path = write_credentials(tmp_path / "cred", ak="FILE_AK", sk="FILE_SK", project_id="file_pid",
                                 security_token="FILE_ST")
        environ = {"HUAWEICLOUD_SDK_AK": "ENV_AK", "HUAWEICLOUD_SDK_SK": "ENV_SK",
                   "HUAWEICLOUD_SDK_PROJECT_ID": "env_pid", "HUAWEICLOUD_SDK_SECURITY_TOKEN": "ENV_ST"}
        params = dict(region="cn-north-4", credentials_file=path)

        from_file = settings_for(params)
        assert (from_file.access_key, from_file.secret_key, from_file.project_id, from_file.security_token) == (
            "FILE_AK", "FILE_SK", "file_pid", "FILE_ST")
        assert from_file.sources["access_key"] == "credentials file %s" % path

        from_env = settings_for(params, environ)
        assert (from_env.access_key, from_env.secret_key, from_env.project_id, from_env.security_token) == (
            "ENV_AK", "ENV_SK", "env_pid", "ENV_ST")
        assert from_env.sources["secret_key"] == "environment HUAWEICLOUD_SDK_SK"

        opts = dict(params, access_key="OPT_AK", secret_key="OPT_SK", project_id="opt_pid", security_token="OPT_ST")
        from_opt = settings_for(opts, environ)
        assert (from_opt.access_key, from_opt.secret_key, from_opt.project_id, from_opt.security_token) == (
            "OPT_AK", "OPT_SK", "opt_pid", "OPT_ST")
        assert from_opt.sources["project_id"] == "option project_id"
        assert from_opt.sources["credentials_file"] == "option credentials_file"

    @pytest.mark.parametrize("name, first, second", [  # as documented in INTERFACE.md
        ("region", "HUAWEICLOUD_SDK_REGION", "HW_REGION_NAME"),
        ("project_id", "HUAWEICLOUD_SDK_PROJECT_ID", "HW_PROJECT_ID"),
        ("access_key", "HUAWEICLOUD_SDK_AK", "HW_ACCESS_KEY"),
        ("secret_key", "HUAWEICLOUD_SDK_SK", "HW_SECRET_KEY"),
        ("security_token", "HUAWEICLOUD_SDK_SECURITY_TOKEN", "HW_SECURITY_TOKEN"),
    ])
    def test_first_environment_name_wins_over_second(self, name, first, second):
        value = "cn-east-3" if name == "region" else "first-" + name
        other = "ap-southeast-1" if name == "region" else "second-" + name
        environ = {"HUAWEICLOUD_SDK_REGION": "cn-north-4"}
        environ.update({first: value, second: other})
        params = dict(AK_SK, project_id="pid")
        params.pop(name, None)
        settings = settings_for(params, environ)
        assert settings.values[name] == value
        assert settings.sources[name] == "environment %s" % first

        del environ[first]
        settings = settings_for(params, environ)
        assert settings.values[name] == other
        assert settings.sources[name] == "environment %s" % second

    def test_documented_environment_names(self):
        environ = {
            "HW_REGION_NAME": "cn-south-1", "HW_PROJECT_ID": "p", "HW_ACCESS_KEY": "a", "HW_SECRET_KEY": "s",
            "HW_SECURITY_TOKEN": "st", "HW_WORKSPACE_APP_ENDPOINT": "http://127.0.0.1:1",
            "HUAWEICLOUD_SDK_IAM_ENDPOINT": "http://127.0.0.1:2",
        }
        settings = settings_for({}, environ)
        assert settings.region == "cn-south-1"
        assert (settings.project_id, settings.access_key, settings.secret_key, settings.security_token) == (
            "p", "a", "s", "st")
        assert settings.endpoint == "http://127.0.0.1:1"
        assert settings.iam_endpoint == "http://127.0.0.1:2"
        token = settings_for({"region": "cn-north-4"}, {"HW_AUTH_TOKEN": "tok"})
        assert token.auth_token == "tok" and token.sources["auth_token"] == "environment HW_AUTH_TOKEN"

    def test_empty_option_falls_back_to_environment(self):
        settings = settings_for(dict(region="", access_key="", secret_key=SK, project_id=None),
                                {"HW_REGION_NAME": "cn-north-4", "HW_ACCESS_KEY": "envak", "HW_PROJECT_ID": "p"})
        assert settings.region == "cn-north-4"
        assert settings.access_key == "envak"
        assert settings.sources["access_key"] == "environment HW_ACCESS_KEY"
        assert settings.sources["secret_key"] == "option secret_key"

    def test_credentials_file_from_environment(self, tmp_path):
        path = write_credentials(tmp_path / "c.ini", ak="FAK", sk="FSK")
        settings = settings_for({"region": "cn-north-4"}, {"HUAWEICLOUD_SDK_CREDENTIALS_FILE": path})
        assert (settings.access_key, settings.secret_key) == ("FAK", "FSK")
        assert settings.sources["secret_key"] == "credentials file %s" % path
        assert settings.sources["credentials_file"] == "environment HUAWEICLOUD_SDK_CREDENTIALS_FILE"

    def test_default_credentials_file_in_home(self, isolated_home):
        (isolated_home / ".huaweicloud").mkdir()
        path = write_credentials(isolated_home / ".huaweicloud" / "credentials", ak="HAK", sk="HSK",
                                 project_id="hpid")
        settings = settings_for({"region": "cn-north-4"})
        assert (settings.access_key, settings.secret_key, settings.project_id) == ("HAK", "HSK", "hpid")
        assert settings.sources["access_key"] == "credentials file %s" % path

    def test_explicit_credentials_file_beats_default(self, isolated_home, tmp_path):
        (isolated_home / ".huaweicloud").mkdir()
        write_credentials(isolated_home / ".huaweicloud" / "credentials", ak="HAK", sk="HSK")
        path = write_credentials(tmp_path / "explicit", ak="XAK", sk="XSK")
        settings = settings_for({"region": "cn-north-4"}, {"HUAWEICLOUD_SDK_CREDENTIALS_FILE": path})
        assert (settings.access_key, settings.secret_key) == ("XAK", "XSK")

    def test_credentials_file_path_with_tilde_is_expanded(self, isolated_home):
        write_credentials(isolated_home / "mine.ini", ak="TAK", sk="TSK")
        settings = settings_for({"region": "cn-north-4", "credentials_file": "~/mine.ini"})
        assert settings.access_key == "TAK"

    def test_file_only_fills_what_is_missing(self, tmp_path):
        path = write_credentials(tmp_path / "c", ak="FAK", sk="FSK", project_id="fpid")
        settings = settings_for({"region": "cn-north-4", "credentials_file": path, "secret_key": "OSK"})
        assert settings.access_key == "FAK" and settings.sources["access_key"].startswith("credentials file")
        assert settings.secret_key == "OSK" and settings.sources["secret_key"] == "option secret_key"

    @pytest.mark.parametrize("missing", ["access_key", "secret_key", "both"])
    def test_missing_credentials_name_every_place_looked_at(self, missing):
        params = {"region": "cn-north-4", "project_id": "p"}
        if missing != "access_key":
            params["access_key"] = AK if missing == "secret_key" else None
        if missing == "access_key":
            params["secret_key"] = SK
        with pytest.raises(client.ConfigurationError) as info:
            settings_for(params)
        msg = str(info.value)
        names = ["access_key", "secret_key"] if missing == "both" else [missing]
        documented = {"access_key": ("HUAWEICLOUD_SDK_AK", "HW_ACCESS_KEY"),
                      "secret_key": ("HUAWEICLOUD_SDK_SK", "HW_SECRET_KEY")}
        for name in names:
            first, second = documented[name]
            assert "option %s" % name in msg
            assert first in msg and second in msg
        assert "credentials file ~/.huaweicloud/credentials" in msg
        assert "auth_token" in msg and "HW_AUTH_TOKEN" in msg
        if missing != "both":
            other = "secret_key" if missing == "access_key" else "access_key"
            assert "option %s" % other not in msg

    def test_missing_credentials_names_the_credentials_file_that_was_read(self, tmp_path):
        path = write_credentials(tmp_path / "c", project_id="p")
        with pytest.raises(client.ConfigurationError, match="credentials file %s" % str(path)):
            settings_for({"region": "cn-north-4", "credentials_file": path})

    def test_auth_token_alone_is_enough(self):
        settings = settings_for({"region": "ap-southeast-1", "auth_token": TOKEN})
        assert settings.auth_token == TOKEN
        assert settings.values.get("access_key") is None
        assert settings.endpoint == "https://workspace.ap-southeast-1.myhuaweicloud.com"

    @pytest.mark.parametrize("region, host", [
        ("cn-north-4", "appstream"), ("cn-east-3", "appstream"), ("cn-south-1", "appstream"),
        ("cn-north-9", "appstream"), ("cn-southwest-2", "appstream"),
        ("ap-southeast-1", "workspace"), ("ap-southeast-3", "workspace"), ("af-south-1", "workspace"),
        ("la-north-2", "workspace"), ("sa-brazil-1", "workspace"), ("cn-east-5", "workspace"),
        ("cn-north-11", "workspace"), ("tr-west-1", "workspace"),
    ])
    def test_endpoint_derived_from_region(self, region, host):
        settings = settings_for(dict(AK_SK, region=region, project_id="p"))
        assert settings.endpoint == "https://%s.%s.myhuaweicloud.com" % (host, region)
        assert settings.iam_endpoint == "https://iam.%s.myhuaweicloud.com" % region

    def test_endpoint_and_iam_endpoint_override(self):
        settings = settings_for(dict(AK_SK, region="cn-north-4", project_id="p",
                                     endpoint="https://private.example.com:8443/base/",
                                     iam_endpoint="https://iam.example.com/"))
        assert settings.endpoint == "https://private.example.com:8443/base"
        assert settings.iam_endpoint == "https://iam.example.com"
        assert settings.sources["endpoint"] == "option endpoint"

    def test_endpoint_without_region_needs_project_id(self):
        settings = settings_for(dict(AK_SK, endpoint="https://e.example.com", project_id="p"))
        assert settings.endpoint == "https://e.example.com"
        with pytest.raises(client.ConfigurationError) as info:
            settings_for(dict(AK_SK, endpoint="https://e.example.com"))
        assert "project_id" in str(info.value) and "HUAWEICLOUD_SDK_PROJECT_ID" in str(info.value)

    def test_region_required_without_endpoint(self):
        with pytest.raises(client.ConfigurationError) as info:
            settings_for(dict(AK_SK, project_id="p"))
        msg = str(info.value)
        assert "region" in msg and "HUAWEICLOUD_SDK_REGION" in msg and "HW_REGION_NAME" in msg
        assert "endpoint" in msg

    @pytest.mark.parametrize("option", ["endpoint", "iam_endpoint"])
    @pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://127.9.8.7", "http://[::1]:9000/",
                                     "http://localhost:1234", "HTTP://LOCALHOST:1"])
    def test_plain_http_allowed_for_loopback(self, option, url):
        settings = settings_for(dict(AK_SK, region="cn-north-4", project_id="p", **{option: url}))
        assert settings.values[option] == url.rstrip("/")

    @pytest.mark.parametrize("option", ["endpoint", "iam_endpoint"])
    @pytest.mark.parametrize("url", ["http://example.com", "http://10.0.0.1:8080", "http://127.0.0.1.example.com",
                                     "http://[::2]:80"])
    def test_plain_http_rejected_elsewhere(self, option, url):
        with pytest.raises(client.ConfigurationError) as info:
            settings_for(dict(AK_SK, region="cn-north-4", project_id="p", **{option: url}))
        msg = str(info.value)
        assert msg.startswith(option + ":")
        assert "https://" in msg

    @pytest.mark.parametrize("option", ["endpoint", "iam_endpoint"])
    @pytest.mark.parametrize("url", ["appstream.cn-north-4.myhuaweicloud.com", "ftp://example.com", "https://",
                                     "https://example.com/?x=1", "https://example.com/#frag"])
    def test_malformed_endpoint_rejected(self, option, url):
        with pytest.raises(client.ConfigurationError) as info:
            settings_for(dict(AK_SK, region="cn-north-4", project_id="p", **{option: url}))
        assert str(info.value).startswith(option + ":")

    def test_bad_endpoint_from_environment_is_rejected(self):
        with pytest.raises(client.ConfigurationError, match="^endpoint:"):
            settings_for(dict(AK_SK, project_id="p"), {"HW_WORKSPACE_APP_ENDPOINT": "http://example.com"})

    @pytest.mark.parametrize("url", ["https://example.com:notaport", "https://example.com:99999",
                                     "http://localhost:port"])
    def test_endpoint_with_bad_port_rejected(self, url):
        with pytest.raises(client.ConfigurationError, match="^endpoint:"):
            settings_for(dict(AK_SK, region="cn-north-4", project_id="p", endpoint=url))

    def test_endpoint_with_userinfo_rejected(self):
        with pytest.raises(client.ConfigurationError, match="^endpoint:"):
            settings_for(dict(AK_SK, region="cn-north-4", project_id="p",
                              endpoint="https://user:hunter2@example.com"))

    @pytest.mark.parametrize("region", ["CN-NORTH-4", "cn_north_4", "cn-north", "north-4", "cn-north-4.evil.com",
                                        "cn-north-4/../x", " cn-north-4", "cn-north-4 "])
    def test_bad_region_rejected(self, region):
        with pytest.raises(client.ConfigurationError) as info:
            settings_for(dict(AK_SK, region=region, project_id="p"))
        assert str(info.value).startswith("region:")
        assert repr(region) in str(info.value)

    def test_region_with_trailing_newline_rejected(self):
        with pytest.raises(client.ConfigurationError):
            settings_for(dict(AK_SK, project_id="p"), {"HW_REGION_NAME": "cn-north-4\n"})

    def test_unreadable_credentials_file(self, tmp_path):
        with pytest.raises(client.ConfigurationError) as info:
            settings_for({"region": "cn-north-4", "credentials_file": str(tmp_path)})  # a directory
        assert str(info.value).startswith("credentials_file: cannot read %s" % tmp_path)

    def test_missing_explicit_credentials_file(self, tmp_path):
        path = str(tmp_path / "nope")
        with pytest.raises(client.ConfigurationError, match="credentials_file: cannot read"):
            settings_for({"region": "cn-north-4", "credentials_file": path})

    def test_malformed_credentials_file(self, tmp_path):
        path = tmp_path / "bad"
        path.write_text("ak = no section header\n")
        with pytest.raises(client.ConfigurationError, match="credentials_file: cannot read"):
            settings_for({"region": "cn-north-4", "credentials_file": str(path)})

    def test_credentials_file_without_basic_section(self, tmp_path):
        path = tmp_path / "other"
        path.write_text("[profile]\nak = a\nsk = b\n")
        with pytest.raises(client.ConfigurationError, match=r"has no \[basic\] section"):
            settings_for({"region": "cn-north-4", "credentials_file": str(path)})

    def test_malformed_default_credentials_file_in_home(self, isolated_home):
        (isolated_home / ".huaweicloud").mkdir()
        (isolated_home / ".huaweicloud" / "credentials").write_text("[basic\nak=1\n")
        with pytest.raises(client.ConfigurationError, match="credentials_file"):
            settings_for({"region": "cn-north-4"})

    def test_credentials_file_values_are_read_verbatim(self, tmp_path):
        path = write_credentials(tmp_path / "pct", ak="AK", sk="abc%def", security_token="t%%x")
        settings = settings_for({"region": "cn-north-4", "credentials_file": path, "project_id": "p"})
        assert settings.secret_key == "abc%def"
        assert settings.security_token == "t%%x"

    def test_secrets_lists_secret_values_only(self):
        settings = settings_for(dict(AK_SK, region="cn-north-4", project_id="p", security_token=SECURITY_TOKEN,
                                     auth_token=TOKEN))
        assert sorted(settings.secrets) == sorted([SK, SECURITY_TOKEN, TOKEN])
        assert AK not in settings.secrets
        assert settings_for(dict(AK_SK, region="cn-north-4")).secrets == [SK]

    def test_secrets_from_environment_and_file_are_listed(self, tmp_path):
        path = write_credentials(tmp_path / "c", ak="A", sk="FILESECRET")
        settings = settings_for({"region": "cn-north-4", "credentials_file": path},
                                {"HW_SECURITY_TOKEN": "ENVTOKEN"})
        assert sorted(settings.secrets) == ["ENVTOKEN", "FILESECRET"]

    def test_transport_options_pass_through(self):
        settings = settings_for(dict(AK_SK, region="cn-north-4", validate_certs=False, request_timeout=2.5,
                                     max_retries=0))
        assert settings.validate_certs is False
        assert settings.request_timeout == 2.5
        assert settings.max_retries == 0

    def test_unknown_attribute_raises_attribute_error(self):
        settings = settings_for(dict(AK_SK, region="cn-north-4"))
        with pytest.raises(AttributeError):
            settings.no_such_option  # noqa: B018


# ---------------------------------------------------------------------------
# Client.request: signing and wire format
# ---------------------------------------------------------------------------

def test_aksk_request_is_signed_and_carries_project_and_security_token(httpserver, make_client, assert_signed):
    httpserver.expect_request("/v1/%s/app-servers" % PROJECT_ID, method="GET").respond_with_json({"items": []})
    api_client, _unused = make_client(security_token=SECURITY_TOKEN)
    assert api_client.request("GET", "/v1/{project_id}/app-servers",
                              params={"server_name": "a b", "limit": 10, "maintain_status": "true",
                                      "empty": None}) == {"items": []}
    (request, _unused), = httpserver.log
    assert request.query_string == b"limit=10&maintain_status=true&server_name=a%20b"
    assert_signed(request)
    assert request.headers["X-Project-Id"] == PROJECT_ID
    assert request.headers["X-Security-Token"] == SECURITY_TOKEN
    assert "x-security-token" in request.headers["Authorization"].split("SignedHeaders=")[1]
    assert "x-project-id" in request.headers["Authorization"].split("SignedHeaders=")[1]
    assert "X-Auth-Token" not in request.headers
    assert request.headers["User-Agent"].startswith("huaweicloud.workspace_app/")


def test_query_is_sorted_and_percent_encoded(httpserver, make_client, assert_signed):
    httpserver.expect_request("/q").respond_with_json({})
    api_client, _unused = make_client()
    api_client.request("GET", "/q", params={"z": "1", "a": "x y+z/ü*", "m": "~_.-"})
    (request, _unused), = httpserver.log
    assert request.query_string == b"a=x%20y%2Bz%2F%C3%BC%2A&m=~_.-&z=1"
    assert request.args["a"] == "x y+z/ü*"
    assert_signed(request)


def test_json_body_is_sent_and_signed(httpserver, make_client, assert_signed):
    httpserver.expect_request("/v1/%s/app-server-groups/g1" % PROJECT_ID, method="PATCH").respond_with_json(
        {"id": "g1"})
    api_client, _unused = make_client()
    body = {"description": "Gruppe für Tests 中文", "route_policy": {"max_session": 3}}
    assert api_client.request("patch", "/v1/{project_id}/app-server-groups/g1", body=body) == {"id": "g1"}
    (request, _unused), = httpserver.log
    assert request.method == "PATCH"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.get_data().decode("utf-8")) == body
    assert "中文".encode("utf-8") in request.get_data()  # ensure_ascii=False, UTF-8 on the wire
    assert_signed(request)


def test_token_mode_sends_x_auth_token_and_no_signature(httpserver, make_client):
    httpserver.expect_request("/v1/%s/app-servers" % PROJECT_ID).respond_with_json({"count": 0})
    api_client, _unused = make_client(access_key=None, secret_key=None, auth_token=TOKEN)
    assert api_client.get("/v1/{project_id}/app-servers") == {"count": 0}
    (request, _unused), = httpserver.log
    assert request.headers["X-Auth-Token"] == TOKEN
    assert "Authorization" not in request.headers
    assert "X-Sdk-Date" not in request.headers
    assert request.headers["X-Project-Id"] == PROJECT_ID


def test_unscoped_request_has_no_project_header(httpserver, make_client, assert_signed):
    httpserver.expect_request("/v3/auth/projects").respond_with_json({"projects": []})
    api_client, _unused = make_client()
    api_client.request("GET", "/v3/auth/projects", project_scoped=False)
    (request, _unused), = httpserver.log
    assert "X-Project-Id" not in request.headers
    assert_signed(request)


def test_project_id_placeholder_replaced_everywhere(httpserver, make_client):
    path = "/v2/%s/job/%s" % (PROJECT_ID, PROJECT_ID)
    httpserver.expect_request(path).respond_with_json({"id": "x"})
    api_client, _unused = make_client()
    api_client.get("/v2/{project_id}/job/{project_id}")
    assert [req.path for req, _unused in httpserver.log] == [path]


@pytest.mark.parametrize("status", [200, 202, 204])
def test_empty_success_body_is_none(httpserver, make_client, status):
    httpserver.expect_request("/empty").respond_with_data(b"", status=status)
    api_client, _unused = make_client()
    assert api_client.request("POST", "/empty", body={}) is None


def test_success_body_that_is_not_json(httpserver, make_client):
    httpserver.expect_request("/html").respond_with_data("<html>", status=200, headers={"X-Request-Id": "rq-1"})
    api_client, _unused = make_client()
    with pytest.raises(client.ApiError) as info:
        api_client.get("/html")
    assert (info.value.status, info.value.request_id) == (200, "rq-1")
    assert "not JSON" in info.value.error_msg


def test_redirect_is_not_followed(httpserver, make_client):
    httpserver.expect_request("/moved").respond_with_data("", status=302, headers={"Location": "http://example.com/"})
    api_client, _unused = make_client()
    with pytest.raises(client.ApiError) as info:
        api_client.get("/moved")
    assert info.value.status == 302
    assert len(httpserver.log) == 1


# ---------------------------------------------------------------------------
# retries
# ---------------------------------------------------------------------------

def test_get_retried_on_429_without_retry_after(httpserver, make_client, assert_signed):
    httpserver.expect_request("/r").respond_with_handler(sequence(
        error_response(429, "APIGW.0308", "throttled"), ok({"n": 1})))
    api_client, sleep = make_client()
    assert api_client.get("/r") == {"n": 1}
    assert len(httpserver.log) == 2
    assert sleep.delays == [0.5]  # rand 0.5 * min(cap, 1 * 2**0)
    assert api_client.retries == 1 and api_client.requests_sent == 2
    for request, _unused in httpserver.log:
        assert_signed(request)


@pytest.mark.parametrize("retry_after, expected", [("7", 7.0), ("0.2", 0.5), ("2.5", 2.5), ("soon", 0.5)])
def test_429_honours_retry_after(httpserver, make_client, retry_after, expected):
    httpserver.expect_request("/r").respond_with_handler(sequence(
        error_response(429, "APIGW.0308", "throttled", headers={"Retry-After": retry_after}), ok()))
    api_client, sleep = make_client()
    api_client.get("/r")
    assert sleep.delays == [expected]
    if retry_after.replace(".", "").isdigit():
        assert sleep.delays[0] >= float(retry_after)


@pytest.mark.parametrize("method", ["GET", "PATCH", "POST"])
def test_throttle_code_with_other_status_is_retried(httpserver, make_client, method):
    httpserver.expect_request("/t").respond_with_handler(sequence(
        error_response(403, "APIGW.0308", "The throttling threshold has been reached"), ok({"done": True})))
    api_client, sleep = make_client()
    assert api_client.request(method, "/t", body=None if method == "GET" else {"items": ["s1"]}) == {"done": True}
    assert len(httpserver.log) == 2
    assert len(sleep.delays) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_get_retried_on_5xx(httpserver, make_client, assert_signed, status):
    httpserver.expect_request("/s").respond_with_handler(sequence(
        error_response(status), error_response(status), ok({"fine": 1})))
    api_client, sleep = make_client()
    assert api_client.get("/s") == {"fine": 1}
    assert len(httpserver.log) == 3
    assert sleep.delays == [0.5, 1.0]
    for request, _unused in httpserver.log:
        assert_signed(request)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 501])
def test_get_not_retried_on_other_errors(httpserver, make_client, status):
    httpserver.expect_request("/n").respond_with_handler(sequence(error_response(status, "WKS.00211102", "bad")))
    api_client, sleep = make_client()
    with pytest.raises(client.ApiError) as info:
        api_client.get("/n")
    assert info.value.status == status
    assert len(httpserver.log) == 1
    assert sleep.delays == []


def test_get_gives_up_after_max_retries_with_full_error(httpserver, make_client):
    httpserver.expect_request("/v1/%s/app-servers" % PROJECT_ID).respond_with_handler(sequence(
        error_response(503, "WKS.00129901", "The service is now unavailable to process the request.",
                       headers={"X-Request-Id": "req-0123"})))
    api_client, sleep = make_client(max_retries=4)
    with pytest.raises(client.ApiError) as info:
        api_client.get("/v1/{project_id}/app-servers", {"limit": 1})
    exc = info.value
    assert len(httpserver.log) == 5
    assert len(sleep.delays) == 4
    assert (exc.status, exc.error_code, exc.method, exc.path, exc.request_id) == (
        503, "WKS.00129901", "GET", "/v1/%s/app-servers" % PROJECT_ID, "req-0123")
    assert exc.error_msg == "The service is now unavailable to process the request."
    assert api_client.retries == 4


def test_max_retries_zero_means_one_attempt(httpserver, make_client):
    httpserver.expect_request("/z").respond_with_handler(sequence(error_response(429, "APIGW.0308", "slow down")))
    api_client, sleep = make_client(max_retries=0)
    with pytest.raises(client.ApiError) as info:
        api_client.get("/z")
    assert info.value.status == 429 and info.value.throttled
    assert len(httpserver.log) == 1
    assert sleep.delays == []


def test_max_retries_default_is_five(httpserver, make_client):
    httpserver.expect_request("/d").respond_with_handler(sequence(error_response(502)))
    api_client, sleep = make_client(max_retries=None)
    with pytest.raises(client.ApiError):
        api_client.get("/d")
    assert len(httpserver.log) == 6
    assert len(sleep.delays) == 5


@pytest.mark.parametrize("rand_value, expected", [
    (0.5, [0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0]),
    (1.0, [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]),
    (0.0, [0.0] * 7),
    (0.25, [0.25, 0.5, 1.0, 2.0, 4.0, 7.5, 7.5]),
])
def test_backoff_is_full_jitter_exponential_and_capped(httpserver, make_client, rand_value, expected):
    httpserver.expect_request("/b").respond_with_handler(sequence(error_response(503)))
    api_client, sleep = make_client(max_retries=7, rand=lambda: rand_value)
    with pytest.raises(client.ApiError):
        api_client.get("/b")
    assert sleep.delays == pytest.approx(expected)


def test_backoff_draws_a_new_random_number_each_time(httpserver, make_client):
    draws = iter([0.1, 0.9, 0.3])
    httpserver.expect_request("/b").respond_with_handler(sequence(error_response(500)))
    api_client, sleep = make_client(max_retries=3, rand=lambda: next(draws))
    with pytest.raises(client.ApiError):
        api_client.get("/b")
    assert sleep.delays == pytest.approx([0.1, 1.8, 1.2])


def test_get_retried_on_connection_refused(make_client):
    port = closed_port()
    api_client, sleep = make_client(endpoint="http://127.0.0.1:%d" % port, max_retries=2)
    with pytest.raises(client.ApiError) as info:
        api_client.get("/v1/{project_id}/app-servers")
    exc = info.value
    assert api_client.requests_sent == 3
    assert sleep.delays == [0.5, 1.0]
    assert exc.status is None and exc.error_code is None
    assert "cannot reach 127.0.0.1:%d" % port in exc.error_msg
    assert "no response" in exc.message


def test_every_attempt_is_signed_afresh(httpserver, make_client, assert_signed):
    httpserver.expect_request("/again", method="PATCH").respond_with_handler(sequence(
        error_response(429, "APIGW.0308", "throttled"), error_response(429, "APIGW.0308", "throttled"),
        ok({"job_id": "j1"})))
    api_client, _unused = make_client()
    assert api_client.request("PATCH", "/again", body={"items": ["s1", "s2"]}) == {"job_id": "j1"}
    assert len(httpserver.log) == 3
    bodies = set()
    for request, _unused in httpserver.log:
        assert_signed(request)
        assert request.headers["X-Sdk-Date"]
        bodies.add(request.get_data())
    assert bodies == {json.dumps({"items": ["s1", "s2"]}).encode()}


# ---------------------------------------------------------------------------
# mutations
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["PATCH", "POST", "DELETE"])
def test_mutation_retried_on_429(httpserver, make_client, method):
    httpserver.expect_request("/m", method=method).respond_with_handler(sequence(
        error_response(429, "APIGW.0308", "throttled", headers={"Retry-After": "3"}), ok({"job_id": "j"})))
    api_client, sleep = make_client()
    assert api_client.request(method, "/m", body={"items": ["a"]}) == {"job_id": "j"}
    assert len(httpserver.log) == 2
    assert sleep.delays == [3.0]


@pytest.mark.parametrize("method", ["PATCH", "POST"])
@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_mutation_not_retried_on_5xx(httpserver, make_client, method, status):
    httpserver.expect_request("/m", method=method).respond_with_handler(sequence(
        error_response(status, "WKS.00211401", "The requested operation failed. Please try again later.",
                       headers={"X-Request-Id": "rid-5"}), ok()))
    api_client, sleep = make_client(max_retries=5)
    with pytest.raises(client.ApiError) as info:
        api_client.request(method, "/m", body={"items": ["a"]})
    assert len(httpserver.log) == 1
    assert sleep.delays == []
    assert (info.value.status, info.value.error_code, info.value.request_id) == (status, "WKS.00211401", "rid-5")


@pytest.mark.parametrize("method", ["PATCH", "POST"])
def test_mutation_not_retried_when_connection_dropped_after_sending(dropping_server, make_client, method):
    api_client, sleep = make_client(endpoint="http://127.0.0.1:%d" % dropping_server.port, max_retries=5)
    with pytest.raises(client.ApiError) as info:
        api_client.request(method, "/v1/{project_id}/app-servers/actions/batch-update-tsvi",
                           body={"items": [{"id": "s1"}]})
    exc = info.value
    assert len(dropping_server.requests) == 1
    assert dropping_server.requests[0].startswith(method.encode() + b" /v1/")
    assert dropping_server.requests[0].endswith(b'{"items": [{"id": "s1"}]}')
    assert sleep.delays == []
    assert exc.status is None
    assert "may have been applied" in exc.error_msg
    assert exc.method == method and exc.path == "/v1/%s/app-servers/actions/batch-update-tsvi" % PROJECT_ID


def test_get_retried_when_connection_dropped(dropping_server, make_client):
    api_client, sleep = make_client(endpoint="http://127.0.0.1:%d" % dropping_server.port, max_retries=2)
    with pytest.raises(client.ApiError) as info:
        api_client.get("/x")
    assert len(dropping_server.requests) == 3
    assert len(sleep.delays) == 2
    assert info.value.status is None
    assert "may have been applied" not in info.value.error_msg


@pytest.mark.parametrize("method", ["PATCH", "POST"])
def test_mutation_retried_on_connection_refused(make_client, method):
    port = closed_port()
    api_client, sleep = make_client(endpoint="http://127.0.0.1:%d" % port, max_retries=3)
    with pytest.raises(client.ApiError) as info:
        api_client.request(method, "/m", body={"items": ["a"]})
    assert api_client.requests_sent == 4
    assert sleep.delays == [0.5, 1.0, 2.0]
    assert "cannot reach" in info.value.error_msg
    assert "may have been applied" not in info.value.error_msg


def test_mutation_over_failed_tls_handshake_is_not_reported_as_maybe_applied(httpserver, make_client):
    # https:// against the plain-HTTP test server: the TLS handshake fails before any request is sent
    api_client, _unused = make_client(endpoint="https://localhost:%d" % httpserver.port, max_retries=0)
    with pytest.raises(client.ApiError) as info:
        api_client.request("PATCH", "/m", body={"items": ["a"]})
    assert all(req.method != "PATCH" for req, _unused in httpserver.log)
    assert "may have been applied" not in info.value.error_msg


@pytest.mark.parametrize("method, connections", [("GET", 3), ("PATCH", 1)])
def test_read_timeout(holding_server, make_client, method, connections):
    """No answer within request_timeout: reads are retried, a mutation is not (it may have been applied)."""
    api_client, sleep = make_client(endpoint="http://127.0.0.1:%d" % holding_server.port, max_retries=2,
                                    request_timeout=0.2)
    with pytest.raises(client.ApiError) as info:
        api_client.request(method, "/slow", body={"items": ["a"]} if method != "GET" else None)
    assert len(holding_server.requests) == connections
    assert len(sleep.delays) == connections - 1
    assert info.value.status is None
    assert ("may have been applied" in info.value.error_msg) is (method != "GET")


@pytest.mark.parametrize("method", ["PATCH", "POST"])
def test_mutation_gives_up_on_persistent_throttling(httpserver, make_client, method):
    httpserver.expect_request("/m").respond_with_handler(sequence(
        error_response(429, "APIGW.0308", "throttled", headers={"X-Request-Id": "r429"})))
    api_client, sleep = make_client(max_retries=2)
    with pytest.raises(client.ApiError) as info:
        api_client.request(method, "/m", body={"items": ["a"]})
    assert len(httpserver.log) == 3 and len(sleep.delays) == 2
    assert (info.value.status, info.value.error_code, info.value.request_id) == (429, "APIGW.0308", "r429")


@pytest.mark.parametrize("option", ["security_token", "auth_token"])
def test_secret_with_trailing_newline_never_leaks(httpserver, make_client, option):
    httpserver.expect_request("/x").respond_with_json({"ok": True})
    secret = SECURITY_TOKEN if option == "security_token" else TOKEN
    api_client, _unused = make_client(**{option: secret + "\n"})
    try:
        api_client.get("/x")
    except (client.ConfigurationError, client.ApiError) as exc:
        assert secret not in str(exc)
    else:
        (request, _unused), = httpserver.log
        header = "X-Security-Token" if option == "security_token" else "X-Auth-Token"
        assert request.headers[header] == secret


# ---------------------------------------------------------------------------
# error formatting
# ---------------------------------------------------------------------------

def test_api_error_message_and_dict(httpserver, make_client):
    httpserver.expect_request("/v1/%s/app-servers/access-agent/actions/upgrade" % PROJECT_ID).respond_with_data(
        json.dumps({"error_code": "WKS.00211102", "error_msg": "The parameter is invalid."}), status=400,
        headers={"X-Request-Id": "0f1e2d3c"}, content_type="application/json")
    api_client, _unused = make_client(security_token=SECURITY_TOKEN)
    with pytest.raises(client.ApiError) as info:
        api_client.request("PATCH", "/v1/{project_id}/app-servers/access-agent/actions/upgrade", body={"items": []})
    exc = info.value
    message = str(exc)
    assert message == exc.message
    for part in ("PATCH", "/v1/%s/app-servers/access-agent/actions/upgrade" % PROJECT_ID, "HTTP 400",
                 "WKS.00211102", "The parameter is invalid.", "0f1e2d3c"):
        assert part in message
    assert exc.to_dict() == {
        "status": 400, "error_code": "WKS.00211102", "error_msg": "The parameter is invalid.", "method": "PATCH",
        "path": "/v1/%s/app-servers/access-agent/actions/upgrade" % PROJECT_ID, "request_id": "0f1e2d3c"}
    dumped = json.dumps(exc.to_dict()) + message + repr(exc)
    for secret in (SK, SECURITY_TOKEN):
        assert secret not in dumped
    assert "Signature=" not in dumped and "Authorization" not in dumped


def test_api_error_in_token_mode_never_contains_the_token(httpserver, make_client):
    httpserver.expect_request("/v1/%s/x" % PROJECT_ID).respond_with_data(
        json.dumps({"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information"}),
        status=401, headers={"X-Request-Id": "r401"})
    api_client, _unused = make_client(access_key=None, secret_key=None, auth_token=TOKEN)
    with pytest.raises(client.ApiError) as info:
        api_client.get("/v1/{project_id}/x")
    assert info.value.status == 401 and info.value.error_code == "APIGW.0301"
    assert TOKEN not in str(info.value) and TOKEN not in json.dumps(info.value.to_dict())


def test_iam_style_error_body(httpserver, make_client):
    httpserver.expect_request("/v3/projects").respond_with_data(
        json.dumps({"error": {"code": "IAM.0001", "message": "The request you have made requires authentication.",
                              "title": "Unauthorized"}}), status=401, headers={"X-IAM-Trace-Id": "trace-9"})
    api_client, _unused = make_client()
    with pytest.raises(client.ApiError) as info:
        api_client.get("/v3/projects")
    exc = info.value
    assert (exc.error_code, exc.error_msg, exc.request_id) == (
        "IAM.0001", "The request you have made requires authentication.", "trace-9")
    assert "HTTP 401 IAM.0001: The request you have made requires authentication." in exc.message


def test_non_json_error_body(httpserver, make_client):
    httpserver.expect_request("/gw").respond_with_data("<html><body>Bad Gateway</body></html>" + "x" * 400,
                                                       status=400, content_type="text/html")
    api_client, _unused = make_client()
    with pytest.raises(client.ApiError) as info:
        api_client.get("/gw")
    exc = info.value
    assert exc.error_code is None
    assert exc.error_msg.startswith("<html><body>Bad Gateway")
    assert len(exc.error_msg) == 255
    assert "GET /gw failed: HTTP 400: <html>" in exc.message
    assert "request id" not in exc.message


def test_empty_error_body_uses_reason(httpserver, make_client):
    httpserver.expect_request("/gone").respond_with_data("", status=404)
    api_client, _unused = make_client()
    with pytest.raises(client.ApiError) as info:
        api_client.get("/gone")
    assert info.value.error_msg == "NOT FOUND"
    assert info.value.status == 404


def test_openstack_request_id_header_is_used(httpserver, make_client):
    httpserver.expect_request("/os").respond_with_data("{}", status=409, headers={"X-Openstack-Request-Id": "os-1"})
    api_client, _unused = make_client()
    with pytest.raises(client.ApiError) as info:
        api_client.get("/os")
    assert info.value.request_id == "os-1"


def test_api_error_without_response():
    exc = client.ApiError(None, None, "cannot reach h (ConnectionError)", "GET", "/p")
    assert exc.message == "GET /p failed: no response: cannot reach h (ConnectionError)"
    assert not exc.throttled
    assert client.ApiError(429, None, "m", "GET", "/p").throttled
    assert client.ApiError(403, "APIGW.0308", "m", "GET", "/p").throttled


# ---------------------------------------------------------------------------
# project id through IAM
# ---------------------------------------------------------------------------

def test_project_id_resolved_once_through_iam(httpserver, make_client, assert_signed):
    httpserver.expect_request("/v3/projects", query_string={"name": "cn-north-4"}).respond_with_json(
        {"projects": [{"id": "resolvedpid", "name": "cn-north-4"}]})
    httpserver.expect_request("/v1/resolvedpid/app-servers").respond_with_json({"items": [], "count": 0})
    httpserver.expect_request("/v2/resolvedpid/job/j1").respond_with_json({"status": "SUCCESS"})
    api_client, _unused = make_client(project_id=None, iam_endpoint=httpserver.url_for("/"))
    api_client.get("/v1/{project_id}/app-servers")
    api_client.get("/v1/{project_id}/app-servers")
    api_client.get("/v2/{project_id}/job/j1")
    assert api_client.project_id == "resolvedpid"
    paths = [req.path for req, _unused in httpserver.log]
    assert paths == ["/v3/projects", "/v1/resolvedpid/app-servers", "/v1/resolvedpid/app-servers",
                     "/v2/resolvedpid/job/j1"]
    iam_request = httpserver.log[0][0]
    assert iam_request.query_string == b"name=cn-north-4"
    assert "X-Project-Id" not in iam_request.headers
    assert_signed(iam_request)
    for request, _unused in httpserver.log[1:]:
        assert request.headers["X-Project-Id"] == "resolvedpid"
        assert_signed(request)


def test_project_lookup_goes_to_iam_endpoint_not_service(httpserver, make_client):
    port = closed_port()
    # the service endpoint is dead; the IAM lookup must still succeed (it goes to iam_endpoint)
    httpserver.expect_request("/v3/projects").respond_with_json({"projects": [{"id": "p9"}]})
    api_client, _unused = make_client(project_id=None, endpoint="http://127.0.0.1:%d" % port,
                                      iam_endpoint=httpserver.url_for("/"), max_retries=0)
    assert api_client.project_id == "p9"
    assert len(httpserver.log) == 1


@pytest.mark.parametrize("projects", [[], [{"id": "p1"}, {"id": "p2"}]])
def test_project_lookup_needs_exactly_one_project(httpserver, make_client, projects):
    httpserver.expect_request("/v3/projects").respond_with_json({"projects": projects})
    api_client, _unused = make_client(project_id=None, iam_endpoint=httpserver.url_for("/"))
    with pytest.raises(client.ConfigurationError) as info:
        api_client.get("/v1/{project_id}/app-servers")
    msg = str(info.value)
    assert msg.startswith("project_id:")
    assert "%d project(s)" % len(projects) in msg
    assert "cn-north-4" in msg
    for project in projects:
        assert project["id"] in msg
    assert [req.path for req, _unused in httpserver.log] == ["/v3/projects"]


# ---------------------------------------------------------------------------
# paginate
# ---------------------------------------------------------------------------

def _pager(total, count=True, short_after=None):
    """A handler serving ``total`` items in offset/limit pages."""
    items = [{"id": "s%03d" % n} for n in range(total)]

    def handler(request):
        offset, limit = int(request.args["offset"]), int(request.args["limit"])
        page = {"items": items[offset:offset + limit]}
        if count:
            page["count"] = total
        return Response(json.dumps(page), content_type="application/json")

    return handler, items


def _offsets(httpserver):
    return [(int(req.args["offset"]), int(req.args["limit"])) for req, _unused in httpserver.log]


def test_paginate_stops_on_count(httpserver, make_client):
    handler, items = _pager(250)
    httpserver.expect_request("/v1/%s/app-servers" % PROJECT_ID).respond_with_handler(handler)
    api_client, _unused = make_client()
    assert api_client.paginate("/v1/{project_id}/app-servers") == items
    assert _offsets(httpserver) == [(0, 100), (100, 100), (200, 100)]


def test_paginate_stops_when_count_reached_on_a_full_page(httpserver, make_client):
    handler, items = _pager(200)
    httpserver.expect_request("/p").respond_with_handler(handler)
    api_client, _unused = make_client()
    assert api_client.paginate("/p") == items
    assert _offsets(httpserver) == [(0, 100), (100, 100)]


def test_paginate_stops_on_short_page_without_count(httpserver, make_client):
    handler, items = _pager(130, count=False)
    httpserver.expect_request("/p").respond_with_handler(handler)
    api_client, _unused = make_client()
    assert api_client.paginate("/p") == items
    assert _offsets(httpserver) == [(0, 100), (100, 100)]


def test_paginate_stops_on_empty_page(httpserver, make_client):
    handler, items = _pager(100, count=False)
    httpserver.expect_request("/p").respond_with_handler(handler)
    api_client, _unused = make_client()
    assert api_client.paginate("/p") == items
    assert _offsets(httpserver) == [(0, 100), (100, 100)]


def test_paginate_empty_listing_and_empty_body(httpserver, make_client):
    httpserver.expect_request("/none").respond_with_data("")
    httpserver.expect_request("/zero").respond_with_json({"count": 0, "items": []})
    api_client, _unused = make_client()
    assert api_client.paginate("/none") == []
    assert api_client.paginate("/zero") == []
    assert len(httpserver.log) == 2


def test_paginate_passes_filters_and_drops_none(httpserver, make_client, assert_signed):
    httpserver.expect_request("/v1/%s/app-server-groups" % PROJECT_ID).respond_with_json(
        {"count": 1, "server_groups": [{"id": "g"}]})
    api_client, _unused = make_client()
    result = api_client.paginate("/v1/{project_id}/app-server-groups",
                                 {"server_group_name": "my group", "app_type": None, "server_group_id": "g"},
                                 key="server_groups")
    assert result == [{"id": "g"}]
    (request, _unused), = httpserver.log
    assert request.query_string == b"limit=100&offset=0&server_group_id=g&server_group_name=my%20group"
    assert_signed(request)


def test_paginate_custom_limit(httpserver, make_client):
    handler, items = _pager(25)
    httpserver.expect_request("/p").respond_with_handler(handler)
    api_client, _unused = make_client()
    assert api_client.paginate("/p", limit=10) == items
    assert _offsets(httpserver) == [(0, 10), (10, 10), (20, 10)]


def test_client_does_not_read_real_home(isolated_home):
    # guard for the fixtures above: HOME points at an empty temporary directory
    assert os.path.expanduser("~") == str(isolated_home)
    assert not os.path.exists(os.path.expanduser(client.DEFAULT_CREDENTIALS_FILE))


# ---------------------------------------------------------------------------
# api.py wrappers (thin: paths, query flags and bodies on the wire)
# ---------------------------------------------------------------------------

def test_api_list_servers_flags_and_filters(httpserver, make_client):
    from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api

    httpserver.expect_request("/v1/%s/app-servers" % PROJECT_ID).respond_with_json({"count": 1, "items": [{"id": "a"}]})
    api_client, _unused = make_client()
    assert api.list_servers(api_client, server_name="web 1", maintain_status=False) == [{"id": "a"}]
    assert api.list_servers(api_client, maintain_status=True) == [{"id": "a"}]
    first, second = [req for req, _unused in httpserver.log]
    assert first.query_string == b"limit=100&maintain_status=false&offset=0&server_name=web%201"
    assert second.query_string == b"limit=100&maintain_status=true&offset=0"


def test_api_upgrade_and_versions(httpserver, make_client, assert_signed):
    from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api

    base = "/v1/%s/app-servers/access-agent" % PROJECT_ID
    httpserver.expect_request(base + "/actions/upgrade", method="PATCH").respond_with_json({"job_id": "job-42"})
    httpserver.expect_request(base + "/latest-version").respond_with_json({"latest_version": "2.5.1"})
    httpserver.expect_request(base + "/actions/show-latest-version").respond_with_json(
        {"items": [{"hda_type": "SBC", "latest_version": "2.5.1"}, {"hda_type": "PT_APP", "latest_version": "2.4"}]})
    api_client, _unused = make_client()
    assert api.batch_upgrade_hda_version(api_client, ("s2", "s1")) == "job-42"
    assert api.show_access_agent_latest_version(api_client) == "2.5.1"
    assert api.list_access_agent_latest_version(api_client) == {"SBC": "2.5.1", "PT_APP": "2.4"}
    upgrade = httpserver.log[0][0]
    assert json.loads(upgrade.get_data()) == {"items": ["s2", "s1"]}
    assert_signed(upgrade)
