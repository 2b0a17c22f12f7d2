"""Typed errors of the Pipecat Cloud client, built from the API's `{error, code}` bodies.

`message` is the provider's own words (or, when nothing answered, what happened on the network);
views turn the type and `reason` into a sentence a person can act on. No error ever holds the API
key: the client puts it only in the `Authorization` header.
"""

import re
from enum import StrEnum


class PipecatError(Exception):
    """Base of every failure; `may_have_applied` is true when a change may have been made anyway
    (the audit outcome is then unknown, not failed)."""

    def __init__(
        self,
        message: str,
        *,
        account: str,
        operation: str,
        status: int | None = None,
        code: str = "",
        may_have_applied: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.account = account
        self.operation = operation
        self.status = status
        self.code = code
        self.may_have_applied = may_have_applied

    def __str__(self) -> str:
        answer = f"HTTP {self.status} {self.code}".rstrip() if self.status else "no answer"
        return f"Pipecat Cloud ({self.account}) {self.operation}: {answer}: {self.message}"


class BadRequestReason(StrEnum):
    REGION_CHANGE = "region_change"
    TYPE_CHANGE = "type_change"
    INVALID_REGION = "invalid_region"
    IMAGE_PULL_NOT_READABLE = "image_pull_not_readable"
    INVALID_FORMAT = "invalid_format"
    OTHER = "other"


# The documented 400 messages; matched loosely so that small rewordings still classify.
_REGION_CHANGE = re.compile(
    r"already exists in region '(?P<current>[^']*)'.*change region to '(?P<requested>[^']*)'",
    re.IGNORECASE | re.DOTALL,
)
_REASONS = [
    (re.compile(r"cannot update existing regular secrets to image pull", re.I), "type_change"),
    (re.compile(r"invalid region", re.I), "invalid_region"),
    (re.compile(r"cannot retrieve image pull secrets", re.I), "image_pull_not_readable"),
    (re.compile(r"invalid request format", re.I), "invalid_format"),
]
# The API answers a regular PUT on an image pull set with the image pull body's own complaint.
_INCOMPLETE_IMAGE_PULL = re.compile(r"must provide isImagePullSecret", re.IGNORECASE)


class BadRequest(PipecatError):
    @property
    def reason(self) -> BadRequestReason:
        if _REGION_CHANGE.search(self.message):
            return BadRequestReason.REGION_CHANGE
        if _INCOMPLETE_IMAGE_PULL.search(self.message) and self.operation == "upsert_set":
            return BadRequestReason.TYPE_CHANGE
        for pattern, reason in _REASONS:
            if pattern.search(self.message):
                return BadRequestReason(reason)
        return BadRequestReason.OTHER

    @property
    def current_region(self) -> str | None:
        """The region the set lives in, when a change of region was refused."""
        match = _REGION_CHANGE.search(self.message)
        return match["current"] if match else None

    @property
    def requested_region(self) -> str | None:
        match = _REGION_CHANGE.search(self.message)
        return match["requested"] if match else None


class Unauthorized(PipecatError):
    """The account's API key was refused (401), or may not do this (403)."""


class NotFound(PipecatError):
    pass


class Conflict(PipecatError):
    """Another change to the set was in flight on every attempt."""


class RateLimited(PipecatError):
    def __init__(self, message: str, *, retry_after: float | None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after  # seconds, when the API said


class ServerError(PipecatError):
    """A 5xx answer; after a write the change may have been made before the failure."""


class Unavailable(PipecatError):
    """No answer: a connection that failed, broke or timed out."""


class MalformedResponse(PipecatError):
    """An answer that is not what the API documents."""
