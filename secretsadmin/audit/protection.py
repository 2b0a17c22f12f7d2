"""On PostgreSQL, whether the role the dashboard runs as could switch the audit log's protection
off, and the grants that leave it unable to.

The triggers refuse UPDATE, DELETE and TRUNCATE of events from anyone, but the table's owner may
disable or drop them, and the function's owner may replace it: so migrations run as an owner
role (`MIGRATE_DATABASE_URL`) and the dashboard as another, which may only read and append to
the log (and do what it needs with every other table).
"""

from django.db.backends.utils import CursorWrapper

TABLE = "audit_auditevent"
FUNCTION = "audit_refuse_change"
# Kept by a trigger running as its owner (migration 0005); a role that could write them could
# hide events from a filter.
SUMMARIES = ("audit_timeblock", "audit_openattempt")


def weaknesses(cursor: CursorWrapper) -> list[str]:
    """What the connection's role could do to the log's protection, in sentences; none is best."""
    cursor.execute(
        """
        SELECT r.rolsuper,
               pg_has_role(current_user, c.relowner, 'USAGE'),
               EXISTS (SELECT 1 FROM pg_proc p WHERE p.proname = %s
                       AND pg_has_role(current_user, p.proowner, 'USAGE')),
               has_table_privilege(current_user, c.oid, 'UPDATE, DELETE, TRUNCATE'),
               current_user
          FROM pg_roles r, pg_class c
         WHERE r.rolname = current_user AND c.oid = to_regclass(%s)
        """,
        [FUNCTION, TABLE],
    )
    row = cursor.fetchone()
    if row is None:
        return [f"the table {TABLE} does not exist yet: run the migrations"]
    superuser, owns_table, owns_function, may_change, role = row
    found = []
    if superuser:
        found.append(f"the role {role} is a superuser: it may do anything to the audit log")
    elif owns_table:
        found.append(
            f"the role {role} owns {TABLE}: it may disable or drop the triggers that keep the "
            "log append-only"
        )
    if owns_function and not superuser:
        found.append(f"the role {role} owns the function {FUNCTION}(): it may replace it")
    if may_change and not (superuser or owns_table):
        found.append(
            f"the role {role} may UPDATE, DELETE or TRUNCATE {TABLE}: only the triggers stop it"
        )
    if not (superuser or owns_table):
        found += _summaries_it_may_change(cursor, role)
    return found


def _summaries_it_may_change(cursor: CursorWrapper, role: str) -> list[str]:
    cursor.execute(
        # TRIGGER too: a trigger of its own that skips the rows would keep them as unchanged.
        # to_regclass: not migrated yet is no weakness to report here, nor an error.
        "SELECT relname FROM pg_class WHERE oid IN (SELECT to_regclass(unnest(%s::text[]))) "
        "AND has_table_privilege(current_user, oid, 'INSERT, UPDATE, DELETE, TRUNCATE, TRIGGER') "
        "ORDER BY relname",
        [list(SUMMARIES)],
    )
    return [
        f"the role {role} may change {table}: it could hide events from the review page's "
        "filters (prepare_database grants it only SELECT)"
        for (table,) in cursor.fetchall()
    ]


def grant_app_role(cursor: CursorWrapper, role: str) -> None:
    """Run as the owner: `role` may use every table of the schema, only read and append to the
    audit log, and only read the log's summaries. Again after every migration, for the tables
    it adds."""
    cursor.execute("SELECT quote_ident(%s), quote_ident(current_schema())", [role])
    quoted, schema = cursor.fetchone()
    for statement in (
        f"GRANT USAGE ON SCHEMA {schema} TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {quoted}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {quoted}",
        f"REVOKE ALL ON {TABLE} FROM {quoted}",
        f"GRANT SELECT, INSERT ON {TABLE} TO {quoted}",
        *(f"REVOKE ALL ON {table} FROM {quoted}" for table in SUMMARIES),
        *(f"GRANT SELECT ON {table} TO {quoted}" for table in SUMMARIES),
    ):
        cursor.execute(statement)
