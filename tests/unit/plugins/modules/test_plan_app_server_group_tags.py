"""app_server_group's tags through main() against recorded API answers (issue 30): a dict or the list of key/value,
added and updated on an existing group, purge_tags, idempotence, check mode and --diff, bad input refused before
anything is sent, and the one-group tag read's single-string values."""

import pytest

from ansible_collections.huaweicloud.workspace_app.plugins.modules import app_server_group as module
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.server_groups import tag_dict

from simulator.routing import EMPTY


def tagged(service, tags):
    group = service.group("design")
    group["tags"] = [{"key": key, "value": value} for key, value in tags.items()]
    return group


def answer_tags(service, group):
    """The service's answers to the tag batch calls: the group's tags changed as asked."""
    def create(request):
        current = tag_dict(group["tags"])
        current.update(tag_dict(request.body["items"][0]["tags"]))
        group["tags"] = [{"key": key, "value": value} for key, value in current.items()]
        return EMPTY

    def delete(request):
        gone = set(tag["key"] for tag in request.body["items"][0]["tags"])
        group["tags"] = [tag for tag in group["tags"] if tag["key"] not in gone]
        return EMPTY
    service.reply("batch_create_server_group_tags", create)
    service.reply("batch_delete_server_group_tags", delete)


def sent(service):
    return [(r.operation, r.body["items"][0]["tags"]) for r in service.mutations]


def test_a_dict_adds_and_updates_keys_and_keeps_the_others_then_a_rerun_sends_nothing(service, run):
    group = tagged(service, {"team": "cad", "site": "bj"})
    answer_tags(service, group)
    result = run(module, name="design", tags={"team": "cam", "owner": "ops"})
    assert not result.failed and result["changed"] is True
    created = [{"key": "owner", "value": "ops"}, {"key": "team", "value": "cam"}]
    assert sent(service) == [("batch_create_server_group_tags", created)]
    assert result["server_group"]["tags"] == {"team": "cam", "site": "bj", "owner": "ops"}
    assert result["changes"] == {"tags": {"team": "cam", "site": "bj", "owner": "ops"}}
    del service.requests[:]
    again = run(module, name="design", tags={"team": "cam", "owner": "ops"})
    assert again["changed"] is False and service.mutations == []
    # the list form means the same: no change either
    listed = run(module, name="design", tags=[{"key": "owner", "value": "ops"}, {"key": "team", "value": "cam"}])
    assert listed["changed"] is False and service.mutations == []


def test_purge_tags_removes_the_keys_not_named(service, run):
    group = tagged(service, {"team": "cad", "site": "bj", "old": "x"})
    answer_tags(service, group)
    result = run(module, name="design", tags=[{"key": "team", "value": "cad"}], purge_tags=True)
    assert result["changed"] is True and result["server_group"]["tags"] == {"team": "cad"}
    removed = [{"key": "old", "value": "x"}, {"key": "site", "value": "bj"}]
    assert sent(service) == [("batch_delete_server_group_tags", removed)]
    del service.requests[:]
    cleared = run(module, name="design", tags={}, purge_tags=True)
    assert cleared["changed"] is True and group["tags"] == []
    assert sent(service) == [("batch_delete_server_group_tags", [{"key": "team", "value": "cad"}])]


def test_check_mode_and_diff_send_nothing_and_show_the_tags_before_and_after(service, run):
    tagged(service, {"team": "cad", "site": "bj"})
    result = run(module, check=True, diff=True, name="design", tags={"team": "cam"}, purge_tags=True)
    assert service.mutations == [] and result["changed"] is True
    assert result["diff"] == {"before": {"tags": {"team": "cad", "site": "bj"}}, "after": {"tags": {"team": "cam"}}}
    assert result["server_group"]["tags"] == {"team": "cam"}


@pytest.mark.parametrize("tags, words", [
    ({"k" * 129: "v"}, ["tags: key", "1 to 128 characters"]),
    ({"": "v"}, ["tags: key ''", "1 to 128"]),
    (dict(("k%d" % i, "v") for i in range(21)), ["tags: 21 tags given", "at most 20"]),
    ([{"key": "a", "value": "1"}, {"key": "a", "value": "2"}], ["tags: key 'a' is given twice"]),
    ({"a": "v" * 256}, ["tags: the value of 'a'", "255"]),
    ([{"key": "a", "val": "1"}], ["tags: each list item", "allowed keys: key, value"]),
    ("owner=ops", ["tags: a dict"]),
])
def test_bad_tags_fail_before_any_request_naming_the_option(service, run, tags, words):
    tagged(service, {"team": "cad"})
    result = run(module, name="design", tags=tags)
    assert result.failed and service.requests == []
    assert all(word in result["msg"] for word in words), result["msg"]


def test_more_than_20_tags_with_the_groups_own_fail_before_any_mutation(service, run):
    tagged(service, dict(("k%02d" % i, "v") for i in range(15)))
    result = run(module, name="design", tags=dict(("n%02d" % i, "v") for i in range(6)))
    assert result.failed and service.mutations == []
    assert "tags: the group would have 21 tags" in result["msg"] and "purge_tags" in result["msg"]


def test_a_group_read_without_tags_is_completed_by_the_one_group_read_and_its_single_string_values(service, run):
    group = service.group("design")
    group["tags"] = None  # the group's read leaves them out: the one-group tag read answers them

    def fill(_request):
        group["tags"] = [{"key": "team", "value": "cad"}]
    service.before("show_server_group_tag", fill)
    result = run(module, name="design", tags={"team": "cad"})
    assert not result.failed and result["changed"] is False and service.mutations == []
    assert [r.operation for r in service.requests].count("show_server_group_tag") == 1
    shown = [r for r in service.requests if r.operation == "show_server_group_tag"][0]
    assert shown.path.endswith("/server-group/%s/tags" % group["id"])


def test_tag_dict_reads_both_answers_of_the_service():
    # the list of all groups answers values (a list), the one-group read value (a single string)
    assert tag_dict([{"key": "team", "values": ["cad"]}]) == {"team": "cad"}
    assert tag_dict([{"key": "team", "value": "cad"}, {"key": "bare"}]) == {"team": "cad", "bare": ""}
    assert tag_dict({"n": 1}) == {"n": "1"} and tag_dict(None) is None
