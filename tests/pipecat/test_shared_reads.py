"""A set's keys are read once per interval however many people look, and the dashboard's own
changes show at once; what another tool changed shows by the next interval."""

import math
import threading
import time

import pytest
from django.conf import settings
from django.core.cache import cache

from emulators.clock import Clock
from emulators.faults import Fault
from secretsadmin.accounts.roles import Role
from secretsadmin.pipecat import selectors
from secretsadmin.providers import deadlines
from secretsadmin.providers.pipecat import NotFound, Unavailable
from tests.fixtures.personas import client_for, make_user
from tests.pipecat.conftest import fail_next, post, preview, put, upstream

pytestmark = pytest.mark.django_db
PAGE = "/pipecat/prod/sets/voice-prod/"


def keys_on(client) -> str:
    return client.get(PAGE).content.decode()


def test_a_sets_page_is_one_read_of_the_set_and_one_of_the_agents(viewer, pipecat):
    put(pipecat, "voice-prod", OLD="1")
    calls, reads = pipecat.calls(), pipecat.calls("get_set")
    agents = pipecat.calls("list_agents")
    assert "<code>OLD</code>" in keys_on(viewer)
    assert (pipecat.calls() - calls, pipecat.calls("get_set") - reads) == (2, 1)
    assert pipecat.calls("list_agents") - agents == 1


def test_a_name_no_set_can_have_is_a_404(viewer, pipecat):
    assert viewer.get("/pipecat/prod/sets/no such set!/").status_code == 404


def test_fifty_people_on_one_set_cost_one_read_of_it_per_interval(viewer, pipecat):
    put(pipecat, "voice-prod")
    before, started = pipecat.calls("get_set"), time.monotonic()
    for _ in range(50):
        assert viewer.get(PAGE).status_code == 200
    intervals = math.ceil((time.monotonic() - started) / settings.PIPECAT_POLL_SECONDS)
    assert intervals < 50  # so the bound below says something
    assert 1 <= pipecat.calls("get_set") - before <= intervals


def test_keys_added_here_show_at_once(editor, pipecat):
    put(pipecat, "voice-prod", OLD="1")
    assert "NEW_ONE" not in keys_on(editor)
    post(editor, f"{PAGE}keys/", {"key_0": "NEW_ONE", "value_0": "v"})
    assert "<code>NEW_ONE</code>" in keys_on(editor)


def test_a_key_removed_here_is_gone_at_once(editor, pipecat):
    put(pipecat, "voice-prod", KEEP="1", GONE="2")
    assert "<code>GONE</code>" in keys_on(editor)
    post(editor, f"{PAGE}keys/GONE/delete/")
    assert "<code>GONE</code>" not in keys_on(editor)


def test_keys_added_elsewhere_show_by_the_next_interval(viewer, pipecat):
    put(pipecat, "voice-prod", OLD="1")
    assert "ELSEWHERE" not in keys_on(viewer)
    put(pipecat, "voice-prod", ELSEWHERE="1")
    cache.clear()  # the next interval
    assert "<code>ELSEWHERE</code>" in keys_on(viewer)


def test_the_preview_reads_the_keys_as_they_are_now(editor, pipecat):
    """Which keys a change overwrites is decided upstream, not from the page's shared copy."""
    put(pipecat, "voice-prod", OLD="1")
    keys_on(editor)
    put(pipecat, "voice-prod", ELSEWHERE="1")  # moments ago, by another tool
    html = preview(editor, "ELSEWHERE=mine\n")
    assert "<strong>Overwritten keys</strong> (1): <code>ELSEWHERE</code>" in html


def test_a_fresh_read_does_not_take_the_answer_of_a_read_already_in_flight(pipecat):
    """keys_add's guard: a viewer's read that began before a colleague deleted the set must not
    tell the editor the set is still there (adding keys would create it again)."""
    put(pipecat, "voice-prod")
    pipecat.clock = Clock()  # real time: the viewer's answer takes a while to come back
    pipecat.faults.add(Fault("get_set", delay=0.5, after_effect=True))  # read, then slow
    viewer = threading.Thread(target=selectors.read_set, args=("prod", "voice-prod"))
    viewer.start()
    time.sleep(0.2)  # the viewer's read holds the shared read's lock, its answer on the way
    with upstream(pipecat) as api:
        api.delete("/secrets/voice-prod").raise_for_status()
    with pytest.raises(NotFound):
        selectors.read_set("prod", "voice-prod", fresh=True)
    viewer.join()


def viewers(count: int) -> list:
    return [client_for(make_user(f"vera-{n}", Role.VIEWER)) for n in range(count)]


@pytest.fixture
def one_interval(settings):
    """Long enough that every request of the test falls in one interval, however slow the
    machine."""
    settings.PIPECAT_POLL_SECONDS = 60


def test_a_set_that_does_not_exist_costs_one_look_per_interval(one_interval, pipecat):
    """Its page, its badge and its row's key count, asked for by three people four times each:
    one read of the set and one look at the list afresh, as for a set that exists."""
    gone = "/pipecat/prod/sets/never-there/"
    for client in viewers(3):
        for _ in range(4):
            assert client.get(gone).status_code == 404
            assert client.get(f"{gone}badge/").status_code == 286  # stops polling
            assert "gone" in client.get(f"{gone}keys-count/").text
    assert pipecat.calls("get_set") == 1
    assert pipecat.calls("list_sets") == 2  # the shared list, then the look for a new set


def test_a_set_found_by_the_look_and_deleted_here_is_gone_at_once(one_interval, editor, pipecat):
    """The look that found a set made elsewhere within the interval is forgotten with the set
    when the dashboard deletes it."""
    badge = "/pipecat/prod/sets/made-elsewhere/badge/"
    assert editor.get("/pipecat/prod/").status_code == 200  # the list is read and shared
    put(pipecat, "made-elsewhere")
    assert "ready" in editor.get(badge).text  # not in the shared list: found by the look
    delete = "/pipecat/prod/sets/made-elsewhere/delete/"
    assert post(editor, delete, {"confirm": "made-elsewhere"}).status_code == 302
    response = editor.get(badge)
    assert (response.status_code, response.text) == (286, "")


def test_a_failing_provider_is_asked_once_per_interval(one_interval, pipecat):
    fail_next(pipecat, "get_set", 500, times=100)
    first, *others = viewers(3)
    assert first.get(PAGE).status_code == 502
    calls = pipecat.calls("get_set")  # with the client's retries
    for client in others * 4:
        page = client.get(PAGE)
        assert page.status_code == 502 and "HTTP 500 Internal Server Error" in page.text
    assert pipecat.calls("get_set") == calls
    pipecat.faults.clear()
    put(pipecat, "voice-prod", OLD="1")
    cache.clear()  # the next interval
    assert "<code>OLD</code>" in keys_on(first)


def test_a_call_not_made_is_not_shared(pipecat):
    """A page out of time is refused without asking: the next page, with time, asks."""
    put(pipecat, "voice-prod", OLD="1")
    with deadlines.within(0), pytest.raises(Unavailable):
        selectors.read_set("prod", "voice-prod")
    _, detail = selectors.read_set("prod", "voice-prod")
    assert detail is not None and detail.keys == ("OLD",)
