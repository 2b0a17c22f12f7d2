from collections.abc import Callable
from urllib.parse import urlsplit

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseBase
from django_htmx.http import HttpResponseClientRedirect

from secretsadmin.core.htmx import wants_fragment


class SignInRequiredMiddleware(LoginRequiredMiddleware):
    """Django's, but a part of a page htmx asks for (a badge or an operation's progress whose
    session ended while it polled) sends the whole page to sign in, and back to that page
    after: the sign-in page swapped into the part would be no page at all."""

    # The stubs promise an HttpResponseRedirect; htmx's client redirect is a 200 of its own kind.
    def handle_no_permission(  # type: ignore[override]
        self, request: HttpRequest, view_func: Callable[..., HttpResponseBase]
    ) -> HttpResponseBase:
        if not wants_fragment(request):
            return super().handle_no_permission(request, view_func)
        # Only the path is kept: whatever the header names, sign-in leads back to this site.
        current = urlsplit(request.headers.get("HX-Current-URL") or "/")
        back = current.path + (f"?{current.query}" if current.query else "")
        return HttpResponseClientRedirect(redirect_to_login(back).url)
