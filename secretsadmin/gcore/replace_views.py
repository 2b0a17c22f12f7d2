"""Starting the replacement of a certificate (`replacements`): the listeners and pools that will
switch, read afresh, and the new certificate, picked among the region's or uploaded (checked as
on create). Once started, the operation's own page (`rollouts.views`) carries it on."""

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from secretsadmin.accounts.access import role_required
from secretsadmin.accounts.actors import actor_of
from secretsadmin.accounts.roles import Role
from secretsadmin.audit.changes import ChangeFailed
from secretsadmin.audit.services import AuditUnavailable
from secretsadmin.core import once
from secretsadmin.core.provider_pages import not_sent, provider_errors, with_request_id
from secretsadmin.providers.errors import ProviderError
from secretsadmin.providers.gcore import Region, Secret
from secretsadmin.rollouts import services as rollouts
from secretsadmin.rollouts.models import Rollout

from . import replacements, services, usage
from .change_views import GONE_PARTS
from .forms import CertificateForm, PickCertificateForm
from .pages import NoSuchSecret, known_account, no_such_secret, secret_of

PICK, UPLOAD = "pick", "upload"  # what the `source` of a post says it sends
AUDIT_DOWN = (
    "The audit log cannot be written right now, so nothing was started. Try again later or "
    "tell an administrator."
)


@require_http_methods(["GET", "POST"])
@role_required(Role.EDITOR)
@provider_errors
def certificate_replace(
    request: HttpRequest, account: str, region_id: int, secret_id: UUID
) -> HttpResponse:
    account = known_account(account)
    try:
        region, old = secret_of(account, region_id, str(secret_id))
    except NoSuchSecret as missing:
        return no_such_secret(request, account, missing)
    if old.secret_type != replacements.TLS:
        raise Http404(f"{old.name} is not a TLS certificate: only certificates are replaced.")
    # A post goes on to be refused (and the refusal recorded) by the service.
    under_way = replacements.running(account, old) if request.method == "GET" else None
    if under_way is not None:
        messages.info(request, "This certificate is being replaced already: here is where it is.")
        return redirect(_page(under_way))
    source = request.POST.get("source")
    candidates = replacements.candidates(account, old)
    pick = PickCertificateForm(
        request.POST if source == PICK else None, candidates=candidates, prefix=PICK
    )
    upload = CertificateForm(
        request.POST if source == UPLOAD else None,
        request.FILES if source == UPLOAD else None,
        account=account,
        regions=(region,),
        # The old certificate's region, which the form carries hidden: the only one it takes.
        initial={"region": region.id},
    )
    if request.method == "POST":
        started = _started(request, account, region, old, pick if source == PICK else upload)
        if isinstance(started, Rollout):
            return redirect(_page(started))
        if isinstance(started, HttpResponse):
            return started
    context = _context(account, region, old, pick, upload, source)
    failed = request.method == "POST" and (pick.errors or upload.errors)
    return render(request, "gcore/certificate_replace.html", context, status=400 if failed else 200)


def _started(
    request: HttpRequest,
    account: str,
    region: Region,
    old: Secret,
    form: PickCertificateForm | CertificateForm,
) -> Rollout | HttpResponse | None:
    """The replacement started, a page to go to instead, or None: the form says why not."""
    if not form.is_valid():
        return None
    try:
        once.spend(request)
    except once.Refused as refused:
        messages.warning(request, refused.message)
        return redirect(_secret_page(account, old))
    data = form.cleaned_data
    actor = actor_of(request)
    try:
        if isinstance(form, PickCertificateForm):
            return replacements.start_with(
                actor,
                account=account,
                old=old,
                new_id=data["replacement"],
                reason=data["reason"],
            )
        return replacements.start_with_upload(actor, account=account, old=old, **form.upload())
    except rollouts.AlreadyRunning as running:
        messages.info(request, running.message)
        return redirect(_page(running.rollout))
    except rollouts.NothingToDo:
        messages.info(
            request, f"No listener or pool uses {old.name} any more: there is nothing to replace."
        )
        return redirect(_secret_page(account, old))
    except replacements.NotAReplacement as refused:
        form.add_error("replacement", str(refused))
    except replacements.UploadedNotStarted as uploaded:
        form.add_error(None, str(uploaded))
    except services.DuplicateName as duplicate:
        assert isinstance(form, CertificateForm)
        form.refuse_duplicate(duplicate.existing, region.display_name)
    except services.UsersUnreadable as unreadable:
        form.add_error(
            None,
            not_sent(
                request,
                unreadable.error,
                "Which listeners and pools use the certificate could not be read again, so "
                "nothing was started.",
            ),
        )
    except services.Unreadable as unreadable:
        form.add_error(
            None,
            not_sent(
                request,
                unreadable.error,
                "The region's certificates could not be read again, so nothing was started.",
            ),
        )
    except ChangeFailed as failure:
        cause = failure.__cause__
        error = cause if isinstance(cause, ProviderError) else None
        form.add_error(
            None,
            with_request_id(
                f"{failure.message} The replacement was not started: nothing was switched.",
                failure.request_id,
                error,
            ),
        )
    except AuditUnavailable:
        form.add_error(None, AUDIT_DOWN)
    return None


def _context(
    account: str,
    region: Region,
    old: Secret,
    pick: PickCertificateForm,
    upload: CertificateForm,
    source: str | None,
) -> dict[str, Any]:
    facts = upload.bundle.facts if upload.bundle else None
    return {
        "account": account,
        "region": region,
        "secret": old,
        # What will switch, read afresh: what the person decides on must not be an interval old.
        "users": usage.users_of(account, old.region_id, old.id, fresh=True),
        "pick": pick,
        "form": upload,
        "source": source or (PICK if pick.fields["replacement"].choices else UPLOAD),  # type: ignore[attr-defined]
        "gone": GONE_PARTS,
        "facts": facts,
        "days_left": facts.days_left(timezone.now()) if facts else None,
        "expiration": getattr(upload, "cleaned_data", {}).get("expiration") if facts else None,
    }


def _page(rollout: Rollout) -> str:
    return reverse("rollouts:rollout", args=[rollout.pk])


def _secret_page(account: str, old: Secret) -> str:
    return reverse("gcore:secret", args=[account, old.region_id, old.id])
