from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST

from secretsadmin.accounts.access import role_required
from secretsadmin.accounts.actors import actor_of
from secretsadmin.accounts.roles import Role
from secretsadmin.core.htmx import render_page, wants_fragment

from . import actions, export, fingerprints, selectors, services, value_checks
from .forms import EventFilterForm, ValueCheckForm
from .models import AuditEvent, Outcome
from .verify import verify as verify_chain

FORMATS = {
    "csv": ("text/csv; charset=utf-8", export.csv_lines),
    "jsonl": ("application/jsonl; charset=utf-8", export.jsonl),
}


@require_GET
@role_required(Role.AUDITOR)
def index(request: HttpRequest) -> HttpResponse:
    form = EventFilterForm(request.GET)
    page = None
    if form.is_valid():
        cursors = {name: form.cleaned_data[name] for name in form.CURSORS}
        page = selectors.page(selectors.events(**form.filters()), **cursors)
    context = _index_context(form, page)
    # Bad filters come back as a page with the form's messages, which htmx swaps in like any page.
    return render_page(request, "audit/index.html", context, fragment="results")


def _index_context(form: EventFilterForm, page: selectors.Page | None) -> dict[str, Any]:
    # The action names are a callable: read only when the form is rendered, not for the results.
    return {"form": form, "page": page, "head": selectors.head(), "action_names": actions.offered}


@require_GET
@role_required(Role.AUDITOR)
def detail(request: HttpRequest, sequence: int) -> HttpResponse:
    return _detail_page(request, sequence)


def _detail_page(
    request: HttpRequest, sequence: int, check: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    event = selectors.event(sequence)
    if event is None:
        raise Http404(f"No audit event #{sequence}.")
    context = {
        "event": event,
        "shown_outcome": selectors.shown_outcome(event, timezone.now()),
        "outcomes": event.outcomes.order_by("sequence"),
        "operation": selectors.event(event.operation_id) if event.operation_id else None,
        "steps": selectors.steps_of(event) if event.outcome == Outcome.ATTEMPTED else [],
        "check_form": ValueCheckForm(keys=_fingerprints(event)),
        "made_at": _made_at(event),
        **_can_check(),
        **(check or {}),
    }
    return render(request, "audit/detail.html", context, status=status)


def _made_at(event: AuditEvent) -> datetime | None:
    """When the provider's own log says an observed change was made (its text, ISO 8601)."""
    seen = event.observed if isinstance(event.observed, dict) else {}
    by = seen.get("by")
    at = by.get("at") if isinstance(by, dict) else None
    return parse_datetime(at) if isinstance(at, str) else None


def _fingerprints(event: AuditEvent) -> dict[str, str]:
    # Anything but an object here was written behind the app's back: nothing to check against.
    return event.fingerprints if isinstance(event.fingerprints, dict) else {}


def _can_check() -> dict[str, Any]:
    return {"can_check": fingerprints.configured(), "key_id": fingerprints.current_key_id()}


@require_POST
@role_required(Role.AUDITOR)
def check_value(request: HttpRequest, sequence: int) -> HttpResponse:
    """Was this the value of that key at this event? The answer, recorded, in place."""
    event = get_object_or_404(AuditEvent, sequence=sequence)
    form = ValueCheckForm(request.POST, request.FILES, keys=_fingerprints(event))
    check, status = _check(request, event, form)
    if wants_fragment(request):  # a refusal is shown in place too: htmx swaps only a 2xx answer
        context = {"event": event, **_can_check(), **check}
        return render(request, "audit/detail.html#check", context)
    return _detail_page(request, sequence, check, status=status)


def _check(
    request: HttpRequest, event: AuditEvent, form: ValueCheckForm
) -> tuple[dict[str, Any], int]:
    """The check's part of the page, and the status it answers with."""
    if not form.is_valid():
        return {"check_form": form}, 400
    key = form.cleaned_data["key"]
    check = {
        "check_form": ValueCheckForm(keys=_fingerprints(event), initial={"key": key}),
        "key": key,
        "stored_key_id": str(_fingerprints(event)[key]).partition(":")[0],
    }
    actor = actor_of(request)
    try:
        candidates = form.cleaned_data["candidates"]
        check["verdict"] = value_checks.check_value(actor, event, key, candidates)
    except value_checks.TooManyChecks as refused:
        return {**check, "refused": refused}, 429
    except services.AuditUnavailable:
        return {**check, "unavailable": True}, 503
    return check, 200


@require_GET
@role_required(Role.AUDITOR)
def export_events(request: HttpRequest, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """The events matching the filters, oldest first, streamed as they are read."""
    form = EventFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "audit/index.html", _index_context(form, None), status=400)
    content_type, lines = FORMATS[fmt]
    # The export covers what existed when it was asked for, not the events it appends itself.
    head = selectors.head()
    events = selectors.events(**form.filters()).through(head.sequence if head else 0)
    query = request.GET.urlencode()
    try:
        started = services.attempt(
            actor_of(request),
            action="audit.export",
            subject=services.Subject(target=f"{fmt} {query}" if query else f"{fmt} (all events)"),
        )
    except services.AuditUnavailable:
        return _unavailable(request)
    response = StreamingHttpResponse(
        _concluded_after(lines(events), started), content_type=content_type
    )
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.{fmt}"'
    return response


def _concluded_after(lines: Iterator[str], started: AuditEvent) -> Iterator[str]:
    """Streams the export, then records that it was sent in full. A download cut short leaves
    the attempt without an outcome, which is the truth."""
    yield from lines
    services.conclude(started, outcome=Outcome.SUCCEEDED)


@require_POST
@role_required(Role.AUDITOR)
def verify(request: HttpRequest) -> HttpResponse:
    result = verify_chain()
    try:
        services.record(
            actor_of(request),
            action="audit.verify",
            outcome=Outcome.SUCCEEDED if result.ok else Outcome.FAILED,
            subject=services.Subject(
                target=f"events #1 to #{result.head_sequence}", target_id=result.head_hash
            ),
            error_message=result.problem,
        )
    except services.AuditUnavailable:
        if wants_fragment(request):  # htmx swaps only a 2xx answer into the page
            return render(request, "audit/index.html#verification", {"unavailable": True})
        return _unavailable(request)
    # A broken chain is a finding, not an error of the request: 200, so htmx shows it.
    template = "audit/index.html#verification" if wants_fragment(request) else "audit/verified.html"
    return render(request, template, {"result": result})


def _unavailable(request: HttpRequest) -> HttpResponse:
    """Nothing is done that the log cannot record."""
    return render(request, "audit/unavailable.html", status=503)
