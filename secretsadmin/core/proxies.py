"""What a request's forwarded headers may be believed: only what a trusted proxy sent."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

# The forwarded headers read without asking who sent them: the scheme (Django's
# SECURE_PROXY_SSL_HEADER) and the client's address. The SSO identity headers are not among them:
# HeaderSSOMiddleware must see them to record the attempt.
FORWARDED_META_KEYS = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_FOR")


def from_trusted_proxy(request: HttpRequest) -> bool:
    remote = request.META.get("REMOTE_ADDR", "")
    if remote == "":
        # gunicorn on a Unix socket: only processes allowed to open the socket file connect,
        # the reverse proxy in front of it; gunicorn trusts them likewise.
        return True
    peer = _address(remote)
    return peer is not None and any(peer in network for network in settings.TRUSTED_PROXIES)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address, with an IPv4 client of an IPv6 socket (`::ffff:10.1.2.3`) as plain IPv4, as
    TRUSTED_PROXIES names it."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return getattr(address, "ipv4_mapped", None) or address


def client_address(request: HttpRequest) -> str:
    """The client's address: the proxy's `X-Forwarded-For` entry when the peer is a trusted proxy.

    The right-most address not itself a trusted proxy is the one our proxy saw; anything left of
    it was written by the client and proves nothing.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    peer = str(_address(remote) or remote)
    if not from_trusted_proxy(request):
        return peer
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for candidate in reversed([part for part in forwarded if part]):
        address = _address(candidate)
        if address is None:
            break
        if not any(address in network for network in settings.TRUSTED_PROXIES):
            return str(address)
    return peer
