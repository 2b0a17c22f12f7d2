"""Gcore's own audit log, "user actions" (`GET /cloud/v1/user_actions`, the SDK's
`cloud.audit_logs`): one entry for each change a key asks for, naming who asked (user, email,
token), from where (address, User-Agent), and the task that carries it out.

An entry is written when the change is accepted, whatever its task then does, as the request is
what the log records. Its timestamp is shown to the second, as every time the emulator shows, but
filtered on as it was: a client asking from the moment it began a change finds that change, even
in the same second.

Choices where the vendor is silent: the newest come first unless `order_by` (or the deprecated
`sorting`) says `asc`; `search_field` matches part of a resource's name, in any case; an
`action_type` or `api_group` the emulator never writes matches nothing rather than being refused;
a listing without `limit` is whole, as the emulator's secrets are.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from .balancers import UPDATE_LISTENER, UPDATE_POOL
from .store import CREATE, DELETE
from .timefmt import isoformat, parse_datetime
from .validation import ValidationFailed

ActionType = Literal["create", "delete", "update"]
ApiGroup = Literal["lblistener", "lbpool", "secret"]
ResourceType = Literal["lblistener", "lbpool", "secret"]
# What each task type is in the log: (action_type, api_group, resource_type).
ACTIONS: dict[str, tuple[ActionType, ApiGroup, ResourceType]] = {
    CREATE: ("create", "secret", "secret"),
    DELETE: ("delete", "secret", "secret"),
    UPDATE_LISTENER: ("update", "lblistener", "lblistener"),
    UPDATE_POOL: ("update", "lbpool", "lbpool"),
}
ORDERS = ("asc", "desc")


@dataclass(frozen=True)
class UserAction:
    id: str
    action_type: str
    api_group: str
    resource_type: str
    resource_id: str
    search_field: str | None  # the resource's name, when it has one
    timestamp: datetime  # wall clock
    user_id: int
    email: str
    token_id: int
    client_id: int
    project_id: int
    region_id: int
    task_id: str
    source_user_ip: str | None
    user_agent: str | None

    def to_api(self) -> dict:
        return {
            "id": self.id,
            "acknowledged": False,  # no subscriber receives the emulator's log
            "action_data": None,
            "action_type": self.action_type,
            "api_group": self.api_group,
            "client_id": self.client_id,
            "email": self.email,
            "is_complete": True,
            "issued_by_user_id": self.user_id,
            "project_id": self.project_id,
            "region_id": self.region_id,
            "resources": [
                {
                    "resource_id": self.resource_id,
                    "resource_type": self.resource_type,
                    "resource_body": None,
                    "search_field": self.search_field,
                }
            ],
            "source_user_ip": self.source_user_ip,
            "task_id": self.task_id,
            "timestamp": isoformat(self.timestamp),
            "token_id": self.token_id,
            "total_price": None,
            "user_agent": self.user_agent,
            "user_id": self.user_id,
        }


def select(
    actions: list[UserAction], query: dict[str, list[str]], projects: frozenset[int]
) -> list[UserAction]:
    """The entries of `projects` that the list request's `query` asks for, in its order; list
    filters are sent repeated (`?resource_id=a&resource_id=b`) and match any of their values."""
    chosen = _Filters(query)
    wanted = [a for a in actions if a.project_id in projects and chosen.match(a)]
    wanted.sort(key=lambda a: a.timestamp)  # stable: entries of one instant keep their order
    return wanted if chosen.order == "asc" else wanted[::-1]


class _Filters:
    """A list request's filters; `ValidationFailed` names every one that cannot be read."""

    def __init__(self, query: dict[str, list[str]]) -> None:
        self._query = query
        self._problems: dict[str, list[str]] = {}
        self.action_types = query.get("action_type", [])
        self.api_groups = query.get("api_group", [])
        self.project_ids = self._values("project_id", _integer, "integer")
        self.region_ids = self._values("region_id", _integer, "integer")
        self.resource_ids = query.get("resource_id", [])
        self.source_ips = query.get("source_user_ips", [])
        self.user_agents = query.get("user_agents", [])
        since = self._values("from_timestamp", parse_datetime, "datetime")
        until = self._values("to_timestamp", parse_datetime, "datetime")
        self.since = since[-1] if since else None
        self.until = until[-1] if until else None
        search = query.get("search_field")
        self.search = search[-1].casefold() if search else None
        self.order = self._order()
        if self._problems:
            raise ValidationFailed(self._problems)

    def match(self, action: UserAction) -> bool:
        searched = (action.search_field or "").casefold()
        return (
            _any(self.action_types, action.action_type)
            and _any(self.api_groups, action.api_group)
            and _any(self.project_ids, action.project_id)
            and _any(self.region_ids, action.region_id)
            and _any(self.resource_ids, action.resource_id)
            and _any(self.source_ips, action.source_user_ip)
            and _any(self.user_agents, action.user_agent)
            and (self.since is None or action.timestamp >= self.since)
            and (self.until is None or action.timestamp <= self.until)
            and (self.search is None or self.search in searched)
        )

    def _order(self) -> str:
        for name in ("order_by", "sorting"):
            given = self._query.get(name)
            if given:
                if given[-1] not in ORDERS:
                    self._refuse(name, "Input should be 'asc' or 'desc'")
                return given[-1]
        return "desc"

    def _values[T](self, name: str, read: Callable[[str], T], kind: str) -> list[T]:
        values = []
        for raw in self._query.get(name, []):
            try:
                values.append(read(raw))
            except ValueError:
                self._refuse(name, f"Input should be a valid {kind}")
        return values

    def _refuse(self, name: str, message: str) -> None:
        self._problems.setdefault(name, []).append(message)


def _integer(raw: str) -> int:
    # `int()` alone would also take " 76" or "7_6".
    if not (raw.isascii() and raw.lstrip("-").isdigit()):
        raise ValueError(raw)
    return int(raw)


def _any[T](allowed: list[T], value: T | None) -> bool:
    return not allowed or value in allowed
