"""Named Pipecat accounts and timeouts from the environment, and the message for each mistake."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from secretsadmin.config import Config, Secret
from secretsadmin.providers.pipecat.config import (
    DEFAULT_API_URL,
    PipecatAccount,
    Timeouts,
    pipecat_accounts,
    pipecat_timeouts,
)


def accounts(**environ: str) -> tuple[PipecatAccount, ...]:
    return pipecat_accounts(Config(environ))


def test_no_key_means_no_account():
    assert accounts() == ()
    assert accounts(PIPECAT_API_URL="https://pipecat.example") == ()


def test_the_single_key_is_the_default_account():
    assert accounts(PIPECAT_API_KEY="pk-1") == (
        PipecatAccount("default", DEFAULT_API_URL, Secret("pk-1")),
    )
    [only] = accounts(PIPECAT_API_KEY="pk-1", PIPECAT_API_URL="http://127.0.0.1:9000/")
    assert only.api_url == "http://127.0.0.1:9000"


def test_named_accounts_each_have_their_key_and_may_have_their_url():
    found = accounts(
        PIPECAT_ACCOUNTS="prod, staging,eu-west",
        PIPECAT_API_URL="https://pipecat.example",
        PIPECAT_PROD_API_KEY="pk-prod",
        PIPECAT_STAGING_API_KEY="pk-staging",
        PIPECAT_STAGING_API_URL="https://staging.pipecat.example",
        PIPECAT_EU_WEST_API_KEY="pk-eu",
    )

    assert found == (
        PipecatAccount("prod", "https://pipecat.example", Secret("pk-prod")),
        PipecatAccount("staging", "https://staging.pipecat.example", Secret("pk-staging")),
        PipecatAccount("eu-west", "https://pipecat.example", Secret("pk-eu")),
    )


def test_a_key_may_come_from_a_file(tmp_path):
    key_file = tmp_path / "prod-key"
    key_file.write_text("pk-from-file\n")

    [prod] = accounts(PIPECAT_ACCOUNTS="prod", PIPECAT_PROD_API_KEY_FILE=str(key_file))

    assert prod.api_key.reveal() == "pk-from-file"


def test_every_key_read_is_masked_in_the_logs():
    env = Config({"PIPECAT_ACCOUNTS": "prod,qa", "PIPECAT_PROD_API_KEY": "pk-prod",
                  "PIPECAT_QA_API_KEY": "pk-qa"})  # fmt: skip

    pipecat_accounts(env)

    assert {secret.reveal() for secret in env.secrets} == {"pk-prod", "pk-qa"}


def test_the_key_is_never_in_the_accounts_repr():
    [prod] = accounts(PIPECAT_ACCOUNTS="prod", PIPECAT_PROD_API_KEY="pk-prod-91f3")

    assert "pk-prod-91f3" not in repr(prod)
    assert "pk-prod-91f3" not in str(prod)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"PIPECAT_ACCOUNTS": "prod,staging", "PIPECAT_PROD_API_KEY": "pk"},
            r"^PIPECAT_STAGING_API_KEY \(or PIPECAT_STAGING_API_KEY_FILE\) must be set: "
            r"PIPECAT_ACCOUNTS names the account 'staging'\.$",
        ),
        (
            {"PIPECAT_ACCOUNTS": "Prod", "PIPECAT_PROD_API_KEY": "pk"},
            r"^PIPECAT_ACCOUNTS: 'Prod' is not a valid account name; use lower-case letters",
        ),
        ({"PIPECAT_ACCOUNTS": "prod_eu"}, "'prod_eu' is not a valid account name"),
        ({"PIPECAT_ACCOUNTS": "-prod"}, "'-prod' is not a valid account name"),
        ({"PIPECAT_ACCOUNTS": "a" * 33}, "at most 32 characters"),
        (
            {"PIPECAT_ACCOUNTS": "prod,prod", "PIPECAT_PROD_API_KEY": "pk"},
            "PIPECAT_ACCOUNTS names the account 'prod' twice",
        ),
        (
            {"PIPECAT_ACCOUNTS": "prod", "PIPECAT_PROD_API_KEY": "pk", "PIPECAT_API_KEY": "pk"},
            "PIPECAT_API_KEY is not used when PIPECAT_ACCOUNTS is set",
        ),
        (
            {"PIPECAT_ACCOUNTS": "prod", "PIPECAT_PROD_API_KEY": "pk",
             "PIPECAT_PROD_API_URL": "api.pipecat.daily.co"},
            r"^PIPECAT_PROD_API_URL must be an http\(s\) URL",
        ),
        (
            {"PIPECAT_API_KEY": "pk", "PIPECAT_API_URL": "https://api.pipecat.daily.co/v1"},
            "PIPECAT_API_URL must be the API's base without /v1",
        ),
        (
            {"PIPECAT_ACCOUNTS": "prod", "PIPECAT_PROD_API_KEY": "pk",
             "PIPECAT_PROD_API_KEY_FILE": "/run/secrets/pk"},
            "Set PIPECAT_PROD_API_KEY or PIPECAT_PROD_API_KEY_FILE, not both",
        ),
    ],
)  # fmt: skip
def test_each_mistake_is_named(environ, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        pipecat_accounts(Config(environ))


def test_a_bad_url_is_not_echoed_since_it_may_hold_a_password():
    with pytest.raises(ImproperlyConfigured) as caught:
        accounts(PIPECAT_API_KEY="pk", PIPECAT_API_URL="ftp://user:hunter2@host")

    assert "hunter2" not in str(caught.value)


def test_timeouts_default_to_five_and_fifteen_seconds():
    assert pipecat_timeouts(Config({})) == Timeouts(connect=5.0, read=15.0)
    assert pipecat_timeouts(
        Config({"PIPECAT_CONNECT_TIMEOUT": "2", "PIPECAT_READ_TIMEOUT": "7.5"})
    ) == Timeouts(connect=2.0, read=7.5)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"PIPECAT_READ_TIMEOUT": "soon"}, "PIPECAT_READ_TIMEOUT must be a number, not 'soon'"),
        ({"PIPECAT_CONNECT_TIMEOUT": "0"}, "PIPECAT_CONNECT_TIMEOUT must be at least 0.1"),
    ],
)
def test_a_bad_timeout_is_named(environ, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        pipecat_timeouts(Config(environ))
