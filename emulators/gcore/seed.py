"""Believable demo data: secrets of every type, certificates expiring soon, late and already.

Dates are relative to the app's wall clock at seed time, so "expires in 10 days" stays true for a
demo started any day. Payloads are stand-ins, never real keys.
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
# The staging team's key: it may use the staging project only.
DEMO_STAGING_API_KEY = "4243$gcore-emulator-staging-key"
DEMO_PROJECT_ID = 1
DEMO_STAGING_PROJECT_ID = 2
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
    _seed_load_balancers(app, added)
    return added


def _seed_load_balancers(app: "GcoreEmulator", secrets: list[Secret]) -> None:
    """Load balancers terminating TLS with the demo certificates: by default and by SNI, and a
    pool checking its members against one as its CA."""
    by_name = {(s.project_id, s.region_id, s.name): s.id for s in secrets}

    def ids(project_id: int, region_id: int, *names: str) -> list[str] | None:
        found = [by_name.get((project_id, region_id, name)) for name in names]
        return [i for i in found if i] if all(found) else None

    web = ids(1, 76, "www-example-com", "api-example-com", "status-example-com")
    if web:
        www, api, status = web
        balancer = app.add_load_balancer(1, 76, "web-lb")
        app.add_listener(balancer, "http", "HTTP", 80)
        https = app.add_listener(
            balancer, "https", "TERMINATED_HTTPS", 443, secret_id=www, sni_secret_ids=[api, status]
        )
        app.add_pool(https, "web-backends", "HTTPS", ca_secret_id=api)
    shop = ids(1, 76, "shop-example-com-2025")
    if shop:
        balancer = app.add_load_balancer(1, 76, "shop-lb")
        app.add_listener(balancer, "https", "TERMINATED_HTTPS", 443, secret_id=shop[0])
    staging = ids(2, 76, "staging-example-com")
    if staging:
        balancer = app.add_load_balancer(2, 76, "staging-lb")
        app.add_listener(balancer, "https", "TERMINATED_HTTPS", 8443, secret_id=staging[0])


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
                resource_id=secret.id,
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


# One in two secrets of a large project is a certificate, as TLS termination is their main use.
_MANY_TYPES = (
    "certificate",
    "certificate",
    "passphrase",
    "certificate",
    "symmetric",
    "certificate",
    "public",
    "private",
    "certificate",
    "opaque",
)
_CERTIFICATE_SLOTS = [i for i, t in enumerate(_MANY_TYPES) if t == TLS_SECRET_TYPE]
_MANY_STEMS = {
    "certificate": (
        "www-example-com",
        "api-example-com",
        "shop-example-com",
        "status-example-com",
        "cdn-origin-example-com",
        "auth-example-com",
        "mail-example-com",
    ),
    "passphrase": ("db-password", "smtp-password", "grafana-admin", "redis-auth"),
    "symmetric": ("backup-encryption-key", "session-signing-key", "cookie-key"),
    "public": ("deploy-key-public", "ssh-host-key-public"),
    "private": ("deploy-key-private", "ssh-host-key-private"),
    "opaque": ("legacy-config-blob", "license-file", "vendor-bundle"),
}
# Algorithm, bit length and mode: what a client notes about its keys, in turn.
_ASYMMETRIC: tuple[tuple[str, int, None], ...] = (("rsa", 4096, None), ("ec", 256, None))
_KEY_METADATA: dict[str, tuple[tuple[str, int, str | None], ...]] = {
    "symmetric": (("aes", 256, "cbc"),),
    "public": _ASYMMETRIC,
    "private": _ASYMMETRIC,
}
# Days left, certificate after certificate: expired, within a day, a week, 30 days, and years.
_MANY_EXPIRIES = (-200, -30, -2, 0.25, 3, 9, 16, 24, 29, 45, 80, 150, 240, 330, 500, 800, 1200)
_VALIDITIES = (90, 397, 825, 1460)  # days a certificate is issued for
_PLACEHOLDER = b"seeded-placeholder-not-a-real-secret"
_PEM_PLACEHOLDER = b"".join(
    f"-----BEGIN {label}-----\nc2VlZGVkLXBsYWNlaG9sZGVy\n-----END {label}-----\n".encode()
    for label in ("CERTIFICATE", "CERTIFICATE", "PRIVATE KEY")
)


def seed_many(
    app: "GcoreEmulator", count: int, project_id: int, region_id: int, *, start: int = 0
) -> list[Secret]:
    """Store `count` secrets at once in one project and region, a large client's worth, with no
    task: every secret type, half of them certificates expiring from 200 days ago through the
    coming day, week and month to three years ahead.

    Names are `<stem>-<number>`, numbered from `start` and zero-padded to four digits
    (`www-example-com-0000`, `db-password-0002`): unique, and in number order within a stem, so a
    test or a bench can find them. Returns the secrets in number order.
    """
    if project_id not in app.projects or region_id not in app.regions:
        raise ValueError(f"unknown project {project_id} or region {region_id}")
    if count < 0:
        raise ValueError("count cannot be negative")
    now = app.wall_now()
    added = []
    for n in range(start, start + count):
        secret_type = _MANY_TYPES[n % len(_MANY_TYPES)]
        stems = _MANY_STEMS[secret_type]
        name = f"{stems[n // len(_MANY_TYPES) % len(stems)]}-{n:04}"
        # Minutes by number: secrets as many days old still differ in creation time.
        jitter = timedelta(minutes=n % 997)
        secret = Secret(
            id=str(uuid.uuid4()),
            project_id=project_id,
            region_id=region_id,
            name=name,
            secret_type=secret_type,
            created=now - (1 + n * 37 % 700) * _DAY - jitter,
            content_type="application/octet-stream",
            payload=_PLACEHOLDER,
        )
        if secret_type == TLS_SECRET_TYPE:
            # Counted by number, not by call, so a batch from `start` continues the spread.
            nth = n // len(_MANY_TYPES) * len(_CERTIFICATE_SLOTS)
            nth += _CERTIFICATE_SLOTS.index(n % len(_MANY_TYPES))
            days_left = _MANY_EXPIRIES[nth % len(_MANY_EXPIRIES)]
            validity = next(v for v in _VALIDITIES if v > days_left)
            secret.expiration = now + days_left * _DAY
            secret.created = secret.expiration - validity * _DAY - jitter
            secret.content_type, secret.payload = "text/plain", _PEM_PLACEHOLDER
        elif secret_type in _KEY_METADATA:
            choices = _KEY_METADATA[secret_type]
            metadata = choices[n // len(_MANY_TYPES) % len(choices)]
            secret.algorithm, secret.bit_length, secret.mode = metadata
        added.append(secret)
    with app.state_lock:
        for secret in added:
            app.store.add_secret(secret)
    return added
