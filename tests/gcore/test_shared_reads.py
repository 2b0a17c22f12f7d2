"""Each region's secrets are read once per interval however many people look: the list, a
secret's page and the overview's card all share that read; what another tool changed shows by the
next interval."""

import math
import time
import uuid

import pytest
from django.conf import settings
from django.core.cache import cache

from emulators.faults import Fault
from secretsadmin.accounts.roles import Role
from secretsadmin.gcore import actions, selectors
from tests.conftest import at_once
from tests.fixtures.gcore import OTHER_REGION_ID, REGION_ID, TASK_QUEUE_SECONDS, TASK_RUN_SECONDS
from tests.fixtures.personas import client_for, make_user
from tests.gcore.changes.conftest import attempt_of, badge, create
from tests.gcore.conftest import ACCOUNT, LIST, add
from tests.pipecat.conftest import post

pytestmark = pytest.mark.django_db


def test_two_viewers_of_the_list_cost_one_read_of_each_region(viewer, gcore):
    add(gcore, "www", region=REGION_ID)
    add(gcore, "cdn", region=OTHER_REGION_ID)
    other = client_for(make_user("victor", Role.VIEWER))
    for client in (viewer, other, viewer):
        assert client.get(LIST).status_code == 200
    assert gcore.calls("list_secrets") == 2  # one per region
    assert gcore.calls("list_regions") == 1


def test_viewers_arriving_at_once_share_one_read_of_each_region(transactional_db, gcore):
    add(gcore, "www", region=REGION_ID)
    add(gcore, "cdn", region=OTHER_REGION_ID)
    viewers = [client_for(make_user(f"viewer-{n}", Role.VIEWER)) for n in range(8)]
    clients = iter(viewers)
    answers = at_once(lambda: str(next(clients).get(LIST).status_code), len(viewers))
    assert answers == ["200"] * len(viewers)
    assert gcore.calls("list_secrets") == 2


def test_fifty_looks_at_the_list_cost_one_read_per_region_per_interval(viewer, gcore):
    add(gcore, "www", region=REGION_ID)
    before, started = gcore.calls("list_secrets"), time.monotonic()
    for _ in range(50):
        assert viewer.get(LIST).status_code == 200
    intervals = math.ceil((time.monotonic() - started) / settings.GCORE_POLL_SECONDS)
    assert intervals < 50  # so the bound below says something
    assert 2 <= gcore.calls("list_secrets") - before <= 2 * intervals


def test_a_secrets_page_and_the_overview_read_nothing_the_list_has_read(viewer, gcore):
    secret = add(gcore, "www", region=OTHER_REGION_ID)
    viewer.get(LIST)
    calls = gcore.calls()
    assert viewer.get(f"/gcore/prod/{OTHER_REGION_ID}/{secret.id}/").status_code == 200
    assert viewer.get("/overview/gcore/prod/", HTTP_HX_REQUEST="true").status_code == 200
    # The page's own reads: who uses the secret, from the region's listeners and pools.
    assert gcore.calls() == calls + 2
    assert (gcore.calls("list_listeners"), gcore.calls("list_pools")) == (1, 1)


def test_what_another_tool_added_shows_by_the_next_interval(viewer, gcore):
    viewer.get(LIST)
    add(gcore, "made-elsewhere")
    assert "made-elsewhere" not in viewer.get(LIST).text  # the list read a moment ago
    cache.clear()  # the next interval
    assert "made-elsewhere" in viewer.get(LIST).text


def test_forgetting_a_region_after_a_change_reads_it_again_at_once(viewer, gcore):
    viewer.get(LIST)
    add(gcore, "made-here", region=OTHER_REGION_ID)
    selectors.forget(ACCOUNT, OTHER_REGION_ID)  # as the dashboard's own changes do
    calls = gcore.calls("list_secrets")
    assert "made-here" in viewer.get(LIST).text
    assert gcore.calls("list_secrets") == calls + 1  # that region only


@pytest.fixture
def one_interval(settings):
    """Long enough that every request of the test falls in one interval, however slow the
    machine."""
    settings.GCORE_POLL_SECONDS = 60


def viewers(count: int) -> list:
    return [client_for(make_user(f"vera-{n}", Role.VIEWER)) for n in range(count)]


def test_a_secret_that_does_not_exist_costs_one_read_per_interval(one_interval, gcore):
    gone = f"/gcore/{ACCOUNT}/{REGION_ID}/{uuid.uuid4()}/"
    for client in viewers(3):
        for _ in range(4):
            assert client.get(gone).status_code == 404
    assert (gcore.calls("list_secrets"), gcore.calls("get_secret")) == (1, 1)


def test_a_secret_read_on_its_own_and_deleted_here_is_gone_at_once(one_interval, editor, gcore):
    """A secret another tool made within the interval is read by its id, and that read is
    shared; the dashboard's delete forgets it with the region's list."""
    editor.get(LIST)  # the regions' lists are read and shared
    secret = add(gcore, "made-elsewhere")
    page = f"/gcore/{ACCOUNT}/{REGION_ID}/{secret.id}/"
    assert editor.get(page).status_code == 200
    confirm = {"confirm": "made-elsewhere"}
    assert post(editor, f"{page}delete/", confirm)["Location"] == LIST
    gcore.clock.advance(TASK_QUEUE_SECONDS + TASK_RUN_SECONDS + 0.1)  # the task is done
    assert badge(editor, attempt_of(actions.SECRET_DELETE).sequence).status_code == 286
    assert editor.get(page).status_code == 404


def created(editor) -> int:
    assert create(editor).status_code == 302
    return attempt_of(actions.SECRET_CREATE).sequence


def test_a_task_gcore_does_not_know_costs_one_read_per_interval(one_interval, editor, gcore):
    sequence = created(editor)
    gcore.faults.add(Fault("get_task", status=404, times=100))
    for client in viewers(3):
        for _ in range(4):
            assert badge(client, sequence).status_code == 286
    assert gcore.calls("get_task") == 1


def test_a_task_that_cannot_be_read_is_asked_for_once_per_interval(one_interval, editor, gcore):
    sequence = created(editor)
    gcore.faults.add(Fault("get_task", status=503, times=100))
    first, *others = viewers(3)
    assert "Not refreshed" in badge(first, sequence).text  # and it asks again
    calls = gcore.calls("get_task")  # with the client's retries
    for client in others * 4:
        assert "Not refreshed" in badge(client, sequence).text
    assert gcore.calls("get_task") == calls
