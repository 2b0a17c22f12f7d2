import time
from dataclasses import replace

import pytest
from django.core.cache import cache

from emulators.faults import Fault
from secretsadmin.core import shared_reads
from tests.conftest import free_port
from tests.pipecat.conftest import fail_next, put

pytestmark = pytest.mark.django_db


def test_the_sets_page_lists_every_set_with_type_region_and_status(viewer, pipecat):
    put(pipecat, "prod-keys", "us-west")
    put(pipecat, "eu-keys", "eu-central", settle=False)
    page = viewer.get("/pipecat/prod/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "2 of 2 sets" in html
    assert html.index("eu-keys") < html.index("prod-keys")  # sorted by name
    assert 'class="badge badge-ready">ready' in html
    assert "badge-pending" in html and "eu-central" in html


def test_pipecat_home_opens_the_first_account(viewer):
    response = viewer.get("/pipecat/")
    assert response.status_code == 302 and response["Location"] == "/pipecat/prod/"


def test_an_unknown_account_is_a_404(viewer):
    assert viewer.get("/pipecat/nope/").status_code == 404


def test_search_as_you_type_returns_only_the_table(viewer, pipecat):
    for name in ("voice-prod", "voice-staging", "billing"):
        put(pipecat, name)
    response = viewer.get("/pipecat/prod/", {"q": "voice"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and 'id="sets"' in html
    assert "voice-prod" in html and "voice-staging" in html and "billing" not in html
    assert "2 of 2 matching sets, out of 3" in html


def test_filters_by_type_region_and_status(viewer, pipecat):
    put(pipecat, "us-keys", "us-west")
    put(pipecat, "eu-keys", "eu-central")
    put(pipecat, "fresh-keys", "eu-central", settle=False)
    html = viewer.get("/pipecat/prod/", {"region": "eu-central", "status": "ready"}).content
    assert b"eu-keys" in html and b"us-keys" not in html and b"fresh-keys" not in html
    assert b"No set matches" in viewer.get("/pipecat/prod/", {"type": "imagePullSecret"}).content


def test_an_empty_organisation_gets_a_helpful_empty_state(editor):
    html = editor.get("/pipecat/prod/").content.decode()
    assert "No secret sets yet" in html and "Create the first set" in html


def test_viewers_are_not_offered_changes(viewer, pipecat):
    put(pipecat, "prod-keys")
    assert b"New secret set" not in viewer.get("/pipecat/prod/").content
    detail = viewer.get("/pipecat/prod/sets/prod-keys/").content
    assert b"Remove" not in detail and b"Delete this set" not in detail


def test_the_detail_shows_sorted_key_names_and_their_count(viewer, pipecat):
    put(pipecat, "prod-keys", "eu-central", ZETA="zeta-value", ALPHA="alpha-value", MID="mid-value")
    html = viewer.get("/pipecat/prod/sets/prod-keys/").content.decode()
    assert html.index("ALPHA") < html.index("MID") < html.index("ZETA")
    assert "<dt>Keys</dt><dd>3</dd>" in html
    assert "eu-central" in html
    assert "-value" not in html  # never a value


def test_an_image_pull_set_explains_why_its_keys_are_not_listed(viewer, pipecat):
    from tests.pipecat.conftest import upstream

    with upstream(pipecat) as api:
        api.put(
            "/secrets/ghcr-pull",
            json={"isImagePullSecret": True, "host": "ghcr.io", "secretValue": "dTpw"},
        )
    html = viewer.get("/pipecat/prod/sets/ghcr-pull/").content.decode()
    assert "never shows them again and cannot list its keys" in html


def test_a_missing_set_is_a_404_page(viewer):
    response = viewer.get("/pipecat/prod/sets/not-there/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (401, "The API key of account prod was refused: ask an administrator to check it."),
        (500, "Pipecat Cloud answered with an error: HTTP 500 Internal Server Error."),
        (503, "Pipecat Cloud answered with an error: HTTP 503 Service Unavailable."),
    ],
)
def test_a_provider_failure_while_listing_is_explained(viewer, pipecat, status, message):
    fail_next(pipecat, "list_sets", status, times=5)
    response = viewer.get("/pipecat/prod/")
    assert response.status_code == 502
    assert message in response.content.decode()


def test_htmx_gets_the_table_alone_and_caches_are_told_it_differs(viewer, pipecat):
    put(pipecat, "voice-prod")
    fragment = viewer.get("/pipecat/prod/?q=voice", HTTP_HX_REQUEST="true")
    assert fragment.text.lstrip().startswith('<div id="sets">')
    assert "HX-Request" in fragment["Vary"]
    page = viewer.get("/pipecat/prod/?q=voice")
    assert "<!doctype html>" in page.text and "HX-Request" in page["Vary"]


def test_a_history_restore_gets_the_whole_page(viewer, pipecat):
    """htmx 2 asks with HX-Request when the page is no longer in its history cache."""
    put(pipecat, "voice-prod")
    response = viewer.get(
        "/pipecat/prod/?q=voice", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<!doctype html>" in response.text and "voice-prod" in response.text


def test_a_provider_nobody_answers_for_is_said_to_be_unreachable(viewer, pipecat, settings):
    [account] = settings.PIPECAT_ACCOUNTS
    settings.PIPECAT_ACCOUNTS = (replace(account, api_url=f"http://127.0.0.1:{free_port()}"),)
    settings.PIPECAT_TRANSPORT = None  # a real connection, refused
    response = viewer.get("/pipecat/prod/")
    assert response.status_code == 502
    page = response.text
    assert "<h1>Pipecat Cloud could not be reached</h1>" in page
    assert f"Request id <code>{response['X-Request-ID']}</code>" in page
    assert 'href="/pipecat/prod/">Try again' in page


def test_a_list_another_page_has_waited_on_too_long_is_not_waited_on_again(viewer, pipecat):
    """Pipecat Cloud has not answered another page's read of the list for longer than a page
    waits: this one says so at once, and asks nothing."""
    began = time.time() - shared_reads.PATIENCE - 1
    cache.add("pipecat:prod:sets:lock", began, shared_reads.LOCK_SECONDS)
    response = viewer.get("/pipecat/prod/")
    assert response.status_code == 502
    assert "<h1>Pipecat Cloud did not answer</h1>" in response.text
    assert "(still waiting for its answer to the same read, asked 4 s ago;" in response.text
    assert pipecat.calls("list_sets") == 0


def test_a_failure_while_searching_is_a_toast_and_the_table_stays(viewer, pipecat):
    fail_next(pipecat, "list_sets", 500, times=5)
    response = viewer.get("/pipecat/prod/?q=voice", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Reswap"] == "none"
    assert 'hx-swap-oob="beforeend"' in response.text
    assert "Pipecat Cloud answered with an error: HTTP 500 Internal Server Error." in response.text
    assert f"(request id {response['X-Request-ID']})" in response.text


def test_an_unreadable_answer_is_named_as_such_in_the_heading_and_the_words(viewer, pipecat):
    pipecat.faults.add(Fault("list_sets", malformed=True, times=5))
    page = viewer.get("/pipecat/prod/").text
    assert "<h1>Pipecat Cloud sent an answer that could not be read</h1>" in page
    assert "<p>Pipecat Cloud sent an answer that could not be read (" in page
