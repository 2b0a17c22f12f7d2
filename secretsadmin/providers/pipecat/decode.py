"""Reading the API's JSON answers into typed values; anything unexpected is a `ValueError` that
says what was wrong (never a value: the API sends none, but a proxy might)."""

import json
from datetime import datetime
from typing import Any, cast, get_args

from .models import (
    Agent,
    CodeState,
    DeploymentState,
    Phase,
    Region,
    Revision,
    SecretSet,
    SetDetail,
    SetType,
    Status,
)

SET_TYPES = get_args(SetType)
STATUSES = get_args(Status)
PHASES = get_args(Phase)
CODE_STATES = get_args(CodeState)


def error_body(content: bytes) -> tuple[str, str] | None:
    """The documented `{"error": message, "code": code}`, or None for any other body."""
    try:
        body = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        code = body.get("code")
        return body["error"], code if isinstance(code, str) else ""
    return None


def secret_sets(body: Any) -> list[SecretSet]:
    return [_secret_set(item) for item in _list(_field(body, "sets"), "sets")]


def set_detail(name: str, body: Any) -> SetDetail:
    keys = [
        _text(_field(item, "fieldName"), "fieldName")
        for item in _list(_field(body, "secrets"), "secrets")
    ]
    return SetDetail(
        name=name,
        region=_text(_field(body, "region"), "region"),
        status=_status(body),
        error_message=_error_message(body),
        keys=tuple(sorted(keys)),
    )


def accepted_region(body: Any) -> str:
    """Where the API says it stored a change."""
    return _text(_field(body, "region"), "region")


def deleted(body: Any) -> None:
    """The documented answer to a delete, `{"status": "OK"}`."""
    if _field(body, "status") != "OK":
        raise ValueError("'status' is not OK")


def regions(body: Any) -> list[Region]:
    return [
        Region(
            code=_text(_field(item, "code"), "code"),
            display_name=_text(_field(item, "display_name"), "display_name"),
        )
        for item in _list(_field(body, "regions"), "regions")
    ]


def default_region(body: Any) -> str:
    return _text(_field(_field(body, "properties"), "defaultRegion"), "defaultRegion")


def agents(body: Any) -> list[Agent]:
    """`GET /agents?includeActiveDeployment=true`: `landed` from the deployment ids alone (the
    operator has processed the desired one), all the list can tell."""
    return [
        _agent(item, landed=_reconciled(item), available=None)
        for item in _list(_field(body, "services"), "services")
    ]


def agent(body: Any) -> Agent:
    """`GET /agents/{name}` (and the answer to `POST`): fully complete when the ids match and
    `ready` is true."""
    ready, available = _field(body, "ready"), _field(body, "available")
    if not isinstance(ready, bool) or not isinstance(available, bool):
        raise ValueError("'ready' or 'available' is not a boolean")
    reconciled = body.get("reconciledDeploymentId")
    state = DeploymentState(
        desired_id=_text(_field(body, "desiredDeploymentId"), "desiredDeploymentId"),
        reconciled_id=None if reconciled is None else _text(reconciled, "reconciledDeploymentId"),
        ready=ready,
        available=available,
        current=_revision(body.get("currentRevision"), "currentRevision"),
        previous=_revision(body.get("previousRevision"), "previousRevision"),
    )
    return _agent(body, landed=state.landed, available=available, state=state)


def _revision(value: Any, name: str) -> Revision | None:
    """A `RevisionInfo`; the document marks both revisions nullable, and the example's
    `previousRevision` is null outside a rolling update."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError(f"{name!r} is not an object")
    phase = _text(_field(value, "phase"), "phase")
    if phase not in PHASES:
        raise ValueError(f"unknown phase {phase!r}")
    replicas = value.get("readyReplicas", 0)
    if not isinstance(replicas, int) or isinstance(replicas, bool):
        raise ValueError("'readyReplicas' is not a number")
    health = value.get("health")
    if health is not None and not isinstance(health, dict):
        raise ValueError("'health' is not an object")
    health = health or {}
    code_ready = health.get("ready")
    if code_ready is not None and not isinstance(code_ready, bool):
        raise ValueError("'health.ready' is not a boolean")
    code_state = health.get("state")
    if code_state is not None and code_state not in CODE_STATES:
        raise ValueError(f"unknown health state {code_state!r}")
    return Revision(
        deployment_id=_text(_field(value, "deploymentID"), "deploymentID"),
        phase=cast(Phase, phase),
        phase_started_at=_optional_time(value.get("phaseStartedAt"), "phaseStartedAt"),
        ready_replicas=replicas,
        code_ready=code_ready,
        code_state=cast(CodeState | None, code_state),
        reason=_optional_text(health.get("reason"), "reason"),
        message=_optional_text(health.get("message"), "message"),
    )


def _agent(
    item: Any, *, landed: bool, available: bool | None, state: DeploymentState | None = None
) -> Agent:
    deployment = item.get("deployment") if isinstance(item, dict) else None
    env_sets: tuple[str, ...] = ()
    image_pull_set, deployed_at = None, None
    if deployment is not None:
        spec = _field(_field(deployment, "manifest"), "spec")
        if not isinstance(spec, dict):
            raise ValueError("'spec' is not an object")
        names = _list(spec.get("envFromSecretNames", []), "envFromSecretNames")
        env_sets = tuple(_text(n, "envFromSecretNames") for n in names)
        pull = spec.get("imagePullSecretName")
        image_pull_set = None if pull is None else _text(pull, "imagePullSecretName")
        deployed_at = _time(_field(deployment, "createdAt"), "createdAt")
    return Agent(
        name=_text(_field(item, "name"), "name"),
        region=_text(_field(item, "region"), "region"),
        deployment_id=_text(_field(item, "desiredDeploymentId"), "desiredDeploymentId"),
        deployed_at=deployed_at,
        landed=landed,
        available=available,
        env_sets=env_sets,
        image_pull_set=image_pull_set,
        state=state,
    )


def _reconciled(item: Any) -> bool:
    # Absent (or null) until the operator has reconciled any deployment of the agent.
    return isinstance(item, dict) and item.get("reconciledDeploymentId") == _field(
        item, "desiredDeploymentId"
    )


def _time(value: Any, name: str) -> datetime:
    try:
        stamp = datetime.fromisoformat(_text(value, name))
    except ValueError:
        raise ValueError(f"{name!r} is not a time") from None
    if stamp.tzinfo is None:
        raise ValueError(f"{name!r} has no time zone")
    return stamp


def _optional_time(value: Any, name: str) -> datetime | None:
    return None if value is None else _time(value, name)


def _secret_set(item: Any) -> SecretSet:
    set_type = _text(_field(item, "type"), "type")
    if set_type not in SET_TYPES:
        raise ValueError(f"unknown set type {set_type!r}")
    return SecretSet(
        name=_text(_field(item, "name"), "name"),
        type=cast(SetType, set_type),
        region=_text(_field(item, "region"), "region"),
        status=_status(item),
        error_message=_error_message(item),
    )


def _status(item: Any) -> Status:
    status = _text(_field(item, "status"), "status")
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    return cast(Status, status)


def _error_message(item: dict[str, Any]) -> str | None:
    message = item.get("errorMessage")
    if message is not None and not isinstance(message, str):
        raise ValueError("errorMessage is not text")
    return message or None


def _optional_text(value: Any, name: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{name!r} is not text")
    return value or None


def _field(body: Any, name: str) -> Any:
    if not isinstance(body, dict):
        raise ValueError(f"expected an object holding {name!r}")
    if name not in body:
        raise ValueError(f"{name!r} is missing")
    return body[name]


def _list(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{name!r} is not a list")
    return value


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name!r} is not a non-empty string")
    return value
