"""What to tell a person when Pipecat Cloud refuses or fails, in words they can act on."""

from secretsadmin.providers.pipecat import (
    BadRequest,
    BadRequestReason,
    Conflict,
    MalformedResponse,
    NotFound,
    PipecatError,
    RateLimited,
    Unauthorized,
)


def describe(error: PipecatError, *, set_name: str = "", key: str = "") -> str:
    subject = f"set {set_name}" if set_name else "the set"
    if isinstance(error, BadRequest):
        if error.reason == BadRequestReason.REGION_CHANGE:
            return (
                f"Set {set_name} lives in {error.current_region}; a set's region cannot change. "
                "Create a new set to use another region."
            )
        if error.reason == BadRequestReason.TYPE_CHANGE:
            return (
                f"Set {set_name} is of another type; a set's type cannot change between secrets "
                "and image pull secret. Use another name."
            )
        if error.reason == BadRequestReason.INVALID_REGION:
            return "Pipecat Cloud does not offer that region to this organisation. Pick another."
        if error.reason == BadRequestReason.IMAGE_PULL_NOT_READABLE:
            return f"{subject.capitalize()} is an image pull secret, whose keys are never listed."
        return f"Pipecat Cloud refused the request: {error.message}"
    if isinstance(error, Unauthorized):
        return (
            f"The API key of account {error.account} was refused by Pipecat Cloud. "
            "Ask an administrator to check it; nothing was changed."
        )
    if isinstance(error, NotFound):
        if key:
            return f"Key {key} is already gone from {subject}."
        return f"{subject.capitalize()} is already gone." if set_name else "Already gone."
    if isinstance(error, Conflict):
        return f"Someone else is changing {subject} right now; nothing was changed. Try again."
    if isinstance(error, RateLimited):
        wait = f" in {error.retry_after:.0f} seconds" if error.retry_after else " in a moment"
        return f"Pipecat Cloud is limiting requests; nothing was changed. Try again{wait}."
    if isinstance(error, MalformedResponse):
        if error.may_have_applied:
            return (
                f"Pipecat Cloud took the request but its answer could not be read: the change to "
                f"{subject} may have been made. Check the set before trying again."
            )
        return "Pipecat Cloud sent an answer that could not be read. Try again later."
    if error.may_have_applied:
        return (
            f"Pipecat Cloud did not answer in time: the change to {subject} may have been made. "
            "Check the set before trying again."
        )
    return "Pipecat Cloud did not answer; nothing was changed. Try again later."


def describe_read(error: PipecatError) -> str:
    if isinstance(error, Unauthorized):
        return f"The API key of account {error.account} was refused by Pipecat Cloud."
    if isinstance(error, RateLimited):
        return "Pipecat Cloud is limiting requests. The page will work again in a moment."
    if isinstance(error, MalformedResponse):
        return "Pipecat Cloud sent an answer that could not be read. Try again later."
    return "Pipecat Cloud did not answer. Try again in a moment."
