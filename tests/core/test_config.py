"""Each bad environment variable stops start-up with a message that names it."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from secretsadmin.config import Config, Secret
from tests.core.fresh import start_up


def test_booleans_accept_the_usual_spellings():
    env = Config({"A": "yes", "B": "False", "C": " 1 ", "D": "off"})
    assert [env.boolean(n, False) for n in "ABCD"] == [True, False, True, False]
    assert env.boolean("MISSING", True) is True


def test_a_boolean_that_is_not_a_boolean_is_refused_by_name():
    with pytest.raises(ImproperlyConfigured, match=r"^DEBUG must be true or false, not 'maybe'"):
        Config({"DEBUG": "maybe"}).boolean("DEBUG", False)


def test_a_number_that_is_not_a_number_is_refused_by_name():
    with pytest.raises(ImproperlyConfigured, match="GUNICORN_WORKERS must be a whole number"):
        Config({"GUNICORN_WORKERS": "two"}).integer("GUNICORN_WORKERS", 2)
    with pytest.raises(ImproperlyConfigured, match="GUNICORN_WORKERS must be at least 1, not 0"):
        Config({"GUNICORN_WORKERS": "0"}).integer("GUNICORN_WORKERS", 2, minimum=1)


def test_a_database_url_is_parsed_and_a_bad_one_named_without_its_password():
    env = Config({"DATABASE_URL": "postgres://app:hunter2@db.internal:5432/secrets"})
    config = env.database("DATABASE_URL", "sqlite:///x")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["NAME"], config["PASSWORD"]) == (
        "db.internal",
        "secrets",
        "hunter2",
    )

    with pytest.raises(ImproperlyConfigured) as excinfo:
        Config({"DATABASE_URL": "mongodb://app:hunter2@db/x"}).database("DATABASE_URL", "")
    assert "DATABASE_URL" in str(excinfo.value)
    assert "hunter2" not in str(excinfo.value)

    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL must be a URL"):
        Config({"DATABASE_URL": "db.internal"}).database("DATABASE_URL", "")


def test_cache_urls_choose_django_s_own_redis_backend():
    config = Config({"CACHE_URL": "redis://127.0.0.1:6379/0"}).cache("CACHE_URL", "")
    assert config["BACKEND"] == "django.core.cache.backends.redis.RedisCache"


def test_a_secret_is_read_from_its_file(tmp_path):
    key = tmp_path / "key"
    key.write_text("s3cr3t-from-file\n")
    env = Config({"PIPECAT_API_KEY_FILE": str(key)})
    secret = env.secret("PIPECAT_API_KEY")
    assert secret.reveal() == "s3cr3t-from-file"
    assert env.secrets == [secret]


def test_a_secret_never_shows_its_value():
    secret = Secret("pk_live_abcdef")
    assert "abcdef" not in repr(secret)
    assert "abcdef" not in str(secret)
    assert "abcdef" not in f"{secret}"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"X": "a", "X_FILE": "/etc/hostname"}, "Set X or X_FILE, not both."),
        ({"X_FILE": "/nonexistent/key"}, "X_FILE names '/nonexistent/key', which cannot be read"),
    ],
)
def test_a_secret_file_problem_is_named(environ, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        Config(environ).secret("X")


def test_networks_must_be_networks():
    env = Config({"TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1"})
    assert [str(n) for n in env.networks("TRUSTED_PROXIES", [])] == ["10.0.0.0/8", "127.0.0.1/32"]
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES must list IP networks"):
        Config({"TRUSTED_PROXIES": "proxy.internal"}).networks("TRUSTED_PROXIES", [])


GOOD_KEY = "k" * 50
OIDC = {
    "SECRET_KEY": GOOD_KEY,
    "OIDC_CLIENT_ID": "dashboard",
    "OIDC_AUTHORIZATION_ENDPOINT": "https://idp.example/authorize",
    "OIDC_TOKEN_ENDPOINT": "https://idp.example/token",
    "OIDC_USERINFO_ENDPOINT": "https://idp.example/userinfo",
}


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "SECRET_KEY (or SECRET_KEY_FILE) must be set"),
        (
            {"SECRET_KEY": "django-insecure-secretsadmin-development-only"},
            "SECRET_KEY (or SECRET_KEY_FILE) must be set",
        ),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be at least 32 characters"),
        ({"SECRET_KEY": GOOD_KEY, "DEBUG": "maybe"}, "DEBUG must be true or false, not 'maybe'"),
        ({"SECRET_KEY": GOOD_KEY, "DATABASE_URL": "nosuchdb://x/y"}, "DATABASE_URL"),
        ({"SECRET_KEY": GOOD_KEY, "CACHE_URL": "localhost:6379"}, "CACHE_URL must be a URL"),
        ({"SECRET_KEY": GOOD_KEY, "LOG_LEVEL": "loud"}, "LOG_LEVEL must be one of"),
        ({"SECRET_KEY": GOOD_KEY, "LOG_FORMAT": "xml"}, "LOG_FORMAT must be one of text, json"),
        ({"SECRET_KEY": GOOD_KEY, "TRUSTED_PROXIES": "any"}, "TRUSTED_PROXIES must list"),
        ({"SECRET_KEY": GOOD_KEY, "SECURE_HSTS_SECONDS": "1y"}, "SECURE_HSTS_SECONDS must be"),
        ({"SECRET_KEY": GOOD_KEY, "PIPECAT_API_KEY_FILE": "/nonexistent"}, "PIPECAT_API_KEY_FILE"),
        (OIDC, "OIDC_JWKS_ENDPOINT must be set: OIDC_SIGN_ALGO=RS256 checks ID tokens"),
        ({**OIDC, "OIDC_SIGN_ALGO": "HS256"}, "OIDC_CLIENT_SECRET must be set"),
        ({**OIDC, "OIDC_SIGN_ALGO": "PS256"}, "OIDC_SIGN_ALGO must be one of RS256, RS384"),
        (
            {"SECRET_KEY": GOOD_KEY, "SSO_USER_HEADER": "X_Forwarded_User"},
            "SSO_USER_HEADER must name a header with dashes, such as 'X-Forwarded-User'",
        ),
        (
            {"SECRET_KEY": GOOD_KEY, "SSO_USER_HEADER": "X-User", "SSO_GROUPS_HEADER": "X_Groups"},
            "SSO_GROUPS_HEADER must name a header with dashes",
        ),
    ],
)
def test_start_up_stops_with_a_clear_message(environ, message):
    result = start_up(environ)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr.strip().splitlines()[-1]


def test_start_up_succeeds_with_a_key_or_in_debug():
    assert start_up({"SECRET_KEY": GOOD_KEY}).stdout.strip() == "started"
    assert start_up({"DEBUG": "true"}).stdout.strip() == "started"


def test_a_complete_oidc_configuration_starts():
    complete = {**OIDC, "OIDC_JWKS_ENDPOINT": "https://idp.example/jwks", "OIDC_SIGN_ALGO": "es256"}
    result = start_up(
        complete, then="from django.conf import settings as s; print(s.OIDC_RP_SIGN_ALGO)"
    )
    assert result.stdout.strip() == "ES256", result.stderr


def cache_of(environ: dict[str, str]) -> str:
    show = "from django.conf import settings; c = settings.CACHES['default']; print(c['LOCATION'])"
    result = start_up({"SECRET_KEY": GOOD_KEY, **environ}, then=show)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_cache_url_may_come_from_a_file_and_cache_url_wins_over_redis_url(tmp_path):
    redis = tmp_path / "redis_url"
    redis.write_text("redis://:pw@redis.internal:6379/0\n")
    assert cache_of({"REDIS_URL_FILE": str(redis)}) == "redis://:pw@redis.internal:6379/0"
    cache = tmp_path / "cache_url"
    cache.write_text("locmemcache://from-a-file")
    assert cache_of({"CACHE_URL_FILE": str(cache), "REDIS_URL": "redis://redis:6379/0"}) == (
        "from-a-file"
    )
    assert cache_of({"REDIS_URL": "redis://redis:6379/0"}) == "redis://redis:6379/0"
    assert cache_of({}) == "secretsadmin"
