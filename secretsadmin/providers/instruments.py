"""What every upstream call counts towards /metrics, as `ProviderCalls` makes it.

Labels are the provider, the configured account's name and the operation (the client's method,
`list_sets`, `create_secret`: never a path, which would name sets and secrets), plus a status:
all of them drawn from short lists fixed in the code or the configuration. Under gunicorn these
live in files shared by its workers (prometheus_client's multiprocess mode, set up in
gunicorn.conf.py), so a scrape sees every worker's calls whichever worker answers it.
"""

import httpx
from prometheus_client import Counter, Histogram

from .errors import MalformedResponse, ProviderError, Unavailable

LABELS = ("provider", "account", "operation")
# Up to the longest a call may take in all (its total timeout's default is 20 s).
BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0)

calls = Counter(
    "secretsadmin_upstream_calls",
    "Calls of a provider's API operation, each with its retries; refused ones (calls paused, "
    "no time left) too.",
    LABELS,
)
requests = Counter(
    "secretsadmin_upstream_requests",
    "HTTP requests sent to a provider (every attempt of a call), by the answer's status, or "
    "timeout, connect_error or broken_connection when there was none.",
    (*LABELS, "status"),
)
latency = Histogram(
    "secretsadmin_upstream_request_duration_seconds",
    "Time from sending a request to a provider to its answer or failure.",
    LABELS,
    buckets=BUCKETS,
)
errors = Counter(
    "secretsadmin_upstream_errors",
    "Calls that failed once their retries were spent: kind is answered (an error status, "
    "given in status), unavailable (no answer), malformed (an unreadable answer) or not_asked "
    "(calls paused, or the page out of time).",
    (*LABELS, "kind", "status"),
)


def no_answer(exc: httpx.TransportError, not_sent: tuple[type[Exception], ...]) -> str:
    """The status label of a request that got no answer."""
    if isinstance(exc, not_sent):
        return "connect_error"
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    return "broken_connection"


def failed(provider: str, account: str, operation: str, error: ProviderError) -> None:
    if isinstance(error, MalformedResponse):
        kind, status = "malformed", ""
    elif isinstance(error, Unavailable):
        kind, status = ("unavailable" if error.asked else "not_asked"), ""
    else:
        kind, status = "answered", str(error.status or "")
    errors.labels(provider, account, operation, kind, status).inc()
