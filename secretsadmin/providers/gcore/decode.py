"""Reading the API's JSON answers into typed values; anything unexpected is a `ValueError` that
says what was wrong (never a value: the API sends none, but a proxy might)."""

import json
from datetime import UTC, datetime
from typing import Any

from .models import (
    SECRET_TYPES,
    TASK_STATES,
    Listener,
    LoadBalancer,
    Pool,
    Project,
    Region,
    Secret,
    Task,
    UserAction,
)


def error_body(content: bytes) -> tuple[str, str, str] | None:
    """The documented `{"exception_class", "message", "request_id"}` as (message, class, id), or
    None for any other body."""
    try:
        body = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(body, dict) or not isinstance(body.get("message"), str):
        return None
    code, request_id = body.get("exception_class"), body.get("request_id")
    return (
        body["message"],
        code if isinstance(code, str) else "",
        request_id if isinstance(request_id, str) else "",
    )


def invalid_fields(content: bytes) -> dict[str, tuple[str, ...]]:
    """A refusal's `invalid_fields` (`{"name": ["String should have at most 255 characters"]}`),
    each field's problems in Gcore's words; empty when the body has none or is not that shape."""
    try:
        body = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return {}
    fields = body.get("invalid_fields") if isinstance(body, dict) else None
    if not isinstance(fields, dict):
        return {}
    return {
        str(field): tuple(str(p) for p in problems)
        for field, problems in fields.items()
        if isinstance(problems, list)
    }


def page(body: Any) -> tuple[int, list[Any]]:
    """`{"count": total, "results": [...]}`."""
    count = _field(body, "count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise ValueError("'count' is not a whole number")
    return count, _list(_field(body, "results"), "results")


def secret(item: Any, region_id: int) -> Secret:
    secret_type = _text(_field(item, "secret_type"), "secret_type")
    if secret_type not in SECRET_TYPES:
        raise ValueError(f"unknown secret type {secret_type!r}")
    content_types = _optional(item, "content_types", dict) or {}
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in content_types.items()):
        raise ValueError("'content_types' is not a map of text")
    bit_length = _optional(item, "bit_length", int)
    if bit_length is not None and (isinstance(bit_length, bool) or bit_length < 1):
        raise ValueError("'bit_length' is not a positive number")
    expiration = _optional(item, "expiration", str)
    return Secret(
        id=_text(_field(item, "id"), "id"),
        name=_text(_field(item, "name"), "name"),
        secret_type=secret_type,
        status=_text(_field(item, "status"), "status"),
        created=moment(_text(_field(item, "created"), "created"), "created"),
        expiration=moment(expiration, "expiration") if expiration else None,
        algorithm=_optional(item, "algorithm", str),
        bit_length=bit_length,
        mode=_optional(item, "mode", str),
        content_types=tuple(sorted(content_types.items())),
        region_id=region_id,
    )


def task_ids(body: Any) -> str:
    """The one task a write started, of `{"tasks": [id]}`."""
    tasks = _list(_field(body, "tasks"), "tasks")
    if len(tasks) != 1:
        raise ValueError(f"expected one task, not {len(tasks)}")
    return _text(tasks[0], "tasks")


def update_task_ids(body: Any) -> str | None:
    """The task an update started, or None: an update that would change nothing starts none
    (`{"tasks": []}`, as the SDK documents for pools and its `update_and_poll`s expect)."""
    tasks = _list(_field(body, "tasks"), "tasks")
    if len(tasks) > 1:
        raise ValueError(f"expected at most one task, not {len(tasks)}")
    return _text(tasks[0], "tasks") if tasks else None


def task(body: Any) -> Task:
    state = _text(_field(body, "state"), "state")
    if state not in TASK_STATES:
        raise ValueError(f"unknown task state {state!r}")
    resources = _optional(body, "created_resources", dict) or {}
    created = resources.get("secrets") or []
    if not isinstance(created, list) or not all(isinstance(i, str) for i in created):
        raise ValueError("'created_resources.secrets' is not a list of ids")
    created_on, finished_on = (_optional(body, name, str) for name in ("created_on", "finished_on"))
    return Task(
        id=_text(_field(body, "id"), "id"),
        task_type=_text(_field(body, "task_type"), "task_type"),
        state=state,
        error=_optional(body, "error", str) or None,
        created_secrets=tuple(created),
        project_id=_optional(body, "project_id", int),
        region_id=_optional(body, "region_id", int),
        created_on=moment(created_on, "created_on") if created_on else None,
        finished_on=moment(finished_on, "finished_on") if finished_on else None,
    )


def region(item: Any) -> Region:
    return Region(
        id=_whole(_field(item, "id"), "id"),
        display_name=_text(_field(item, "display_name"), "display_name"),
        state=_text(_field(item, "state"), "state"),
    )


def project(item: Any) -> Project:
    is_default = _field(item, "is_default")
    if not isinstance(is_default, bool):
        raise ValueError("'is_default' is not true or false")
    return Project(
        id=_whole(_field(item, "id"), "id"),
        name=_text(_field(item, "name"), "name"),
        is_default=is_default,
    )


def load_balancer(item: Any) -> LoadBalancer:
    return LoadBalancer(
        id=_text(_field(item, "id"), "id"),
        name=_text(_field(item, "name"), "name"),
        provisioning_status=_optional(item, "provisioning_status", str) or "",
    )


def listener(item: Any) -> Listener:
    port = _whole(_field(item, "protocol_port"), "protocol_port")
    if not 1 <= port <= 65535:
        raise ValueError("'protocol_port' is not a port")
    return Listener(
        id=_text(_field(item, "id"), "id"),
        name=_text(_field(item, "name"), "name"),
        protocol=_text(_field(item, "protocol"), "protocol"),
        protocol_port=port,
        load_balancer_id=_optional(item, "load_balancer_id", str) or None,
        secret_id=_optional(item, "secret_id", str) or None,
        sni_secret_ids=_ids(_optional(item, "sni_secret_id", list) or [], "sni_secret_id"),
        provisioning_status=_optional(item, "provisioning_status", str) or "",
    )


def pool(item: Any) -> Pool:
    return Pool(
        id=_text(_field(item, "id"), "id"),
        name=_text(_field(item, "name"), "name"),
        protocol=_text(_field(item, "protocol"), "protocol"),
        secret_id=_optional(item, "secret_id", str) or None,
        ca_secret_id=_optional(item, "ca_secret_id", str) or None,
        crl_secret_id=_optional(item, "crl_secret_id", str) or None,
        listener_ids=_references(item, "listeners"),
        load_balancer_ids=_references(item, "loadbalancers"),
        provisioning_status=_optional(item, "provisioning_status", str) or "",
    )


def user_action(item: Any) -> UserAction:
    resources = _list(_field(item, "resources"), "resources")
    return UserAction(
        id=_text(_field(item, "id"), "id"),
        action_type=_text(_field(item, "action_type"), "action_type"),
        api_group=_text(_field(item, "api_group"), "api_group"),
        timestamp=moment(_text(_field(item, "timestamp"), "timestamp"), "timestamp"),
        user_id=_whole(_field(item, "user_id"), "user_id"),
        email=_optional(item, "email", str) or None,
        token_id=_optional_whole(item, "token_id"),
        source_ip=_optional(item, "source_user_ip", str) or None,
        user_agent=_optional(item, "user_agent", str) or None,
        task_id=_optional(item, "task_id", str) or None,
        region_id=_optional_whole(item, "region_id"),
        resource_ids=tuple(_text(_field(r, "resource_id"), "resource_id") for r in resources),
    )


def _ids(values: list[Any], name: str) -> tuple[str, ...]:
    return tuple(_text(value, name) for value in values)


def _references(item: Any, name: str) -> tuple[str, ...]:
    """`[{"id": ...}, ...]`, as a pool names its listeners and load balancers."""
    return tuple(_text(_field(ref, "id"), name) for ref in _optional(item, name, list) or [])


def moment(value: str, name: str) -> datetime:
    """An ISO 8601 date-time; one without a zone is UTC, as Gcore's own clients read it."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name!r} is not a date and time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _field(body: Any, name: str) -> Any:
    if not isinstance(body, dict):
        raise ValueError(f"expected an object holding {name!r}")
    if name not in body:
        raise ValueError(f"{name!r} is missing")
    return body[name]


def _optional[T](body: dict[str, Any], name: str, kind: type[T]) -> T | None:
    value = body.get(name)
    if value is not None and not isinstance(value, kind):
        raise ValueError(f"{name!r} is not a {kind.__name__}")
    return value


def _list(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{name!r} is not a list")
    return value


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name!r} is not a non-empty string")
    return value


def _whole(value: Any, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name!r} is not a whole number")
    return value


def _optional_whole(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    return None if value is None else _whole(value, name)
