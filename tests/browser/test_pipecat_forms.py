"""The Pipecat forms in Chromium, on a phone and on a desktop: rows added and removed, the .env box
closed until shown, registry hints that follow the choice, the set-name rule checked as typed."""

import re

import pytest
from playwright.sync_api import expect

from secretsadmin.providers.pipecat.container_registries import ECR_NOTE
from tests.fixtures.pipecat import PIPECAT_ORG
from tests.pipecat.conftest import put

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ECR_EXPIRY = ECR_NOTE.replace("`", "")  # the commands in it are shown as code
SECRET = "sk-seen-by-no-one"


@pytest.fixture(params=[390, 1400], ids=["phone", "desktop"])
def forms_page(request, sets_page):
    width = request.param
    sets_page.set_viewport_size({"width": width, "height": 844 if width < 1000 else 900})
    return sets_page


def test_key_rows_are_added_and_removed_and_all_saved(forms_page, emulator, live_server):
    put(emulator, "voice-prod", KEEP="1")
    page = forms_page
    page.goto(f"{live_server.url}/pipecat/prod/sets/voice-prod/")
    add = page.get_by_role("button", name="+ Add a key")
    add.click()
    add.click()
    rows = page.locator(".key-row")
    expect(rows).to_have_count(5)
    expect(rows.nth(4).get_by_label("Key")).to_be_focused()
    for i in range(5):
        rows.nth(i).get_by_label("Key").fill(f"ROW_{i}")
        rows.nth(i).get_by_label("Value").fill(f"v{i}")
    rows.nth(1).get_by_role("button", name="Remove this row").click()
    expect(rows).to_have_count(4)
    expect(rows.nth(1).get_by_label("Key")).to_be_focused()
    names = [rows.nth(i).get_by_label("Key").get_attribute("name") for i in range(4)]
    assert names == ["key_0", "key_1", "key_2", "key_3"]
    page.get_by_role("button", name="Save keys").click()
    expect(page.locator(".toast")).to_contain_text("4 keys saved in voice-prod.")
    stored = emulator.store.get(PIPECAT_ORG, "voice-prod").values
    assert stored == {"KEEP": "1", "ROW_0": "v0", "ROW_2": "v2", "ROW_3": "v3", "ROW_4": "v4"}
    fieldset = page.get_by_role("group", name="Keys").bounding_box()
    assert fieldset["x"] + fieldset["width"] <= page.viewport_size["width"]
    assert page.console_errors == []


def test_the_env_box_is_hidden_until_shown_and_keeps_its_block_after_a_refused_save(
    forms_page, emulator, live_server
):
    put(emulator, "voice-prod")
    page = forms_page
    page.goto(f"{live_server.url}/pipecat/prod/sets/voice-prod/")
    box = page.get_by_label("Or paste a .env block")
    expect(box).to_be_hidden()
    page.locator("summary", has_text="the .env box").click()
    expect(box).to_be_visible()
    block = f"GOOD={SECRET}\nthis is not a line\n"
    box.fill(block)
    page.get_by_role("button", name="Save keys").click()
    expect(page.locator("#keys-errors")).to_contain_text("Line 2")
    expect(box).to_be_visible()
    expect(box).to_have_value(block)  # kept in the browser: only the errors came back
    assert SECRET not in page.content()  # the page's markup never held it
    assert set(emulator.store.get(PIPECAT_ORG, "voice-prod").values) == {"API_KEY"}


def test_the_image_pull_form_follows_the_chosen_registry(forms_page, emulator):
    page = forms_page
    page.get_by_role("link", name="New image pull secret").click()
    host = page.get_by_label("Registry host")
    expect(page.get_by_text("your Docker Hub user name")).to_be_visible()
    expect(host).to_be_hidden()
    registry = page.get_by_label("Registry", exact=True)
    registry.select_option("ecr")
    expect(page.get_by_text(ECR_EXPIRY)).to_be_visible()
    expect(page.locator("[data-registry=ecr]").get_by_text("AWS", exact=True)).to_be_visible()
    expect(host).to_be_visible()
    expect(host).to_have_attribute("placeholder", "<account>.dkr.ecr.<region>.amazonaws.com/")
    registry.select_option("ghcr")
    expect(page.get_by_text(ECR_EXPIRY)).to_be_hidden()
    expect(host).to_be_hidden()
    registry.select_option("other")
    expect(host).to_be_visible()
    registry.select_option("ecr")

    page.get_by_label("Set name").fill("ecr-pull")
    expect(page.get_by_label("Set name")).to_have_accessible_description(
        re.compile("ecr-pull is free")
    )
    host.fill("123456789012.dkr.ecr.eu-west-1.amazonaws.com")
    page.get_by_label("Registry user name").fill("AWS")
    page.get_by_label("Password or token").fill(SECRET)
    page.get_by_role("button", name="Create image pull secret").click()
    expect(page.locator(".toast")).to_contain_text("12 hours")
    stored = emulator.store.get(PIPECAT_ORG, "ecr-pull")
    assert stored.host == "123456789012.dkr.ecr.eu-west-1.amazonaws.com/"
    assert page.console_errors == []


def test_the_set_name_rule_is_checked_by_the_browser_as_the_server_does(forms_page):
    page = forms_page
    page.get_by_role("link", name="New secret set").click()
    name = page.get_by_label("Name")
    for typed, refused in [("voice-prod", False), ("prod.voice-1", False), ("voice..prod", True)]:
        name.fill(typed)
        assert name.evaluate("input => input.validity.patternMismatch") is refused, typed
    name.fill("Voice")
    expect(name).to_have_accessible_description(re.compile("may only contain lower-case"))
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", name="Secret sets", exact=True)).to_be_visible()
