"""The drift jobs when a provider fails: nothing is recorded from a listing that did not complete
(no set or secret reported deleted because a read failed), the things are compared again once
the provider answers, and the watcher's round goes on."""

import pytest
from django.core.management import call_command

from emulators.faults import Fault
from secretsadmin.audit.models import AuditEvent, Outcome
from secretsadmin.drift.models import Seen
from tests.drift.test_gcore_drift import prod as gcore_prod  # noqa: F401 - the fixture
from tests.fixtures.gcore import OTHER_REGION_ID, PROJECT_ID
from tests.pipecat.conftest import put

pytestmark = pytest.mark.django_db(transaction=True)
FAULTS = [
    pytest.param(Fault("*", status=500, times=100), id="500"),
    pytest.param(Fault("*", status=503, times=100, retry_after=1), id="503"),
    pytest.param(Fault("*", malformed=True, times=100), id="malformed"),
    pytest.param(Fault("*", drop=True, times=100), id="dropped"),
]


def observed() -> list[tuple[str, list[str]]]:
    events = AuditEvent.objects.filter(outcome=Outcome.OBSERVED).order_by("sequence")
    return [(e.target, e.observed["changes"]) for e in events]


@pytest.mark.parametrize("fault", FAULTS)
def test_a_pipecat_listing_that_fails_reports_nothing_then_catches_up(
    fault, pipecat_accounts, settings
):
    settings.PIPECAT_SLEEP = lambda seconds: None
    put(pipecat_accounts, "voice-prod", API_KEY="v")
    call_command("watch", "--once")
    put(pipecat_accounts, "billing", KEY="v")
    pipecat_accounts.faults.add(fault)
    call_command("watch", "--once")  # the job logs the failure; the round goes on
    assert observed() == []
    assert set(Seen.objects.values_list("name", flat=True)) == {"voice-prod"}

    pipecat_accounts.faults.clear()
    call_command("watch", "--once")
    assert observed() == [("billing", ["created (secret set, region us-west)"])]


@pytest.mark.parametrize("fault", FAULTS)
def test_a_gcore_region_that_fails_leaves_its_secrets_as_they_were(fault, gcore_prod, gcore_sdk):  # noqa: F811
    fra = gcore_prod.add_secret(PROJECT_ID, OTHER_REGION_ID, "fra-only", "opaque", b"x")
    call_command("watch", "--once")
    failing = {k: v for k, v in vars(fault).items() if k != "operation"}
    gcore_prod.faults.add(Fault("list_secrets", **failing))
    deleted = gcore_sdk.cloud.secrets.delete(fra.id, region_id=OTHER_REGION_ID)
    gcore_sdk.cloud.tasks.poll(deleted.tasks[0])  # elsewhere, during the outage
    call_command("watch", "--once")
    assert observed() == []  # nothing from regions that were not read
    gcore_prod.faults.clear()
    call_command("watch", "--once")
    assert observed() == [("fra-only", ["deleted"])]
