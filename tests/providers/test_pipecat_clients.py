"""One pooled client per account, each with its own key; and the process-wide registry that the
views use, built from the settings."""

import threading

import pytest

from emulators.transport import EmulatorTransport
from secretsadmin.providers.clients import Clients
from secretsadmin.providers.pipecat import PipecatClient, UnknownAccount, pipecat_clients
from tests.fixtures.pipecat import OTHER_TOKEN, PIPECAT_TOKEN

from .conftest import TIMEOUTS, account


@pytest.fixture
def registry(pipecat_app, sleeps):
    accounts = [account("prod", PIPECAT_TOKEN), account("staging", OTHER_TOKEN)]
    transport = EmulatorTransport(pipecat_app)
    clients = Clients(
        "Pipecat Cloud",
        accounts,
        lambda a: PipecatClient(a, TIMEOUTS, transport=transport, sleep=sleeps),
    )
    yield clients
    clients.close()


def test_each_account_sees_its_own_organisation(registry):
    registry.get("prod").upsert_set("prod-only", {"KEY": "v"})
    registry.get("staging").upsert_set("staging-only", {"KEY": "v"})

    assert [s.name for s in registry.get("prod").list_sets()] == ["prod-only"]
    assert [s.name for s in registry.get("staging").list_sets()] == ["staging-only"]
    assert registry.names == ("prod", "staging")


def test_each_account_keeps_one_client(registry):
    prod = registry.get("prod")

    assert registry.get("prod") is prod
    assert registry.get("staging") is not prod
    assert registry.get("staging").account.name == "staging"


def test_threads_asking_at_once_share_one_client(registry):
    barrier = threading.Barrier(16)
    seen = []

    def ask():
        barrier.wait()
        seen.append(registry.get("prod"))

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({id(client) for client in seen}) == 1


def test_an_unknown_account_is_refused(registry):
    with pytest.raises(UnknownAccount, match="no Pipecat Cloud account is named 'qa'"):
        registry.get("qa")


def test_the_process_registry_follows_the_settings(settings, pipecat_app, pipecat_clock):
    settings.PIPECAT_ACCOUNTS = (account("prod", PIPECAT_TOKEN),)
    settings.PIPECAT_TIMEOUTS = TIMEOUTS
    settings.PIPECAT_TRANSPORT = EmulatorTransport(pipecat_app)
    settings.PIPECAT_SLEEP = pipecat_clock.sleep

    pipecat_clients().get("prod").upsert_set("voice-agent", {"KEY": "v"})
    assert pipecat_clients() is pipecat_clients()

    settings.PIPECAT_ACCOUNTS = (account("staging", OTHER_TOKEN),)
    assert pipecat_clients().names == ("staging",)
    assert pipecat_clients().get("staging").list_sets() == []
