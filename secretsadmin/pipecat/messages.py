"""What only Pipecat Cloud's refusals mean, in words a person can act on; the rest is said as
for every provider (`core.provider_errors`)."""

from secretsadmin.core.provider_errors import describe_change, what_happened
from secretsadmin.providers.errors import ProviderError
from secretsadmin.providers.pipecat import BadRequest, BadRequestReason, Conflict, NotFound

DELETES = ("delete_set", "delete_key")


def describe(error: ProviderError, *, set_name: str, key: str = "") -> str:
    """Why a change to set `set_name` (or to its `key`) failed."""
    subject = f"set {set_name}"
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
    if isinstance(error, NotFound) and error.operation in DELETES:
        gone = (
            f"Key {key} is already gone from {subject}"
            if key
            else f"Set {set_name} is already gone"
        )
        return f"{gone}. ({what_happened(error)})"
    if isinstance(error, Conflict):
        return (
            f"{what_happened(error)} Someone else is changing {subject} right now; nothing was "
            "changed. Try again."
        )
    return describe_change(error, f"key {key} of {subject}" if key else subject)
