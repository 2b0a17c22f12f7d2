"""What a request's forwarded headers may be believed: only what a trusted proxy sent."""

import ipaddress

from django.conf import settings

# The forwarded headers read without asking who sent them: the scheme (Django's
# SECURE_PROXY_SSL_HEADER) and the client's address. The SSO identity headers are not among them:
# HeaderSSOMiddleware must see them to record the attempt.
FORWARDED_META_KEYS = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_FOR")


def from_trusted_proxy(request) -> bool:
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(peer in network for network in settings.TRUSTED_PROXIES)


def client_address(request) -> str:
    """The client's address: the proxy's `X-Forwarded-For` entry when the peer is a trusted proxy.

    The right-most address not itself a trusted proxy is the one our proxy saw; anything left of
    it was written by the client and proves nothing.
    """
    peer = request.META.get("REMOTE_ADDR", "")
    if not from_trusted_proxy(request):
        return peer
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for candidate in reversed([part for part in forwarded if part]):
        try:
            address = ipaddress.ip_address(candidate)
        except ValueError:
            break
        if not any(address in network for network in settings.TRUSTED_PROXIES):
            return str(address)
    return peer
