"""Deleting a secret: its name typed to confirm, the secret read afresh first, the badge following
the task that removes it."""

import pytest

from secretsadmin.gcore import actions
from tests.fixtures.gcore import PROJECT_ID, REGION_ID
from tests.gcore.changes.conftest import LIST, attempt_of, badge, events, finish
from tests.pipecat.conftest import Elements, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def secret(gcore):
    return gcore.add_secret(PROJECT_ID, REGION_ID, "www-example-test", "certificate", b"pem")


def delete_path(secret) -> str:
    return f"/gcore/prod/{REGION_ID}/{secret.id}/delete/"


def test_the_page_asks_for_the_name_typed(editor, secret):
    page = editor.get(delete_path(secret))
    assert page.status_code == 200
    assert "Type <code>www-example-test</code> to confirm" in page.text
    assert "a load balancer listener using this certificate loses it" in page.text
    assert Elements(page.text).one("button", **{"class": "button button-danger"})["text"] == (
        "Delete www-example-test"
    )


def test_a_wrong_name_is_refused_and_nothing_is_sent(editor, gcore, secret):
    refused = post(editor, delete_path(secret), {"confirm": "www-example"})
    assert refused.status_code == 400
    assert "Type www-example-test exactly to delete this secret." in refused.text
    assert gcore.calls("delete_secret") == 0
    assert events() == []


def test_the_name_typed_deletes_it_once_its_task_is_done(editor, gcore, secret):
    response = post(editor, delete_path(secret), {"confirm": "www-example-test", "reason": "old"})
    assert response["Location"] == LIST
    attempt = attempt_of(actions.SECRET_DELETE)
    assert (attempt.target, attempt.target_id, attempt.reason) == (
        "www-example-test",
        secret.id,
        "old",
    )
    page = editor.get(LIST).text
    assert "Gcore Cloud is deleting the secret www-example-test" in page
    assert "deleting…" in Elements(page).one("div", id=f"change-{attempt.sequence}")["text"]
    assert gcore.secrets(PROJECT_ID, REGION_ID) != []  # until its task is done

    finish(gcore)
    done = badge(editor, attempt.sequence)
    assert done.status_code == 286 and "done" in done.text
    assert gcore.secrets(PROJECT_ID, REGION_ID) == []
    assert [e.outcome for e in events()] == ["attempted", "unknown", "succeeded"]
    assert events()[-1].target_id == secret.id
    assert "www-example-test" not in editor.get(LIST).text  # the list forgot its shared read


def test_a_secret_deleted_meanwhile_is_said_gone(editor, gcore, secret):
    editor.get(delete_path(secret))  # the page is open, the list shared
    gcore.store._secrets.clear()  # another tool deletes it
    response = post(editor, delete_path(secret), {"confirm": "www-example-test"})
    assert response["Location"] == LIST
    assert "The secret www-example-test no longer exists: nothing deleted." in editor.get(LIST).text
    assert gcore.calls("delete_secret") == 0
    assert events() == []


def test_a_secret_of_no_region_of_the_account_is_not_found(editor, gcore, secret):
    response = editor.get(f"/gcore/prod/99/{secret.id}/delete/")
    assert response.status_code == 404
    assert "Account prod holds no secrets in region 99." in response.text
    assert gcore.calls("get_secret") == 0


def test_an_unknown_secret_leads_back_to_the_list(editor, gcore):
    response = editor.get(f"/gcore/prod/{REGION_ID}/00000000-0000-4000-8000-000000000000/delete/")
    assert response.status_code == 404
    assert Elements(response.text).one("a", href=LIST)
