"""Uploading a TLS certificate: the parts are read and checked before anything is sent, their
facts previewed without a part of them in the page, and the secret expires with the certificate
unless told an earlier date."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes

from secretsadmin.gcore import actions
from tests.fixtures.certificates import issue, make_chain
from tests.fixtures.gcore import PROJECT_ID, REGION_ID
from tests.gcore.changes.conftest import (
    CERTIFICATE,
    CHECK,
    LIST,
    attempt_of,
    events,
    finish,
    upload,
)
from tests.pipecat.conftest import Elements, post

pytestmark = pytest.mark.django_db


def holds_any_part(html: str, *pems: str) -> bool:
    """Whether a line of the PEM blocks' bodies is in the page: each is as secret as the whole."""
    return any(line in html for pem in pems for line in pem.splitlines()[1:-1])


@pytest.fixture(scope="module")
def chain():
    return make_chain("www.example.test", sans=("www.example.test", "example.test"))


@pytest.fixture(scope="module")
def other():
    return make_chain("shop.example.test", prefix="Other")


def test_a_good_bundle_is_uploaded_and_expires_with_the_certificate(editor, gcore, chain):
    response = upload(editor, chain)
    assert response.status_code == 302 and response["Location"] == LIST
    finish(gcore)
    editor.get(LIST)  # the badge polls on the list; here the page's own render
    [secret] = gcore.secrets(PROJECT_ID, REGION_ID)
    assert secret.secret_type == "certificate"
    assert secret.payload == (chain.leaf.cert_pem + chain.chain_pem + chain.leaf.key_pem).encode()
    assert secret.expiration == chain.leaf.cert.not_valid_after_utc
    attempt = attempt_of(actions.CERTIFICATE_CREATE)
    assert attempt.keys == ["private_key"]


def test_files_are_read_as_the_pasted_parts_are(editor, gcore, chain):
    def file(text, name):
        uploaded = io.BytesIO(text.encode())
        uploaded.name = name
        return uploaded

    response = upload(
        editor,
        chain,
        certificate="",
        certificate_chain="",
        key="",
        certificate_file=file(chain.leaf.cert_pem, "cert.pem"),
        certificate_chain_file=file(chain.chain_pem, "chain.pem"),
        private_key_file=file(chain.leaf.key_pem, "key.pem"),
    )
    assert response.status_code == 302
    finish(gcore)
    [secret] = gcore.secrets(PROJECT_ID, REGION_ID)
    assert secret.payload.endswith(chain.leaf.key_pem.encode())


def test_a_key_of_another_certificate_is_refused_and_nothing_is_sent(editor, gcore, chain, other):
    response = upload(editor, chain, key=other.leaf.key_pem)
    assert response.status_code == 400
    errors = Elements(response.text).one("div", id="id_private_key_error")
    assert "The private key does not match the certificate" in errors["text"]
    assert gcore.calls("create_tls_secret") == 0
    assert events() == []
    assert not holds_any_part(response.text, chain.leaf.cert_pem, other.leaf.key_pem)


def test_an_expired_certificate_is_refused(editor, gcore, chain):
    expired = issue(
        "www.example.test",
        issuer=chain.intermediate,
        not_before=datetime.now(UTC) - timedelta(days=100),
        days=30,
    )
    response = post(
        editor,
        CERTIFICATE,
        {
            "region": str(REGION_ID),
            "name": "old",
            "certificate": expired.cert_pem,
            "certificate_chain": chain.chain_pem,
            "private_key": expired.key_pem,
        },
    )
    assert "The certificate expired on" in response.text
    assert gcore.calls("create_tls_secret") == 0


def test_an_expiration_later_than_the_certificates_is_refused(editor, gcore, chain):
    later = chain.leaf.cert.not_valid_after_utc + timedelta(days=1)
    response = upload(editor, chain, expiration=f"{later:%Y-%m-%dT%H:%M}")
    errors = Elements(response.text).one("div", id="id_expiration_error")
    assert "the secret cannot expire later" in errors["text"]
    assert gcore.calls("create_tls_secret") == 0


def test_an_earlier_expiration_is_kept(editor, gcore, chain):
    earlier = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=30)
    upload(editor, chain, expiration=f"{earlier:%Y-%m-%dT%H:%M}")
    finish(gcore)
    [secret] = gcore.secrets(PROJECT_ID, REGION_ID)
    assert secret.expiration == earlier


def test_the_check_step_shows_the_facts_and_nothing_of_the_parts(editor, gcore, chain):
    response = upload(editor, chain, path=CHECK, htmx=True)
    assert response.status_code == 200
    html = response.text
    assert "Ready to upload" in html
    assert "CN=www.example.test" in html and "CN=Example Intermediate CA" in html
    assert "<code>www.example.test</code>, <code>example.test</code>" in html
    assert "RSA, 2048 bits" in html
    assert chain.leaf.cert.fingerprint(hashes.SHA256()).hex(":").upper() in html
    assert "<form" not in html  # the facts alone: the fields keep what was typed
    assert not holds_any_part(html, chain.leaf.cert_pem, chain.chain_pem, chain.leaf.key_pem)
    assert gcore.calls("create_tls_secret") == 0
    assert events() == []


def test_the_check_step_names_what_stops_the_upload(editor, gcore, chain, other):
    response = upload(editor, chain, key=other.leaf.key_pem, path=CHECK, htmx=True)
    html = response.text
    assert "Nothing can be uploaded until this is fixed" in html
    assert "The private key does not match the certificate" in html
    assert "What the certificate says" in html  # the facts still, to see which it is


def test_without_javascript_the_check_step_is_the_form_again_with_the_facts(editor, chain):
    response = upload(editor, chain, path=CHECK)
    page = Elements(response.text)
    assert page.one("form", id="certificate-form")
    assert "Ready to upload" in response.text
    assert page.one("textarea", name="private_key")["text"].strip() == ""
