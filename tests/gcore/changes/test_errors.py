"""Each way Gcore Cloud can refuse or fail a change is said in one sentence with both request ids,
audited as what it means; a create it may have received is never sent again but looked for."""

import pytest

from emulators.faults import Fault
from secretsadmin.gcore import actions, selectors
from secretsadmin.gcore.messages import describe
from secretsadmin.providers.gcore import BadRequest
from tests.fixtures.gcore import PROJECT_ID, REGION_ID
from tests.gcore.changes.conftest import create, events
from tests.pipecat.conftest import post

pytestmark = pytest.mark.django_db


def fault(**kwargs) -> Fault:
    return Fault("create_secret", **kwargs)


@pytest.mark.parametrize(
    ("failure", "message", "outcome"),
    [
        (
            fault(status=401),
            "Gcore Cloud answered with an error: HTTP 401 Unauthorized. The API key of account "
            "prod was refused: ask an administrator to check it. Nothing was changed.",
            "failed",
        ),
        (
            fault(status=400, message="Validation Error: {'name': ['Name is reserved']}"),
            "Gcore Cloud answered with an error: HTTP 400 Bad Request: Validation Error: "
            "{&#x27;name&#x27;: [&#x27;Name is reserved&#x27;]}. Nothing was changed: correct it "
            "and send it again.",
            "failed",
        ),
        (
            fault(status=409),
            "Gcore Cloud is busy with the secret api-token (another change to it, or a load "
            "balancer using it); nothing was changed.",
            "failed",
        ),
        (
            fault(status=429, retry_after=60),
            "HTTP 429 Too Many Requests. Nothing was changed. Try again in 60 seconds.",
            "failed",
        ),
    ],
)
def test_each_refusal_is_explained_and_audited(editor, gcore, failure, message, outcome):
    gcore.faults.add(failure)
    page = create(editor).text
    assert message in page
    attempt, concluded = events(actions.SECRET_CREATE)
    assert concluded.outcome == outcome and concluded.attempt_id == attempt.sequence
    assert f"request id {attempt.request_id}; Gcore Cloud&#x27;s request id " in page
    assert gcore.calls("create_secret") == 1


def test_a_create_that_timed_out_after_gcore_made_it_reports_the_secret_found(editor, gcore):
    gcore.faults.add(fault(delay=20, after_effect=True))
    page = create(editor).text
    [secret] = gcore.secrets(PROJECT_ID, REGION_ID)
    created = f"{secret.created:%Y-%m-%d %H:%M:%S}"
    assert (
        "Gcore Cloud did not answer (no answer within 15 s). A secret named api-token was "
        f"created at {created} UTC: it is probably yours. Check it before trying again."
    ) in page
    assert gcore.calls("create_secret") == 1  # never sent twice
    _, unknown, found = events(actions.SECRET_CREATE)
    assert (unknown.outcome, found.outcome, found.error_code, found.target_id) == (
        "unknown",
        "succeeded",
        "found_by_name",
        secret.id,
    )


def test_a_5xx_without_effect_reports_nothing_found(editor, gcore):
    gcore.faults.add(fault(status=500))
    page = create(editor).text
    assert (
        "Gcore Cloud answered with an error: HTTP 500 Internal Server Error. No secret named "
        "api-token has appeared since: it was probably not created, so you may try again"
    ) in page
    assert gcore.secrets(PROJECT_ID, REGION_ID) == []
    # Left unknown: audit_reconcile looks again later, in case its task was only slow.
    assert [e.outcome for e in events()] == ["attempted", "unknown"]


def test_a_5xx_whose_task_finishes_moments_later_is_found_by_the_second_look(editor, gcore):
    gcore.faults.add(fault(status=502, after_effect=True))
    page = create(editor).text
    assert "A secret named api-token was created at" in page
    assert [e.outcome for e in events()] == ["attempted", "unknown", "succeeded"]


def test_a_dropped_connection_is_looked_after_like_a_timeout(editor, gcore):
    gcore.faults.add(fault(drop=True))
    page = create(editor).text
    assert "Gcore Cloud did not answer (the connection broke before a complete answer" in page
    assert "No secret named api-token has appeared since" in page


def test_a_secret_of_that_name_there_before_is_not_taken_for_the_new_one(editor, gcore):
    gcore.add_secret(PROJECT_ID, REGION_ID, "api-token", "opaque", b"older")
    gcore.faults.add(fault(status=500))
    page = create(editor, duplicate="on").text
    assert "No secret named api-token has appeared since" in page


def test_a_delete_already_gone_upstream_says_so(editor, gcore):
    secret = gcore.add_secret(PROJECT_ID, REGION_ID, "old", "opaque", b"x")
    gcore.faults.add(Fault("delete_secret", status=404))
    response = post(editor, f"/gcore/prod/{REGION_ID}/{secret.id}/delete/", {"confirm": "old"})
    page = editor.get(response["Location"]).text
    assert "The secret old is already gone. (Gcore Cloud answered with an error: HTTP 404" in page


def test_when_the_audit_log_cannot_be_written_nothing_reaches_gcore(editor, gcore, failing_disk):
    page = create(editor).text
    assert "The audit log cannot be written right now, so nothing was sent to Gcore Cloud" in page
    assert gcore.calls("create_secret") == 0


def test_a_region_that_cannot_be_read_is_the_unavailable_page(editor, gcore):
    gcore.faults.add(Fault("list_regions", status=503, times=5))
    response = editor.get("/gcore/prod/new/")
    assert response.status_code == 502
    assert "Gcore Cloud answered with an error: HTTP 503 Service Unavailable" in response.text


def test_gcores_own_refusal_names_each_field_in_its_words(gcore):
    client = selectors.client("prod")
    with pytest.raises(BadRequest) as refused:
        client.create_secret(REGION_ID, name=" padded", secret_type="opaque", payload=b"x")
    problem = "Name must not start or end with whitespace"
    assert refused.value.invalid_fields == {"name": (problem,)}
    assert describe(refused.value, subject="the secret  padded") == (
        f"Gcore Cloud refused the secret  padded (HTTP 400): name: {problem}. Nothing was "
        "changed: correct it and send it again."
    )
