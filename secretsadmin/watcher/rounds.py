"""One round: each job due, in turn, each on its own (a job that fails is logged and the next
one runs), for as long as this process leads."""

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import close_old_connections

from . import records
from .context import Context
from .registry import Job

logger = logging.getLogger(__name__)


@dataclass
class Round:
    number: int
    ran: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    # Jobs not started: this process lost the lead during the round, or is stopping.
    left: list[str] = field(default_factory=list)


def run_round(number: int, jobs: Iterable[Job], context: Context, interval: float) -> Round:
    done = Round(number)
    started = time.monotonic()
    for job in jobs:
        if not job.due(number, interval):
            continue
        if done.left or not context.leading():
            done.left.append(job.name)
            continue
        if _run(job, context):
            done.ran.append(job.name)
        else:
            done.failed.append(job.name)
    elapsed = _ms(started)
    records.round_ended(elapsed / 1000)
    records.calls_made()
    logger.log(
        logging.WARNING if done.failed or done.left else logging.INFO,
        "watcher round %d: %d job(s) done, %d failed%s in %.0f ms",
        number,
        len(done.ran),
        len(done.failed),
        f", {len(done.left)} not started (the lead was lost, or the watcher is stopping)"
        if done.left
        else "",
        elapsed,
        extra={"event": "round", "round": number, "duration_ms": elapsed},
    )
    return done


def _run(job: Job, context: Context) -> bool:
    started = time.monotonic()
    # A connection the database dropped since the last round is replaced, not failed on.
    close_old_connections()
    error: Exception | None = None
    try:
        job.run(context)
    except Exception as exc:
        error = exc
    finally:
        close_old_connections()
    elapsed = _ms(started)
    records.job_ended(job.name, elapsed / 1000, failed=error is not None)
    outcome = "done" if error is None else "failed"
    logger.log(
        logging.INFO if error is None else logging.ERROR,
        "watcher job %s %s in %.0f ms",
        job.name,
        outcome,
        elapsed,
        exc_info=error,
        extra={"event": "job", "job": job.name, "outcome": outcome, "duration_ms": elapsed},
    )
    return error is None


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)
