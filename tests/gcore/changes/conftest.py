"""The dashboard's Gcore change pages, pointed at the in-process emulator for each test: tasks
take 1 s as NEW and 2 s as RUNNING on its manual clock (`gcore_clock`), which only moves when
told (`finish`), or when a fault's delay is waited out."""

import pytest
from django.core.cache import cache

from emulators.transport import EmulatorTransport
from secretsadmin.audit.models import AuditEvent
from secretsadmin.config import Secret
from secretsadmin.providers.config import Timeouts
from secretsadmin.providers.gcore import GcoreAccount
from tests.fixtures.gcore import (
    API_HOST,
    GCORE_KEY,
    OTHER_REGION_ID,
    PROJECT_ID,
    REGION_ID,
    TASK_QUEUE_SECONDS,
    TASK_RUN_SECONDS,
)
from tests.pipecat.conftest import post

ACCOUNT = "prod"
NEW = f"/gcore/{ACCOUNT}/new/"
CERTIFICATE = f"/gcore/{ACCOUNT}/new/certificate/"
CHECK = f"/gcore/{ACCOUNT}/new/certificate/check/"
LIST = f"/gcore/{ACCOUNT}/"


@pytest.fixture(autouse=True)
def gcore(settings, gcore_app, gcore_clock):
    """The emulator behind the account `prod` (project 1, regions 76 and 38)."""
    regions = (REGION_ID, OTHER_REGION_ID)
    settings.GCORE_ACCOUNTS = (
        GcoreAccount(ACCOUNT, API_HOST, Secret(GCORE_KEY), PROJECT_ID, regions),
    )
    settings.GCORE_TIMEOUTS = Timeouts(connect=5.0, read=15.0)
    settings.GCORE_TRANSPORT = EmulatorTransport(gcore_app)
    settings.GCORE_SLEEP = gcore_clock.advance
    yield gcore_app


def finish(app) -> None:
    """Moves the emulator past every task's end, and our shared reads to the next interval."""
    app.clock.advance(TASK_QUEUE_SECONDS + TASK_RUN_SECONDS + 0.1)
    cache.clear()


def events(action: str | None = None) -> list[AuditEvent]:
    found = AuditEvent.objects.filter(provider="gcore").order_by("sequence")
    return list(found.filter(action=action) if action else found)


def attempt_of(action: str) -> AuditEvent:
    return AuditEvent.objects.get(action=action, outcome="attempted")


def badge(client, sequence: int, htmx: bool = True):
    path = f"/gcore/{ACCOUNT}/changes/{sequence}/"
    return client.get(path, HTTP_HX_REQUEST="true") if htmx else client.get(path)


def create(editor, *, files=None, htmx=False, **fields):
    """Sends the new-secret form (as htmx does, when told); an opaque secret in region 76
    unless told otherwise."""
    data = {
        "region": str(REGION_ID),
        "name": "api-token",
        "secret_type": "opaque",
        "payload": "tok-3f9a1c",
        **fields,
        **(files or {}),
    }
    return post(editor, NEW, data, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))


def upload(editor, chain, *, key=None, path=CERTIFICATE, htmx=False, **fields):
    """Sends the TLS form with a `tests.fixtures.certificates` chain's three parts (as htmx
    sends it, when told)."""
    data = {
        "region": str(REGION_ID),
        "name": "www-example-test",
        "certificate": chain.leaf.cert_pem,
        "certificate_chain": chain.chain_pem,
        "private_key": key if key is not None else chain.leaf.key_pem,
        **fields,
    }
    return post(editor, path, data, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
