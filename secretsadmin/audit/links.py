"""The page of what an event names: a provider's set or secret, or the event a check was about.

The audit app knows no provider. Each provider's app registers its target page when it starts
(`AppConfig.ready`), one line:

    links.register("pipecat", "pipecat:set", accounts=selectors.account_names)

An event names its target as it was: the account may no longer be configured and the name may no
longer be one the page's URL accepts. Then there is no link, rather than a link to an error.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import NoReverseMatch, Resolver404, get_script_prefix, resolve, reverse

from . import value_checks
from .models import AuditEvent

Arguments = Callable[[AuditEvent], dict[str, str]]


def by_name(event: AuditEvent) -> dict[str, str]:
    """A page found by account and name, the target as the event recorded it."""
    return {"account": event.account, "name": event.target}


@dataclass(frozen=True)
class TargetPage:
    url_name: str
    accounts: Callable[[], Iterable[str]]  # the accounts configured now
    arguments: Arguments


_pages: dict[str, TargetPage] = {}


def register(
    provider: str,
    url_name: str,
    *,
    accounts: Callable[[], Iterable[str]],
    arguments: Arguments = by_name,
) -> None:
    """Links `provider`'s events to `url_name`, reversed with `arguments(event)`."""
    _pages[provider] = TargetPage(url_name, accounts, arguments)


def target_url(event: AuditEvent) -> str:
    """The URL of what `event` names, or "" when there is nothing to open."""
    checked = value_checks.checked_sequence(event)
    if checked is not None:
        return reverse("audit:detail", args=[checked])
    page = _pages.get(event.provider)
    if page is None or not event.target:
        return ""
    if event.account not in page.accounts():
        return ""
    try:
        url = reverse(page.url_name, kwargs=page.arguments(event))
        # reverse() checks a URL part's pattern only; resolving runs its converter's whole rule.
        resolve("/" + url.removeprefix(get_script_prefix()))
    except (NoReverseMatch, Resolver404):
        return ""
    return url
