"""A leak scan of certificate replacements: after private keys are sent through the replacement's
start (uploaded, refused by the checks, echoed back by Gcore in a refusal), no page, fragment,
export, audit or operation row, or log line anyone can read holds a line of one."""

import logging

import pytest
from django.db import connection

from emulators.faults import Fault
from secretsadmin.audit.models import AuditEvent
from secretsadmin.config import Secret
from tests.fixtures.certificates import make_chain
from tests.fixtures.gcore import PROJECT_ID, REGION_ID
from tests.gcore.changes.conftest import finish
from tests.pipecat.conftest import post

pytestmark = pytest.mark.django_db


def used_certificate(gcore, name: str):
    old = gcore.add_secret(PROJECT_ID, REGION_ID, name, "certificate", b"old")
    balancer = gcore.add_load_balancer(PROJECT_ID, REGION_ID, f"{name}-lb")
    gcore.add_listener(balancer, "https", "TERMINATED_HTTPS", 443, secret_id=old.id)
    return old


def replace(editor, old, chain, name: str, key: str | None = None):
    data = {
        "source": "upload",
        "region": str(REGION_ID),
        "name": name,
        "certificate": chain.leaf.cert_pem,
        "certificate_chain": chain.chain_pem,
        "private_key": key or chain.leaf.key_pem,
    }
    return post(editor, f"/gcore/prod/{REGION_ID}/{old.id}/replace/", data)


def test_no_private_key_sent_through_a_replacement_can_be_read_back(
    admin, editor, gcore, settings, caplog
):
    caplog.set_level(logging.DEBUG)
    settings.AUDIT_HMAC_KEY = Secret("audit-key-for-the-leak-scan-" + "k" * 20)
    chain, other = make_chain("leak.example.test"), make_chain("other.example.test", prefix="O")
    kept, refused, echoed = (used_certificate(gcore, n) for n in ("kept", "refused", "echoed"))
    lines = [
        line for key in (chain.leaf.key_pem, other.leaf.key_pem) for line in key.splitlines()[1:-1]
    ]

    answers = [
        replace(editor, kept, chain, "kept-new"),
        replace(editor, refused, chain, "refused-new", key=other.leaf.key_pem),
    ]
    gcore.faults.add(Fault("create_tls_secret", status=400, message=f"bad key {lines[1]}", times=1))
    answers.append(replace(editor, echoed, chain, "echoed-new"))
    finish(gcore)
    pages = ["/gcore/prod/", "/audit/", "/audit/export.csv", "/audit/export.jsonl"]
    for answer in answers:
        if answer.status_code == 302:
            pages.append(answer["Location"])
            answers.append(editor.get(answer["Location"]))
    pages += [f"/gcore/prod/{REGION_ID}/{s.id}/replace/" for s in (kept, refused, echoed)]
    pages += [f"/audit/{e.sequence}/" for e in AuditEvent.objects.all()]
    for answer in answers:
        for line in lines:
            assert line.encode() not in answer.content, line
    for path in pages:
        for reader in (admin, editor):
            response = reader.get(path)
            body = b"".join(response) if response.streaming else response.content
            for line in lines:
                assert line.encode() not in body, (path, line)
    with connection.cursor() as cursor:
        rows = []
        for table in ("audit_auditevent", "rollouts_rollout", "rollouts_step"):
            cursor.execute(f"SELECT * FROM {table}")
            rows += [str(column) for row in cursor.fetchall() for column in row]
    for line in lines:
        assert not [row for row in rows if line in row], line
        assert line not in caplog.text, line
    echo = AuditEvent.objects.get(target="echoed-new", outcome="failed")
    assert "[REDACTED]" in echo.error_message
