"""A provider that hangs holds a page no longer than its deadlines, and an account that keeps
not answering is not called for a while, on every worker at once."""

import threading
import time

import httpx
import pytest

from emulators.clock import Clock
from emulators.faults import Fault
from emulators.pipecat import PipecatEmulator
from emulators.server import EmulatorServer
from emulators.transport import EmulatorTransport
from secretsadmin.config import Secret
from secretsadmin.providers import deadlines
from secretsadmin.providers.config import Timeouts
from secretsadmin.providers.gcore import GcoreAccount, GcoreClient
from secretsadmin.providers.gcore import Unavailable as GcoreUnavailable
from secretsadmin.providers.pauses import PausePolicy
from secretsadmin.providers.pipecat import PipecatClient, ServerError, Unavailable
from tests.fixtures.gcore import GCORE_KEY, PROJECT_ID, REGION_ID
from tests.fixtures.gcore import new_app as new_gcore_app
from tests.fixtures.pipecat import PIPECAT_ORG, PIPECAT_TOKEN

from .conftest import HighestJitter, account


def in_process(app, clock, *, total=20.0, pause=None) -> PipecatClient:
    return PipecatClient(
        account(),
        Timeouts(connect=5.0, read=15.0, total=total),
        transport=EmulatorTransport(app),
        pause=pause,
        sleep=clock.advance,
        clock=clock.now,
        rng=HighestJitter(),
    )


def test_retries_stop_when_the_calls_time_is_up(pipecat_app, pipecat_clock):
    pipecat_app.faults.add(Fault("list_sets", times=5, delay=16.0))
    client = in_process(pipecat_app, pipecat_clock)

    with pytest.raises(Unavailable) as caught:
        client.list_sets()

    # 15 s, then what was left of 20: a third attempt would not have fitted.
    assert pipecat_app.calls("list_sets") == 2
    assert caught.value.message == "no answer within 3.8 s"


@pytest.fixture
def real_time_server():
    app = PipecatEmulator({PIPECAT_TOKEN: PIPECAT_ORG}, clock=Clock(), provisioning_delay=0.0)
    with EmulatorServer(app) as server:
        yield server


def over_http(server, pause=None) -> PipecatClient:
    return PipecatClient(
        account(url=server.url), Timeouts(connect=1.0, read=5.0, total=20.0), pause=pause
    )


def test_a_page_waits_for_providers_no_longer_than_its_deadline(real_time_server):
    real_time_server.app.faults.add(Fault("list_sets", times=5, delay=1.0))
    client = over_http(real_time_server)

    started = time.monotonic()
    with deadlines.within(0.3):
        with pytest.raises(Unavailable) as first:
            client.list_sets()
        with pytest.raises(Unavailable) as second:
            client.regions()
    waited = time.monotonic() - started

    assert first.value.message.startswith("no answer within 0.")
    assert second.value.message == "not asked: the page had used up its time to wait for providers"
    assert waited < 1.0
    time.sleep(1.0)  # the server logs a call once it has answered it
    assert real_time_server.app.calls("list_sets") == 1
    assert real_time_server.app.calls("regions") == 0
    client.close()


def test_an_account_that_keeps_not_answering_is_not_called_for_a_while(real_time_server):
    app = real_time_server.app
    policy = PausePolicy(failures=2, seconds=1.0)
    client, other_worker = over_http(real_time_server, policy), over_http(real_time_server, policy)
    app.faults.add(Fault("list_sets", times=6, delay=2.0))

    for _ in range(2):
        with pytest.raises(Unavailable), deadlines.within(0.2):
            client.list_sets()
    calls = app.calls("list_sets")
    started = time.monotonic()
    with pytest.raises(Unavailable) as paused:
        other_worker.list_sets()

    assert time.monotonic() - started < 0.1
    assert paused.value.message == "not asked for another 1 s: it did not answer the last 2 times"
    assert paused.value.may_have_applied is False
    assert app.calls("list_sets") == calls
    app.faults.clear()
    time.sleep(1.05)
    assert client.list_sets() == []  # let through once the pause is over, and answered
    for client_ in (client, other_worker):
        client_.close()


def test_errors_the_provider_answers_with_do_not_pause_its_calls(pipecat_app, pipecat_clock):
    policy = PausePolicy(failures=2, seconds=30.0)
    client = in_process(pipecat_app, pipecat_clock, pause=policy)
    pipecat_app.faults.add(Fault("put_set", times=3, status=500))

    for _ in range(3):
        with pytest.raises(ServerError):
            client.upsert_set("voice-agent", {"KEY": "v"})

    assert client.list_sets() == []


def test_a_call_that_waited_for_a_connection_still_ends_at_the_pages_deadline():
    """Every pooled connection is held by calls the provider does not answer: a page's call waits
    for one, then for its answer, and ends at its deadline, not a whole timeout later."""
    app = new_gcore_app(Clock())
    app.faults.add(Fault("*", times=10, delay=8.0))
    with EmulatorServer(app) as server:
        pool = httpx.HTTPTransport(limits=httpx.Limits(max_connections=2))
        account = GcoreAccount("prod", server.url, Secret(GCORE_KEY), PROJECT_ID, (REGION_ID,))
        client = GcoreClient(account, Timeouts(connect=1.0, read=15.0), transport=pool)

        def hung() -> None:
            with deadlines.within(1.5), pytest.raises(GcoreUnavailable):
                client.list_secrets(REGION_ID)

        holders = [threading.Thread(target=hung) for _ in range(2)]
        for holder in holders:
            holder.start()
        time.sleep(0.3)  # both connections are taken
        started = time.monotonic()
        with deadlines.within(2.0), pytest.raises(GcoreUnavailable):
            client.list_secrets(REGION_ID)
        waited = time.monotonic() - started
        for holder in holders:
            holder.join()
        app.faults.clear()
        client.close()

    # It got a connection after 1.2 s; given its whole 2 s again from there, it took 3.2 s.
    assert waited < 2.7
