"""Gcore Cloud's read pages: an account's secrets across its regions, and one secret.

A provider failure a view does not handle itself becomes the shared "provider unavailable" page
(`core.provider_pages.provider_errors`); a region that fails while others answer is named above
the others' secrets.
"""

from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from secretsadmin.accounts.access import role_required
from secretsadmin.accounts.roles import Role
from secretsadmin.core.htmx import list_page
from secretsadmin.core.provider_errors import describe_read
from secretsadmin.core.provider_pages import provider_errors, request_id_of, with_request_id
from secretsadmin.providers.gcore import SECRET_TYPES, NotFound

from . import actions, selectors
from .facts import TYPE_LABELS, expiry
from .listing import SECRETS, in_name_order, rows

MORE_ROWS = "more-secrets"  # the id of the row that loads the next page as it scrolls into view


def _account(account: str) -> str:
    if account not in selectors.account_names():
        raise Http404(f"No Gcore Cloud account is named {account}.")
    return account


def _no_such_secret(request: HttpRequest, account: str, sentence: str) -> HttpResponse:
    """The not-found page, with the way back to the account's secrets."""
    context = {
        "exception": sentence,
        "back_url": reverse("gcore:secrets", args=[account]),
        "back_label": f"Back to the secrets of {account}",
    }
    return render(request, "404.html", context, status=404)


@require_GET
@role_required(Role.VIEWER)
def index(request: HttpRequest) -> HttpResponse:
    names = selectors.account_names()
    if not names:
        return render(request, "gcore/index.html")
    return redirect("gcore:secrets", account=names[0])


@require_GET
@role_required(Role.VIEWER)
@provider_errors
def secret_list(request: HttpRequest, account: str) -> HttpResponse:
    """A page of the account's secrets, every region's in one table (`core.htmx.list_page`)."""
    account = _account(account)
    found = selectors.account_secrets(account)
    listing = SECRETS.page(in_name_order(found.secrets), SECRETS.query(request.GET))
    here = reverse("gcore:secrets", args=[account])

    def context() -> dict[str, Any]:
        request_id = request_id_of(request)
        return {
            "account": account,
            "accounts": selectors.account_names(),
            "rows": rows(listing.page, found.regions, timezone.now(), prefix=here),
            "regions": found.regions,
            "failures": [
                (
                    failure.region,
                    with_request_id(describe_read(failure.error), request_id, failure.error),
                )
                for failure in found.failures
            ],
            "types": [(name, TYPE_LABELS[name]) for name in SECRET_TYPES],
            "statuses": sorted({secret.status for secret in found.secrets}),
        }

    return list_page(
        request, "gcore/secrets.html", listing, context, here=here, more_rows=MORE_ROWS
    )


@require_GET
@role_required(Role.VIEWER)
@provider_errors
def secret_detail(
    request: HttpRequest, account: str, region_id: int, secret_id: UUID
) -> HttpResponse:
    account = _account(account)
    region = next((r for r in selectors.regions(account) if r.id == region_id), None)
    if region is None:
        return _no_such_secret(
            request, account, f"Account {account} holds no secrets in region {region_id}."
        )
    try:
        secret = selectors.find_secret(account, region_id, str(secret_id))
    except NotFound:
        return _no_such_secret(
            request,
            account,
            f"There is no secret {secret_id} in {region.display_name} (account {account}): it "
            "may have been deleted.",
        )
    context = {
        "account": account,
        "accounts": selectors.account_names(),
        "secret": secret,
        "region": region,
        "type_label": TYPE_LABELS.get(secret.secret_type, secret.secret_type),
        "expiry": expiry(secret.expiration, timezone.now()),
        "history": [
            (change, actions.DONE.get(change.action, change.action))
            for change in selectors.history(account, secret.id)
        ],
    }
    return render(request, "gcore/secret_detail.html", context)
