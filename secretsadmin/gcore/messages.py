"""What Gcore Cloud's refusals of a change mean, in words a person can act on; the rest is said as
for every provider (`core.provider_errors`)."""

from secretsadmin.core.provider_errors import describe_change, what_happened
from secretsadmin.providers.errors import ProviderError
from secretsadmin.providers.gcore import BadRequest, Conflict, NotFound


def describe(error: ProviderError, *, subject: str, deleting: bool = False) -> str:
    """Why a change to `subject` ("the secret www-example-com") failed."""
    if isinstance(error, BadRequest):
        if error.invalid_fields:
            refused = "; ".join(
                f"{field}: {' '.join(problems)}" for field, problems in error.invalid_fields.items()
            )
            return (
                f"Gcore Cloud refused {subject} (HTTP {error.status}): {refused}. Nothing was "
                "changed: correct it and send it again."
            )
        return f"{what_happened(error)} Nothing was changed: correct it and send it again."
    if isinstance(error, NotFound) and deleting:
        return f"{subject[0].upper()}{subject[1:]} is already gone. ({what_happened(error)})"
    if isinstance(error, Conflict):
        return (
            f"{what_happened(error)} Gcore Cloud is busy with {subject} (another change to it, "
            "or a load balancer using it); nothing was changed. Try again once that is done."
        )
    return describe_change(error, subject)
