"""shared_state.py: what the module processes of one run share on the controller (project-id cache, throttle).

The bucket arithmetic is tested as pure functions; the files through real Clients against a loopback server
(pytest-httpserver), several Clients on one directory standing for several module processes, on a fake clock
that only the injected ``sleep`` moves. One test uses real processes and real time, for the lock.
"""

import json
import multiprocessing
import os
import stat
import time

import pytest

from werkzeug.wrappers import Response

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import client, connection, shared_state

# the same values as conftest.py (test modules cannot import conftest under --import-mode=importlib)
AK = "HPUAEXAMPLEAK0000001"
SK = "sk-Secret/+=value-0123456789abcdefSECRET"
PROJECT_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
TOKEN = "MIIEXAMPLEtokenVALUE-" + "x" * 40
SECURITY_TOKEN = "gQpTEMPORARYsecurityTOKEN+/=" + "y" * 30
START = 1800000000.0
S = shared_state


class FakeTime:
    """A wall clock that only ``sleep`` moves; every sleep is recorded."""

    def __init__(self, now=START):
        self.now = now
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time():
    return FakeTime()


@pytest.fixture
def state_dir(tmp_path):
    return str(tmp_path / "shared")


@pytest.fixture
def make(httpserver, isolated_home, fake_time, state_dir):
    """``make(**connection options)`` -> a Client on the loopback server, the fake clock and ``state_dir``."""

    def factory(state=state_dir, time_source=fake_time, run="run-1", **params):
        base = dict(region="cn-north-4", project_id=PROJECT_ID, access_key=AK, secret_key=SK,
                    endpoint=httpserver.url_for("/"), max_retries=3, request_timeout=5)
        base.update(params)
        settings = connection.resolve_connection(dict((k, v) for k, v in base.items() if v is not None), {})
        return client.Client(settings, sleep=time_source.sleep, rand=lambda: 0.0, clock=time_source.clock,
                             state_dir=state, run_id=run)

    return factory


def approx(value):
    return pytest.approx(value, abs=1e-6)  # times near START carry rounding errors of about 1e-7 s


def throttled_response(retry_after=None):
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return Response(json.dumps({"error_code": "APIGW.0308", "error_msg": "The throttling threshold has been reached"}),
                    status=429, headers=headers, content_type="application/json")


def sequence(*responses):
    queue = list(responses)
    return lambda request: queue.pop(0) if len(queue) > 1 else queue[0]


def bucket_of(api_client):
    return api_client._throttle(api_client.settings.endpoint).state()  # pylint: disable=protected-access


def files_in(directory):
    return sorted(os.listdir(directory))


# ---------------------------------------------------------------------------
# the bucket arithmetic
# ---------------------------------------------------------------------------

def waits(bucket, now, count):
    return [S.reserve(bucket, now)[0] for _unused in range(count)]


def test_a_fresh_bucket_gives_a_burst_then_slots_at_its_rate_in_the_order_asked():
    bucket = S.fresh_bucket(START)
    assert (bucket["rate"], bucket["tokens"]) == (S.START_RATE, S.MAX_BURST) == (10.0, 10.0)
    assert waits(bucket, START, 10) == [0] * 10
    assert waits(bucket, START, 3) == [approx(0.1), approx(0.2), approx(0.3)]  # reserved one after the other
    assert bucket["tokens"] == approx(-3)
    assert waits(bucket, START + 0.25, 1) == [approx(0.15)]  # behind the three: START + 0.4
    assert waits(bucket, START + 0.5, 1) == [0]  # tokens came back: 10 r/s since START
    assert bucket["tokens"] == approx(0.0)


def test_refill_is_rate_times_elapsed_up_to_the_burst():
    bucket = S.fresh_bucket(START)
    bucket["tokens"] = 0.0
    S.refill(bucket, START + 0.35)
    assert bucket["tokens"] == approx(3.5)
    assert waits(bucket, START + 0.35, 4) == [0, 0, 0, approx(0.05)]
    S.refill(bucket, START + 100)
    assert bucket["tokens"] == S.MAX_BURST  # idle time does not pile up a bigger burst


@pytest.mark.parametrize("rate, burst", [(50.0, 10.0), (10.0, 10.0), (2.5, 2.5), (0.5, 1.0)])
def test_the_burst_is_one_second_at_the_rate_between_one_and_max_burst(rate, burst):
    assert S.capacity(rate) == burst


def test_a_429_halves_the_rate_empties_the_bucket_and_holds_everyone_for_retry_after():
    bucket = S.fresh_bucket(START)
    assert S.on_throttled(bucket, START + 1, hold=3, sent_at=START + 0.9) is True
    assert bucket["rate"] == 5.0 and bucket["tokens"] == 0 and bucket["not_before"] == START + 4
    assert bucket["holds"] == 1
    assert S.reserve(bucket, START + 1) == (approx(3.2), 1)  # the hold, then 1/rate for the first token
    assert S.reserve(bucket, START + 4) == (approx(0.2 * 2), 1)  # no tokens accrued during the hold
    assert S.reserve(bucket, START + 4.6) == (0, 1)


def test_a_slot_reserved_before_a_429_is_void():
    bucket = S.fresh_bucket(START)
    bucket["tokens"] = 0.0
    wait, holds = S.reserve(bucket, START)
    assert wait == approx(0.1) and S.still_reserved(bucket, START + 0.1, holds)
    S.on_throttled(bucket, START + 0.05, hold=1, sent_at=START)
    assert not S.still_reserved(bucket, START + 0.1, holds)
    assert bucket["tokens"] == 0  # the reservations are gone with the tokens: they are made again


def test_a_429_of_the_same_burst_keeps_the_slots_reserved_after_the_first():
    bucket = S.fresh_bucket(START)
    first = S.on_throttled_and_retrying(bucket, START + 0.030, hold=1, sent_at=START + 0.020)
    assert first == (approx(START + 1.030 + 0.2), 1)  # the hold, then one slot at the halved rate
    # another request of the burst (sent before the bucket was emptied) meets its 429 a moment later
    second = S.on_throttled_and_retrying(bucket, START + 0.031, hold=1, sent_at=START + 0.021, paced=False)
    assert second == (approx(START + 1.031 + 0.4), 1)  # behind the first retry, whose slot stays good
    assert S.still_reserved(bucket, START + 1.3, first[1])
    # a long Retry-After moves the hold by more than a slot: the slots are void after all
    S.on_throttled(bucket, START + 0.032, hold=5, sent_at=START + 0.022, paced=False)
    assert not S.still_reserved(bucket, START + 1.3, first[1]) and bucket["rate"] == 5.0


def test_after_the_first_429_only_a_paced_request_lowers_the_rate():
    bucket = S.fresh_bucket(START)
    assert S.on_throttled(bucket, START, hold=1, sent_at=START, paced=False) is True  # slow start ends
    assert bucket["rate"] == 5.0
    # sent with tokens to spare: a random 429, or another client of the account; the hold is all it does
    assert S.on_throttled(bucket, START + 5, hold=2, sent_at=START + 4, paced=False) is False
    assert bucket["rate"] == 5.0 and bucket["not_before"] == START + 7 and bucket["holds"] == 2
    assert S.on_throttled(bucket, START + 9, hold=1, sent_at=START + 8, paced=True) is True
    assert bucket["rate"] == 2.5


def test_one_decrease_per_burst_of_429s():
    bucket = S.fresh_bucket(START)
    S.on_throttled(bucket, START + 1, hold=1, sent_at=START + 0.99)
    # the other requests already in flight when the rate was lowered: no further decrease
    assert S.on_throttled(bucket, START + 1.01, hold=1, sent_at=START + 0.995) is False
    assert bucket["rate"] == 5.0
    # a request sent at the lowered rate and still throttled: lower again
    assert S.on_throttled(bucket, START + 3, hold=1, sent_at=START + 2.5) is True
    assert bucket["rate"] == 2.5


def test_rate_has_a_floor_and_retry_after_a_cap():
    bucket = S.fresh_bucket(START)
    for step in range(12):
        S.on_throttled(bucket, START + step, hold=10000, sent_at=START + step)
    assert bucket["rate"] == S.RATE_FLOOR == 0.5
    assert bucket["not_before"] == START + 11 + S.HOLD_CAP
    S.on_throttled(bucket, START + 20, hold=None, sent_at=START + 20)
    assert bucket["not_before"] == START + 11 + S.HOLD_CAP  # a hold is never shortened


def test_successes_double_the_rate_until_the_first_429_then_add_to_it():
    bucket = S.fresh_bucket(START)
    rates = []
    for _unused in range(4):
        for _unused in range(S.INCREASE_EVERY):
            S.on_success(bucket, START)
        rates.append(bucket["rate"])
    assert rates == [20.0, 40.0, 50.0, 50.0]  # slow start, up to the ceiling
    S.on_throttled(bucket, START, hold=1, sent_at=START)
    assert bucket["rate"] == 25.0
    for _unused in range(S.INCREASE_EVERY - 1):
        S.on_success(bucket, START)
    assert bucket["rate"] == 25.0
    S.on_success(bucket, START)
    assert bucket["rate"] == 25.0 + S.INCREASE_STEP == 25.5
    bucket["rate"] = 49.8
    for _unused in range(S.INCREASE_EVERY):
        S.on_success(bucket, START)
    assert bucket["rate"] == S.RATE_CEILING


def test_a_429_restarts_the_count_of_successes():
    bucket = S.fresh_bucket(START)
    S.on_throttled(bucket, START, hold=0, sent_at=START)
    for _unused in range(S.INCREASE_EVERY - 1):
        S.on_success(bucket, START)
    S.on_throttled(bucket, START + 1, hold=0, sent_at=START)  # same burst: rate kept, count restarted
    for _unused in range(S.INCREASE_EVERY - 1):
        S.on_success(bucket, START + 1)
    assert bucket["rate"] == 5.0


@pytest.mark.parametrize("change", [
    dict(rate="fast"), dict(rate=0.1), dict(rate=51), dict(tokens=11), dict(tokens=float("inf")),
    dict(refilled=START + 60), dict(updated=START + 60), dict(not_before=START + S.HOLD_CAP + 60),
    dict(decreased=START + 60), dict(decreased="yesterday"), dict(successes=-1), dict(successes=True),
    dict(holds=-1), dict(holds=None), dict(tokens=-10.0 * S.MAX_PACE - 1),
    dict(updated=START - S.IDLE_RESET - 1),
], ids=lambda change: "-".join("%s=%s" % item for item in change.items()))
def test_a_bucket_from_a_file_is_used_only_when_whole_believable_and_recent(change):
    bucket = S.fresh_bucket(START - 10)
    assert S.valid_bucket(dict(bucket), START) == bucket
    assert S.valid_bucket(dict(bucket, tokens=-25.0), START)["tokens"] == -25.0  # slots reserved
    bucket.update(change)
    assert S.valid_bucket(bucket, START) is None


def test_a_bucket_idle_for_idle_reset_after_its_hold_starts_afresh(tmp_path, fake_time):
    throttle = S.SharedThrottle(str(tmp_path / "bucket.json"), fake_time.clock, fake_time.sleep)
    throttle.throttled(hold=100, sent_at=START)
    fake_time.now += 100 + S.IDLE_RESET - 1
    assert throttle.state()["rate"] == 5.0  # the hold counts as use
    fake_time.now += 2
    assert throttle.state() is None
    assert throttle.acquire() == 0 and throttle.state()["rate"] == S.START_RATE


def test_a_bucket_without_decreased_is_in_slow_start():
    bucket = S.fresh_bucket(START)
    del bucket["decreased"]
    assert S.valid_bucket(bucket, START)["decreased"] is None
    assert S.valid_bucket([1, 2], START) is None and S.valid_bucket(None, START) is None


# ---------------------------------------------------------------------------
# keys and the directory
# ---------------------------------------------------------------------------

def test_keys_differ_by_every_part_and_name_no_secret():
    keys = set([S.throttle_key("https://a", "ak:X"), S.throttle_key("https://b", "ak:X"),
                S.throttle_key("https://a", "ak:Y"), S.project_key("https://a", "cn-north-4", "ak:X"),
                S.project_key("https://a", "cn-east-3", "ak:X"), S.project_key("https://a", "cn-north-4", "ak:Y")])
    assert len(keys) == 6 and all(len(key) == 64 for key in keys)
    assert S.fingerprint("ab", "c") != S.fingerprint("a", "bc")
    by_token = S.credential_id({"auth_token": TOKEN, "access_key": AK})
    assert TOKEN not in by_token and by_token.startswith("token:")
    assert S.credential_id({"access_key": AK, "secret_key": SK}) == "ak:" + AK


def test_the_directory_is_the_variables_else_a_private_one_in_the_temporary_directory(monkeypatch, tmp_path):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    default = str(tmp_path / ("huaweicloud-workspace-app-%d" % os.getuid()))
    assert S.configured_directory(environ={}) == default
    for value in ("", "off", "OFF", " none ", "false", "0"):
        assert S.configured_directory(environ={S.STATE_DIR_VARIABLE: value}) is None
    assert S.configured_directory(environ={S.STATE_DIR_VARIABLE: "/x/y"}) == "/x/y"
    assert S.configured_directory(None) is None and S.configured_directory("off") is None
    assert S.configured_directory("/x/z") == "/x/z"
    state = S.SharedState.open(environ={})
    assert state.directory == default
    assert stat.S_IMODE(os.stat(default).st_mode) == 0o700


def test_a_client_shares_by_default_in_the_directory_the_variable_names(monkeypatch, make, state_dir, httpserver):
    httpserver.expect_request("/v1/x").respond_with_json({})
    monkeypatch.setenv(S.STATE_DIR_VARIABLE, state_dir)
    api_client = make(state=S.FROM_ENVIRONMENT)
    api_client.get("/v1/x")
    assert api_client.shared.directory == state_dir
    assert [name.split("-")[0] for name in files_in(state_dir)] == ["throttle"]
    monkeypatch.setenv(S.STATE_DIR_VARIABLE, "off")
    assert make(state=S.FROM_ENVIRONMENT).shared is None
    assert make(state=None).shared is None


def test_a_directory_not_private_to_the_user_is_not_used(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(str(shared), 0o777)
    assert S.private_directory(str(shared)) is None
    os.chmod(str(shared), 0o770)
    assert S.private_directory(str(shared)) is None  # group-writable
    os.chmod(str(shared), 0o755)
    assert S.private_directory(str(shared)) == str(shared)
    link = tmp_path / "link"
    link.symlink_to(shared)
    assert S.private_directory(str(link)) is None
    a_file = tmp_path / "file"
    a_file.write_text("")
    assert S.private_directory(str(a_file)) is None
    assert S.private_directory(str(a_file / "below")) is None  # cannot be created


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a directory to another user needs root")
def test_a_directory_of_another_user_is_not_used(tmp_path):
    shared = tmp_path / "theirs"
    shared.mkdir(mode=0o700)
    os.chown(str(shared), 54321, 54321)
    assert S.private_directory(str(shared)) is None


# ---------------------------------------------------------------------------
# the throttle through real clients sharing one directory
# ---------------------------------------------------------------------------

WINDOWED = json.dumps({"error_code": "APIG.0308", "error_msg": "The throttling threshold has been reached: policy ip "
                       "over ratelimit,limit:5,time:1 minute"})


def test_a_429_naming_its_window_holds_for_the_window_then_paces_at_its_limit():
    bucket = S.fresh_bucket(START)
    assert S.on_throttled(bucket, START + 1, sent_at=START + 0.9, window=(5, 60)) is True
    assert bucket["not_before"] == START + 61 and bucket["window_rate"] == approx(5 / 63.0)
    assert bucket["rate"] == bucket["window_rate"] < S.RATE_FLOOR  # below the floor: the service said so
    # the first slot when the window has passed, then one every 12.6 s: no 60 s hold more than 5 of them
    assert waits(bucket, START + 1, 3) == [approx(60), approx(72.6), approx(85.2)]
    for _unused in range(100):
        S.on_success(bucket, START + 200)
    assert bucket["rate"] == approx(5 / 63.0)  # never above the window's rate
    assert S.valid_bucket(json.loads(json.dumps(bucket)), START + 200) is not None


def test_a_bucket_written_before_windows_were_learnt_is_still_used():
    bucket = S.fresh_bucket(START)
    del bucket["window_rate"]
    assert S.valid_bucket(bucket, START)["window_rate"] == 0.0


def test_a_windowed_429_holds_every_client_for_the_window(httpserver, make, fake_time):
    throttled = Response(WINDOWED, status=429, content_type="application/json")  # no Retry-After
    httpserver.expect_request("/v1/x").respond_with_handler(sequence(throttled, Response("{}")))
    first, second = make(), make()
    assert first.get("/v1/x") == {}
    assert first.throttled == 1 and first.retries == 1
    assert fake_time.sleeps == [approx(60)]  # the retry went when the window had passed, not 0.5 s later
    second.get("/v1/x")  # the next slot at the window's pace (5 per 63 s)
    assert second.paced_seconds == approx(12.6) and second.throttled == 0
    assert fake_time.now == approx(START + 72.6)
    assert bucket_of(first)["window_rate"] == approx(5 / 63.0)


def test_a_retry_after_wins_over_the_window_the_message_names(httpserver, make, fake_time):
    """The simulator's (and any gateway's) 429 with Retry-After and a window in its text: the Retry-After says exactly
    when to come back, so the run holds for it and the window is not learnt."""
    throttled = Response(WINDOWED, status=429, headers={"Retry-After": "1"}, content_type="application/json")
    httpserver.expect_request("/v1/x").respond_with_handler(sequence(throttled, Response("{}")))
    first = make()
    assert first.get("/v1/x") == {}
    assert fake_time.sleeps == [approx(1.2)]  # the Retry-After and a token at the halved rate, not a minute
    assert bucket_of(first)["window_rate"] == 0.0 and bucket_of(first)["rate"] == 5.0


def test_two_clients_share_one_bucket(httpserver, make, fake_time, state_dir):
    httpserver.expect_request("/v1/x").respond_with_json({})
    first, second = make(), make()
    for _unused in range(10):
        first.get("/v1/x")
    assert first.paced_seconds == 0 and fake_time.sleeps == []
    assert bucket_of(first)["rate"] == 20.0  # 10 successes: doubled
    second.get("/v1/x")  # the burst was the first client's: the second waits for the next token
    assert second.paced_seconds == approx(1 / 20.0)
    assert fake_time.sleeps == [approx(1 / 20.0)]
    assert bucket_of(first) == bucket_of(second)
    assert bucket_of(first)["successes"] == 1


def test_a_429_one_client_gets_slows_and_holds_the_other(httpserver, make, fake_time):
    httpserver.expect_request("/v1/x").respond_with_handler(sequence(throttled_response(3), Response("{}")))
    first, second = make(), make()
    assert first.get("/v1/x") == {}
    assert first.throttled == 1 and first.retries == 1
    # the retry's slot, reserved when the 429 came: after the Retry-After (3 s) and one token at the halved rate
    # (0.2 s); pacing to it is the only wait (the retry policy does not sleep on top of it)
    assert fake_time.sleeps == [approx(3.2)]
    assert first.paced_seconds == approx(3.2)
    bucket = bucket_of(first)
    assert bucket["rate"] == 5.0 and bucket["decreased"] == START
    second.get("/v1/x")
    assert second.paced_seconds == approx(0.2) and second.throttled == 0
    assert fake_time.now == approx(START + 3.4)


def test_the_hold_of_a_retry_after_applies_to_every_client(httpserver, make, fake_time):
    httpserver.expect_request("/v1/x").respond_with_handler(sequence(throttled_response(5), Response("{}")))
    first, second = make(max_retries=0), make()
    with pytest.raises(client.ApiError):
        first.get("/v1/x")
    second.get("/v1/x")  # not retried by the first client, yet the second one honours the Retry-After
    assert second.paced_seconds == approx(5.2)
    assert [req.path for req, _unused in httpserver.log] == ["/v1/x", "/v1/x"]


def test_throttle_code_under_another_status_is_a_429(httpserver, make):
    httpserver.expect_request("/v1/x").respond_with_handler(sequence(
        Response(json.dumps({"error_code": "APIGW.0308", "error_msg": "throttled"}), status=403), Response("{}")))
    api_client = make()
    api_client.get("/v1/x")
    assert api_client.throttled == 1 and bucket_of(api_client)["rate"] == 5.0


def test_errors_other_than_throttling_do_not_slow_down(httpserver, make):
    httpserver.expect_request("/v1/x").respond_with_handler(sequence(
        Response("{}", status=503), Response("{}", status=404)))
    api_client = make(max_retries=1)
    with pytest.raises(client.ApiError):
        api_client.get("/v1/x")
    bucket = bucket_of(api_client)
    assert bucket["rate"] == S.START_RATE and bucket["successes"] == 1  # the 404 answered; the 503 says nothing


def test_the_throttle_is_per_endpoint_and_credential(httpserver, make):
    httpserver.expect_request("/v1/x").respond_with_json({})
    httpserver.expect_request("/other/v1/x").respond_with_json({})
    for _unused in range(10):
        make().get("/v1/x")
    others = [make(access_key="HPUAOTHERAK000000002"), make(endpoint=httpserver.url_for("/other")),
              make(access_key=None, secret_key=None, auth_token=TOKEN)]
    for other in others:
        other.get("/v1/x")
        assert other.paced_seconds == 0
    assert make().get("/v1/x") == {} and len(set(files_in(make().shared.directory))) == 4


def test_the_counters_work_with_nothing_shared(httpserver, make):
    httpserver.expect_request("/v1/x").respond_with_handler(sequence(throttled_response(0), Response("{}")))
    api_client = make(state=None)
    api_client.get("/v1/x")
    assert (api_client.throttled, api_client.retries, api_client.paced_seconds) == (1, 1, 0)


def test_a_corrupt_state_file_is_ignored_and_rewritten(httpserver, make, state_dir):
    httpserver.expect_request("/v1/x").respond_with_json({})
    api_client = make()
    path = os.path.join(state_dir, "throttle-%s.json" % S.throttle_key(api_client.settings.endpoint, "ak:" + AK))
    for garbage in (b"{not json", b"\xff\xfe", b"[]", json.dumps(dict(rate=1e9)).encode(), b"x" * 10000):
        with open(path, "wb") as handle:
            handle.write(garbage)
        assert make().get("/v1/x") == {}
        with open(path) as handle:
            rewritten = json.load(handle)
        assert S.valid_bucket(rewritten, START) == rewritten and rewritten["tokens"] == 9


def test_an_unusable_directory_means_no_throttle_and_no_failure(httpserver, make, tmp_path):
    httpserver.expect_request("/v1/x").respond_with_json({})
    a_file = tmp_path / "not-a-directory"
    a_file.write_text("")
    world_writable = tmp_path / "open"
    world_writable.mkdir()
    os.chmod(str(world_writable), 0o777)
    for state in (str(a_file), str(a_file / "below"), str(world_writable)):
        api_client = make(state=state)
        assert api_client.shared is None
        for _unused in range(12):
            assert api_client.get("/v1/x") == {}
        assert api_client.paced_seconds == 0
    assert os.listdir(str(world_writable)) == []


def test_files_that_cannot_be_written_mean_no_throttle_and_no_failure(httpserver, make, state_dir, monkeypatch):
    httpserver.expect_request("/v1/x").respond_with_json({})
    api_client = make()
    os.makedirs(state_dir, exist_ok=True)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(S.os, "open", refuse)
    monkeypatch.setattr(S.tempfile, "mkstemp", refuse)
    for _unused in range(12):
        assert api_client.get("/v1/x") == {}
    assert api_client.paced_seconds == 0
    assert api_client._throttle(api_client.settings.endpoint).path is None  # pylint: disable=protected-access


def test_a_state_path_that_is_a_directory_means_no_throttle(httpserver, make, state_dir):
    httpserver.expect_request("/v1/x").respond_with_json({})
    api_client = make()
    key = S.throttle_key(api_client.settings.endpoint, "ak:" + AK)
    os.makedirs(os.path.join(state_dir, "throttle-%s.json" % key))
    for _unused in range(12):
        assert api_client.get("/v1/x") == {}
    assert api_client.paced_seconds == 0


def test_a_lock_held_too_long_lets_the_request_go_unpaced(httpserver, make, state_dir, fake_time):
    fcntl = pytest.importorskip("fcntl")
    httpserver.expect_request("/v1/x").respond_with_json({})
    api_client = make()
    api_client.get("/v1/x")
    path = os.path.join(state_dir, files_in(state_dir)[0])
    with open(path) as holder:
        fcntl.flock(holder.fileno(), fcntl.LOCK_EX)
        assert api_client.get("/v1/x") == {}
        assert sum(fake_time.sleeps) == pytest.approx(S.LOCK_TIMEOUT, abs=S.LOCK_POLL)
        del fake_time.sleeps[:]
        assert api_client.get("/v1/x") == {}  # the throttle is off for this client now: no second wait
        assert fake_time.sleeps == []
    assert api_client.paced_seconds == 0


def test_waiting_for_a_token_sleeps_outside_the_lock(httpserver, make, state_dir, fake_time):
    fcntl = pytest.importorskip("fcntl")
    httpserver.expect_request("/v1/x").respond_with_json({})
    api_client = make()
    for _unused in range(10):
        api_client.get("/v1/x")
    path = os.path.join(state_dir, files_in(state_dir)[0])
    held_while_sleeping = []

    def sleep(seconds):
        with open(path) as other:
            try:
                fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                held_while_sleeping.append(False)
            except BlockingIOError:
                held_while_sleeping.append(True)
        fake_time.sleep(seconds)

    throttle = api_client._throttle(api_client.settings.endpoint)  # pylint: disable=protected-access
    throttle.sleep = sleep
    api_client.get("/v1/x")
    assert held_while_sleeping == [False]


def test_a_429_while_waiting_for_a_slot_holds_the_waiting_client_too(httpserver, make, fake_time, state_dir):
    httpserver.expect_request("/v1/x").respond_with_json({})
    waiting, other = make(), make()
    for _unused in range(10):
        waiting.get("/v1/x")
    throttle = waiting._throttle(waiting.settings.endpoint)  # pylint: disable=protected-access
    other_throttle = other._throttle(other.settings.endpoint)  # pylint: disable=protected-access

    def sleep(seconds):  # while the first client sleeps for its slot, the other one meets a 429
        throttle.sleep = fake_time.sleep
        other_throttle.throttled(hold=2, sent_at=fake_time.now - 1)
        fake_time.sleep(seconds)

    throttle.sleep = sleep
    waiting.get("/v1/x")
    # its slot (0.05 s: 20 r/s after ten successes) was void; it waited for the hold and a slot at 10 r/s
    assert fake_time.sleeps == [approx(0.05), approx(2 - 0.05 + 0.1)]
    assert waiting.paced_seconds == approx(2.1)


def test_slots_are_files_of_mode_0600(tmp_path, fake_time):
    throttle = S.SharedThrottle(str(tmp_path / "bucket.json"), fake_time.clock, fake_time.sleep)
    assert [throttle.acquire() for _unused in range(12)] == [0] * 10 + [approx(0.1), approx(0.1)]
    assert stat.S_IMODE(os.stat(str(tmp_path / "bucket.json")).st_mode) == 0o600


def _take_tokens(path, count, queue):
    throttle = S.SharedThrottle(path)
    stamps = []
    for _unused in range(count):
        throttle.acquire()
        stamps.append(time.time())
    queue.put(stamps)


def test_processes_share_the_bucket_under_the_lock(tmp_path):
    """4 processes x 6 tokens from one fresh bucket (a burst of 10, then 10/s; no successes reported): the
    n-th token (n > 10) cannot come before (n - 10) / 10 s, however the processes interleave."""
    path = str(tmp_path / "bucket.json")
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    started = time.time()
    workers = [context.Process(target=_take_tokens, args=(path, 6, queue)) for _unused in range(4)]
    for worker in workers:
        worker.start()
    stamps = sorted(stamp - started for _unused in workers for stamp in queue.get(timeout=30))
    for worker in workers:
        worker.join(10)
    assert len(stamps) == 24
    for index, stamp in enumerate(stamps):
        earliest = max(0.0, (index + 1 - S.MAX_BURST) / S.START_RATE)
        assert stamp >= earliest - 0.02, (index, stamps)
    assert stamps[-1] < 1.4 + 2.0  # paced, not stuck


# ---------------------------------------------------------------------------
# the project-id cache
# ---------------------------------------------------------------------------

def iam_projects(httpserver, project_id="resolvedpid"):
    for path in ("/v3/projects", "/iam-elsewhere/v3/projects"):
        httpserver.expect_request(path).respond_with_json({"projects": [{"id": project_id}]})


def iam_calls(httpserver):
    return len([req for req, _unused in httpserver.log if req.path.endswith("/v3/projects")])


@pytest.fixture
def make_unscoped(make, httpserver):
    def factory(**params):
        params.setdefault("iam_endpoint", httpserver.url_for("/"))
        return make(project_id=None, **params)
    return factory


def test_the_project_id_is_looked_up_once_for_every_client(httpserver, make_unscoped, state_dir):
    iam_projects(httpserver)
    httpserver.expect_request("/v1/resolvedpid/app-servers").respond_with_json({"items": []})
    first, second = make_unscoped(), make_unscoped()
    first.get("/v1/{project_id}/app-servers")
    second.get("/v1/{project_id}/app-servers")
    assert iam_calls(httpserver) == 1
    assert second.project_id == "resolvedpid"
    (name, ) = [name for name in files_in(state_dir) if name.startswith("project-")]
    path = os.path.join(state_dir, name)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and stat.S_IMODE(os.stat(state_dir).st_mode) == 0o700
    with open(path) as handle:
        assert json.load(handle) == {"project_id": "resolvedpid", "time": START}
    assert not [name for name in files_in(state_dir) if name.endswith(".tmp")]


def test_the_cached_project_id_expires(httpserver, make_unscoped, fake_time):
    iam_projects(httpserver)
    assert make_unscoped().project_id == "resolvedpid"
    fake_time.now += S.PROJECT_ID_TTL - 1
    assert make_unscoped().project_id == "resolvedpid"
    assert iam_calls(httpserver) == 1
    fake_time.now += 2
    assert make_unscoped().project_id == "resolvedpid"
    assert iam_calls(httpserver) == 2


def test_the_cache_is_per_iam_endpoint_region_and_credential(httpserver, make_unscoped):
    iam_projects(httpserver)
    make_unscoped().project_id
    make_unscoped(region="cn-east-3").project_id
    make_unscoped(access_key="HPUAOTHERAK000000002").project_id
    make_unscoped(iam_endpoint=httpserver.url_for("/iam-elsewhere/")).project_id
    make_unscoped(access_key=None, secret_key=None, auth_token=TOKEN).project_id
    make_unscoped(access_key=None, secret_key=None, auth_token=TOKEN + "2").project_id
    assert iam_calls(httpserver) == 6
    for params in ({}, dict(region="cn-east-3"), dict(access_key=None, secret_key=None, auth_token=TOKEN),
                   dict(iam_endpoint=httpserver.url_for("/iam-elsewhere/"))):
        make_unscoped(**params).project_id
    assert iam_calls(httpserver) == 6


@pytest.mark.parametrize("status", [401, 403, 404])
def test_an_answer_that_doubts_a_cached_project_id_drops_it(httpserver, make_unscoped, status):
    iam_projects(httpserver)
    httpserver.expect_request("/v1/resolvedpid/x").respond_with_handler(sequence(
        Response(json.dumps({"error_code": "WKS.0001", "error_msg": "no"}), status=status), Response("{}")))
    make_unscoped().project_id
    doubted = make_unscoped()
    with pytest.raises(client.ApiError):
        doubted.get("/v1/{project_id}/x")
    assert doubted.project_id == "resolvedpid"  # this task goes on with it
    assert iam_calls(httpserver) == 1
    assert make_unscoped().get("/v1/{project_id}/x") == {}
    assert iam_calls(httpserver) == 2  # the next one asked IAM again
    assert make_unscoped().project_id and iam_calls(httpserver) == 2  # and cached its answer


def test_answers_that_do_not_doubt_the_project_id_keep_it(httpserver, make_unscoped):
    iam_projects(httpserver)
    httpserver.expect_request("/v1/resolvedpid/x").respond_with_handler(sequence(
        Response(json.dumps({"error_code": "APIGW.0308", "error_msg": "throttled"}), status=403),
        Response("{}", status=500), Response("{}", status=409), Response("{}")))
    httpserver.expect_request("/v1/resolvedpid/gone").respond_with_json({}, status=404)
    first = make_unscoped(max_retries=0)
    with pytest.raises(client.ApiError):
        first.get("/v1/{project_id}/gone")  # 404 to the client that asked IAM itself: the id is sure
    cached = make_unscoped(max_retries=0)
    for _unused in range(3):
        with pytest.raises(client.ApiError):
            cached.get("/v1/{project_id}/x")  # throttled 403, 500, 409
    assert make_unscoped().project_id and iam_calls(httpserver) == 1


def test_a_doubt_on_an_unscoped_request_keeps_the_project_id(httpserver, make_unscoped):
    iam_projects(httpserver)
    httpserver.expect_request("/elsewhere").respond_with_json({}, status=404)
    make_unscoped().project_id
    cached = make_unscoped()
    cached.project_id
    with pytest.raises(client.ApiError):
        cached.request("GET", "/elsewhere", project_scoped=False)
    assert make_unscoped().project_id and iam_calls(httpserver) == 1


@pytest.mark.parametrize("entry", [
    b"", b"{", b"[]", json.dumps({"project_id": "evil\r\nX-Header: 1", "time": START}).encode(),
    json.dumps({"project_id": "", "time": START}).encode(), json.dumps({"project_id": 7, "time": START}).encode(),
    json.dumps({"project_id": "p", "time": START + 60}).encode(), json.dumps({"project_id": "p"}).encode(),
    json.dumps({"project_id": "p", "time": "now"}).encode(),
])
def test_a_bad_cache_entry_is_not_used(httpserver, make_unscoped, state_dir, entry):
    iam_projects(httpserver)
    cache = make_unscoped()
    os.makedirs(state_dir, exist_ok=True)
    path = os.path.join(state_dir, "project-%s.json" % cache._project_key)  # pylint: disable=protected-access
    with open(path, "wb") as handle:
        handle.write(entry)
    assert cache.project_id == "resolvedpid"
    assert iam_calls(httpserver) == 1
    with open(path) as handle:
        assert json.load(handle)["project_id"] == "resolvedpid"


def test_a_cache_that_cannot_be_written_means_a_lookup_per_client(httpserver, make_unscoped, tmp_path):
    iam_projects(httpserver)
    a_file = tmp_path / "not-a-directory"
    a_file.write_text("")
    for _unused in range(2):
        assert make_unscoped(state=str(a_file)).project_id == "resolvedpid"
    assert iam_calls(httpserver) == 2


def test_a_project_id_that_could_not_be_stored_is_still_used(httpserver, make_unscoped, state_dir, monkeypatch):
    iam_projects(httpserver)
    api_client = make_unscoped()

    def refuse(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(S.os, "replace", refuse)
    assert api_client.project_id == "resolvedpid"
    assert [name for name in files_in(state_dir) if not name.startswith("throttle-")] == []


# ---------------------------------------------------------------------------
# no secret on disk
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("auth", ["aksk", "token"])
def test_no_secret_in_any_file_written(httpserver, make_unscoped, state_dir, auth):
    iam_projects(httpserver)
    httpserver.expect_request("/v1/resolvedpid/x").respond_with_handler(sequence(
        throttled_response(1), Response("{}")))
    params = dict(security_token=SECURITY_TOKEN) if auth == "aksk" else dict(access_key=None, secret_key=None,
                                                                             auth_token=TOKEN)
    api_client = make_unscoped(**params)
    api_client.get("/v1/{project_id}/x")
    make_unscoped(**params).get("/v1/{project_id}/x")
    names = files_in(state_dir)
    assert len([name for name in names if name.startswith("throttle-")]) == 1
    assert len([name for name in names if name.startswith("project-")]) == 1
    secrets = [AK, SK, TOKEN, SECURITY_TOKEN, AK.lower(), S.credential_id({"auth_token": TOKEN})]
    for name in names:
        with open(os.path.join(state_dir, name), "rb") as handle:
            content = handle.read()
        for secret in secrets:
            assert secret not in name
            assert secret.encode() not in content
            assert secret[:12].encode() not in content and secret[-12:].encode() not in content


# ---------------------------------------------------------------------------
# reads every task needs alike (Client.shared_read)
# ---------------------------------------------------------------------------

class Reads:
    def __init__(self, value):
        self.value = value
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.value


def test_a_shared_read_is_made_once_per_ttl_for_every_client(make, fake_time, state_dir):
    first, second = make(), make()
    read = Reads({"SBC": "25.6.0.1010", "OA_APP": "25.6.0.1012"})
    assert first.shared_read("latest-hda-versions", read) == read.value
    assert second.shared_read("latest-hda-versions", read) == read.value  # another process: from the file
    assert read.calls == 1
    fake_time.now += S.SHARED_READ_TTL
    assert second.shared_read("latest-hda-versions", read) == read.value and read.calls == 2
    names = [name for name in files_in(state_dir) if name.startswith("read-")]
    assert len(names) == 1
    content = open(os.path.join(state_dir, names[0])).read()
    assert AK not in content and SK not in content and "25.6.0.1012" in content


def test_shared_reads_are_keyed_by_what_and_by_its_parts(make):
    api_client = make()
    assert api_client.shared_read("group-is-vdi", Reads(True), "g1") is True
    assert api_client.shared_read("group-is-vdi", Reads(False), "g2") is False
    assert api_client.shared_read("group-is-vdi", Reads(None), "g1") is True  # remembered, not read again
    assert api_client.shared_read("other", Reads(7), "g1") == 7


def test_shared_reads_are_not_shared_between_credentials_or_endpoints(make, httpserver):
    make().shared_read("latest-hda-versions", Reads("a"))
    assert make(access_key="OTHERAK0000000000001").shared_read("latest-hda-versions", Reads("b")) == "b"
    assert make(endpoint=httpserver.url_for("/other/")).shared_read("latest-hda-versions", Reads("c")) == "c"
    assert make(project_id="1" * 32).shared_read("latest-hda-versions", Reads("d")) == "d"


def test_without_shared_state_a_shared_read_is_simply_read(make):
    api_client = make(state=None)
    read = Reads([1, 2])
    assert api_client.shared_read("x", read) == [1, 2] and api_client.shared_read("x", read) == [1, 2]
    assert read.calls == 2


def test_a_value_too_large_for_a_file_is_read_each_time(make):
    api_client = make()
    read = Reads("v" * (S.MAX_FILE_BYTES + 1))
    api_client.shared_read("big", read)
    api_client.shared_read("big", read)
    assert read.calls == 2


def test_shared_reads_belong_to_one_run(make):
    make(run="run-1").shared_read("latest-hda-versions", Reads("a"))
    assert make(run="run-2").shared_read("latest-hda-versions", Reads("b")) == "b"  # another run reads afresh
    read = Reads("c")
    make(run=None).shared_read("latest-hda-versions", read)  # no run id (no action plugin): not shared
    make(run=None).shared_read("latest-hda-versions", read)
    assert read.calls == 2


def test_the_run_id_comes_from_the_environment_by_default(monkeypatch, make, state_dir, httpserver):
    monkeypatch.setenv(S.RUN_ID_VARIABLE, "1234-5678")
    settings = connection.resolve_connection(dict(region="cn-north-4", project_id=PROJECT_ID, access_key=AK,
                                                  secret_key=SK, endpoint=httpserver.url_for("/")), {})
    assert client.Client(settings, state_dir=state_dir).run_id == "1234-5678"
