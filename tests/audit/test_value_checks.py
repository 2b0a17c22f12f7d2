"""An auditor checks a candidate value against an event's fingerprint: the verdict is shown and
recorded, the candidate is neither, and the oracle is rationed."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings

from secretsadmin.audit import services, value_checks
from secretsadmin.audit.models import AuditEvent
from secretsadmin.config import Secret
from tests.audit.conftest import csrf_headers
from tests.conftest import at_once

pytestmark = pytest.mark.django_db

VALUE = "sk-live-Zq81-top-secret"
AUDIT_KEY = Secret("audit-key-for-tests-" + "k" * 20)
ROTATED_KEY = Secret("the-next-audit-key-" + "r" * 20)


@pytest.fixture
def change(system):
    """A key set to VALUE, fingerprinted under AUDIT_KEY."""
    with override_settings(AUDIT_HMAC_KEY=AUDIT_KEY):
        return services.record(
            system,
            action="pipecat.secret_set.upsert",
            outcome="succeeded",
            subject=services.Subject(provider="pipecat", target="voice-prod"),
            values={"OPENAI_API_KEY": VALUE, "OTHER": "x"},
        )


def check(client, event, value, key="OPENAI_API_KEY", **headers):
    path = f"/audit/{event.sequence}/check/"
    data = {"key": key, "value": value}
    return client.post(path, data, **csrf_headers(client), **headers)


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-sequence").first()


def stored_text(event: AuditEvent) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_auditevent WHERE sequence = %s", [event.sequence])
        return " ".join(str(column) for column in cursor.fetchone())


@override_settings(AUDIT_HMAC_KEY=AUDIT_KEY)
def test_the_value_that_was_set_matches_and_the_check_is_recorded(auditor, change):
    response = check(auditor, change, VALUE)
    assert response.status_code == 200
    assert f"Match: OPENAI_API_KEY held this value at event #{change.sequence}." in response.text
    assert VALUE not in response.text
    recorded = last_event()
    assert (recorded.action, recorded.outcome, recorded.actor_username) == (
        "audit.value_check",
        "succeeded",
        "audrey",
    )
    assert (recorded.target, recorded.target_id, recorded.keys) == (
        f"event #{change.sequence}",
        "match",
        ["OPENAI_API_KEY"],
    )
    assert VALUE not in stored_text(recorded)
    assert recorded.fingerprints == {}  # nothing of the candidate is kept, not even a fingerprint


@override_settings(AUDIT_HMAC_KEY=AUDIT_KEY)
def test_another_value_does_not_match(auditor, change):
    response = check(auditor, change, VALUE + " ")  # a trailing space is another value
    assert "No match: OPENAI_API_KEY held a different value" in response.text
    assert last_event().target_id == "different"


@override_settings(AUDIT_HMAC_KEY=AUDIT_KEY)
def test_the_same_value_under_another_key_does_not_match(auditor, change):
    assert "No match: OTHER held a different value" in check(auditor, change, "y", key="OTHER").text
    assert "Match: OTHER" in check(auditor, change, "x", key="OTHER").text


@override_settings(AUDIT_HMAC_KEY=ROTATED_KEY)
def test_after_the_audit_key_changed_the_page_says_it_cannot_tell(auditor, change):
    response = check(auditor, change, VALUE)
    stored_id = change.fingerprints["OPENAI_API_KEY"].split(":")[0]
    assert f"Cannot tell: this fingerprint was made under another audit key (id {stored_id})" in (
        response.text
    )
    assert last_event().target_id == "other key"


@override_settings(AUDIT_HMAC_KEY=None)
def test_without_an_audit_key_no_form_is_offered(auditor, change):
    page = auditor.get(f"/audit/{change.sequence}/")
    assert "No audit key is configured" in page.text
    assert 'name="value"' not in page.text


@override_settings(AUDIT_HMAC_KEY=AUDIT_KEY)
def test_a_key_the_event_did_not_touch_is_refused_unchecked(auditor, change):
    before = last_event().sequence
    response = check(auditor, change, VALUE, key="NOT_IN_EVENT")
    assert "Select a valid choice" in response.text
    assert last_event().sequence == before


@override_settings(AUDIT_HMAC_KEY=AUDIT_KEY)
def test_htmx_gets_the_verdict_in_place(auditor, change):
    response = check(auditor, change, VALUE, HTTP_HX_REQUEST="true")
    assert response.text.lstrip().startswith('<div id="check"')
    assert "Match: OPENAI_API_KEY" in response.text


@override_settings(AUDIT_HMAC_KEY=AUDIT_KEY, AUDIT_VALUE_CHECKS_PER_HOUR=2)
def test_checks_are_rationed_and_a_refusal_is_recorded(auditor, change):
    for guess in ("a", "b"):
        assert check(auditor, change, guess).status_code == 200
    cache.clear()  # another worker, or a restart: the count is the log's, not a process's
    refused = check(auditor, change, VALUE)
    assert refused.status_code == 429
    assert "Not checked: you have checked 2 values in the last hour" in refused.text
    assert "Match" not in refused.text
    recorded = last_event()
    assert (recorded.action, recorded.outcome, recorded.target_id) == (
        "audit.value_check",
        "denied",
        "",
    )
    in_place = check(auditor, change, VALUE, HTTP_HX_REQUEST="true")
    assert in_place.status_code == 200 and "Not checked" in in_place.text


@override_settings(AUDIT_HMAC_KEY=AUDIT_KEY)
def test_a_check_that_cannot_be_recorded_is_not_answered(auditor, change, failing_disk):
    response = check(auditor, change, VALUE)
    assert response.status_code == 503
    assert "Not checked: the audit log cannot be written" in response.text
    assert "Match" not in response.text


SERVICE_ACCOUNT = '{\n  "type": "service_account",\n  "private_key": "-----BEGIN..."\n}'


@pytest.fixture
def multi_line_change(system):
    with override_settings(AUDIT_HMAC_KEY=AUDIT_KEY):
        return services.record(
            system,
            action="pipecat.secret_set.upsert",
            outcome="succeeded",
            values={"GCP_SERVICE_ACCOUNT": SERVICE_ACCOUNT},
        )


def check_file(client, event, content: bytes, **extra):
    upload = SimpleUploadedFile("sa.json", content, content_type="application/json")
    data = {"key": "GCP_SERVICE_ACCOUNT", "file": upload, **extra}
    return client.post(f"/audit/{event.sequence}/check/", data, **csrf_headers(client))


@override_settings(AUDIT_HMAC_KEY=AUDIT_KEY)
def test_a_value_of_several_lines_is_checked_from_a_file(auditor, multi_line_change):
    """As an editor saves the file: with the final line break the value did not have."""
    response = check_file(auditor, multi_line_change, (SERVICE_ACCOUNT + "\n").encode())
    assert "Match: GCP_SERVICE_ACCOUNT held this value" in response.text
    other = check_file(auditor, multi_line_change, SERVICE_ACCOUNT.replace("service", "x").encode())
    assert "No match: GCP_SERVICE_ACCOUNT held a different value" in other.text
    assert SERVICE_ACCOUNT not in response.text + other.text


@override_settings(AUDIT_HMAC_KEY=AUDIT_KEY)
@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        (b"x", {"value": "typed too"}, "Type a value or choose a file, one of the two."),
        (b"\xff\xfe\x00", {}, "That file is not text (UTF-8)."),
    ],
)
def test_a_file_that_cannot_be_checked_is_explained(
    auditor, multi_line_change, content, extra, message
):
    before = last_event().sequence
    response = check_file(auditor, multi_line_change, content, **extra)
    assert response.status_code == 400
    assert message in response.text
    assert last_event().sequence == before  # nothing checked, nothing recorded


@override_settings(AUDIT_HMAC_KEY=AUDIT_KEY)
@pytest.mark.parametrize(
    "content",
    [
        SERVICE_ACCOUNT.replace("\n", "\r\n").encode() + b"\r\n",  # saved on Windows
        b"\xef\xbb\xbf" + SERVICE_ACCOUNT.encode(),  # with a byte order mark
    ],
    ids=["crlf", "bom"],
)
def test_a_file_saved_another_way_still_matches(auditor, multi_line_change, content):
    response = check_file(auditor, multi_line_change, content)
    assert "Match: GCP_SERVICE_ACCOUNT held this value" in response.text


@override_settings(AUDIT_HMAC_KEY=AUDIT_KEY)
@pytest.mark.parametrize(
    ("tampered", "status"),
    [
        ('{"OPENAI_API_KEY": 5}', 200),  # the key is there, its fingerprint is not one
        ('["OPENAI_API_KEY"]', 400),  # no object of fingerprints: no key to check
    ],
)
def test_a_fingerprint_changed_behind_the_apps_back_is_not_a_crash(
    auditor, change, behind_the_apps_back, tampered, status
):
    behind_the_apps_back(
        "UPDATE audit_auditevent SET fingerprints = %s WHERE sequence = %s",
        [tampered, change.sequence],
    )
    assert auditor.get(f"/audit/{change.sequence}/").status_code == 200
    response = check(auditor, change, VALUE)
    assert response.status_code in (200, 400)
    assert response.status_code == status
    assert "Match:" not in response.text
    if tampered.startswith("{"):
        assert "is not one the dashboard wrote" in response.text


@pytest.mark.django_db(transaction=True)
@override_settings(AUDIT_HMAC_KEY=AUDIT_KEY, AUDIT_VALUE_CHECKS_PER_HOUR=1)
def test_checks_sent_at_once_get_no_more_answers_than_the_ration(system):
    """Eight checks in flight together: one answer, seven refusals, none lost."""
    with override_settings(AUDIT_HMAC_KEY=AUDIT_KEY):
        event = services.record(
            system, action="pipecat.secret_set.upsert", outcome="succeeded", values={"K": VALUE}
        )
    auditor = services.Actor.system("audrey")

    def one_check() -> str:
        try:
            value_checks.check_value(auditor, event, "K", [VALUE])
        except value_checks.TooManyChecks:
            return "refused"
        return "answered"

    assert at_once(one_check, 8) == ["answered"] + ["refused"] * 7
    recorded = AuditEvent.objects.filter(action="audit.value_check")
    assert sorted(recorded.values_list("outcome", flat=True)) == ["denied"] * 7 + ["succeeded"]


@override_settings(AUDIT_HMAC_KEY=AUDIT_KEY)
def test_the_log_shows_each_checks_verdict_not_a_green_succeeded(auditor, change, row_of):
    checks = {}
    for verdict, value in (("match", VALUE), ("no match", "a guess")):
        check(auditor, change, value)
        checks[verdict] = last_event().sequence
    with override_settings(AUDIT_HMAC_KEY=ROTATED_KEY):
        check(auditor, change, VALUE)
    checks["cannot tell"] = last_event().sequence

    listed = auditor.get("/audit/")
    badges = {
        "match": 'class="badge outcome-match"',
        "no match": 'class="badge outcome-no-match"',
        "cannot tell": 'class="badge outcome-cannot-tell"',
    }
    for verdict, sequence in checks.items():
        row = row_of(listed, sequence)
        assert badges[verdict] in row and f">{verdict}</span>" in row
        assert "succeeded" not in row
        page = auditor.get(f"/audit/{sequence}/").text
        assert badges[verdict] in page.split("</h1>")[0]
        assert f"<dt>Verdict</dt><dd>{verdict.capitalize()}: " in page
    assert 'class="badge outcome-succeeded">succeeded<' in row_of(listed, change.sequence)


@override_settings(AUDIT_HMAC_KEY=AUDIT_KEY, AUDIT_VALUE_CHECKS_PER_HOUR=0)
def test_a_check_refused_for_the_ration_shows_as_denied(auditor, change, row_of):
    check(auditor, change, VALUE)
    refused = last_event()
    row = row_of(auditor.get("/audit/"), refused.sequence)
    assert 'class="badge outcome-denied">denied<' in row
