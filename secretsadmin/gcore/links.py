"""Which Gcore Cloud page an audit event opens (`audit.links`)."""

import uuid

from secretsadmin.audit.models import AuditEvent

from . import actions


def secret_page(event: AuditEvent) -> dict[str, str]:
    """The page of the secret an event names by id. An event naming no id, as a create does
    until its task has made the secret, opens nothing: no arguments, which the URL refuses."""
    try:
        canonical = str(uuid.UUID(event.target_id)) == event.target_id
    except ValueError:
        canonical = False
    if not canonical or event.action in actions.SWITCHES:  # a listener or pool: no page here
        return {}
    return {"account": event.account, "region_id": event.region, "secret_id": event.target_id}
