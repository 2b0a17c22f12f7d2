"""Gcore's timestamp format: ISO 8601 to the second with an explicit `+00:00` offset."""

from datetime import UTC, datetime


def isoformat(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def parse_datetime(value: str) -> datetime:
    """An ISO 8601 date-time; a naive one is UTC, as the vendor's Go client sends it without zone.

    Raises `ValueError` when `value` is not one.
    """
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if "T" not in value and " " not in value:
        raise ValueError("a date without a time")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
