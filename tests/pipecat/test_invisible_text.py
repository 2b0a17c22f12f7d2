"""Pipecat Cloud's words (a provisioning failure, an error) are shown with any character nobody
can see as its code point: on the set's page, its badge and a toast."""

import pytest

from tests.core.test_invisible import MARKED_RLO, RLO, hides_nothing
from tests.pipecat.conftest import fail_next, post, put

pytestmark = pytest.mark.django_db


def test_a_providers_message_is_shown_on_the_set_page_and_its_badge(editor, pipecat):
    pipecat.fail_next_provisioning(message=f"No capacity{RLO} in ap-south")
    put(pipecat, "voice-prod", region="ap-south")
    page = editor.get("/pipecat/prod/sets/voice-prod/").text
    assert f"<q>No capacity{MARKED_RLO} in ap-south</q>" in page
    assert hides_nothing(page)
    assert hides_nothing(editor.get("/pipecat/prod/").text)  # the list's badge says it too


def test_a_toast_shows_what_the_provider_said(editor, pipecat):
    put(pipecat, "voice-prod")
    fail_next(pipecat, "put_set", 400, message=f"Invalid{RLO} request format")
    sent = post(
        editor,
        "/pipecat/prod/sets/voice-prod/keys/",
        {"env": "NEW_KEY=v"},
        HTTP_HX_REQUEST="true",
    )
    assert f"Invalid{MARKED_RLO} request format" in sent.text
    assert hides_nothing(sent.text)
