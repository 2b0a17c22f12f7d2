"""Every page fits a phone (360 and 390 px) and a desktop window (1400 px): nothing scrolls the
page sideways, the top bar keeps every link on screen, long names and hashes stay in their boxes."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [360, 390, 1400]


def pages_of(page, base: str) -> dict[str, str]:
    return {
        "overview": f"{base}/",
        "sets list": f"{base}/pipecat/prod/",
        "a set's page": page.set_url,
        "a set agents use": f"{base}/pipecat/prod/sets/prod-voice-agent/",
        "new set form": f"{base}/pipecat/prod/new/",
        "audit list": f"{base}/audit/",
        "audit event": page.change_url,
        "alerts": f"{base}/alerts/",
    }


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways(lived_in, live_server, width):
    page = lived_in
    page.set_viewport_size({"width": width, "height": 844})
    too_wide = {}
    for name, url in pages_of(page, live_server.url).items():
        page.goto(url)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            too_wide[name] = scroll_width
    assert too_wide == {}
    assert page.console_errors == []


def test_the_top_bar_keeps_every_link_on_a_phone_screen(signed_in):
    page = signed_in
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    nav = page.get_by_role("navigation", name="Main")
    for name in ("Overview", "Pipecat", "Gcore", "Alerts", "Audit"):
        expect(nav.get_by_role("link", name=name)).to_be_in_viewport(ratio=1)
    expect(page.get_by_role("button", name="Sign out")).to_be_in_viewport(ratio=1)


def test_on_a_desktop_the_audit_table_stays_in_its_column_with_whole_badges(lived_in, live_server):
    page = lived_in
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"{live_server.url}/audit/")
    expect(page.locator("#results tbody tr", has_text="audit.verify")).to_have_count(1)
    column = page.locator("main").evaluate(
        "main => { const box = main.getBoundingClientRect(), style = getComputedStyle(main);"
        " return box.right - parseFloat(style.paddingRight); }"
    )
    table = page.locator("#results table").bounding_box()
    assert table["x"] + table["width"] <= column + 0.5
    for badge in page.locator("#results .badge").all():
        box = badge.bounding_box()
        assert box["x"] + box["width"] <= table["x"] + table["width"]
        assert badge.evaluate("b => b.scrollWidth <= b.clientWidth")
