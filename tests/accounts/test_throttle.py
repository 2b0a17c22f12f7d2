"""Password guessing is slowed down: too many failures to one account, or from one address, lock
sign-in for a while, the right password included; the lockout is audited."""

import time

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client

from secretsadmin.accounts.roles import Role
from secretsadmin.audit.models import AuditEvent
from tests.conftest import at_once
from tests.fixtures.personas import make_user

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 5
    settings.LOGIN_FAILURES_PER_ADDRESS = 12
    settings.LOGIN_LOCKOUT_SECONDS = 900


@pytest.fixture
def vera():
    return make_user("vera", Role.VIEWER)


def sign_in(username: str, password: str, address: str = "198.51.100.7"):
    client = Client(enforce_csrf_checks=True, HTTP_HOST="localhost", REMOTE_ADDR=address)
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value
    form = {"username": username, "password": password, "csrfmiddlewaretoken": token}
    return client.post("/accounts/login/", form)


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(vera):
    for _ in range(5):
        assert sign_in("vera", "guess").status_code == 200

    refused = sign_in("vera", PASSWORD)

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 900
    assert "Too many failed sign-ins to this account. Try again in 15 minutes" in (
        refused.content.decode()
    )
    assert "_auth_user_id" not in refused.client.session
    [lockout] = AuditEvent.objects.filter(action="auth.lockout")
    assert (lockout.outcome, lockout.target, lockout.error_code) == (
        "denied",
        "vera",
        "too_many_failures_per_account",
    )


def test_the_lockout_ends_with_its_window(vera, settings):
    settings.LOGIN_LOCKOUT_SECONDS = 1
    for _ in range(5):
        sign_in("vera", "guess")
    time.sleep(1.1)
    assert sign_in("vera", PASSWORD).status_code == 302


def test_a_name_typed_differently_is_the_same_account(vera):
    for name in ("vera", "VERA", " Vera", "vera ", "Vera"):
        sign_in(name, "guess")
    assert sign_in("vera", PASSWORD).status_code == 429


def test_other_accounts_are_not_locked_by_guesses_at_one(vera):
    make_user("otto", Role.VIEWER)
    for _ in range(5):
        sign_in("vera", "guess")
    assert sign_in("otto", PASSWORD).status_code == 302


def test_one_address_guessing_at_many_accounts_is_locked_out(vera):
    for n in range(12):
        sign_in(f"user{n}", "guess")

    assert sign_in("vera", PASSWORD).status_code == 429
    assert sign_in("vera", PASSWORD, address="203.0.113.9").status_code == 302
    [lockout] = AuditEvent.objects.filter(action="auth.lockout")
    assert lockout.error_code == "too_many_failures_per_address"


def test_a_successful_sign_in_clears_the_accounts_count(vera):
    for _ in range(4):
        sign_in("vera", "guess")
    assert sign_in("vera", PASSWORD).status_code == 302
    for _ in range(4):
        sign_in("vera", "guess")
    assert sign_in("vera", PASSWORD).status_code == 302


def test_guesses_sent_at_once_each_count(vera):
    statuses = at_once(lambda: str(sign_in("vera", "guess").status_code), times=8)
    assert statuses.count("200") >= 5  # some may already meet the lockout
    assert sign_in("vera", PASSWORD).status_code == 429


def test_the_name_typed_is_not_kept_in_the_cache_as_text(vera):
    cache = caches["default"]
    if not isinstance(cache, LocMemCache):
        pytest.skip("only the local cache lists its keys")
    sign_in("hunter2-typed-as-name", "guess")
    keys = list(cache._cache)
    assert keys and not any("hunter2" in key for key in keys)
