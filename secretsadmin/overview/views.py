from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from secretsadmin.accounts.access import role_required
from secretsadmin.accounts.roles import Role, has_role
from secretsadmin.alerts import selectors as alerts
from secretsadmin.core.htmx import render_page
from secretsadmin.gcore import selectors as gcore
from secretsadmin.pipecat import selectors as pipecat

from . import selectors


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The page itself asks no provider: each account's card is loaded on its own."""
    reads = has_role(request.user, Role.VIEWER)
    context = {
        "pipecat_accounts": pipecat.account_names() if reads else (),
        "gcore_accounts": gcore.account_names() if reads else (),
        "activity": selectors.activity(request.user),
        "open_alerts": alerts.open_count() if reads else None,
    }
    return render(request, "overview/home.html", context)


@require_GET
@role_required(Role.VIEWER)
def pipecat_account(request: HttpRequest, account: str) -> HttpResponse:
    """One account's card: swapped into the overview by htmx, or a page of its own without
    JavaScript."""
    if account not in pipecat.account_names():
        raise Http404(f"No Pipecat Cloud account is named {account}.")
    context = {"state": selectors.pipecat_account(account)}
    return render_page(
        request, "overview/pipecat_account.html", context, fragment="pipecat-account"
    )


@require_GET
@role_required(Role.VIEWER)
def gcore_account(request: HttpRequest, account: str) -> HttpResponse:
    """One Gcore Cloud account's card, as `pipecat_account`."""
    if account not in gcore.account_names():
        raise Http404(f"No Gcore Cloud account is named {account}.")
    context = {"state": selectors.gcore_account(account)}
    return render_page(request, "overview/gcore_account.html", context, fragment="gcore-account")
