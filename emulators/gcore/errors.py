"""Gcore's error body: `{"exception_class", "message", "request_id", "info"?, "invalid_fields"?}`.

`ValidationError`, `NotFoundError` and `HTTPError` (405) are the vendor's documented classes; the
others are plausible names for statuses the documentation lists without an example.
"""

import uuid

from ..wsgi import HTTPError, Response

EXCEPTION_CLASSES = {
    400: "ValidationError",
    401: "AuthenticationFailed",
    403: "PermissionDenied",
    404: "NotFoundError",
    405: "HTTPError",
    409: "ConflictError",
    422: "ValidationError",
    429: "TooManyRequests",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


def error_response(
    status: int, message: str, exception_class: str | None = None, **extra: object
) -> Response:
    body = {
        "exception_class": exception_class or EXCEPTION_CLASSES.get(status, "HTTPError"),
        "message": message,
        # 32 hex digits, as in the vendor's examples.
        "request_id": uuid.uuid4().hex,
        **extra,
    }
    return Response(status, body)


def not_found(kind: str, identifier: object) -> HTTPError:
    return HTTPError(error_response(404, f"{kind} {identifier} could not be found"))


def invalid(invalid_fields: dict[str, list[str]]) -> HTTPError:
    message = f"Validation Error: {invalid_fields!r}"
    return HTTPError(error_response(400, message, invalid_fields=invalid_fields))
