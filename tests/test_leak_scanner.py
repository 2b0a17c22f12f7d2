"""The leak scanner of the browser leak scan (tests/fixtures/leaks.py) finds a canary in each
form a page, a cookie, a log or a request writes it, names where, and lets it be where it may."""

import base64
import json

import pytest
from django.core import signing
from django.middleware.csrf import _mask_cipher_secret

from tests.fixtures.leaks import (
    BROWSER,
    COOKIE,
    LOG,
    UPSTREAM_AUTHORIZATION,
    UPSTREAM_BODY,
    Canary,
    Search,
    Seen,
)

VALUE = "canary-value-5d1e <&>\"'é"
PROVIDER = "http://127.0.0.1:4711"
SENT = Canary("a key's value", VALUE, frozenset({(UPSTREAM_BODY, PROVIDER)}))


def found(text: str, place: str = BROWSER, canary: Canary = SENT, scope: str = "") -> list[str]:
    seen = [Seen("the page", place, text, scope)]
    return [finding.form for finding in Search(seen).findings([canary])]


@pytest.mark.parametrize(
    "written",
    [
        VALUE,
        "<p>canary-value-5d1e &lt;&amp;&gt;&quot;&#x27;é</p>",  # as a template escapes it
        "?v=canary-value-5d1e%20%3C%26%3E%22%27%C3%A9",
        json.dumps({"v": VALUE}),
        base64.b64encode(VALUE.encode()).decode(),
        "…and canary-value-5d1e, cut short",
    ],
    ids=["typed", "escaped", "url", "json", "base64", "part"],
)
def test_a_value_is_found_in_each_form_it_is_written(written):
    assert found(f"before {written} after")


def test_a_value_inside_a_signed_and_compressed_cookie_is_found():
    cookie = signing.dumps({"toasts": [f"{VALUE} saved in voice-prod"] * 5}, compress=True)
    assert cookie.startswith(".")  # compressed: the value is not there as text
    assert [form for form in found(cookie, COOKIE) if form.startswith("decoded zlib")]


def test_a_csrf_secret_is_found_under_the_mask_of_any_token_made_of_it():
    secret = "lmJRaYCc2KKSt0Bn6jh7KHWgb6E16C2o"
    csrf = Canary("a CSRF secret", secret)
    assert found(f"'csrf_token': '{_mask_cipher_secret(secret)}'", LOG, csrf)


def test_a_value_where_it_may_be_is_no_finding_and_elsewhere_is():
    body = json.dumps({"secrets": [{"secretKey": "K", "secretValue": VALUE}]})
    assert found(body, UPSTREAM_BODY, scope=PROVIDER) == []
    assert found(body, UPSTREAM_BODY, scope="http://127.0.0.1:4712")  # another provider
    token = Canary("a token", "canary-token-77", frozenset({(UPSTREAM_AUTHORIZATION, PROVIDER)}))
    assert found("Authorization: Bearer canary-token-77", UPSTREAM_BODY, token, PROVIDER)


def test_a_finding_names_where_and_how_the_canary_was_written():
    seen = [
        Seen("eddie's browser: GET /pipecat/prod/ body", BROWSER, "nothing here"),
        Seen("table audit_auditevent, row 3, column reason", "database", f"why: {VALUE}"),
    ]
    [finding] = Search(seen).findings([SENT])
    assert finding.where == "table audit_auditevent, row 3, column reason"
    assert "why: canary-value-5d1e" in str(finding)
    assert Search(seen).holds(SENT, ("database", "")) is True
    assert Search(seen).holds(SENT, (BROWSER, "")) is False
