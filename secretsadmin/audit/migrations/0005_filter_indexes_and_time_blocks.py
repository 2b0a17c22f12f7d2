"""What the review page's filters need to stay fast at millions of events (issue 11).

- `audit_settles_idx` answers "does an outcome settle this attempt?" from the index alone, and
  replaces the foreign key's own index on `attempt_id` (dropped by name: altering the field would
  rebuild the whole table on SQLite and re-validate the key on PostgreSQL). Being partial, it
  holds only outcomes, whatever share of the log they are.
- `audit_attempts_idx` walks the attempts newest first with their times: the `unknown` filter.
- `audit_timeblock` holds the earliest and latest time of each block of 1024 sequences, kept by
  a trigger on every append, so that a time filter reads only the stretches of the log that can
  hold its events (selectors.spans). On PostgreSQL the trigger's function runs as its owner (the
  role that migrates), so the dashboard's role, granted only SELECT on the table
  (protection.grant_app_role), cannot narrow a block to hide events from a time filter.

The trigger is created before the table is filled from the log, in the same transaction: on
PostgreSQL CREATE TRIGGER holds appends off until the commit, so none is missed.
"""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

# 1024 events a block: models.TIME_BLOCK.
SQLITE_TRIGGER = """
CREATE TRIGGER audit_timeblock_on_append AFTER INSERT ON audit_auditevent
BEGIN
    INSERT INTO audit_timeblock (block, earliest, latest)
    VALUES (NEW.sequence / 1024, NEW.time, NEW.time)
    ON CONFLICT (block) DO UPDATE SET
        earliest = min(earliest, excluded.earliest), latest = max(latest, excluded.latest);
END
"""

POSTGRESQL_FUNCTION = """
CREATE FUNCTION audit_note_time() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = {schema}, pg_temp AS $$
BEGIN
    INSERT INTO audit_timeblock (block, earliest, latest)
    VALUES (NEW.sequence / 1024, NEW.time, NEW.time)
    ON CONFLICT (block) DO UPDATE SET
        earliest = LEAST(audit_timeblock.earliest, EXCLUDED.earliest),
        latest = GREATEST(audit_timeblock.latest, EXCLUDED.latest);
    RETURN NULL;
END
$$;
CREATE TRIGGER audit_timeblock_on_append AFTER INSERT ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_note_time();
"""

FILL = """
INSERT INTO audit_timeblock (block, earliest, latest)
SELECT sequence / 1024, MIN(time), MAX(time) FROM audit_auditevent GROUP BY sequence / 1024
"""


def install(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT quote_ident(current_schema())")
            [schema] = cursor.fetchone()
        schema_editor.execute(POSTGRESQL_FUNCTION.format(schema=schema), params=None)
    else:
        schema_editor.execute(SQLITE_TRIGGER, params=None)
    schema_editor.execute(FILL, params=None)


def remove(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS audit_timeblock_on_append"
        + (" ON audit_auditevent" if schema_editor.connection.vendor == "postgresql" else ""),
        params=None,
    )
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS audit_note_time()", params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_postgresql_trigger_names_its_own_table")]

    operations = [
        migrations.CreateModel(
            name="TimeBlock",
            fields=[
                ("block", models.BigIntegerField(primary_key=True, serialize=False)),
                ("earliest", models.DateTimeField()),
                ("latest", models.DateTimeField()),
            ],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="attempt",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=models.deletion.PROTECT,
                        related_name="outcomes",
                        to="audit.auditevent",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "audit_auditevent_attempt_id_d25aa4b0"',
                    'CREATE INDEX "audit_auditevent_attempt_id_d25aa4b0" '
                    'ON "audit_auditevent" ("attempt_id")',
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(("attempt__isnull", False)),
                fields=["attempt", "outcome", "error_code"],
                name="audit_settles_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(("outcome", "attempted")),
                fields=["-sequence", "time"],
                name="audit_attempts_idx",
            ),
        ),
        migrations.RunPython(install, remove),
    ]
