"""The alerts page: what was raised, where each went, and acknowledging or snoozing one.

A change is sent once (`core.once`), by an editor or an admin, recorded in the audit log by the
service; it answers with a toast and the page again, or for htmx with the alert's row alone.
"""

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.timezone import localtime
from django.views.decorators.http import require_GET, require_POST

from secretsadmin.accounts.access import role_required
from secretsadmin.accounts.actors import actor_of
from secretsadmin.accounts.roles import Role
from secretsadmin.audit.services import Actor, AuditUnavailable
from secretsadmin.core import once
from secretsadmin.core.htmx import wants_fragment
from secretsadmin.rollouts.views import AUDIT_DOWN

from . import selectors, services
from .forms import AlertFilterForm, SnoozeForm
from .models import Alert

ROW = "alerts/index.html#alert"


@require_GET
@role_required(Role.VIEWER)
def index(request: HttpRequest) -> HttpResponse:
    state, kind = AlertFilterForm(request.GET).chosen()
    context = {
        "listing": selectors.listing(state, kind),
        "filters": AlertFilterForm(initial={"state": state, "kind": kind}),
        "filtered": bool(state or kind),
        "channels": selectors.channels(),
        "query": _query(state, kind),
    }
    return render(request, "alerts/index.html", context)


@require_POST
@role_required(Role.EDITOR)
def acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = get_object_or_404(Alert, pk=alert_id)
    return _act(
        request,
        alert,
        lambda actor: services.acknowledge(actor, alert),
        f"Alert on {alert.subject} acknowledged: nothing more is sent for it.",
    )


@require_POST
@role_required(Role.EDITOR)
def snooze(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = get_object_or_404(Alert, pk=alert_id)
    form = SnoozeForm(request.POST)
    if not form.is_valid():
        said = [str(error) for errors in form.errors.values() for error in errors]
        messages.error(request, " ".join(said) + " The alert was not snoozed.")
        return _answer(request, alert)
    until = form.snoozed_until()
    return _act(
        request,
        alert,
        lambda actor: services.snooze(actor, alert, until),
        f"Alert on {alert.subject} snoozed until {localtime(until):%Y-%m-%d %H:%M %Z}: it is sent "
        "again then, unless resolved.",
    )


def _act(
    request: HttpRequest, alert: Alert, change: Callable[[Actor], Alert], done: str
) -> HttpResponse:
    try:
        once.spend(request)
        change(actor_of(request))
    except once.Refused as refused:
        messages.warning(request, refused.message)
    except services.AlertRefused as refused:
        messages.error(request, str(refused))
    except AuditUnavailable:
        messages.error(request, AUDIT_DOWN)
    else:
        messages.success(request, done)
    return _answer(request, alert)


def _answer(request: HttpRequest, alert: Alert) -> HttpResponse:
    """The alert's row as it is now, for htmx; else the list again, filtered as it was."""
    query = _query(*AlertFilterForm(request.GET).chosen())
    if wants_fragment(request):
        response = render(request, ROW, {"row": selectors.row(alert.pk), "query": query})
        patch_vary_headers(response, ["HX-Request"])
        return response
    return redirect(reverse("alerts:index") + query + f"#alert-{alert.pk}")


def _query(state: str, kind: str) -> str:
    """The filter as a query ("?state=open"), "" for none: forms post to it to come back."""
    query = QueryDict(mutable=True)
    query.update({name: value for name, value in (("state", state), ("kind", kind)) if value})
    return f"?{query.urlencode()}" if query else ""
