"""Pages that htmx may ask for in part: one answer for a whole page or its fragment."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect

from .listing import ListPage

# Answers that send htmx elsewhere: the page they lead to shows the messages.
NAVIGATES = ("HX-Redirect", "HX-Location", "HX-Refresh")


def wants_fragment(request: HttpRequest) -> bool:
    """htmx asking to swap a part in; not a history restore, which needs the whole page."""
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    fragment: str,
    status: int = 200,
) -> HttpResponse:
    """The page `template`, or its partial `fragment` for htmx. Caches are told the answer
    depends on `HX-Request`, so a browser never shows a cached fragment as a page."""
    name = f"{template}#{fragment}" if wants_fragment(request) else template
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ["HX-Request", "HX-History-Restore-Request"])
    return response


def go_to(request: HttpRequest, url: str) -> HttpResponse:
    """After a form is applied: a redirect, or for htmx a whole-page load of `url` (a redirect
    followed by htmx would swap the next page into the form's target)."""
    if wants_fragment(request):
        return HttpResponseClientRedirect(url)
    return redirect(url)


def list_page(
    request: HttpRequest,
    template: str,
    listing: ListPage[Any],
    context: Callable[[], dict[str, Any]],
    *,
    here: str,
    more_rows: str,
) -> HttpResponse:
    """A list's page (`core.listing`) at `here`, with `listing` and `context()` in its context.

    htmx asks for the partial "table" (search, filters, a header's order: the address it pushes
    is the query without empty values) or, as the row `more_rows` scrolls into view, for the next
    page's rows (the partial "more"). A plain request with anything more in its query than what
    is shown is sent to the address without it.
    """
    loading_more = wants_fragment(request) and request.headers.get("HX-Target") == more_rows
    if not wants_fragment(request) and QueryDict(listing.canonical_query[1:]) != request.GET:
        return redirect(here + listing.canonical_query)
    if loading_more and listing.page.number != listing.query.page:
        return HttpResponse("")  # the list shrank: past its end there is nothing more to show
    response = render_page(
        request,
        template,
        {"listing": listing, **context()},
        fragment="more" if loading_more else "table",
    )
    if wants_fragment(request) and not loading_more:
        response["HX-Push-Url"] = here + listing.canonical_query
    return response
