"""Each region's secrets are read once per interval however many people look: the list, a
secret's page and the overview's card all share that read; what another tool changed shows by the
next interval."""

import math
import time

import pytest
from django.conf import settings
from django.core.cache import cache

from secretsadmin.accounts.roles import Role
from secretsadmin.gcore import selectors
from tests.conftest import at_once
from tests.fixtures.gcore import OTHER_REGION_ID, REGION_ID
from tests.fixtures.personas import client_for, make_user
from tests.gcore.conftest import ACCOUNT, LIST, add

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
    assert gcore.calls() == calls


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
