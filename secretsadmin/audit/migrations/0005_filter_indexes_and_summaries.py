"""What the review page's filters need to stay fast at millions of events (issue 11).

- `audit_settles_idx` answers "does an outcome settle this attempt?" from the index alone, and
  replaces the foreign key's own index on `attempt_id` (dropped by name: altering the field would
  rebuild the whole table on SQLite and re-validate the key on PostgreSQL). Being partial, it
  holds only outcomes, whatever share of the log they are.
- `audit_timeblock` holds the earliest and latest time of each block of 1024 sequences, so that a
  time filter reads only the stretches of the log that can hold its events (selectors.spans).
- `audit_openattempt` holds the attempts no outcome has settled yet, so that the `unknown` filter
  reads those few rather than ask of every attempt whether an outcome settled it.

One trigger keeps both tables on every append. On PostgreSQL its function runs as its owner (the
role that migrates), and the dashboard's role is granted only SELECT on them
(protection.grant_app_role): it cannot narrow a block or drop an attempt to hide events from a
filter. The trigger is created before the tables are filled from the log, in the same
transaction: on PostgreSQL CREATE TRIGGER holds appends off until the commit, so none is missed.

On SQLite, which gathers no statistics unless told to (nothing runs ANALYZE), the query planner
cannot tell a rare request id from a common provider and may walk the wrong index. So this
writes the statistics of a typical log into `sqlite_stat1` (SQLite's documented way to steer its
planner), unless the log already has some: they say how many events share a value of each
indexed column, relative to the others, which holds at any size. `ANALYZE` replaces them.
"""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

# Settled: an outcome that says what happened, or the reconcile step's own verdict
# (selectors.pending_attempts). 1024 events a block: models.TIME_BLOCK.
SQLITE_TRIGGER = """
CREATE TRIGGER audit_summaries_on_append AFTER INSERT ON audit_auditevent
BEGIN
    INSERT INTO audit_timeblock (block, earliest, latest)
    VALUES (NEW.sequence / 1024, NEW.time, NEW.time)
    ON CONFLICT (block) DO UPDATE SET
        earliest = min(earliest, excluded.earliest), latest = max(latest, excluded.latest);
    INSERT INTO audit_openattempt (sequence) SELECT NEW.sequence WHERE NEW.outcome = 'attempted';
    DELETE FROM audit_openattempt
    WHERE sequence = NEW.attempt_id AND (NEW.outcome <> 'unknown' OR NEW.error_code = 'reconciled');
END
"""

POSTGRESQL_TRIGGER = """
CREATE FUNCTION audit_keep_summaries() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = {schema}, pg_temp AS $$
BEGIN
    INSERT INTO audit_timeblock (block, earliest, latest)
    VALUES (NEW.sequence / 1024, NEW.time, NEW.time)
    ON CONFLICT (block) DO UPDATE SET
        earliest = LEAST(audit_timeblock.earliest, EXCLUDED.earliest),
        latest = GREATEST(audit_timeblock.latest, EXCLUDED.latest);
    IF NEW.outcome = 'attempted' THEN
        INSERT INTO audit_openattempt (sequence) VALUES (NEW.sequence);
    ELSIF NEW.outcome <> 'unknown' OR NEW.error_code = 'reconciled' THEN
        DELETE FROM audit_openattempt WHERE sequence = NEW.attempt_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER audit_summaries_on_append AFTER INSERT ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_keep_summaries();
"""

FILL_BLOCKS = """
INSERT INTO audit_timeblock (block, earliest, latest)
SELECT sequence / 1024, MIN(time), MAX(time) FROM audit_auditevent GROUP BY sequence / 1024
"""
FILL_OPEN = """
INSERT INTO audit_openattempt (sequence)
SELECT a.sequence FROM audit_auditevent a WHERE a.outcome = 'attempted' AND NOT EXISTS (
    SELECT 1 FROM audit_auditevent o WHERE o.attempt_id = a.sequence
    AND (o.outcome <> 'unknown' OR o.error_code = 'reconciled')
)
"""

# Events in the log, and events sharing a value of each index's leading columns, in a log of a
# year (bench/audit_filters_bench.py seeds one): a request id is rarer than a target, a target
# than an actor, an actor than an action, an action than an outcome or a provider.
EVENTS = 1_000_000
SHARING = {
    "sqlite_autoindex_audit_auditevent_1": "1",  # sequence
    "sqlite_autoindex_audit_auditevent_2": "1",  # uuid
    "audit_auditevent_time_ec28f263": "1",
    "audit_auditevent_actor_id_270bb4b7": "25000",
    "audit_request_id_idx": "2 1",
    "audit_target_id_idx": "20 1",
    "audit_target_idx": "500 1",
    "audit_actor_user_idx": "25000 1",
    "audit_actor_emai_idx": "25000 1",
    "audit_account_idx": "50000 1",
    "audit_action_idx": "60000 1",
    "audit_outcome_idx": "200000 1",
    "audit_provider_idx": "330000 1",
}
SETTLES = "audit_settles_idx"  # partial: the outcomes alone, one or two an attempt


def install(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT quote_ident(current_schema())")
            [schema] = cursor.fetchone()
        schema_editor.execute(POSTGRESQL_TRIGGER.format(schema=schema), params=None)
    else:
        schema_editor.execute(SQLITE_TRIGGER, params=None)
    schema_editor.execute(FILL_BLOCKS, params=None)
    schema_editor.execute(FILL_OPEN, params=None)
    if connection.vendor == "sqlite":
        _typical_statistics(schema_editor)


def _typical_statistics(schema_editor: BaseDatabaseSchemaEditor) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("ANALYZE sqlite_schema")  # creates sqlite_stat1 if need be
        cursor.execute("SELECT 1 FROM sqlite_stat1 WHERE tbl = 'audit_auditevent'")
        if cursor.fetchone() is not None:
            return
        rows = [(index, f"{EVENTS} {sharing}") for index, sharing in SHARING.items()]
        rows.append((SETTLES, f"{EVENTS // 2} 1 1 1"))
        cursor.executemany(
            "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('audit_auditevent', %s, %s)", rows
        )
        cursor.execute("ANALYZE sqlite_schema")  # has the planner read them


def remove(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS audit_summaries_on_append ON audit_auditevent; "
            "DROP FUNCTION IF EXISTS audit_keep_summaries()",
            params=None,
        )
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS audit_summaries_on_append", params=None)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("ANALYZE sqlite_schema")
        cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'audit_auditevent'")


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
        migrations.CreateModel(
            name="OpenAttempt",
            fields=[("sequence", models.BigIntegerField(primary_key=True, serialize=False))],
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
        migrations.RunPython(install, remove),
    ]
