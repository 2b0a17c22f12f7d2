"""Which of the watcher processes works: the one holding the lease.

On PostgreSQL the lease is a session-level advisory lock, held on a connection of its own for as
long as the process leads: PostgreSQL releases it when that session ends (the process died, the
connection dropped), and a follower's next try takes it. On SQLite it is an exclusive `flock` of
a file beside the database, which the kernel releases when the process dies."""

import fcntl
import hashlib
import logging
import os
import threading
from contextlib import suppress
from pathlib import Path
from typing import IO, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, InterfaceError, connections
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger(__name__)

# One advisory lock key for the watcher, the same in every replica (advisory locks are per
# database, so deployments sharing a server do not meet). Positive, so it reads back from
# pg_locks as its two 32-bit halves.
LOCK_KEY = int.from_bytes(hashlib.sha256(b"secretsadmin.watcher").digest()[:8]) >> 1
# libpq's: a lock connection whose server stops answering is given up within about 30 s, rather
# than the kernel's many minutes of retransmissions; the leader then stops until it reconnects.
LOCK_CONNECTION_OPTIONS = {
    "connect_timeout": 10,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,
}
HELD = (
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND pid = pg_backend_pid() AND objsubid = 1 "
    "AND (classid::bigint << 32 | objid::bigint) = %s)"
)


class Lease(Protocol):
    def acquire(self) -> bool:
        """Whether this process leads now: takes the lease if free, keeps it if held."""

    def held(self) -> bool:
        """Whether this process still leads (asked before each job)."""

    def release(self) -> None: ...


class AdvisoryLock:
    def __init__(self, alias: str = "default") -> None:
        self.alias = alias
        self._connection: BaseDatabaseWrapper | None = None
        self._leading = False
        # A job may ask `Context.leading()` from a thread of its own: one query at a time.
        self._asking = threading.Lock()

    def acquire(self) -> bool:
        if self._leading:
            return self.held()
        try:
            self._leading = bool(self._ask("SELECT pg_try_advisory_lock(%s)"))
        except (DatabaseError, InterfaceError) as exc:
            logger.warning("watcher lock: the database cannot be reached: %s", exc)
            self._drop()
        return self._leading

    def held(self) -> bool:
        if not self._leading:
            return False
        try:
            self._leading = bool(self._ask(HELD))
        except (DatabaseError, InterfaceError) as exc:
            logger.warning("watcher lock: its connection failed: %s", exc)
            self._drop()
        return self._leading

    def release(self) -> None:
        if self._leading:
            # Ending the session would release it too, but only once the server has seen the
            # session end: unlocked first, a follower may take it at once.
            with suppress(DatabaseError, InterfaceError):  # gone, and the lock with it
                self._ask("SELECT pg_advisory_unlock(%s)")
        self._drop()

    def _ask(self, query: str) -> object:
        with self._asking:
            if self._connection is None:
                # A copy of the configured connection, never Django's own: that one is closed and
                # reopened at will (CONN_MAX_AGE, a failed query), which would let the lock go.
                self._connection = connections[self.alias].copy()
                self._connection.settings_dict["OPTIONS"] = {
                    **self._connection.settings_dict.get("OPTIONS", {}),
                    **LOCK_CONNECTION_OPTIONS,
                }
                # Else a question from another thread would fail, and be taken for a lost lock.
                self._connection.inc_thread_sharing()
            with self._connection.cursor() as cursor:
                cursor.execute(query, [LOCK_KEY])
                row = cursor.fetchone()
            return row[0] if row else None

    def _drop(self) -> None:
        with self._asking:
            self._leading = False
            if self._connection is not None:
                with suppress(DatabaseError, InterfaceError):  # already gone: what closing wants
                    self._connection.close()
                self._connection = None


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def acquire(self) -> bool:
        if self._file is not None:
            return self.held()
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        if not self.held():  # locked a file another process had just deleted
            return False
        # Who leads, for a person looking: the lock is the flock, not this text.
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        return True

    def held(self) -> bool:
        """A flock lasts as long as its open file, but only guards the file still at the path: a
        file deleted or replaced meanwhile could be locked by another process."""
        if self._file is None:
            return False
        try:
            still_there = os.path.samestat(os.fstat(self._file.fileno()), os.stat(self.path))
        except FileNotFoundError:
            still_there = False
        if not still_there:
            self.release()
        return still_there

    def release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def lease_for(alias: str = "default") -> Lease:
    connection = connections[alias]
    if connection.vendor == "postgresql":
        return AdvisoryLock(alias)
    if connection.vendor == "sqlite":
        return FileLock(lock_file(str(connection.settings_dict["NAME"])))
    raise ImproperlyConfigured(
        f"The watcher runs on PostgreSQL or SQLite, not {connection.vendor}."
    )


def lock_file(database: str) -> Path:
    """Beside the SQLite database: the lock is of that database, wherever DATA_DIR points. An
    in-memory database has no file, so DATA_DIR holds its lock."""
    if database in ("", ":memory:") or database.startswith("file:"):
        return Path(settings.DATA_DIR) / "watch.lock"
    return Path(f"{database}.watch.lock")
