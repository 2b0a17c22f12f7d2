"""The overview's Gcore Cloud cards: one per account, loaded on its own, saying whether it answers,
how many secrets it holds and what expires soonest, each linking to its page."""

import re
from html import unescape

import pytest
from django.contrib.auth.models import User

from emulators.faults import Fault
from secretsadmin.audit import services
from secretsadmin.config import Secret
from secretsadmin.gcore import actions, selectors
from secretsadmin.providers.gcore import GcoreAccount
from tests.fixtures.gcore import API_HOST, OTHER_REGION_ID, REGION_ID, STAGING_KEY
from tests.gcore.conftest import DAY, add

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
HOUR = DAY / 24


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def card(client, account: str = "prod") -> str:
    response = client.get(f"/overview/gcore/{account}/", **HTMX)
    assert response.status_code == 200
    return response.text


@pytest.fixture
def two_accounts(settings, gcore):
    (prod,) = settings.GCORE_ACCOUNTS
    staging = GcoreAccount("staging", API_HOST, Secret(STAGING_KEY), 2, (REGION_ID,))
    settings.GCORE_ACCOUNTS = (prod, staging)
    return gcore


def test_the_overview_asks_no_provider_and_loads_each_account_on_its_own(viewer, two_accounts):
    page = viewer.get("/").text
    for account in ("prod", "staging"):
        assert f'hx-get="/overview/gcore/{account}/" hx-trigger="load"' in page
        assert f'<a href="/overview/gcore/{account}/">See whether {account} answers</a>' in page
    assert "Asking Gcore Cloud" in page
    assert "does not call Gcore Cloud" not in page and "API key set" not in page
    assert two_accounts.calls() == 0


def test_a_card_counts_the_secrets_and_lists_what_expires_soonest(viewer, gcore):
    add(gcore, "www-example-com", expires_in=9 * DAY + HOUR)
    add(gcore, "shop-2025", expires_in=-(5 * DAY + HOUR))
    add(gcore, "cdn-origin", region=OTHER_REGION_ID, expires_in=60 * DAY + HOUR)
    add(gcore, "grafana-admin", secret_type="passphrase")
    html = card(viewer)
    assert "<html" not in html and 'id="gcore-prod"' in html
    said = text(html)
    assert "Answers 4 secrets" in said
    assert (
        "Expires soonest shop-2025 expired 5 days ago Luxembourg-2 "
        "www-example-com expires in 9 days Luxembourg-2 "
        "cdn-origin expires in 60 days Frankfurt"
    ) in said
    assert "grafana-admin" not in said  # it never expires
    assert '<span class="badge badge-failed">expired 5 days ago</span>' in html
    assert '<span class="badge badge-pending">expires in 9 days</span>' in html


def test_each_secret_on_the_card_links_to_its_page(viewer, gcore):
    secret = add(gcore, "cdn-origin", region=OTHER_REGION_ID, expires_in=3 * DAY)
    link = (
        f'<a class="change-what" href="/gcore/prod/{OTHER_REGION_ID}/{secret.id}/">cdn-origin</a>'
    )
    assert link in card(viewer)
    assert viewer.get(f"/gcore/prod/{OTHER_REGION_ID}/{secret.id}/").status_code == 200


def test_an_id_the_secrets_page_would_not_take_is_no_server_error(viewer, gcore):
    add(gcore, "odd", expires_in=3 * DAY, secret_id="ODD-ID")
    assert '<a class="change-what" href="/gcore/prod/76/ODD-ID/">odd</a>' in card(viewer)


def test_a_card_lists_the_first_five_to_expire(viewer, gcore):
    for days in (40, 10, 30, 20, 50, 60, 5):
        add(gcore, f"cert-{days}", expires_in=days * DAY + HOUR)
    listed = re.findall(r'class="change-what" href="[^"]+">([^<]+)</a>', card(viewer))
    assert listed == ["cert-5", "cert-10", "cert-20", "cert-30", "cert-40"]


def test_an_account_whose_secrets_never_expire_says_so(viewer, gcore):
    add(gcore, "grafana-admin", secret_type="passphrase")
    assert "Answers 1 secret None of its secrets has an expiry date." in text(card(viewer))


def test_an_empty_account_answers_with_no_secrets(viewer, two_accounts):
    assert text(card(viewer, "staging")).endswith("Answers 0 secrets")


def test_an_account_whose_key_is_refused_says_so_and_the_others_still_answer(
    viewer, settings, two_accounts
):
    _, staging = settings.GCORE_ACCOUNTS
    wrong = GcoreAccount("prod", API_HOST, Secret("1001$refused"), 1, (REGION_ID,))
    settings.GCORE_ACCOUNTS = (wrong, staging)
    response = viewer.get("/overview/gcore/prod/", **HTMX)
    said = text(response.text)
    assert response.status_code == 200
    assert "Failing Gcore Cloud answered with an error: HTTP 401 Unauthorized" in said
    assert "The API key of account prod was refused: ask an administrator to check it." in said
    assert f"Request id {response['X-Request-ID']} ; Gcore Cloud's " in said
    assert "Try again" in said
    assert "Answers 0 secrets" in text(card(viewer, "staging"))


def test_a_region_that_fails_is_named_and_the_others_counted(viewer, gcore):
    add(gcore, "www", region=REGION_ID, expires_in=3 * DAY + HOUR)
    add(gcore, "cdn", region=OTHER_REGION_ID, expires_in=4 * DAY + HOUR)
    card(viewer)  # both regions shared now
    selectors.forget("prod", OTHER_REGION_ID)
    gcore.faults.add(Fault("list_secrets", status=500, times=10))
    said = text(card(viewer))
    assert "Answers in part 1 secret" in said
    assert "Frankfurt could not be read: its secrets are not counted. See why" in said
    assert "www expires in 3 days" in said and "cdn" not in said


def test_without_an_account_the_overview_says_how_to_configure_one(viewer, settings):
    settings.GCORE_ACCOUNTS = ()
    page = text(viewer.get("/").text)
    assert "Gcore Cloud Secrets and TLS certificates for load balancers. Not configured" in page
    assert "Set GCORE_API_KEY" in page


def test_someone_with_no_role_gets_no_card(stranger, gcore):
    page = stranger.get("/").text
    assert "/overview/gcore/" not in page and "Your role does not read secrets" in page
    assert stranger.get("/overview/gcore/prod/", **HTMX).status_code == 403
    assert gcore.calls() == 0


def test_an_unknown_account_has_no_card(viewer, gcore):
    assert viewer.get("/overview/gcore/nope/", **HTMX).status_code == 404


def test_without_javascript_the_card_is_a_page_of_its_own(viewer, gcore):
    response = viewer.get("/overview/gcore/prod/")
    assert "<html" in response.text and '<a href="/">The whole overview</a>' in response.text
    assert "HX-Request" in response["Vary"]


def test_recent_changes_say_what_a_gcore_change_did_and_link_its_secret(editor, gcore):
    secret = add(gcore, "www-example-com")
    eddie = User.objects.get(username="eddie")
    attempt = services.attempt(
        services.Actor(eddie.pk, "eddie", "", ("editor",), "password", "", "", "r-1"),
        action=actions.SECRET_DELETE,
        subject=services.Subject(
            provider="gcore",
            account="prod",
            region=str(REGION_ID),
            target=secret.name,
            target_id=secret.id,
        ),
    )
    services.conclude(attempt, outcome="succeeded", upstream_status=200)
    page = editor.get("/").text
    assert "succeeded You deleted the secret www-example-com" in text(page)
    assert f'<a href="/gcore/prod/{REGION_ID}/{secret.id}/">www-example-com</a>' in page
