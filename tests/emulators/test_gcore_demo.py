"""The demo's Gcore accounts: what `Demo.environment()` configures works with the official SDK."""

from collections.abc import Callable, Iterator

import gcore
import pytest
from gcore import Gcore

from emulators import demo
from tests.fixtures.gcore import ValidatingClient


@pytest.fixture(scope="module")
def environment() -> Iterator[dict[str, str]]:
    servers = demo.start()
    yield servers.environment()
    servers.stop()


@pytest.fixture
def account(environment, gcore_contract) -> Iterator[Callable[..., Gcore]]:
    """The official SDK as the dashboard's Gcore account `name` of the demo environment."""
    http_clients: list[ValidatingClient] = []

    def build(name: str, **overrides) -> Gcore:
        http_client = ValidatingClient(gcore_contract)
        http_clients.append(http_client)
        prefix = f"GCORE_{name.upper()}_"
        options = {
            "api_key": environment[f"{prefix}API_KEY"],
            "base_url": environment[f"{prefix}API_URL"],
            "cloud_project_id": int(environment[f"{prefix}PROJECT"]),
            "max_retries": 0,
            "timeout": 5.0,
            "http_client": http_client,
            **overrides,
        }
        return Gcore(**options)

    yield build
    for http_client in http_clients:
        http_client.close()


def regions_of(environment: dict[str, str], name: str, sdk: Gcore) -> list[int]:
    """The account's regions as the dashboard's settings will read them: listed, or all."""
    listed = environment.get(f"GCORE_{name.upper()}_REGIONS")
    if listed:
        return [int(region) for region in listed.split(",")]
    return [region.id for region in sdk.cloud.regions.list()]


def names(sdk: Gcore, regions: list[int]) -> set[str]:
    return {s.name for region in regions for s in sdk.cloud.secrets.list(region_id=region)}


def test_the_demo_configures_two_named_gcore_accounts_and_no_single_key(environment):
    assert environment["GCORE_ACCOUNTS"] == "prod,staging"
    assert "GCORE_API_KEY" not in environment
    assert environment["GCORE_PROD_API_KEY"] != environment["GCORE_STAGING_API_KEY"]
    for name in ("PROD", "STAGING"):
        key_id, dollar, secret = environment[f"GCORE_{name}_API_KEY"].partition("$")
        assert key_id.isdigit() and dollar and secret


def test_prod_reaches_its_certificates_in_both_of_its_regions(environment, account):
    prod = account("prod")

    regions = regions_of(environment, "prod", prod)

    assert regions == [76, 38]
    assert {"www-example-com", "cdn-origin-example-com"} <= names(prod, regions)
    assert "staging-example-com" not in names(prod, regions)


def test_staging_sees_every_listed_region_and_its_own_secrets(environment, account):
    staging = account("staging")

    regions = regions_of(environment, "staging", staging)

    assert sorted(regions) == [3, 38, 76, 116]
    assert names(staging, regions) == {"staging-example-com"}


def test_the_staging_key_may_not_use_production(account):
    staging = account("staging", cloud_project_id=1)

    with pytest.raises(gcore.PermissionDeniedError):
        staging.cloud.secrets.list(region_id=76)
