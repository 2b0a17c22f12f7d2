"""A Pipecat or Gcore client for each test, speaking to the in-process emulator, whose retry
waits are recorded instead of slept (they advance the emulator's clock, as real time would)."""

import random
from collections.abc import Callable, Iterator

import pytest

from emulators.clock import ManualClock
from emulators.pipecat import PipecatEmulator
from emulators.transport import EmulatorTransport
from secretsadmin.config import Secret
from secretsadmin.providers.config import Timeouts
from secretsadmin.providers.gcore import GcoreClient
from secretsadmin.providers.gcore.config import GcoreAccount
from secretsadmin.providers.pipecat import PipecatClient
from secretsadmin.providers.pipecat.config import PipecatAccount
from tests.fixtures import gcore
from tests.fixtures.pipecat import API_HOST, PIPECAT_TOKEN

TIMEOUTS = Timeouts(connect=5.0, read=15.0)


class Sleeps(list):
    def __init__(self, clock: ManualClock) -> None:
        super().__init__()
        self.clock = clock

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        self.clock.advance(seconds)


class HighestJitter(random.Random):
    """Always picks the top of the jitter range, so that the backoff schedule shows."""

    def uniform(self, a: float, b: float) -> float:
        return b


def account(name: str = "prod", token: str = PIPECAT_TOKEN, url: str = API_HOST) -> PipecatAccount:
    return PipecatAccount(name, url, Secret(token))


@pytest.fixture
def sleeps(pipecat_clock: ManualClock) -> Sleeps:
    return Sleeps(pipecat_clock)


@pytest.fixture
def make_client(
    pipecat_app: PipecatEmulator, sleeps: Sleeps
) -> Iterator[Callable[..., PipecatClient]]:
    made: list[PipecatClient] = []

    def make(token: str = PIPECAT_TOKEN, name: str = "prod", **options) -> PipecatClient:
        options.setdefault("transport", EmulatorTransport(pipecat_app))
        options.setdefault("sleep", sleeps)
        client = PipecatClient(account(name, token), TIMEOUTS, **options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def api(make_client) -> PipecatClient:
    return make_client()


@pytest.fixture
def new_gcore(gcore_app, gcore_clock):
    made = []

    def make(token=gcore.GCORE_KEY, project_id=gcore.PROJECT_ID, **options):
        options.setdefault("transport", EmulatorTransport(gcore_app))
        options.setdefault("sleep", gcore_clock.advance)
        account = GcoreAccount("prod", gcore.API_HOST, Secret(token), project_id)
        client = GcoreClient(account, TIMEOUTS, **options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
