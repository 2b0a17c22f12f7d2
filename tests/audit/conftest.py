import pytest
from django.db import connection

from secretsadmin.audit import services


@pytest.fixture
def system():
    return services.Actor.system("tests")


@pytest.fixture
def log(db, system):
    """A log of five committed events."""
    return [
        services.record(system, action="auth.login", outcome="succeeded", target=f"event {n}")
        for n in range(5)
    ]


@pytest.fixture
def behind_the_apps_back(db):
    """Runs raw SQL as someone with direct database access would. On PostgreSQL that someone
    also disabled the append-only triggers (inside the test's transaction, rolled back after)."""

    def run(sql: str, params=()):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Checks of the test's own inserts, still deferred, would forbid ALTER TABLE.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
            cursor.execute(sql, params)

    return run


@pytest.fixture
def failing_disk(db):
    """From now on the database itself refuses to store audit events, as a full disk would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full'; END $$"
            )
            cursor.execute(
                "CREATE TRIGGER disk_full BEFORE INSERT ON audit_auditevent "
                "FOR EACH ROW EXECUTE FUNCTION disk_full()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER disk_full BEFORE INSERT ON audit_auditevent "
                "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
            )
