"""Gcore Cloud change pages: a new secret, a TLS certificate (checked before it is uploaded), a
delete, and the badge that follows a change's task. Each parses the request, calls a service or a
selector, and renders.

A change Gcore accepted is carried out by a task: the person lands on the account's list, where
the badge of each change in flight (`{% changes_in_flight account %}`) polls until its task is
done, then stops and sends the `gcore-changed` event (`CHANGED`), on which the list refreshes.
"""

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling

from secretsadmin.accounts.access import role_required
from secretsadmin.accounts.roles import Role
from secretsadmin.audit.services import AuditUnavailable
from secretsadmin.core.htmx import go_to, render_page, wants_fragment
from secretsadmin.core.provider_errors import describe_read, what_happened
from secretsadmin.core.provider_pages import (
    apply_change,
    not_applied,
    not_sent,
    provider_errors,
    request_id_of,
    with_request_id,
)
from secretsadmin.providers.errors import ProviderError
from secretsadmin.providers.gcore import Secret
from secretsadmin.providers.gcore.names import secret_name_problem

from . import changes, selectors, services
from .forms import CertificateForm, DeleteSecretForm, NewSecretForm
from .pages import NoSuchSecret, known_account, list_url, no_such_secret, secret_of

# The event a finished change's badge sends (HX-Trigger), with {account, region, sequence}: what
# shows the region's secrets listens for it (`hx-trigger="gcore-changed from:body"`).
CHANGED = "gcore-changed"
REFUSED = "gcore/form_refused.html"  # what a refused form answers htmx with
GONE_PAYLOAD = "the secret you pasted or the file you chose is gone: give it again"
GONE_PARTS = "the parts you pasted or the files you chose are gone: give them again"


def _region_name(account: str, region_id: int) -> str:
    return selectors.region_names(account).get(region_id, f"Region {region_id}")


@require_http_methods(["GET", "POST"])
@role_required(Role.EDITOR)
@provider_errors
def secret_new(request: HttpRequest, account: str) -> HttpResponse:
    account = known_account(account)
    form = NewSecretForm(
        request.POST or None,
        request.FILES or None,
        account=account,
        regions=selectors.regions(account),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _created(
            request,
            form,
            services.create_secret,
            account=account,
            region_id=data["region"],
            name=data["name"],
            secret_type=data["secret_type"],
            payload=data["secret"],
            algorithm=data["algorithm"],
            bit_length=data["bit_length"],
            mode=data["mode"],
            expiration=data["expiration"],
            reason=data["reason"],
            duplicate_confirmed=data["duplicate"],
        ):
            return go_to(request, list_url(account))
    context = {"account": account, "form": form, "gone": GONE_PAYLOAD}
    if request.method == "POST":
        return not_applied(
            request,
            form,
            lambda: _form_page(request, "gcore/secret_new.html", context),
            errors=REFUSED,
            context=context,
        )
    return render(request, "gcore/secret_new.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.EDITOR)
@provider_errors
def certificate_new(request: HttpRequest, account: str) -> HttpResponse:
    account = known_account(account)
    form = _certificate_form(request, account)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _created(
            request,
            form,
            services.create_certificate,
            account=account,
            region_id=data["region"],
            **form.upload(),
        ):
            return go_to(request, list_url(account))
    context = _certificate_context(account, form)
    if request.method == "POST":
        return not_applied(
            request,
            form,
            lambda: _form_page(request, "gcore/certificate_new.html", context),
            errors=REFUSED,
            context=context,
        )
    return render(request, "gcore/certificate_new.html", context)


@require_POST
@role_required(Role.EDITOR)
@provider_errors
def certificate_check(request: HttpRequest, account: str) -> HttpResponse:
    """What the certificate, chain and key say of themselves, and what would stop the upload;
    nothing is sent. htmx gets the facts alone (the fields keep what was typed); a page without
    JavaScript, the form again with them."""
    account = known_account(account)
    form = _certificate_form(request, account)
    form.is_valid()
    context = _certificate_context(account, form)
    if wants_fragment(request):
        return render(request, "gcore/certificate_checked.html", context)
    return render(request, "gcore/certificate_new.html", context)


def _certificate_form(request: HttpRequest, account: str) -> CertificateForm:
    return CertificateForm(
        request.POST or None,
        request.FILES or None,
        account=account,
        regions=selectors.regions(account),
    )


def _certificate_context(account: str, form: CertificateForm) -> dict[str, Any]:
    facts = form.bundle.facts if form.bundle else None
    cleaned = getattr(form, "cleaned_data", {})
    return {
        "account": account,
        "form": form,
        "facts": facts,
        "days_left": facts.days_left(timezone.now()) if facts else None,
        "expiration": cleaned.get("expiration") if facts else None,
        "gone": GONE_PARTS,
    }


def _form_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    form = context["form"]
    return render(request, template, context, status=400 if form.errors else 200)


def _created(
    request: HttpRequest,
    form: NewSecretForm | CertificateForm,
    change: Callable[..., services.Started],
    **arguments: Any,
) -> bool:
    """Runs a create; a name the region holds already, or one that could not be checked, becomes
    a form error, and a create Gcore accepted a toast saying its task runs."""
    name = arguments["name"]
    try:
        done = apply_change(request, change, **arguments)
    except services.DuplicateName as duplicate:
        region = _region_name(arguments["account"], arguments["region_id"])
        form.refuse_duplicate(duplicate.existing, region)
        return False
    except services.Unreadable as unreadable:
        form.add_error(
            None,
            not_sent(
                request,
                unreadable.error,
                f"Whether the region holds a secret named {name} already could not be checked, "
                "so nothing was sent.",
            ),
        )
        return False
    if done:
        region = _region_name(arguments["account"], arguments["region_id"])
        messages.success(
            request,
            f"Gcore Cloud is creating the secret {name} in {region}: its badge at the top of the "
            "list follows the task, and the list shows the secret once it is done.",
        )
    return done


@require_GET
@role_required(Role.VIEWER)
def check_name(request: HttpRequest, account: str) -> HttpResponse:
    """As-you-type: the name rule, and the secrets of that name the region holds already."""
    account = known_account(account)
    name = request.GET.get("name", "")
    region = request.GET.get("region", "")
    problem = secret_name_problem(name) if name else None
    existing: tuple[Secret, ...] | None = ()
    why = ""
    region_id = int(region) if region.isascii() and region.isdigit() else 0
    if name and not problem and region_id:
        try:
            if region_id in selectors.region_names(account):
                existing = selectors.named(account, region_id, name)
        except ProviderError as error:
            # A courtesy: the service checks again, afresh, when it is sent.
            existing, why = None, what_happened(error)
    context = {
        "account": account,
        "name": name,
        "problem": problem,
        "existing": existing,
        "why": why,
        "region_name": _region_name(account, region_id) if region_id else "",
    }
    return render(request, "gcore/name_check.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.EDITOR)
@provider_errors
def secret_delete(
    request: HttpRequest, account: str, region_id: int, secret_id: Any
) -> HttpResponse:
    """GET asks (type the name); POST deletes, after reading the secret afresh."""
    account = known_account(account)
    secret_id = str(secret_id)
    try:
        region, secret = secret_of(account, region_id, secret_id)
    except NoSuchSecret as missing:
        return no_such_secret(request, account, missing)
    form = DeleteSecretForm(request.POST or None, secret=secret)
    if request.method == "POST" and form.is_valid():
        try:
            done = apply_change(
                request,
                services.delete_secret,
                account=account,
                region_id=region_id,
                secret_id=secret_id,
                reason=form.cleaned_data["reason"],
            )
        except services.SecretGone:
            messages.error(request, f"The secret {secret.name} no longer exists: nothing deleted.")
            return redirect(list_url(account))
        except services.SecretInUse as refused:
            messages.error(request, with_request_id(str(refused), request_id_of(request)))
            done = False
        except services.UsersUnreadable as unreadable:
            messages.error(
                request,
                not_sent(
                    request,
                    unreadable.error,
                    "Which listeners and pools use the secret could not be read, so nothing was "
                    "deleted.",
                ),
            )
            done = False
        except services.Unreadable as unreadable:
            messages.error(
                request,
                not_sent(
                    request,
                    unreadable.error,
                    "The secret could not be read again before deleting it, so nothing was "
                    "deleted.",
                ),
            )
            done = False
        if done:
            messages.success(
                request,
                f"Gcore Cloud is deleting the secret {secret.name}: its badge at the top of the "
                "list follows the task.",
            )
            return redirect(list_url(account))
        return redirect("gcore:secret", account=account, region_id=region_id, secret_id=secret_id)
    context = {
        "account": account,
        "form": form,
        "secret": secret,
        "region_name": region.display_name,
    }
    return render(request, "gcore/confirm_delete.html", context, status=400 if form.errors else 200)


@require_GET
@role_required(Role.VIEWER)
def change(request: HttpRequest, account: str, sequence: int) -> HttpResponse:
    """A change's badge, polled while its task runs; stopped (286) once done, with `CHANGED`
    sent. Without htmx, a page of its own."""
    account = known_account(account)
    attempt = changes.attempt_of(account, sequence)
    if attempt is None:
        raise Http404(f"Change #{sequence} is not a Gcore Cloud change of {account}.")
    polled = wants_fragment(request)
    problem = ""
    try:
        progress = changes.follow(account, attempt)
    except (ProviderError, AuditUnavailable) as error:
        if polled and isinstance(error, AuditUnavailable):
            return HttpResponse(status=204)  # keep the badge as it is; the next poll may succeed
        progress = changes.from_log(attempt)
        if isinstance(error, ProviderError):
            # The change as the log has it must say why it is no further; a badge polls again.
            problem = with_request_id(describe_read(error), request_id_of(request), error)
    region_id = progress.region_id
    context = {
        "account": account,
        "progress": progress,
        "problem": problem,
        "polled": polled,
        "region_name": _region_name(account, region_id),
        "poll_seconds": settings.GCORE_POLL_SECONDS,
    }
    response = render_page(request, "gcore/change.html", context, fragment="badge")
    if polled and progress.done:
        response.status_code = HttpResponseStopPolling.status_code
        detail = {"account": account, "region": region_id, "sequence": attempt.sequence}
        response["HX-Trigger"] = json.dumps({CHANGED: detail})
    return response
