"""The audit log's sinks, read from the environment: `AUDIT_SINKS=siem,archive`, then per sink
`AUDIT_SINK_<NAME>_URL` (`syslog://host:port`, `syslog+tls://host:port`, `https://…`), `_CA_FILE`,
`_VERIFY`, `_HEADER` and `_TOKEN` ✱ (or `_TOKEN_FILE`)."""

from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from secretsadmin.config import Config, Secret

SCHEMES = {"syslog": "syslog", "syslog+tls": "syslog", "https": "https", "http": "https"}
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
Kind = Literal["syslog", "https"]


@dataclass(frozen=True)
class Sink:
    name: str
    kind: Kind
    url: str
    tls: bool
    ca_file: str | None = None
    verify: bool = True
    header: str = "Authorization"
    token: Secret | None = None
    timeout: float = 10.0

    @property
    def destination(self) -> str:
        """Where it goes, as a page may show it: no credentials, no query."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}{parts.path}"

    @property
    def address(self) -> tuple[str, int]:
        parts = urlsplit(self.url)
        return parts.hostname or "", parts.port or 0


def sinks(env: Config) -> list[Sink]:
    names = env.names("AUDIT_SINKS", what="sink", example="siem,archive")
    return [_sink(env, name) for name in names]


def _sink(env: Config, name: str) -> Sink:
    prefix = f"AUDIT_SINK_{name.upper().replace('-', '_')}"
    url = env.required(f"{prefix}_URL")
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise ImproperlyConfigured(
            f"{prefix}_URL must be syslog://host:port, syslog+tls://host:port or https://host/path."
        )
    if parts.username or parts.password:
        raise ImproperlyConfigured(
            f"{prefix}_URL must not carry credentials: put the collector's token in {prefix}_TOKEN."
        )
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        raise ImproperlyConfigured(
            f"{prefix}_URL must be https://: plain http:// would carry the log and the token in "
            "clear, and is taken only for a collector on this host."
        )
    kind: Kind = "syslog" if SCHEMES[parts.scheme] == "syslog" else "https"
    if kind == "syslog" and not port:
        raise ImproperlyConfigured(
            f"{prefix}_URL must name the syslog port, e.g. syslog://host:514."
        )
    ca_file = env.string(f"{prefix}_CA_FILE") or None
    if ca_file is not None and not Path(ca_file).is_file():
        raise ImproperlyConfigured(f"{prefix}_CA_FILE names {ca_file!r}, which cannot be read.")
    return Sink(
        name=name,
        kind=kind,
        url=url,
        tls=parts.scheme in ("syslog+tls", "https"),
        ca_file=ca_file,
        verify=env.boolean(f"{prefix}_VERIFY", True),
        header=env.header(f"{prefix}_HEADER") or "Authorization",
        token=env.secret(f"{prefix}_TOKEN"),
        timeout=env.number("AUDIT_SINK_TIMEOUT_SECONDS", 10.0, minimum=0.1),
    )
