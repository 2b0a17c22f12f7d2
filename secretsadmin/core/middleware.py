import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

from secretsadmin.providers import deadlines

from . import request_id
from .htmx import NAVIGATES
from .proxies import FORWARDED_META_KEYS, client_address, from_trusted_proxy

access_log = logging.getLogger("secretsadmin.access")

GetResponse = Callable[[HttpRequest], HttpResponseBase]
PROTO_META_KEY = "HTTP_X_FORWARDED_PROTO"
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "camera", "display-capture", "geolocation", "gyroscope",
        "magnetometer", "microphone", "midi", "payment", "usb", "xr-spatial-tracking",
    )
)  # fmt: skip


class UntrustedForwardedHeadersMiddleware:
    """Drops the forwarded headers of a request that does not come from a trusted proxy.

    Django believes `X-Forwarded-Proto` from anyone once SECURE_PROXY_SSL_HEADER is set: a client
    that reaches the server directly could claim https and skip the redirect to it.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not from_trusted_proxy(request):
            for key in FORWARDED_META_KEYS:
                request.META.pop(key, None)
        elif "," in request.META.get(PROTO_META_KEY, ""):
            # A proxy appends what it saw to what the client sent: the last entry is its own.
            # Django would believe the first ("https, http" counted as https).
            request.META[PROTO_META_KEY] = request.META[PROTO_META_KEY].rsplit(",", 1)[1].strip()
        return self.get_response(request)


class ProviderDeadlineMiddleware:
    """Gives each request `PROVIDER_DEADLINE_SECONDS` to wait for providers in all: a provider
    that hangs then holds a server thread no longer than that, whatever the page asks of it."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        with deadlines.within(settings.PROVIDER_DEADLINE_SECONDS):
            return self.get_response(request)


class RequestIdMiddleware:
    """Gives every request an id: the trusted proxy's `X-Request-ID`, or a new one.

    The id is returned as `X-Request-ID` and stamped on every log line written while serving.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        proposed = request.META.get(request_id.META_KEY, "")
        if from_trusted_proxy(request) and request_id.ACCEPTABLE.match(proposed):
            rid = proposed
        else:
            rid = request_id.new()
        request.id = rid  # type: ignore[attr-defined]  # ours, for the audit log's actors
        token = request_id.current.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id.current.reset(token)
        response[request_id.HEADER] = rid
        return response


class AccessLogMiddleware:
    """One line per request: who, what, the answer and how long it took."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        access_log.info(
            "%s %s %s %s %.1fms",
            user.get_username() if user is not None and user.is_authenticated else "-",
            request.method,
            request.path,
            response.status_code,
            (time.perf_counter() - started) * 1000,
            extra={
                "client": client_address(request),
                "status": response.status_code,
            },
        )
        return response


class PageHeadersMiddleware:
    """What every page says that Django's own middleware does not: that browsers and proxies
    keep no copy of it (each may show secret names, audit events or a form's one-time token, and
    a shared machine's next user must not find them in its cache), and that it uses none of the
    browser's devices. Static files are answered before this and stay cacheable."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class HtmxMessagesMiddleware:
    """Delivers Django messages to htmx requests as out-of-band toasts.

    A partial swap has no base template to show them, and redirects (htmx's own too) are left
    alone: the page they lead to shows the messages itself.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if (
            not getattr(request, "htmx", False)
            or not isinstance(response, HttpResponse)  # streaming: no content to add to
            or 300 <= response.status_code < 400
            or any(header in response for header in NAVIGATES)
            or not response.get("Content-Type", "").startswith("text/html")
        ):
            return response
        pending = list(messages.get_messages(request))
        if pending:
            response.content += render_to_string(
                "core/toasts_oob.html", {"messages": pending}, request=request
            ).encode()
        return response
