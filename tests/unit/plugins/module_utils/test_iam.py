"""iam.py: the project id of a region, looked up once through IAM when project_id is not set."""

import pytest

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import errors, iam


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
    # the service endpoint has no handlers (every call there fails, and is not retried); the IAM lookup must
    # still succeed (it goes to iam_endpoint)
    httpserver.expect_request("/v3/projects").respond_with_json({"projects": [{"id": "p9"}]})
    api_client, _unused = make_client(project_id=None, endpoint=httpserver.url_for("/service"),
                                      iam_endpoint=httpserver.url_for("/"), max_retries=0)
    assert api_client.project_id == "p9"
    assert len(httpserver.log) == 1


@pytest.mark.parametrize("projects", [[], [{"id": "p1"}, {"id": "p2"}]])
def test_project_lookup_needs_exactly_one_project(httpserver, make_client, projects):
    httpserver.expect_request("/v3/projects").respond_with_json({"projects": projects})
    api_client, _unused = make_client(project_id=None, iam_endpoint=httpserver.url_for("/"))
    with pytest.raises(errors.ConfigurationError) as info:
        api_client.get("/v1/{project_id}/app-servers")
    msg = str(info.value)
    assert msg.startswith("project_id:")
    assert "%d project(s)" % len(projects) in msg
    assert "cn-north-4" in msg
    for project in projects:
        assert project["id"] in msg
    assert [req.path for req, _unused in httpserver.log] == ["/v3/projects"]


class StubClient:
    """Answers every request with ``body`` and records how it was asked."""

    def __init__(self, body):
        self.body = body
        self.calls = []

    def request(self, method, path, **kwargs):
        self.calls.append((method, path, kwargs))
        return self.body


def test_lookup_asks_iam_unscoped_for_the_region():
    stub = StubClient({"projects": [{"id": "p1", "name": "ap-southeast-1"}]})
    assert iam.lookup_project_id(stub, "ap-southeast-1", "https://iam.example.com") == "p1"
    asked = dict(params={"name": "ap-southeast-1"}, base="https://iam.example.com", project_scoped=False)
    assert stub.calls == [("GET", "/v3/projects", asked)]


@pytest.mark.parametrize("body, found", [(None, "0 project(s) named 'r' (none)"),
                                         ({"projects": None}, "0 project(s) named 'r' (none)"),
                                         ({"projects": [{"name": "r"}, {"id": "b"}]}, "2 project(s) named 'r' (?, b)")])
def test_lookup_error_says_what_iam_returned(body, found):
    with pytest.raises(errors.ConfigurationError) as info:
        iam.lookup_project_id(StubClient(body), "r", "https://iam.example.com")
    assert str(info.value) == ("project_id: IAM at https://iam.example.com returned %s; set project_id explicitly"
                               % found)
