"""The client over real sockets: a server too slow to answer, one that hangs up, and one that is
not there at all."""

import pytest

from emulators.clock import Clock
from emulators.faults import Fault
from emulators.pipecat import PipecatEmulator
from emulators.server import EmulatorServer
from secretsadmin.providers.config import Timeouts
from secretsadmin.providers.pipecat import PipecatClient, Unavailable
from tests.conftest import free_port
from tests.fixtures.pipecat import PIPECAT_ORG, PIPECAT_TOKEN

from .conftest import account

FAST = Timeouts(connect=1.0, read=0.2)


@pytest.fixture
def real_time_server():
    """A server on the real clock, so that a scripted delay really keeps the client waiting."""
    app = PipecatEmulator({PIPECAT_TOKEN: PIPECAT_ORG}, clock=Clock(), provisioning_delay=0.0)
    with EmulatorServer(app) as server:
        yield server


def connect(server_url: str, sleeps: list[float]) -> PipecatClient:
    return PipecatClient(account(url=server_url), FAST, sleep=sleeps.append)


def test_a_happy_round_trip_over_a_socket(pipecat_server):
    client = connect(pipecat_server.url, [])

    client.upsert_set("voice-agent", {"KEY": "v"})

    assert [s.name for s in client.list_sets()] == ["voice-agent"]
    assert client.get_set("voice-agent").keys == ("KEY",)
    client.close()


def test_a_slow_read_times_out_and_is_retried(real_time_server):
    real_time_server.app.faults.add(Fault("list_sets", times=10, delay=0.5))
    sleeps: list[float] = []
    client = connect(real_time_server.url, sleeps)

    with pytest.raises(Unavailable) as caught:
        client.list_sets()

    assert caught.value.message == "no answer within 0.2 s"
    assert caught.value.may_have_applied is False
    assert len(sleeps) == 2  # three attempts
    client.close()


def test_a_slow_write_times_out_once_and_may_have_applied(real_time_server):
    real_time_server.app.faults.add(Fault("put_set", delay=0.5))
    sleeps: list[float] = []
    client = connect(real_time_server.url, sleeps)

    with pytest.raises(Unavailable) as caught:
        client.upsert_set("voice-agent", {"KEY": "v"})

    assert caught.value.may_have_applied is True
    assert sleeps == []
    client.close()


def test_a_dropped_connection_on_a_read_is_retried(pipecat_server):
    pipecat_server.app.faults.add(Fault("regions", drop=True))
    client = connect(pipecat_server.url, [])

    assert len(client.regions()) == 4
    assert pipecat_server.app.calls("regions") == 2
    client.close()


def test_a_dropped_connection_on_a_write_may_have_applied(pipecat_server):
    pipecat_server.app.faults.add(Fault("put_set", drop=True))
    client = connect(pipecat_server.url, [])

    with pytest.raises(Unavailable) as caught:
        client.upsert_set("voice-agent", {"KEY": "v"})

    assert caught.value.may_have_applied is True
    assert pipecat_server.app.calls("put_set") == 1
    client.close()


def test_a_write_to_a_server_that_is_not_there_changed_nothing():
    client = connect(f"http://127.0.0.1:{free_port()}", [])

    with pytest.raises(Unavailable) as caught:
        client.delete_set("voice-agent")

    assert caught.value.may_have_applied is False
    assert caught.value.message.startswith("could not connect")
    client.close()
