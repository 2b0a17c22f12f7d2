"""On PostgreSQL the log's protection holds against the dashboard's own role: run as a role that
does not own the log, it can neither switch the triggers off nor replace their function, and a
table of the same name in its own session cannot fool them."""

import subprocess
import sys

import psycopg
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from secretsadmin.audit.models import AuditEvent
from secretsadmin.audit.protection import grant_app_role, weaknesses
from tests.core.fresh import ROOT

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the log's protection in the database is PostgreSQL's"
)
APP_ROLE = "secretsadmin_test_app"


@pytest.mark.django_db
def test_a_temporary_table_of_the_same_name_does_not_make_the_log_look_empty(log):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("CREATE TEMP TABLE audit_auditevent (sequence bigint)")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE public.audit_auditevent")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE pg_temp.audit_auditevent")  # else the ORM would read it
    assert AuditEvent.objects.count() == 5


@pytest.fixture
def app_role(transactional_db):
    """A login role granted what `prepare_database` grants the dashboard's role."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DO $$ BEGIN CREATE ROLE " + APP_ROLE + " LOGIN; "
            "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        )
        grant_app_role(cursor, APP_ROLE)
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"],
        user=APP_ROLE,
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        autocommit=True,
    ) as app:
        yield app
    with connection.cursor() as cursor:
        cursor.execute(f"DROP OWNED BY {APP_ROLE}")


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
        "DROP TRIGGER audit_auditevent_no_update_delete ON audit_auditevent",
        "DROP TABLE audit_auditevent",
        "CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN RETURN OLD; END $$",
        "UPDATE audit_auditevent SET reason = 'edited'",
        "DELETE FROM audit_auditevent",
        "TRUNCATE audit_auditevent",
        "UPDATE audit_timeblock SET earliest = now()",  # would hide events from time filters
        "DELETE FROM audit_timeblock",
        "INSERT INTO audit_timeblock VALUES (999999, now(), now())",
    ],
)
def test_the_dashboards_role_cannot_switch_the_protection_off(app_role, sql):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_role.execute(sql)


def test_the_dashboards_role_reads_and_appends_and_uses_every_other_table(app_role):
    app_role.execute("SELECT count(*) FROM audit_auditevent")
    [(may_append,)] = app_role.execute(
        "SELECT has_table_privilege('audit_auditevent', 'INSERT')"
    ).fetchall()
    assert may_append
    app_role.execute("DELETE FROM django_session")
    app_role.execute("UPDATE auth_user SET last_login = NULL")


def test_an_append_by_the_dashboards_role_keeps_the_time_blocks(app_role, log):
    """The blocks' trigger runs as its owner: the role may not write them, yet appends do."""
    columns = [f.column for f in AuditEvent._meta.concrete_fields]
    copied = ", ".join({"sequence": "2048", "uuid": "gen_random_uuid()"}.get(c, c) for c in columns)
    app_role.execute(
        f"INSERT INTO audit_auditevent ({', '.join(columns)}) "
        f"SELECT {copied} FROM audit_auditevent WHERE sequence = 5"
    )
    [(earliest,)] = app_role.execute(
        "SELECT earliest FROM audit_timeblock WHERE block = 2"
    ).fetchall()
    assert earliest == log[-1].time


def test_start_up_says_whether_the_role_could_switch_the_protection_off(app_role, capsys):
    with connection.cursor() as cursor:
        owners = weaknesses(cursor)
    assert any("superuser" in w or "owns audit_auditevent" in w for w in owners)
    with app_role.cursor() as cursor:
        assert weaknesses(cursor) == []  # type: ignore[arg-type]
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT DELETE ON audit_openattempt TO {APP_ROLE}")
    with app_role.cursor() as cursor:
        assert weaknesses(cursor) == [  # type: ignore[arg-type]
            f"the role {APP_ROLE} may change audit_openattempt: it could hide events from the "
            "review page's filters (prepare_database grants it only SELECT)"
        ]
    call_command("audit_protection")
    assert "WARNING: audit log protection:" in capsys.readouterr().err


def test_migrations_run_as_the_owner_and_the_dashboard_as_a_role_that_cannot_undo_them():
    """What the image's start does with MIGRATE_DATABASE_URL: a database of its own, as in a
    deployment (the owner role migrates, the app role serves)."""
    owner, database = "secretsadmin_test_owner", "secretsadmin_roles_test"
    settings = connection.settings_dict
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    admin = psycopg.connect(dbname=settings["NAME"], user=settings["USER"], host=host, port=port)
    admin.autocommit = True
    for role in (owner, APP_ROLE):
        admin.execute(
            f"DO $$ BEGIN CREATE ROLE {role} LOGIN; "
            "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        )
    admin.execute(f"DROP DATABASE IF EXISTS {database}")
    admin.execute(f"CREATE DATABASE {database} OWNER {owner}")
    try:
        environ = {
            "SECRET_KEY": "k" * 40,
            "DATABASE_URL": f"postgres://{APP_ROLE}@{host}:{port}/{database}",
            "MIGRATE_DATABASE_URL": f"postgres://{owner}@{host}:{port}/{database}",
        }
        prepared = manage(environ, "prepare_database", "-v0")
        assert prepared.returncode == 0, prepared.stderr
        assert f"granted {APP_ROLE} the tables" in prepared.stdout
        checked = manage(environ, "audit_protection")
        assert checked.stdout.strip() == "audit log: this role may only read and append to it"
        assert "WARNING" not in checked.stderr
        as_owner = manage(
            {**environ, "DATABASE_URL": environ["MIGRATE_DATABASE_URL"]}, "audit_protection"
        )
        assert f"WARNING: audit log protection: the role {owner} owns audit_auditevent" in (
            as_owner.stderr
        )
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        admin.close()


def manage(environ: dict[str, str], *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", **environ},
        capture_output=True,
        text=True,
        timeout=300,
    )
