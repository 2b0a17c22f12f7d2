"""Times as people read them in a list: "3 min ago", with the exact time on hover; or exactly.

A stored time the database held as no time (`audit.fields.Unreadable`, text) is shown as
unreadable, with what was stored.
"""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import format_html
from django.utils.safestring import SafeString

from secretsadmin.core import invisible

register = template.Library()

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR
# Beyond this a count of days is harder to place than the date itself.
DAYS_SHOWN = 30
# Under this the difference is the clocks' as much as the event's.
JUST_NOW = 5
# Of a stored time that is no time, this much is shown: anything may have been written there.
UNREADABLE_SHOWN = 64


def describe(seconds: float) -> str:
    """A signed difference (positive: in the past) in the largest unit that is at least one."""
    past = seconds >= 0
    whole = int(abs(seconds))
    if whole < JUST_NOW:
        return "just now"
    if whole < MINUTE:
        amount = f"{whole} s"
    elif whole < HOUR:
        amount = f"{whole // MINUTE} min"
    elif whole < DAY:
        amount = f"{whole // HOUR} h"
    else:
        days = whole // DAY
        amount = f"{days} day{'' if days == 1 else 's'}"
    return f"{amount} ago" if past else f"in {amount}"


@register.filter
def relative_time(value: datetime | str | None, now: datetime | None = None) -> SafeString | str:
    """`<time>` naming how long ago (or how soon) `value` is; its title is the exact local time
    with the zone. A time DAYS_SHOWN days away or more shows its date instead."""
    if isinstance(value, str):
        return unreadable(value)
    if not isinstance(value, datetime):
        return ""
    seconds = ((now or timezone.now()) - value).total_seconds()
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        # HTML allows at most three digits of a second.
        value.isoformat(timespec="milliseconds"),
        format_date(local, "Y-m-d H:i:s T"),
        format_date(local, "Y-m-d") if abs(seconds) >= DAYS_SHOWN * DAY else describe(seconds),
    )


@register.filter
def exact_time(value: datetime | str | None, shape: str = "Y-m-d H:i:s.u T") -> SafeString | str:
    """`<time>` giving the exact local time (to the microsecond, unless `shape` says) and its
    zone."""
    if isinstance(value, str):
        return unreadable(value)
    if not isinstance(value, datetime):
        return ""
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}">{}</time>', format_date(local, "c"), format_date(local, shape)
    )


def unreadable(stored: str) -> SafeString:
    shown = stored if len(stored) <= UNREADABLE_SHOWN else stored[:UNREADABLE_SHOWN] + "…"
    return format_html(
        '<span class="unreadable-time">unreadable time: <code>{}</code></span>',
        invisible.shown(shown),
    )
