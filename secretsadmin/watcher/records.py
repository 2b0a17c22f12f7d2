"""Writing down each round and job as it ends (see `models`). A database that refuses is logged
and the watcher carries on: its jobs matter more than their tally."""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import DatabaseError, IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone

from .models import JobRuns, Rounds

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
