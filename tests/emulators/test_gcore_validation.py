"""Create requests the API refuses: `400 ValidationError` with the fields at fault."""

import base64

import pytest

from tests.fixtures.gcore import PROJECT_ID, REGION_ID

SECRETS = f"/cloud/v1/secrets/{PROJECT_ID}/{REGION_ID}"
TLS = f"/cloud/v2/secrets/{PROJECT_ID}/{REGION_ID}"
CERT = "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n"
KEY = "-----BEGIN PRIVATE KEY-----\nCCC\n-----END PRIVATE KEY-----\n"


def generic(**fields) -> dict:
    body = {
        "name": "AES key",
        "payload": base64.b64encode(b"0123456789abcdef").decode(),
        "payload_content_encoding": "base64",
        "payload_content_type": "application/octet-stream",
        "secret_type": "symmetric",
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v is not ...}


def tls(**payload) -> dict:
    pem = {"certificate": CERT, "certificate_chain": CERT, "private_key": KEY, **payload}
    return {"name": "www", "payload": {k: v for k, v in pem.items() if v is not ...}}


def refused(client, path: str, body) -> dict:
    response = client.post(path, json=body)
    assert response.status_code == 400
    answer = response.json()
    assert answer["exception_class"] == "ValidationError"
    assert answer["message"].startswith("Validation Error: {")
    return answer["invalid_fields"]


@pytest.mark.parametrize(
    "field",
    ["name", "payload", "payload_content_encoding", "payload_content_type", "secret_type"],
)
def test_each_required_field_of_a_generic_create(gcore_client, field):
    assert refused(gcore_client, SECRETS, generic(**{field: ...})) == {field: ["Field required"]}


def test_all_missing_fields_are_reported_together(gcore_client):
    fields = refused(gcore_client, SECRETS, {})

    assert set(fields) == {
        "name",
        "payload",
        "payload_content_encoding",
        "payload_content_type",
        "secret_type",
    }


@pytest.mark.parametrize(
    "secret_type", ["certificate", "opaque", "passphrase", "private", "public", "symmetric"]
)
def test_all_six_secret_types_are_accepted(gcore_client, secret_type):
    assert gcore_client.post(SECRETS, json=generic(secret_type=secret_type)).status_code == 200


def test_an_unknown_secret_type_is_refused(gcore_client):
    fields = refused(gcore_client, SECRETS, generic(secret_type="password"))

    assert fields["secret_type"][0].startswith("Input should be 'certificate', 'opaque'")


@pytest.mark.parametrize("payload", ["not base64!", "aGVsbG8", ""])
def test_the_payload_must_be_non_empty_base64(gcore_client, payload):
    assert "payload" in refused(gcore_client, SECRETS, generic(payload=payload))


def test_only_base64_octet_streams_are_accepted(gcore_client):
    fields = refused(
        gcore_client,
        SECRETS,
        generic(payload_content_encoding="hex", payload_content_type="text/plain"),
    )

    assert fields == {
        "payload_content_encoding": ["Input should be 'base64'"],
        "payload_content_type": ["Input should be 'application/octet-stream'"],
    }


@pytest.mark.parametrize("bit_length", [0, -256, "256", True])
def test_bit_length_must_be_a_positive_integer(gcore_client, bit_length):
    assert "bit_length" in refused(gcore_client, SECRETS, generic(bit_length=bit_length))


def test_algorithm_and_mode_must_be_strings(gcore_client):
    fields = refused(gcore_client, SECRETS, generic(algorithm=256, mode=["cbc"]))

    assert set(fields) == {"algorithm", "mode"}


@pytest.mark.parametrize("name", ["", "   ", " padded", "x" * 256, "tab\tinside"])
def test_names_must_be_printable_trimmed_and_at_most_255_characters(gcore_client, name):
    assert "name" in refused(gcore_client, SECRETS, generic(name=name))


def test_a_255_character_name_with_spaces_is_fine(gcore_client):
    assert gcore_client.post(SECRETS, json=generic(name="a b" + "c" * 252)).status_code == 200


@pytest.mark.parametrize(
    "expiration", ["tomorrow", "2027-13-01T00:00:00", "2027-01-01", 1767225599]
)
def test_expiration_must_be_an_iso_datetime(gcore_client, expiration):
    fields = refused(gcore_client, SECRETS, generic(expiration=expiration))

    assert fields == {"expiration": ["Input should be a valid datetime"]}


def test_expiration_must_be_in_the_future(gcore_client):
    # The in-process app's wall clock starts at 2026-11-23T12:00Z.
    fields = refused(gcore_client, SECRETS, generic(expiration="2026-11-23T11:59:59Z"))

    assert fields == {"expiration": ["Expiration must be in the future"]}


@pytest.mark.parametrize(
    "expiration",
    ["2026-12-31T23:59:59", "2026-12-31T23:59:59.000", "2026-12-31T23:59:59+00:00", None],
)
def test_expiration_formats_the_vendor_clients_send_are_accepted(gcore_client, expiration):
    assert gcore_client.post(SECRETS, json=generic(expiration=expiration)).status_code == 200


def test_a_body_that_is_not_a_json_object_is_refused(gcore_client):
    not_json = gcore_client.post(
        SECRETS, content=b"{oops", headers={"Content-Type": "application/json"}
    )
    a_list = gcore_client.post(SECRETS, json=[generic()])

    assert not_json.status_code == a_list.status_code == 400
    assert not_json.json()["invalid_fields"] == {"body": ["Invalid JSON"]}
    assert a_list.json()["invalid_fields"] == {"body": ["Input should be a valid dictionary"]}


@pytest.mark.parametrize("field", ["certificate", "certificate_chain", "private_key"])
def test_each_pem_part_of_a_tls_upload_is_required(gcore_client, field):
    fields = refused(gcore_client, TLS, tls(**{field: ...}))

    assert fields == {f"payload.{field}": ["Field required"]}


def test_tls_parts_must_be_pem(gcore_client):
    fields = refused(
        gcore_client, TLS, tls(certificate="C", certificate_chain="CC", private_key="K")
    )

    assert set(fields) == {
        "payload.certificate",
        "payload.certificate_chain",
        "payload.private_key",
    }


def test_a_tls_upload_may_have_an_empty_chain(gcore_client):
    assert gcore_client.post(TLS, json=tls(certificate_chain="")).status_code == 200


def test_a_tls_upload_needs_a_name_and_a_payload_object(gcore_client):
    assert refused(gcore_client, TLS, {}) == {
        "name": ["Field required"],
        "payload": ["Field required"],
    }
    assert refused(gcore_client, TLS, {"name": "www", "payload": "PEM"}) == {
        "payload": ["Input should be a valid dictionary"]
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": -1}, "offset"),
    ],
)
def test_list_paging_parameters_are_checked(gcore_client, params, field):
    response = gcore_client.get(SECRETS, params=params)

    assert response.status_code == 400
    assert list(response.json()["invalid_fields"]) == [field]


def test_a_non_numeric_project_id_is_a_validation_error(gcore_client):
    response = gcore_client.get(f"/cloud/v1/secrets/one/{REGION_ID}")

    assert response.status_code == 400
    assert response.json()["invalid_fields"] == {"project_id": ["Input should be a valid integer"]}


def test_a_refused_create_queues_no_task(gcore_client, gcore_app):
    refused(gcore_client, SECRETS, generic(secret_type="password"))

    assert gcore_app.store.tasks() == []
