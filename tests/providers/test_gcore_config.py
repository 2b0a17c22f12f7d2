"""Gcore Cloud accounts from the environment, and the message for each mistake."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from secretsadmin.config import Config, Secret
from secretsadmin.providers.gcore.config import DEFAULT_API_URL, GcoreAccount, gcore_accounts


def accounts(**environ: str) -> tuple[GcoreAccount, ...]:
    return gcore_accounts(Config(environ))


def test_no_key_means_no_account():
    assert accounts() == ()


def test_the_single_key_is_the_default_account_of_its_default_project_and_every_region():
    assert accounts(GCORE_API_KEY="1$k") == (
        GcoreAccount("default", DEFAULT_API_URL, Secret("1$k")),
    )
    [only] = accounts(GCORE_API_KEY="1$k", GCORE_PROJECT="7", GCORE_REGIONS="76, 38")
    assert (only.project_id, only.region_ids) == (7, (76, 38))


def test_named_accounts_each_have_their_key_project_regions_and_url():
    found = accounts(
        GCORE_ACCOUNTS="prod,staging",
        GCORE_API_URL="https://gcore.example/",
        GCORE_PROD_API_KEY="1$prod",
        GCORE_PROD_PROJECT="1",
        GCORE_PROD_REGIONS="76,38",
        GCORE_STAGING_API_KEY="2$staging",
        GCORE_STAGING_API_URL="https://staging.gcore.example",
        GCORE_STAGING_PROJECT="2",
    )

    assert found == (
        GcoreAccount("prod", "https://gcore.example", Secret("1$prod"), 1, (76, 38)),
        GcoreAccount("staging", "https://staging.gcore.example", Secret("2$staging"), 2, ()),
    )


def test_a_key_may_come_from_a_file(tmp_path):
    path = tmp_path / "key"
    path.write_text("9$from-file\n")
    [only] = accounts(GCORE_ACCOUNTS="prod", GCORE_PROD_API_KEY_FILE=str(path))
    assert only.api_key == Secret("9$from-file")


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"GCORE_ACCOUNTS": "prod"}, "GCORE_PROD_API_KEY (or GCORE_PROD_API_KEY_FILE) must be set"),
        ({"GCORE_ACCOUNTS": "Prod!", "GCORE_PROD_API_KEY": "k"}, "GCORE_ACCOUNTS: 'Prod!'"),
        (
            {"GCORE_ACCOUNTS": "prod", "GCORE_PROD_API_KEY": "k", "GCORE_API_KEY": "k"},
            "GCORE_API_KEY is not used when GCORE_ACCOUNTS is set",
        ),
        (
            {"GCORE_ACCOUNTS": "prod", "GCORE_PROD_API_KEY": "k", "GCORE_PROD_PROJECT": "one"},
            "GCORE_PROD_PROJECT must be a project id such as 1234, not 'one'",
        ),
        (
            {"GCORE_API_KEY": "k", "GCORE_PROJECT": "1,2"},
            "GCORE_PROJECT must name one project",
        ),
        (
            {"GCORE_API_KEY": "k", "GCORE_REGIONS": "76,-1"},
            "GCORE_REGIONS must be region ids such as 76,38, not '-1'",
        ),
        ({"GCORE_API_KEY": "k", "GCORE_REGIONS": "76,76"}, "GCORE_REGIONS names 76 twice"),
        (
            {"GCORE_API_KEY": "k", "GCORE_API_URL": "https://api.gcore.com/cloud"},
            "GCORE_API_URL must be the API's base without /cloud",
        ),
        ({"GCORE_API_KEY": "k", "GCORE_API_URL": "ftp://x"}, "GCORE_API_URL must be an http(s)"),
    ],
)
def test_a_bad_or_missing_value_stops_start_up_naming_the_variable(environ, message):
    with pytest.raises(ImproperlyConfigured, match=message.replace("(", r"\(").replace(")", r"\)")):
        accounts(**environ)
