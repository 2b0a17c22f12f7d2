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
@pytest.mark.parametrize(
    ("peer", "redirected"),
    [
        ("203.0.113.7", True),
        ("10.1.2.3", False),
        ("::ffff:10.1.2.3", False),  # the proxy, as gunicorn bound to [::] reports it
        ("", False),  # gunicorn on a Unix socket: only the proxy can connect
        ("::ffff:203.0.113.7", True),
    ],
)
def test_only_a_trusted_proxy_can_say_the_request_came_over_https(client, peer, redirected):
    response = client.get("/accounts/login/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_PROTO="https")
    if redirected:
        assert response.status_code == 301
        assert response["Location"] == "https://localhost/accounts/login/"
    else:
        assert response.status_code == 200


@override_settings(TRUSTED_PROXIES=PROXIES)
def test_the_client_behind_a_proxy_on_an_ipv6_socket_is_the_one_recorded(client, rf):
    from secretsadmin.core.proxies import client_address

    request = rf.get("/", REMOTE_ADDR="::ffff:10.1.2.3", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert client_address(request) == "198.51.100.7"
    alone = rf.get("/", REMOTE_ADDR="::ffff:198.51.100.9")
    assert client_address(alone) == "198.51.100.9"


@override_settings(
    TRUSTED_PROXIES=PROXIES,
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    SECURE_SSL_REDIRECT=True,
)
@pytest.mark.parametrize(("sent", "redirected"), [("https, http", True), ("http, https", False)])
def test_the_scheme_is_the_one_the_proxy_appended_not_the_clients(client, sent, redirected):
    response = client.get("/accounts/login/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_PROTO=sent)
    assert (response.status_code == 301) is redirected
