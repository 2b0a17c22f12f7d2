"""Who may change Gcore secrets, and what a forged, replayed or stale request cannot do."""

import pytest

from secretsadmin.audit.models import AuditEvent
from secretsadmin.gcore import actions
from tests.fixtures.gcore import PROJECT_ID, REGION_ID
from tests.gcore.changes.conftest import CERTIFICATE, NEW, create, events
from tests.pipecat.conftest import once_of, token_of
from tests.pipecat.test_sent_once import send

pytestmark = pytest.mark.django_db
FORM = {"region": str(REGION_ID), "name": "api-token", "secret_type": "opaque", "payload": "v"}


@pytest.fixture
def secret(gcore):
    return gcore.add_secret(PROJECT_ID, REGION_ID, "kept", "opaque", b"x")


def change_paths(secret) -> list[str]:
    return [
        NEW,
        CERTIFICATE,
        f"{CERTIFICATE}check/",
        f"/gcore/prod/{REGION_ID}/{secret.id}/delete/",
    ]


@pytest.mark.parametrize("persona", ["viewer", "auditor"])
def test_readers_are_refused_every_change_and_the_refusal_is_audited(
    request, persona, gcore, secret
):
    reader = request.getfixturevalue(persona)
    for path in change_paths(secret):
        for method in ("POST",) if path.endswith("check/") else ("POST", "GET"):
            response = reader.post(path, FORM) if method == "POST" else reader.get(path)
            assert response.status_code == 403, path
            denied = AuditEvent.objects.filter(action="auth.denied").order_by("-sequence")[0]
            assert denied.target == f"{method} {path}"
    assert gcore.calls("create_secret") == gcore.calls("delete_secret") == 0
    assert events() == []


def test_readers_may_watch_a_change(editor, viewer, gcore):
    create(editor)
    sequence = events(actions.SECRET_CREATE)[0].sequence
    assert viewer.get(f"/gcore/prod/changes/{sequence}/", HTTP_HX_REQUEST="true").status_code == 200


def test_a_post_without_its_csrf_token_is_refused(editor, gcore, secret):
    token_of(editor)
    for path in change_paths(secret):
        assert editor.post(path, {**FORM, "confirm": "kept"}).status_code == 403, path
    assert gcore.calls("create_secret") == gcore.calls("delete_secret") == 0


@pytest.mark.parametrize(
    ("page", "path", "operation", "data"),
    [
        (NEW, NEW, "create_secret", FORM),
        ("delete", "delete", "delete_secret", {"confirm": "kept"}),
    ],
)
def test_a_change_sent_twice_is_made_once(editor, gcore, secret, page, path, operation, data):
    if page == "delete":
        page = path = f"/gcore/prod/{REGION_ID}/{secret.id}/delete/"
    token = once_of(editor.get(page).text)
    send(editor, path, token, data)
    second = send(editor, path, token, {**data, "duplicate": "on"})
    assert gcore.calls(operation) == 1
    assert [e.outcome for e in events()] == ["attempted", "unknown"]
    if second.status_code == 302:
        second = editor.get(second["Location"])
    assert "This form was already sent" in second.text


def test_an_unknown_account_is_not_found(editor):
    assert editor.get("/gcore/nope/new/").status_code == 404
