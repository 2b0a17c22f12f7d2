"""The Pipecat pages in Debian's Chromium, against a live server and the emulator over HTTP."""

import re

import pytest
from playwright.sync_api import expect

from emulators.faults import Fault
from emulators.pipecat import seed_many
from secretsadmin.audit.models import AuditEvent
from tests.fixtures.pipecat import PIPECAT_ORG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_a_set_and_watch_its_badge_turn_ready_without_reloading(sets_page, emulator):
    page = sets_page
    page.get_by_role("link", name="New secret set").click()
    page.get_by_label("Name").fill("voice-prod")
    expect(page.get_by_label("Name")).to_have_accessible_description(
        re.compile("voice-prod is free")
    )
    page.get_by_label("Region").select_option("eu-central")
    page.locator("[name=key_0]").fill("OPENAI_API_KEY")
    page.locator("[name=value_0]").fill("sk-browser")
    page.get_by_role("button", name="Create set").click()
    expect(page.locator(".toast")).to_contain_text("Set voice-prod created")
    badge = page.locator("#status-voice-prod .badge")
    expect(badge).to_have_text("pending")
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    emulator.clock.advance(emulator.store.provisioning_delay + 1)
    expect(badge).to_have_text("ready", timeout=10_000)
    assert navigations == []  # no reload: htmx swapped the badge in place
    assert page.console_errors == []


def test_add_keys_by_pasting_an_env_block_with_a_preview(sets_page, emulator, live_server):
    _put(emulator, "voice-prod", KEEP="1", OVERWRITE="1")
    page = sets_page
    page.goto(f"{live_server.url}/pipecat/prod/sets/voice-prod/")
    page.locator("summary", has_text="the .env box").click()
    page.get_by_label("Or paste a .env block").fill(
        "# from 1Password\nexport OVERWRITE='2'\nNEW_ONE=\"3\"\n"
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview")).to_contain_text("New keys (1): NEW_ONE")
    expect(page.locator("#preview")).to_contain_text("Overwritten keys (1): OVERWRITE")
    page.get_by_role("button", name="Save keys").click()
    expect(page.locator(".toast")).to_contain_text("2 keys saved in voice-prod.")
    expect(page.locator(".keys-table")).to_contain_text("NEW_ONE")
    assert emulator.store.get(PIPECAT_ORG, "voice-prod").values["OVERWRITE"] == "2"


def test_remove_a_key_in_place_with_a_reason_and_focus_back_in_the_list(
    sets_page, emulator, live_server
):
    _put(emulator, "voice-prod", KEEP="1", GONE="2")
    page = sets_page
    page.goto(f"{live_server.url}/pipecat/prod/sets/voice-prod/")
    page.get_by_role("row", name="GONE").get_by_role("button", name="Remove").click()
    dialog = page.get_by_role("dialog", name="Remove key GONE from voice-prod?")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Reason").fill("rotated out, OPS-7")
    dialog.get_by_role("button", name="Remove key").click()
    expect(page.get_by_role("row", name="GONE")).to_have_count(0)
    expect(page.locator(".toast")).to_contain_text("Key GONE removed from voice-prod.")
    expect(
        page.get_by_role("row", name="KEEP").get_by_role("button", name="Remove")
    ).to_be_focused()
    assert page.url.endswith("/pipecat/prod/sets/voice-prod/")
    assert set(emulator.store.get(PIPECAT_ORG, "voice-prod").values) == {"KEEP"}
    attempt = AuditEvent.objects.get(action="pipecat.secret_key.delete", outcome="attempted")
    assert attempt.reason == "rotated out, OPS-7"


def test_cancelling_the_removal_dialog_removes_nothing(sets_page, emulator, live_server):
    _put(emulator, "voice-prod", KEEP="1")
    page = sets_page
    page.goto(f"{live_server.url}/pipecat/prod/sets/voice-prod/")
    remove = page.get_by_role("row", name="KEEP").get_by_role("button", name="Remove")
    remove.click()
    page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(remove).to_be_focused()
    assert set(emulator.store.get(PIPECAT_ORG, "voice-prod").values) == {"KEEP"}


def test_delete_a_set_by_typing_its_name(sets_page, emulator, live_server):
    _put(emulator, "voice-prod")
    page = sets_page
    page.goto(f"{live_server.url}/pipecat/prod/sets/voice-prod/")
    page.get_by_role("link", name="Delete this set…").click()
    page.get_by_label("Type voice-prod to confirm").fill("voice")
    page.get_by_role("button", name="Delete voice-prod").click()
    expect(page.locator(".field-error")).to_contain_text("Type voice-prod exactly")
    page.get_by_label("Type voice-prod to confirm").fill("voice-prod")
    page.get_by_role("button", name="Delete voice-prod").click()
    expect(page.locator(".toast")).to_contain_text("Set voice-prod deleted.")
    assert emulator.store.get(PIPECAT_ORG, "voice-prod") is None


def test_create_an_image_pull_secret(sets_page, emulator):
    page = sets_page
    page.get_by_role("link", name="New image pull secret").click()
    page.get_by_label("Set name").fill("ghcr-pull")
    page.get_by_label("Registry", exact=True).select_option("ghcr")
    page.get_by_label("Registry user name").fill("octocat")
    page.get_by_label("Password or token").fill("ghp_browser")
    page.get_by_role("button", name="Create image pull secret").click()
    expect(page.locator(".toast")).to_contain_text("Registry credentials saved in ghcr-pull.")
    expect(page.get_by_text("cannot list its keys")).to_be_visible()
    assert emulator.store.get(PIPECAT_ORG, "ghcr-pull").host == "ghcr.io/"


def test_a_forced_conflict_is_explained(sets_page, emulator, live_server):
    _put(emulator, "voice-prod")
    emulator.faults.add(Fault("put_set", status=409, times=10))
    page = sets_page
    page.goto(f"{live_server.url}/pipecat/prod/sets/voice-prod/")
    page.locator("[name=key_0]").fill("NEW")
    page.locator("[name=value_0]").fill("v")
    page.get_by_role("button", name="Save keys").click()
    expect(page.locator(".toast-error")).to_contain_text(
        "Someone else is changing set voice-prod right now; nothing was changed. Try again."
    )


def _put(app, name, **keys):
    from tests.pipecat.conftest import put

    put(app, name, **(keys or {"API_KEY": "v"}))


def test_search_as_you_type_and_filter_without_reloading(signed_in, emulator, live_server):
    for name in ("voice-prod", "voice-staging", "billing"):
        _put(emulator, name)
    page = signed_in
    page.goto(f"{live_server.url}/pipecat/prod/")
    rows = page.locator("#sets tbody tr")
    expect(rows).to_have_count(3)
    page.get_by_label("Search").fill("voice")
    expect(rows).to_have_count(2)
    expect(page.locator("#sets .count")).to_have_text("1–2 of 2 matching sets, out of 3")
    assert page.url == f"{live_server.url}/pipecat/prod/?q=voice"  # no empty type, region, status
    page.get_by_label("Search").fill("")
    page.get_by_label("Type").select_option("imagePullSecret")
    expect(page.get_by_text("No set matches")).to_be_visible()


@pytest.fixture(params=[390, 1400], ids=lambda width: f"{width}px")
def long_list(request, signed_in, emulator, live_server):
    """The list of 120 sets, in a window as wide as a phone or a desktop."""
    seed_many(emulator, 120, org=PIPECAT_ORG)
    width = request.param
    signed_in.set_viewport_size({"width": width, "height": 844 if width < 1000 else 900})
    signed_in.goto(f"{live_server.url}/pipecat/prod/")
    return signed_in


def test_scrolling_down_the_list_loads_the_next_sets(long_list, live_server):
    page = long_list
    rows = page.locator("#sets tbody tr:not(#more-sets)")
    expect(rows).to_have_count(50)
    expect(page.locator("#sets .count")).to_have_text("1–50 of 120 sets")
    expect(rows.first.locator(".set-keys")).to_have_text(re.compile(r"^\d+ keys?$"))
    page.locator("#more-sets").scroll_into_view_if_needed()
    expect(rows).to_have_count(100, timeout=10_000)  # behind the key counts on a busy machine
    expect(page.locator("#sets .count")).to_have_text("1–100 of 120 sets")
    page.locator("#more-sets").scroll_into_view_if_needed()
    expect(rows).to_have_count(120, timeout=10_000)
    expect(page.locator("#sets .count")).to_have_text("1–120 of 120 sets")
    expect(page.locator("#more-sets")).to_have_count(0)
    assert page.url == f"{live_server.url}/pipecat/prod/"
    assert page.console_errors == []


def test_a_header_sorts_the_list_in_place(long_list, live_server):
    """In a narrow window the rows are blocks without a header row: a line of links sorts."""
    page = long_list
    narrow = page.viewport_size["width"] < 1000
    links = page.get_by_role("navigation", name="Order of the sets") if narrow else page
    links.get_by_role("link", name="Name").click()
    name = page.get_by_role("columnheader", name="Name")
    expect(name).to_have_attribute("aria-sort", "descending")
    expect(page.locator("#sets tbody tr").first).to_contain_text("voice-webhooks-0064")
    assert page.url == f"{live_server.url}/pipecat/prod/?sort=-name"
    page.get_by_label("Search").fill("support")
    expect(page.locator("#sets .count")).to_have_text("1–15 of 15 matching sets, out of 120")
    expect(page.locator("#sets tbody tr").first).to_contain_text("support-webhooks-0065")
    assert page.url == f"{live_server.url}/pipecat/prod/?q=support&sort=-name"


@pytest.mark.parametrize("width", [390, 1400])
def test_a_refused_save_keeps_the_pasted_block_and_shows_its_errors_beside_it(
    sets_page, emulator, live_server, width
):
    _put(emulator, "voice-prod")
    page = sets_page
    page.set_viewport_size({"width": width, "height": 844 if width == 390 else 900})
    page.goto(f"{live_server.url}/pipecat/prod/sets/voice-prod/")
    block = "# from the vault\nGOOD=sk-kept\nnot a line\n"
    page.locator("summary", has_text="the .env box").click()
    textarea = page.get_by_label("Or paste a .env block")
    textarea.fill(block)
    page.locator("[name=key_0]").fill("ROW_KEY")
    page.locator("[name=value_0]").fill("row-value")
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.get_by_role("button", name="Save keys").click()
    errors = page.locator("#keys-errors .form-errors")
    expect(errors).to_contain_text("Line 3: expected KEY=value")
    expect(errors).to_contain_text("What you typed is still in the form.")
    expect(errors).to_be_in_viewport()
    expect(page.get_by_role("button", name="Save keys")).to_be_in_viewport()  # to send again
    expect(textarea).to_have_value(block)
    expect(page.locator("[name=value_0]")).to_have_value("row-value")
    assert navigations == []
    assert emulator.store.get(PIPECAT_ORG, "voice-prod").values == {"API_KEY": "v"}

    textarea.fill("GOOD=sk-kept\n")
    page.get_by_role("button", name="Save keys").click()
    expect(page.locator(".toast")).to_contain_text("2 keys saved in voice-prod.")
    expect(page.locator(".keys-table")).to_contain_text("ROW_KEY")
    expect(textarea).to_have_value("")  # a new page: the values went to the provider only
    assert emulator.store.get(PIPECAT_ORG, "voice-prod").values["GOOD"] == "sk-kept"
    # Chromium notes every 4xx answer in the console; the refused save's 422 is the only line.
    assert [e for e in page.console_errors if "status of 422" not in e] == []


def test_a_pending_set_that_fails_shows_how_to_retry_without_reloading(sets_page, emulator):
    emulator.fail_next_provisioning(message="No capacity in ap-south. Please retry.")
    page = sets_page
    page.get_by_role("link", name="New secret set").click()
    page.get_by_label("Name").fill("voice-prod")
    page.locator("summary", has_text="the .env box").click()
    page.get_by_label("Or paste a .env block").fill("OPENAI_API_KEY=sk-1\n")
    page.get_by_role("button", name="Create set").click()
    expect(page.locator("#pending-since")).to_contain_text("since")
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    emulator.clock.advance(emulator.store.provisioning_delay + 1)
    retry = page.locator("#set-problem")
    expect(retry).to_contain_text("No capacity in ap-south. Please retry.", timeout=10_000)
    expect(page.locator("#pending-since")).to_have_count(0)
    retry.get_by_role("link", name="Save its keys again").click()
    expect(page.get_by_role("heading", name="Add or overwrite keys")).to_be_in_viewport()
    assert [url for url in navigations if "#" not in url] == []
    assert page.console_errors == []
