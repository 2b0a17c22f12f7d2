"""An operation's page: its steps and where each stands, polled while it runs.

Anyone who may view follows it (`GET`: the provider's reads, outcomes recorded once known);
only an editor's page sends steps (`POST advance`, polled by htmx with the CSRF token), and only
an editor resumes, retries or stops it.
"""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseStopPolling

from secretsadmin.accounts.access import role_required
from secretsadmin.accounts.actors import actor_of
from secretsadmin.accounts.roles import Role, has_role
from secretsadmin.audit.services import AuditUnavailable
from secretsadmin.core.htmx import go_to, render_page, wants_fragment

from . import runners, services
from .models import Rollout, Step

AUDIT_DOWN = (
    "The audit log cannot be written right now, so nothing more was sent. It goes on once the "
    "log can be written: try again later or tell an administrator."
)


def _rollout(rollout_id: str) -> Rollout:
    rollout = get_object_or_404(Rollout, pk=rollout_id)
    try:
        runners.runner_of(rollout)
    except KeyError:
        raise Http404("No operation of that kind.") from None
    return rollout


@require_GET
@role_required(Role.VIEWER)
def rollout(request: HttpRequest, rollout_id: str) -> HttpResponse:
    return _shown(request, _rollout(rollout_id), send=False)


@require_POST
@role_required(Role.EDITOR)
def advance(request: HttpRequest, rollout_id: str) -> HttpResponse:
    return _shown(request, _rollout(rollout_id), send=True)


@require_POST
@role_required(Role.EDITOR)
def retry(request: HttpRequest, rollout_id: str) -> HttpResponse:
    found = _rollout(rollout_id)
    try:
        if services.retry(found, actor_of(request)):
            messages.info(request, "The failed steps are sent again.")
    except services.Busy:
        messages.error(request, "A step is being sent right now: retry once it has been.")
    except AuditUnavailable:
        messages.error(request, AUDIT_DOWN)
    return go_to(request, _url(found))


@require_POST
@role_required(Role.EDITOR)
def abandon(request: HttpRequest, rollout_id: str) -> HttpResponse:
    found = _rollout(rollout_id)
    try:
        stopped = services.abandon(found, actor_of(request))
    except services.StepsInFlight:
        messages.error(request, "A step is being carried out: stop once it has ended.")
    except services.Busy:
        messages.error(request, "A step is being sent right now: stop once it has been.")
    except AuditUnavailable:
        messages.error(request, AUDIT_DOWN)
    else:
        if stopped:
            messages.info(request, "Stopped. What was done stays done; its audit record says what.")
        else:
            messages.info(request, "It had ended already: nothing was stopped.")
    return go_to(request, _url(found))


def _url(found: Rollout) -> str:
    return reverse("rollouts:rollout", args=[found.pk])


def _shown(request: HttpRequest, found: Rollout, *, send: bool) -> HttpResponse:
    runner = runners.runner_of(found)
    problem = ""
    steps: list[Step] | None = None
    if found.running:
        with services.advancing(found) as held:
            if held:
                try:
                    runner.advance(found, actor_of(request), send=send)
                    steps = list(found.steps.all())
                    services.conclude_if_done(found, steps)
                except AuditUnavailable:
                    problem = AUDIT_DOWN
            else:  # another request advances it, and may just have ended it
                found.refresh_from_db(fields=["state"])
    if steps is None:
        steps = list(found.steps.all())
    states = {step.state for step in steps}
    # While it runs, the page asks again unless it waits for a person: steps failed, none left
    # to send or follow. Every step done but the end not recorded yet (the log was down, or
    # another request is recording it) is moving too.
    moving = found.running and (
        bool(states & {Step.State.WAITING, Step.State.SENT}) or states <= {Step.State.DONE}
    )
    context = {
        "rollout": found,
        "runner": runner,
        "title": runner.title(found),
        "subject_url": runner.subject_url(found),
        "steps": steps,
        "problem": problem,
        "moving": moving,
        "failed": [step for step in steps if step.state == Step.State.FAILED],
        "finishing": found.running and states <= {Step.State.DONE},
        "sends": has_role(request.user, Role.EDITOR),
        "stoppable": found.running and services.stoppable(steps),
        "poll_seconds": settings.ROLLOUT_POLL_SECONDS,
        "operation_summary": services.summary(steps),
        "last_moved": max((step.updated_at for step in steps), default=found.started_at),
    }
    response = render_page(request, "rollouts/rollout.html", context, fragment="progress")
    if wants_fragment(request) and not moving:
        response.status_code = HttpResponseStopPolling.status_code
    return response
