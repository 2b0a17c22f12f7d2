"""A leak scan: after payloads, files and private keys are sent through the Gcore pages (created,
refused, echoed back by Gcore, timed out), no page, fragment, export, audit column or log line
anyone can read holds one, nor its base64 form, nor a line of a key."""

import base64
import io
import logging

import pytest
from django.db import connection

from emulators.faults import Fault
from secretsadmin.audit.models import AuditEvent
from secretsadmin.config import Secret
from tests.fixtures.certificates import make_chain
from tests.fixtures.gcore import PROJECT_ID, REGION_ID
from tests.gcore.changes.conftest import CHECK, create, finish, upload

pytestmark = pytest.mark.django_db

PAYLOAD = "gc-payload-7d1e0b9a"
ECHOED = "gc-echoed-44f2c1e8"
TIMED_OUT = "gc-timed-out-91ab3c"
FILE = b"gc-file-\x00\xff\x10-5e7a"
REFUSED = "gc-refused-0c3d99"


def every_page(secret_ids: list[str], sequences: list[int]) -> list[tuple[str, bool]]:
    """Each path, and whether htmx asks for it (a fragment)."""
    pages = [
        ("/", False),
        ("/gcore/prod/", False),
        ("/gcore/prod/", True),
        ("/gcore/prod/new/", False),
        ("/gcore/prod/new/certificate/", False),
        ("/gcore/prod/check-name/?name=api-token&region=76", True),
        ("/audit/", False),
        ("/audit/export.csv", False),
        ("/audit/export.jsonl", False),
    ]
    for secret_id in secret_ids:
        pages += [
            (f"/gcore/prod/{REGION_ID}/{secret_id}/", False),
            (f"/gcore/prod/{REGION_ID}/{secret_id}/delete/", False),
        ]
    for sequence in sequences:
        pages += [
            (f"/gcore/prod/changes/{sequence}/", False),
            (f"/gcore/prod/changes/{sequence}/", True),
            (f"/audit/{sequence}/", False),
        ]
    return pages


def forms(editor, gcore, chain, other) -> tuple[list[str], list[bytes]]:
    """Sends every kind of change; the texts that must then be nowhere, and what was answered."""
    answers = [
        create(editor, name="pasted", payload=PAYLOAD),
        create(editor, name="uploaded", payload="", files={"payload_file": blob()}),
        create(editor, name=" bad name", payload=REFUSED),  # refused by the form
        create(editor, name="bad-file", payload=REFUSED, files={"payload_file": blob()}),
        create(editor, name="refused-htmx", payload=REFUSED, secret_type="symmetric", htmx=True),
    ]
    echoed = base64.b64encode(ECHOED.encode()).decode()
    gcore.faults.add(Fault("create_secret", status=400, message=f"bad payload {echoed}"))
    answers.append(create(editor, name="echoed", payload=ECHOED))
    gcore.faults.add(Fault("create_secret", delay=20, after_effect=True))
    answers += [
        create(editor, name="timed-out", payload=TIMED_OUT),
        upload(editor, chain, name="tls"),
        upload(editor, chain, name="tls-mismatch", key=other.leaf.key_pem),
        upload(editor, chain, name="tls-mismatch", key=other.leaf.key_pem, htmx=True),
        upload(editor, chain, name="tls-check", path=CHECK, htmx=True),
        upload(editor, chain, name="tls-check", path=CHECK),
    ]
    # Each answer's toast is shown by the page after it.
    answers = [*(a for answer in answers for a in (answer, editor.get("/gcore/prod/new/")))]
    finish(gcore)
    texts = [PAYLOAD, ECHOED, TIMED_OUT, REFUSED, echoed]
    for value in (PAYLOAD.encode(), FILE, TIMED_OUT.encode()):
        texts.append(base64.b64encode(value).decode())
    for key in (chain.leaf.key_pem, other.leaf.key_pem):
        texts += [line for line in key.splitlines()[1:-1]]
    return texts, [answer.content for answer in answers]


def blob() -> io.BytesIO:
    upload_file = io.BytesIO(FILE)
    upload_file.name = "blob.bin"
    return upload_file


def test_no_payload_or_private_key_can_be_read_back_anywhere(
    admin, editor, gcore, settings, caplog
):
    caplog.set_level(logging.DEBUG)
    settings.AUDIT_HMAC_KEY = Secret("audit-key-for-the-leak-scan-" + "k" * 20)
    chain, other = make_chain("leak.example.test"), make_chain("other.example.test", prefix="O")
    texts, answers = forms(editor, gcore, chain, other)
    for answer in answers:
        for text in texts:
            assert text.encode() not in answer, text
    assert any(b"[REDACTED]" in answer for answer in answers)  # Gcore's echo, masked
    stored = {s.name: s for s in gcore.secrets(PROJECT_ID, REGION_ID)}
    assert stored["pasted"].payload == PAYLOAD.encode() and stored["uploaded"].payload == FILE
    assert {"tls", "timed-out"} <= set(stored) and "echoed" not in stored

    sequences = [e.sequence for e in AuditEvent.objects.filter(outcome="attempted")]
    for sequence in sequences:  # each badge concludes its change
        editor.get(f"/gcore/prod/changes/{sequence}/", HTTP_HX_REQUEST="true")
    for path, htmx in every_page([s.id for s in stored.values()], sequences):
        for reader in (admin, editor):
            response = reader.get(path, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
            assert response.status_code in (200, 286) or reader is editor, path
            body = b"".join(response) if response.streaming else response.content
            for text in texts:
                assert text.encode() not in body, (path, text)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_auditevent")
        columns = [str(column) for row in cursor.fetchall() for column in row]
    for text in texts:
        assert not [column for column in columns if text in column], text
        assert text not in caplog.text, text
    echo = AuditEvent.objects.get(target="echoed", outcome="failed")
    assert "[REDACTED]" in echo.error_message
    assert AuditEvent.objects.get(target="pasted", outcome="attempted").fingerprints["payload"]
