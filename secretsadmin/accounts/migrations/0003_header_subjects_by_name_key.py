import unicodedata

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def _key(name: str) -> str:
    # identity_names.key as it was written: a migration does not follow later changes.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def subjects_by_name_key(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """The SSO header's identities were kept by the name as sent, so "Alice" and "alice" were
    two people; now they are kept by the name's key, one person. Where both were kept, the one
    already under the key keeps it and the other is left as it was: its account is then reached
    no more, to be looked at by an administrator."""
    identities = apps.get_model("accounts", "ExternalIdentity").objects.using(
        schema_editor.connection.alias
    )
    header = identities.filter(source="sso-header", issuer="")
    taken = set(header.values_list("subject", flat=True))
    for identity in header.order_by("pk"):
        key = _key(identity.subject)
        if key != identity.subject and key not in taken:
            taken.add(key)
            identity.subject = key
            identity.save(update_fields=["subject"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_role_groups")]

    operations = [migrations.RunPython(subjects_by_name_key, migrations.RunPython.noop)]
