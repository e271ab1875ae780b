"""AK/SK signature verification, temporary credentials, IAM tokens and project checks."""

import datetime
import hashlib

import requests

from simulator import auth


def sdk_date(offset_seconds=0):
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_seconds)
    return moment.strftime("%Y%m%dT%H%M%SZ")


def _assert_auth_error(response, code="APIGW.0301"):
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["error_code"] == code
    assert response.headers["X-Request-Id"]
    return body


def test_signed_request_is_accepted(client):
    response = client.get("app-servers", params={"limit": 2})
    assert response.status_code == 200, response.text
    assert response.json()["count"] == 6
    assert len(response.json()["items"]) == 2


def test_wrong_secret_key_is_rejected_without_echoing_it(simulator, client_for):
    bad_sk = "S3cretThatIsWrong0123456789abcdefghijklm"
    response = client_for(simulator, sk=bad_sk).get("app-servers")
    body = _assert_auth_error(response)
    assert "verify aksk signature fail" in body["error_msg"]
    assert bad_sk not in response.text and simulator.credentials["sk"] not in response.text


def test_unknown_access_key_is_rejected(simulator, client_for):
    _assert_auth_error(client_for(simulator, ak="NOSUCHACCESSKEY00000").get("app-servers"))


def test_sdk_date_must_be_within_15_minutes(client):
    assert client.get("app-servers", date=sdk_date(-14 * 60)).status_code == 200
    body = _assert_auth_error(client.get("app-servers", date=sdk_date(-16 * 60)))
    assert "expired" in body["error_msg"]
    _assert_auth_error(client.get("app-servers", date=sdk_date(+16 * 60)))
    _assert_auth_error(client.get("app-servers", date="2024-01-01T00:00:00Z"))


def test_tampered_body_is_rejected(simulator, client):
    server_id = simulator.state.server_ids()[0]

    def swap_body(headers, pairs, body):
        return headers, pairs, body.replace(b"true", b"false")

    response = client.patch("app-servers/actions/batch-maint", {"items": [server_id], "maintain_status": True},
                            tamper=swap_body)
    _assert_auth_error(response)
    assert simulator.state.get_server(server_id)["maintain_status"] is False


def test_tampered_query_is_rejected(client):
    def change_limit(headers, pairs, body):
        return headers, [("limit", "3")], body

    _assert_auth_error(client.get("app-servers", params={"limit": 2}, tamper=change_limit))


def test_unsigned_header_change_is_ignored_but_signed_header_change_is_not(client):
    def add_unsigned(headers, pairs, body):
        return dict(headers, **{"X-Extra": "added after signing"}), pairs, body

    assert client.get("app-servers", tamper=add_unsigned).status_code == 200

    def change_signed(headers, pairs, body):
        return dict(headers, **{"Content-Type": "application/json"}), pairs, body

    _assert_auth_error(client.get("app-servers", tamper=change_signed))


def test_unicode_body_and_query_with_spaces_verify(simulator, client):
    group = simulator.state.group_by_name("sim-group-1")
    response = client.patch("app-server-groups/%s" % group["id"], {"name": "测试组_一", "description": "Ünïcode ✓"})
    assert response.status_code == 200, response.text
    assert simulator.state.get_group(group["id"])["name"] == "测试组_一"
    response = client.get("app-servers", params={"server_name": "sim server 0001", "limit": 5})
    assert response.status_code == 200, response.text
    assert response.json()["count"] == 0
    response = client.get("app-servers", params={"server_name": "server-000", "machine_name": "APS-"})
    assert response.json()["count"] == 6


def test_plus_encoded_spaces_in_query_verify(client):
    # Clients that let `requests` encode the query send "+" for a space; the pair decodes the same.
    def plus_for_space(headers, pairs, body):
        return headers, "server_name=a+b", body

    response = client.get("app-servers", params={"server_name": "a b"}, tamper=plus_for_space)
    assert response.status_code == 200, response.text
    assert "server_name=a+b" in response.request.url


def test_x_sdk_date_must_be_signed(simulator, client):
    def unsign_date(headers, pairs, body):
        authorization = headers["Authorization"].replace("x-sdk-date;", "").replace(";x-sdk-date", "")
        return dict(headers, Authorization=authorization), pairs, body

    body = _assert_auth_error(client.get("app-servers", tamper=unsign_date))
    assert "X-Sdk-Date" in body["error_msg"]


def test_missing_signed_header_is_rejected(client):
    response = client.get("app-servers", signed_extra={"X-Custom": "1"},
                          tamper=lambda h, p, b: ({k: v for k, v in h.items() if k != "X-Custom"}, p, b))
    _assert_auth_error(response)


def test_no_credentials_at_all(simulator):
    response = requests.get(simulator.url + "/v1/%s/app-servers" % simulator.credentials["project_id"], timeout=5)
    _assert_auth_error(response)


def test_unsigned_payload_header_skips_body_hash(simulator, client):
    server_id = simulator.state.server_ids()[0]
    response = client.patch("app-servers/actions/batch-maint", {"items": [server_id], "maintain_status": True},
                            signed_extra={"X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD"})
    assert response.status_code == 200, response.text


def test_temporary_credentials_need_the_security_token(simulator, client_for):
    creds = simulator.credentials
    signed_token = client_for(simulator, ak=creds["temp_ak"], sk=creds["temp_sk"],
                              security_token=creds["security_token"])
    assert signed_token.get("app-servers").status_code == 200

    unsigned_token = client_for(simulator, ak=creds["temp_ak"], sk=creds["temp_sk"])
    assert unsigned_token.get("app-servers", headers={"X-Security-Token": creds["security_token"]}).status_code == 200

    _assert_auth_error(unsigned_token.get("app-servers"))
    wrong = client_for(simulator, ak=creds["temp_ak"], sk=creds["temp_sk"], security_token="not-the-token")
    _assert_auth_error(wrong.get("app-servers"))


def test_token_auth(simulator, client_for):
    creds = simulator.credentials
    assert client_for(simulator, token=creds["auth_token"]).get("app-servers").status_code == 200
    assert simulator.log[-1].auth == "token"
    _assert_auth_error(client_for(simulator, token="MIITnot-a-token").get("app-servers"))
    expired = simulator.issue_token(ttl=0)
    _assert_auth_error(client_for(simulator, token=expired).get("app-servers"), code="APIGW.0307")


def test_token_expires_with_the_simulator_clock(simulator, client_for):
    token = simulator.issue_token(ttl=60)
    token_client = client_for(simulator, token=token)
    assert token_client.get("app-servers").status_code == 200
    simulator.state.fast_forward(61)
    _assert_auth_error(token_client.get("app-servers"), code="APIGW.0307")


def test_password_token_flow(simulator, client_for):
    creds = simulator.credentials
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": creds["user_name"], "password": creds["password"], "domain": {"name": creds["domain_name"]}}}},
        "scope": {"project": {"name": creds["region"]}}}}
    response = requests.post(simulator.url + "/v3/auth/tokens", json=body, timeout=5)
    assert response.status_code == 201, response.text
    token = response.headers["X-Subject-Token"]
    assert response.json()["token"]["project"]["id"] == creds["project_id"]
    assert response.json()["token"]["expires_at"].endswith("Z")
    assert client_for(simulator, token=token).get("app-servers").status_code == 200

    logged = simulator.log.requests(operation="keystone_create_user_token_by_password")[0]
    assert logged.body["auth"]["identity"]["password"]["user"]["password"] == "******"
    assert logged.status == 201 and logged.mutating is False

    body["auth"]["identity"]["password"]["user"]["password"] = "wrong"
    response = requests.post(simulator.url + "/v3/auth/tokens", json=body, timeout=5)
    assert response.status_code == 401
    assert creds["password"] not in response.text


def test_keystone_list_projects(simulator, client):
    response = client.get("/v3/projects", params={"name": "cn-north-4"})
    assert response.status_code == 200, response.text
    projects = response.json()["projects"]
    assert [(p["id"], p["name"], p["enabled"]) for p in projects] == [
        (simulator.credentials["project_id"], "cn-north-4", True)]
    assert projects[0]["domain_id"] == simulator.credentials["domain_id"]
    assert client.get("/v3/projects", params={"name": "ap-southeast-1"}).json()["projects"] == []
    assert requests.get(simulator.url + "/v3/projects?name=cn-north-4", timeout=5).status_code == 401


def test_foreign_project_id_is_forbidden(simulator, client):
    response = client.get("/v1/%s/app-servers" % ("0" * 32))
    assert response.status_code == 403
    assert response.json() == {"error_code": "WKS.00081102",
                               "error_msg": "User does not have permission to access this resource."}


def test_x_project_id_header_must_match(simulator, client):
    assert client.get("app-servers", signed_extra={"X-Project-Id": simulator.credentials["project_id"]}) \
        .status_code == 200
    _assert_auth_error(client.get("app-servers", signed_extra={"X-Project-Id": "f" * 32}))


def test_canonical_request_matches_the_sdk_signer():
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer.signer import Signer

    body = '{"name": "组-1"}'.encode("utf-8")
    request = SdkRequest(method="PATCH", schema="http", host="127.0.0.1:1", resource_path="/v1/p/a b/c%2Fd",
                         query_params=[("z", "1 2"), ("a", "é")],
                         header_params={"Content-Type": "application/json", "X-Sdk-Date": "20260101T000000Z"},
                         body=body)
    Signer(BasicCredentials("AK", "SK")).sign(request)
    signed = request.header_params["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    headers = {name.lower(): auth.header_text(value) for name, value in request.header_params.items()}
    canonical = auth.canonical_request("PATCH", "/v1/p/a%20b/c%2Fd", [("z", "1 2"), ("a", "é")], headers, signed,
                                       body)
    expected = auth.signature("SK", auth.string_to_sign(canonical, "20260101T000000Z"))
    assert request.header_params["Authorization"].endswith("Signature=" + expected)
    assert auth.payload_hash(b"") == hashlib.sha256(b"").hexdigest()
