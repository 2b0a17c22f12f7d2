"""The contract checker itself: it must refuse what the documents do not allow."""

import httpx
import jsonschema
import pytest
from openapi_core.exceptions import OpenAPIError

from tests.fixtures.gcore import API_HOST, GcoreContract

# pydantic's ValidationError, which the SDK models raise, is a ValueError.
CONTRACT_ERRORS = (OpenAPIError, jsonschema.ValidationError, ValueError)
SECRET = {
    "id": "bfc7824b-31b6-4a28-a0c4-7df137139215",
    "name": "AES key",
    "secret_type": "opaque",
    "status": "ACTIVE",
    "created": "2026-11-23T12:00:00+00:00",
}


def answer(method: str, path: str, status: int, body: object) -> httpx.Response:
    return httpx.Response(status, json=body, request=httpx.Request(method, f"{API_HOST}{path}"))


@pytest.fixture
def contract(gcore_contract: GcoreContract) -> GcoreContract:
    return gcore_contract


def test_a_documented_secret_passes(contract):
    contract.check(answer("GET", f"/cloud/v1/secrets/1/76/{SECRET['id']}", 200, SECRET))


@pytest.mark.parametrize(
    "broken",
    [
        {k: v for k, v in SECRET.items() if k != "status"},
        {**SECRET, "secret_type": "password"},
        {**SECRET, "bit_length": "256"},
    ],
)
def test_a_secret_outside_the_openapi_schema_fails(contract, broken):
    with pytest.raises(CONTRACT_ERRORS):
        contract.check(answer("GET", f"/cloud/v1/secrets/1/76/{SECRET['id']}", 200, broken))


def test_a_listed_secret_outside_the_schema_fails(contract):
    page = {"count": 1, "results": [{**SECRET, "created": "yesterday"}]}

    with pytest.raises(CONTRACT_ERRORS):
        contract.check(answer("GET", "/cloud/v1/secrets/1/76", 200, page))


def test_an_error_without_request_id_fails(contract):
    body = {"exception_class": "NotFoundError", "message": "gone"}

    with pytest.raises(CONTRACT_ERRORS):
        contract.check(answer("GET", "/cloud/v1/secrets/1/76/x", 404, body))


def test_a_task_with_an_unknown_state_fails(contract):
    body = {"id": "t", "task_type": "create_secret", "state": "DONE", "user_id": 1}

    with pytest.raises(CONTRACT_ERRORS):
        contract.check(answer("GET", "/cloud/v1/tasks/t", 200, body))


def test_a_success_on_an_undocumented_path_fails(contract):
    with pytest.raises(AssertionError):
        contract.check(answer("GET", "/cloud/v1/flaky-get", 200, {}))
