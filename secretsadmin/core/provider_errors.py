"""What to tell a person when a provider fails, whichever provider: what happened (it answered
with an error, and which; it did not answer; it could not be reached) and what follows."""

from http import HTTPStatus

from secretsadmin.providers.errors import (
    MalformedResponse,
    ProviderError,
    RateLimited,
    Unauthorized,
    Unavailable,
)


def headline(error: ProviderError) -> str:
    """What happened, in a few words: "Pipecat Cloud could not be reached"."""
    if isinstance(error, Unavailable):
        return f"{error.provider} {'did not answer' if error.reached else 'could not be reached'}"
    if isinstance(error, MalformedResponse):
        return f"{error.provider} sent an answer that could not be read"
    return f"{error.provider} answered with an error"


def what_happened(error: ProviderError) -> str:
    if isinstance(error, Unavailable | MalformedResponse):
        return f"{headline(error)} ({error.message})."
    return f"{headline(error)}: {answered(error)}."


def answered(error: ProviderError) -> str:
    """`HTTP 500 Internal Server Error: the provider's words`."""
    try:
        phrase = HTTPStatus(error.status or 0).phrase
    except ValueError:
        phrase = ""
    status = f"HTTP {error.status} {phrase}".rstrip()
    words = error.message.strip()
    return f"{status}: {words}" if words and words.lower() != phrase.lower() else status


def describe_read(error: ProviderError) -> str:
    """A page that could not be read: what happened, and what to do."""
    if isinstance(error, Unauthorized):
        return (
            f"{what_happened(error)} The API key of account {error.account} was refused: "
            "ask an administrator to check it."
        )
    return f"{what_happened(error)} {try_again(error)}"


def describe_change(error: ProviderError, subject: str) -> str:
    """A change that failed: what happened, and whether the change may have been made."""
    if isinstance(error, Unauthorized):
        return (
            f"{what_happened(error)} The API key of account {error.account} was refused: ask "
            "an administrator to check it. Nothing was changed."
        )
    if error.may_have_applied:
        return (
            f"{what_happened(error)} The change to {subject} may have been made: check it "
            "before trying again."
        )
    return f"{what_happened(error)} Nothing was changed. {try_again(error)}"


def try_again(error: ProviderError) -> str:
    if isinstance(error, RateLimited) and error.retry_after:
        return f"Try again in {error.retry_after:.0f} seconds."
    return "Try again in a moment."
