"""Typed errors of the Pipecat Cloud client, built from the API's `{error, code}` bodies.

Each is also the provider-neutral error of `..errors` of its kind, so that shared code (pages, the
audit trail) needs to know nothing of Pipecat; what only Pipecat says, the reason of a 400, is
here. No error ever holds the API key: the client puts it only in the `Authorization` header.
"""

import re
from enum import StrEnum

from .. import errors


class PipecatError(errors.ProviderError):
    """Base of every Pipecat Cloud failure."""

    provider = "Pipecat Cloud"


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


class BadRequest(PipecatError, errors.BadRequest):
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


class Unauthorized(PipecatError, errors.Unauthorized):
    pass


class NotFound(PipecatError, errors.NotFound):
    pass


class Conflict(PipecatError, errors.Conflict):
    """Another change to the set was in flight on every attempt (a set's PUT or DELETE)."""


# The document gives the 409 of a deploy no body; the emulator's wording names the set, which is
# shown when an answer does so, and never needed to tell what the 409 means.
_SET_NOT_READY = re.compile(r"set '(?P<name>[^']*)' is not yet ready", re.IGNORECASE)


class SetNotReady(Conflict):
    """A deploy refused with 409: a set it binds is still provisioning (or failed to). Nothing
    was deployed; retry once the set is `ready`."""

    @property
    def set_name(self) -> str | None:
        """The set, when the answer names it."""
        match = _SET_NOT_READY.search(self.message)
        return match["name"] if match else None


def deploy_error(error: PipecatError) -> PipecatError:
    """`error` of a deploy, as the narrower kind its status tells: a deploy's only conflict is
    a set it binds that is not ready. Its 404 is the agent's or a set's alike ("Agent or
    referenced secret not found"): which one, only a read of the agent tells, not the message."""
    if isinstance(error, Conflict):
        return error.as_a(SetNotReady)
    return error


class RateLimited(PipecatError, errors.RateLimited):
    pass


class ServerError(PipecatError, errors.ServerError):
    pass


class Unavailable(PipecatError, errors.Unavailable):
    pass


class MalformedResponse(PipecatError, errors.MalformedResponse):
    pass
