"""Pipecat Cloud pages: parse the request, call a selector or a service, render.

A provider failure a view does not handle itself becomes the shared "provider unavailable" page
(`core.provider_pages.provider_errors`); a failed change becomes an error toast.
"""

from collections.abc import Callable, Sized
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling

from secretsadmin.accounts.access import role_required
from secretsadmin.accounts.actors import actor_of
from secretsadmin.accounts.roles import Role
from secretsadmin.audit.services import AuditUnavailable
from secretsadmin.core import once
from secretsadmin.core.forms import ReasonForm
from secretsadmin.core.htmx import go_to, list_page, wants_fragment
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
from secretsadmin.providers.pipecat import NotFound, SecretSet, set_name_problem
from secretsadmin.providers.pipecat.container_registries import expiry_note
from secretsadmin.providers.pipecat.names import SET_NAME_RULE
from secretsadmin.rollouts import services as rollouts
from secretsadmin.rollouts.views import AUDIT_DOWN

from . import redeploys, selectors, services
from .converters import KeyName
from .forms import (
    DeleteKeyForm,
    DeleteSetForm,
    ImagePullForm,
    KeysForm,
    NewSetForm,
    RedeployForm,
)
from .listing import SETS

MORE_ROWS = "more-sets"  # the id of the row that loads the next page as it scrolls into view


def _account(account: str) -> str:
    if account not in selectors.account_names():
        raise Http404(f"No Pipecat Cloud account is named {account}.")
    return account


def _no_such_set(request: HttpRequest, account: str, name: str) -> HttpResponse:
    """The not-found page, with the way back to the account's sets (deleted, or never there)."""
    context = {
        "exception": f"There is no set named {name} in account {account}: it may have been "
        "deleted.",
        "back_url": reverse("pipecat:sets", args=[account]),
        "back_label": f"Back to the sets of {account}",
    }
    return render(request, "404.html", context, status=404)


@require_GET
@role_required(Role.VIEWER)
def index(request: HttpRequest) -> HttpResponse:
    names = selectors.account_names()
    if not names:
        return render(request, "pipecat/index.html")
    return redirect("pipecat:sets", account=names[0])


@require_GET
@role_required(Role.VIEWER)
@provider_errors
def set_list(request: HttpRequest, account: str) -> HttpResponse:
    """A page of the account's sets (`core.htmx.list_page`)."""
    account = _account(account)
    sets = selectors.list_sets(account)
    listing = SETS.page(sets, SETS.query(request.GET))

    def context() -> dict[str, Any]:
        return {
            "account": account,
            "accounts": selectors.account_names(),
            # Rows link to their set by this prefix: a `{% url %}` per link was half a page's
            # time. tests/pipecat/test_sets_list.py holds the links to what `reverse` gives.
            "set_url_prefix": reverse("pipecat:set", args=[account, "x"]).removesuffix("x/"),
            "region_choices": sorted({s.region for s in sets}),
            "poll_seconds": settings.PIPECAT_POLL_SECONDS,
        }

    here = reverse("pipecat:sets", args=[account])
    return list_page(request, "pipecat/sets.html", listing, context, here=here, more_rows=MORE_ROWS)


@require_GET
@role_required(Role.VIEWER)
def set_keys_count(request: HttpRequest, account: str, name: str) -> HttpResponse:
    """A row's key count, asked for by the row once it is on screen. The list API gives no key
    counts, so each costs a `GET /secrets/{name}`: only the rows someone sees ask, and through
    the set's shared read (`selectors.read_set`), so it is at most one interval old like the rest
    of the page, and one read per set and interval serves every viewer and the set's own page."""
    account = _account(account)
    why = ""
    try:
        _, detail = selectors.read_set(account, name)
    except NotFound:
        detail, problem = None, "gone"
    except ProviderError as error:
        # A courtesy: the set's page says in full what failed; the count says it on hover.
        detail, problem, why = None, "not read", what_happened(error)
    else:
        problem = "" if detail else "not listed"
    context = {"detail": detail, "problem": problem, "why": why}
    return render(request, "pipecat/sets.html#keys-count", context)


@require_GET
@role_required(Role.VIEWER)
@provider_errors
def set_detail(request: HttpRequest, account: str, name: str) -> HttpResponse:
    return _detail_page(request, _account(account), name, KeysForm())


def _detail_page(
    request: HttpRequest, account: str, name: str, keys_form: KeysForm, status: int = 200
) -> HttpResponse:
    """The set's page; after a refused key form, with that form and its errors."""
    try:
        secret_set, detail = selectors.read_set(account, name)
    except NotFound:
        return _no_such_set(request, account, name)
    history = selectors.history(account, name)
    users = selectors.set_users(account, name)
    context = {
        "account": account,
        "name": name,
        "set": secret_set,
        "detail": detail,
        "history": history,
        "users": users,
        "redeploy": redeploys.offer(account, name, users.agents, history),
        "redeploy_form": RedeployForm(auto_id="redeploy_%s"),
        # Keys another tool named with a "/", a space or the like: no URL can name them.
        "unaddressable_keys": {key for key in detail.keys if KeyName.problem(key)}
        if detail
        else set(),
        "keys_form": keys_form,
        "remove_form": ReasonForm(auto_id="remove_%s"),
        "poll_seconds": settings.PIPECAT_POLL_SECONDS,
        "on_set_page": True,
    }
    return render(request, "pipecat/set_detail.html", context, status=status)


@require_GET
@role_required(Role.VIEWER)
def set_badge(request: HttpRequest, account: str, name: str) -> HttpResponse:
    """The set's status; polled every few seconds while pending, stopped once settled."""
    account = _account(account)
    try:
        secret_set = selectors.find_set(account, name)
    except selectors.SetNotListed:
        return HttpResponseStopPolling("")
    except ProviderError as error:
        # A failed read (a 404 of the list itself too) says nothing of the set: it is shown as
        # last read (only a pending badge polls), saying why it was not refreshed, and polled.
        context = {
            "account": account,
            "name": name,
            "problem": with_request_id(describe_read(error), request_id_of(request), error),
            "poll_seconds": settings.PIPECAT_POLL_SECONDS,
            "on_set_page": request.GET.get("on") == "set",
        }
        return render(request, "pipecat/badge_not_refreshed.html", context)
    context = {
        "account": account,
        "set": secret_set,
        "poll_seconds": settings.PIPECAT_POLL_SECONDS,
        "on_set_page": request.GET.get("on") == "set",
        "polled": True,
    }
    response = render(request, "pipecat/badge.html", context)
    if secret_set.status != "pending":
        response.status_code = HttpResponseStopPolling.status_code
    return response


@require_GET
@role_required(Role.VIEWER)
def check_name(request: HttpRequest, account: str) -> HttpResponse:
    """As-you-type feedback on a new set's name: the rule, and whether the name is taken."""
    account = _account(account)
    name = request.GET.get("name", "").strip()
    problem = set_name_problem(name) if name else None
    taken: bool | None = False
    why = ""
    if name and not problem:
        try:
            taken = selectors.set_exists(account, name)
        except ProviderError as error:
            # The check is a courtesy; the form checks again on submit.
            taken, why = None, what_happened(error)
    context = {"name": name, "problem": problem, "taken": taken, "why": why, "account": account}
    return render(request, "pipecat/name_check.html", {**context, "rule": SET_NAME_RULE})


@require_http_methods(["GET", "POST"])
@role_required(Role.EDITOR)
@provider_errors
def set_new(request: HttpRequest, account: str) -> HttpResponse:
    account = _account(account)
    form = NewSetForm(
        request.POST or None,
        account=account,
        regions=selectors.regions(account),
        initial={"region": selectors.default_region(account)},
    )
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["name"]
        if _applied(
            request,
            form,
            services.create_set,
            instead="add keys to it instead",
            account=account,
            name=name,
            secrets=form.cleaned_data["pairs"],
            region=form.cleaned_data["region"],
            reason=form.cleaned_data["reason"],
        ):
            messages.success(request, f"Set {name} created; Pipecat Cloud is provisioning it.")
            return go_to(request, reverse("pipecat:set", args=[account, name]))
    context = {"account": account, "form": form}
    if request.method == "POST":
        return not_applied(request, form, lambda: render(request, "pipecat/set_new.html", context))
    return render(request, "pipecat/set_new.html", context)


@require_POST
@role_required(Role.EDITOR)
def keys_preview(request: HttpRequest, account: str, name: str) -> HttpResponse:
    """What applying the form would do: which keys are new, which overwrite existing ones."""
    account = _account(account)
    form = KeysForm(request.POST)
    context: dict[str, Any] = {"account": account, "name": name, "form": form}
    if form.is_valid():
        try:
            context["preview"] = selectors.preview_keys(
                account, name, list(form.cleaned_data["pairs"])
            )
        except ProviderError as error:
            context["error"] = describe_read(error)
        context["warnings"] = form.warnings
    return render(request, "pipecat/preview.html", context)


@require_POST
@role_required(Role.EDITOR)
@provider_errors
def keys_add(request: HttpRequest, account: str, name: str) -> HttpResponse:
    account = _account(account)
    form = KeysForm(request.POST)
    here = reverse("pipecat:set", args=[account, name])
    if not form.is_valid():
        return not_applied(
            request, form, lambda: _detail_page(request, account, name, form, status=400)
        )
    pairs = form.cleaned_data["pairs"]
    try:
        done = apply_change(
            request,
            services.add_keys,
            account=account,
            name=name,
            secrets=pairs,
            reason=form.cleaned_data["reason"],
        )
    except services.SetGone:
        messages.error(request, f"Set {name} no longer exists; no key was saved.")
        return go_to(request, reverse("pipecat:sets", args=[account]))
    except services.SetUnreadable as unreadable:
        messages.error(request, not_sent(request, unreadable.error, "No key was saved."))
        done = False
    if done:
        messages.success(request, f"{_count(pairs, 'key')} saved in {name}.")
        return go_to(request, here)
    return not_applied(request, form, lambda: redirect(here))


@require_http_methods(["GET", "POST"])
@role_required(Role.EDITOR)
def key_delete(request: HttpRequest, account: str, name: str, key: str) -> HttpResponse:
    """GET asks first (the page without JavaScript); POST removes, in place for htmx."""
    account = _account(account)
    data = request.POST if request.method == "POST" else None
    form = DeleteKeyForm(data, set_name=name, key=key)
    if not form.is_bound or not form.is_valid():
        return _confirm(request, account, form)
    gone = False
    try:
        done = apply_change(
            request,
            services.delete_key,
            account=account,
            name=name,
            key=key,
            reason=form.cleaned_data["reason"],
        )
    except services.SetGone:
        messages.error(request, f"Set {name} no longer exists; nothing was removed.")
        return go_to(request, reverse("pipecat:sets", args=[account]))
    except services.KeyGone:
        messages.error(request, f"Set {name} holds no key {key} (any more); nothing was removed.")
        done, gone = False, True
    except services.SetUnreadable as unreadable:
        messages.error(request, not_sent(request, unreadable.error, "Nothing was removed."))
        done = False
    if done:
        messages.success(request, f"Key {key} removed from {name}.")
    if wants_fragment(request):
        if done or gone:
            return HttpResponse("")
        # The row stays, with a new one-time token to try again; the toast says why.
        context = {"account": account, "name": name, "key": key}
        return render(request, "pipecat/set_detail.html#key-row", context)
    return redirect("pipecat:set", account=account, name=name)


@require_POST
@role_required(Role.EDITOR)
def redeploy(request: HttpRequest, account: str, name: str) -> HttpResponse:
    """Starts redeploying the agents chosen on the set's page; its progress is the operation's
    page (`rollouts`)."""
    account = _account(account)
    here = reverse("pipecat:set", args=[account, name])
    form = RedeployForm(request.POST)
    if not form.is_valid():
        said = [str(error) for errors in form.errors.values() for error in errors]
        messages.error(request, " ".join(said))
        return go_to(request, here)
    try:
        once.spend(request)
        started = redeploys.start(
            actor_of(request),
            account=account,
            name=name,
            chosen=form.cleaned_data["agents"],
            reason=form.cleaned_data["reason"],
        )
    except once.Refused as refused:
        messages.warning(request, refused.message)
    except rollouts.AlreadyRunning as running:
        messages.error(request, running.message)
        return go_to(request, reverse("rollouts:rollout", args=[running.rollout.pk]))
    except redeploys.NotBinding as refused:
        messages.error(request, refused.message)
    except redeploys.NoAgents:
        messages.error(request, f"No agent uses set {name}: nothing was redeployed.")
    except redeploys.AgentsUnreadable as unreadable:
        consequence = "Which agents use the set could not be read: nothing was redeployed."
        messages.error(request, not_sent(request, unreadable.error, consequence))
    except AuditUnavailable:
        messages.error(request, AUDIT_DOWN)
    else:
        agents = _count(list(started.steps.all()), "agent")
        messages.success(request, f"Redeploying {agents}: each is sent once set {name} is ready.")
        return go_to(request, reverse("rollouts:rollout", args=[started.pk]))
    return go_to(request, here)


@require_http_methods(["GET", "POST"])
@role_required(Role.EDITOR)
def set_delete(request: HttpRequest, account: str, name: str) -> HttpResponse:
    account = _account(account)
    form = DeleteSetForm(request.POST or None, set_name=name)
    if request.method == "POST" and form.is_valid():
        try:
            done = apply_change(
                request,
                services.delete_set,
                account=account,
                name=name,
                reason=form.cleaned_data["reason"],
            )
        except services.SetInUse as in_use:
            messages.error(request, in_use.message)
            done = False
        except services.UsersUnreadable as unreadable:
            consequence = "Which agents use the set could not be read: nothing was deleted."
            messages.error(request, not_sent(request, unreadable.error, consequence))
            done = False
        if done:
            messages.success(request, f"Set {name} deleted.")
            return redirect("pipecat:sets", account=account)
        return redirect("pipecat:set", account=account, name=name)
    return _confirm(request, account, form)


def _confirm(
    request: HttpRequest, account: str, form: DeleteKeyForm | DeleteSetForm
) -> HttpResponse:
    """The page that asks before a removal, naming the agents the set's removal concerns."""
    context = {
        "account": account,
        "form": form,
        "users": selectors.set_users(account, form.set_name),
    }
    return render(request, "pipecat/confirm_delete.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.EDITOR)
@provider_errors
def image_pull_new(request: HttpRequest, account: str) -> HttpResponse:
    return _image_pull(request, _account(account), existing=None)


@require_http_methods(["GET", "POST"])
@role_required(Role.EDITOR)
@provider_errors
def image_pull_edit(request: HttpRequest, account: str, name: str) -> HttpResponse:
    account = _account(account)
    try:
        existing = selectors.find_set(account, name)
    except NotFound:
        return _no_such_set(request, account, name)
    if not existing.is_image_pull_secret:
        raise Http404(f"{name} holds secrets, not registry credentials.")
    return _image_pull(request, account, existing=existing)


def _image_pull(request: HttpRequest, account: str, *, existing: SecretSet | None) -> HttpResponse:
    regions = selectors.regions(account)
    initial = {"region": existing.region if existing else selectors.default_region(account)}
    if existing:
        initial["name"] = existing.name
    form = ImagePullForm(
        request.POST or None,
        account=account,
        regions=regions,
        existing=bool(existing),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _applied(
            request,
            form,
            services.save_image_pull_secret,
            instead="pick another name",
            account=account,
            name=data["name"],
            host=data["host"],
            username=data["username"],
            token=data["token"],
            region=data["region"],
            new=existing is None,
            reason=data["reason"],
        ):
            note = expiry_note(data["host"])
            messages.success(
                request,
                f"Registry credentials saved in {data['name']}." + (f" {note}" if note else ""),
            )
            return redirect("pipecat:set", account=account, name=data["name"])
    context = {"account": account, "form": form, "existing": existing}
    return render(request, "pipecat/image_pull.html", context)


def _applied(
    request: HttpRequest,
    form: Form,
    change: Callable[..., object],
    *,
    instead: str,
    **arguments: Any,
) -> bool:
    """Runs a change that creates or replaces a set; a taken or uncheckable name, or a set gone
    or unreadable, becomes a form error."""
    name = arguments["name"]
    try:
        return apply_change(request, change, **arguments)
    except services.NameTaken:
        form.add_error("name", f"A set named {name} exists already: {instead}.")
    except services.SetGone:
        form.add_error(None, f"Set {name} no longer exists: nothing was sent.")
    except services.SetUnreadable as unreadable:
        form.add_error(
            None, not_sent(request, unreadable.error, "The set could not be read: nothing sent.")
        )
    except services.NameUncheckable as uncheckable:
        form.add_error(
            None,
            not_sent(request, uncheckable.error, "The name could not be checked: nothing sent."),
        )
    return False


def _count(items: Sized, noun: str) -> str:
    return f"1 {noun}" if len(items) == 1 else f"{len(items)} {noun}s"
