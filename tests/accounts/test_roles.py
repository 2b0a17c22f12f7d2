import pytest

from secretsadmin.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def denials():
    return list(AuditEvent.objects.filter(action="auth.denied").order_by("sequence"))


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get("/pipecat/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/pipecat/"


def test_the_health_check_needs_no_login(client):
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("persona", ["viewer", "editor", "auditor", "admin"])
def test_readers_of_secrets_see_the_provider_pages(persona, request):
    client = request.getfixturevalue(persona)
    assert client.get("/pipecat/").status_code == 200
    assert client.get("/gcore/").status_code == 200


def test_others_are_refused_the_provider_pages_and_the_refusal_is_recorded(stranger):
    response = stranger.get("/pipecat/", HTTP_USER_AGENT="pytest-browser")
    assert response.status_code == 403
    assert b"requires the viewer role" in response.content
    [event] = denials()
    assert event.outcome == "denied"
    assert event.target == "GET /pipecat/"
    assert event.actor_username == "sam"
    assert event.request_id == response["X-Request-ID"]


@pytest.mark.parametrize("persona", ["auditor", "admin"])
def test_auditors_and_admins_read_the_audit_log(persona, request):
    assert request.getfixturevalue(persona).get("/audit/").status_code == 200


@pytest.mark.parametrize("persona", ["viewer", "editor", "stranger"])
def test_the_audit_log_is_closed_to_everyone_else(persona, request):
    response = request.getfixturevalue(persona).get("/audit/")
    assert response.status_code == 403
    assert [e.target for e in denials()] == ["GET /audit/"]


def test_the_navigation_shows_only_what_a_role_may_open(viewer, auditor):
    viewer_page = viewer.get("/").content.decode()
    assert 'href="/pipecat/"' in viewer_page and 'href="/audit/"' not in viewer_page
    # Auditors read what the events name, so the provider pages are open to them too.
    auditor_page = auditor.get("/").content.decode()
    assert 'href="/audit/"' in auditor_page and 'href="/pipecat/"' in auditor_page
