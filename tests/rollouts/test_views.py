"""The shared page of an operation in steps: who may follow it and who may carry it on, and when
it asks again. Its steps here are a test's own kind, sent by the editor's page only."""

import pytest

from secretsadmin.audit.services import Actor, Subject
from secretsadmin.rollouts import runners, services
from secretsadmin.rollouts.models import Rollout, Step

KIND = "tests.steps"


class StepsOfATest:
    """Sends one waiting step per pass; what a step of this kind does is to be done."""

    kind = KIND
    step_heading = "Thing"
    shown_as = "Tests"
    upstream_label = "id"
    template = ""

    def title(self, rollout: Rollout) -> str:
        return f"Do things to {rollout.subject_name}"

    def subject_url(self, rollout: Rollout) -> str:
        return "/"

    def advance(self, rollout: Rollout, actor: Actor, *, send: bool) -> None:
        waiting = rollout.steps.filter(state=Step.State.WAITING).first()
        if send and waiting is not None:
            waiting.state = Step.State.FAILED if waiting.target == "broken" else Step.State.DONE
            waiting.save()


@pytest.fixture(autouse=True)
def runner():
    runners.register(StepsOfATest())
    yield
    runners._runners.pop(KIND)


def start(*targets: str) -> Rollout:
    return services.start(
        Actor.system("tests"),
        kind=KIND,
        action="tests.things",
        subject=Subject("tests", "acct", target="thing"),
        steps=[services.Planned(target, target, "thing") for target in targets],
    )


def post(client, path: str):
    """As the page's htmx or its forms send it: with the CSRF token."""
    client.get("/")
    token = client.cookies["csrftoken"].value
    return client.post(path, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)


def test_a_viewer_follows_and_an_editors_page_carries_it_on(viewer, editor):
    rollout = start("a", "b")
    page = f"/rollouts/{rollout.pk}/"

    shown = viewer.get(page).text
    assert f'hx-get="{page}"' in shown and "hx-post" not in shown.split("rollout-progress")[1]
    assert post(viewer, f"{page}advance/").status_code == 403
    assert set(rollout.steps.values_list("state", flat=True)) == {"waiting"}

    assert f'hx-post="{page}advance/"' in editor.get(page).text
    post(editor, f"{page}advance/")
    last = post(editor, f"{page}advance/")

    assert last.status_code == 286  # done: the page stops asking
    rollout.refresh_from_db()
    assert rollout.state == "done"
    assert "Every step is done and checked" in last.text


def test_a_failed_step_waits_for_a_person_to_retry_or_stop(editor):
    rollout = start("broken")
    page = f"/rollouts/{rollout.pk}/"

    stopped = post(editor, f"{page}advance/")

    assert stopped.status_code == 286
    assert "1 step failed" in stopped.text
    assert "Retry the failed step" in stopped.text and "Stop here" in stopped.text
    post(editor, f"{page}stop/")
    rollout.refresh_from_db()
    assert rollout.state == "abandoned"
    assert "Retry" not in editor.get(page).text


def test_every_step_done_but_the_end_not_recorded_keeps_asking(editor):
    rollout = start("a")
    rollout.steps.update(state=Step.State.DONE)
    page = f"/rollouts/{rollout.pk}/"

    with services.advancing(rollout):  # another request holds it, about to record the end
        shown = post(editor, f"{page}advance/")

    assert shown.status_code == 200
    assert "finishing" in shown.text and "Stop here" not in shown.text
    assert post(editor, f"{page}advance/").status_code == 286


def test_a_poll_whose_session_ended_sends_the_whole_page_to_sign_in(client, db):
    rollout = start("a")
    page = f"/rollouts/{rollout.pk}/"

    polled = client.get(page, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=f"http://x{page}")

    assert polled["HX-Redirect"] == f"/accounts/login/?next={page}"
    assert client.get(page).status_code == 302  # a plain page is redirected as ever


def form_post(client, path: str):
    """As a form without htmx sends it, following where it leads."""
    client.get("/")
    token = client.cookies["csrftoken"].value
    return client.post(path, {"csrfmiddlewaretoken": token}, follow=True)


def test_a_step_being_carried_out_cannot_be_stopped(editor):
    rollout = start("a", "b")
    rollout.steps.filter(position=0).update(state=Step.State.SENT)
    page = f"/rollouts/{rollout.pk}/"

    assert "Stop here" not in editor.get(page).text
    stopped = form_post(editor, f"{page}stop/")

    assert "A step is being carried out: stop once it has ended." in stopped.text
    rollout.refresh_from_db()
    assert rollout.running


def failed_step() -> tuple[Rollout, str]:
    """An operation whose one step failed, and its page."""
    rollout = start("broken")
    rollout.steps.update(state=Step.State.FAILED)
    return rollout, f"/rollouts/{rollout.pk}/"


def test_a_retry_or_stop_waits_while_another_request_sends_a_step(editor):
    rollout, page = failed_step()

    with services.advancing(rollout):
        retried = form_post(editor, f"{page}retry/")
        stopped = form_post(editor, f"{page}stop/")

    assert "A step is being sent right now: retry once it has been." in retried.text
    assert "A step is being sent right now: stop once it has been." in stopped.text
    assert list(rollout.steps.values_list("state", flat=True)) == ["failed"]
    rollout.refresh_from_db()
    assert rollout.running


def test_a_retry_or_stop_the_audit_log_cannot_record_changes_nothing(editor, request):
    rollout, page = failed_step()
    request.getfixturevalue("failing_disk")  # from now on

    retried = form_post(editor, f"{page}retry/")
    stopped = form_post(editor, f"{page}stop/")

    assert "The audit log cannot be written right now, so nothing more was sent" in retried.text
    assert "The audit log cannot be written right now" in stopped.text
    assert list(rollout.steps.values_list("state", flat=True)) == ["failed"]
    rollout.refresh_from_db()
    assert rollout.running and not rollout.lease_holder
