"""How an event is shown: the verdict of a value check, the page of what an event names."""

from django import template

from .. import links, value_checks
from ..fingerprints import Verdict
from ..models import AuditEvent

register = template.Library()


@register.filter
def target_url(event: AuditEvent) -> str:
    return links.target_url(event)


@register.filter
def verdict(event: AuditEvent) -> Verdict | None:
    return value_checks.verdict_of(event)
