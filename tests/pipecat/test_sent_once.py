"""A change form sent twice (a double click, a reload of the page that posted it) makes its
change once: one call upstream, one pair of audit events, and the second send is told why."""

import time
from datetime import timedelta
from unittest import mock

import pytest

from secretsadmin.core import once
from tests.conftest import at_once
from tests.pipecat.conftest import events, fail_next, once_of, put, token_of

pytestmark = pytest.mark.django_db
SET = "/pipecat/prod/sets/voice-prod/"
KEYS = {"key_0": "NEW_KEY", "value_0": "sk-twice"}
PULL = {"registry": "ghcr", "username": "octocat", "token": "ghp_twice", "region": "us-west"}


def send(client, path, token, data=None, **headers):
    """Posts a form with `token`, as a browser sends it again: the page is not read in between
    (which would show, and so use up, the first send's messages)."""
    csrf = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else token_of(client)
    form = {"csrfmiddlewaretoken": csrf, "once": token, **(data or {})}
    return client.post(path, form, **headers)


# What each change's form page is, what it posts, and the upstream operation it makes.
CHANGES = {
    "create a set": ("/pipecat/prod/new/", "", "/pipecat/prod/new/", "put_set",
                     {"name": "voice-new", "region": "us-west", **KEYS}),
    "add keys": (SET, 'id="keys-errors"', f"{SET}keys/", "put_set", KEYS),
    "remove a key, asked first": (f"{SET}keys/OLD/delete/", "", f"{SET}keys/OLD/delete/",
                                  "delete_key", {}),
    "remove a key in place": (SET, "OLD", f"{SET}keys/OLD/delete/", "delete_key", {}),
    "delete the set": (f"{SET}delete/", "", f"{SET}delete/", "delete_set",
                       {"confirm": "voice-prod"}),
    "create an image pull secret": ("/pipecat/prod/image-pull/new/", "",
                                    "/pipecat/prod/image-pull/new/", "put_set",
                                    {"name": "ghcr-new", **PULL}),
}  # fmt: skip


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_sent_twice_is_made_once(editor, pipecat, change):
    put(pipecat, "voice-prod", OLD="1")
    page, after, path, operation, data = CHANGES[change]
    token = once_of(editor.get(page).text, after)
    htmx = {"HTTP_HX_REQUEST": "true"} if change == "remove a key in place" else {}
    before = pipecat.calls(operation)

    send(editor, path, token, data, **htmx)
    second = send(editor, path, token, data, **htmx)

    assert pipecat.calls(operation) == before + 1
    assert [e.outcome for e in events() if e.action.startswith("pipecat.")] == [
        "attempted",
        "succeeded",
    ]
    redirected = second.status_code == 302
    shown = editor.get(second["Location"]).text if redirected else second.text
    assert "This form was already sent, so it was not sent again" in shown


def test_replacing_registry_credentials_twice_sends_them_once(editor, pipecat):
    send(editor, "/pipecat/prod/image-pull/new/", once.issue(), {"name": "ghcr-pull", **PULL})
    pipecat.clock.advance(pipecat.store.provisioning_delay + 1)
    path = "/pipecat/prod/sets/ghcr-pull/image-pull/"
    token = once_of(editor.get(path).text)
    before = pipecat.calls("put_set")
    for _ in range(2):
        send(editor, path, token, {**PULL, "token": "ghp_new"})
    assert pipecat.calls("put_set") == before + 1


def test_a_second_click_on_save_keys_is_told_it_was_already_sent(editor, pipecat):
    put(pipecat, "voice-prod")
    token = once_of(editor.get(SET).text, 'id="keys-errors"')
    first = send(editor, f"{SET}keys/", token, KEYS)
    second = send(editor, f"{SET}keys/", token, KEYS)
    assert first["Location"] == second["Location"] == SET
    page = editor.get(SET).text
    assert "1 key saved in voice-prod." in page
    assert "This form was already sent, so it was not sent again" in page


def test_a_form_without_its_token_sends_nothing(editor, pipecat):
    put(pipecat, "voice-prod")
    response = send(editor, f"{SET}keys/", "", KEYS)
    assert "came without its one-time token" in editor.get(response["Location"]).text
    assert pipecat.calls("put_set") == 1  # only put()'s
    assert events("pipecat.secret_set.upsert") == []


def test_a_form_left_open_for_more_than_a_day_sends_nothing(editor, pipecat):
    put(pipecat, "voice-prod")
    opened = time.time() - (once.MAX_AGE + timedelta(minutes=1)).total_seconds()
    with mock.patch("django.core.signing.time.time", return_value=opened):
        token = once.issue()
    response = send(editor, f"{SET}keys/", token, KEYS)
    assert "opened more than a day ago" in editor.get(response["Location"]).text
    assert pipecat.calls("put_set") == 1


def test_a_refused_form_keeps_its_token_for_the_corrected_one(editor, pipecat):
    put(pipecat, "voice-prod")
    token = once_of(editor.get(SET).text, 'id="keys-errors"')
    refused = send(editor, f"{SET}keys/", token, {"env": "bad line"})
    assert refused.status_code == 400
    done = send(editor, f"{SET}keys/", token, {"env": "GOOD=1"})
    assert done["Location"] == SET
    assert pipecat.calls("put_set") == 2


def test_after_a_failed_save_under_htmx_the_form_gets_a_new_token_and_can_be_sent_again(
    editor, pipecat
):
    put(pipecat, "voice-prod")
    fail_next(pipecat, "put_set", 409, times=4)  # the client tries three times
    token = once_of(editor.get(SET).text, 'id="keys-errors"')
    failed = send(editor, f"{SET}keys/", token, KEYS, HTTP_HX_REQUEST="true")
    assert failed.status_code == 200
    assert "Someone else is changing set voice-prod right now" in failed.text  # the toast
    fresh = once_of(failed.text)
    assert fresh != token
    again = send(editor, f"{SET}keys/", fresh, KEYS, HTTP_HX_REQUEST="true")
    assert again["HX-Redirect"] == SET
    assert pipecat.store.get("test-org", "voice-prod").values["NEW_KEY"] == "sk-twice"


@pytest.mark.django_db(transaction=True)
def test_two_sends_at_the_same_moment_spend_a_token_once():
    token = once.issue()

    def spend() -> str:
        try:
            once.spend(mock.Mock(POST={"once": token}))
        except once.Refused as refused:
            return refused.message
        return "spent"

    assert at_once(spend, 2) == sorted([once.ALREADY_SENT, "spent"])


def test_a_key_that_could_not_be_removed_in_place_can_be_removed_on_a_second_try(editor, pipecat):
    put(pipecat, "voice-prod", OLD="1", KEEP="1")
    fail_next(pipecat, "delete_key", 409, times=4)  # the client tries three times
    path = f"{SET}keys/OLD/delete/"
    token = once_of(editor.get(SET).text, "<code>OLD</code>")
    failed = send(editor, path, token, HTTP_HX_REQUEST="true")
    assert "<code>OLD</code>" in failed.text  # the row again, to swap in for itself
    assert "Someone else is changing" in failed.text
    retried = send(editor, path, once_of(failed.text, "<code>OLD</code>"), HTTP_HX_REQUEST="true")
    assert "<tr>" not in retried.text and "Key OLD removed from voice-prod." in retried.text
    assert set(pipecat.store.get("test-org", "voice-prod").values) == {"KEEP"}
