"""Pipecat Cloud pages: parse the request, call a selector or a service, render."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling

from secretsadmin.accounts.roles import Role, role_required
from secretsadmin.audit.services import Actor
from secretsadmin.providers.pipecat import NotFound, PipecatError, set_name_problem
from secretsadmin.providers.registries import expiry_note

from . import selectors, services
from .forms import DeleteSetForm, ImagePullForm, KeysForm, NewSetForm, ReasonForm
from .messages import describe_read

FILTERS = ("q", "type", "region", "status")


def _account(account: str) -> str:
    if account not in selectors.account_names():
        raise Http404(f"No Pipecat Cloud account is named {account}.")
    return account


def _unavailable(request, error: PipecatError, account: str = "") -> HttpResponse:
    context = {"error": describe_read(error), "account": account}
    return render(request, "pipecat/unavailable.html", context, status=502)


@require_GET
@role_required(Role.VIEWER)
def index(request):
    names = selectors.account_names()
    if not names:
        return render(request, "pipecat/index.html")
    return redirect("pipecat:sets", account=names[0])


@require_GET
@role_required(Role.VIEWER)
def set_list(request, account):
    account = _account(account)
    try:
        sets = selectors.list_sets(account)
    except PipecatError as error:
        return _unavailable(request, error, account)
    filters = {name: request.GET.get(name, "") for name in FILTERS}
    context = {
        "account": account,
        "accounts": selectors.account_names(),
        "sets": selectors.filter_sets(sets, **filters),
        "total": len(sets),
        "filters": filters,
        "region_choices": sorted({s.region for s in sets}),
        "poll_seconds": settings.PIPECAT_POLL_SECONDS,
    }
    template = "pipecat/sets.html#table" if request.htmx else "pipecat/sets.html"
    return render(request, template, context)


@require_GET
@role_required(Role.VIEWER)
def set_detail(request, account, name):
    return _detail_page(request, _account(account), name, KeysForm())


def _detail_page(request, account, name, keys_form, status=200):
    """The set's page; after a refused key form, with that form and its errors."""
    try:
        secret_set, detail = selectors.read_set(account, name)
    except NotFound:
        raise Http404(f"There is no set named {name} in account {account}.") from None
    except PipecatError as error:
        return _unavailable(request, error, account)
    context = {
        "account": account,
        "set": secret_set,
        "detail": detail,
        "keys_form": keys_form,
        "poll_seconds": settings.PIPECAT_POLL_SECONDS,
    }
    return render(request, "pipecat/set_detail.html", context, status=status)


@require_GET
@role_required(Role.VIEWER)
def set_badge(request, account, name):
    """The set's status; polled every few seconds while pending, stopped once settled."""
    account = _account(account)
    try:
        secret_set = selectors.find_set(account, name)
    except NotFound:
        return HttpResponseStopPolling("")
    except PipecatError:
        return HttpResponse(status=204)  # keep the badge as it is; the next poll may succeed
    context = {"account": account, "set": secret_set, "poll_seconds": settings.PIPECAT_POLL_SECONDS}
    response = render(request, "pipecat/badge.html", context)
    if secret_set.status != "pending":
        response.status_code = HttpResponseStopPolling.status_code
    return response


@require_GET
@role_required(Role.VIEWER)
def check_name(request, account):
    """As-you-type feedback on a new set's name: the rule, and whether the name is taken."""
    account = _account(account)
    name = request.GET.get("name", "").strip()
    problem = set_name_problem(name) if name else None
    taken = False
    if name and not problem:
        try:
            taken = selectors.set_exists(account, name)
        except PipecatError:
            taken = None  # the check is a courtesy; the form checks again on submit
    context = {"name": name, "problem": problem, "taken": taken, "account": account}
    return render(request, "pipecat/set_new.html#name-check", context)


def _regions(account):
    return selectors.regions(account), selectors.default_region(account)


@require_http_methods(["GET", "POST"])
@role_required(Role.EDITOR)
def set_new(request, account):
    account = _account(account)
    try:
        regions, default = _regions(account)
    except PipecatError as error:
        return _unavailable(request, error, account)
    form = NewSetForm(request.POST or None, regions=regions, initial={"region": default})
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["name"]
        if not _name_unavailable(form, account, name, "add keys to it instead") and _apply(
            request,
            services.upsert_keys,
            account=account,
            name=name,
            secrets=form.cleaned_data["pairs"],
            region=form.cleaned_data["region"],
            reason=form.cleaned_data["reason"],
        ):
            messages.success(request, f"Set {name} created; Pipecat Cloud is provisioning it.")
            return redirect("pipecat:set", account=account, name=name)
    return render(request, "pipecat/set_new.html", {"account": account, "form": form})


@require_POST
@role_required(Role.EDITOR)
def keys_preview(request, account, name):
    """What applying the form would do: which keys are new, which overwrite existing ones."""
    account = _account(account)
    form = KeysForm(request.POST)
    context = {"account": account, "name": name, "form": form}
    if form.is_valid():
        try:
            _, detail = selectors.read_set(account, name, fresh=True)
        except NotFound:
            detail = None
        except PipecatError as error:
            context["error"] = describe_read(error)
            return render(request, "pipecat/preview.html", context)
        existing = set(detail.keys) if detail else set()
        keys = list(form.cleaned_data["pairs"])
        context.update(
            new=[k for k in keys if k not in existing],
            overwritten=[k for k in keys if k in existing],
            warnings=form.warnings,
        )
    return render(request, "pipecat/preview.html", context)


@require_POST
@role_required(Role.EDITOR)
def keys_add(request, account, name):
    account = _account(account)
    form = KeysForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, account, name, form, status=400)
    # Adding keys is a PUT, which would create a set deleted since the page was opened.
    try:
        secret_set, _ = selectors.read_set(account, name, fresh=True)
    except NotFound:
        messages.error(request, f"Set {name} no longer exists; no key was saved.")
        return redirect("pipecat:sets", account=account)
    except PipecatError as error:
        messages.error(request, f"{describe_read(error)} No key was saved.")
        return redirect("pipecat:set", account=account, name=name)
    pairs = form.cleaned_data["pairs"]
    if _apply(
        request,
        services.upsert_keys,
        account=account,
        name=name,
        secrets=pairs,
        region=secret_set.region,
        reason=form.cleaned_data["reason"],
    ):
        messages.success(request, f"{_count(pairs, 'key')} saved in {name}.")
    return redirect("pipecat:set", account=account, name=name)


@require_http_methods(["GET", "POST"])
@role_required(Role.EDITOR)
def key_delete(request, account, name, key):
    """GET asks first (the page without JavaScript); POST removes, in place for htmx."""
    account = _account(account)
    form = ReasonForm(request.POST if request.method == "POST" else None)  # htmx posts nothing
    if not form.is_bound or not form.is_valid():
        context = {"account": account, "name": name, "key": key, "form": form}
        return render(request, "pipecat/key_delete.html", context)
    done = _apply(
        request,
        services.delete_key,
        account=account,
        name=name,
        key=key,
        reason=form.cleaned_data["reason"],
    )
    if done:
        messages.success(request, f"Key {key} removed from {name}.")
    if request.htmx:
        response = HttpResponse("")
        if not done:  # the row stays; the toast says why
            response["HX-Reswap"] = "none"
        return response
    return redirect("pipecat:set", account=account, name=name)


@require_http_methods(["GET", "POST"])
@role_required(Role.EDITOR)
def set_delete(request, account, name):
    account = _account(account)
    form = DeleteSetForm(request.POST or None, set_name=name)
    if request.method == "POST" and form.is_valid():
        if _apply(
            request,
            services.delete_set,
            account=account,
            name=name,
            reason=form.cleaned_data["reason"],
        ):
            messages.success(request, f"Set {name} deleted.")
            return redirect("pipecat:sets", account=account)
        return redirect("pipecat:set", account=account, name=name)
    return render(
        request, "pipecat/set_delete.html", {"account": account, "name": name, "form": form}
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.EDITOR)
def image_pull_new(request, account):
    return _image_pull(request, _account(account), existing=None)


@require_http_methods(["GET", "POST"])
@role_required(Role.EDITOR)
def image_pull_edit(request, account, name):
    account = _account(account)
    try:
        existing = selectors.find_set(account, name)
    except NotFound:
        raise Http404(f"There is no set named {name} in account {account}.") from None
    except PipecatError as error:
        return _unavailable(request, error, account)
    if not existing.is_image_pull_secret:
        raise Http404(f"{name} holds secrets, not registry credentials.")
    return _image_pull(request, account, existing=existing)


def _image_pull(request, account, *, existing):
    try:
        regions, default = _regions(account)
    except PipecatError as error:
        return _unavailable(request, error, account)
    initial = {"region": existing.region if existing else default}
    if existing:
        initial["name"] = existing.name
    form = ImagePullForm(
        request.POST or None, regions=regions, existing=bool(existing), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fresh_name = existing or not _name_unavailable(
            form, account, data["name"], "pick another name"
        )
        if fresh_name and _apply(
            request,
            services.upsert_image_pull_secret,
            account=account,
            name=data["name"],
            host=data["host"],
            username=data["username"],
            token=data["token"],
            region=data["region"],
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


def _name_unavailable(form, account: str, name: str, instead: str) -> bool:
    """Refuses a new set's name when it is taken, or when that cannot be checked: creating is a PUT,
    which on an existing name would silently merge into that set."""
    try:
        taken = selectors.set_exists(account, name, fresh=True)
    except PipecatError as error:
        form.add_error(None, f"{describe_read(error)} The name could not be checked: nothing sent.")
        return True
    if taken:
        form.add_error("name", f"A set named {name} exists already: {instead}.")
    return taken


def _apply(request, change, **arguments) -> bool:
    """Runs a change as the signed-in person; a refusal or failure becomes an error toast."""
    try:
        change(Actor.from_request(request), **arguments)
    except services.ChangeFailed as failure:
        messages.error(request, failure.message)
        return False
    return True


def _count(items, noun: str) -> str:
    return f"1 {noun}" if len(items) == 1 else f"{len(items)} {noun}s"
