"""Believable demo data: secrets of every type, certificates expiring soon, late and already.

Dates are relative to the app's wall clock at seed time, so "expires in 10 days" stays true for a
demo started any day. Payloads are random stand-ins, never real keys.
"""

import base64
import os
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from .store import CREATE, Secret, Task
from .validation import TLS_SECRET_TYPE

if TYPE_CHECKING:
    from .app import GcoreEmulator

# Gcore tokens read `<key id>$<secret>`.
DEMO_API_KEY = "4242$gcore-emulator-demo-key"
DEMO_PROJECT_ID = 1
DEMO_REGION_ID = 76
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class _Demo:
    project_id: int
    region_id: int
    name: str
    secret_type: str
    age_days: int
    expires_in_days: int | None = None
    algorithm: str | None = None
    bit_length: int | None = None
    mode: str | None = None


_DEMO_SECRETS = (
    _Demo(1, 76, "www-example-com", "certificate", 355, expires_in_days=10),
    _Demo(1, 76, "api-example-com", "certificate", 30, expires_in_days=335),
    _Demo(1, 76, "shop-example-com-2025", "certificate", 370, expires_in_days=-5),
    _Demo(1, 76, "grafana-admin", "passphrase", 120),
    _Demo(1, 76, "backup-encryption-key", "symmetric", 200, 165, "aes", 256, "cbc"),
    _Demo(1, 76, "deploy-key-public", "public", 90, algorithm="rsa", bit_length=4096),
    _Demo(1, 76, "deploy-key-private", "private", 90, algorithm="rsa", bit_length=4096),
    _Demo(1, 76, "legacy-config-blob", "opaque", 700),
    _Demo(1, 38, "cdn-origin-example-com", "certificate", 300, expires_in_days=60),
    _Demo(2, 76, "staging-example-com", "certificate", 65, expires_in_days=25),
)


def seed_demo(app: "GcoreEmulator") -> list[Secret]:
    """Add the demo secrets (those whose project and region the app knows) and one finished task.

    Returns the secrets added.
    """
    now = app.wall_now()
    added = []
    for demo in _DEMO_SECRETS:
        if demo.project_id not in app.projects or demo.region_id not in app.regions:
            continue
        certificate = demo.secret_type == TLS_SECRET_TYPE
        added.append(
            app.add_secret(
                demo.project_id,
                demo.region_id,
                demo.name,
                demo.secret_type,
                _pem_bundle() if certificate else os.urandom(32),
                created=now - demo.age_days * _DAY,
                expiration=(
                    now + demo.expires_in_days * _DAY if demo.expires_in_days is not None else None
                ),
                algorithm=demo.algorithm,
                bit_length=demo.bit_length,
                mode=demo.mode,
                content_type="text/plain" if certificate else "application/octet-stream",
            )
        )
    if DEMO_PROJECT_ID in app.projects and DEMO_REGION_ID in app.regions:
        added.append(_finished_upload(app, "status-example-com", expires_in_days=89))
    return added


def _finished_upload(app: "GcoreEmulator", name: str, expires_in_days: int) -> Secret:
    """A certificate uploaded two hours ago through a task that has since finished."""
    two_hours = 2 * 3600.0
    secret = Secret(
        id=str(uuid.uuid4()),
        project_id=DEMO_PROJECT_ID,
        region_id=DEMO_REGION_ID,
        name=name,
        secret_type=TLS_SECRET_TYPE,
        created=app.wall_now(),
        content_type="text/plain",
        payload=_pem_bundle(),
        expiration=app.wall_now() + expires_in_days * _DAY,
    )
    with app.state_lock:
        app.store.submit(
            Task(
                id=str(uuid.uuid4()),
                task_type=CREATE,
                project_id=DEMO_PROJECT_ID,
                region_id=DEMO_REGION_ID,
                user_id=app.keys.first_user_id,
                client_id=app.client_id,
                secret_id=secret.id,
                started_at=app.clock.now() - two_hours,
                created_on=app.wall_now() - timedelta(seconds=two_hours),
                queue_seconds=2.0,
                run_seconds=9.0,
                data={"name": name, "secret_type": TLS_SECRET_TYPE},
                secret=secret,
            ),
            may_fail=False,
        )
        app.store.settle(app.clock.now())
    return secret


def _pem_bundle() -> bytes:
    def block(label: str) -> str:
        body = base64.encodebytes(os.urandom(96)).decode()
        return f"-----BEGIN {label}-----\n{body}-----END {label}-----\n"

    return (block("CERTIFICATE") + block("CERTIFICATE") + block("PRIVATE KEY")).encode()
