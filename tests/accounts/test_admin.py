"""Django's admin, where an operator grants local accounts their roles."""

import io

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from secretsadmin.accounts.models import ExternalIdentity
from secretsadmin.accounts.roles import Role, roles_of
from secretsadmin.audit.models import AuditEvent
from tests.fixtures.personas import client_for, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db):
    root = make_user("root", superuser=True)
    root.is_staff = True
    root.save()
    return client_for(root)


def save_in_admin(client, user, *, groups=(), superuser=False, active=True, **fields):
    """Submits the user's change form as an operator would, with these roles ticked (and
    `fields` typed over what the form holds)."""
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
    return client.post(url, form | fields)


def test_the_admin_cannot_grant_roles_to_someone_from_the_identity_provider(operator):
    alice = User.objects.create_user("alice")
    ExternalIdentity.objects.create(user=alice, source="sso-header", subject="alice")
    page = operator.get(f"/admin/auth/user/{alice.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page and 'name="groups"' not in page
    assert save_in_admin(operator, alice, groups=[Role.ADMIN], superuser=True).status_code == 302
    alice.refresh_from_db()
    assert (alice.is_superuser, roles_of(alice)) == (False, frozenset())


def role_changes():
    return list(AuditEvent.objects.filter(action="auth.roles_changed").order_by("sequence"))


def test_granting_roles_in_the_admin_is_recorded_with_who_granted_them(operator):
    vera = make_user("vera")
    save_in_admin(operator, vera, groups=[Role.VIEWER])
    save_in_admin(operator, vera, groups=[Role.EDITOR])
    save_in_admin(operator, vera, groups=[Role.EDITOR], superuser=True)
    save_in_admin(operator, vera, groups=[Role.EDITOR], active=False)
    changes = role_changes()
    assert [(e.actor_username, e.target, e.error_message) for e in changes] == [
        ("root", "vera", "roles: none → viewer"),
        ("root", "vera", "roles: viewer → editor"),
        ("root", "vera", "roles: editor → admin"),
        ("root", "vera", "roles: admin → none"),
    ]
    page = operator.get(f"/audit/{changes[0].sequence}/").content.decode()
    assert "<dt>Details</dt><dd>roles: none → viewer</dd>" in page


def test_saving_a_user_without_changing_their_roles_records_nothing(operator):
    vera = make_user("vera", Role.VIEWER)
    assert save_in_admin(operator, vera, groups=[Role.VIEWER]).status_code == 302
    assert role_changes() == []


def test_a_role_that_cannot_be_recorded_is_not_granted(operator, failing_disk):
    vera = make_user("vera")
    response = save_in_admin(operator, vera, superuser=True)
    assert response.status_code == 503
    assert b"The audit log cannot be written" in response.content
    vera.refresh_from_db()
    assert not vera.is_superuser


def test_the_role_groups_exist_and_cannot_be_renamed_or_deleted_in_the_admin(operator):
    """Roles are the groups' names: renaming 'viewer' to 'admin' would make viewers admins."""
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}
    assert operator.get("/admin/auth/group/").status_code == 404


def test_deleting_someone_in_the_admin_records_the_roles_they_lose(operator):
    bob = make_user("bob", Role.EDITOR)
    page = operator.get(f"/admin/auth/user/{bob.pk}/delete/")
    token = operator.cookies["csrftoken"].value
    operator.post(page.wsgi_request.path, {"post": "yes", "csrfmiddlewaretoken": token})
    assert not User.objects.filter(username="bob").exists()
    [event] = AuditEvent.objects.filter(action="auth.roles_changed")
    assert (event.target, event.error_message, event.actor_username) == (
        "bob",
        "roles: editor → none",
        "root",
    )


def test_deleting_several_at_once_records_each(operator):
    users = [make_user("bob", Role.EDITOR), make_user("carol", Role.AUDITOR)]
    operator.get("/admin/auth/user/")
    operator.post(
        "/admin/auth/user/",
        {
            "action": "delete_selected",
            "_selected_action": [u.pk for u in users],
            "post": "yes",
            "csrfmiddlewaretoken": operator.cookies["csrftoken"].value,
        },
    )
    assert not User.objects.filter(username__in=["bob", "carol"]).exists()
    changed = AuditEvent.objects.filter(action="auth.roles_changed").order_by("target")
    assert [(e.target, e.error_message) for e in changed] == [
        ("bob", "roles: editor → none"),
        ("carol", "roles: auditor → none"),
    ]


def test_a_deletion_that_cannot_be_recorded_is_not_made(operator, failing_disk):
    bob = make_user("bob", Role.EDITOR)
    operator.get(f"/admin/auth/user/{bob.pk}/delete/")
    token = operator.cookies["csrftoken"].value
    response = operator.post(
        f"/admin/auth/user/{bob.pk}/delete/", {"post": "yes", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 503
    assert User.objects.filter(username="bob").exists()


@pytest.fixture
def role_manager(db):
    """Someone holding the admin role through the `admin` group, neither staff nor superuser."""
    return client_for(make_user("ada", Role.ADMIN))


def test_demo_admin_signs_in_and_opens_the_admin(client, settings):
    settings.DEMO_MODE = True
    call_command("create_demo_users", stdout=io.StringIO())
    assert not User.objects.get(username="demo-admin").is_staff
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value
    login = {"username": "demo-admin", "password": "demo", "csrfmiddlewaretoken": token}
    client.post("/accounts/login/?next=/admin/", login)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert b'href="/admin/auth/user/"' in response.content


def test_the_admin_role_ticks_a_role_and_the_change_is_recorded(role_manager):
    vera = make_user("vera")
    page = role_manager.get(f"/admin/auth/user/{vera.pk}/change/").content.decode()
    assert 'type="checkbox" name="groups"' in page
    assert save_in_admin(role_manager, vera, groups=[Role.EDITOR]).status_code == 302
    assert roles_of(User.objects.get(pk=vera.pk)) == {Role.EDITOR}
    [event] = role_changes()
    assert (event.actor_username, event.target, event.error_message) == (
        "ada",
        "vera",
        "roles: none → editor",
    )


def test_the_admin_role_changes_nothing_but_roles(role_manager):
    vera = make_user("vera", Role.VIEWER)
    page = role_manager.get(f"/admin/auth/user/{vera.pk}/change/").content.decode()
    for field in ("is_superuser", "is_staff", "username", "email", "is_active", "password"):
        assert f'name="{field}"' not in page
    assert "/password/" not in page
    typed = {"username": "vera-renamed", "email": "x@example.com", "is_staff": "on"}
    response = save_in_admin(
        role_manager, vera, groups=[Role.VIEWER], superuser=True, active=False, **typed
    )
    assert response.status_code == 302
    vera.refresh_from_db()
    assert (vera.username, vera.email, vera.is_superuser, vera.is_staff, vera.is_active) == (
        "vera",
        "vera@example.com",
        False,
        False,
        True,
    )


def test_the_admin_role_may_not_set_passwords_add_or_delete_users(role_manager):
    vera = make_user("vera", Role.VIEWER)
    assert role_manager.get(f"/admin/auth/user/{vera.pk}/password/").status_code == 403
    [refusal] = AuditEvent.objects.filter(action="auth.denied")
    assert (refusal.actor_username, refusal.target) == (
        "ada",
        f"GET /admin/auth/user/{vera.pk}/password/",
    )
    assert role_manager.get("/admin/auth/user/add/").status_code == 403
    assert role_manager.get(f"/admin/auth/user/{vera.pk}/delete/").status_code == 403
    assert vera.check_password("correct horse battery staple")
    assert User.objects.filter(username="vera").exists()


def test_the_admin_role_cannot_grant_roles_to_someone_from_the_identity_provider(role_manager):
    alice = User.objects.create_user("alice")
    ExternalIdentity.objects.create(user=alice, source="sso-header", subject="alice")
    page = role_manager.get(f"/admin/auth/user/{alice.pk}/change/").content.decode()
    assert 'name="groups"' not in page
    save_in_admin(role_manager, alice, groups=[Role.ADMIN])
    assert roles_of(User.objects.get(pk=alice.pk)) == frozenset()


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR, Role.AUDITOR])
def test_other_roles_are_refused_the_admin_and_the_refusal_is_recorded(role):
    client = client_for(make_user("eddie", role))
    vera = make_user("vera")
    assert client.get("/admin/").status_code == 403
    assert save_in_admin(client, vera, groups=[Role.ADMIN]).status_code == 403
    assert roles_of(User.objects.get(pk=vera.pk)) == frozenset()
    refusals = AuditEvent.objects.filter(action="auth.denied").order_by("sequence")
    change = f"/admin/auth/user/{vera.pk}/change/"
    assert [e.target for e in refusals] == ["GET /admin/", f"GET {change}", f"POST {change}"]
    assert {e.error_message for e in refusals} == {"requires the admin role"}
    assert "requires the admin role" in client.get("/admin/auth/user/").content.decode()


def test_signing_in_to_the_admin_is_the_dashboards_own_sign_in(client):
    response = client.get("/admin/auth/user/", follow=True)
    assert response.redirect_chain[-1] == ("/accounts/login/?next=/admin/auth/user/", 302)
    assert b'name="password"' in response.content
