"""The watcher's life: each interval, lead if no other process does, and run a round if leading.

A follower does nothing but try again the next interval, so when the leader dies another takes
over within one interval. A leader that finds it lost the lease (its lock's connection dropped)
stops before its next job, and is a follower until it takes the lease again."""

import logging
import threading
import time
from collections.abc import Iterable
from typing import Literal

from .budget import Budget
from .context import Context
from .leadership import Lease
from .registry import Job
from .rounds import Round, run_round

logger = logging.getLogger(__name__)


class Watcher:
    def __init__(self, jobs: Iterable[Job], lease: Lease, budget: Budget, interval: float) -> None:
        self.jobs, self.lease, self.budget, self.interval = list(jobs), lease, budget, interval
        self.stopping = threading.Event()
        self._state: Literal["leading", "following"] | None = None
        self._rounds = 0  # rounds run since this process last took the lead

    def once(self) -> Round | None:
        """One round, if this process leads; None when another does (nothing was run)."""
        if not self._lead():
            return None
        started = time.monotonic()
        context = Context(self.budget, ends=started + self.interval, leading=self._still_leading)
        done = run_round(self._rounds, self.jobs, context, self.interval)
        self._rounds += 1
        return done

    def run(self) -> None:
        """Rounds every interval until `stopping` is set; then the lease is given up."""
        try:
            next_round = time.monotonic()
            while not self.stopping.is_set():
                self.once()
                # On the interval's beat; a round that overran it is followed at once.
                next_round = max(next_round + self.interval, time.monotonic())
                self.stopping.wait(next_round - time.monotonic())
        finally:
            self.release()

    def release(self) -> None:
        self.lease.release()
        if self._state == "leading":
            logger.info("watcher: stopped leading", extra={"event": "released"})
        self._state = None

    def _lead(self) -> bool:
        leading = self.lease.acquire()
        if leading and self._state != "leading":
            self._rounds = 0
            logger.info("watcher: leading (this process runs the jobs)", extra={"event": "leading"})
        elif not leading and self._state == "leading":
            self._lost()
        elif not leading and self._state is None:
            logger.info(
                "watcher: another process leads (or the lock cannot be reached); waiting",
                extra={"event": "following"},
            )
        self._state = "leading" if leading else "following"
        return leading

    def _still_leading(self) -> bool:
        if self.stopping.is_set() or self._state != "leading":
            return False
        if not self.lease.held():
            self._lost()
            self._state = "following"
            return False
        return True

    def _lost(self) -> None:
        logger.warning(
            "watcher: lost the lead (the lock's connection is gone); stopped until it is regained",
            extra={"event": "lost"},
        )
