"""Creating a secret: the emulator stores exactly what was pasted or uploaded, the key parameters
each type has, and the audit log follows the change from its attempt to its task's end."""

import io

import pytest

from secretsadmin.gcore import actions
from tests.fixtures.gcore import PROJECT_ID, REGION_ID
from tests.gcore.changes.conftest import LIST, attempt_of, badge, create, events, finish
from tests.pipecat.conftest import Elements

pytestmark = pytest.mark.django_db


def stored(app, name="api-token", region_id=REGION_ID):
    return [s for s in app.secrets(PROJECT_ID, region_id) if s.name == name]


def test_an_opaque_secret_pasted_is_stored_as_pasted_once_its_task_is_done(editor, gcore):
    response = create(editor, payload="line one\r\nline two\r\n", reason="JIRA-7")
    assert response.status_code == 302
    assert response["Location"] == LIST
    assert stored(gcore) == []  # accepted: its task runs

    attempt = attempt_of(actions.SECRET_CREATE)
    [accepted] = events()[1:]
    assert (accepted.outcome, accepted.upstream_status, accepted.error_code) == (
        "unknown",
        200,
        "task_running",
    )
    assert accepted.error_message.startswith("Gcore Cloud accepted the change; task ")
    assert (attempt.account, attempt.region, attempt.target, attempt.reason) == (
        "prod",
        str(REGION_ID),
        "api-token",
        "JIRA-7",
    )
    assert attempt.keys == ["payload"]

    page = editor.get(response["Location"]).text
    assert "Gcore Cloud is creating the secret api-token" in page
    badge_html = Elements(page).one("div", id=f"change-{attempt.sequence}")
    assert "creating…" in badge_html["text"]

    finish(gcore)
    done = badge(editor, attempt.sequence)
    [secret] = stored(gcore)
    # The browser sends \r\n whatever was pasted: the line breaks typed are \n.
    assert secret.payload == b"line one\nline two\n"
    assert done.status_code == 286
    succeeded = events()[-1]
    assert (succeeded.outcome, succeeded.target_id) == ("succeeded", secret.id)


def test_an_uploaded_file_is_stored_byte_for_byte(editor, gcore):
    blob = bytes(range(256)) + b"\r\n\x00"
    upload = io.BytesIO(blob)
    upload.name = "key.bin"
    response = create(editor, payload="", files={"payload_file": upload})
    assert response.status_code == 302
    finish(gcore)
    [secret] = stored(gcore)
    assert secret.payload == blob


def test_a_symmetric_key_is_sent_with_its_algorithm_bits_and_mode(editor, gcore):
    create(
        editor,
        name="aes-key",
        secret_type="symmetric",
        payload="0123456789abcdef0123456789abcdef",
        algorithm="aes",
        bit_length="256",
        mode="gcm",
    )
    finish(gcore)
    [secret] = stored(gcore, "aes-key")
    assert (secret.secret_type, secret.algorithm, secret.bit_length, secret.mode) == (
        "symmetric",
        "aes",
        256,
        "gcm",
    )


def test_key_parameters_of_a_type_without_them_are_not_sent(editor, gcore):
    create(editor, algorithm="aes", bit_length="256", mode="cbc")
    finish(gcore)
    [secret] = stored(gcore)
    assert (secret.algorithm, secret.bit_length, secret.mode) == (None, None, None)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": " padded"}, "name", "cannot start or end with a space"),
        ({"name": "x" * 256}, "name", "at most 255 characters, not 256"),
        ({"name": "tab\there"}, "name", "printable characters only"),
        ({"payload": ""}, "payload", "Paste the secret or upload a file holding it."),
        ({"secret_type": "certificate"}, "secret_type", "Select a valid choice"),
        ({"secret_type": "symmetric"}, "algorithm", "A symmetric key is made with AES"),
        (
            {"secret_type": "public", "algorithm": "rsa", "bit_length": "256"},
            "bit_length",
            "An RSA key is 2048, 3072, 4096 bits long.",
        ),
        (
            {"secret_type": "private", "algorithm": "ec", "bit_length": "256", "mode": "cbc"},
            "mode",
            "A private key has no mode",
        ),
        ({"expiration": "2020-01-01T00:00"}, "expiration", "must be in the future"),
        ({"region": "99"}, "region", "Select a valid choice"),
    ],
)
def test_bad_input_is_explained_beside_its_field_and_nothing_is_sent(
    editor, gcore, fields, field, message
):
    response = create(editor, **fields)
    assert response.status_code == 400
    errors = Elements(response.text).one("div", id=f"id_{field}_error")
    assert message in errors["text"]
    assert gcore.calls("create_secret") == 0
    assert events() == []


def test_pasting_and_uploading_at_once_is_refused(editor, gcore):
    upload = io.BytesIO(b"from a file")
    upload.name = "secret.txt"
    response = create(editor, files={"payload_file": upload})
    assert "Paste the secret or upload a file, not both." in response.text
    assert gcore.calls("create_secret") == 0


def test_a_file_over_1_mb_is_refused(editor, gcore):
    upload = io.BytesIO(b"x" * (1_048_576 + 1))
    upload.name = "big.bin"
    response = create(editor, payload="", files={"payload_file": upload})
    assert "The file is 1,048,577 bytes; Gcore Cloud takes at most 1 MB" in response.text
    assert gcore.calls("create_secret") == 0


def test_an_expiration_is_sent_as_typed_in_utc(editor, gcore):
    create(editor, expiration="2031-05-06T07:08")
    finish(gcore)
    [secret] = stored(gcore)
    assert secret.expiration.isoformat() == "2031-05-06T07:08:00+00:00"


def test_the_form_offers_the_accounts_regions_and_points_certificates_to_their_form(editor):
    page = Elements(editor.get("/gcore/prod/new/").text)
    regions = [o["value"] for o in page.all("option") if o["value"] in ("76", "38")]
    assert regions == ["76", "38"]
    types = [
        o["value"]
        for o in page.all("option")
        if o.get("value")
        in dict.fromkeys(["opaque", "passphrase", "symmetric", "public", "private", "certificate"])
    ]
    assert types == ["opaque", "passphrase", "symmetric", "public", "private"]
    assert page.one("a", href="/gcore/prod/new/certificate/")
    form = page.one("form", id="secret-form")
    assert form["enctype"] == "multipart/form-data"
