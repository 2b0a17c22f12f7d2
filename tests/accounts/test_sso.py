import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client, override_settings

from secretsadmin.accounts.models import ExternalIdentity
from secretsadmin.accounts.roles import Role, roles_of
from secretsadmin.audit.models import AuditEvent
from secretsadmin.config import Config
from tests.fixtures.personas import make_user

pytestmark = pytest.mark.django_db

SSO = {
    "SSO_USER_HEADER": "X-Forwarded-User",
    "SSO_EMAIL_HEADER": "X-Forwarded-Email",
    "SSO_GROUPS_HEADER": "X-Forwarded-Groups",
    "TRUSTED_PROXIES": Config({"P": "10.0.0.0/8"}).networks("P", []),
    "AUTHENTICATION_BACKENDS": [
        "django.contrib.auth.backends.ModelBackend",
        "secretsadmin.accounts.backends.TrustedHeaderBackend",
    ],
    "ROLE_GROUPS": {
        "viewer": ["ops-readers"],
        "editor": ["ops"],
        "auditor": ["compliance"],
        "admin": ["platform-admins"],
    },
}
PROXY = "10.0.0.7"


def via_proxy(client, path="/", user="alice", groups="ops", email="alice@example.com", **extra):
    headers = {"HTTP_X_FORWARDED_USER": user, "HTTP_X_FORWARDED_GROUPS": groups}
    if email is not None:
        headers["HTTP_X_FORWARDED_EMAIL"] = email
    return client.get(path, REMOTE_ADDR=PROXY, **as_sent(headers), **extra)


def as_sent(headers: dict[str, str]) -> dict[str, str]:
    """Headers as a WSGI server hands them on: the proxy's UTF-8 bytes, each read as a Latin-1
    character (PEP 3333)."""
    return {name: value.encode().decode("latin-1") for name, value in headers.items()}


@pytest.fixture
def browser():
    with override_settings(**SSO):
        yield Client(HTTP_HOST="localhost")


def test_a_new_user_is_created_and_signed_in_with_roles_from_groups(browser):
    response = via_proxy(browser, "/pipecat/", groups="ops, something-else")
    assert response.status_code == 200
    alice = User.objects.get(username="alice")
    assert alice.email == "alice@example.com"
    assert roles_of(alice) == {Role.EDITOR}
    assert not alice.has_usable_password()
    [login] = AuditEvent.objects.filter(action="auth.login")
    assert (login.actor_username, login.auth_method, login.source_ip) == (
        "alice",
        "sso-header",
        PROXY,
    )


def test_the_header_is_ignored_from_an_address_that_is_not_a_trusted_proxy(browser):
    response = browser.get(
        "/pipecat/",
        REMOTE_ADDR="192.0.2.66",
        HTTP_X_FORWARDED_USER="mallory",
        HTTP_X_FORWARDED_GROUPS="platform-admins",
    )
    assert response.status_code == 302  # still a stranger: off to the login page
    assert not User.objects.filter(username="mallory").exists()
    [denied] = AuditEvent.objects.filter(action="auth.denied")
    assert denied.error_code == "untrusted_identity_header"
    assert denied.source_ip == "192.0.2.66"


def test_an_empty_header_ends_the_sso_session(browser):
    via_proxy(browser)
    response = browser.get("/pipecat/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_USER="")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.logout", actor_username="alice").count() == 1


def test_another_user_in_the_header_replaces_the_session_user(browser):
    via_proxy(browser)
    via_proxy(browser, user="bob", groups="ops-readers", email="bob@example.com")
    assert (
        browser.get(
            "/",
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_USER="bob",
            HTTP_X_FORWARDED_GROUPS="ops-readers",
        )
        .context["user"]
        .username
        == "bob"
    )
    logins = AuditEvent.objects.filter(action="auth.login").order_by("sequence")
    assert [e.actor_username for e in logins] == ["alice", "bob"]


def test_a_change_of_groups_changes_roles_at_the_next_request(browser):
    via_proxy(browser, groups="ops")
    via_proxy(browser, groups="compliance")
    assert roles_of(User.objects.get(username="alice")) == {Role.AUDITOR}
    assert via_proxy(browser, "/pipecat/prod/new/", groups="compliance").status_code == 403


def test_no_mapped_group_means_no_role(browser):
    response = via_proxy(browser, "/pipecat/", groups="marketing")
    assert response.status_code == 403
    assert roles_of(User.objects.get(username="alice")) == set()


def test_header_sso_is_off_unless_configured(client):
    response = client.get("/pipecat/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_USER="alice")
    assert response.status_code == 302
    assert not User.objects.filter(username="alice").exists()


def test_the_header_cannot_sign_in_as_a_local_account(browser):
    root = make_user("root", superuser=True)  # break-glass, made with createsuperuser
    response = via_proxy(browser, "/audit/", user="root", groups="", email="x@evil.example")
    assert response.status_code == 403
    assert "cannot sign you in as “root”" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
    [refusal] = AuditEvent.objects.filter(action="auth.denied")
    assert (refusal.error_code, refusal.target, refusal.source_ip) == (
        "identity_not_owner",
        "GET /audit/",
        PROXY,
    )
    root.refresh_from_db()
    assert (root.email, root.is_superuser) == ("root@example.com", True)


def test_a_name_the_header_did_not_create_ends_the_sso_session(browser):
    via_proxy(browser)
    make_user("root", superuser=True)
    assert via_proxy(browser, user="root", groups="platform-admins").status_code == 403
    assert AuditEvent.objects.filter(action="auth.logout", actor_username="alice").count() == 1
    assert browser.get("/pipecat/").status_code == 302


def test_a_header_user_made_superuser_by_hand_holds_only_its_groups_roles_at_next_sync(browser):
    via_proxy(browser, groups="ops-readers")
    User.objects.filter(username="alice").update(is_superuser=True, is_staff=True)
    via_proxy(browser, groups="ops")
    alice = User.objects.get(username="alice")
    assert (alice.is_superuser, alice.is_staff) == (False, False)
    assert roles_of(alice) == {Role.EDITOR}


def test_a_change_of_groups_mid_session_is_recorded_as_a_change_of_roles(browser):
    via_proxy(browser, groups="ops-readers")
    via_proxy(browser, groups="ops-readers")
    via_proxy(browser, groups="platform-admins, ops-readers")
    changes = AuditEvent.objects.filter(action="auth.roles_changed").order_by("sequence")
    assert [(e.actor_username, e.target, e.error_message) for e in changes] == [
        ("alice", "alice", "roles: none → viewer"),
        ("alice", "alice", "roles: viewer → admin, viewer"),
    ]
    assert (changes[1].auth_method, changes[1].source_ip, changes[1].actor_roles) == (
        "sso-header",
        PROXY,
        ["admin", "viewer"],
    )


def test_an_sso_session_used_around_the_proxy_is_ended_and_recorded(browser):
    """The proxy checks each request (and ends the session with an empty header); the same
    cookie sent straight to the app must not escape it."""
    assert via_proxy(browser, "/pipecat/").status_code == 200
    around = browser.get("/pipecat/", REMOTE_ADDR="192.0.2.50")
    assert around.status_code == 302 and "/accounts/login/" in around["Location"]
    denial = AuditEvent.objects.filter(action="auth.denied").order_by("-sequence").first()
    assert (denial.actor_username, denial.error_code, denial.source_ip) == (
        "alice",
        "sso_session_off_the_proxy",
        "192.0.2.50",
    )
    assert browser.get("/pipecat/", REMOTE_ADDR="192.0.2.50").status_code == 302  # stays out


def test_a_name_too_long_to_hold_is_refused_and_recorded(browser):
    response = via_proxy(browser, "/pipecat/", user="a" * 151)
    assert response.status_code == 403
    assert AuditEvent.objects.get(action="auth.denied").error_code == "identity_unusable"
    assert not User.objects.exists()


def test_a_full_width_name_is_the_local_account_it_spells_and_is_refused(browser):
    make_user("root", superuser=True)
    full_width_root = "\uff52\uff4f\uff4f\uff54"
    response = via_proxy(browser, "/pipecat/", user=full_width_root)
    assert response.status_code == 403
    assert AuditEvent.objects.get(action="auth.denied").error_code == "identity_not_owner"


def test_an_account_single_sign_on_made_before_identities_were_kept_is_taken_up(browser):
    """Accounts made by SSO before identities were recorded: no password, no flags."""
    earlier = User.objects.create_user("alice")  # as SSO created them: no usable password
    assert via_proxy(browser, "/pipecat/").status_code == 200
    assert ExternalIdentity.objects.get(user=earlier).subject == "alice"
    assert User.objects.count() == 1


def test_an_account_with_a_password_is_not_taken_up(browser):
    User.objects.create_user("alice", password="break-glass-pw")
    assert via_proxy(browser, "/pipecat/").status_code == 403


def test_a_header_user_made_superuser_by_hand_loses_it_on_the_next_request(browser):
    via_proxy(browser, "/pipecat/", groups="ops")
    User.objects.filter(username="alice").update(is_superuser=True, is_staff=True)
    assert via_proxy(browser, "/audit/", groups="ops").status_code == 403  # same header
    assert not User.objects.get(username="alice").is_superuser


SPOOFS = {
    "a stranger's address": {"REMOTE_ADDR": "192.0.2.66"},
    "claiming to be forwarded by the proxy": {
        "REMOTE_ADDR": "192.0.2.66",
        "HTTP_X_FORWARDED_FOR": PROXY,
    },
    "an IPv4 stranger on an IPv6 socket": {"REMOTE_ADDR": "::ffff:192.0.2.66"},
    "an IPv6 stranger": {"REMOTE_ADDR": "2001:db8::66"},
    "an address that is not one": {"REMOTE_ADDR": "10.0.0.7.evil"},
}
SPOOFED_PATHS = [
    ("get", "/", 302),
    ("get", "/healthz", 200),
    ("get", "/no-such-page/", 404),
    ("get", "/accounts/login/", 200),
    ("post", "/pipecat/prod/new/", 302),
]


@pytest.mark.parametrize("spoof", SPOOFS)
@pytest.mark.parametrize(("method", "path", "status"), SPOOFED_PATHS)
def test_a_spoofed_identity_header_opens_no_session_anywhere(browser, spoof, method, path, status):
    headers = {
        "HTTP_X_FORWARDED_USER": "mallory",
        "HTTP_X_FORWARDED_GROUPS": "platform-admins",
        "HTTP_X_FORWARDED_EMAIL": "mallory@example.com",
        **SPOOFS[spoof],
    }
    response = getattr(browser, method)(path, **headers)
    assert response.status_code == status
    assert "sessionid" not in response.cookies
    assert not response.wsgi_request.user.is_authenticated
    assert "mallory" not in response.content.decode()
    assert not User.objects.exists()
    assert browser.get("/", REMOTE_ADDR=SPOOFS[spoof]["REMOTE_ADDR"]).status_code == 302
    [denied] = AuditEvent.objects.filter(action="auth.denied")
    assert denied.error_code == "untrusted_identity_header"


CYRILLIC_A = "\u0430"


def test_a_header_that_is_not_utf_8_is_read_as_sent(browser):
    latin_1 = "Zo\xeb"  # a proxy sending Latin-1: the byte alone is no UTF-8
    sent = {"HTTP_X_FORWARDED_USER": latin_1, "HTTP_X_FORWARDED_GROUPS": "ops"}
    assert browser.get("/pipecat/", REMOTE_ADDR=PROXY, **sent).status_code == 200
    assert User.objects.get().username == "Zoë"


def test_a_name_in_another_case_is_the_same_account(browser):
    for name in ("Alice", "alice", "ALICE", "\uff21\uff4c\uff49\uff43\uff45"):  # full-width last
        assert via_proxy(browser, "/pipecat/", user=name).status_code == 200
    assert list(User.objects.values_list("username", flat=True)) == ["Alice"]
    assert ExternalIdentity.objects.get().subject == "alice"
    assert AuditEvent.objects.filter(action="auth.login").count() == 1  # one session throughout


def test_a_name_of_another_script_is_matched_without_regard_to_case(browser):
    """Case folding beyond ASCII, which SQLite's own comparison does not do."""
    assert via_proxy(browser, "/pipecat/", user="Ярослав").status_code == 200
    assert via_proxy(Client(HTTP_HOST="localhost"), "/pipecat/", user="ЯРОСЛАВ").status_code == 200
    assert User.objects.count() == 1


def test_a_name_in_another_case_cannot_take_a_local_account(browser):
    make_user("root", superuser=True)  # break-glass
    response = via_proxy(browser, "/pipecat/", user="Root")
    assert response.status_code == 403
    assert AuditEvent.objects.get(action="auth.denied").error_code == "identity_not_owner"
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "said"),
    [
        (f"{CYRILLIC_A}lice", "the name mixes the letters of several scripts (Cyrillic, Latin)"),
        ("\u0430\u04cf\u0456\u0441\u0435", "the name is written in letters that look like Latin"),
        ("ali\u200bce", "the name holds a character that cannot be seen (U+200B ZERO WIDTH SPACE)"),
        ("ecila\u202e", "the name holds a character that cannot be seen (U+202E RIGHT-TO-LEFT"),
    ],
)
def test_a_name_that_could_pass_for_another_is_refused_and_recorded(browser, name, said):
    via_proxy(Client(HTTP_HOST="localhost"), user="alice")  # the account it could pass for
    response = via_proxy(browser, "/pipecat/", user=name)
    assert response.status_code == 403
    page = response.content.decode()
    assert said in page and "Ask an administrator." in page
    assert not response.wsgi_request.user.is_authenticated
    [refusal] = AuditEvent.objects.filter(action="auth.denied")
    assert (refusal.error_code, refusal.source_ip) == ("identity_name_confusable", PROXY)
    assert repr(name) in refusal.error_message  # as it was sent, escaped
    assert list(User.objects.values_list("username", flat=True)) == ["alice"]


def test_the_refusal_shows_an_invisible_character_as_its_code_point(browser):
    page = via_proxy(browser, "/pipecat/", user="ali\u200bce").content.decode()
    assert "“ali⟨U+200B⟩ce”" in page


def test_identities_kept_by_the_name_as_sent_are_kept_by_its_key(browser):
    """The migration that keys the header's identities: an account made for "Alice" before is
    hers still; of "Bob" and "bob", both kept before, the one already keyed keeps the name."""
    made = {name: User.objects.create_user(name) for name in ("Alice", "Bob", "bob")}
    for name, user in made.items():
        ExternalIdentity.objects.create(user=user, source="sso-header", subject=name)
    migration = importlib.import_module(
        "secretsadmin.accounts.migrations.0003_header_subjects_by_name_key"
    )
    migration.subjects_by_name_key(django_apps, SimpleNamespace(connection=connection))
    assert via_proxy(browser, "/pipecat/", user="alice").wsgi_request.user == made["Alice"]
    again = via_proxy(Client(HTTP_HOST="localhost"), "/pipecat/", user="BOB")
    assert again.wsgi_request.user == made["bob"]
    assert User.objects.count() == 3


@pytest.mark.parametrize(
    "name", ["Zoë", "josé.garcía", "Ярослав", "山田太郎", "山田taro", "まゆみ"]
)
def test_a_name_of_one_script_or_of_those_written_together_signs_in_as_sent(browser, name):
    """The proxy sends UTF-8; the account is named as the person is, not in its Latin-1 reading."""
    assert via_proxy(browser, "/pipecat/", user=name).status_code == 200
    assert User.objects.get().username == name
