"""Changes through the dashboard reach the provider, are audited before and after, and explain
every refusal in words a person can act on."""

import base64

import pytest

from emulators.faults import Fault
from secretsadmin.pipecat.messages import describe
from secretsadmin.providers.pipecat import PipecatError, pipecat_clients
from tests.pipecat.conftest import events, fail_next, post, preview, put, state

pytestmark = pytest.mark.django_db


def new_set(editor, name="voice-prod", region="eu-central", **extra):
    data = {"name": name, "region": region, "key_0": "OPENAI_API_KEY", "value_0": "sk-top-secret"}
    return post(editor, "/pipecat/prod/new/", {**data, **extra})


def test_creating_a_set_sends_keys_to_the_provider_and_audits_both_steps(editor, pipecat):
    response = new_set(editor, env="export DEEPGRAM_KEY='dg 123'\n# comment\n")
    assert response.status_code == 302
    assert response["Location"] == "/pipecat/prod/sets/voice-prod/"
    created = state(pipecat, "voice-prod")
    assert created["region"] == "eu-central" and created["status"] == "pending"
    assert [k["fieldName"] for k in created["secrets"]] == ["DEEPGRAM_KEY", "OPENAI_API_KEY"]
    stored = pipecat.store.get("test-org", "voice-prod").values
    assert stored == {"OPENAI_API_KEY": "sk-top-secret", "DEEPGRAM_KEY": "dg 123"}

    attempt, outcome = events("pipecat.secret_set.upsert")
    assert (attempt.outcome, outcome.outcome, outcome.attempt_id) == (
        "attempted",
        "succeeded",
        attempt.sequence,
    )
    assert attempt.keys == ["DEEPGRAM_KEY", "OPENAI_API_KEY"]
    assert (attempt.account, attempt.target, attempt.region, attempt.actor_username) == (
        "prod",
        "voice-prod",
        "eu-central",
        "eddie",
    )
    assert outcome.upstream_status == 202
    page = editor.get(response["Location"]).content.decode()
    assert "Set voice-prod created" in page
    assert "sk-top-secret" not in page


def test_the_region_list_comes_from_the_provider_with_its_default_preselected(editor, pipecat):
    pipecat.set_default_region("test-org", "eu-central")
    html = editor.get("/pipecat/prod/new/").content.decode()
    for code in ("us-west", "us-east", "eu-central", "ap-south"):
        assert f'value="{code}"' in html
    assert 'value="eu-central" selected' in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Bad_Name"}, "lower-case"),
        ({"name": "ab"}, "3"),
        ({"key_0": "BAD KEY"}, "letters, digits"),
        ({"value_0": ""}, "OPENAI_API_KEY needs a value."),
        ({"key_0": "", "value_0": "", "env": "GOOD=1\nnot a line\n"}, "Line 2:"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_sent(editor, pipecat, data, message):
    response = new_set(editor, **data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert pipecat.calls("put_set") == 0
    assert not [e for e in events() if e.action.startswith("pipecat.")]


def test_a_name_already_taken_is_refused(editor, pipecat):
    put(pipecat, "voice-prod")
    response = new_set(editor)
    assert "exists already" in response.content.decode()
    assert pipecat.calls("put_set") == 1  # only the one made by put()


def test_the_name_is_checked_as_it_is_typed(editor, pipecat):
    put(pipecat, "taken-name")

    def check(name):
        url = "/pipecat/prod/check-name/"
        return editor.get(url, {"name": name}, HTTP_HX_REQUEST="true").content.decode()

    assert "is free" in check("fresh-name")
    assert "exists already" in check("taken-name")
    assert "field-error" in check("-bad")


def test_adding_keys_by_pasting_env_merges_with_the_existing_ones(editor, pipecat):
    put(pipecat, "voice-prod", KEEP="old", OVERWRITE="old")
    block = 'OVERWRITE="new\nline"\nexport NEW_ONE=1\n'
    response = post(editor, "/pipecat/prod/sets/voice-prod/keys/", {"env": block})
    assert response.status_code == 302
    assert pipecat.store.get("test-org", "voice-prod").values == {
        "KEEP": "old",
        "OVERWRITE": "new\nline",
        "NEW_ONE": "1",
    }
    assert "2 keys saved in voice-prod." in editor.get(response["Location"]).content.decode()


def test_the_preview_tells_new_keys_from_overwritten_ones(editor, pipecat):
    put(pipecat, "voice-prod", KEEP="old", OVERWRITE="old")
    html = preview(editor, "OVERWRITE=value-one\nNEW_ONE=value-two\n")
    assert "<strong>New keys</strong> (1): <code>NEW_ONE</code>" in html
    assert "<strong>Overwritten keys</strong> (1): <code>OVERWRITE</code>" in html
    assert "value-one" not in html and "value-two" not in html
    assert pipecat.calls("put_set") == 1  # a preview changes nothing


def test_a_preview_of_a_bad_env_line_names_the_line(editor, pipecat):
    put(pipecat, "voice-prod")
    html = preview(editor, "A=1\nbad line here\n")
    assert 'role="alert"' in html and "Applying will change" not in html
    assert "<li>Line 2: expected KEY=value" in html


def test_a_bad_env_line_is_reported_by_number_and_nothing_changes(editor, pipecat):
    put(pipecat, "voice-prod")
    response = post(editor, "/pipecat/prod/sets/voice-prod/keys/", {"env": "A=1\n\nB C=2\n"})
    assert response.status_code == 400
    assert "Line 3:" in response.content.decode()
    assert pipecat.calls("put_set") == 1


def test_removing_a_key_in_place(editor, pipecat):
    put(pipecat, "voice-prod", KEEP="1", GONE="2")
    response = post(
        editor, "/pipecat/prod/sets/voice-prod/keys/GONE/delete/", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith(
        '<div id="toasts" hx-swap-oob="beforeend">'
    )  # the row is replaced by nothing
    assert "Key GONE removed from voice-prod." in html
    assert pipecat.store.get("test-org", "voice-prod").values == {"KEEP": "1"}
    assert [e.outcome for e in events("pipecat.secret_key.delete")] == ["attempted", "succeeded"]


def test_deleting_a_set_needs_its_name_typed(editor, pipecat):
    put(pipecat, "voice-prod")
    refused = post(editor, "/pipecat/prod/sets/voice-prod/delete/", {"confirm": "voice"})
    assert "Type voice-prod exactly" in refused.content.decode()
    assert pipecat.store.get("test-org", "voice-prod") is not None
    done = post(
        editor,
        "/pipecat/prod/sets/voice-prod/delete/",
        {"confirm": "voice-prod", "reason": "JIRA-12"},
    )
    assert done["Location"] == "/pipecat/prod/"
    assert pipecat.store.get("test-org", "voice-prod") is None
    attempt, outcome = events("pipecat.secret_set.delete")
    assert attempt.reason == "JIRA-12" and outcome.outcome == "succeeded"


def test_an_image_pull_secret_is_encoded_on_the_server(editor, pipecat):
    response = post(
        editor,
        "/pipecat/prod/image-pull/new/",
        {
            "name": "ghcr-pull",
            "registry": "ghcr",
            "host": "",
            "username": "octo",
            "token": "ghp_tok:en",
            "region": "us-west",
        },
    )
    assert response.status_code == 302
    stored = pipecat.store.get("test-org", "ghcr-pull")
    assert stored.host == "ghcr.io/"
    assert base64.b64decode(stored.credentials) == b"octo:ghp_tok:en"
    attempt, _ = events("pipecat.image_pull_secret.upsert")
    assert "ghp_tok" not in str(attempt.__dict__)


def test_an_ecr_pull_secret_warns_of_the_12_hour_expiry(editor, pipecat):
    response = post(
        editor,
        "/pipecat/prod/image-pull/new/",
        {
            "name": "ecr-pull",
            "registry": "ecr",
            "host": "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
            "username": "AWS",
            "token": "t",
            "region": "us-west",
        },
    )
    assert "12 hours" in editor.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("fault", "message", "outcome"),
    [
        (Fault("put_set", status=401), "The API key of account prod was refused", "failed"),
        (
            Fault("put_set", status=409, times=10),
            "Someone else is changing set voice-prod",
            "failed",
        ),
        (
            Fault("put_set", status=429, retry_after=60),
            "Pipecat Cloud answered with an error: HTTP 429 Too Many Requests. "
            "Nothing was changed. Try again in 60 seconds.",
            "failed",
        ),
        (
            Fault("put_set", status=500),
            "Pipecat Cloud answered with an error: HTTP 500 Internal Server Error. The change to "
            "set voice-prod may have been made",
            "unknown",
        ),
        (
            Fault("put_set", delay=60),
            "Pipecat Cloud did not answer (no answer within 15 s). The change to set voice-prod "
            "may have been made: check it before trying again.",
            "unknown",
        ),
        (
            Fault("put_set", drop=True),
            "Pipecat Cloud did not answer (the connection broke before a complete answer",
            "unknown",
        ),
    ],
)
def test_each_provider_refusal_is_explained_and_audited(editor, pipecat, fault, message, outcome):
    put(pipecat, "voice-prod")
    pipecat.faults.add(fault)
    response = post(editor, "/pipecat/prod/sets/voice-prod/keys/", {"key_0": "NEW", "value_0": "v"})
    page = editor.get(response["Location"]).content.decode()
    assert message in page
    attempt, concluded = events("pipecat.secret_set.upsert")
    assert concluded.outcome == outcome and concluded.attempt_id == attempt.sequence
    assert f"(request id {attempt.request_id})" in page


def test_a_region_change_is_explained_with_the_sets_region(pipecat):
    put(pipecat, "voice-prod", "us-west")
    with pytest.raises(PipecatError) as refused:
        pipecat_clients().get("prod").upsert_set("voice-prod", {"A": "1"}, region="eu-central")

    assert describe(refused.value, set_name="voice-prod").startswith(
        "Set voice-prod lives in us-west; a set's region cannot change."
    )


def test_deleting_a_set_already_gone_says_so(editor, pipecat):
    put(pipecat, "voice-prod")
    fail_next(pipecat, "delete_set", 404)
    response = post(editor, "/pipecat/prod/sets/voice-prod/delete/", {"confirm": "voice-prod"})
    assert "Set voice-prod is already gone." in editor.get(response["Location"]).content.decode()


def test_when_the_audit_log_cannot_be_written_nothing_reaches_the_provider(
    editor, pipecat, failing_disk
):
    put(pipecat, "voice-prod")
    response = post(editor, "/pipecat/prod/sets/voice-prod/keys/", {"key_0": "K", "value_0": "v"})
    assert pipecat.calls("put_set") == 1  # only the one put() made
    page = editor.get(response["Location"]).content.decode()
    assert "The audit log cannot be written right now, so nothing was sent" in page
    assert set(pipecat.store.get("test-org", "voice-prod").values) == {"API_KEY"}


def test_a_name_created_elsewhere_moments_ago_is_not_merged_into(editor, pipecat):
    editor.get("/pipecat/prod/")  # the shared list is cached without the set
    put(pipecat, "voice-prod", OTHER="theirs")  # another tool creates it within the interval
    response = new_set(editor)
    assert "A set named voice-prod exists already" in response.content.decode()
    assert set(pipecat.store.get("test-org", "voice-prod").values) == {"OTHER"}


def test_a_name_that_cannot_be_checked_is_not_created(editor, pipecat):
    editor.get("/pipecat/prod/new/")  # regions and default region are cached
    fail_next(pipecat, "list_sets", 503, times=5)
    response = new_set(editor)
    html = response.content.decode()
    assert "The name could not be checked: nothing sent." in html
    assert pipecat.calls("put_set") == 0


def test_removing_a_key_already_gone_says_which_key_and_sends_nothing(editor, pipecat):
    put(pipecat, "voice-prod", KEEP="1")
    response = post(
        editor, "/pipecat/prod/sets/voice-prod/keys/GONE/delete/", HTTP_HX_REQUEST="true"
    )
    assert "<tr" not in response.text  # the row goes: there is no such key
    assert "Set voice-prod holds no key GONE (any more); nothing was removed." in response.text
    assert pipecat.calls("delete_key") == 0
    assert events("pipecat.secret_key.delete") == []


def test_a_provider_error_while_removing_a_key_says_it_answered_and_may_have_removed_it(
    editor, pipecat
):
    put(pipecat, "voice-prod", KEEP="1", OLD="2")
    fail_next(pipecat, "delete_key", 500)
    response = post(
        editor, "/pipecat/prod/sets/voice-prod/keys/OLD/delete/", HTTP_HX_REQUEST="true"
    )
    text = response.content.decode()
    assert "Pipecat Cloud answered with an error: HTTP 500 Internal Server Error" in text
    assert "The change to key OLD of set voice-prod may have been made" in text
    assert "did not answer in time" not in text
    assert events("pipecat.secret_key.delete")[1].outcome == "unknown"


def test_a_404_while_creating_a_set_is_an_error_of_the_provider_not_already_gone(editor, pipecat):
    fail_next(pipecat, "put_set", 404)
    text = new_set(editor, name="brand-new").content.decode()
    assert "Pipecat Cloud answered with an error: HTTP 404 Not Found" in text
    assert "already gone" not in text and "Nothing was changed." in text
