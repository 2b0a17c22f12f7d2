"""Operations in steps: one running per subject, one request advancing it, and its story in the
audit log."""

from datetime import timedelta

import pytest
from django.utils import timezone

from secretsadmin.audit import selectors
from secretsadmin.audit.models import AuditEvent
from secretsadmin.audit.selectors import pending_attempts
from secretsadmin.audit.services import Actor, Subject
from secretsadmin.rollouts import services
from secretsadmin.rollouts.models import Rollout, Step

SUBJECT = Subject("pipecat", "prod", target="voice-prod")
STEPS = [services.Planned("voice", "voice", "agent", "environment secrets")] * 2


@pytest.fixture
def editor():
    return Actor(1, "eddie", "", ("editor",), "password", "127.0.0.1", "tests", "req-1")


@pytest.fixture
def stopper():
    return Actor(2, "mallory", "", ("editor",), "password", "10.0.0.9", "tests", "req-2")


def _start(actor):
    return services.start(
        actor,
        kind="pipecat.redeploy",
        action="pipecat.secret_set.redeploy",
        subject=SUBJECT,
        steps=STEPS,
    )


def test_a_start_records_the_operation_and_its_steps(db, editor):
    rollout = _start(editor)

    attempt = AuditEvent.objects.get(sequence=rollout.operation)
    assert (attempt.action, attempt.outcome, attempt.target) == (
        "pipecat.secret_set.redeploy",
        "attempted",
        "voice-prod",
    )
    assert [step.state for step in rollout.steps.all()] == ["waiting", "waiting"]
    [running] = AuditEvent.objects.filter(attempt=attempt)
    assert (running.outcome, running.error_code) == ("unknown", selectors.OPERATION_RUNNING)


def test_a_second_start_is_refused_and_recorded(db, editor):
    first = _start(editor)

    with pytest.raises(services.AlreadyRunning) as refused:
        _start(editor)

    assert refused.value.rollout == first
    denied = AuditEvent.objects.get(outcome="denied")
    assert "eddie started it" in denied.error_message
    assert Rollout.objects.count() == 1


def test_an_operation_without_steps_starts_nothing(db, editor):
    with pytest.raises(services.NothingToDo):
        services.start(editor, kind="k", action="a", subject=SUBJECT, steps=[])
    assert not AuditEvent.objects.exists()


def test_one_request_at_a_time_advances_it(db, editor):
    rollout = _start(editor)

    with services.advancing(rollout) as first, services.advancing(rollout) as second:
        assert (first, second) == (True, False)
    with services.advancing(rollout) as again:
        assert again


def test_it_ends_once_every_step_is_done(db, editor):
    rollout = _start(editor)
    rollout.steps.update(state=Step.State.DONE)

    assert services.conclude_if_done(rollout, list(rollout.steps.all()))
    assert services.conclude_if_done(
        rollout, list(rollout.steps.all())
    )  # once: a second look records nothing more

    outcomes = AuditEvent.objects.filter(attempt_id=rollout.operation).order_by("sequence")
    assert [o.outcome for o in outcomes] == ["unknown", "succeeded"]
    assert rollout.state == "done"
    # Ended, another can start.
    assert _start(editor).running


def test_a_stop_waits_for_a_step_in_flight_and_says_what_was_done(db, editor, stopper):
    rollout = _start(editor)
    first, second = rollout.steps.all()
    first.state, first.target_name = Step.State.SENT, "voice-a"
    first.save()

    with pytest.raises(services.StepsInFlight):
        services.abandon(rollout, editor)

    first.state = Step.State.DONE
    first.save()
    second.state, second.target_name, second.message = Step.State.FAILED, "voice-b", "refused"
    second.save()
    with services.advancing(rollout), pytest.raises(services.Busy):
        services.abandon(rollout, stopper)  # another request is sending a step
    assert services.abandon(rollout, stopper)

    outcome = AuditEvent.objects.filter(attempt_id=rollout.operation).latest("sequence")
    assert outcome.outcome == "failed"
    assert outcome.error_message == "Stopped by mallory. Done: voice-a. Failed: voice-b (refused)."
    assert rollout.state == "abandoned"
    # Who stopped it is on the record as themselves, within the operation.
    stop = AuditEvent.objects.get(action="pipecat.secret_set.redeploy.stop")
    assert (stop.actor_username, stop.request_id, stop.operation_id) == (
        "mallory",
        "req-2",
        rollout.operation,
    )
    assert not services.abandon(rollout, stopper)  # ended: nothing more is recorded
    assert AuditEvent.objects.filter(attempt_id=rollout.operation).count() == 2


def test_a_step_the_provider_never_ends_can_be_stopped_after_a_while(db, editor):
    rollout = _start(editor)
    rollout.steps.update(state=Step.State.SENT)
    steps = list(rollout.steps.all())
    assert not services.stoppable(steps)

    rollout.steps.update(updated_at=timezone.now() - services.STUCK_AFTER)

    assert services.stoppable(list(rollout.steps.all()))


def test_a_running_operation_is_not_the_reconcile_steps_work_nor_unknown(db, editor):
    rollout = _start(editor)

    assert rollout.operation not in [e.sequence for e in pending_attempts(timedelta(0))]
    found = [e.sequence for e in selectors.events(operation=rollout.operation)]
    assert len(found) == 2  # the attempt and its "running" outcome, which names it


def test_a_retry_sends_the_failed_steps_again(db, editor):
    rollout = _start(editor)
    rollout.steps.filter(position=0).update(state=Step.State.FAILED, message="refused")

    assert services.retry(rollout, editor) == 1
    retried = AuditEvent.objects.get(action="pipecat.secret_set.redeploy.retry")
    assert retried.operation_id == rollout.operation and retried.actor_username == "eddie"
    assert [s.state for s in rollout.steps.all()] == ["waiting", "waiting"]
