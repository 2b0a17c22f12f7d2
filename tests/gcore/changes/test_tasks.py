"""A change's badge follows its task (NEW, RUNNING, then FINISHED or ERROR), stops polling when
it is done and tells the list to refresh; however many watch, the task is read once per interval
and the change concluded once."""

import json
import math
import time

import pytest
from django.conf import settings
from django.core.cache import cache

from emulators.faults import Fault
from secretsadmin.accounts.roles import Role
from secretsadmin.audit.models import AuditEvent
from secretsadmin.gcore import actions
from tests.conftest import at_once
from tests.fixtures.gcore import PROJECT_ID, REGION_ID
from tests.fixtures.personas import client_for, make_user
from tests.gcore.changes.conftest import attempt_of, badge, create, events, finish
from tests.pipecat.conftest import Elements

pytestmark = pytest.mark.django_db


def created(editor, **fields) -> int:
    create(editor, **fields)
    return attempt_of(actions.SECRET_CREATE).sequence


def test_the_badge_follows_the_task_and_stops_when_it_is_done(editor, viewer, gcore):
    sequence = created(editor)
    queued = badge(viewer, sequence)
    assert queued.status_code == 200
    element = Elements(queued.text).one("div", id=f"change-{sequence}")
    assert (element["data-task-state"], element["hx-trigger"]) == ("NEW", "every 3s")
    assert "creating…" in element["text"] and "eddie is creating the secret" in element["text"]

    gcore.clock.advance(1.5)
    cache.clear()  # the next interval
    running = Elements(badge(viewer, sequence).text).one("div", id=f"change-{sequence}")
    assert running["data-task-state"] == "RUNNING" and "creating…" in running["text"]

    gcore.clock.advance(2)
    cache.clear()
    done = badge(viewer, sequence)
    assert done.status_code == 286  # htmx stops polling
    element = Elements(done.text).one("div", id=f"change-{sequence}")
    assert element["data-state"] == "succeeded" and "hx-trigger" not in element
    assert "done" in element["text"]
    [secret] = gcore.secrets(PROJECT_ID, REGION_ID)
    assert Elements(done.text).one("a", href=f"/gcore/prod/{REGION_ID}/{secret.id}/")
    changed = json.loads(done["HX-Trigger"])["gcore-changed"]
    assert changed == {"account": "prod", "region": REGION_ID, "sequence": sequence}


def test_a_task_in_error_is_shown_with_its_message_and_audited_failed(editor, gcore):
    gcore.fail_next_task(message="Secret store quota exceeded")
    sequence = created(editor)
    finish(gcore)
    done = badge(editor, sequence)
    assert done.status_code == 286
    element = Elements(done.text).one("div", id=f"change-{sequence}")
    assert element["data-state"] == "failed" and "failed" in element["text"]
    assert "Secret store quota exceeded" in element["text"]
    outcome = events()[-1]
    assert (outcome.outcome, outcome.error_code, outcome.error_message) == (
        "failed",
        "task_error",
        "Secret store quota exceeded",
    )
    assert gcore.secrets(PROJECT_ID, REGION_ID) == []


def test_a_change_is_concluded_once_however_often_it_is_polled(editor, gcore):
    sequence = created(editor)
    finish(gcore)
    for _ in range(3):
        assert badge(editor, sequence).status_code == 286
    assert [e.outcome for e in events()] == ["attempted", "unknown", "succeeded"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_polls_of_a_finished_task_append_one_conclusion(gcore):
    editor = client_for(make_user("edna", Role.EDITOR))
    sequence = created(editor)
    finish(gcore)
    watchers = [client_for(make_user(f"watcher{n}", Role.VIEWER)) for n in range(8)]
    queue = list(watchers)

    def poll() -> str:
        return str(badge(queue.pop(), sequence).status_code)

    assert at_once(poll, len(watchers)) == ["286"] * len(watchers)
    concluded = AuditEvent.objects.filter(attempt_id=sequence, outcome="succeeded")
    assert concluded.count() == 1
    assert gcore.calls("get_task") == 1


def test_fifty_watchers_of_a_running_task_cost_one_task_read_per_interval(viewer, editor, gcore):
    sequence = created(editor)
    before, started = gcore.calls("get_task"), time.monotonic()
    for _ in range(50):
        assert badge(viewer, sequence).status_code == 200
    intervals = math.ceil((time.monotonic() - started) / settings.GCORE_POLL_SECONDS)
    assert intervals < 50  # so that the bound says something
    assert 1 <= gcore.calls("get_task") - before <= intervals


def test_without_javascript_a_change_has_a_page_of_its_own(editor, auditor, gcore):
    sequence = created(editor)
    page = badge(editor, sequence, htmx=False)
    assert page.status_code == 200
    assert "A change in progress" in page.text and "creating…" in page.text
    assert (
        "Back to the secrets of prod"
        in Elements(page.text).all("a", href="/gcore/prod/")[-1]["text"]
    )


@pytest.mark.parametrize("path", ["/gcore/prod/changes/999/", "/gcore/nope/changes/1/"])
def test_no_change_is_found_but_a_gcore_change_of_the_account(editor, gcore, path):
    created(editor)
    assert editor.get(path).status_code == 404


def test_an_unreadable_task_leaves_the_badge_running_saying_why_and_asking_again(editor, gcore):
    sequence = created(editor)
    gcore.faults.add(Fault("get_task", status=503, times=5))
    response = badge(editor, sequence)
    assert response.status_code == 200  # 286 would stop it
    assert 'hx-trigger="every' in response.text
    text = " ".join(response.text.split())
    assert "Not refreshed: Gcore Cloud" in text and "request id" in text
    assert len(events()) == 2  # attempted, accepted: nothing concluded


def test_the_list_shows_each_change_in_flight_until_it_is_done(editor, gcore):
    sequence = created(editor)
    assert f'id="change-{sequence}"' in editor.get("/gcore/prod/").text
    finish(gcore)
    badge(editor, sequence)
    assert f'id="change-{sequence}"' not in editor.get("/gcore/prod/").text


def test_a_task_gcore_no_longer_knows_stops_its_badge_and_says_so(editor, gcore):
    sequence = created(editor)
    gcore.faults.add(Fault("get_task", status=404))
    response = badge(editor, sequence)
    assert response.status_code == 286  # polling on would ask about it forever
    element = Elements(response.text).one("div", id=f"change-{sequence}")
    assert element["data-state"] == "unknown"
    assert "Gcore Cloud no longer knows this change's task" in element["text"]


def test_a_viewer_who_finds_the_change_concluded_forgets_the_old_list_too(editor, gcore):
    """The viewer that concluded it may not have forgotten the region's list yet (or died before
    it did): whoever sees the task done next forgets it again, so no list shows the old state."""
    from secretsadmin.gcore import changes, selectors

    sequence = created(editor)
    finish(gcore)
    attempt = AuditEvent.objects.get(sequence=sequence)
    task = selectors.client("prod").get_task(changes.from_log(attempt).task_id)
    changes.conclude_task(attempt, task)
    selectors.region_secrets("prod", REGION_ID)  # read again and kept, as in the window
    gcore.add_secret(PROJECT_ID, REGION_ID, "made-meanwhile", "opaque", b"x")
    changes.conclude_task(attempt, task)  # a second viewer: concluded already
    assert "made-meanwhile" in {s.name for s in selectors.region_secrets("prod", REGION_ID)}
