"""Forwarded headers count only when a trusted proxy sent them."""

import pytest
from django.test import override_settings

from secretsadmin.config import Config

pytestmark = pytest.mark.django_db
PROXIES = Config({"P": "10.0.0.0/8"}).networks("P", [])


@override_settings(
    TRUSTED_PROXIES=PROXIES,
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    SECURE_SSL_REDIRECT=True,
)
@pytest.mark.parametrize(("peer", "redirected"), [("203.0.113.7", True), ("10.1.2.3", False)])
def test_only_a_trusted_proxy_can_say_the_request_came_over_https(client, peer, redirected):
    response = client.get("/accounts/login/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_PROTO="https")
    if redirected:
        assert response.status_code == 301
        assert response["Location"] == "https://localhost/accounts/login/"
    else:
        assert response.status_code == 200
