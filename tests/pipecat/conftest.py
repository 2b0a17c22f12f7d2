"""The dashboard's Pipecat pages, pointed at the in-process emulator for each test."""

import re
from html import unescape
from html.parser import HTMLParser

import httpx
import pytest

from emulators.faults import Fault
from emulators.pipecat import seed_many
from emulators.transport import EmulatorTransport
from secretsadmin.audit.models import AuditEvent
from secretsadmin.config import Secret
from secretsadmin.core import once
from secretsadmin.providers.config import Timeouts
from secretsadmin.providers.pipecat.config import PipecatAccount
from tests.fixtures.pipecat import API_HOST, PIPECAT_ORG, PIPECAT_TOKEN

ACCOUNT = "prod"


@pytest.fixture(autouse=True)
def pipecat(settings, pipecat_app, pipecat_clock):
    """The emulator behind the account `prod`; retry waits advance its clock instead of sleeping."""
    settings.PIPECAT_ACCOUNTS = (PipecatAccount(ACCOUNT, API_HOST, Secret(PIPECAT_TOKEN)),)
    settings.PIPECAT_TIMEOUTS = Timeouts(connect=5.0, read=15.0)
    settings.PIPECAT_TRANSPORT = EmulatorTransport(pipecat_app)
    settings.PIPECAT_SLEEP = pipecat_clock.sleep
    yield pipecat_app  # the cache starts empty for every test (tests/conftest.py)


def upstream(app) -> httpx.Client:
    """Another tool speaking to the same organisation (the provider's own API, not ours)."""
    return httpx.Client(
        transport=EmulatorTransport(app),
        base_url=f"{API_HOST}/v1",
        headers={"Authorization": f"Bearer {PIPECAT_TOKEN}"},
    )


def put(app, name: str, region: str = "us-west", settle: bool = True, **keys: str) -> None:
    """Creates or changes a set through the API, as the provider's CLI would."""
    secrets = [{"secretKey": k, "secretValue": v} for k, v in (keys or {"API_KEY": "v"}).items()]
    with upstream(app) as api:
        api.put(f"/secrets/{name}", json={"secrets": secrets, "region": region}).raise_for_status()
    if settle:
        app.clock.advance(app.store.provisioning_delay + 1)


def state(app, name: str) -> dict:
    with upstream(app) as api:
        return api.get(f"/secrets/{name}").json()


def fail_next(app, operation: str, status: int, times: int = 1, **extra) -> None:
    app.faults.add(Fault(operation, times=times, status=status, **extra))


def events(action: str | None = None) -> list[AuditEvent]:
    found = AuditEvent.objects.order_by("sequence")
    return list(found.filter(action=action) if action else found)


def token_of(client) -> str:
    client.get("/")
    return client.cookies["csrftoken"].value


def post(client, path, data=None, **headers):
    """Sends a form as its page would: with the CSRF token and a fresh one-time token."""
    form = {"csrfmiddlewaretoken": token_of(client), once.FIELD: once.issue(), **(data or {})}
    return client.post(path, form, **headers)


def preview(editor, env: str, name: str = "voice-prod") -> str:
    """The preview an editor gets in place for a pasted `.env` block."""
    path = f"/pipecat/prod/sets/{name}/keys/preview/"
    return post(editor, path, {"env": env}, HTTP_HX_REQUEST="true").content.decode()


class Elements(HTMLParser):
    """A page's elements, each as its tag, its attributes and the text inside it."""

    VOID = frozenset({"input", "br", "hr", "img", "meta", "link"})

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[dict] = []
        self._open: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "text": "", **{k: v or "" for k, v in attrs}}
        self.found.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_endtag(self, tag):
        while self._open and self._open.pop()["tag"] != tag:
            pass

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data

    def all(self, tag: str, **attributes: str) -> list[dict]:
        return [
            e
            for e in self.found
            if e["tag"] == tag and all(e.get(k) == v for k, v in attributes.items())
        ]

    def one(self, tag: str, **attributes: str) -> dict:
        (element,) = self.all(tag, **attributes)
        return element


def seed(app, count: int) -> list[str]:
    """`count` sets in every state, put straight into the emulator's store; their names sorted."""
    return sorted(seed_many(app, count, org=PIPECAT_ORG))


def once_of(page: str, after: str = "") -> str:
    """The one-time token of the first form (or htmx button) found after `after` in a page."""
    found = re.search(r'(?:name="once" value|data-once)="([^"]+)"', page[page.index(after) :])
    assert found, f"no one-time token after {after!r}"
    return unescape(found.group(1))
