"""`{% changes_in_flight account %}`: the badges of the account's changes whose tasks run, for the
pages that show its secrets (the list at its top; a secret's page, `target_id` its id)."""

from typing import Any

from django import template
from django.conf import settings

from secretsadmin.gcore import changes, selectors

register = template.Library()


@register.inclusion_tag("gcore/changes_in_flight.html")
def changes_in_flight(account: str, target_id: str = "") -> dict[str, Any]:
    found = changes.in_flight(account, target_id=str(target_id))
    names = selectors.region_names(account) if found else {}
    return {
        "account": account,
        "poll_seconds": settings.GCORE_POLL_SECONDS,
        "changes": [
            {
                "progress": progress,
                "region_name": names.get(progress.region_id, f"Region {progress.region_id}"),
            }
            for progress in found
        ],
    }
