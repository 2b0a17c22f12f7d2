"""The compose example (deploy/compose/) is a configuration the dashboard accepts, its proxy is
the only address believed to name users, and on PostgreSQL its roles script with
`prepare_database` leaves the dashboard's role unable to undo the audit log's protection. The
watcher runs as its own service of the same image."""

import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import yaml
from django.db import connection

from tests.core.fresh import ROOT, start_up

COMPOSE = ROOT / "deploy" / "compose"


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((COMPOSE / "compose.yaml").read_text())["services"]


def with_secret_files(environment: dict[str, str], secrets: Path) -> dict[str, str]:
    """The service's environment, its /run/secrets/ files made under `secrets`."""
    values = {
        "secret_key": "s" * 50,
        "audit_hmac_key": "h" * 40,
        "database_url": "postgres://secretsadmin_app:pw@postgres:5432/secretsadmin",
        "migrate_database_url": "postgres://secretsadmin_owner:pw@postgres:5432/secretsadmin",
        "pipecat_api_key": "pk_compose_example",
        "gcore_api_key": "1$compose-example",
    }
    environ = {}
    for name, value in environment.items():
        if value.startswith("/run/secrets/"):
            path = secrets / value.removeprefix("/run/secrets/")
            path.write_text(values[path.name])
            value = str(path)
        # ${SECRETSADMIN_HOST:-secrets.example.com}: compose's default.
        environ[name] = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", str(value))
    return environ


def test_both_replicas_start_with_the_examples_configuration(services, tmp_path):
    assert services["app-1"]["environment"] == services["app-2"]["environment"]
    environ = with_secret_files(services["app-1"]["environment"], tmp_path)
    started = start_up(
        environ,
        "from django.conf import settings as s; "
        "print(s.SSO_USER_HEADER, s.SECURE_PROXY_SSL_HEADER, s.ALLOWED_HOSTS, "
        "s.DATABASES['default']['USER'], s.CACHES['default']['BACKEND'])",
    )
    assert started.returncode == 0, started.stderr
    assert "X-Forwarded-User" in started.stdout
    assert "HTTP_X_FORWARDED_PROTO" in started.stdout
    assert "secrets.example.com" in started.stdout
    assert "secretsadmin_app" in started.stdout
    assert "RedisCache" in started.stdout


GUNICORN_SETTINGS = (
    "import runpy; c = runpy.run_path('gunicorn.conf.py'); "
    "print([c[n] for n in ('workers', 'threads', 'timeout', 'keepalive')])"
)


def test_the_replicas_serve_with_the_gunicorn_settings_the_load_test_measured(services, tmp_path):
    """bench/load.py runs gunicorn.conf.py with its defaults: the example must give the same."""
    environ = with_secret_files(services["app-1"]["environment"], tmp_path)
    example = start_up(environ, GUNICORN_SETTINGS)
    measured = start_up(
        {k: v for k, v in environ.items() if not k.startswith("GUNICORN_")}, GUNICORN_SETTINGS
    )
    assert example.returncode == measured.returncode == 0, example.stderr + measured.stderr
    assert example.stdout == measured.stdout
    assert any(name.startswith("GUNICORN_") for name in environ)


def test_the_replicas_leave_migrating_to_the_migrate_service(services, tmp_path):
    assert services["app-1"]["environment"]["MIGRATE_ON_START"] == "false"
    migrate = services["migrate"]
    assert migrate["command"] == ["python", "manage.py", "prepare_database"]
    environ = with_secret_files(migrate["environment"], tmp_path)
    started = start_up(environ, "from django.conf import settings as s; print(s.DATABASES)")
    assert started.returncode == 0, started.stderr
    assert "secretsadmin_owner" in started.stdout  # migrations as the owner
    for replica in ("app-1", "app-2"):
        assert services[replica]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }


def test_the_watcher_runs_beside_the_replicas_in_the_same_image_with_their_configuration(
    services, tmp_path
):
    watcher, replica = services["watcher"], services["app-1"]
    assert watcher["command"] == ["python", "manage.py", "watch"]
    assert watcher["image"] == replica["image"] and watcher["build"] == replica["build"]
    assert watcher["environment"].items() >= replica["environment"].items()
    assert watcher["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert watcher["healthcheck"] == {"disable": True}  # it serves no /healthz
    environ = with_secret_files(watcher["environment"], tmp_path)
    started = start_up(
        environ,
        "from django.conf import settings as s; "
        "print(s.WATCH_INTERVAL_SECONDS, s.WATCH_CALLS_PER_MINUTE, s.DATABASES['default']['USER'])",
    )
    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == ["60.0", "60", "secretsadmin_app"]


def test_only_nginx_may_name_the_user_and_it_replaces_whatever_a_client_sent(services):
    nginx = (COMPOSE / "nginx" / "secretsadmin.conf").read_text()
    environment = services["app-1"]["environment"]
    assert (
        environment["TRUSTED_PROXIES"]
        == (services["nginx"]["networks"]["internal"]["ipv4_address"])
    )
    upstream = re.search(r"upstream secretsadmin \{(.*?)\}", nginx, re.S)[1]
    assert set(re.findall(r"server (\S+?):8000", upstream)) == {"app-1", "app-2"}
    main = re.search(r"location / \{(.*?)\n    \}", nginx, re.S)[1]
    assert "auth_request /oauth2/auth;" in main
    set_headers = set(re.findall(r"proxy_set_header (\S+) ", main))
    for header in ("SSO_USER_HEADER", "SSO_EMAIL_HEADER", "SSO_GROUPS_HEADER"):
        assert environment[header] in set_headers, header
    assert {"X-Forwarded-For", "X-Forwarded-Proto", "X-Request-ID"} <= set_headers


def test_every_secret_file_the_example_names_is_declared_and_kept_out_of_git(services):
    declared = set(yaml.safe_load((COMPOSE / "compose.yaml").read_text())["secrets"])
    for name, service in services.items():
        for secret in service.get("secrets", []):
            assert secret in declared, (name, secret)
        for value in service.get("environment", {}).values():
            if str(value).startswith("/run/secrets/"):
                assert value.removeprefix("/run/secrets/") in service["secrets"], (name, value)
    assert (COMPOSE / ".gitignore").read_text().split() == ["secrets/"]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the example's database roles are PostgreSQL's"
)
def test_the_roles_script_and_prepare_database_leave_the_app_role_only_reading_and_appending(
    tmp_path,
):
    settings = connection.settings_dict
    host, port = settings["HOST"] or "127.0.0.1", str(settings["PORT"] or 5432)
    database = "secretsadmin_compose_test"
    admin = psycopg.connect(dbname="postgres", user=settings["USER"], host=host, port=port)
    admin.autocommit = True

    def drop() -> None:
        admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        for role in ("secretsadmin_app", "secretsadmin_owner"):
            admin.execute(f"DROP ROLE IF EXISTS {role}")

    drop()  # what an interrupted run left
    admin.execute(f"CREATE DATABASE {database}")
    try:
        (tmp_path / "db_owner_password").write_text("owner-pw")
        (tmp_path / "db_app_password").write_text("app-pw")
        base = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "PGHOST": host, "PGPORT": port}
        roles = subprocess.run(
            ["sh", str(COMPOSE / "postgres" / "10-roles.sh")],
            env={
                **base,
                "POSTGRES_USER": settings["USER"],
                "POSTGRES_DB": database,
                "SECRETS_DIR": str(tmp_path),
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert roles.returncode == 0, roles.stderr
        environ = {
            **base,
            "SECRET_KEY": "k" * 40,
            "DATABASE_URL": f"postgres://secretsadmin_app:app-pw@{host}:{port}/{database}",
            "MIGRATE_DATABASE_URL": f"postgres://secretsadmin_owner:owner-pw@{host}:{port}/"
            f"{database}",
        }
        prepared = manage(environ, "prepare_database", "-v0")
        assert prepared.returncode == 0, prepared.stderr
        checked = manage(environ, "audit_protection")
        assert checked.stdout.strip() == "audit log: this role may only read and append to it"
        assert "WARNING" not in checked.stderr
        # The watcher's role is the dashboard's: it may take the lock and run its jobs.
        watched = manage(environ, "watch", "--once")
        assert watched.returncode == 0, watched.stderr
        assert "watcher: leading" in watched.stderr
        assert "watcher job audit_reconcile done" in watched.stderr
    finally:
        drop()
        admin.close()


def manage(environ: dict[str, str], *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )
