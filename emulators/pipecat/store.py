"""The organisations' secret sets, their provisioning lifecycle and the rules on changing them.

Provisioning is not simulated by a worker: a set records when its provisioning ends and how, and
its status is read from the clock, so a manual clock steps through it deterministically.
"""

from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum

from ..clock import Clock
from .validation import INCOMPLETE_IMAGE_PULL, ImagePullUpsert, RegularUpsert


class SetType(StrEnum):
    REGULAR = "secret"
    IMAGE_PULL = "imagePullSecret"


DEFAULT_FAILURE_MESSAGE = "Secret set could not be provisioned. Please retry or contact support."


class Rejected(Exception):
    """A request the state forbids, with the provider's answer."""

    def __init__(self, status: int, message: str, code: str) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


@dataclass
class SecretSet:
    name: str
    type: SetType
    region: str
    changed_at: float
    provisioned_at: float  # when the current provisioning ends
    failure: str | None = None  # how it ends, when it fails
    values: dict[str, str] = field(default_factory=dict, repr=False)  # regular sets
    host: str | None = None  # image pull secrets
    credentials: str | None = field(default=None, repr=False)  # image pull secrets

    def status(self, now: float) -> str:
        if now < self.provisioned_at:
            return "pending"
        return "failed" if self.failure else "ready"

    def summary(self, now: float) -> dict:
        """The set as `GET /secrets` lists it."""
        return {"name": self.name, "type": self.type, "region": self.region, **self._state(now)}

    def detail(self, now: float) -> dict:
        """The set as `GET /secrets/{name}` shows it: key names, never values."""
        keys = [{"fieldName": key} for key in sorted(self.values)]
        return {"region": self.region, **self._state(now), "secrets": keys}

    def _state(self, now: float) -> dict:
        status = self.status(now)
        if status == "failed":
            return {"status": status, "errorMessage": self.failure}
        return {"status": status}


class SecretStore:
    def __init__(
        self,
        clock: Clock,
        provisioning_delay: float,
        conflict_window: float,
        default_region: str,
    ) -> None:
        self.clock = clock
        self.default_region = default_region
        self._configured = (provisioning_delay, conflict_window)
        self.provisioning_delay, self.conflict_window = self._configured
        self._default_regions: dict[str, str] = {}
        self._sets: dict[str, dict[str, SecretSet]] = {}
        self._failures: deque[str] = deque()

    def clear(self) -> None:
        """Back to the state and timings the store was built with."""
        self.provisioning_delay, self.conflict_window = self._configured
        self._sets.clear()
        self._default_regions.clear()
        self._failures.clear()

    # -- organisation settings --------------------------------------------------------------------

    def default_region_of(self, org: str) -> str:
        return self._default_regions.get(org, self.default_region)

    def set_default_region(self, org: str, region: str) -> None:
        self._default_regions[org] = region

    def fail_next_provisioning(self, times: int, message: str) -> None:
        if times < 1:
            raise ValueError("times must be at least 1")
        self._failures.extend([message] * times)

    # -- reading ----------------------------------------------------------------------------------

    def sets(self, org: str) -> list[SecretSet]:
        # In the order they were created: the API promises no order, and its documented example
        # is not alphabetical, so a client must not find them sorted for it.
        return list(self._sets.get(org, {}).values())

    def get(self, org: str, name: str) -> SecretSet | None:
        return self._sets.get(org, {}).get(name)

    # -- changing ---------------------------------------------------------------------------------

    def add(self, org: str, secret_set: SecretSet) -> None:
        """Store a set as it is, for seeding."""
        self._sets.setdefault(org, {})[secret_set.name] = secret_set

    def upsert(self, org: str, name: str, change: RegularUpsert | ImagePullUpsert) -> SecretSet:
        existing = self.get(org, name)
        kind = SetType.IMAGE_PULL if isinstance(change, ImagePullUpsert) else SetType.REGULAR
        region = change.region or (existing.region if existing else self.default_region_of(org))
        if existing:
            _check_compatible(existing, kind, region)
            self._check_not_in_flight(existing)
        now = self.clock.now()
        secret_set = existing or SecretSet(name, kind, region, now, now)
        if isinstance(change, ImagePullUpsert):
            secret_set.host, secret_set.credentials = change.host, change.credentials
        else:
            secret_set.values.update(change.secrets)
        secret_set.changed_at = now
        secret_set.provisioned_at = now + self.provisioning_delay
        secret_set.failure = self._failures.popleft() if self._failures else None
        self.add(org, secret_set)
        return secret_set

    def delete(self, org: str, name: str) -> None:
        secret_set = self._existing(org, name, "Set not found")
        self._check_not_in_flight(secret_set)
        del self._sets[org][name]

    def delete_key(self, org: str, name: str, key: str) -> None:
        """Removes one key; the set stays, even with no key left, and keeps its status."""
        secret_set = self._existing(org, name, "Secret not found")
        if key not in secret_set.values:
            raise Rejected(404, "Secret not found", "NOT_FOUND")
        self._check_not_in_flight(secret_set)
        del secret_set.values[key]
        secret_set.changed_at = self.clock.now()

    def _existing(self, org: str, name: str, not_found: str) -> SecretSet:
        secret_set = self.get(org, name)
        if secret_set is None:
            raise Rejected(404, not_found, "NOT_FOUND")
        return secret_set

    def _check_not_in_flight(self, secret_set: SecretSet) -> None:
        if self.clock.now() - secret_set.changed_at < self.conflict_window:
            raise Rejected(
                409,
                f"Secret set '{secret_set.name}' was modified concurrently. Please retry.",
                "CONFLICT",
            )


def _check_compatible(existing: SecretSet, kind: SetType, region: str) -> None:
    if existing.type == SetType.REGULAR and kind == SetType.IMAGE_PULL:
        message = "Cannot update existing regular secrets to image pull secrets"
        raise Rejected(400, message, "GENERIC_BAD_REQUEST")
    if existing.type == SetType.IMAGE_PULL and kind == SetType.REGULAR:
        raise Rejected(400, INCOMPLETE_IMAGE_PULL, "GENERIC_BAD_REQUEST")
    if region != existing.region:
        raise Rejected(
            400,
            f"Secret already exists in region '{existing.region}'. "
            f"Cannot change region to '{region}'.",
            "GENERIC_BAD_REQUEST",
        )
