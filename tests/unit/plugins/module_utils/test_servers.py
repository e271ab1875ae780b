"""servers.py (resolving server ids / a server group), and the batch size rule and batching of the engine.

The server list and the group detail come from a loopback server
(pytest-httpserver) that filters and pages like the service does.
"""

import json

import pytest

from werkzeug.wrappers import Response

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import module, operation
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import servers as targets
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import ApiError, TargetError

PROJECT_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
SERVERS_PATH = "/v1/%s/app-servers" % PROJECT_ID
GROUPS_PATH = "/v1/%s/app-server-groups" % PROJECT_ID


def fleet(count, group="g1"):
    return [{"id": "srv-%03d" % n, "name": "server-%d" % n, "server_group_id": group} for n in range(count)]


def serve_servers(httpserver, servers):
    """GET …/app-servers with the server_id / server_group_id filters and offset/limit paging."""

    def handler(request):
        selected = list(servers)
        if "server_id" in request.args:
            selected = [s for s in selected if s["id"] == request.args["server_id"]]
        if "server_group_id" in request.args:
            selected = [s for s in selected if s["server_group_id"] == request.args["server_group_id"]]
        offset, limit = int(request.args.get("offset", 0)), int(request.args.get("limit", 10))
        page = {"count": len(selected), "items": selected[offset:offset + limit]}
        return Response(json.dumps(page), content_type="application/json")

    httpserver.expect_request(SERVERS_PATH, method="GET").respond_with_handler(handler)


def server_requests(httpserver):
    return [req for req, _unused in httpserver.log if req.path == SERVERS_PATH]


def check_batch_size(size, maximum=20):
    """The engine's batch_size rule (module.OperationModule adds it with the operation's maximum)."""
    return module.in_range("batch_size", 1, maximum)({"batch_size": size})


# ---------------------------------------------------------------------------
# batch size and batches
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("size", [1, 2, 19, 20])
def test_batch_size_in_range(size):
    assert check_batch_size(size) is None


@pytest.mark.parametrize("size", [0, -1, 21, 100])
def test_batch_size_out_of_range(size):
    with pytest.raises(TargetError) as info:
        check_batch_size(size)
    msg = str(info.value)
    assert msg.startswith("batch_size:")
    assert str(size) in msg
    assert "1..20" in msg


def test_batch_size_custom_maximum():
    check_batch_size(50, maximum=50)
    with pytest.raises(TargetError, match=r"1\.\.50"):
        check_batch_size(51, maximum=50)


@pytest.mark.parametrize("count, size, lengths", [
    (0, 20, []), (1, 20, [1]), (20, 20, [20]), (21, 20, [20, 1]), (45, 20, [20, 20, 5]), (5, 1, [1] * 5),
])
def test_batches(count, size, lengths):
    items = list(range(count))
    chunks = operation.batches(items, size)
    assert [len(chunk) for chunk in chunks] == lengths
    assert [item for chunk in chunks for item in chunk] == items


@pytest.mark.parametrize("weights, size, lengths", [
    ([400, 400, 400], 20, [2, 1]),  # 999 sessions per logoff call at most
    ([999, 1, 998, 1], 20, [1, 2, 1]),
    ([1200, 5], 20, [1, 1]),  # heavier than the limit on its own: alone
    ([1] * 30, 20, [20, 10]),  # the count still bounds a chunk
])
def test_batches_by_weight(weights, size, lengths):
    items = list(range(len(weights)))
    chunks = operation.batches(items, size, weight=lambda i: weights[i], max_weight=999)
    assert [len(chunk) for chunk in chunks] == lengths
    assert [item for chunk in chunks for item in chunk] == items


# ---------------------------------------------------------------------------
# resolve_targets
# ---------------------------------------------------------------------------

def test_group_targets_are_listed_without_reading_the_group(httpserver, make_client):
    httpserver.expect_request(GROUPS_PATH + "/g1").respond_with_json({"id": "g1", "name": "group one"})
    servers = list(reversed(fleet(3))) + fleet(2, group="other")
    serve_servers(httpserver, servers)
    api_client, _unused = make_client()
    result = targets.resolve_targets(api_client, server_group_id="g1")
    assert result.group is None  # its servers say it exists: its detail is not read
    assert result.ids == ["srv-000", "srv-001", "srv-002"]  # sorted, only that group
    (listing,) = server_requests(httpserver)
    assert listing.args["server_group_id"] == "g1"
    assert "server_id" not in listing.args
    assert len(httpserver.log) == 1


def test_a_group_read_already_is_kept(httpserver, make_client):
    serve_servers(httpserver, fleet(2))
    api_client, _unused = make_client()
    group = {"id": "g1", "name": "group one"}
    result = targets.resolve_targets(api_client, server_group_id="g1", group=group)
    assert result.group == group and result.ids == ["srv-000", "srv-001"] and len(httpserver.log) == 1


def test_an_empty_group_is_read_to_tell_it_exists_and_its_id_is_quoted(httpserver, make_client):
    httpserver.expect_request(GROUPS_PATH + "/a b").respond_with_json({"id": "a b"})
    serve_servers(httpserver, [])
    api_client, _unused = make_client()
    result = targets.resolve_targets(api_client, server_group_id="a b")
    assert result.ids == [] and result.group == {"id": "a b"}
    assert [entry[0].environ["REQUEST_URI"].split("?")[0] for entry in httpserver.log] == [
        SERVERS_PATH, GROUPS_PATH + "/a%20b"]


def test_unknown_group(httpserver, make_client):
    httpserver.expect_request(GROUPS_PATH + "/nope").respond_with_data(
        json.dumps({"error_code": "WKS.00120404", "error_msg": "server group not found"}), status=404)
    serve_servers(httpserver, fleet(2))
    api_client, _unused = make_client()
    with pytest.raises(TargetError) as info:
        targets.resolve_targets(api_client, server_group_id="nope")
    msg = str(info.value)
    assert msg.startswith("server_group_id:")
    assert "'nope'" in msg and "WKS.00120404" in msg
    (listing,) = server_requests(httpserver)  # it lists no server: only then is the group read, and fails
    assert listing.args["server_group_id"] == "nope"


def test_group_read_failing_otherwise_is_an_api_error(httpserver, make_client):
    httpserver.expect_request(GROUPS_PATH + "/g1").respond_with_data(
        json.dumps({"error_code": "WKS.00081102", "error_msg": "no permission"}), status=403)
    serve_servers(httpserver, [])
    api_client, _unused = make_client()
    with pytest.raises(ApiError) as info:
        targets.resolve_targets(api_client, server_group_id="g1")
    assert info.value.status == 403


def test_few_ids_are_looked_up_one_by_one(httpserver, make_client):
    serve_servers(httpserver, fleet(300))
    api_client, _unused = make_client()
    result = targets.resolve_targets(api_client, server_ids=["srv-250", "srv-003", "srv-250", "srv-100"])
    assert result.ids == ["srv-003", "srv-100", "srv-250"]
    assert result.group is None
    looked_up = [req.args["server_id"] for req in server_requests(httpserver)]
    assert looked_up == ["srv-250", "srv-003", "srv-100"]  # one request per distinct id


def test_five_ids_still_looked_up_one_by_one(httpserver, make_client):
    serve_servers(httpserver, fleet(10))
    api_client, _unused = make_client()
    ids = ["srv-%03d" % n for n in range(5)]
    assert targets.resolve_targets(api_client, server_ids=ids).ids == ids
    assert len(server_requests(httpserver)) == 5


def test_per_id_lookup_keeps_only_exact_matches(httpserver, make_client):
    # a service that ignores (or prefix-matches) the server_id filter
    httpserver.expect_request(SERVERS_PATH).respond_with_json(
        {"count": 2, "items": [{"id": "srv-1"}, {"id": "srv-10"}]})
    api_client, _unused = make_client()
    assert targets.resolve_targets(api_client, server_ids=["srv-1"]).ids == ["srv-1"]


def test_many_ids_use_one_paged_listing(httpserver, make_client):
    serve_servers(httpserver, fleet(150))
    api_client, _unused = make_client()
    ids = ["srv-149", "srv-000", "srv-042", "srv-100", "srv-101", "srv-007", "srv-042"]
    result = targets.resolve_targets(api_client, server_ids=ids)
    assert result.ids == sorted(set(ids))
    requests = server_requests(httpserver)
    assert [(r.args["offset"], r.args["limit"]) for r in requests] == [("0", "100"), ("100", "100")]
    assert all("server_id" not in r.args and "server_group_id" not in r.args for r in requests)


@pytest.mark.parametrize("ids", [
    ["srv-001", "ghost-1", "srv-002", "ghost-2"],
    ["srv-001", "ghost-1", "srv-002", "srv-003", "srv-004", "ghost-2", "srv-005"],
])
def test_unknown_ids_are_listed(httpserver, make_client, ids):
    serve_servers(httpserver, fleet(10))
    api_client, _unused = make_client()
    with pytest.raises(TargetError) as info:
        targets.resolve_targets(api_client, server_ids=ids)
    msg = str(info.value)
    assert msg.startswith("server_ids:")
    assert msg.endswith("ghost-1, ghost-2")
    assert "srv-001" not in msg


@pytest.mark.parametrize("ids", [[], None])
def test_empty_target_list(httpserver, make_client, ids):
    api_client, _unused = make_client()
    with pytest.raises(TargetError) as info:
        targets.resolve_targets(api_client, server_ids=ids)
    assert "server_ids" in str(info.value) and "empty" in str(info.value)
    assert httpserver.log == []


def test_targets_sorted_by_id():
    result = targets.Targets([{"id": "b"}, {"id": "a"}, {"id": "c"}], group={"id": "g"})
    assert result.ids == ["a", "b", "c"]
    assert result.group == {"id": "g"}


# ---------------------------------------------------------------------------
# read_by_id: the reader's cost rule for playbooks (the filter of the same name; the rolling_update role)
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("size, wave, by_id", [
    (40, 1, False),  # one page lists the whole group: as cheap as one lookup, and it is one request
    (40, 5, False),
    (250, 2, True),  # 3 pages against 2 lookups
    (250, 3, False),  # 3 pages against 3 lookups: list
    (1000, 9, True),
    (1000, 10, False),
])
def test_read_by_id_only_when_cheaper_than_listing_the_group(size, wave, by_id):
    servers = fleet(size)
    wanted = [record["id"] for record in servers[:wave]]
    assert targets.read_by_id(servers, wanted) == (wanted if by_id else [])


def test_read_by_id_drops_repeats_and_keeps_order():
    assert targets.read_by_id(fleet(500), ["srv-007", "srv-003", "srv-007"]) == ["srv-007", "srv-003"]


def test_read_by_id_lists_when_any_group_is_cheaper_to_list():
    servers = fleet(50, "g1") + fleet(500, "g2")[50:]
    assert targets.read_by_id(servers, ["srv-001", "srv-300"]) == []  # g1's one page costs as much as one lookup
    assert targets.read_by_id(servers, ["srv-300", "srv-301"]) == ["srv-300", "srv-301"]


# ---------------------------------------------------------------------------
# The access agent list: a few servers by name, whatever the tenant's size
# ---------------------------------------------------------------------------

AGENT_PATH = "/v1/%s/app-servers/access-agent/list" % PROJECT_ID


def serve_agents(httpserver, servers):
    """GET …/access-agent/list with server_group_id and server_name (partial match, as the service does)."""

    def handler(request):
        selected = [dict(server_id=s["id"], server_name=s["name"], server_group_id=s["server_group_id"],
                         server_group_name="group-one", status="REGISTERED", current_version="1.0.%s" % s["id"][-1])
                    for s in servers]
        if "server_name" in request.args:
            selected = [s for s in selected if request.args["server_name"] in s["server_name"]]
        if "server_group_id" in request.args:
            selected = [s for s in selected if s["server_group_id"] == request.args["server_group_id"]]
        offset, limit = int(request.args.get("offset", 0)), int(request.args.get("limit", 10))
        return Response(json.dumps({"count": len(selected), "items": selected[offset:offset + limit]}),
                        content_type="application/json")

    httpserver.expect_request(AGENT_PATH, method="GET").respond_with_handler(handler)


def agent_requests(httpserver):
    return [dict(req.args) for req, _unused in httpserver.log if req.path == AGENT_PATH]


def test_a_few_servers_by_id_cost_two_reads_each_whatever_the_tenant(httpserver, make_client):
    tenant = fleet(440)
    serve_servers(httpserver, tenant)
    serve_agents(httpserver, tenant)
    api_client, _unused = make_client(max_retries=0)
    records = targets.agent_records(api_client, server_ids=["srv-001"])
    # "server-1" also matches server-10 ... server-199: the one with the server's id is kept
    assert [r["id"] for r in records] == ["srv-001"] and records[0]["current_version"] == "1.0.1"
    assert records[0]["has_job_fields"] is True and records[0]["server_group_name"] == "group-one"
    assert [r.args.get("server_id") for r in server_requests(httpserver)] == ["srv-001"]
    assert [(a["server_name"], a["offset"]) for a in agent_requests(httpserver)] == [
        ("server-1", "0"), ("server-1", "100")]  # 111 names contain "server-1": two pages, still not the tenant


def test_six_servers_by_id_are_matched_against_one_tenant_listing(httpserver, make_client):
    tenant = fleet(150)
    serve_servers(httpserver, tenant)
    serve_agents(httpserver, tenant)
    api_client, _unused = make_client(max_retries=0)
    ids = ["srv-%03d" % n for n in (3, 5, 7, 9, 11, 13)]
    records = targets.agent_records(api_client, server_ids=ids)
    assert [r["id"] for r in records] == ids and not any(r["has_job_fields"] for r in records)
    assert server_requests(httpserver) == []
    assert [a.get("server_name") for a in agent_requests(httpserver)] == [None, None]  # 2 pages of the tenant


def test_a_server_the_agent_list_leaves_out_has_no_agent(httpserver, make_client):
    serve_servers(httpserver, fleet(3))
    serve_agents(httpserver, [])
    api_client, _unused = make_client(max_retries=0)
    (record,) = targets.agent_records(api_client, server_ids=["srv-002"])
    assert record["no_agent"] is True and record["current_version"] is None and record["name"] == "server-2"


def test_an_unknown_id_fails_before_any_agent_read(httpserver, make_client):
    serve_servers(httpserver, fleet(3))
    serve_agents(httpserver, fleet(3))
    api_client, _unused = make_client(max_retries=0)
    with pytest.raises(TargetError, match="unknown server id"):
        targets.agent_records(api_client, server_ids=["srv-001", "nope"])
    assert agent_requests(httpserver) == []


def test_the_agent_reader_lists_a_server_of_unknown_name_with_its_group(httpserver, make_client):
    tenant = fleet(30)
    serve_agents(httpserver, tenant)
    api_client, _unused = make_client(max_retries=0)
    known = [dict(id="srv-004", server_group_id="g1"), dict(id="srv-005", name="server-5", server_group_id="g1")]
    reader = targets.ServerReader(api_client, known, source=targets.AGENT_LIST)
    assert reader.cost(["srv-005"]) == 1 and reader.plan_reads(["srv-004"]) == [("g1", ["srv-004"], True)]
    found = reader.read(["srv-004", "srv-005"])
    assert sorted(found) == ["srv-004", "srv-005"]
    assert [a.get("server_group_id") for a in agent_requests(httpserver)] == ["g1"]
