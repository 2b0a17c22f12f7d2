from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from secretsadmin.accounts.access import role_required
from secretsadmin.accounts.roles import Role, has_role
from secretsadmin.core.htmx import render_page
from secretsadmin.pipecat.selectors import account_names

from . import selectors


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The page itself asks no provider: each account's card is loaded on its own."""
    accounts = account_names() if has_role(request.user, Role.VIEWER) else ()
    context = {"pipecat_accounts": accounts, "activity": selectors.activity(request.user)}
    return render(request, "overview/home.html", context)


@require_GET
@role_required(Role.VIEWER)
def pipecat_account(request: HttpRequest, account: str) -> HttpResponse:
    """One account's card: swapped into the overview by htmx, or a page of its own without
    JavaScript."""
    if account not in account_names():
        raise Http404(f"No Pipecat Cloud account is named {account}.")
    context = {"state": selectors.pipecat_account(account)}
    return render_page(
        request, "overview/pipecat_account.html", context, fragment="pipecat-account"
    )
