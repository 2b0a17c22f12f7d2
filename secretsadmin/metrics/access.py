"""Who may scrape: whoever sends `Authorization: Bearer <METRICS_TOKEN>`; nobody without one."""

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from secretsadmin.accounts.denials import record_denial

REALM = 'Bearer realm="secretsadmin metrics"'


def refusal(request: HttpRequest) -> HttpResponse | None:
    """The answer to a request that may not scrape; None for one that may."""
    token = settings.METRICS_TOKEN
    if not token:
        return _plain(
            403, "/metrics is off: no METRICS_TOKEN (or METRICS_TOKEN_FILE) is configured.\n"
        )
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        response = _plain(401, "/metrics needs a bearer token: Authorization: Bearer <token>.\n")
        response["WWW-Authenticate"] = REALM
        return response
    # Compared in constant time: how long a refusal takes says nothing of how much was right.
    if not hmac.compare_digest(given.strip().encode(), token.reveal().encode()):
        record_denial(request, message="a wrong metrics token", code="metrics_token")
        response = _plain(401, "/metrics refused: that token is not METRICS_TOKEN.\n")
        response["WWW-Authenticate"] = f'{REALM}, error="invalid_token"'
        return response
    return None


def _plain(status: int, text: str) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
