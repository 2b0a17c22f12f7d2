"""The operation an event is a step of. A nullable column without a default: SQLite adds it with
ALTER TABLE, no rebuild, so the summaries' triggers on the log stay (a rebuild would drop them)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0006_sqlite_search_trigram_table"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="operation",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="steps",
                to="audit.auditevent",
            ),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["operation", "-sequence"], name="audit_operation_idx"),
        ),
    ]
