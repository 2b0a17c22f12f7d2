"""How long the page being served may still wait for providers, across every call it makes.

The request's middleware sets the deadline (`within`); each call to a provider waits no longer
than what is left of it, retries included, so that a provider that hangs holds a server thread
for one page's deadline at most, not for every attempt of every call the page makes.
"""

import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar, copy_context

_deadline: ContextVar[float | None] = ContextVar("provider_deadline", default=None)


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Calls made inside wait `seconds` in all at most (or less, if an outer deadline says so)."""
    outer = _deadline.get()
    ends = time.monotonic() + seconds
    token = _deadline.set(ends if outer is None else min(outer, ends))
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining() -> float | None:
    """Seconds left, or None when no deadline is set (a management command, say)."""
    ends = _deadline.get()
    return None if ends is None else ends - time.monotonic()


def at_once[A, R](call: Callable[[A], R], items: Sequence[A], *, workers: int) -> list[R]:
    """`call` of each item, `workers` at a time, in the order of `items`. A new thread starts
    with an empty context: each runs in a copy of the caller's, or its calls would ignore the
    page's deadline (and its log lines lose the request's id)."""
    if not items:
        return []
    # One copy per call: a context cannot be entered by two threads at once.
    contexts = [copy_context() for _ in items]
    with ThreadPoolExecutor(max(1, min(workers, len(items)))) as pool:
        return list(pool.map(lambda context, item: context.run(call, item), contexts, items))
