"""What a crafted, stale or failed request must not do: reach other resources upstream, create
what was deleted, or bring a secret value back to a page, a toast or the audit log."""

import base64

import pytest
from django.core.cache import cache

from emulators.faults import Fault
from secretsadmin.core import shared_reads
from secretsadmin.pipecat import selectors
from secretsadmin.providers.pipecat import pipecat_clients
from tests.fixtures.pipecat import PIPECAT_ORG
from tests.pipecat.conftest import Elements, events, fail_next, post, put, upstream

pytestmark = pytest.mark.django_db
VALUE = "sk-live-Zq81-echoed-back"


@pytest.mark.parametrize(
    "path",
    [
        "/pipecat/prod/sets/voice-prod/keys/%2E/delete/",  # DELETE /secrets/voice-prod/. is the set
        "/pipecat/prod/sets/voice-prod/keys/%2E%2E/delete/",
        "/pipecat/prod/sets/%2E/keys/voice-prod/delete/",
        "/pipecat/prod/sets/%2E/delete/",
        # A final newline: a route ending in `$` took DELETE /secrets/voice-prod/%0A for the set.
        "/pipecat/prod/sets/voice-prod/keys/%0A/delete/",
        "/pipecat/prod/sets/voice-prod/keys/API_KEY%0A/delete/",
        "/pipecat/prod/sets/voice-prod/keys/%20/delete/",
        "/pipecat/prod/sets/voice-prod/keys/API%E2%80%8BKEY/delete/",  # a zero-width space
        "/pipecat/prod/sets/voice-prod/keys/API%09KEY/delete/",
        "/pipecat/prod/sets/voice-prod%0A/delete/",
    ],
)
def test_a_name_that_is_not_one_reaches_nothing_upstream(editor, pipecat, path):
    put(pipecat, "voice-prod")
    before = pipecat.calls()
    response = post(editor, path, {"confirm": "."})
    assert response.status_code == 404
    assert pipecat.store.get("test-org", "voice-prod") is not None
    assert pipecat.calls() == before
    assert events("pipecat.secret_key.delete") == events("pipecat.secret_set.delete") == []


def test_keys_for_a_set_deleted_meanwhile_do_not_recreate_it(editor, pipecat):
    put(pipecat, "voice-prod")
    editor.get("/pipecat/prod/sets/voice-prod/")  # the page is open
    with upstream(pipecat) as api:
        api.delete("/secrets/voice-prod").raise_for_status()  # a colleague deletes the set
    response = post(editor, "/pipecat/prod/sets/voice-prod/keys/", {"key_0": "K", "value_0": "v"})
    assert response["Location"] == "/pipecat/prod/"
    assert "Set voice-prod no longer exists; no key was saved." in editor.get("/pipecat/prod/").text
    assert pipecat.store.get("test-org", "voice-prod") is None
    assert pipecat.calls("put_set") == 1


def test_keys_are_added_in_the_sets_own_region(editor, pipecat):
    put(pipecat, "voice-prod", region="eu-central")
    post(editor, "/pipecat/prod/sets/voice-prod/keys/", {"key_0": "K", "value_0": "v"})
    [attempt, _] = events("pipecat.secret_set.upsert")
    assert attempt.region == "eu-central"


def test_a_refused_env_block_is_not_sent_back(editor, pipecat):
    put(pipecat, "voice-prod")
    block = f"GOOD={VALUE}\nbad line\n"
    response = post(editor, "/pipecat/prod/sets/voice-prod/keys/", {"env": block})
    assert response.status_code == 400
    assert "Line 2" in response.text
    assert VALUE not in response.text


def test_a_provider_error_echoing_a_value_is_masked_everywhere(editor, pipecat):
    put(pipecat, "voice-prod")
    fail_next(pipecat, "put_set", 400, message=f"invalid secretValue '{VALUE}'")
    post(editor, "/pipecat/prod/sets/voice-prod/keys/", {"key_0": "K", "value_0": VALUE})
    page = editor.get("/pipecat/prod/sets/voice-prod/").text
    assert "Pipecat Cloud answered with an error: HTTP 400 Bad Request: invalid" in page
    assert VALUE not in page
    [_, outcome] = events("pipecat.secret_set.upsert")
    assert outcome.outcome == "failed"
    assert "[REDACTED]" in outcome.error_message and VALUE not in outcome.error_message


def test_an_echoed_image_pull_credential_is_masked_too(editor, pipecat):
    encoded = base64.b64encode(f"robot:{VALUE}".encode()).decode()
    pipecat.faults.add(Fault("put_set", status=400, message=f"cannot decode {encoded}"))
    data = {"name": "ghcr-pull", "registry": "ghcr", "username": "robot", "token": VALUE}
    post(editor, "/pipecat/prod/image-pull/new/", {**data, "region": "us-west"})
    [_, outcome] = events("pipecat.image_pull_secret.upsert")
    assert encoded not in outcome.error_message


def test_a_refusal_whose_outcome_cannot_be_recorded_is_explained(editor, pipecat, failing_outcomes):
    put(pipecat, "voice-prod")
    fail_next(pipecat, "put_set", 401)
    response = post(editor, "/pipecat/prod/sets/voice-prod/keys/", {"key_0": "K", "value_0": "v"})
    assert response.status_code == 302  # not a 500
    page = editor.get(response["Location"]).text
    assert "The API key of account prod was refused" in page
    assert "The audit log could not record this outcome either" in page


def test_a_list_read_before_a_change_is_not_kept_after_it(pipecat):
    """A read in flight when a change forgets the list must not put the old list back."""
    put(pipecat, "voice-prod")

    def read_while_a_change_lands():
        sets = pipecat_clients().get("prod").list_sets()
        selectors.forget("prod", "voice-prod")
        return sets

    key = "pipecat:prod:sets"
    assert [s.name for s in shared_reads.shared(key, read_while_a_change_lands, seconds=2)] == [
        "voice-prod"
    ]
    before = pipecat.calls("list_sets")
    selectors.list_sets("prod")
    assert pipecat.calls("list_sets") == before + 1  # the next reader fetches


def test_the_name_check_says_when_it_could_not_check(editor, pipecat):
    fail_next(pipecat, "list_sets", 503, times=5)
    response = editor.get("/pipecat/prod/check-name/?name=voice-prod", HTTP_HX_REQUEST="true")
    assert "Whether voice-prod is free could not be checked just now" in response.text
    assert "voice-prod is free." not in response.text


def test_a_name_that_cannot_be_checked_is_explained_on_the_image_pull_form(editor, pipecat):
    fail_next(pipecat, "list_sets", 503, times=5)
    data = {"name": "ghcr-pull", "registry": "ghcr", "username": "robot", "token": "t"}
    response = post(editor, "/pipecat/prod/image-pull/new/", {**data, "region": "us-west"})
    assert "The name could not be checked: nothing sent." in response.text
    assert pipecat.calls("put_set") == 0


def test_without_javascript_removing_a_key_asks_first(editor, pipecat):
    put(pipecat, "voice-prod", KEEP="1", GONE="2")
    page = editor.get("/pipecat/prod/sets/voice-prod/")
    assert 'form method="get" action="/pipecat/prod/sets/voice-prod/keys/GONE/delete/"' in page.text
    asked = editor.get("/pipecat/prod/sets/voice-prod/keys/GONE/delete/")
    assert "Remove key <code>GONE</code> from <strong>voice-prod</strong>?" in asked.text
    assert set(pipecat.store.get("test-org", "voice-prod").values) == {"KEEP", "GONE"}
    done = post(editor, "/pipecat/prod/sets/voice-prod/keys/GONE/delete/", {"reason": "JIRA-7"})
    assert done["Location"] == "/pipecat/prod/sets/voice-prod/"
    assert set(pipecat.store.get("test-org", "voice-prod").values) == {"KEEP"}
    assert events("pipecat.secret_key.delete")[0].reason == "JIRA-7"


def test_an_unreadable_answer_to_a_change_says_it_may_have_been_made(editor, pipecat):
    put(pipecat, "voice-prod")
    pipecat.faults.add(Fault("put_set", malformed=True))
    post(editor, "/pipecat/prod/sets/voice-prod/keys/", {"key_0": "K", "value_0": "v"})
    page = editor.get("/pipecat/prod/sets/voice-prod/").text
    assert "sent an answer that could not be read" in page
    assert "The change to set voice-prod may have been made" in page
    assert events("pipecat.secret_set.upsert")[1].outcome == "unknown"


def test_a_key_another_tool_named_outside_the_clis_rule_can_still_be_removed(editor, pipecat):
    """The API documents no rule for key names; the dashboard's own form keeps the CLI's."""
    put(pipecat, "voice-prod", KEEP="1")
    pipecat.store.get("test-org", "voice-prod").values["db.password"] = "x"  # written elsewhere
    page = editor.get("/pipecat/prod/sets/voice-prod/")
    assert page.status_code == 200 and "<code>db.password</code>" in page.text
    post(editor, "/pipecat/prod/sets/voice-prod/keys/db.password/delete/")
    assert set(pipecat.store.get("test-org", "voice-prod").values) == {"KEEP"}


@pytest.mark.parametrize("key", ["db/password", "db password", "API\u200bKEY", ".."])
def test_a_key_no_address_can_name_is_listed_without_a_remove_button(editor, pipecat, key):
    """Another tool's key with a "/" in its name made the set's page a server error."""
    put(pipecat, "voice-prod", KEEP="1")
    pipecat.store.get("test-org", "voice-prod").values[key] = "x"  # written elsewhere
    page = editor.get("/pipecat/prod/sets/voice-prod/")
    assert page.status_code == 200
    rows = Elements(page.text).all("tr")
    shown = key.replace("\u200b", "⟨U+200B⟩")  # as every page shows an invisible character
    [row] = [r for r in rows if r["text"].strip().startswith(shown)]
    assert "Remove it with another tool: its name cannot be part of an address." in row["text"]
    assert 'aria-label="Remove KEEP"' in page.text


def test_replacing_credentials_of_a_pull_secret_deleted_meanwhile_does_not_recreate_it(
    editor, pipecat
):
    pull = {"registry": "ghcr", "username": "octocat", "token": "ghp_1", "region": "us-west"}
    post(editor, "/pipecat/prod/image-pull/new/", {"name": "ghcr-pull", **pull})
    path = "/pipecat/prod/sets/ghcr-pull/image-pull/"
    assert editor.get(path).status_code == 200  # the shared list now holds the set
    with upstream(pipecat) as api:
        api.delete("/secrets/ghcr-pull")  # a colleague, with another tool
    before = pipecat.calls("put_set")
    response = post(editor, path, {**pull, "token": "ghp_2"})
    assert "Set ghcr-pull no longer exists: nothing was sent." in response.text
    assert pipecat.calls("put_set") == before
    assert pipecat.store.get(PIPECAT_ORG, "ghcr-pull") is None


def test_replacing_registry_credentials_reads_the_list_afresh_once_and_nothing_by_name(
    editor, pipecat
):
    pull = {"registry": "ghcr", "username": "octocat", "token": "ghp_1", "region": "us-west"}
    post(editor, "/pipecat/prod/image-pull/new/", {"name": "ghcr-pull", **pull})
    path = "/pipecat/prod/sets/ghcr-pull/image-pull/"
    editor.get(path)
    lists, by_name = pipecat.calls("list_sets"), pipecat.calls("get_set")
    puts = pipecat.calls("put_set")
    post(editor, path, {**pull, "token": "ghp_2"})
    assert pipecat.calls("get_set") == by_name  # the API reads no image pull secret by name
    assert pipecat.calls("list_sets") == lists + 1  # the fresh check that it still exists
    assert pipecat.calls("put_set") == puts + 1


@pytest.mark.parametrize(
    ("operation", "path", "action"),
    [
        ("delete_key", "/pipecat/prod/sets/voice-prod/keys/API_KEY/delete/", "secret_key"),
        ("delete_set", "/pipecat/prod/sets/voice-prod/delete/", "secret_set"),
    ],
)
def test_a_delete_answered_with_anything_but_the_documented_ok_is_not_taken_as_done(
    editor, pipecat, operation, path, action
):
    """A proxy's page answering a request that went astray is a 200 too."""
    put(pipecat, "voice-prod")
    pipecat.faults.add(Fault(operation, malformed=True))
    post(editor, path, {"confirm": "voice-prod"})
    page = editor.get("/pipecat/prod/sets/voice-prod/").text
    assert "sent an answer that could not be read" in page
    assert "may have been made" in page
    assert events(f"pipecat.{action}.delete")[1].outcome == "unknown"


def test_a_badge_keeps_polling_when_the_list_itself_answers_404(editor, pipecat):
    put(pipecat, "voice-prod", settle=False)
    fail_next(pipecat, "list_sets", 404)
    response = editor.get("/pipecat/prod/sets/voice-prod/badge/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200  # 286 would stop it for good
    badge = Elements(response.text).one("span", id="status-voice-prod")
    assert "every 2s" in badge["hx-trigger"]  # asks again
    assert "pending" in badge["text"] and "Not refreshed: Pipecat Cloud" in badge["text"]
    assert "request id" in badge["text"]
    cache.clear()  # the next poll, an interval later (within it, the failure is shared)
    response = editor.get("/pipecat/prod/sets/voice-prod/badge/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "pending" in response.text
