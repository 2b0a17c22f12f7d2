from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

ROLES = ("viewer", "editor", "auditor", "admin")


def create_role_groups(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Local users get roles as these groups, from their user page; the groups themselves are not
    editable in the admin (their names are the roles)."""
    Group = apps.get_model("auth", "Group")
    # The database being migrated, which may be the owner role's rather than the default.
    groups = Group.objects.using(schema_editor.connection.alias)
    for role in ROLES:
        groups.get_or_create(name=role)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_role_groups, migrations.RunPython.noop)]
