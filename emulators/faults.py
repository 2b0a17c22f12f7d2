"""Scripted faults: the next N calls of an operation misbehave in a chosen way."""

import threading
from dataclasses import dataclass


class DropConnection(Exception):
    """Raised by an emulator app to make its server close the socket without answering."""


@dataclass
class Fault:
    operation: str  # an operation name of the emulator, or "*" for any
    times: int = 1
    status: int | None = None  # answer this status with the provider's error body
    retry_after: int | None = None  # seconds, sent as Retry-After (with 429 or 503)
    delay: float = 0.0  # seconds of added latency before the answer
    drop: bool = False  # close the connection without an answer
    malformed: bool = False  # answer 200 with a body that is not JSON
    message: str | None = None  # the error body's message, e.g. one echoing what was sent
    # The call is carried out first, then answered as above: a 5xx or a dropped connection after
    # the provider stored the change, which a client cannot tell from one before it.
    after_effect: bool = False

    @classmethod
    def from_dict(cls, data: dict) -> "Fault":
        known = cls.__dataclass_fields__.keys()
        unknown = set(data) - set(known)
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        return cls(**data)


class FaultPlan:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        if fault.times < 1:
            raise ValueError("a fault must apply at least once")
        with self._lock:
            self._faults.append(fault)

    def take(self, operation: str) -> Fault | None:
        """The first pending fault for this operation, counted as used once."""
        with self._lock:
            for fault in self._faults:
                if fault.operation in (operation, "*"):
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
