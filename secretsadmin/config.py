"""Typed reading of the environment, with a clear message for every bad value.

django-environ parses the URLs; these helpers add what it lacks: booleans that refuse anything but
a boolean, `*_FILE` variants for every secret (Docker and Kubernetes secrets), and errors that name
the variable at fault. Secrets come back wrapped in `Secret`, which never prints its value.
"""

import ipaddress
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, overload

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}
# A name a list variable gives a thing configured under variables of its own (AUDIT_SINKS=siem).
NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$")


class Secret:
    """A secret value that shows as `********` in reprs, logs, debug pages and templates."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__


class Config:
    def __init__(self, environ_: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ_ is None else environ_
        self.secrets: list[Secret] = []  # every secret read, for the log redaction filter

    def _raw(self, name: str) -> str | None:
        return self.environ.get(name)

    @overload
    def string(self, name: str, default: str) -> str: ...
    @overload
    def string(self, name: str, default: None = None) -> str | None: ...
    def string(self, name: str, default: str | None = None) -> str | None:
        value = self._raw(name)
        return default if value is None else value.strip()

    def required(self, name: str) -> str:
        value = self.string(name)
        if not value:
            raise ImproperlyConfigured(f"{name} must be set.")
        return value

    @overload
    def secret(self, name: str, default: str) -> Secret: ...
    @overload
    def secret(self, name: str, default: None = None) -> Secret | None: ...
    def secret(self, name: str, default: str | None = None) -> Secret | None:
        """`NAME`, or the contents of the file named by `NAME_FILE`; not both."""
        value = self._raw(name)
        path = self._raw(f"{name}_FILE")
        if value is not None and path is not None:
            raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both.")
        if path is not None:
            try:
                value = Path(path).read_text().strip()
            except OSError as exc:
                raise ImproperlyConfigured(
                    f"{name}_FILE names {path!r}, which cannot be read: {exc.strerror}."
                ) from exc
            if not value:
                raise ImproperlyConfigured(f"{name}_FILE names {path!r}, which is empty.")
        if value is None:
            value = default
        if value is None:
            return None
        secret = Secret(value.strip())
        if secret:
            self.secrets.append(secret)
        return secret

    def provided(self, name: str) -> bool:
        """Whether `NAME` has a value or `NAME_FILE` names one: for choosing between variables."""
        return bool(self.string(name)) or self._raw(f"{name}_FILE") is not None

    def boolean(self, name: str, default: bool) -> bool:
        value = self._raw(name)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in TRUE:
            return True
        if lowered in FALSE:
            return False
        raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")

    def integer(self, name: str, default: int, *, minimum: int | None = None) -> int:
        value = self._raw(name)
        if value is None or not value.strip():
            return default
        try:
            number = int(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
        if minimum is not None and number < minimum:
            raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
        return number

    def number(self, name: str, default: float, *, minimum: float = 0.0) -> float:
        value = self._raw(name)
        if value is None or not value.strip():
            return default
        try:
            number = float(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name} must be a number, not {value!r}.") from None
        if number < minimum:
            raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
        return number

    def strings(self, name: str, default: list[str] | None = None) -> list[str]:
        value = self._raw(name)
        if value is None:
            return list(default or [])
        return [item.strip() for item in value.split(",") if item.strip()]

    def names(self, name: str, *, what: str, example: str) -> list[str]:
        """A comma list of names for things configured each under their own variables (a sink,
        a channel): lower-case letters, digits and '-', at most 32 characters, each once."""
        names = self.strings(name)
        for item in names:
            if not NAME.fullmatch(item) or names.count(item) > 1:
                raise ImproperlyConfigured(
                    f"{name}: {item!r} is not a {what} name (lower-case letters, digits and "
                    f"'-', at most 32 characters, each named once), e.g. {example}."
                )
        return names

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        """One of `choices`, in any case; returned as spelt in `choices`."""
        value = (self.string(name) or default).lower()
        for choice in choices:
            if value == choice.lower():
                return choice
        raise ImproperlyConfigured(
            f"{name} must be one of {', '.join(choices)}, not {self._raw(name)!r}."
        )

    def header(self, name: str) -> str:
        """The name of an HTTP header, or "" when not set."""
        value = self.string(name, "")
        if "_" in value:
            raise ImproperlyConfigured(
                f"{name} must name a header with dashes, such as {value.replace('_', '-')!r}, "
                f"not {value!r}: gunicorn drops headers whose names contain underscores."
            )
        return value

    def networks(
        self, name: str, default: list[str]
    ) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        networks = []
        for item in self.strings(name, default):
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ImproperlyConfigured(
                    f"{name} must list IP networks such as 10.0.0.0/8, not {item!r}."
                ) from None
        return networks

    def database(self, name: str, default: str) -> dict[str, Any]:
        url = self._url(name, default)
        try:
            config: dict[str, Any] = environ.Env.db_url_config(url)
        except (ImproperlyConfigured, KeyError, ValueError) as exc:
            raise ImproperlyConfigured(
                f"{name} is not a database URL Django can use ({_scheme(url)}): {exc}."
            ) from None
        if config.get("ENGINE") not in environ.Env.DB_SCHEMES.values():
            raise ImproperlyConfigured(f"{name} has an unknown database scheme {_scheme(url)}.")
        return config

    def cache(self, name: str, default: str) -> dict[str, Any]:
        url = self._url(name, default)
        try:
            config: dict[str, Any] = environ.Env.cache_url_config(url)
        except (ImproperlyConfigured, KeyError, ValueError) as exc:
            raise ImproperlyConfigured(
                f"{name} is not a cache URL Django can use ({_scheme(url)}): {exc}."
            ) from None
        return config

    def _url(self, name: str, default: str) -> str:
        secret = self.secret(name)  # URLs may carry passwords
        url = secret.reveal() if secret else default
        if "://" not in url:
            raise ImproperlyConfigured(
                f"{name} must be a URL such as postgres://user@host:5432/db, not {_scheme(url)}."
            )
        return url


def _scheme(url: str) -> str:
    """The part of a URL safe to show in a message: never its credentials."""
    scheme, sep, _ = url.partition("://")
    return f"{scheme}://…" if sep else "a value without a scheme"
