"""What every provider's pages do with a failure: one page (or toast) for a provider that could
not serve a read, and one toast for a change that failed, each with the request id a person can
quote to whoever reads the logs."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from secretsadmin.accounts.actors import actor_of
from secretsadmin.audit.changes import ChangeFailed
from secretsadmin.providers.errors import ProviderError

from . import once
from .htmx import wants_fragment
from .provider_errors import describe_read, headline

type View = Callable[..., HttpResponse]


def provider_errors(view: View) -> View:
    """Answers a provider's failure the view did not handle with the "provider unavailable"
    page; under htmx, with an error toast that leaves the page as it is."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ProviderError as error:
            return unavailable(request, error)

    return wrapped


def unavailable(request: HttpRequest, error: ProviderError) -> HttpResponse:
    message = describe_read(error)
    if wants_fragment(request):
        messages.error(request, with_request_id(message, request_id_of(request), error))
        response = HttpResponse("")
        response["HX-Reswap"] = "none"
        return response
    context = {
        "provider": error.provider,
        "heading": headline(error),
        "message": message,
        "request_id": request_id_of(request),
        "provider_request_id": error.request_id,
        "retry_url": request.get_full_path() if request.method == "GET" else "",
    }
    return render(request, "core/provider_unavailable.html", context, status=502)


def apply_change(request: HttpRequest, change: Callable[..., object], **arguments: Any) -> bool:
    """Runs a change as the signed-in person, once per form (`core.once`); a refusal or failure
    becomes a toast."""
    try:
        once.spend(request)
    except once.Refused as refused:
        messages.warning(request, refused.message)
        return False
    try:
        change(actor_of(request), **arguments)
    except ChangeFailed as failure:
        cause = failure.__cause__
        error = cause if isinstance(cause, ProviderError) else None
        messages.error(request, with_request_id(failure.message, failure.request_id, error))
        return False
    return True


def not_sent(request: HttpRequest, error: ProviderError, consequence: str) -> str:
    """A read a change depends on failed, so the change was not sent: what happened, what that
    means for the change (`consequence`), and the request ids, as for a failed change."""
    return with_request_id(f"{describe_read(error)} {consequence}", request_id_of(request), error)


def with_request_id(message: str, request_id: str, error: ProviderError | None = None) -> str:
    ids = [f"request id {request_id}"] if request_id else []
    if error is not None and error.request_id:
        ids.append(f"{error.provider}'s request id {error.request_id}")
    return f"{message} ({'; '.join(ids)})" if ids else message


def request_id_of(request: HttpRequest) -> str:
    return str(getattr(request, "id", ""))


def not_applied(
    request: HttpRequest,
    form: Form,
    page: Callable[[], HttpResponse],
    *,
    errors: str = "core/form_errors.html",
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """A form refused (its errors) or not applied (a toast says why). htmx gets only what goes
    beside the form's buttons (the template `errors`, with `context`), with a new one-time token:
    the fields keep what was typed, which values never do through a page. Without JavaScript,
    `page`."""
    if not wants_fragment(request):
        return page()
    context = {**(context or {}), "form": form, "kept": True}
    template = errors
    return render(request, template, context, status=422 if form.errors else 200)
