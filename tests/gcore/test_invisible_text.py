"""Gcore secret names are shown with any character nobody can see as its code point, and a
right-to-left one isolated, in the list and on the secret's page."""

import pytest

from tests.core.test_invisible import HEBREW, hides_nothing
from tests.fixtures.gcore import REGION_ID
from tests.gcore.conftest import add

pytestmark = pytest.mark.django_db


def test_gcore_secret_names_are_shown_visibly_and_isolated(viewer, gcore):
    blank = add(gcore, "www\u3164", region=REGION_ID)  # a Hangul filler: a letter drawn as nothing
    hebrew = add(gcore, HEBREW, region=REGION_ID)
    listed = viewer.get("/gcore/prod/").text
    assert hides_nothing(listed)
    assert f"<bdi>{HEBREW}</bdi>" in listed
    page = viewer.get(f"/gcore/prod/{REGION_ID}/{blank.id}/").text
    assert hides_nothing(page) and "⟨U+3164⟩" in page
    assert "<title>www⟨U+3164⟩ · Gcore Cloud" in page
    assert f"<bdi>{HEBREW}</bdi>" in viewer.get(f"/gcore/prod/{REGION_ID}/{hebrew.id}/").text
