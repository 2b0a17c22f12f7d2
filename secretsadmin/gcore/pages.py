"""What the Gcore Cloud pages share: the account a URL names, the way back to its secrets, and the
secret a URL names (with the not-found page, which leads back to the list, when it is not there).
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from secretsadmin.providers.gcore import NotFound, Region, Secret

from . import selectors


class NoSuchSecret(Exception):
    """The URL names no secret of the account: the sentence says why."""


def known_account(account: str) -> str:
    if account not in selectors.account_names():
        raise Http404(f"No Gcore Cloud account is named {account}.")
    return account


def list_url(account: str) -> str:
    return reverse("gcore:secrets", args=[account])


def secret_of(account: str, region_id: int, secret_id: str) -> tuple[Region, Secret]:
    """The region and the secret a URL names; a region not the account's is not asked about."""
    region = next((r for r in selectors.regions(account) if r.id == region_id), None)
    if region is None:
        raise NoSuchSecret(f"Account {account} holds no secrets in region {region_id}.")
    try:
        return region, selectors.find_secret(account, region_id, secret_id)
    except NotFound:
        raise NoSuchSecret(
            f"There is no secret {secret_id} in {region.display_name} (account {account}): it "
            "may have been deleted."
        ) from None


def no_such_secret(request: HttpRequest, account: str, missing: NoSuchSecret) -> HttpResponse:
    context = {
        "exception": str(missing),
        "back_url": list_url(account),
        "back_label": f"Back to the secrets of {account}",
    }
    return render(request, "404.html", context, status=404)
