"""Writing down each round and job as it ends (see `models`). A database that refuses is logged
and the watcher carries on: its jobs matter more than their tally."""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import DatabaseError, IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone
from prometheus_client import REGISTRY

from .models import JobRuns, Rounds, UpstreamCalls

logger = logging.getLogger(__name__)
ROUNDS_ID = 1


def round_ended(seconds: float) -> None:
    ended = timezone.now()
    _tally(
        Rounds,
        {"pk": ROUNDS_ID},
        counts={"count": 1},
        last={
            "last_started": ended - timedelta(seconds=seconds),
            "last_ended": ended,
            "last_seconds": seconds,
        },
    )


# What this process had counted when it last wrote its calls down: each round adds what is new.
_written: dict[tuple[str, str, str], tuple[float, float]] = {}


def count_calls_from_now() -> None:
    """Counts only the calls made from now on as the watcher's (its process may have made
    others before it began watching)."""
    _written.update(_counted())


def calls_made() -> None:
    """Adds the upstream calls this process made since it last did (its jobs' calls, counted by
    `providers.instruments`) to the database's tally."""
    for key, (calls, errors) in _counted().items():
        before_calls, before_errors = _written.get(key, (0.0, 0.0))
        new_calls, new_errors = calls - before_calls, errors - before_errors
        if new_calls or new_errors:
            provider, account, operation = key
            _tally(
                UpstreamCalls,
                {"provider": provider, "account": account, "operation": operation},
                counts={"calls": int(new_calls), "errors": int(new_errors)},
                last={},
            )
            _written[key] = (calls, errors)


# The counters every provider's calls count towards (`providers.instruments`), by name: the
# watcher reads its own process's, knowing no provider.
COUNTED = {"secretsadmin_upstream_calls": 0, "secretsadmin_upstream_errors": 1}


def _counted() -> dict[tuple[str, str, str], tuple[float, float]]:
    found: dict[tuple[str, str, str], list[float]] = {}
    for family in REGISTRY.collect():
        at = COUNTED.get(family.name)
        if at is None:
            continue
        for sample in family.samples:
            if not sample.name.endswith("_total"):
                continue
            labels = sample.labels
            key = (labels["provider"], labels["account"], labels["operation"])
            found.setdefault(key, [0.0, 0.0])[at] += sample.value
    return {key: (calls, errors) for key, (calls, errors) in found.items()}


def job_ended(job: str, seconds: float, *, failed: bool) -> None:
    _tally(
        JobRuns,
        {"job": job},
        counts={"runs": 1, "failures": int(failed), "seconds": seconds},
        last={"last_ended": timezone.now(), "last_seconds": seconds, "last_failed": failed},
    )


def _tally(
    model: type[models.Model],
    key: dict[str, object],
    *,
    counts: dict[str, float],
    last: dict[str, datetime | float | bool],
) -> None:
    """Adds `counts` to the row's and sets `last`, in one statement: the row may be another
    process's as well (a new leader carries on the old one's tally)."""
    added: dict[str, object] = {name: F(name) + amount for name, amount in counts.items()}
    try:
        if model._default_manager.filter(**key).update(**added, **last):
            return
        create: Callable[..., object] = model._default_manager.create
        try:
            with transaction.atomic():
                create(**key, **counts, **last)
        except IntegrityError:  # created meanwhile: add to it
            model._default_manager.filter(**key).update(**added, **last)
    except DatabaseError as exc:
        logger.warning("watcher: its rounds could not be recorded for /metrics: %s", exc)
