"""Relative times in lists: "3 min ago", the exact time with its zone on hover."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template import engines
from django.utils import timezone

from secretsadmin.core.templatetags.times import relative_time

NOW = datetime(2026, 3, 14, 12, 0, 0, 250_000, tzinfo=UTC)


def shown(**ago) -> str:
    """The words shown for a moment that long before NOW (negative: after)."""
    html = relative_time(NOW - timedelta(**ago), NOW)
    return html.split(">", 1)[1].removesuffix("</time>")


@pytest.mark.parametrize(
    ("ago", "words"),
    [
        ({"seconds": 0}, "just now"),
        ({"seconds": 4.9}, "just now"),
        ({"seconds": 5}, "5 s ago"),
        ({"seconds": 59.9}, "59 s ago"),
        ({"seconds": 60}, "1 min ago"),
        ({"minutes": 3, "seconds": 59}, "3 min ago"),
        ({"minutes": 59, "seconds": 59}, "59 min ago"),
        ({"hours": 1}, "1 h ago"),
        ({"hours": 23, "minutes": 59}, "23 h ago"),
        ({"days": 1}, "1 day ago"),
        ({"days": 2}, "2 days ago"),
        ({"days": 29, "hours": 23}, "29 days ago"),
    ],
)
def test_a_past_time_is_named_in_its_largest_whole_unit(ago, words):
    assert shown(**ago) == words


@pytest.mark.parametrize(
    ("ahead", "words"),
    [
        ({"seconds": 3}, "just now"),
        ({"seconds": 30}, "in 30 s"),
        ({"minutes": 3}, "in 3 min"),
        ({"hours": 5, "minutes": 1}, "in 5 h"),
        ({"days": 12}, "in 12 days"),
    ],
)
def test_a_future_time_says_how_soon(ahead, words):
    assert shown(**{unit: -amount for unit, amount in ahead.items()}) == words


def test_a_time_a_month_away_or_more_shows_its_date():
    assert shown(days=30) == "2026-02-12"
    assert shown(days=-45) == "2026-04-28"


def test_the_exact_time_and_its_zone_are_in_the_element():
    with timezone.override("Europe/Berlin"):
        html = relative_time(NOW - timedelta(minutes=3), NOW)
    assert html == (
        '<time datetime="2026-03-14T11:57:00.250+00:00" title="2026-03-14 12:57:00 CET">'
        "3 min ago</time>"
    )


def test_the_filter_in_a_template_measures_from_the_present():
    template = engines["django"].from_string("{% load times %}{{ when|relative_time }}")
    assert ">2 h ago</time>" in template.render({"when": timezone.now() - timedelta(hours=2)})
    assert template.render({"when": None}) == ""
