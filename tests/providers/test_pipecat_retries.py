"""Which failures the client repeats, how long it waits, and which it never repeats; counted in
the emulator's request log."""

import logging
import re

import pytest

from emulators.clock import ManualClock
from emulators.faults import Fault
from emulators.pipecat import PipecatEmulator
from emulators.transport import EmulatorTransport
from secretsadmin.providers.pipecat import (
    Conflict,
    NotFound,
    PipecatClient,
    RateLimited,
    RetryPolicy,
    ServerError,
    Unavailable,
)
from tests.fixtures.pipecat import PIPECAT_ORG, PIPECAT_TOKEN

from .conftest import TIMEOUTS, HighestJitter, account

POLICY = RetryPolicy()


def ceilings(count: int) -> list[float]:
    return [min(POLICY.max_delay, POLICY.base_delay * 2**i) for i in range(count)]


# -- 409 on PUT and DELETE ------------------------------------------------------------------------


def test_a_conflicting_put_is_repeated_until_it_goes_through(api, pipecat_app, sleeps):
    pipecat_app.faults.add(Fault("put_set", times=2, status=409))

    api.upsert_set("voice-agent", {"KEY": "v"})

    assert pipecat_app.calls("put_set") == 3
    assert len(sleeps) == 2
    assert all(0 <= delay <= ceiling for delay, ceiling in zip(sleeps, ceilings(2), strict=True))
    assert api.get_set("voice-agent").keys == ("KEY",)


@pytest.mark.parametrize(
    ("operation", "call"),
    [
        ("delete_set", lambda api: api.delete_set("voice-agent")),
        ("delete_key", lambda api: api.delete_key("voice-agent", "KEY")),
    ],
)
def test_a_conflicting_delete_is_repeated(api, pipecat_app, operation, call):
    api.upsert_set("voice-agent", {"KEY": "v", "OTHER": "o"})
    pipecat_app.faults.add(Fault(operation, status=409))

    call(api)

    assert pipecat_app.calls(operation) == 2


def test_a_set_busy_on_every_attempt_is_a_conflict_after_four(sleeps):
    clock = ManualClock()
    sleeps.clock = clock
    # Each change holds the set for a minute: far longer than the client waits in total.
    app = PipecatEmulator({PIPECAT_TOKEN: PIPECAT_ORG}, clock=clock, conflict_window=60.0)
    api = PipecatClient(
        account(), TIMEOUTS, transport=EmulatorTransport(app), sleep=sleeps, rng=HighestJitter()
    )
    api.upsert_set("voice-agent", {"KEY": "v"})

    with pytest.raises(Conflict) as caught:
        api.upsert_set("voice-agent", {"KEY": "w"})

    assert caught.value.message == (
        "Secret set 'voice-agent' was modified concurrently. Please retry."
    )
    assert (caught.value.status, caught.value.code) == (409, "CONFLICT")
    assert caught.value.may_have_applied is False
    assert app.calls("put_set") == 1 + POLICY.conflict_attempts
    # Exponential from 0.2 s: the jitter's highest picks.
    assert sleeps == pytest.approx([0.2, 0.4, 0.8])


def test_backoff_never_exceeds_its_cap():
    policy = RetryPolicy(conflict_attempts=10)
    rng = HighestJitter()

    assert [policy.backoff(n, rng) for n in range(1, 8)] == pytest.approx(
        [0.2, 0.4, 0.8, 1.6, 2.0, 2.0, 2.0]
    )


def test_a_conflict_on_a_read_is_not_repeated(api, pipecat_app):
    pipecat_app.faults.add(Fault("list_sets", times=5, status=409))

    with pytest.raises(Conflict):
        api.list_sets()

    assert pipecat_app.calls("list_sets") == 1


# -- 429 ------------------------------------------------------------------------------------------


def test_a_rate_limited_call_waits_as_long_as_retry_after_says(api, pipecat_app, sleeps):
    pipecat_app.faults.add(Fault("list_sets", status=429, retry_after=3))

    assert api.list_sets() == []

    assert sleeps == [3.0]
    assert pipecat_app.calls("list_sets") == 2


def test_a_rate_limited_write_is_repeated_too(api, pipecat_app, sleeps):
    pipecat_app.faults.add(Fault("put_set", status=429, retry_after=1))

    api.upsert_set("voice-agent", {"KEY": "v"})

    assert (sleeps, pipecat_app.calls("put_set")) == ([1.0], 2)


def test_a_retry_after_beyond_the_cap_gives_up_at_once(api, pipecat_app, sleeps):
    pipecat_app.faults.add(Fault("list_sets", status=429, retry_after=60))

    with pytest.raises(RateLimited) as caught:
        api.list_sets()

    assert caught.value.retry_after == 60
    assert caught.value.status == 429
    assert (sleeps, pipecat_app.calls("list_sets")) == ([], 1)


def test_rate_limited_on_every_attempt_gives_up(api, pipecat_app, sleeps):
    pipecat_app.faults.add(Fault("list_sets", times=10, status=429, retry_after=2))

    with pytest.raises(RateLimited):
        api.list_sets()

    assert pipecat_app.calls("list_sets") == POLICY.rate_limit_attempts
    assert sleeps == [2.0] * (POLICY.rate_limit_attempts - 1)


def test_a_429_without_retry_after_backs_off(api, pipecat_app, sleeps):
    pipecat_app.faults.add(Fault("regions", status=429))

    api.regions()

    assert len(sleeps) == 1
    assert 0 <= sleeps[0] <= POLICY.base_delay


# -- 5xx and network failures: repeated on GET only ------------------------------------------------


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_gateway_error_on_a_read_is_repeated(api, pipecat_app, status):
    pipecat_app.faults.add(Fault("get_set", times=2, status=status))
    api.upsert_set("voice-agent", {"KEY": "v"})

    assert api.get_set("voice-agent").keys == ("KEY",)
    assert pipecat_app.calls("get_set") == 3


def test_a_read_that_keeps_failing_gives_up_with_the_server_error(api, pipecat_app):
    pipecat_app.faults.add(Fault("list_sets", times=10, status=503))

    with pytest.raises(ServerError) as caught:
        api.list_sets()

    assert (caught.value.status, caught.value.message) == (503, "Service Unavailable")
    assert caught.value.may_have_applied is False
    assert pipecat_app.calls("list_sets") == POLICY.transient_attempts


def test_a_503_with_retry_after_on_a_read_waits_that_long(api, pipecat_app, sleeps):
    pipecat_app.faults.add(Fault("regions", status=503, retry_after=2))

    api.regions()

    assert sleeps == [2.0]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_server_error_on_a_write_is_never_repeated(api, pipecat_app, sleeps, status):
    pipecat_app.faults.add(Fault("put_set", times=5, status=status))

    with pytest.raises(ServerError) as caught:
        api.upsert_set("voice-agent", {"KEY": "v"})

    assert caught.value.may_have_applied is True
    assert (pipecat_app.calls("put_set"), sleeps) == (1, [])


def test_a_dropped_read_is_repeated(api, pipecat_app):
    pipecat_app.faults.add(Fault("list_sets", drop=True))

    assert api.list_sets() == []
    assert pipecat_app.calls("list_sets") == 2


def test_a_dropped_write_may_have_applied_and_is_not_repeated(api, pipecat_app):
    pipecat_app.faults.add(Fault("delete_set", drop=True))

    with pytest.raises(Unavailable) as caught:
        api.delete_set("voice-agent")

    assert caught.value.may_have_applied is True
    assert pipecat_app.calls("delete_set") == 1


def test_a_read_that_times_out_every_time_is_unavailable_after_retries(api, pipecat_app):
    pipecat_app.faults.add(Fault("list_sets", times=10, delay=20.0))

    with pytest.raises(Unavailable) as caught:
        api.list_sets()

    assert caught.value.may_have_applied is False
    assert caught.value.message == "no answer within 15 s"
    assert pipecat_app.calls("list_sets") == POLICY.transient_attempts


def test_a_write_that_times_out_may_have_applied_and_is_not_repeated(api, pipecat_app, sleeps):
    pipecat_app.faults.add(Fault("put_set", times=10, delay=20.0))

    with pytest.raises(Unavailable) as caught:
        api.upsert_set("voice-agent", {"KEY": "v"})

    assert caught.value.may_have_applied is True
    assert (pipecat_app.calls("put_set"), sleeps) == (1, [])
    # It did reach the API, which stored it: exactly why the outcome is "unknown".
    assert [s.name for s in api.list_sets()] == ["voice-agent"]


def test_retries_are_logged_as_warnings_and_refusals_as_information(api, pipecat_app, caplog):
    caplog.set_level(logging.INFO, logger="secretsadmin.providers.pipecat")
    pipecat_app.faults.add(Fault("list_sets", status=503))
    api.list_sets()
    with pytest.raises(NotFound):
        api.get_set("missing")

    ours = [r for r in caplog.records if r.name.startswith("secretsadmin.providers.pipecat")]
    assert [r.levelname for r in ours] == ["WARNING", "INFO"]
    assert re.fullmatch(
        r"pipecat prod: GET /secrets -> 503 \(attempt 1\), retrying in 0\.\d\d s",
        ours[0].getMessage(),
    )
    assert ours[1].getMessage() == (
        "pipecat prod: GET /secrets/missing -> 404 (attempt 1), giving up"
    )
