"""Trusted reverse-proxy header SSO (oauth2-proxy, Pomerium, Authelia style)."""

import logging

from django.conf import settings
from django.contrib import auth
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponseForbidden
from django.http.response import HttpResponseBase

from secretsadmin.core.middleware import GetResponse
from secretsadmin.core.proxies import from_trusted_proxy

from . import identity_names
from .denials import forbidden, record_denial
from .models import ExternalIdentity
from .provisioning import Identity, IdentityRefused, provision, split_groups

logger = logging.getLogger(__name__)
BACKEND = "secretsadmin.accounts.backends.TrustedHeaderBackend"
METHOD = "sso-header"


def meta_key(header: str) -> str:
    return "HTTP_" + header.upper().replace("-", "_")


def _header(request: HttpRequest, key: str) -> str:
    """A header's value as the proxy wrote it: a WSGI server hands on each byte as a Latin-1
    character, and proxies send names in UTF-8 ("Zoë" would be "ZoÃ«"). Bytes that are no UTF-8
    are read as Latin-1."""
    value = request.META.get(key, "")
    try:
        return str(value.encode("latin-1").decode("utf-8"))
    except UnicodeError:
        return str(value)


class HeaderSSOMiddleware:
    """Logs in the user named by the proxy's header, only when the peer is a trusted proxy.

    The header from any other address is ignored, logged and audited. An empty header ends an
    SSO session; a different user in the header replaces the session's user (a name differing in
    case only is the same user). A name that belongs to an account the header did not create (a
    local one), or that could pass for another, is refused, and ends the session too.
    """

    def __init__(self, get_response: GetResponse) -> None:
        if not settings.SSO_USER_HEADER:
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.user_key = meta_key(settings.SSO_USER_HEADER)
        self.email_key = meta_key(settings.SSO_EMAIL_HEADER) if settings.SSO_EMAIL_HEADER else None
        self.groups_key = (
            meta_key(settings.SSO_GROUPS_HEADER) if settings.SSO_GROUPS_HEADER else None
        )

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if from_trusted_proxy(request):
            try:
                self._apply(request)
            except IdentityRefused as refused:
                return self._refuse(request, refused)
        else:
            if self.user_key in request.META:
                self._ignore_untrusted(request)
            if request.session.get("auth_method") == METHOD:
                self._end_session_off_the_proxy(request)
        return self.get_response(request)

    def _apply(self, request: HttpRequest) -> None:
        username = _header(request, self.user_key).strip()
        sso_session = request.session.get("auth_method") == METHOD
        if not username:
            if request.user.is_authenticated and sso_session:
                auth.logout(request)
            return
        groups = split_groups(_header(request, self.groups_key)) if self.groups_key else []
        email = _header(request, self.email_key).strip() if self.email_key else ""
        if (
            request.user.is_authenticated
            and identity_names.key(request.user.get_username()) == identity_names.key(username)
            and request.session.get("sso_groups") == groups
            # Flags granted by hand since the last sync are taken back at once.
            and not (request.user.is_staff or request.user.is_superuser)
        ):
            return
        user = provision(
            request,
            Identity(
                source=ExternalIdentity.Source.HEADER,
                issuer="",
                # The header vouches for a name, whatever its case: "Alice" is alice.
                subject=identity_names.key(username),
                username=username,
                email=email,
                groups=tuple(groups),
            ),
        )
        if request.user.is_authenticated and request.user.pk == user.pk:
            request.session["sso_groups"] = groups  # roles re-synced; same session
            request.user = user  # this request already runs with them, not the stale copy
            return
        auth.login(request, user, backend=BACKEND)
        request.session["sso_groups"] = groups

    def _refuse(self, request: HttpRequest, refused: IdentityRefused) -> HttpResponseForbidden:
        # Whoever was signed in here, the proxy now vouches for someone else.
        if request.user.is_authenticated:
            auth.logout(request)
        return forbidden(request, message=str(refused), shown=refused.shown, code=refused.code)

    def _end_session_off_the_proxy(self, request: HttpRequest) -> None:
        """The proxy vouches for an SSO session at every request (and ends it with an empty
        header): the same cookie sent around it would escape both, so it is ended here."""
        record_denial(
            request,
            code="sso_session_off_the_proxy",
            message="an SSO session was used from an address that is not a trusted proxy: "
            "signed out",
        )
        auth.logout(request)

    def _ignore_untrusted(self, request: HttpRequest) -> None:
        logger.warning(
            "ignored the %s header from %s, which is not a trusted proxy",
            settings.SSO_USER_HEADER,
            request.META.get("REMOTE_ADDR"),
        )
        record_denial(
            request,
            code="untrusted_identity_header",
            message=f"{settings.SSO_USER_HEADER} header from an address that is not a trusted "
            "proxy was ignored",
        )
