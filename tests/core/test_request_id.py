import logging

import pytest
from django.test import override_settings

from secretsadmin.config import Config

pytestmark = pytest.mark.django_db
PROXIES = Config({"P": "10.0.0.0/8"}).networks("P", [])


def test_every_response_carries_a_new_request_id(client):
    first = client.get("/")["X-Request-ID"]
    second = client.get("/")["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_an_id_from_a_client_that_is_not_a_trusted_proxy_is_replaced(client):
    response = client.get("/", HTTP_X_REQUEST_ID="attacker-chosen-id-123")
    assert response["X-Request-ID"] != "attacker-chosen-id-123"


@override_settings(TRUSTED_PROXIES=PROXIES)
def test_an_id_from_a_trusted_proxy_is_kept(client):
    response = client.get("/", HTTP_X_REQUEST_ID="proxy-id-0001", REMOTE_ADDR="10.1.2.3")
    assert response["X-Request-ID"] == "proxy-id-0001"


@override_settings(TRUSTED_PROXIES=PROXIES)
def test_a_malformed_id_from_a_trusted_proxy_is_replaced(client):
    response = client.get("/", HTTP_X_REQUEST_ID="bad id\nwith newline", REMOTE_ADDR="10.1.2.3")
    assert "\n" not in response["X-Request-ID"]
    assert response["X-Request-ID"] != "bad id\nwith newline"


def test_the_access_log_line_names_the_request(client, caplog):
    caplog.set_level(logging.INFO, logger="secretsadmin.access")
    response = client.get("/healthz?probe=1")
    [record] = [r for r in caplog.records if r.name == "secretsadmin.access"]
    assert record.request_id == response["X-Request-ID"]
    message = record.getMessage()
    assert message.startswith("- GET /healthz 200 ")
    assert message.endswith("ms")
