"""The id of the request being served, for log lines, responses and (later) audit events."""

import re
import uuid
from contextvars import ContextVar

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
# A proxy's id is kept only if it cannot smuggle anything into a log line or a header.
ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:@/+=-]{8,128}$")

current: ContextVar[str] = ContextVar("request_id", default="-")


def new() -> str:
    return uuid.uuid4().hex


def get() -> str:
    return current.get()
