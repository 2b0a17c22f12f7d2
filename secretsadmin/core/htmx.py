"""Pages that htmx may ask for in part: one answer for a whole page or its fragment."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect

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
