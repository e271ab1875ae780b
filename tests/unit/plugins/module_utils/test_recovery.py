"""The one recovery rule (recovery.land / land_one): what is re-read, what is sent again, and when it gives up."""

import pytest

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import ApiError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.recovery import (
    STANDS, GaveUp, land, land_one, resend_pause, settled_by_state, uncertain)


def error(status, code=None):
    return ApiError(status, code, "refused" if status else "no answer", "PATCH", "/x")


@pytest.mark.parametrize("status, code, maybe, reread", [
    (None, None, True, True), (500, None, True, True), (503, None, True, True),
    (429, "APIG.0308", False, True), (403, "APIGW.0308", False, True), (409, "WKS.0001", False, True),
    (400, "WKS.0407", False, True), (401, None, False, False), (403, None, False, False), (404, None, False, False),
    (422, "WKS.0002", False, False),
])
def test_which_failures_may_have_landed_and_which_are_settled_by_the_state(status, code, maybe, reread):
    assert uncertain(error(status, code)) is maybe
    assert settled_by_state(error(status, code)) is reread


class Service:
    """Answers ``send`` with the errors given, in turn, then with a job per key; records each call."""

    def __init__(self, *errors):
        self.errors = list(errors)
        self.calls = []

    def send(self, keys):
        self.calls.append(list(keys))
        if self.errors:
            raise self.errors.pop(0)
        return dict((key, "job-" + key) for key in keys)


def test_what_the_state_shows_applied_is_ours_and_only_the_rest_is_sent_again():
    service, sleeps = Service(error(503)), []
    answers = land(["a", "b", "c"], service.send, lambda keys, exc: {"a": "job-found", "b": None}, retries=5,
                   sleep=sleeps.append)
    assert service.calls == [["a", "b", "c"], ["b", "c"]]
    assert answers == {"a": "job-found", "b": "job-b", "c": "job-c"}
    assert sleeps == []  # the first resend follows the re-read at once


def test_a_failure_the_state_cannot_explain_is_raised_as_it_is_and_nothing_is_read():
    read = []
    with pytest.raises(ApiError) as info:
        land(["a"], Service(error(404)).send, lambda keys, exc: read.append(keys), retries=5)
    assert info.value.status == 404 and not isinstance(info.value, GaveUp) and read == []


def test_a_400_is_settled_by_the_state_and_stands_when_the_state_explains_nothing():
    """Busy may be a 400 (the sibling desktop API's WKS.0407): the state is read; a job of ours found is waited for,
    and when nothing explains the refusal it stands as the service gave it, and nothing is sent again."""
    service, read = Service(error(400, "WKS.0407")), []
    answers = land(["a"], service.send, lambda keys, exc: read.append(keys) or {"a": "job-running"}, retries=5)
    assert answers == {"a": "job-running"} and read == [["a"]] and service.calls == [["a"]]
    service, read = Service(error(400, "WKS.00211102")), []
    with pytest.raises(ApiError) as info:
        land(["a"], service.send, lambda keys, exc: read.append(keys) or STANDS, retries=5)
    assert info.value.error_code == "WKS.00211102" and not isinstance(info.value, GaveUp)
    assert read == [["a"]] and service.calls == [["a"]]


def test_resends_stop_after_retries_with_what_landed_and_what_did_not():
    service, sleeps = Service(*[error(None)] * 10), []
    with pytest.raises(GaveUp) as info:
        land(["a", "b"], service.send, lambda keys, exc: {"a": "job-a"} if "a" in keys else {}, retries=3,
             sleep=sleeps.append)
    assert service.calls == [["a", "b"], ["b"], ["b"], ["b"]]  # three resends of what did not land
    assert info.value.answers == {"a": "job-a"} and info.value.pending == ["b"] and info.value.maybe_applied
    assert sleeps == [resend_pause(2), resend_pause(3)] == [1.0, 2.0]


def test_no_resend_past_the_deadline():
    clock = iter([100.0, 100.0, 100.0])
    service = Service(error(None), error(None))
    with pytest.raises(GaveUp):
        land(["a"], service.send, lambda keys, exc: {}, retries=5, deadline=100.5, clock=lambda: next(clock),
             sleep=lambda seconds: None)
    assert len(service.calls) == 2  # the second resend would pause 1 s, past the deadline


def test_a_state_that_cannot_tell_gives_up_at_once():
    def cannot_tell(keys, exc):
        raise exc
    with pytest.raises(GaveUp) as info:
        land(["a"], Service(error(500)).send, cannot_tell, retries=5)
    assert info.value.status == 500 and info.value.pending == ["a"] and info.value.maybe_applied


def test_a_give_up_inside_a_send_is_final():
    inner = GaveUp(error(503), {}, ["x"])
    read = []

    def send(keys):
        raise inner
    with pytest.raises(GaveUp) as info:
        land(["a"], send, lambda keys, exc: read.append(keys), retries=5)
    assert info.value is inner and read == []


def test_a_failed_first_call_is_settled_before_anything_is_sent():
    service = Service()
    answers = land(["a", "b"], service.send, lambda keys, exc: {"a": "job-found"}, retries=5, failed=error(None))
    assert service.calls == [["b"]] and answers == {"a": "job-found", "b": "job-b"}


def test_one_call_resent_when_the_state_shows_it_not_applied_and_kept_when_it_does():
    service = Service(error(502))
    assert land_one(lambda: service.send(["k"])["k"], lambda exc: None, retries=2) == "job-k"
    assert len(service.calls) == 2
    applied = Service(error(None))
    assert land_one(lambda: applied.send(["k"])["k"], lambda exc: "found", retries=2) == "found"
    assert len(applied.calls) == 1


def test_one_call_refused_by_a_conflict_is_not_sent_again_when_the_state_shows_it_not_applied():
    service = Service(error(409, "WKS.00211209"))
    with pytest.raises(ApiError) as info:
        land_one(lambda: service.send(["k"])["k"], lambda exc: None, retries=5)
    assert info.value.error_code == "WKS.00211209" and len(service.calls) == 1


def test_a_state_that_could_not_be_read_after_a_server_error_may_have_been_applied():
    def unreadable(keys, exc):
        raise ApiError(400, "X", "bad read", "GET", "/x")
    with pytest.raises(GaveUp) as info:
        land(["a"], Service(error(502)).send, unreadable, retries=5)
    assert info.value.status == 400 and info.value.maybe_applied  # the 502'd mutation may have landed
