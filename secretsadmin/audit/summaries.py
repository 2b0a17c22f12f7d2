"""Whether the filters' summaries (migrations 0005 and 0006) still lead to every event.

They are not part of the chain, so whoever may write them (the database's owner, whoever holds
the SQLite file) could narrow a time block, drop an open attempt or an event's search row, and
the filters would no longer show that event while the chain verifies. `first_hidden` compares
them with the log itself, as a verification's last step: a block or a row that says more than
the log is harmless (the filters check every event they read), one that says less hides events.
On SQLite the triggers that keep them are checked too, since a table rebuild drops them.
"""

from django.db import connection

# (the first event hidden, by sequence; why): each query answers one row. As in migration 0005:
# blocks of models.TIME_BLOCK (1024) sequences; an attempt is settled by an outcome that says
# what happened, or by the reconcile step's verdict.
CHECKS = (
    (
        """
        SELECT MIN(e.sequence) FROM audit_auditevent e
        LEFT JOIN audit_timeblock b ON b.block = e.sequence / 1024
        WHERE b.block IS NULL OR b.earliest > e.time OR b.latest < e.time
        """,
        "the time filters would not show it: its block's earliest and latest times "
        "(audit_timeblock) leave its time out",
    ),
    (
        """
        SELECT MIN(a.sequence) FROM audit_auditevent a
        WHERE a.outcome = 'attempted'
        AND NOT EXISTS (SELECT 1 FROM audit_auditevent o WHERE o.attempt_id = a.sequence
                        AND (o.outcome <> 'unknown' OR o.error_code = 'reconciled'))
        AND NOT EXISTS (SELECT 1 FROM audit_openattempt p WHERE p.sequence = a.sequence)
        """,
        "the 'outcome unknown' filter would not show it: no outcome settles this attempt, yet "
        "it is missing from the open attempts (audit_openattempt)",
    ),
)
SEARCH_CHECK = (
    """
    SELECT MIN(e.sequence) FROM audit_auditevent e
    WHERE NOT EXISTS (SELECT 1 FROM audit_search s WHERE s.rowid = e.sequence)
    """,
    "the text search would not find it: it is missing from the search table (audit_search)",
)
SQLITE_TRIGGERS = {"audit_summaries_on_append", "audit_search_on_append"}


def first_hidden() -> tuple[int, str] | None:
    """The first event a filter's summary hides, and why; None when none is."""
    with connection.cursor() as cursor:
        checks = list(CHECKS)
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'audit_auditevent'"
            )
            present = {name for (name,) in cursor.fetchall()}
            searched = "audit_search" in connection.introspection.table_names(cursor)
            wanted = SQLITE_TRIGGERS if searched else SQLITE_TRIGGERS - {"audit_search_on_append"}
            if missing := sorted(wanted - present):
                cursor.execute("SELECT MAX(sequence) FROM audit_auditevent")
                [(head,)] = cursor.fetchall()
                several = len(missing) > 1
                return (head or 0) + 1, (
                    f"the trigger{'s' if several else ''} {', '.join(missing)} keeping the "
                    f"filters' summaries {'are' if several else 'is'} gone: events appended from "
                    "now on would be missing from the filters (run manage.py migrate audit 0004, "
                    "then migrate)"
                )
            if searched:
                checks.append(SEARCH_CHECK)
        for sql, why in checks:
            cursor.execute(sql)
            [(sequence,)] = cursor.fetchall()
            if sequence is not None:
                return sequence, why
    return None
