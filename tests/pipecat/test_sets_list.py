"""The sets list of a large organisation: pages of fifty that load more as they scroll, sorted by
any column, searched and filtered over every set, at addresses that say only what was asked."""

import re

import pytest
from django.urls import resolve

from emulators.faults import Fault
from secretsadmin.pipecat import selectors, views
from tests.pipecat.conftest import put, seed, upstream

pytestmark = pytest.mark.django_db
LIST = "/pipecat/prod/"
MORE = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "more-sets"}
TABLE = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "sets"}


def rows(html: str) -> list[str]:
    return re.findall(r'<tr[^>]*>\s*<td><a href="[^"]+">([^<]+)</a></td>', html)


def count_line(html: str) -> str:
    found = re.search(r'<p class="count" id="sets-count">(.*?)</p>', html, re.S)
    assert found, "no count line"
    return re.sub(r"<[^>]+>", "", found.group(1))


def test_the_first_page_shows_fifty_sets_and_says_which_of_how_many(viewer, pipecat):
    names = seed(pipecat, 120)
    html = viewer.get(LIST).text
    assert rows(html) == names[:50]
    assert count_line(html) == "1–50 of 120 sets"
    assert 'href="/pipecat/prod/?page=2" rel="next">Show sets 51–100</a>' in html


def test_the_last_page_holds_what_is_left_and_offers_no_more(viewer, pipecat):
    names = seed(pipecat, 120)
    html = viewer.get(LIST, {"page": 3}).text
    assert rows(html) == names[100:]
    assert count_line(html) == "101–120 of 120 sets · Show sets 51–100"
    assert 'id="more-sets"' not in html


def test_exactly_one_page_of_sets_offers_no_more(viewer, pipecat):
    seed(pipecat, 50)
    html = viewer.get(LIST).text
    assert len(rows(html)) == 50 and 'id="more-sets"' not in html
    assert count_line(html) == "1–50 of 50 sets"


def test_one_set_more_than_a_page_is_offered_as_the_next_page(viewer, pipecat):
    names = seed(pipecat, 51)
    assert "Show sets 51</a>" in viewer.get(LIST).text
    html = viewer.get(LIST, {"page": 2}).text
    assert rows(html) == names[50:] and count_line(html) == "51 of 51 sets · Show sets 1–50"


@pytest.mark.parametrize(("asked", "shown"), [("9", "?page=3"), ("0", ""), ("two", "")])
def test_a_page_that_does_not_exist_is_sent_to_one_that_does(viewer, pipecat, asked, shown):
    seed(pipecat, 120)
    response = viewer.get(LIST, {"page": asked})
    assert response.status_code == 302 and response["Location"] == LIST + shown


def test_scrolling_to_the_last_row_loads_the_next_rows_and_the_new_count(viewer, pipecat):
    names = seed(pipecat, 120)
    html = viewer.get(LIST, {"page": 2}, **MORE).text
    assert 'id="sets"' not in html  # rows to go after the others, not a new table
    assert rows(html) == names[50:100]
    assert 'id="more-sets"' in html and 'hx-get="/pipecat/prod/?page=3"' in html
    assert '<span id="sets-shown" hx-swap-oob="true">100 of 120 sets</span>' in html
    last = viewer.get(LIST, {"page": 3}, **MORE)
    assert rows(last.text) == names[100:] and 'id="more-sets"' not in last.text
    assert "HX-Push-Url" not in last  # the address stays the list's


def test_a_set_page_is_linked_from_its_row(viewer, pipecat):
    put(pipecat, "voice-prod")
    html = viewer.get(LIST).text
    link = re.search(r'<a href="([^"]+)">voice-prod</a>', html)
    assert link and resolve(link.group(1)).func is views.set_detail
    count = re.search(r'<tr hx-get="([^"]+)" hx-trigger="intersect once"', html)
    assert count and resolve(count.group(1)).func is views.set_keys_count


@pytest.fixture
def four_sets(pipecat):
    """One set in each state, region and type, named so that no two orders agree."""
    put(pipecat, "b-eu-ready", "eu-central")
    put(pipecat, "a-us-pending", "us-west", settle=False)
    pipecat.clock.advance(60)  # past the window in which the set may not change
    pipecat.fail_next_provisioning()
    put(pipecat, "c-ap-failed", "ap-south")
    with upstream(pipecat) as api:
        body = {"isImagePullSecret": True, "host": "ghcr.io", "secretValue": "dTpw"}
        api.put("/secrets/d-pull", json={**body, "region": "us-east"}).raise_for_status()
    pipecat.clock.advance(pipecat.store.provisioning_delay + 1)
    put(pipecat, "a-us-pending", "us-west", settle=False)  # pending again


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("name", "a b c d"),
        ("-name", "d c b a"),
        ("type", "d a b c"),  # image pull, then secrets
        ("-type", "a b c d"),
        ("region", "c b d a"),  # ap-south, eu-central, us-east, us-west
        ("-region", "a d b c"),
        ("status", "c a b d"),  # failed, pending, then ready, in name order
        ("-status", "b d a c"),
    ],
)
def test_sorting_orders_the_sets_by_the_column_then_by_name(viewer, four_sets, sort, order):
    html = viewer.get(LIST, {"sort": sort} if sort != "name" else {}).text
    assert [name[0] for name in rows(html)] == order.split()


def test_a_sorted_list_is_sorted_before_it_is_paged(viewer, pipecat):
    names = seed(pipecat, 120)
    html = viewer.get(LIST, {"sort": "-name", "page": 3}).text
    assert rows(html) == names[::-1][100:]
    assert 'href="/pipecat/prod/?sort=-name&amp;page=2"' in html  # the earlier page, same order


def test_the_header_says_the_order_and_links_to_the_other_way_round(viewer, pipecat):
    seed(pipecat, 3)
    html = viewer.get(LIST, {"sort": "status"}).text
    assert '<th scope="col" aria-sort="ascending"><a href="/pipecat/prod/?sort=-status"' in html
    assert '<th scope="col"><a href="/pipecat/prod/" ' in html  # name, the default order
    assert html.count("aria-sort=") == 1
    html = viewer.get(LIST, {"sort": "-status", "q": "voice"}).text
    assert 'aria-sort="descending"><a href="/pipecat/prod/?q=voice&amp;sort=status"' in html


def test_an_unknown_order_is_the_list_by_name(viewer, pipecat):
    seed(pipecat, 3)
    response = viewer.get(LIST, {"sort": "keys"})
    assert response.status_code == 302 and response["Location"] == LIST


def test_search_finds_sets_on_every_page(viewer, pipecat):
    names = seed(pipecat, 120)
    wanted = names[-1]  # on the last page of the whole list
    html = viewer.get(LIST, {"q": wanted[-4:]}, **TABLE).text
    assert rows(html) == [wanted]
    assert count_line(html) == "1 of 1 matching set, out of 120"


def test_filters_apply_to_every_set_and_page_within_what_they_match(viewer, pipecat):
    seed(pipecat, 400)
    html = viewer.get(LIST, {"region": "eu-central", "status": "ready"}, **TABLE).text
    assert count_line(html) == "1–50 of 94 matching sets, out of 400"
    assert 'hx-get="/pipecat/prod/?region=eu-central&amp;status=ready&amp;page=2"' in html
    more = viewer.get(LIST, {"region": "eu-central", "status": "ready", "page": 2}, **MORE).text
    assert len(rows(more)) == 44 and "94 of 94 matching sets, out of 400" in more


def test_a_search_pushes_an_address_without_empty_parameters(viewer, pipecat):
    seed(pipecat, 3)
    query = {"q": " voice ", "type": "", "region": "", "status": ""}
    response = viewer.get(LIST, query, **TABLE)
    assert response["HX-Push-Url"] == "/pipecat/prod/?q=voice"
    cleared = viewer.get(LIST, dict.fromkeys(query, ""), **TABLE)
    assert cleared["HX-Push-Url"] == LIST


def test_a_search_keeps_the_order_the_list_is_in(viewer, pipecat):
    seed(pipecat, 3)
    html = viewer.get(LIST, {"sort": "-region"}).text
    assert '<input type="hidden" name="sort" value="-region" form="set-filters">' in html
    response = viewer.get(LIST, {"q": "a", "type": "", "sort": "-region"}, **TABLE)
    assert response["HX-Push-Url"] == "/pipecat/prod/?q=a&sort=-region"


def test_a_search_sent_without_javascript_lands_on_the_clean_address(viewer, pipecat):
    seed(pipecat, 3)
    response = viewer.get(LIST, {"q": "voice", "type": "", "region": "", "status": ""})
    assert response.status_code == 302 and response["Location"] == "/pipecat/prod/?q=voice"
    assert viewer.get(response["Location"]).status_code == 200


def test_a_rows_key_count_is_read_once_and_shared_with_the_sets_page(viewer, pipecat):
    put(pipecat, "voice-prod", A="1", B="2", C="3")
    reads = pipecat.calls("get_set")
    count = viewer.get("/pipecat/prod/sets/voice-prod/keys-count/", HTTP_HX_REQUEST="true")
    assert count.text == "3 keys"
    assert viewer.get("/pipecat/prod/sets/voice-prod/").status_code == 200
    assert pipecat.calls("get_set") - reads == 1


def test_an_image_pull_row_asks_for_no_key_count(viewer, pipecat):
    with upstream(pipecat) as api:
        api.put(
            "/secrets/ghcr-pull",
            json={"isImagePullSecret": True, "host": "ghcr.io", "secretValue": "dTpw"},
        ).raise_for_status()
    html = viewer.get(LIST).text
    assert "ghcr-pull/keys-count/" not in html and "Image pull" in html


def test_a_key_count_of_a_set_deleted_meanwhile_says_so(viewer, pipecat):
    response = viewer.get("/pipecat/prod/sets/gone-now/keys-count/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "gone" in response.text


def test_a_page_of_two_thousand_sets_stays_small(viewer, pipecat):
    seed(pipecat, 2000)
    page = viewer.get(LIST)
    assert len(page.content) <= 150 * 1024
    assert count_line(page.text) == "1–50 of 2,000 sets"


def test_loading_more_after_the_list_shrank_sends_no_row_again(viewer, pipecat):
    names = seed(pipecat, 60)
    assert rows(viewer.get(LIST).text) == names[:50]
    with upstream(pipecat) as api:
        for name in names[:20]:
            api.delete(f"/secrets/{name}")
    selectors.list_sets("prod", fresh=True)  # as the next interval's read would: 40 sets
    more = viewer.get(LIST, {"page": 2}, **MORE)
    assert more.status_code == 200 and rows(more.text) == []


def test_a_search_matching_nothing_keeps_the_chosen_order_for_the_next_keystroke(viewer, pipecat):
    seed(pipecat, 3)
    html = viewer.get(LIST, {"q": "nothing-has-this", "sort": "-status"}, **TABLE).text
    assert '<input type="hidden" name="sort" value="-status" form="set-filters">' in html


def test_a_key_count_the_provider_failed_to_give_says_so_and_the_row_stays(viewer, pipecat):
    put(pipecat, "voice-prod", A="1")
    pipecat.faults.add(Fault("get_set", status=500, times=5))
    response = viewer.get("/pipecat/prod/sets/voice-prod/keys-count/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.text == (
        '<span class="hint" title="Pipecat Cloud answered with an error: HTTP 500 Internal Server '
        'Error.">not read</span>'
    )
