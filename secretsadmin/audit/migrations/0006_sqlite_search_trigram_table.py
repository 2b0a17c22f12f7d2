"""On SQLite, a trigram table serves the free-text search of the review page, as the trigram index
of migration 0003 does on PostgreSQL.

`audit_search` is an FTS5 table with the trigram tokenizer (SQLite 3.34+), contentless (it holds
only the index, about a tenth of the log's size) and without positions (`detail=none`): it names
the events holding every trigram of a text, newest first, and the search then checks those
events for the text itself (`selectors.Selection`), so the table only ever narrows what is read.
A trigger adds each appended event; the log is never changed, so nothing is ever removed.

If this SQLite was built without FTS5, the migration says so and does nothing: search works
without the table, only slower. To add it later, run
`manage.py migrate audit 0005 && manage.py migrate audit`.
"""

import sys

from django.db import DatabaseError, migrations, transaction
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

# selectors.TEXT_FIELDS, joined by selectors.SEPARATOR (char 31), as stored: the same in both.
TRIGGER = """
CREATE TRIGGER audit_search_on_append AFTER INSERT ON audit_auditevent BEGIN
    INSERT INTO audit_search (rowid, text) VALUES (NEW.sequence,
        NEW.action || char(31) || NEW.actor_username || char(31) || NEW.actor_email
        || char(31) || NEW.account || char(31) || NEW.target || char(31) || NEW.target_id
        || char(31) || NEW.error_code || char(31) || NEW.error_message || char(31)
        || NEW.reason || char(31) || NEW.keys);
END
"""
FILL = """
INSERT INTO audit_search (rowid, text) SELECT sequence,
    action || char(31) || actor_username || char(31) || actor_email
    || char(31) || account || char(31) || target || char(31) || target_id
    || char(31) || error_code || char(31) || error_message || char(31)
    || reason || char(31) || keys
FROM audit_auditevent
"""
CREATE = (
    "CREATE VIRTUAL TABLE audit_search "
    "USING fts5(text, content='', tokenize='trigram', detail=none)"
)


def install(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    try:
        with transaction.atomic(using=connection.alias):
            schema_editor.execute(CREATE, params=None)
    except DatabaseError as error:
        sys.stderr.write(
            f"\nNote: audit free-text search table skipped: this SQLite has no trigram FTS5 "
            f"({str(error).strip()}). Search works without it, only slower; see {__name__}.\n"
        )
        return
    schema_editor.execute(TRIGGER, params=None)
    schema_editor.execute(FILL, params=None)


def remove(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_search_on_append", params=None)
        schema_editor.execute("DROP TABLE IF EXISTS audit_search", params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_filter_indexes_and_summaries")]

    operations = [migrations.RunPython(install, remove)]
