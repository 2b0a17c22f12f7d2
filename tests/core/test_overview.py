"""The overview: whether each Pipecat Cloud account answers, its sets by status, recent changes."""

import re
from datetime import timedelta
from html import unescape
from unittest import mock

import pytest
from django.core.cache import cache
from django.utils import timezone

from emulators.faults import Fault
from emulators.pipecat import seed_demo, seed_many
from secretsadmin.accounts.roles import Role
from secretsadmin.core import once
from tests.fixtures.personas import client_for, make_user
from tests.fixtures.pipecat import PIPECAT_ORG

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def demo_sets(pipecat_accounts):
    """Account prod holds the demo's sets: 4 ready, 3 pending, 1 failed. Staging holds none."""
    seed_demo(pipecat_accounts, org=PIPECAT_ORG)
    return pipecat_accounts


def card(client, account: str) -> str:
    response = client.get(f"/overview/pipecat/{account}/", **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def text(html: str) -> str:
    """What a person reads: the tags gone, the spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def remove_key(client, name: str, key: str) -> None:
    client.get("/")
    token = client.cookies["csrftoken"].value
    client.post(
        f"/pipecat/prod/sets/{name}/keys/{key}/delete/",
        {once.FIELD: once.issue()},  # as the page's Remove button sends it
        HTTP_HX_REQUEST="true",
        HTTP_X_CSRFTOKEN=token,
    )


def test_the_overview_asks_no_provider_and_loads_each_account_on_its_own(viewer, demo_sets):
    page = viewer.get("/").content.decode()
    for account in ("prod", "staging"):
        assert f'hx-get="/overview/pipecat/{account}/" hx-trigger="load"' in page
        # Without JavaScript (or when loading fails) the card is a link away.
        assert f'<a href="/overview/pipecat/{account}/">See whether {account} answers</a>' in page
    assert "Asking Pipecat Cloud" in page
    assert demo_sets.calls() == 0


def test_an_account_that_answers_shows_its_sets_by_status(viewer, demo_sets):
    prod = card(viewer, "prod")
    assert "<html" not in prod and 'id="pipecat-prod"' in prod
    assert "Answers 8 sets 4 ready 3 pending 1 failed" in text(prod)
    assert '<a href="/pipecat/prod/?status=pending"><strong>3</strong> pending</a>' in prod
    assert '<a href="/pipecat/prod/?status=failed"><strong>1</strong> failed</a>' in prod
    assert "Answers 0 sets 0 ready 0 pending 0 failed" in text(card(viewer, "staging"))
    assert "?status=" not in card(viewer, "staging")  # nothing to link to


def test_a_card_names_the_sets_not_ready_failed_first_each_linked(viewer, demo_sets):
    prod = card(viewer, "prod")
    shown = text(prod[prod.index("Not ready") :])
    assert shown.startswith(
        "Not ready analytics-export failed crm-webhooks pending ghcr-pull pending "
        "twilio-telephony pending"
    )
    assert '<a class="change-what" href="/pipecat/prod/sets/analytics-export/">' in prod
    assert "Not ready" not in card(viewer, "staging")


def test_a_card_names_five_sets_not_ready_and_counts_the_others(viewer, pipecat_accounts):
    seed_many(pipecat_accounts, 400, org=PIPECAT_ORG)  # 16 pending and 9 failed among them
    prod = card(viewer, "prod")
    assert len(re.findall(r'<a class="change-what" href="/pipecat/prod/sets/', prod)) == 5
    assert prod.count("badge-failed") == 5  # the failed ones first
    assert "and 20 more" in text(prod)


def test_the_pending_link_opens_the_sets_list_filtered_to_pending(viewer, demo_sets):
    sets = viewer.get("/pipecat/prod/", {"status": "pending"}).content.decode()
    assert "3 of 3 matching sets, out of 8" in sets


def test_the_card_shares_the_sets_list_every_page_reads(viewer, demo_sets):
    card(viewer, "prod")
    viewer.get("/pipecat/prod/")
    card(viewer, "prod")
    assert demo_sets.calls("list_sets") == 1


def test_an_account_whose_key_is_refused_says_so_and_the_others_still_answer(viewer, demo_sets):
    demo_sets.faults.add(Fault("list_sets", status=401))
    response = viewer.get("/overview/pipecat/prod/", **HTMX)
    assert response.status_code == 200  # the card is swapped in like any other
    prod = text(response.content.decode())
    assert "Failing Pipecat Cloud answered with an error: HTTP 401 Unauthorized." in prod
    assert "The API key of account prod was refused: ask an administrator to check it." in prod
    assert f"Request id {response['X-Request-ID']}" in prod
    assert "Try again" in prod
    assert "Answers 0 sets" in text(card(viewer, "staging"))
    cache.clear()  # the next interval: within one, the failure is shared like an answer
    assert "Answers 8 sets" in text(card(viewer, "prod"))  # trying again asks again


def test_an_account_that_does_not_answer_in_time_says_so(viewer, demo_sets):
    demo_sets.faults.add(Fault("list_sets", times=3, delay=60))  # every attempt times out
    prod = text(card(viewer, "prod"))
    assert "Pipecat Cloud did not answer (no answer within 15 s). Try again in a moment." in prod


def test_an_account_that_answers_with_an_error_names_it(viewer, demo_sets):
    demo_sets.faults.add(Fault("list_sets", status=500))
    shown = text(card(viewer, "prod"))
    assert "Pipecat Cloud answered with an error: HTTP 500 Internal Server Error." in shown


def test_without_javascript_the_card_is_a_page_of_its_own(viewer, demo_sets):
    response = viewer.get("/overview/pipecat/prod/")
    page = response.content.decode()
    assert "<html" in page and '<a href="/">The whole overview</a>' in page
    assert "Answers 8 sets" in text(page)
    assert "HX-Request" in response["Vary"]


def test_an_htmx_history_restore_gets_the_whole_page(viewer, demo_sets):
    response = viewer.get(
        "/overview/pipecat/prod/", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in response.content.decode()


def test_an_unknown_account_has_no_card(viewer, demo_sets):
    assert viewer.get("/overview/pipecat/nope/", **HTMX).status_code == 404


def test_someone_with_no_role_gets_no_account_cards(stranger, demo_sets):
    page = stranger.get("/").content.decode()
    assert "hx-get" not in page and "Your role does not read secret sets" in page
    assert stranger.get("/overview/pipecat/prod/", **HTMX).status_code == 403
    assert demo_sets.calls() == 0


def test_without_an_account_the_overview_says_how_to_configure_one(viewer, settings):
    settings.PIPECAT_ACCOUNTS = ()
    page = text(viewer.get("/").content.decode())
    assert "Pipecat Cloud Secret sets and image pull secrets. Not configured" in page


def test_auditors_see_the_latest_changes_each_linked_to_its_audit_event(auditor, editor, demo_sets):
    remove_key(editor, "prod-voice-agent", "DAILY_API_KEY")
    demo_sets.faults.add(Fault("delete_key", status=500))
    remove_key(editor, "eu-support-bot", "AZURE_SPEECH_REGION")
    page = auditor.get("/").content.decode()
    assert "2 changes to secrets in the last 7 days." in text(page)
    assert '<a href="/audit/">Open the audit log</a>' in page
    shown = text(page[page.index('class="changes"') :])
    newest, older = shown.index("eu-support-bot"), shown.index("prod-voice-agent")
    assert newest < older
    assert "unknown eddie removed a key from eu-support-bot prod ·" in shown
    assert "succeeded eddie removed a key from prod-voice-agent prod ·" in shown
    links = re.findall(r'<a href="/audit/(\d+)/">eddie removed', page)
    assert len(links) == 2
    event = auditor.get(f"/audit/{links[0]}/").content.decode()
    assert "pipecat.secret_key.delete" in event and "eu-support-bot" in event


def test_editors_see_their_own_changes_and_only_how_many_others_made(editor, demo_sets):
    erin = client_for(make_user("erin", Role.EDITOR))
    remove_key(erin, "prod-voice-agent", "DAILY_API_KEY")
    remove_key(editor, "eu-support-bot", "AZURE_SPEECH_REGION")
    page = editor.get("/").content.decode()
    assert "2 changes to secrets in the last 7 days." in text(page)
    assert "Yours among them" in page
    assert "succeeded You removed a key from eu-support-bot prod" in text(page)
    assert '<a href="/pipecat/prod/sets/eu-support-bot/">eu-support-bot</a>' in page
    assert "erin" not in page and "prod-voice-agent" not in page and "/audit/" not in page


def test_viewers_see_how_many_changes_were_made_and_not_by_whom(viewer, editor, demo_sets):
    remove_key(editor, "prod-voice-agent", "DAILY_API_KEY")
    page = viewer.get("/").content.decode()
    assert "1 change to secrets in the last 7 days." in text(page)
    assert "eddie" not in page and "prod-voice-agent" not in page and "/audit/" not in page
    assert "which auditors and admins read" in page


def test_changes_older_than_a_week_are_not_counted(demo_sets):
    eight_days_ago = timezone.now() - timedelta(days=8)
    with mock.patch("django.utils.timezone.now", return_value=eight_days_ago):
        editor = client_for(make_user("eddie", Role.EDITOR))
        remove_key(editor, "prod-voice-agent", "DAILY_API_KEY")
    auditor = client_for(make_user("audrey", Role.AUDITOR))
    page = text(auditor.get("/").content.decode())
    assert "No change to secrets in the last 7 days." in page
    assert "prod-voice-agent" not in page  # what is listed is what the line above counts
    own = text(editor.get("/").content.decode())
    assert "No change to secrets in the last 7 days." in own and "prod-voice-agent" not in own


def test_someone_with_no_role_sees_no_activity(stranger, demo_sets):
    assert "Recent changes" not in stranger.get("/").content.decode()
