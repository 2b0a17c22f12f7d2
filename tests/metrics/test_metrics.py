"""/metrics: refused without the right bearer token; upstream calls, the audit log and the
watcher's rounds counted; no secret value or token in what it says."""

import pytest
from django.core.management import call_command
from prometheus_client.parser import text_string_to_metric_families

from emulators.faults import Fault
from secretsadmin.config import Config
from secretsadmin.watcher import records
from tests.fixtures.pipecat import PIPECAT_TOKEN

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-" + "z" * 30


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = Config({"METRICS_TOKEN": TOKEN}).secret("METRICS_TOKEN")
    return TOKEN


def scrape(client, token=TOKEN):
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    assert "no-store" in response["Cache-Control"]
    return response.content.decode()


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(text: str, name: str, **labels) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


def test_without_a_configured_token_metrics_are_refused_to_everyone(client, admin):
    for who in (client, admin):
        response = who.get("/metrics", HTTP_AUTHORIZATION="Bearer anything")
        assert response.status_code == 403
        assert "no METRICS_TOKEN" in response.text


def test_a_missing_or_wrong_token_is_refused_and_the_right_one_answers(client, token):
    missing = client.get("/metrics")
    assert missing.status_code == 401 and missing["WWW-Authenticate"].startswith("Bearer")
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer " + token[:-1] + "y")
    assert wrong.status_code == 401 and 'error="invalid_token"' in wrong["WWW-Authenticate"]
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {token}").status_code == 401
    assert "secretsadmin_audit_head_sequence" in scrape(client)


def test_the_token_may_come_from_a_file(tmp_path, settings, client):
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    settings.METRICS_TOKEN = Config({"METRICS_TOKEN_FILE": str(path)}).secret("METRICS_TOKEN")
    assert "secretsadmin_watcher_rounds_total" in scrape(client)


def test_upstream_calls_and_errors_are_counted_and_no_secret_shows(
    client, token, viewer, pipecat_prod
):
    labels = {"provider": "pipecat", "account": "prod", "operation": "list_sets"}
    before = scrape(client)
    assert viewer.get("/pipecat/prod/").status_code == 200
    pipecat_prod.faults.add(Fault("list_sets", status=403, times=1))
    from django.core.cache import cache

    cache.clear()
    viewer.get("/pipecat/prod/")
    after = scrape(client)
    calls = "secretsadmin_upstream_calls_total"
    assert value(after, calls, **labels) - value(before, calls, **labels) >= 2
    requests = "secretsadmin_upstream_requests_total"
    assert value(after, requests, **labels, status="200") > value(
        before, requests, **labels, status="200"
    )
    assert value(after, requests, **labels, status="403") == 1
    assert (
        value(after, "secretsadmin_upstream_errors_total", **labels, kind="answered", status="403")
        == 1
    )
    assert value(after, "secretsadmin_upstream_request_duration_seconds_count", **labels) >= 2
    for secret in (PIPECAT_TOKEN, TOKEN, "voice-prod"):
        assert secret not in after


def test_audit_and_watcher_facts_come_from_the_database(client, token):
    call_command("audit_verify")
    records.job_ended("audit_reconcile", 0.5, failed=False)
    records.job_ended("audit_reconcile", 0.25, failed=True)
    records.round_ended(1.0)
    text = scrape(client)
    assert (
        value(text, "secretsadmin_audit_events_total", action="audit.verify", outcome="succeeded")
        == 1
    )
    assert value(text, "secretsadmin_audit_verify_last_success") == 1
    assert value(text, "secretsadmin_audit_head_sequence") >= 1
    assert value(text, "secretsadmin_watcher_rounds_total") == 1
    assert value(text, "secretsadmin_watcher_job_runs_total", job="audit_reconcile") == 2
    assert value(text, "secretsadmin_watcher_job_failures_total", job="audit_reconcile") == 1
    assert value(text, "secretsadmin_watcher_job_last_success", job="audit_reconcile") == 0
    assert 0 <= value(text, "secretsadmin_watcher_lag_seconds") < 60
    assert value(text, "secretsadmin_metrics_collector_up", collector="audit") == 1
