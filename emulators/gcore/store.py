"""Secrets, the load balancers using them, and the tasks that change them, evaluated lazily
against the app's clock.

A write only queues a task; its effect lands the first time anything looks at the store after the
task's finishing time. No thread moves state, so a manual clock steps through NEW, RUNNING and
FINISHED (or ERROR) exactly.
"""

import itertools
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .balancers import UPDATES, BalancerStore
from .timefmt import isoformat

CREATE = "create_secret"
DELETE = "delete_secret"


@dataclass
class Secret:
    id: str
    project_id: int
    region_id: int
    name: str
    secret_type: str
    created: datetime
    content_type: str
    # Only ever held here: no answer, log or repr carries it.
    payload: bytes = field(repr=False, compare=False)
    expiration: datetime | None = None
    algorithm: str | None = None
    bit_length: int | None = None
    mode: str | None = None

    def to_api(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "secret_type": self.secret_type,
            "status": "ACTIVE",
            "created": isoformat(self.created),
            "expiration": isoformat(self.expiration) if self.expiration else None,
            "algorithm": self.algorithm,
            "bit_length": self.bit_length,
            "mode": self.mode,
            "content_types": {"default": self.content_type},
        }


@dataclass
class Task:
    id: str
    task_type: str
    project_id: int
    region_id: int
    user_id: int
    client_id: int
    resource_id: str  # the secret a create or delete is about; the listener or pool updated
    started_at: float  # app clock
    created_on: datetime  # wall clock
    queue_seconds: float
    run_seconds: float
    data: dict
    secret: Secret | None = None  # what a create task adds when it finishes
    planned_error: str | None = None
    error: str | None = None
    settled: bool = False
    sequence: int = 0  # submission order, to settle tasks finishing at the same instant

    @property
    def running_at(self) -> float:
        return self.started_at + self.queue_seconds

    @property
    def finishes_at(self) -> float:
        return self.running_at + self.run_seconds

    @property
    def finished_on(self) -> datetime:
        return self.created_on + timedelta(seconds=self.queue_seconds + self.run_seconds)

    def state(self, now: float) -> str:
        """The state at `now`, once the store has settled up to `now`."""
        if now < self.running_at:
            return "NEW"
        if not self.settled:
            return "RUNNING"
        return "ERROR" if self.error else "FINISHED"

    def to_api(self, now: float) -> dict:
        state = self.state(now)
        done = state in ("FINISHED", "ERROR")
        if done:
            updated = self.finished_on
        elif state == "RUNNING":
            updated = self.created_on + timedelta(seconds=self.queue_seconds)
        else:
            updated = self.created_on
        created_resources = None
        if state == "FINISHED" and self.task_type == CREATE:
            created_resources = {"secrets": [self.resource_id]}
        return {
            "id": self.id,
            "task_type": self.task_type,
            "state": state,
            "detailed_state": state if done else None,
            "error": self.error if done else None,
            "created_resources": created_resources,
            "data": self.data,
            "project_id": self.project_id,
            "region_id": self.region_id,
            "user_id": self.user_id,
            "client_id": self.client_id,
            "user_client_id": self.client_id,
            "request_id": None,
            "job_id": None,
            "schedule_id": None,
            "lifecycle_policy_id": None,
            "acknowledged_at": None,
            "acknowledged_by": None,
            "created_on": isoformat(self.created_on),
            "updated_on": isoformat(updated),
            "finished_on": isoformat(self.finished_on) if done else None,
        }


class SecretStore:
    def __init__(self) -> None:
        self._secrets: dict[str, Secret] = {}
        self._tasks: dict[str, Task] = {}
        # (the task type it is for, or None for any; the error it ends with), in order
        self._failures: deque[tuple[str | None, str]] = deque()
        self._sequence = itertools.count()
        # What references the secrets; a listener's update is a task of this store's too.
        self.balancers = BalancerStore()

    def clear(self) -> None:
        self.balancers.clear()
        self._secrets.clear()
        self._tasks.clear()
        self._failures.clear()

    # -- secrets -------------------------------------------------------------------------------

    def add_secret(self, secret: Secret) -> None:
        self._secrets[secret.id] = secret

    def secrets_in(self, project_id: int, region_id: int) -> list[Secret]:
        found = [
            s
            for s in self._secrets.values()
            if (s.project_id, s.region_id) == (project_id, region_id)
        ]
        # Oldest first, as Barbican lists; insertion order breaks ties.
        return sorted(found, key=lambda s: s.created)

    def secret(self, project_id: int, region_id: int, secret_id: str) -> Secret | None:
        secret = self._secrets.get(secret_id)
        if secret and (secret.project_id, secret.region_id) == (project_id, region_id):
            return secret
        return None

    # -- tasks ---------------------------------------------------------------------------------

    def fail_next_tasks(self, count: int, message: str, task_type: str | None = None) -> None:
        """The next `count` tasks of `task_type` (of any type, without one) end in ERROR."""
        if count < 1:
            raise ValueError("count must be at least 1")
        self._failures.extend([(task_type, message)] * count)

    def submit(self, task: Task, *, may_fail: bool = True) -> Task:
        """Queue `task`; `may_fail=False` keeps seeded history clear of `fail_next_tasks`."""
        if may_fail:
            task.planned_error = self._planned_failure(task.task_type)
        task.sequence = next(self._sequence)
        self._tasks[task.id] = task
        return task

    def _planned_failure(self, task_type: str) -> str | None:
        for planned in self._failures:
            if planned[0] in (None, task_type):
                self._failures.remove(planned)
                return planned[1]
        return None

    def task(self, task_id: str) -> Task | None:
        return self._tasks.get(task_id)

    def tasks(self) -> list[Task]:
        return list(self._tasks.values())

    def settle(self, now: float) -> None:
        """Apply, in finishing order, every task whose time has come."""
        due = [t for t in self._tasks.values() if not t.settled and t.finishes_at <= now]
        for task in sorted(due, key=lambda t: (t.finishes_at, t.sequence)):
            task.error = task.planned_error or self._apply(task)
            if task.error and task.task_type in UPDATES:
                self.balancers.release(task.resource_id)
            task.settled = True

    def _apply(self, task: Task) -> str | None:
        if task.task_type == CREATE:
            assert task.secret is not None
            task.secret.created = task.finished_on
            self.add_secret(task.secret)
            return None
        if task.task_type in UPDATES:
            return self.balancers.apply(task.task_type, task.resource_id, task.data)
        if self.secret(task.project_id, task.region_id, task.resource_id) is None:
            return f"Secret {task.resource_id} could not be found"
        del self._secrets[task.resource_id]
        return None
