"""Django's admin, where an operator grants local accounts their roles."""

import pytest
from django.contrib.auth.models import Group, User

from secretsadmin.accounts.models import ExternalIdentity
from secretsadmin.accounts.roles import Role, roles_of
from tests.fixtures.personas import client_for, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db):
    root = make_user("root", superuser=True)
    root.is_staff = True
    root.save()
    return client_for(root)


def save_in_admin(client, user, *, groups=(), superuser=False, active=True):
    """Submits the user's change form as an operator would, with these roles ticked."""
    url = f"/admin/auth/user/{user.pk}/change/"
    client.get(url)
    form = {
        "username": user.username,
        "email": user.email,
        "first_name": "",
        "last_name": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "groups": [Group.objects.get_or_create(name=role.value)[0].pk for role in groups],
        "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
    }
    form |= {"is_superuser": "on"} if superuser else {}
    form |= {"is_active": "on"} if active else {}
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def test_the_admin_cannot_grant_roles_to_someone_from_the_identity_provider(operator):
    alice = User.objects.create_user("alice")
    ExternalIdentity.objects.create(user=alice, source="sso-header", subject="alice")
    page = operator.get(f"/admin/auth/user/{alice.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page and 'name="groups"' not in page
    save_in_admin(operator, alice, groups=[Role.ADMIN], superuser=True)
    alice.refresh_from_db()
    assert (alice.is_superuser, roles_of(alice)) == (False, frozenset())
