"""The leak scan (#11): a whole journey in Chromium through both providers, every form, every role,
with canaries for every secret the dashboard holds or is given, then a search for each of them in
everything the journey left behind.

Canary tokens: the two Pipecat Cloud accounts' API keys, the two Gcore accounts' API keys,
SECRET_KEY, AUDIT_HMAC_KEY and the people's passwords, all configured as an operator would (read
from the environment by the settings' own readers). Canary values: everything a form is given that
is a secret (key rows, a `.env` block with a value of two lines, a refused block, registry tokens,
Gcore payloads pasted and uploaded, a certificate's private key, a wrong one, candidate values an
auditor checks), and values that other tools put upstream, which the dashboard never reads.

Searched: every response Chromium received (headers, Set-Cookie, body) and every request it sent
(URL, headers), each context's cookies and storage, every log line as the app's handler writes
it, every row of every table, every cache entry, the audit exports, the emulators' request logs,
and what the dashboard sent to and got from each provider. A token may appear only in the
Authorization header of its own account's requests; a value only in the body of the request that
takes it to its provider (and in that provider's answer, where the provider echoed it).
"""

import base64
import logging
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from playwright.sync_api import Page, expect

from emulators.clock import ManualClock
from emulators.faults import Fault
from emulators.gcore import GcoreEmulator
from emulators.pipecat import PipecatEmulator
from emulators.pipecat.agents import Config as AgentConfig
from emulators.pipecat.store import SecretSet, SetType
from emulators.server import EmulatorServer
from secretsadmin.accounts.roles import Role
from secretsadmin.audit.models import AuditEvent
from secretsadmin.config import Config
from secretsadmin.providers.config import pause_policy
from secretsadmin.providers.gcore.config import gcore_accounts, gcore_timeouts
from secretsadmin.providers.pipecat.config import pipecat_accounts, pipecat_timeouts
from tests.browser.capture import Browsing, LogLines, Upstream, cache_entries, database
from tests.fixtures.certificates import Chain, make_chain
from tests.fixtures.leaks import (
    BROWSER,
    COOKIE,
    DATABASE,
    EMULATOR_LOG,
    EXPORT,
    SET_COOKIE,
    UPSTREAM_ANSWER,
    UPSTREAM_AUTHORIZATION,
    UPSTREAM_BODY,
    Canary,
    Captured,
    Search,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RUN = uuid.uuid4().hex[:12]  # canaries are unique to the run: nothing else can hold them
PIPECAT_DELAY = 5.0
PROD_REGION, OTHER_REGION, STAGING_REGION = 76, 38, 3
ROLES = (Role.VIEWER, Role.EDITOR, Role.AUDITOR, Role.ADMIN)


def canary(what: str) -> str:
    return f"canary-{what}-{RUN}"


# -- canaries: what the dashboard is configured with ---------------------------------------------

PIPECAT_PROD_TOKEN = canary("pipecat-prod-token")
PIPECAT_STAGING_TOKEN = canary("pipecat-staging-token")
# Gcore's `<key id>$<secret>`: the id is no secret, and the secret is searched for on its own too.
GCORE_PROD_KEY = "8101$" + canary("gcore-prod-key")
GCORE_STAGING_KEY = "8102$" + canary("gcore-staging-key")
SECRET_KEY = canary("django-secret-key")
AUDIT_HMAC_KEY = canary("audit-hmac-key")
PASSWORDS = {role: canary(f"password-of-the-{role.value}") for role in ROLES}
WRONG_PASSWORD = canary("mistyped-password")

# -- canaries: what the journey types, pastes and uploads ----------------------------------------

# With the characters HTML, URLs and JSON write differently, so that each of their forms counts.
ROW_ONE = canary("row-one") + " <&>\"'+/=é"
ROW_TWO = canary("row-two") + "&amp;%20"
ROW_TAKEN = canary("row-of-a-refused-create")
ENV_PLAIN = canary("env-plain")
ENV_FIRST_LINE = canary("env-multi-first")
ENV_SECOND_LINE = canary("env-multi-second")
ENV_REFUSED = canary("env-refused-block")
ROW_ECHOED = canary("row-echoed-by-pipecat")
PULL_USER = "octo-leak"
PULL_TOKEN = canary("ghcr-token")
PULL_TOKEN_REFUSED = canary("ghcr-token-refused")
PULL_TOKEN_REPLACED = canary("ghcr-token-replaced")
STAGING_VALUE = canary("staging-row")
PAYLOAD = canary("gcore-payload") + " <&>\"'"
PAYLOAD_REFUSED = canary("gcore-payload-refused")
PAYLOAD_FILE = canary("gcore-payload-file")
PAYLOAD_ECHOED = canary("gcore-payload-echoed")
CANDIDATE = canary("candidate-typed")
CANDIDATE_FILE = canary("candidate-in-a-file")
# Put upstream by other tools: the dashboard never reads a value back.
UPSTREAM_SET_VALUE = canary("value-another-tool-set")
UPSTREAM_RETIRED_VALUE = canary("value-of-a-set-deleted")
UPSTREAM_PAYLOAD = canary("payload-another-tool-stored")


def pull_credentials(token: str) -> str:
    """What Pipecat Cloud is sent for registry credentials: base64 of `user:token`."""
    return base64.b64encode(f"{PULL_USER}:{token}".encode()).decode()


def key_lines(pem: str) -> tuple[str, ...]:
    """The base64 lines of a PEM key: each is unique to the key, and any one is a leak."""
    return tuple(line for line in pem.splitlines() if len(line) >= 16 and "-----" not in line)


# -- the dashboard's providers: emulators on the loopback, accepting only the canary tokens ---


@pytest.fixture
def captured() -> Captured:
    return Captured()


@pytest.fixture
def providers(settings, captured):
    """Two Pipecat Cloud organisations and two Gcore projects, each on a server of its own, so
    that where a request went tells whose token it may carry; configured through the settings'
    own readers from an environment naming the canaries, as an operator would."""
    pipecat_prod = PipecatEmulator(
        {PIPECAT_PROD_TOKEN: "org-prod"}, clock=ManualClock(), provisioning_delay=PIPECAT_DELAY
    )
    pipecat_staging = PipecatEmulator(
        {PIPECAT_STAGING_TOKEN: "org-staging"}, clock=ManualClock(), provisioning_delay=0.0
    )
    gcore_prod = GcoreEmulator({GCORE_PROD_KEY: [1]}, clock=ManualClock())
    gcore_staging = GcoreEmulator({GCORE_STAGING_KEY: [2]}, clock=ManualClock())
    with (
        EmulatorServer(pipecat_prod) as pp,
        EmulatorServer(pipecat_staging) as ps,
        EmulatorServer(gcore_prod) as gp,
        EmulatorServer(gcore_staging) as gs,
    ):
        env = Config(
            {
                "SECRET_KEY": SECRET_KEY,
                "AUDIT_HMAC_KEY": AUDIT_HMAC_KEY,
                "PIPECAT_ACCOUNTS": "prod,staging",
                "PIPECAT_PROD_API_KEY": PIPECAT_PROD_TOKEN,
                "PIPECAT_PROD_API_URL": pp.url,
                "PIPECAT_STAGING_API_KEY": PIPECAT_STAGING_TOKEN,
                "PIPECAT_STAGING_API_URL": ps.url,
                "GCORE_ACCOUNTS": "prod,staging",
                "GCORE_PROD_API_KEY": GCORE_PROD_KEY,
                "GCORE_PROD_API_URL": gp.url,
                "GCORE_PROD_PROJECT": "1",
                "GCORE_PROD_REGIONS": f"{PROD_REGION},{OTHER_REGION}",
                "GCORE_STAGING_API_KEY": GCORE_STAGING_KEY,
                "GCORE_STAGING_API_URL": gs.url,
                "GCORE_STAGING_PROJECT": "2",
                "GCORE_STAGING_REGIONS": str(STAGING_REGION),
            }
        )
        upstream = Upstream(captured)
        settings.SECRET_KEY = env.secret("SECRET_KEY").reveal()
        settings.AUDIT_HMAC_KEY = env.secret("AUDIT_HMAC_KEY")
        settings.PIPECAT_ACCOUNTS = pipecat_accounts(env)
        settings.PIPECAT_TIMEOUTS = pipecat_timeouts(env)
        settings.PIPECAT_PAUSE = pause_policy(env, "PIPECAT")
        settings.PIPECAT_POLL_SECONDS = 1
        settings.PIPECAT_TRANSPORT = upstream
        settings.GCORE_ACCOUNTS = gcore_accounts(env)
        settings.GCORE_TIMEOUTS = gcore_timeouts(env)
        settings.GCORE_PAUSE = pause_policy(env, "GCORE")
        settings.GCORE_POLL_SECONDS = 1
        settings.GCORE_TRANSPORT = upstream
        settings.REDACTED_VALUES = env.secrets  # as settings.py masks what it read as secrets
        cache.clear()
        yield {
            "pipecat prod": pipecat_prod,
            "pipecat staging": pipecat_staging,
            "gcore prod": gcore_prod,
            "gcore staging": gcore_staging,
            "origins": {
                "pipecat prod": pp.url,
                "pipecat staging": ps.url,
                "gcore prod": gp.url,
                "gcore staging": gs.url,
            },
        }
        cache.clear()
        upstream.shut()


# -- what is captured on the dashboard's side ----------------------------------------------------


@pytest.fixture
def log_lines(captured) -> Iterator[LogLines]:
    """Every line the app logs at DEBUG, the most a deployment can be told to write."""
    handler = LogLines(captured)
    # The loggers the app's handler is attached to (django's does not propagate to the root).
    loggers = [logging.getLogger(), logging.getLogger("django")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
    yield handler
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.fixture
def browsing(browser, live_server, captured) -> Iterator[Browsing]:
    browsing = Browsing(browser, live_server.url, captured)
    yield browsing
    for _, context in browsing.contexts:
        context.close()


# -- the people ----------------------------------------------------------------------------------

NAMES = {Role.VIEWER: "vera", Role.EDITOR: "eddie", Role.AUDITOR: "audrey", Role.ADMIN: "ada"}


@pytest.fixture
def people(transactional_db) -> dict[Role, User]:
    made = {}
    for role, name in NAMES.items():
        user = User.objects.create_user(name, f"{name}@example.com", PASSWORDS[role])
        user.groups.add(Group.objects.get_or_create(name=role.value)[0])
        made[role] = user
    return made


def sign_in(browsing: Browsing, role: Role, *, mistype_first: bool = False) -> Page:
    page = browsing.context(NAMES[role])
    browsing.goto(page, "/accounts/login/")
    attempts = [WRONG_PASSWORD, PASSWORDS[role]] if mistype_first else [PASSWORDS[role]]
    for password in attempts:
        page.get_by_label("Username").fill(NAMES[role])
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        browsing.settle(page)
    expect(page).to_have_url(browsing.base + "/")
    return page


# -- the journey ---------------------------------------------------------------------------------


def seed(providers) -> str:
    """What other tools put upstream before anyone signs in; the id of the Gcore secret the
    journey deletes."""
    for name, app, value in (
        ("voice-prod", providers["pipecat prod"], UPSTREAM_SET_VALUE),
        ("retired-set", providers["pipecat prod"], UPSTREAM_RETIRED_VALUE),
        ("staging-set", providers["pipecat staging"], UPSTREAM_SET_VALUE),
    ):
        now = app.clock.now()
        with app.state_lock:
            org = next(iter(app.tokens.values()))
            app.store.add(
                org, SecretSet(name, SetType.REGULAR, "us-west", now, now, values={"SEEDED": value})
            )
    gcore = providers["gcore prod"]
    gcore.add_secret(1, PROD_REGION, "seeded-token", "opaque", UPSTREAM_PAYLOAD.encode())
    retired = gcore.add_secret(1, OTHER_REGION, "retired-secret", "opaque", b"x")
    providers["gcore staging"].add_secret(2, STAGING_REGION, "staging-token", "opaque", b"y")
    return retired.id


def submit(browsing: Browsing, page: Page, button: str, path: str) -> None:
    """Clicks a form's button and waits for its answer and whatever htmx does with it."""
    with page.expect_response(lambda r: r.request.method == "POST" and path in r.url):
        page.get_by_role("button", name=button, exact=True).click()
    browsing.settle(page)


def pipecat_changes(browsing: Browsing, page: Page, providers) -> None:
    """Every Pipecat Cloud change form: what it accepts, what it refuses, an upstream error."""
    app = providers["pipecat prod"]

    def stored(name: str) -> SecretSet:
        return app.store.get("org-prod", name)

    browsing.goto(page, "/pipecat/prod/")
    page.get_by_role("link", name="New secret set").click()
    page.get_by_label("Name").fill("leak-scan")
    expect(page.get_by_label("Name")).to_have_accessible_description(re.compile("is free"))
    page.get_by_label("Region").select_option("eu-central")
    page.locator("[name=key_0]").fill("ROW_ONE")
    page.locator("[name=value_0]").fill(ROW_ONE)
    page.get_by_role("button", name="+ Add a key").click()
    page.locator("[name=key_1]").fill("ROW_TWO")
    page.locator("[name=value_1]").fill(ROW_TWO)
    submit(browsing, page, "Create set", "/new/")
    expect(page.locator(".toast")).to_contain_text("Set leak-scan created")
    assert stored("leak-scan").values == {"ROW_ONE": ROW_ONE, "ROW_TWO": ROW_TWO}
    # An agent deployed with it, which the set's changes below leave running the old values.
    agent = AgentConfig(image="leak/agent:1", secret_set="leak-scan")
    app.agents.add("org-prod", "leak-agent", "eu-central", agent, app.clock.now())

    browsing.goto(page, "/pipecat/prod/new/")  # refused: the name is taken
    page.get_by_label("Name").fill("voice-prod")
    page.locator("[name=key_0]").fill("TAKEN")
    page.locator("[name=value_0]").fill(ROW_TAKEN)
    submit(browsing, page, "Create set", "/new/")
    expect(page.locator("#new-set-errors")).to_contain_text("exists already")
    assert set(stored("voice-prod").values) == {"SEEDED"}

    browsing.goto(page, "/pipecat/prod/sets/leak-scan/")
    page.locator("summary", has_text="the .env box").click()
    box = page.get_by_label("Or paste a .env block")
    box.fill(
        f'# pasted\nexport ENV_PLAIN={ENV_PLAIN}\nENV_MULTI="{ENV_FIRST_LINE}\n{ENV_SECOND_LINE}"\n'
    )
    with page.expect_response(lambda r: "/keys/preview/" in r.url):
        page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview")).to_contain_text("New keys (2)")
    submit(browsing, page, "Save keys", "/keys/")
    expect(page.locator(".toast")).to_contain_text("2 keys saved in leak-scan.")
    assert stored("leak-scan").values["ENV_MULTI"] == f"{ENV_FIRST_LINE}\n{ENV_SECOND_LINE}"

    page.locator("summary", has_text="the .env box").click()
    box.fill(f"ENV_REFUSED={ENV_REFUSED}\nthis is not a line\n")  # refused: a bad line
    submit(browsing, page, "Save keys", "/keys/")
    expect(page.locator("#keys-errors")).to_contain_text("Line 2")
    assert "ENV_REFUSED" not in stored("leak-scan").values

    # An upstream failure whose message repeats the value sent.
    app.faults.add(Fault("put_set", status=400, message=f"secretValue {ROW_ECHOED} is refused"))
    browsing.goto(page, "/pipecat/prod/sets/leak-scan/")
    page.locator("[name=key_0]").fill("ROW_ECHOED")
    page.locator("[name=value_0]").fill(ROW_ECHOED)
    submit(browsing, page, "Save keys", "/keys/")
    expect(page.locator(".toast-error")).to_be_visible()
    assert "ROW_ECHOED" not in stored("leak-scan").values
    assert [r.status for r in app.requests if r.operation == "put_set"][-1] == 400

    browsing.goto(page, "/pipecat/prod/sets/leak-scan/")
    page.get_by_role("row", name="ROW_TWO").get_by_role("button", name="Remove").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Reason").fill("rotated out in the leak scan")
    with page.expect_response(lambda r: "/delete/" in r.url and r.request.method == "POST"):
        dialog.get_by_role("button", name="Remove key").click()
    browsing.settle(page)
    expect(page.get_by_role("row", name="ROW_TWO")).to_have_count(0)

    browsing.goto(page, "/pipecat/prod/image-pull/new/")
    page.get_by_label("Set name").fill("leak-pull")
    page.get_by_label("Registry", exact=True).select_option("ghcr")
    page.get_by_label("Registry user name").fill(PULL_USER)
    page.get_by_label("Password or token").fill(PULL_TOKEN)
    submit(browsing, page, "Create image pull secret", "/image-pull/new/")
    expect(page.locator(".toast")).to_contain_text("Registry credentials saved in leak-pull.")
    assert stored("leak-pull").credentials == pull_credentials(PULL_TOKEN)

    browsing.goto(page, "/pipecat/prod/image-pull/new/")  # refused: the name is taken
    page.get_by_label("Set name").fill("voice-prod")
    page.get_by_label("Registry", exact=True).select_option("ghcr")
    page.get_by_label("Registry user name").fill(PULL_USER)
    page.get_by_label("Password or token").fill(PULL_TOKEN_REFUSED)
    submit(browsing, page, "Create image pull secret", "/image-pull/new/")
    expect(page.locator(".form-error, .field-error").first).to_contain_text("exists already")

    app.clock.advance(PIPECAT_DELAY + 1)
    browsing.goto(page, "/pipecat/prod/sets/leak-pull/")
    page.get_by_role("link", name="Replace the registry credentials").click()
    page.get_by_label("Registry", exact=True).select_option("ghcr")
    page.get_by_label("Registry user name").fill(PULL_USER)
    page.get_by_label("Password or token").fill(PULL_TOKEN_REPLACED)
    submit(browsing, page, "Replace credentials", "/image-pull/")
    expect(page.locator(".toast")).to_contain_text("Registry credentials saved in leak-pull.")
    assert stored("leak-pull").credentials == pull_credentials(PULL_TOKEN_REPLACED)

    # The agent is redeployed to read the set's new values, followed on the operation's page.
    browsing.goto(page, "/pipecat/prod/sets/leak-scan/")
    page.get_by_role("button", name="Redeploy all 1").click()
    progress = page.locator("#rollout-progress")
    expect(page.locator("#rollout-steps tbody tr")).to_have_attribute(
        "data-state", "sent", timeout=10_000
    )
    app.clock.advance(app.agents.deploy_delay + 1)
    expect(progress).to_have_attribute("data-state", "done", timeout=10_000)
    browsing.settle(page)
    assert app.calls("update_agent") == 1

    browsing.goto(page, "/pipecat/prod/sets/retired-set/")
    page.get_by_role("link", name="Delete this set…").click()
    page.get_by_label("Type retired-set to confirm").fill("retired")  # refused
    submit(browsing, page, "Delete retired-set", "/delete/")
    expect(page.locator(".field-error")).to_contain_text("Type retired-set exactly")
    page.get_by_label("Type retired-set to confirm").fill("retired-set")
    submit(browsing, page, "Delete retired-set", "/delete/")
    expect(page.locator(".toast")).to_contain_text("Set retired-set deleted.")
    app.clock.advance(PIPECAT_DELAY + 1)

    browsing.goto(page, "/pipecat/staging/sets/staging-set/")
    page.locator("[name=key_0]").fill("STAGING_ROW")
    page.locator("[name=value_0]").fill(STAGING_VALUE)
    submit(browsing, page, "Save keys", "/keys/")
    expect(page.locator(".toast")).to_contain_text("1 key saved in staging-set.")
    staging = providers["pipecat staging"].store.get("org-staging", "staging-set")
    assert staging.values["STAGING_ROW"] == STAGING_VALUE


@pytest.fixture(scope="module")
def chains() -> tuple[Chain, Chain, Chain]:
    """A certificate with its chain and key, another certificate, whose key is not its, and the
    certificate that replaces the first."""
    return (
        make_chain("leak.example.test", prefix="Leak"),
        make_chain("other.leak.test", prefix="Other"),
        make_chain("leak.example.test", prefix="Renewed"),
    )


def gcore_changes(
    browsing: Browsing,
    page: Page,
    providers,
    retired_id: str,
    chains: tuple[Chain, Chain, Chain],
) -> None:
    """Every Gcore Cloud change form: a secret pasted, refused twice, failed upstream; a
    certificate with another's key refused, then with its own; a delete."""
    app, (chain, other, renewed) = providers["gcore prod"], chains

    def named(name: str) -> list:
        return app.secret_named(1, PROD_REGION, name)

    def finish_tasks() -> None:
        """Gcore's tasks run out; the badges see it, and the outcomes are recorded."""
        running = page.locator(".change-badge .badge", has_text="…")
        expect(running.first).to_be_visible()
        app.clock.advance(5)
        expect(running).to_have_count(0, timeout=10_000)
        browsing.settle(page)

    browsing.goto(page, "/gcore/prod/")
    page.get_by_role("link", name="New secret").click()
    page.get_by_label("Name", exact=True).fill("leak-opaque")
    expect(page.locator("#name-check")).to_contain_text("leak-opaque")
    page.get_by_label("Secret", exact=True).fill(PAYLOAD)
    submit(browsing, page, "Create secret", "/gcore/prod/new/")
    expect(page.locator(".toast")).to_contain_text("creating the secret leak-opaque")
    finish_tasks()
    assert [s.payload for s in named("leak-opaque")] == [PAYLOAD.encode()]

    browsing.goto(page, "/gcore/prod/new/")  # refused: a symmetric key needs its mode
    page.get_by_label("Type", exact=True).select_option("symmetric")
    page.get_by_label("Name", exact=True).fill("leak-symmetric")
    page.get_by_label("Secret", exact=True).fill(PAYLOAD_REFUSED)
    page.get_by_label("Algorithm").select_option("aes")
    page.get_by_label("Bit length").select_option("256")
    submit(browsing, page, "Create secret", "/gcore/prod/new/")
    expect(page.locator("#secret-errors")).to_contain_text("mode")

    browsing.goto(page, "/gcore/prod/new/")  # refused: the region holds that name already
    page.get_by_label("Name", exact=True).fill("leak-opaque")
    expect(page.locator("#name-check")).to_contain_text("already")
    page.get_by_label("Or upload a file").set_input_files(
        {
            "name": "payload.bin",
            "mimeType": "application/octet-stream",
            "buffer": PAYLOAD_FILE.encode(),
        }
    )
    submit(browsing, page, "Create secret", "/gcore/prod/new/")
    expect(page.locator("#secret-errors")).to_contain_text("already")
    assert len(named("leak-opaque")) == 1

    # An upstream failure whose message repeats the payload sent.
    message = f"Validation Error: payload {PAYLOAD_ECHOED} is malformed"
    app.faults.add(Fault("create_secret", status=400, message=message))
    browsing.goto(page, "/gcore/prod/new/")
    page.get_by_label("Name", exact=True).fill("leak-echoed")
    page.get_by_label("Secret", exact=True).fill(PAYLOAD_ECHOED)
    submit(browsing, page, "Create secret", "/gcore/prod/new/")
    expect(page.locator(".toast-error")).to_be_visible()
    assert [r.status for r in app.requests if r.operation == "create_secret"][-1] == 400
    assert named("leak-echoed") == []

    browsing.goto(page, "/gcore/prod/new/certificate/")
    page.get_by_label("Name", exact=True).fill("leak-cert")
    page.get_by_label("Certificate (PEM)").fill(chain.leaf.cert_pem)
    page.get_by_label("Chain (PEM, optional)").fill(chain.chain_pem)
    key = page.get_by_label("Private key (PEM)")
    key.fill(other.leaf.key_pem)  # refused: another certificate's key
    with page.expect_response(lambda r: "/certificate/check/" in r.url):
        page.get_by_role("button", name="Check").click()
    browsing.settle(page)
    expect(page.locator("#certificate-facts")).to_contain_text("does not match")
    submit(browsing, page, "Upload certificate", "/new/certificate/")
    expect(page.locator("#certificate-errors")).to_contain_text("does not match")
    assert app.calls("create_tls_secret") == 0
    key.fill(chain.leaf.key_pem)
    with page.expect_response(lambda r: "/certificate/check/" in r.url):
        page.get_by_role("button", name="Check").click()
    browsing.settle(page)
    expect(page.locator("#certificate-facts")).to_contain_text("Ready to upload")
    submit(browsing, page, "Upload certificate", "/new/certificate/")
    finish_tasks()
    assert len(named("leak-cert")) == 1

    # leak-cert, once a listener uses it, replaced by a renewed one uploaded on its page.
    [cert] = named("leak-cert")
    balancer = app.add_load_balancer(1, PROD_REGION, "leak-lb")
    listener = app.add_listener(balancer, "tls", "TERMINATED_HTTPS", 443, secret_id=cert.id)
    browsing.goto(page, f"/gcore/prod/{PROD_REGION}/{cert.id}/")
    page.get_by_role("link", name="Replace", exact=True).click()
    upload = page.locator("form:has(input[name=source][value=upload])")
    upload.get_by_label("Name", exact=True).fill("leak-cert-renewed")
    upload.get_by_label("Certificate (PEM)").fill(renewed.leaf.cert_pem)
    upload.get_by_label("Chain (PEM, optional)").fill(renewed.chain_pem)
    upload.get_by_label("Private key (PEM)").fill(renewed.leaf.key_pem)
    submit(browsing, page, "Upload and switch", "/replace/")
    progress = page.locator("#rollout-progress")
    for _ in range(20):  # the upload's task, then the switch's, each run out by the clock
        if progress.get_attribute("data-state") == "done":
            break
        app.clock.advance(5)
        page.wait_for_timeout(1000)
    expect(progress).to_have_attribute("data-state", "done")
    browsing.settle(page)
    assert app.listener(listener.id).secret_id == named("leak-cert-renewed")[0].id

    browsing.goto(page, f"/gcore/prod/{OTHER_REGION}/{retired_id}/")
    page.get_by_role("link", name="Delete retired-secret").click()
    page.get_by_label("Type retired-secret to confirm").fill("retired")  # refused
    submit(browsing, page, "Delete retired-secret", "/delete/")
    expect(page.locator(".field-error")).to_contain_text("Type retired-secret exactly")
    page.get_by_label("Type retired-secret to confirm").fill("retired-secret")
    submit(browsing, page, "Delete retired-secret", "/delete/")
    finish_tasks()
    assert app.secret_named(1, OTHER_REGION, "retired-secret") == []


def audit_checks(browsing: Browsing, page: Page, exports: list[tuple[str, str]]) -> None:
    """The auditor filters, verifies, exports and checks candidate values, typed and in a file."""
    browsing.goto(page, "/audit/")
    page.get_by_role("button", name="Verify the chain").click()
    expect(page.locator("#verification")).to_contain_text("every hash matches")
    for link in ("CSV", "JSON Lines"):
        download(page, link, exports, "all events")
    page.get_by_label("Action").fill("pipecat")
    export = page.locator(".export").get_by_role("link", name="CSV")
    expect(export).to_have_attribute("href", re.compile("action=pipecat"))
    browsing.settle(page)
    for link in ("CSV", "JSON Lines"):
        download(page, link, exports, "action=pipecat")

    [created] = [
        e
        for e in AuditEvent.objects.filter(action="pipecat.secret_set.upsert", outcome="attempted")
        if "ROW_ONE" in (e.fingerprints or {})
    ]
    browsing.goto(page, f"/audit/{created.sequence}/")
    page.get_by_label("Key").select_option("ROW_ONE")
    for candidate, verdict in ((CANDIDATE, "No match"), (ROW_ONE, "Match")):
        page.get_by_label("Candidate value").fill(candidate)
        submit(browsing, page, "Check", "/check/")
        expect(page.locator("#check")).to_contain_text(f"{verdict}: ROW_ONE")
    page.get_by_label("or from a file").set_input_files(
        {"name": "candidate.txt", "mimeType": "text/plain", "buffer": CANDIDATE_FILE.encode()}
    )
    submit(browsing, page, "Check", "/check/")
    expect(page.locator("#check")).to_contain_text("No match")


def download(page: Page, link: str, exports: list[tuple[str, str]], which: str) -> None:
    with page.expect_download() as started:
        page.locator(".export").get_by_role("link", name=link).click()
    path = started.value.path()
    exports.append((f"the {link} export of {which}", Path(path).read_text()))


def admin_changes(browsing: Browsing, page: Page, people: dict[Role, User]) -> None:
    """The one form of the admin: someone's roles."""
    browsing.goto(page, f"/admin/auth/user/{people[Role.AUDITOR].pk}/change/")
    page.get_by_label("viewer").check()
    submit(browsing, page, "Save", "/change/")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")


# -- every page each person may open ---------------------------------------------------------

SKIPPED = ("/accounts/logout/", "/admin/logout/", "/static/", "/audit/export.")
# The admin's own pages: a few of each kind, not each of its filters, orders or histories.
ADMIN_SKIPPED = re.compile(r"/(history|delete|password|add)/$")


def fragments(providers) -> list[str]:
    """Pages that htmx asks for in place, which no link leads to: a few of each kind."""
    gcore = providers["gcore prod"]
    seeded = gcore.secret_named(1, PROD_REGION, "seeded-token")[0]
    changes = AuditEvent.objects.filter(provider="gcore", outcome="attempted", account="prod")
    return [
        "/overview/pipecat/prod/",
        "/overview/pipecat/staging/",
        "/overview/gcore/prod/",
        "/overview/gcore/staging/",
        "/pipecat/prod/?q=leak",
        "/pipecat/prod/sets/leak-scan/badge/",
        "/pipecat/prod/sets/leak-scan/keys-count/",
        "/pipecat/prod/sets/voice-prod/keys-count/",
        "/pipecat/prod/check-name/?name=leak-scan",
        "/pipecat/prod/sets/retired-set/",  # deleted: a 404
        f"/gcore/prod/check-name/?name=leak-opaque&region={PROD_REGION}",
        f"/gcore/prod/{PROD_REGION}/{seeded.id}/",
        "/gcore/prod/?q=leak",
        *(f"/gcore/prod/changes/{event.sequence}/" for event in changes),
    ]


def visit_everything(browsing: Browsing, page: Page, role: Role, providers, rendered: set) -> int:
    """Every page the person can reach from the overview by its links, and the fragments htmx
    asks for; for those below the editor, a page they may not open. Each person's overview,
    and the first page of each kind anyone meets, is opened in the browser, with whatever htmx
    loads into it; the others (another event, another order of a list, the kinds someone else
    opened) are read with the person's session, as htmx reads a fragment, which is quicker."""
    in_place = fragments(providers)
    start = ["/", *in_place, "/admin/"]  # the admin's; refused to everyone else, and recorded
    if role in (Role.VIEWER, Role.EDITOR):
        start.append("/audit/")  # refused too: a refusal's page is searched as any other
    if role is Role.VIEWER:
        start.append("/pipecat/prod/new/")
    queue, visited, variants, admin_pages = list(start), set(), {}, {}
    while queue:
        target = queue.pop(0)
        if target in visited:
            continue
        visited.add(target)
        kind = _kind(target)
        if target in in_place or (target != "/" and kind in rendered):
            links = browsing.read(page, target, fragment=target in in_place)
        else:
            rendered.add(kind)
            browsing.goto(page, target)
            links = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        for href in links:
            found = _linked(browsing.base, urljoin(browsing.base + target, href))
            if found is None or found in visited:
                continue
            path, _, query = found.partition("?")
            if path.startswith("/admin/"):
                of_kind = admin_pages.setdefault(_kind(path), set())
                if query or ADMIN_SKIPPED.search(path) or len(of_kind - {path}) >= 3:
                    continue
                of_kind.add(path)
            # Filters and orders: a few of each page, not every combination a list offers.
            seen = variants.setdefault(path, set())
            if query and len(seen) >= 3:
                continue
            seen.add(query)
            queue.append(found)
    return len(visited)


def _kind(target: str) -> str:
    """A page's kind: its path with ids and numbers left out, without its query."""
    path = target.partition("?")[0]
    path = re.sub(r"/[0-9a-f]{8}-[0-9a-f-]{27}/", "/<id>/", path)
    return re.sub(r"/\d+/", "/<n>/", path)


def _linked(base: str, href: str) -> str | None:
    parts = urlsplit(href)
    if f"{parts.scheme}://{parts.netloc}" != base:
        return None
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return None if target.startswith(SKIPPED) else target


# -- what the journey left behind ----------------------------------------------------------------


def left_behind(captured: Captured, browsing: Browsing, providers, exports) -> set[str]:
    """What the journey left on the server and in the browsers, beside what was seen as it
    went; the tables read."""
    browsing.cookies()
    tables = database(captured)
    entries = cache_entries(captured)
    # Redis may be shared, and emptied by another run; the process's own cache is not.
    assert entries > 0 or not isinstance(cache._cache, dict)
    for where, text in exports:
        captured.add(where, EXPORT, text)
    for name in ("pipecat prod", "pipecat staging", "gcore prod", "gcore staging"):
        for number, request in enumerate(providers[name].requests, 1):
            where = f"the {name} emulator's request log, entry {number}"
            captured.add(where, EMULATOR_LOG, repr(request))
    return tables


def cookie_canaries(set_cookies: dict[str, set[str]]) -> list[Canary]:
    """Every session key and CSRF secret the browsers were given: in their cookies, and a
    session's in its row, but in no page, line, export or upstream request."""
    session = {(SET_COOKIE, "sessionid"), (COOKIE, "sessionid")}
    session.add((DATABASE, "django_session.session_key"))
    # Pages carry the CSRF secret masked into their forms, which is what the token is for.
    csrf = {(SET_COOKIE, "csrftoken"), (COOKIE, "csrftoken"), (BROWSER, "")}
    made = [
        *(Canary("a session key", key, frozenset(session)) for key in set_cookies["sessionid"]),
        *(Canary("a CSRF secret", key, frozenset(csrf)) for key in set_cookies["csrftoken"]),
    ]
    return [canary for canary in made if canary.text]  # a cookie cleared is set to ""


def canaries(origins: dict[str, str], chains: tuple[Chain, Chain, Chain]) -> list[Canary]:
    """Every canary, with where it may be: a token in its own account's Authorization header, a
    value in the request that takes it to its provider (and the answer of one that echoed it)."""

    def to(account: str, *places: str) -> frozenset[tuple[str, str]]:
        return frozenset((place, origins[account]) for place in places)

    def token(name: str, text: str, account: str) -> Canary:
        return Canary(name, text, to(account, UPSTREAM_AUTHORIZATION))

    def sent(name: str, text: str, account: str, *parts: str) -> Canary:
        return Canary(name, text, to(account, UPSTREAM_BODY), parts)

    def echoed(name: str, text: str, account: str) -> Canary:
        return Canary(name, text, to(account, UPSTREAM_BODY, UPSTREAM_ANSWER))

    chain, other, renewed = chains
    return [
        token("the Pipecat prod token", PIPECAT_PROD_TOKEN, "pipecat prod"),
        token("the Pipecat staging token", PIPECAT_STAGING_TOKEN, "pipecat staging"),
        token("the Gcore prod key", GCORE_PROD_KEY, "gcore prod"),
        token("the Gcore staging key", GCORE_STAGING_KEY, "gcore staging"),
        Canary("SECRET_KEY", SECRET_KEY),
        Canary("AUDIT_HMAC_KEY", AUDIT_HMAC_KEY),
        Canary("a mistyped password", WRONG_PASSWORD),
        *(Canary(f"the {role.value}'s password", PASSWORDS[role]) for role in ROLES),
        sent("a key row's value", ROW_ONE, "pipecat prod"),
        sent("another key row's value", ROW_TWO, "pipecat prod"),
        Canary("a value of a refused create", ROW_TAKEN),
        sent("a .env value", ENV_PLAIN, "pipecat prod"),
        sent("a .env value's first line", ENV_FIRST_LINE, "pipecat prod"),
        sent("a .env value's second line", ENV_SECOND_LINE, "pipecat prod"),
        Canary("a value of a refused .env block", ENV_REFUSED),
        echoed("a value Pipecat echoed", ROW_ECHOED, "pipecat prod"),
        sent("a registry token", PULL_TOKEN, "pipecat prod"),
        sent("registry credentials", pull_credentials(PULL_TOKEN), "pipecat prod"),
        Canary("a refused registry token", PULL_TOKEN_REFUSED),
        Canary("refused registry credentials", pull_credentials(PULL_TOKEN_REFUSED)),
        sent("a replacing registry token", PULL_TOKEN_REPLACED, "pipecat prod"),
        sent("replacing credentials", pull_credentials(PULL_TOKEN_REPLACED), "pipecat prod"),
        sent("a staging value", STAGING_VALUE, "pipecat staging"),
        sent("a Gcore payload", PAYLOAD, "gcore prod"),
        Canary("a refused Gcore payload", PAYLOAD_REFUSED),
        Canary("a refused uploaded payload", PAYLOAD_FILE),
        echoed("a payload Gcore echoed", PAYLOAD_ECHOED, "gcore prod"),
        sent("a private key", chain.leaf.key_pem, "gcore prod", *key_lines(chain.leaf.key_pem)),
        Canary("another's private key", other.leaf.key_pem, parts=key_lines(other.leaf.key_pem)),
        sent(
            "a replacing private key",
            renewed.leaf.key_pem,
            "gcore prod",
            *key_lines(renewed.leaf.key_pem),
        ),
        Canary("a candidate value", CANDIDATE),
        Canary("a candidate value in a file", CANDIDATE_FILE),
        Canary("a value another tool set", UPSTREAM_SET_VALUE),
        Canary("a value of a set deleted", UPSTREAM_RETIRED_VALUE),
        Canary("a payload another tool stored", UPSTREAM_PAYLOAD),
    ]


# -- the test --------------------------------------------------------------------------------------


def test_no_secret_the_dashboard_holds_or_is_given_turns_up_where_it_must_not(
    browsing, providers, people, captured, log_lines, chains
):
    retired_id = seed(providers)
    exports: list[tuple[str, str]] = []

    pages = {Role.EDITOR: sign_in(browsing, Role.EDITOR, mistype_first=True)}
    pipecat_changes(browsing, pages[Role.EDITOR], providers)
    gcore_changes(browsing, pages[Role.EDITOR], providers, retired_id, chains)
    pages[Role.AUDITOR] = sign_in(browsing, Role.AUDITOR)
    audit_checks(browsing, pages[Role.AUDITOR], exports)
    rendered: set[str] = set()
    for role in ROLES:
        if role not in pages:
            pages[role] = sign_in(browsing, role)
        visited = visit_everything(browsing, pages[role], role, providers, rendered)
        assert visited > 30, f"{role.value} reached only {visited} pages"
    admin_changes(browsing, pages[Role.ADMIN], people)
    tables = left_behind(captured, browsing, providers, exports)
    given = canaries(providers["origins"], chains)
    sessions = cookie_canaries(browsing.set_cookies)
    # What is searched holds what it must, or finding nothing would prove nothing.
    assert {AuditEvent._meta.db_table, "django_session", "auth_user"} <= tables
    assert browsing.responses > 300 and log_lines.count > 300
    assert len(exports) == 4 and all("pipecat.secret_set.upsert" in text for _, text in exports)
    assert "auth.login" in exports[0][1] and "auth.login" not in exports[3][1]  # all; filtered
    search = Search(captured.items)
    for canary_ in given:
        for place in canary_.allowed:
            assert search.holds(canary_, place), f"{canary_.name} never seen in {place}"
    session_row = (DATABASE, "django_session.session_key")
    assert sum(search.holds(key, session_row) for key in sessions) >= len(ROLES)
    found = search.findings(given + sessions)
    assert not found, f"{len(found)} leaks:\n" + "\n".join(map(str, found[:40]))
