import re

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
        services.record(
            system,
            action="auth.login",
            outcome="succeeded",
            subject=services.Subject(target=f"event {n}"),
        )
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


def csrf_headers(client) -> dict:
    client.get("/audit/")
    return {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value}


@pytest.fixture
def row_of():
    """The audit list's row of one event, as HTML: `row_of(response, sequence)`."""

    def find(response, sequence: int) -> str:
        rows = re.findall(r"<tr>.*?</tr>", response.text, flags=re.DOTALL)
        link = f'<a href="[^"]*/audit/{sequence}/">{sequence}</a>'
        first_cell = re.compile(f"^<tr>\\s*<td[^>]*>{link}")
        return next(row for row in rows if first_cell.match(row))

    return find
