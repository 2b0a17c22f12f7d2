"""Changes made outside the dashboard, as the watcher observes them: the `observed` outcome and
what was seen. A nullable column without a default (SQLite adds it without a rebuild, which would
drop the log's triggers); the outcome's choices are not in the database."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0007_event_operation"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="observed",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="outcome",
            field=models.CharField(
                choices=[
                    ("attempted", "Attempted"),
                    ("succeeded", "Succeeded"),
                    ("failed", "Failed"),
                    ("denied", "Denied"),
                    ("unknown", "Unknown"),
                    ("observed", "Observed"),
                ],
                max_length=16,
            ),
        ),
    ]
