"""Typed errors of the Gcore Cloud client, built from the API's
`{exception_class, message, request_id}` bodies.

Each is also the provider-neutral error of `..errors` of its kind; the `code` is Gcore's
`exception_class` and the `request_id` Gcore's own, which its support asks for.
"""

from typing import Any

from .. import errors


class GcoreError(errors.ProviderError):
    """Base of every Gcore Cloud failure."""

    provider = "Gcore Cloud"


class BadRequest(GcoreError, errors.BadRequest):
    """`invalid_fields` names each refused field with Gcore's words for it, when it says."""

    def __init__(
        self,
        message: str,
        *,
        invalid_fields: dict[str, tuple[str, ...]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.invalid_fields = invalid_fields or {}


class Unauthorized(GcoreError, errors.Unauthorized):
    pass


class NotFound(GcoreError, errors.NotFound):
    pass


class Conflict(GcoreError, errors.Conflict):
    pass


class RateLimited(GcoreError, errors.RateLimited):
    pass


class ServerError(GcoreError, errors.ServerError):
    pass


class Unavailable(GcoreError, errors.Unavailable):
    pass


class MalformedResponse(GcoreError, errors.MalformedResponse):
    pass
