"""No secret value is stored in any field, whatever the caller passes; only keyed fingerprints."""

import hashlib
import hmac

import pytest
from django.db import connection
from django.test import override_settings

from secretsadmin.audit import export, selectors, services
from secretsadmin.config import Secret

pytestmark = pytest.mark.django_db

VALUE = "s3cr3t-value-Zq81"
AUDIT_KEY = "audit-key-for-tests-" + "k" * 20


def record_carelessly(actor):
    """A change whose value also leaks into the reason and the upstream's error message."""
    return services.record(
        actor,
        action="pipecat.secret_set.upsert",
        outcome="failed",
        subject=services.Subject(target="prod-keys", keys=("API_KEY",)),
        values={"API_KEY": VALUE, "OTHER": "x"},
        reason=f"rotating, new value {VALUE}",
        error_message=f"value '{VALUE}' rejected; Authorization: Bearer abcdefghijklmnop",
    )


def stored_row(sequence: int) -> list:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_auditevent WHERE sequence = %s", [sequence])
        return [str(column) for column in cursor.fetchone()]


@pytest.mark.parametrize("audit_key", [None, AUDIT_KEY], ids=["no key", "key"])
def test_a_value_is_in_no_column_and_no_export(system, audit_key):
    key = Secret(audit_key) if audit_key else None
    with override_settings(AUDIT_HMAC_KEY=key):
        event = record_carelessly(system)
    row = stored_row(event.sequence)
    assert not [column for column in row if VALUE in column]
    assert not [column for column in row if "abcdefghijklmnop" in column]
    everything = selectors.events()
    assert VALUE not in "".join(export.csv_lines(everything))
    assert VALUE not in "".join(export.jsonl(everything))
    assert event.keys == ["API_KEY", "OTHER"]
    assert "[REDACTED]" in event.reason


def test_without_an_audit_key_no_fingerprint_is_kept(system):
    with override_settings(AUDIT_HMAC_KEY=None):
        assert record_carelessly(system).fingerprints == {}


def test_with_an_audit_key_each_value_has_a_fingerprint_that_can_be_checked(system):
    with override_settings(AUDIT_HMAC_KEY=Secret(AUDIT_KEY)):
        event = record_carelessly(system)
    key_id, mac = event.fingerprints["API_KEY"].split(":")
    expected = hmac.new(AUDIT_KEY.encode(), f"API_KEY\0{VALUE}".encode(), hashlib.sha256)
    assert mac == expected.hexdigest()
    guess = hmac.new(AUDIT_KEY.encode(), b"API_KEY\0guess", hashlib.sha256).hexdigest()
    assert mac != guess
    assert event.fingerprints["OTHER"].split(":")[0] == key_id


def test_one_value_under_two_names_does_not_show_as_the_same(system):
    with override_settings(AUDIT_HMAC_KEY=Secret(AUDIT_KEY)):
        event = services.record(
            system, action="x.y", outcome="succeeded", values={"A": VALUE, "B": VALUE}
        )
    assert event.fingerprints["A"] != event.fingerprints["B"]


def test_a_key_name_holding_nul_is_recorded_not_refused(system):
    """PostgreSQL's JSON cannot store NUL: the log must not claim it cannot be written."""
    from secretsadmin.audit import services

    event = services.record(
        system,
        action="pipecat.secret_key.delete",
        outcome="attempted",
        subject=services.Subject("pipecat", "prod", target="voice", keys=("A\0B",)),
    )
    assert services.AuditEvent.objects.get(pk=event.pk).keys == ["A\\0B"]
