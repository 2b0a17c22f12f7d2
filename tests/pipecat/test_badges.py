"""Readiness badges poll while a set is pending, stop once it settles, and cost the provider one
list call per account per interval however many people watch."""

import math
import time

import pytest
from django.conf import settings
from django.core.cache import cache

from tests.pipecat.conftest import post, put

pytestmark = pytest.mark.django_db
BADGE = "/pipecat/prod/sets/voice-prod/badge/"


def test_a_pending_badge_polls_until_the_set_is_ready(viewer, pipecat):
    put(pipecat, "voice-prod", settle=False)
    pending = viewer.get(BADGE, HTTP_HX_REQUEST="true")
    assert pending.status_code == 200
    assert 'hx-trigger="every 2s"' in pending.content.decode()
    assert "pending" in pending.content.decode()

    pipecat.clock.advance(pipecat.store.provisioning_delay + 1)
    cache.clear()  # the next interval
    ready = viewer.get(BADGE, HTTP_HX_REQUEST="true")
    assert ready.status_code == 286  # htmx stops polling
    html = ready.content.decode()
    assert "badge-ready" in html and "hx-trigger" not in html


def test_a_failed_set_stops_polling_and_shows_why(viewer, pipecat):
    pipecat.fail_next_provisioning(message="Quota exceeded in us-west")
    put(pipecat, "voice-prod")
    response = viewer.get(BADGE, HTTP_HX_REQUEST="true")
    assert response.status_code == 286
    assert "badge-failed" in response.content.decode()
    assert "Quota exceeded in us-west" in response.content.decode()


def test_settled_sets_are_rendered_without_polling(viewer, pipecat):
    put(pipecat, "voice-prod")
    assert "hx-trigger" not in viewer.get("/pipecat/prod/sets/voice-prod/").content.decode()


def test_fifty_watchers_cost_one_list_call_per_interval(viewer, pipecat):
    for n in range(20):
        put(pipecat, f"set-{n:02}", settle=False)
    before, started = pipecat.calls("list_sets"), time.monotonic()
    for _ in range(50):
        for n in range(20):
            viewer.get(f"/pipecat/prod/sets/set-{n:02}/badge/", HTTP_HX_REQUEST="true")
    intervals = math.ceil((time.monotonic() - started) / settings.PIPECAT_POLL_SECONDS)
    naive = 50 * 20  # one list call per badge request
    assert intervals < naive  # so the bound below says something
    assert 1 <= pipecat.calls("list_sets") - before <= intervals


def test_a_change_is_seen_at_once_not_after_the_interval(editor, pipecat):
    put(pipecat, "voice-prod")
    assert "badge-ready" in editor.get(BADGE, HTTP_HX_REQUEST="true").content.decode()
    post(editor, "/pipecat/prod/sets/voice-prod/keys/", {"key_0": "NEW", "value_0": "v"})
    assert "badge-pending" in editor.get(BADGE, HTTP_HX_REQUEST="true").content.decode()


def test_a_badge_of_a_deleted_set_stops_polling(viewer, pipecat):
    response = viewer.get(BADGE, HTTP_HX_REQUEST="true")
    assert response.status_code == 286
