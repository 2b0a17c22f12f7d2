"""Names and messages someone else chose (a Gcore secret's name, a key another tool wrote, a
provider's error, a browser's User-Agent, a crafted address) are text on every page that shows
them: escaped, never markup, never a link that runs; and in the CSV export never a formula."""

import csv
import io
import json
from datetime import timedelta
from urllib.parse import quote, urlencode

import pytest
from django.utils import timezone

from emulators.faults import Fault
from secretsadmin.audit.models import AuditEvent
from secretsadmin.core import once
from tests.attack.conftest import SET
from tests.attack.inert import runnable
from tests.fixtures.gcore import PROJECT_ID, REGION_ID
from tests.fixtures.pipecat import PIPECAT_ORG
from tests.pipecat.conftest import put

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(2)>'
QUOTE = "'><svg onload=alert(3)>"
LINK = "javascript:alert(4)"
# Spreadsheets run a cell that starts with one of these.
FORMULAS = ('=HYPERLINK("http://evil.example","x")', "+SUM(1)", "-2+3", "@SUM(1)")
MARKUP = (SCRIPT, ATTRIBUTE, QUOTE)
HOSTILE = (*MARKUP, LINK)
MESSAGE = f"quota exceeded {SCRIPT} {ATTRIBUTE}"
# Key names another tool could write (the API documents no rule for them); those with "/" or a
# space cannot be part of an address, the others can.
KEYS = (*HOSTILE, "db/<b>", "<i>x")


def text_of(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def inert(response, what: str) -> None:
    """The answer shows the hostile text, if at all, as text."""
    assert response.status_code < 500, what
    body = text_of(response)
    if response["Content-Type"].startswith("text/html"):
        for text in MARKUP:
            assert text not in body, (what, text)
        assert runnable(body) == [], what
    else:
        # An export keeps the exact text: a download no browser may take for a page.
        assert "html" not in response["Content-Type"], what
        assert response["X-Content-Type-Options"] == "nosniff", what
        assert response["Content-Disposition"].startswith("attachment;"), what


def form(client, data: dict[str, str]) -> dict[str, str]:
    client.get("/accounts/login/", follow=True)
    token = client.cookies["csrftoken"].value
    return {**data, "csrfmiddlewaretoken": token, once.FIELD: once.issue()}


@pytest.fixture
def hostile(world):
    """Gcore secrets with hostile names (expiring soon, so the overview names them), a set
    holding keys with hostile names, and a set whose provisioning failed with a hostile
    message. The Gcore secrets by name."""
    soon = timezone.now()
    secrets = {
        name: world.gcore.add_secret(
            PROJECT_ID,
            REGION_ID,
            name,
            "opaque",
            b"x",
            expiration=soon + timedelta(days=1 + n),
        )
        for n, name in enumerate((*HOSTILE, *FORMULAS))
    }
    stored = world.pipecat.store.get(PIPECAT_ORG, SET)
    for key in KEYS:
        stored.values[key] = "x"  # written by another tool
    world.pipecat.fail_next_provisioning(message=MESSAGE)
    put(world.pipecat, "failing-set")
    return secrets


def test_hostile_names_and_messages_are_text_on_every_page(admin, editor, viewer, world, hostile):
    # Changes and refusals that put the hostile text into the log and into toasts.
    target = hostile[SCRIPT]
    delete = f"/gcore/prod/{REGION_ID}/{target.id}/delete/"
    answers = [("the delete's confirmation", admin.get(delete))]
    done = admin.post(delete, form(admin, {"confirm": SCRIPT}))
    assert done.status_code == 302
    answers.append(("the list after a delete, its toast", admin.get(done["Location"])))
    key_delete = f"/pipecat/prod/sets/{SET}/keys/{quote(LINK)}/delete/"
    answers.append(("a key's removal, asked", admin.get(key_delete)))
    removed = admin.post(key_delete, form(admin, {}), HTTP_HX_REQUEST="true")
    answers.append(("a key's removal by htmx, its toast", removed))
    world.pipecat.faults.add(Fault("put_set", status=400, message=MESSAGE))
    keys = f"/pipecat/prod/sets/{SET}/keys/"
    refused = admin.post(keys, form(admin, {"key_0": "K", "value_0": "v"}), HTTP_HX_REQUEST="true")
    answers.append(("a provider's refusal by htmx, its toast", refused))
    world.pipecat.faults.add(Fault("put_set", status=400, message=MESSAGE))
    refused = admin.post(keys, form(admin, {"key_0": "K", "value_0": "v"}), follow=True)
    answers.append(("a provider's refusal, its page", refused))
    duplicate = {"region": str(REGION_ID), "name": ATTRIBUTE, "secret_type": "opaque"}
    duplicate |= {"payload": "v"}
    second = admin.post("/gcore/prod/new/", form(admin, duplicate))
    answers.append(("a second secret of a name, refused", second))
    answers.append(
        (
            "a second secret of a name, refused by htmx",
            admin.post("/gcore/prod/new/", form(admin, duplicate), HTTP_HX_REQUEST="true"),
        )
    )
    world.gcore.fail_next_task(message=MESSAGE)
    create = {"region": str(REGION_ID), "name": QUOTE + " new", "secret_type": "opaque"}
    editor.post("/gcore/prod/new/", form(editor, {**create, "payload": "v"}))
    world.gcore.clock.advance(10)
    answers.append(("an editor's own changes on the overview", editor.get("/")))
    for user_agent in HOSTILE:
        viewer.get(f"/gcore/prod/new/?name={quote(SCRIPT)}", HTTP_USER_AGENT=user_agent)
    viewer.get(f"/pipecat/prod/sets/{SET}/keys/{quote(ATTRIBUTE)}/delete/")

    pages = [
        "/",
        "/overview/pipecat/prod/",
        "/overview/gcore/prod/",
        "/pipecat/prod/",
        f"/pipecat/prod/sets/{SET}/",
        "/pipecat/prod/sets/failing-set/",
        "/pipecat/prod/sets/failing-set/badge/",
        f"/pipecat/prod/sets/{SET}/keys-count/",
        "/gcore/prod/",
        "/audit/",
        "/audit/export.csv",
        "/audit/export.jsonl",
    ]
    pages += [f"/gcore/prod/{REGION_ID}/{s.id}/" for s in hostile.values() if s is not target]
    pages += [f"/gcore/prod/{REGION_ID}/{s.id}/delete/" for s in hostile.values()]
    for text in HOSTILE:
        pages += [
            "/pipecat/prod/?" + urlencode({"q": text}),
            "/pipecat/prod/check-name/?" + urlencode({"name": text}),
            "/gcore/prod/?" + urlencode({"q": text}),
            "/gcore/prod/check-name/?" + urlencode({"name": text, "region": REGION_ID}),
            "/audit/?" + urlencode({"q": text, "target": text, "actor": text}),
            "/no-such-page/" + quote(text),
        ]
    for event in AuditEvent.objects.all():
        pages.append(f"/audit/{event.sequence}/")
        if event.provider == "gcore" and event.outcome == "attempted":
            pages.append(f"/gcore/prod/changes/{event.sequence}/")
    for path in pages:
        answers.append((path, admin.get(path)))
        if not path.startswith("/audit/export"):
            answers.append((f"{path} by htmx", admin.get(path, HTTP_HX_REQUEST="true")))

    shown = ""
    for what, response in answers:
        inert(response, what)
        shown += text_of(response) if not response.streaming else ""
    # The hostile text did reach the pages, as text: this test is looking at the right places.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in shown
    assert "quota exceeded &lt;script&gt;" in shown


def test_the_csv_export_holds_no_formula(auditor, admin, world, hostile):
    for name in FORMULAS:
        secret = hostile[name]
        path = f"/gcore/prod/{REGION_ID}/{secret.id}/delete/"
        admin.post(path, form(admin, {"confirm": name, "reason": name}))
    world.pipecat.faults.add(Fault("put_set", status=400, message="=cmd|' /C calc'!A0"))
    admin.post(f"/pipecat/prod/sets/{SET}/keys/", form(admin, {"key_0": "K", "value_0": "v"}))
    auditor.get("/audit/", HTTP_USER_AGENT="@SUM(1+1)*cmd|' /C calc'!A0")

    response = auditor.get("/audit/export.csv")
    rows = list(csv.reader(io.StringIO(text_of(response))))
    cells = [cell for row in rows[1:] for cell in row]
    assert [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))] == []
    for name in FORMULAS:
        assert "'" + name in cells  # kept, as text
    # The JSON Lines export keeps the exact text, for machines.
    lines = text_of(auditor.get("/audit/export.jsonl")).splitlines()
    targets = {json.loads(line)["target"] for line in lines}
    assert set(FORMULAS) <= targets
