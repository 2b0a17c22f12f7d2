"""What can go wrong when the dashboard calls a provider: one hierarchy for every provider.

Each provider's client raises these (or subclasses of its own, for what only it can say); pages
and the audit trail need nothing but what is here: whether the provider answered (`status`), its
code, words and request id, and whether a change may have been made anyway (`may_have_applied`:
the audit outcome is then unknown, not failed). No error ever holds an API key.
"""

from typing import Any


class ProviderError(Exception):
    provider = "The provider"  # its name as people know it; each provider's base class sets it

    def __init__(
        self,
        message: str,
        *,
        account: str,
        operation: str,
        status: int | None = None,
        code: str = "",
        request_id: str = "",
        may_have_applied: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message  # the provider's own words, or what happened on the network
        self.account = account
        self.operation = operation
        self.status = status  # None when nothing answered
        self.code = code
        self.request_id = request_id  # the provider's, when it gave one
        self.may_have_applied = may_have_applied

    def __str__(self) -> str:
        answer = f"HTTP {self.status} {self.code}".rstrip() if self.status else "no answer"
        return f"{self.provider} ({self.account}) {self.operation}: {answer}: {self.message}"

    def as_a[E: ProviderError](self, kind: type[E]) -> E:
        """The same answer, as the error it is where it was met (a list's 404 says nothing of
        the thing looked for in it)."""
        return _rebuilt(kind, self.__dict__.copy())

    def __reduce__(self) -> tuple[Any, ...]:
        # Shared reads keep failures in the cache, which pickles them; the default rebuilds an
        # exception from its positional arguments alone, and these take keywords.
        return _rebuilt, (type(self), self.__dict__.copy())


def _rebuilt[E: ProviderError](kind: type[E], state: dict[str, Any]) -> E:
    error = kind.__new__(kind)
    Exception.__init__(error, state["message"])
    error.__dict__.update(state)
    return error


class BadRequest(ProviderError):
    """A 400 or 422: the provider refused what was asked."""


class Unauthorized(ProviderError):
    """The account's API key was refused (401), or may not do this (403)."""


class NotFound(ProviderError):
    pass


class Conflict(ProviderError):
    """Another change to the same thing was in flight."""


class RateLimited(ProviderError):
    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after  # seconds, when the provider said


class ServerError(ProviderError):
    """A 5xx answer; after a write the change may have been made before the failure."""


class Unavailable(ProviderError):
    """No answer: a connection that could not be made (`reached` false), broke or timed out;
    or no call at all (`asked` false): calls to the account are paused, or the page had used up
    its time to wait for providers."""

    def __init__(
        self, message: str, *, reached: bool = True, asked: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        self.reached = reached
        self.asked = asked


class MalformedResponse(ProviderError):
    """An answer that is not what the provider documents."""
