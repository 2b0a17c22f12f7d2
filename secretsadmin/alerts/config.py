"""The alert channels, read from the environment: `ALERT_CHANNELS=ops,sec`, then per channel
`ALERT_CHANNEL_<NAME>_URL` ✱ (or `_URL_FILE`: a Slack or Teams webhook's URL is its credential),
`_SECRET` ✱ (or `_SECRET_FILE`, an `https://` webhook's signing key), and its route:
`_ACCOUNTS` and `_KINDS` (comma lists; all when unset)."""

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email

from secretsadmin.config import Config, Secret

from .kinds import KINDS

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
# The scheme as configured: how the alert is sent, and the scheme it is posted to.
SCHEMES: dict[str, tuple["Kind", str]] = {
    "https": ("webhook", "https"),
    "http": ("webhook", "http"),
    "slack+https": ("slack", "https"),
    "slack+http": ("slack", "http"),
    "teams+https": ("teams", "https"),
    "teams+http": ("teams", "http"),
}
Kind = Literal["email", "webhook", "slack", "teams"]


@dataclass(frozen=True)
class Channel:
    name: str
    kind: Kind
    url: Secret  # where to post, or the mailto: URL as configured
    recipients: tuple[str, ...] = ()  # an email channel's addresses
    secret: Secret | None = None  # a webhook's signing key
    accounts: frozenset[str] | None = None  # None: every account
    kinds: frozenset[str] | None = None  # None: every kind
    timeout: float = 10.0
    # The parts of the URL that are credentials in their own right, as an answer may echo them:
    # a Slack or Teams webhook's path and query, a webhook's query.
    credentials: tuple[Secret, ...] = ()

    def routes(self, kind: str, account: str) -> bool:
        """Whether an alert of `kind` on `account` goes to this channel."""
        return (self.accounts is None or account in self.accounts) and (
            self.kinds is None or kind in self.kinds
        )

    @property
    def destination(self) -> str:
        """Where it goes, as a page or a log may show it: the host alone, as a Slack or Teams
        webhook's path is its credential and a webhook's query may hold one."""
        if self.kind == "email":
            return ", ".join(self.recipients)
        parts = urlsplit(self.url.reveal())
        return f"{self.kind} {parts.scheme}://{parts.netloc}"

    @property
    def secrets(self) -> list[Secret]:
        """What must never be shown: for an error's redaction."""
        return [self.url, *self.credentials, *([self.secret] if self.secret else [])]


def channels(env: Config, accounts: Collection[str] | None = None) -> list[Channel]:
    """The channels named in ALERT_CHANNELS; with `accounts` (the configured accounts' names), a
    route naming any other stops start-up: a typo would send that account's alerts nowhere."""
    names = env.names("ALERT_CHANNELS", what="channel", example="ops,sec")
    return [_channel(env, name, accounts) for name in names]


def _channel(env: Config, name: str, accounts: Collection[str] | None) -> Channel:
    prefix = f"ALERT_CHANNEL_{name.upper().replace('-', '_')}"
    url = env.secret(f"{prefix}_URL")
    if not url:
        raise ImproperlyConfigured(f"{prefix}_URL (or {prefix}_URL_FILE) must be set.")
    secret = env.secret(f"{prefix}_SECRET")
    routed_accounts = _route(env, f"{prefix}_ACCOUNTS", accounts)
    routed_kinds = _route(env, f"{prefix}_KINDS", KINDS)
    timeout = env.number("ALERT_TIMEOUT_SECONDS", 10.0, minimum=0.1)
    raw = url.reveal()
    if raw.lower().startswith("mailto:"):
        recipients = _recipients(prefix, raw)
        if secret is not None:
            raise ImproperlyConfigured(f"{prefix}_SECRET is for https:// webhooks, not mailto:.")
        return Channel(
            name,
            "email",
            url,
            recipients=recipients,
            accounts=routed_accounts,
            kinds=routed_kinds,
            timeout=timeout,
        )
    parts = urlsplit(raw)
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when asked for it
    except ValueError:
        raise ImproperlyConfigured(f"{prefix}_URL has a port that is not a number.") from None
    if parts.scheme not in SCHEMES or not parts.hostname:
        # The value itself is not shown: a webhook's URL is a credential.
        raise ImproperlyConfigured(
            f"{prefix}_URL must be mailto:a@example.com,b@example.com, https://host/path (a "
            "signed JSON webhook), slack+https://hooks.slack.com/… or teams+https://…."
        )
    kind, scheme = SCHEMES[parts.scheme]
    if parts.username or parts.password:
        raise ImproperlyConfigured(
            f"{prefix}_URL must not carry credentials: a webhook is signed with {prefix}_SECRET."
        )
    if scheme == "http" and parts.hostname not in LOOPBACK:
        raise ImproperlyConfigured(
            f"{prefix}_URL must be https: plain http would carry the alert (and a Slack or Teams "
            "webhook's credential) in clear, and is taken only for a receiver on this host."
        )
    if kind == "webhook" and not secret:
        raise ImproperlyConfigured(
            f"{prefix}_SECRET (or {prefix}_SECRET_FILE) must be set: the receiver of an "
            "https:// webhook checks each alert's signature with it."
        )
    if kind != "webhook" and secret is not None:
        raise ImproperlyConfigured(
            f"{prefix}_SECRET is for https:// webhooks: a {kind} webhook is not signed."
        )
    posted = Secret(scheme + raw[len(parts.scheme) :])
    query = f"?{parts.query}" if parts.query else ""
    hidden = [query] if kind == "webhook" else [parts.path + query, parts.path]
    credentials = [Secret(part) for part in dict.fromkeys(hidden) if len(part.strip("/?")) >= 4]
    # Masked in every log line too, as each value read with env.secret is.
    env.secrets.extend([*([posted] if posted != url else []), *credentials])
    return Channel(
        name,
        kind,
        posted,
        secret=secret,
        accounts=routed_accounts,
        kinds=routed_kinds,
        timeout=timeout,
        credentials=tuple(credentials),
    )


def _recipients(prefix: str, url: str) -> tuple[str, ...]:
    addresses = [unquote(a).strip() for a in url[len("mailto:") :].split("?")[0].split(",")]
    addresses = [a for a in addresses if a]
    if not addresses:
        raise ImproperlyConfigured(f"{prefix}_URL must name at least one address: mailto:a@x.")
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            raise ImproperlyConfigured(
                f"{prefix}_URL: {address!r} is not an email address."
            ) from None
    return tuple(addresses)


def _route(env: Config, name: str, known: Collection[str] | None) -> frozenset[str] | None:
    values = env.strings(name)
    if not values:
        return None
    if known is not None and (unknown := [v for v in values if v not in known]):
        raise ImproperlyConfigured(
            f"{name} names {', '.join(map(repr, unknown))}, which is not one of "
            f"{', '.join(sorted(known)) or '(none configured)'}."
        )
    return frozenset(values)
