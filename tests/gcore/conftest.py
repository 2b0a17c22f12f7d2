"""The dashboard's Gcore Cloud pages, pointed at the in-process emulator for each test."""

from datetime import timedelta

import pytest
from django.utils import timezone

from emulators.transport import EmulatorTransport
from secretsadmin.config import Secret
from secretsadmin.providers.config import Timeouts
from secretsadmin.providers.gcore import GcoreAccount
from tests.fixtures.gcore import API_HOST, GCORE_KEY, OTHER_REGION_ID, PROJECT_ID, REGION_ID

ACCOUNT = "prod"
LIST = f"/gcore/{ACCOUNT}/"
DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def gcore(settings, gcore_app, gcore_clock):
    """The emulator behind the account `prod` (project 1, regions 76 and 38: Luxembourg-2 and
    Frankfurt); retry waits advance its clock instead of sleeping."""
    settings.GCORE_ACCOUNTS = (
        GcoreAccount(
            ACCOUNT, API_HOST, Secret(GCORE_KEY), PROJECT_ID, (REGION_ID, OTHER_REGION_ID)
        ),
    )
    settings.GCORE_TIMEOUTS = Timeouts(connect=5.0, read=15.0)
    settings.GCORE_TRANSPORT = EmulatorTransport(gcore_app)
    settings.GCORE_SLEEP = gcore_clock.advance
    yield gcore_app  # the cache starts empty for every test (tests/conftest.py)


def add(
    app,
    name: str,
    *,
    region: int = REGION_ID,
    secret_type: str = "certificate",
    expires_in: timedelta | None = None,
    created_days_ago: float = 30,
    project: int = PROJECT_ID,
    **details,
):
    """A secret stored at once, as another tool would have made it. Its expiry is counted from
    the dashboard's clock (the real one), not from the emulator's."""
    now = timezone.now()
    return app.add_secret(
        project,
        region,
        name,
        secret_type,
        b"-----BEGIN CERTIFICATE-----\nnot a real one\n-----END CERTIFICATE-----\n",
        created=now - created_days_ago * DAY,
        expiration=None if expires_in is None else now + expires_in,
        content_type="text/plain" if secret_type == "certificate" else "application/octet-stream",
        **details,
    )
