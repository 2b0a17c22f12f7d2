"""An account's secrets in one table across its regions: named regions, what expires soon first
and highlighted with its days left, filters, search and orders at addresses that say only what
was asked, pages that load more, and a region that fails named above the others' secrets."""

import re
import time
from dataclasses import replace
from html import unescape

import pytest
from django.core.cache import cache
from django.urls import resolve

from emulators.faults import Fault
from secretsadmin.config import Secret
from secretsadmin.core import shared_reads
from secretsadmin.gcore import selectors, views
from secretsadmin.providers.gcore import GcoreAccount
from tests.fixtures.gcore import API_HOST, OTHER_REGION_ID, REGION_ID, STAGING_KEY
from tests.gcore.conftest import ACCOUNT, DAY, LIST, add
from tests.pipecat.conftest import Elements

pytestmark = pytest.mark.django_db
TABLE = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "secrets"}
MORE = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "more-secrets"}
HOUR = DAY / 24


def rows(html: str) -> list[str]:
    return [
        unescape(name) for name in re.findall(r'<tr[^>]*>\s*<td><a href="[^"]+">([^<]+)</a>', html)
    ]


def row_text(html: str, name: str) -> str:
    """What a person reads in the row of `name`, the tags gone and the spaces collapsed."""
    found = re.search(rf'<tr[^>]*>\s*<td><a href="[^"]+">{re.escape(name)}</a>.*?</tr>', html, re.S)
    assert found, f"no row {name}"
    return text(found.group(0))


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def count_line(html: str) -> str:
    found = re.search(r'<p class="count" id="secrets-count">(.*?)</p>', html, re.S)
    assert found, "no count line"
    return unescape(re.sub(r"<[^>]+>", "", found.group(1)))


@pytest.fixture
def certificates(gcore):
    """Secrets in both regions, expired, expiring soon, later and never; no two orders agree."""
    add(gcore, "b-www", expires_in=9 * DAY + HOUR, created_days_ago=100)
    add(gcore, "d-shop-2025", expires_in=-(5 * DAY + HOUR), created_days_ago=370)
    add(
        gcore,
        "a-cdn-origin",
        region=OTHER_REGION_ID,
        expires_in=60 * DAY + HOUR,
        created_days_ago=300,
    )
    add(gcore, "c-grafana", secret_type="passphrase", created_days_ago=10)
    return gcore


def test_the_table_holds_the_secrets_of_every_region_each_with_its_regions_name(
    viewer, certificates
):
    html = viewer.get(LIST).text
    assert sorted(rows(html)) == ["a-cdn-origin", "b-www", "c-grafana", "d-shop-2025"]
    assert "Frankfurt" in row_text(html, "a-cdn-origin")
    assert row_text(html, "b-www").startswith("b-www Certificate Luxembourg-2 active")
    assert row_text(html, "c-grafana").startswith("c-grafana Passphrase Luxembourg-2")
    assert count_line(html) == "1–4 of 4 secrets"


def test_the_list_opens_with_what_expired_then_what_expires_soonest_and_never_last(
    viewer, certificates
):
    assert rows(viewer.get(LIST).text) == ["d-shop-2025", "b-www", "a-cdn-origin", "c-grafana"]


def test_expiring_within_thirty_days_is_highlighted_with_the_days_left(viewer, certificates):
    html = viewer.get(LIST).text
    assert '<span class="badge badge-pending">expires in 9 days</span>' in html
    assert '<span class="badge badge-failed">expired 5 days ago</span>' in html
    assert re.search(r'<tr class="expiry-soon">\s*<td><a href="[^"]+">b-www<', html)
    assert re.search(r'<tr class="expiry-expired">\s*<td><a href="[^"]+">d-shop-2025<', html)
    later = row_text(html, "a-cdn-origin")
    assert "expires in 60 days" in later and "badge-pending" not in later
    assert re.search(r'<tr>\s*<td><a href="[^"]+">a-cdn-origin<', html)  # not highlighted
    assert row_text(html, "c-grafana").endswith("never expires never")  # narrow, then wide


def test_the_last_hours_and_the_first_are_counted_in_hours(viewer, gcore):
    add(gcore, "tonight", expires_in=5 * HOUR + HOUR / 2)
    add(gcore, "this-morning", expires_in=-(3 * HOUR + HOUR / 2))
    add(gcore, "tomorrow", expires_in=DAY + HOUR)
    html = viewer.get(LIST).text
    assert "expired 3 hours ago" in row_text(html, "this-morning")
    assert "expires in 5 hours" in row_text(html, "tonight")
    assert "expires in 1 day " in row_text(html, "tomorrow") + " "


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("", "d b a c"),  # by expiry, the default
        ("-expiry", "c a b d"),  # what never expires first
        ("name", "a b c d"),
        ("-name", "d c b a"),
        ("created", "d a b c"),  # the oldest first
        ("-created", "c b a d"),
    ],
)
def test_sorting_orders_the_secrets_by_the_column(viewer, certificates, sort, order):
    html = viewer.get(LIST, {"sort": sort} if sort else {}).text
    assert [name[0] for name in rows(html)] == order.split()


def test_secrets_one_order_ranks_alike_stay_in_name_order_both_ways(viewer, gcore):
    for name in ("key-c", "key-a", "key-b"):
        add(gcore, name, secret_type="symmetric")
    assert rows(viewer.get(LIST).text) == ["key-a", "key-b", "key-c"]
    assert rows(viewer.get(LIST, {"sort": "-expiry"}).text) == ["key-a", "key-b", "key-c"]


def test_the_headers_sort_by_name_created_or_expiry_and_say_the_order(viewer, certificates):
    page = Elements(viewer.get(LIST).text)
    headers = {th["text"].strip(): th for th in page.all("th", scope="col")}
    assert headers["Expires"]["aria-sort"] == "ascending"
    assert 'href="/gcore/prod/?sort=-expiry"' in viewer.get(LIST).text
    sortable = {
        a["text"]: a["href"] for a in page.all("a") if a["href"].startswith("/gcore/prod/?")
    }
    assert sortable == {
        "Name": "/gcore/prod/?sort=name",
        "Created": "/gcore/prod/?sort=created",
        "Expires": "/gcore/prod/?sort=-expiry",
    }
    assert "aria-sort" not in headers["Type"] and "aria-sort" not in headers["Region"]
    html = viewer.get(LIST, {"sort": "created"}).text
    assert '<th scope="col" aria-sort="ascending"><a href="/gcore/prod/?sort=-created"' in html
    assert '<th scope="col"><a href="/gcore/prod/" ' in html  # expiry, the default order


def test_an_unknown_order_is_the_default_one(viewer, certificates):
    response = viewer.get(LIST, {"sort": "type"})
    assert response.status_code == 302 and response["Location"] == LIST


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ({"region": str(OTHER_REGION_ID)}, ["a-cdn-origin"]),
        ({"region": str(REGION_ID)}, ["d-shop-2025", "b-www", "c-grafana"]),
        ({"type": "passphrase"}, ["c-grafana"]),
        ({"type": "certificate", "region": str(REGION_ID)}, ["d-shop-2025", "b-www"]),
        ({"status": "ACTIVE"}, ["d-shop-2025", "b-www", "a-cdn-origin", "c-grafana"]),
        ({"q": "WWW"}, ["b-www"]),  # whatever its case
        ({"q": "-"}, ["d-shop-2025", "b-www", "a-cdn-origin", "c-grafana"]),
        ({"type": "private"}, []),
    ],
)
def test_filters_and_search_narrow_the_table(viewer, certificates, query, found):
    html = viewer.get(LIST, query, **TABLE).text
    assert rows(html) == found
    if not found:
        assert "No secret matches" in html and "see all 4 secrets" in html


def test_a_secret_is_found_by_its_id_too(viewer, gcore):
    wanted = add(gcore, "lb-frontend")
    add(gcore, "lb-backend")
    html = viewer.get(LIST, {"q": wanted.id[:13]}, **TABLE).text
    assert rows(html) == ["lb-frontend"]
    assert count_line(html) == "1 of 1 matching secret, out of 2"


def test_the_filters_offer_the_regions_by_name_every_type_and_the_statuses_seen(
    viewer, certificates
):
    page = Elements(viewer.get(LIST, {"region": str(OTHER_REGION_ID)}).text)
    regions = [(o["value"], o["text"]) for o in page.all("option") if o["value"].isdigit()]
    assert regions == [(str(REGION_ID), "Luxembourg-2"), (str(OTHER_REGION_ID), "Frankfurt")]
    assert page.one("option", value=str(OTHER_REGION_ID)).get("selected") == ""
    labels = [o["text"] for o in page.all("option") if o["value"] in ("certificate", "private")]
    assert labels == ["Certificate", "Private key"]
    assert page.one("option", value="ACTIVE")["text"] == "active"


def test_a_search_pushes_an_address_without_empty_parameters(viewer, certificates):
    query = {"q": " www ", "region": "", "type": "", "status": ""}
    assert viewer.get(LIST, query, **TABLE)["HX-Push-Url"] == "/gcore/prod/?q=www"
    assert viewer.get(LIST, dict.fromkeys(query, ""), **TABLE)["HX-Push-Url"] == LIST


def test_a_search_sent_without_javascript_lands_on_the_clean_address(viewer, certificates):
    response = viewer.get(LIST, {"q": "www", "region": "", "type": "", "status": ""})
    assert response.status_code == 302 and response["Location"] == "/gcore/prod/?q=www"
    assert rows(viewer.get(response["Location"]).text) == ["b-www"]


def test_a_search_keeps_the_order_the_list_is_in(viewer, certificates):
    html = viewer.get(LIST, {"sort": "name"}).text
    assert '<input type="hidden" name="sort" value="name" form="secret-filters">' in html
    response = viewer.get(LIST, {"q": "nothing-has-this", "sort": "name"}, **TABLE)
    assert '<input type="hidden" name="sort" value="name" form="secret-filters">' in response.text
    assert response["HX-Push-Url"] == "/gcore/prod/?q=nothing-has-this&sort=name"


def test_the_table_alone_is_sent_to_htmx_and_reloads_itself_when_a_change_lands(
    viewer, certificates
):
    html = viewer.get(LIST, {"q": "www"}, **TABLE).text
    assert "<html" not in html and html.lstrip().startswith('<div id="secrets"')
    assert 'hx-get="/gcore/prod/?q=www" hx-trigger="gcore-changed from:body"' in html


def test_rows_link_to_the_secrets_page(viewer, gcore):
    secret = add(gcore, "cdn-origin", region=OTHER_REGION_ID)
    link = re.search(r'<a href="([^"]+)">cdn-origin</a>', viewer.get(LIST).text)
    assert link and link.group(1) == f"/gcore/prod/{OTHER_REGION_ID}/{secret.id}/"
    assert resolve(link.group(1)).func is views.secret_detail


def test_an_account_without_secrets_says_so(viewer, gcore):
    html = viewer.get(LIST).text
    assert "No secrets yet" in html and "any of its 2 regions" in html
    assert "<table" not in html


def test_a_page_holds_fifty_secrets_and_loads_more_as_it_scrolls(viewer, gcore):
    names = sorted(f"cert-{n:03}" for n in range(120))
    for name in names:
        add(gcore, name, secret_type="opaque")
    html = viewer.get(LIST).text
    assert rows(html) == names[:50] and count_line(html) == "1–50 of 120 secrets"
    assert 'href="/gcore/prod/?page=2" rel="next">Show secrets 51–100</a>' in html
    more = viewer.get(LIST, {"page": 2}, **MORE).text
    assert 'id="secrets"' not in more and rows(more) == names[50:100]
    assert '<span id="secrets-shown" hx-swap-oob="true">100 of 120 secrets</span>' in more
    last = viewer.get(LIST, {"page": 3}).text
    assert rows(last) == names[100:] and "Show secrets 51–100</a>" in last
    assert viewer.get(LIST, {"page": 9})["Location"] == "/gcore/prod/?page=3"


def test_a_thousand_secrets_are_listed_quickly_in_a_small_page(viewer, gcore):
    for n in range(500):
        add(gcore, f"tls-{n:04}", expires_in=(n % 90 - 10) * DAY + HOUR)
        add(gcore, f"key-{n:04}", region=OTHER_REGION_ID, secret_type="symmetric")
    started = time.perf_counter()
    first = viewer.get(LIST)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    again = viewer.get(LIST, {"q": "tls-04", "sort": "name"}, **TABLE)
    warm = time.perf_counter() - started
    assert count_line(first.text) == "1–50 of 1,000 secrets"
    assert len(first.content) <= 100 * 1024
    assert rows(again.text)[:2] == ["tls-0400", "tls-0401"]
    assert gcore.calls("list_secrets") == 6  # three pages of 200 in each of the two regions
    # About 0.4 s and 0.06 s on a quiet machine; the bounds leave room for a busy one.
    assert cold < 5.0 and warm < 2.0, (cold, warm)


def test_a_region_that_fails_is_named_above_the_others_secrets(viewer, gcore):
    add(gcore, "www", region=REGION_ID)
    add(gcore, "cdn-origin", region=OTHER_REGION_ID)
    selectors.region_secrets(ACCOUNT, REGION_ID)  # shared already: only Frankfurt asks again
    gcore.faults.add(Fault("list_secrets", status=500, times=10))
    response = viewer.get(LIST)
    html = response.text
    assert response.status_code == 200 and rows(html) == ["www"]
    failures = re.search(r'<div class="callout callout-error region-failures".*?</div>', html, re.S)
    assert failures
    said = " ".join(unescape(re.sub(r"<[^>]+>", "", failures.group(0))).split())
    assert said.startswith(
        "One region could not be read; its secrets are missing below. Frankfurt:"
    )
    assert "Gcore Cloud answered with an error: HTTP 500 Internal Server Error" in said
    assert f"request id {response['X-Request-ID']}; Gcore Cloud's request id " in said
    assert re.search(r"Gcore Cloud's request id [0-9a-f]{32}\)", said)


def test_a_region_whose_read_another_page_waits_on_too_long_is_named_at_once(viewer, gcore):
    """Another page asked for Frankfurt's secrets long enough ago and has no answer yet: this one
    does not wait (nor ask again), it says so; the other region is shown."""
    add(gcore, "www", region=REGION_ID)
    selectors.regions(ACCOUNT)
    began = time.time() - shared_reads.PATIENCE - 1
    cache.add(f"gcore:{ACCOUNT}:secrets:{OTHER_REGION_ID}:lock", began, shared_reads.LOCK_SECONDS)
    response = viewer.get(LIST)
    assert response.status_code == 200 and rows(response.text) == ["www"]
    said = text(response.text)
    assert said.count("One region could not be read") == 1
    assert (
        "Frankfurt : Gcore Cloud did not answer (still waiting for its answer to the same read, "
        "asked 4 s ago; not asked again meanwhile). Try again in a moment."
    ) in said
    assert gcore.calls("list_secrets") == 1  # Luxembourg's alone


def test_the_regions_read_at_once_wait_no_longer_than_the_pages_deadline(viewer, settings, gcore):
    add(gcore, "www", region=REGION_ID)
    selectors.regions(ACCOUNT)  # shared already: the regions are read in threads of their own
    settings.PROVIDER_DEADLINE_SECONDS = 2.0
    # Slower than the page may wait, well within a call's own 15 s (the emulator's clock).
    gcore.faults.add(Fault("list_secrets", delay=5.0, times=10))
    response = viewer.get(LIST)
    assert response.status_code == 502
    waited = re.search(r"no answer within ([\d.]+) s", text(response.text))
    assert waited and float(waited[1]) <= 2.0


def test_when_no_region_answers_the_page_says_what_happened(viewer, gcore):
    gcore.faults.add(Fault("list_secrets", status=503, times=20))
    response = viewer.get(LIST)
    assert response.status_code == 502
    assert "Gcore Cloud answered with an error: HTTP 503 Service Unavailable" in text(response.text)
    assert "Try again" in response.text


def test_a_refused_key_names_the_account(viewer, settings, gcore):
    (account,) = settings.GCORE_ACCOUNTS
    wrong = GcoreAccount(account.name, API_HOST, Secret("1001$wrong"), 1, ())
    settings.GCORE_ACCOUNTS = (wrong,)
    response = viewer.get(LIST)
    assert response.status_code == 502
    assert "The API key of account prod was refused: ask an administrator to check it." in text(
        response.text
    )


def test_without_regions_configured_the_list_reads_those_the_api_lists_as_active(
    viewer, settings, gcore
):
    (account,) = settings.GCORE_ACCOUNTS
    settings.GCORE_ACCOUNTS = (replace(account, region_ids=()),)
    gcore.regions[3] = replace(gcore.regions[3], state="MAINTENANCE")  # Luxembourg
    add(gcore, "www", region=REGION_ID)
    response = viewer.get(LIST)
    assert response.status_code == 200 and rows(response.text) == ["www"]
    assert "region-failures" not in response.text
    assert gcore.calls("list_secrets") == 3  # Luxembourg-2, Frankfurt and Santa Clara


def test_several_accounts_are_switched_between_above_the_table(viewer, settings, gcore):
    (prod,) = settings.GCORE_ACCOUNTS
    staging = GcoreAccount("staging", API_HOST, Secret(STAGING_KEY), 2, (REGION_ID,))
    settings.GCORE_ACCOUNTS = (prod, staging)
    add(gcore, "staging-example-com", project=2)
    page = Elements(viewer.get("/gcore/staging/").text)
    switcher = [a for a in page.all("a") if a["href"] in ("/gcore/prod/", "/gcore/staging/")]
    assert [(a["text"], a.get("aria-current")) for a in switcher[-2:]] == [
        ("prod", None),
        ("staging", "page"),
    ]
    assert rows(viewer.get("/gcore/staging/").text) == ["staging-example-com"]
    assert rows(viewer.get(LIST).text) == []


def test_an_unknown_account_is_not_found(viewer, gcore):
    assert viewer.get("/gcore/nope/").status_code == 404


def test_the_gcore_section_opens_the_first_accounts_secrets(viewer, gcore):
    response = viewer.get("/gcore/")
    assert response.status_code == 302 and response["Location"] == LIST


def test_without_an_account_the_gcore_section_says_how_to_configure_one(viewer, settings):
    settings.GCORE_ACCOUNTS = ()
    page = text(viewer.get("/gcore/").text)
    assert "No Gcore Cloud account is configured" in page
    assert "GCORE_API_KEY" in page and "GCORE_ACCOUNTS" in page
    assert "not part of this version" not in page
