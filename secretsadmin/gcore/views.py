"""Gcore Cloud's read pages: an account's secrets across its regions, and one secret.

A provider failure a view does not handle itself becomes the shared "provider unavailable" page
(`core.provider_pages.provider_errors`); a region that fails while others answer is named above
the others' secrets.
"""

from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from secretsadmin.accounts.access import role_required
from secretsadmin.accounts.roles import Role
from secretsadmin.core.htmx import list_page
from secretsadmin.core.provider_errors import describe_read
from secretsadmin.core.provider_pages import provider_errors, request_id_of, with_request_id
from secretsadmin.providers.errors import ProviderError
from secretsadmin.providers.gcore import SECRET_TYPES

from . import actions, replacements, selectors, usage
from .facts import TYPE_LABELS, expiry
from .listing import SECRETS, in_name_order, rows
from .pages import NoSuchSecret, known_account, list_url, no_such_secret, secret_of

MORE_ROWS = "more-secrets"  # the id of the row that loads the next page as it scrolls into view


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
    account = known_account(account)
    found = selectors.account_secrets(account)
    listing = SECRETS.page(in_name_order(found.secrets), SECRETS.query(request.GET))
    here = list_url(account)

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
    account = known_account(account)
    try:
        region, secret = secret_of(account, region_id, str(secret_id))
    except NoSuchSecret as missing:
        return no_such_secret(request, account, missing)
    users: tuple[usage.SecretUse, ...] = ()
    users_error = ""
    try:
        users = usage.users_of(account, region.id, secret.id)
    except ProviderError as error:
        # The secret is what the page is about: who uses it is said to be unknown, not fatal.
        users_error = with_request_id(describe_read(error), request_id_of(request), error)
    context = {
        "account": account,
        "accounts": selectors.account_names(),
        "secret": secret,
        "region": region,
        "users": users,
        "users_error": users_error,
        "replacement": replacements.running(account, secret),
        "type_label": TYPE_LABELS.get(secret.secret_type, secret.secret_type),
        "expiry": expiry(secret.expiration, timezone.now()),
        "history": [
            (change, actions.HISTORY.get(change.action, change.action))
            for change in selectors.history(account, secret.id)
        ],
    }
    return render(request, "gcore/secret_detail.html", context)
