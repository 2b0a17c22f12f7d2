"""Gcore allows two secrets of one name: the form warns as the name is typed, and the server,
reading the region afresh, refuses a second of one name unless the person ticks the box."""

import pytest

from emulators.faults import Fault
from tests.fixtures.gcore import OTHER_REGION_ID, PROJECT_ID, REGION_ID
from tests.gcore.changes.conftest import NEW, create, events, finish
from tests.pipecat.conftest import Elements

pytestmark = pytest.mark.django_db


def check(client, name, region=REGION_ID):
    url = "/gcore/prod/check-name/"
    return client.get(url, {"name": name, "region": region}, HTTP_HX_REQUEST="true").text


def test_the_name_is_checked_as_it_is_typed_in_the_chosen_region(editor, gcore):
    gcore.add_secret(PROJECT_ID, REGION_ID, "api-token", "opaque", b"x")
    taken = check(editor, "api-token")
    assert "holds a secret named <strong>api-token</strong> already" in taken
    assert Elements(taken).one("input", name="duplicate")["type"] == "checkbox"
    assert "Create another secret named api-token" in taken
    assert "No secret in" in check(editor, "api-token", OTHER_REGION_ID)
    assert "cannot start or end with a space" in check(editor, "api-token ")


def test_the_form_asks_for_the_name_and_region_as_they_change(editor):
    page = Elements(editor.get(NEW).text)
    name, region = page.one("input", name="name"), page.one("select", name="region")
    assert name["hx-get"] == region["hx-get"] == "/gcore/prod/check-name/"
    # Each sends the other's value alone: never the payload (a GET's query is logged).
    assert (name["hx-include"], region["hx-include"]) == ("#id_region", "#id_name")
    assert page.one("div", id="name-check")["aria-live"] == "polite"


def test_a_second_secret_of_one_name_needs_the_box_ticked(editor, gcore):
    gcore.add_secret(PROJECT_ID, REGION_ID, "api-token", "opaque", b"first")
    refused = create(editor)
    assert refused.status_code == 400
    assert "Create another secret named api-token" in refused.text
    assert gcore.calls("create_secret") == 0
    assert events() == []

    confirmed = create(editor, duplicate="on")
    assert confirmed.status_code == 302
    finish(gcore)
    names = [s.name for s in gcore.secrets(PROJECT_ID, REGION_ID)]
    assert names == ["api-token", "api-token"]


def test_a_name_taken_moments_ago_by_another_tool_is_still_caught(editor, gcore):
    editor.get("/gcore/prod/check-name/?name=api-token&region=76")  # shared: not taken
    gcore.add_secret(PROJECT_ID, REGION_ID, "api-token", "opaque", b"theirs")
    refused = create(editor)
    assert "holds a secret named api-token already" in refused.text
    assert gcore.calls("create_secret") == 0


def test_under_htmx_the_refusal_brings_the_box_beside_the_name(editor, gcore):
    gcore.add_secret(PROJECT_ID, REGION_ID, "api-token", "opaque", b"first")
    refused = create(editor, htmx=True)
    assert refused.status_code == 422
    oob = Elements(refused.text).one("div", id="name-check")
    assert oob["hx-swap-oob"] == "innerHTML"
    assert "Create another secret named api-token" in oob["text"]
    assert "tok-3f9a1c" not in refused.text


def test_the_same_name_in_another_region_is_no_duplicate(editor, gcore):
    gcore.add_secret(PROJECT_ID, OTHER_REGION_ID, "api-token", "opaque", b"x")
    assert create(editor).status_code == 302


def test_a_name_that_cannot_be_checked_is_not_sent(editor, gcore):
    editor.get(NEW)  # the regions are read
    gcore.faults.add(Fault("list_secrets", status=503, times=5))
    refused = create(editor)
    assert "could not be checked, so nothing was sent" in refused.text
    assert gcore.calls("create_secret") == 0
