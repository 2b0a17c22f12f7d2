"""The fault matrix (#11): every operation of both providers against every fault the emulators can
inject.

In each cell a person works the dashboard through Django's test client, as a browser without
JavaScript would (or as htmx does, for what only htmx asks: badges, counts, checks, previews),
and the provider's emulator meets the operation's call with the fault. The cell holds when:

- the answer is no server error: never a 500 (the "provider unavailable" page answers 502, as a
  gateway does, and is ours: it says what happened);
- the page (or fragment) says what happened in words, with our request id, and the provider's
  when it sent one, wherever a page or a toast shows a failure;
- a write's attempt and what it came to (succeeded, failed, unknown) are in the audit log, and a
  read records nothing;
- the provider was called exactly as often as the retry policy allows for that fault.

What each fault must lead to is written out below (`COLUMNS`) from the policy the README and
`providers/retry.py` state in words: a 409 is repeated only on Pipecat Cloud's PUT and DELETE
(four attempts), a 429 on any call (three, waiting its Retry-After), a gateway error, timeout or
dropped connection only on a GET (three); a write that may have been applied is never repeated
and its outcome is unknown. The emulators run on manual clocks: every wait moves a clock, none
sleeps. The call's total and the page's deadline stay on the real clock, so a timeout costs a
GET its three attempts here; how those limits cut retries short is
tests/providers/test_deadlines_and_pauses.py's to show.

Two answers are the design's, and written so: a polling badge whose read fails shows what it
showed, says why it was not refreshed and polls again; and a Pipecat Cloud set
that fails to provision leaves its change `succeeded` in the log (Pipecat stored the keys; the
set's page and badge say it failed and how to retry), where a Gcore task in ERROR changed
nothing and its change is `failed`.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client

from emulators.faults import Fault
from emulators.pipecat.agents import Config
from secretsadmin.audit.models import AuditEvent
from secretsadmin.audit.services import Actor
from secretsadmin.gcore import actions as gcore_actions
from secretsadmin.pipecat import actions as pipecat_actions
from secretsadmin.pipecat import redeploys
from tests.fixtures.certificates import Chain, make_chain
from tests.fixtures.gcore import PROJECT_ID, REGION_ID
from tests.fixtures.pipecat import PIPECAT_ORG, PROVISIONING_DELAY
from tests.gcore.changes.conftest import badge, create, finish, upload
from tests.pipecat.conftest import post, put, upstream

from .conftest import Place, declare

pytestmark = pytest.mark.django_db

ALWAYS = 30  # times a lasting fault applies: more than every call of a cell attempts
PROVISIONING_FAILURE = "Secret set could not be provisioned: region capacity reached"
TASK_FAILURE = "Secret store quota exceeded"
DEPLOY_FAILURE = "manifest unknown: acme/voice"
RETRY_AFTER = 2  # seconds a 429 asks to wait: within what the client waits for

# How an operation calls its provider, which decides what the retry policy repeats.
READ = "GET"
REPEATABLE = "Pipecat PUT/DELETE"  # writes a 409 may be repeated on
WRITE = "Gcore POST/DELETE"

# How an operation shows a failure.
PAGE = "page"  # a page or a toast: what happened, with the request ids
FRAGMENT = "fragment"  # a courtesy swapped into a page (a count, a name check): what happened
POLL = "poll"  # a badge polling: a failed poll says why it was not refreshed, and polls again


@dataclass(frozen=True)
class Expect:
    said: tuple[str, ...] = ()  # each in what the person reads (tags stripped, case ignored)
    outcome: str | None = None  # the last outcome of a write's attempt; None: nothing recorded
    attempts: int = 1  # calls per call the operation makes
    status: int | None = None  # a particular status the answer must have
    ids: bool = True  # a failure: the request ids must be shown where a page shows it


@dataclass
class World:
    editor: Client
    pipecat: object
    gcore: object
    chain: Chain
    state: dict = field(default_factory=dict)

    def app(self, provider: str):
        return self.pipecat if provider == "pipecat" else self.gcore


# -- the faults (columns) ---------------------------------------------------------------------


def answer(status: int, times: int = ALWAYS, **extra) -> Callable[[World, "Operation"], None]:
    def inject(world: World, op: "Operation") -> None:
        world.app(op.provider).faults.add(Fault(op.upstream, times=times, status=status, **extra))

    return inject


def misbehave(**how) -> Callable[[World, "Operation"], None]:
    def inject(world: World, op: "Operation") -> None:
        world.app(op.provider).faults.add(Fault(op.upstream, times=ALWAYS, **how))

    return inject


def fail_next_change(world: World, op: "Operation") -> None:
    if op.upstream == "update_agent":
        world.pipecat.fail_next_deploys(message=DEPLOY_FAILURE)
    elif op.provider == "pipecat":
        world.pipecat.fail_next_provisioning(message=PROVISIONING_FAILURE)
    else:
        world.gcore.fail_next_task(message=TASK_FAILURE)


@dataclass(frozen=True)
class Column:
    name: str
    inject: Callable[[World, "Operation"], None]
    read: Expect | None  # None: the fault does not apply to a read
    write: Expect
    repeatable: Expect | None = None  # where a Pipecat PUT/DELETE differs from other writes
    answered: bool = True  # the provider answered with its error body (and request id)
    # Scripts how the next change ends: for a read, before its preparation makes that change.
    scripts_the_change: bool = False

    def expect(self, kind: str) -> Expect | None:
        if kind == READ:
            return self.read
        if kind == REPEATABLE and self.repeatable is not None:
            return self.repeatable
        return self.write


FAILED, UNKNOWN, SUCCEEDED = "failed", "unknown", "succeeded"
NOTHING = "nothing was changed"
MAYBE = "may have been made"
REFUSED_KEY = "The API key of account prod was refused"


def said(what: str, *consequence: str) -> tuple[str, ...]:
    return (what, *consequence)


COLUMNS = [
    Column(
        "400",
        answer(400),
        read=Expect(said("answered with an error: HTTP 400 Bad Request")),
        write=Expect(said("HTTP 400 Bad Request", NOTHING), FAILED),
    ),
    Column(
        "401",
        answer(401),
        read=Expect(said("answered with an error: HTTP 401 Unauthorized")),
        write=Expect(said("HTTP 401 Unauthorized", REFUSED_KEY, NOTHING), FAILED),
    ),
    Column(
        "403",
        answer(403),
        read=Expect(said("answered with an error: HTTP 403 Forbidden")),
        write=Expect(said("HTTP 403 Forbidden", REFUSED_KEY, NOTHING), FAILED),
    ),
    Column(
        "404",
        answer(404),
        read=Expect(said("answered with an error: HTTP 404 Not Found")),
        write=Expect(said("HTTP 404 Not Found", NOTHING), FAILED),
    ),
    Column(
        "409 once",
        answer(409, times=1),
        read=Expect(said("answered with an error: HTTP 409 Conflict")),
        write=Expect(said("HTTP 409 Conflict", NOTHING), FAILED),
        # Repeated once, it goes through: the person reads that it did.
        repeatable=Expect(outcome=SUCCEEDED, attempts=2, ids=False),
    ),
    Column(
        "409 always",
        answer(409),
        read=Expect(said("answered with an error: HTTP 409 Conflict")),
        write=Expect(said("HTTP 409 Conflict", NOTHING), FAILED),
        repeatable=Expect(said("HTTP 409 Conflict", NOTHING), FAILED, attempts=4),
    ),
    Column(
        "429",
        answer(429, retry_after=RETRY_AFTER),
        read=Expect(said("HTTP 429 Too Many Requests", "Try again in 2 seconds"), attempts=3),
        write=Expect(
            said("HTTP 429 Too Many Requests", NOTHING, "Try again in 2 seconds"), FAILED, 3
        ),
    ),
    Column(
        "500",
        answer(500),
        read=Expect(said("answered with an error: HTTP 500 Internal Server Error")),
        write=Expect(said("HTTP 500 Internal Server Error", MAYBE), UNKNOWN),
    ),
    Column(
        "502",
        answer(502),
        read=Expect(said("answered with an error: HTTP 502 Bad Gateway"), attempts=3),
        write=Expect(said("HTTP 502 Bad Gateway", MAYBE), UNKNOWN),
    ),
    Column(
        "503",
        answer(503),
        read=Expect(said("answered with an error: HTTP 503 Service Unavailable"), attempts=3),
        write=Expect(said("HTTP 503 Service Unavailable", MAYBE), UNKNOWN),
    ),
    Column(
        "timeout",
        misbehave(delay=20.0),  # longer than the 15 s each answer is waited for
        read=Expect(said("did not answer (no answer within 15 s)"), attempts=3),
        write=Expect(said("did not answer (no answer within 15 s)", MAYBE), UNKNOWN),
        answered=False,
    ),
    Column(
        "drop",
        misbehave(drop=True),
        read=Expect(said("did not answer (the connection broke"), attempts=3),
        write=Expect(said("did not answer (the connection broke", MAYBE), UNKNOWN),
        answered=False,
    ),
    Column(
        "garbled",
        misbehave(malformed=True),
        read=Expect(said("sent an answer that could not be read")),
        write=Expect(said("sent an answer that could not be read", MAYBE), UNKNOWN),
        answered=False,
    ),
    Column(
        "after",
        answer(502, times=1, after_effect=True),
        read=None,
        write=Expect(said("HTTP 502 Bad Gateway", MAYBE), UNKNOWN),
    ),
    Column(
        "provision",
        fail_next_change,
        read=None,  # only where an operation says what a read shows of it
        # Gcore's task ends in ERROR and changes nothing: the change failed.
        write=Expect(said(TASK_FAILURE), FAILED, ids=False),
        # Pipecat Cloud accepted and stored the change (a GET lists the keys), then failed to
        # provision the set: the set's page says so, and how to retry.
        repeatable=Expect(
            said("Pipecat Cloud could not provision this set", PROVISIONING_FAILURE),
            SUCCEEDED,
            ids=False,
        ),
        answered=False,
        scripts_the_change=True,
    ),
]
PROVISION = "provision"


# -- the operations (rows) --------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    name: str
    provider: str
    upstream: str  # the emulator's operation that meets the fault
    kind: str  # READ, REPEATABLE or WRITE
    act: Callable[[World], HttpResponse]
    prepare: Callable[[World], None] = lambda world: None
    calls: int = 1  # calls of `upstream` the operation makes
    action: str = ""  # a write's audit action
    shows: str = PAGE
    done: str = ""  # what a write that went through says
    # A write whose change is carried out afterwards (provisioned, a task), and the page that
    # shows how it ended: Pipecat's set page (Gcore's is the change's badge).
    provisions: bool = False
    ended_at: str | Callable[[World], str] = ""
    ends_after: float = PROVISIONING_DELAY + 1  # how long until the change has ended
    # A read a write makes first, to check what it would change: the write's own call, which
    # must then not be made, and what the person is told of it.
    guards: str = ""
    unsent: str = ""
    # Where a fault means something particular to this operation, what it must lead to; a read
    # that shows how a change ended says so under PROVISION.
    overrides: dict[str, Expect] = field(default_factory=dict)

    @property
    def faults(self) -> list[Column]:
        applies = PROVISION in self.overrides if self.kind == READ else self.provisions
        return [
            c
            for c in COLUMNS
            if (c.name != PROVISION or applies) and (c.name != "after" or self.kind != READ)
        ]

    def expect(self, column: Column) -> Expect:
        if column.name in self.overrides:
            return self.overrides[column.name]
        expected = column.expect(self.kind)
        assert expected is not None
        if self.shows == POLL:
            return Expect(expected.said, status=200, attempts=expected.attempts)
        if self.shows == FRAGMENT:
            # A courtesy inside a page says what happened; what follows is the page's to say.
            return Expect(expected.said[:1], attempts=expected.attempts, ids=False)
        if self.unsent:
            return Expect((*expected.said, self.unsent), attempts=expected.attempts)
        return expected


def htmx(client: Client, path: str, **data) -> HttpResponse:
    return client.get(path, data, HTTP_HX_REQUEST="true")


# Pipecat Cloud: the set `voice-prod` (keys API_KEY, OLD) and the image pull secret `ghcr-pull`.
SET = "/pipecat/prod/sets/voice-prod/"


def voice_prod(world: World) -> None:
    put(world.pipecat, "voice-prod", API_KEY="v", OLD="o")


def ghcr_pull(world: World) -> None:
    body = {
        "isImagePullSecret": True,
        "host": "ghcr.io/",
        "secretValue": "b2N0bzpnaHBfb2xk",
        "region": "us-west",
    }
    with upstream(world.pipecat) as api:
        api.put("/secrets/ghcr-pull", json=body).raise_for_status()
    world.pipecat.clock.advance(PROVISIONING_DELAY + 1)


def create_set(w: World) -> HttpResponse:
    data = {"name": "voice-new", "region": "us-west", "key_0": "API_KEY", "value_0": "sk-1"}
    return post(w.editor, "/pipecat/prod/new/", data)


def add_keys(w: World) -> HttpResponse:
    return post(w.editor, SET + "keys/", {"key_0": "NEW_KEY", "value_0": "sk-2"})


def remove_key(w: World) -> HttpResponse:
    return post(w.editor, SET + "keys/OLD/delete/", {"reason": "rotated"})


def new_image_pull(w: World) -> HttpResponse:
    data = {
        "name": "ghcr-new",
        "registry": "ghcr",
        "host": "",
        "username": "octo",
        "token": "ghp_new",
        "region": "us-west",
    }
    return post(w.editor, "/pipecat/prod/image-pull/new/", data)


def replace_image_pull(w: World) -> HttpResponse:
    data = {"registry": "ghcr", "host": "", "username": "octo", "token": "ghp_newer"}
    return post(w.editor, "/pipecat/prod/sets/ghcr-pull/image-pull/", data)


def voice_agent(world: World) -> None:
    """`voice-prod` ready, and the agent `voice` binding it."""
    voice_prod(world)
    config = Config("acme/voice:1", "voice-prod")
    world.pipecat.agents.add(PIPECAT_ORG, "voice", "us-west", config, world.pipecat.clock.now())
    world.pipecat.clock.advance(world.pipecat.agents.deploy_delay + 1)


def a_redeploy(world: World) -> None:
    """A redeploy of `voice` started, its deploy not sent yet."""
    voice_agent(world)
    started = redeploys.start(Actor.system("tests"), account="prod", name="voice-prod", chosen=None)
    world.state["rollout"] = f"/rollouts/{started.pk}/"


def a_deploy_sent(world: World) -> None:
    """A redeploy whose deploy Pipecat Cloud accepted, being followed."""
    a_redeploy(world)
    assert post(world.editor, world.state["rollout"] + "advance/").status_code == 200
    cache.clear()  # the next interval: the agent is read again


def advance_redeploy(w: World) -> HttpResponse:
    return post(w.editor, w.state["rollout"] + "advance/")


def provisioning_shown(where: str) -> Expect:
    return Expect(said(where, PROVISIONING_FAILURE), ids=False)


PIPECAT = [
    Operation(
        "pipecat: list sets",
        "pipecat",
        "list_sets",
        READ,
        act=lambda w: w.editor.get("/pipecat/prod/"),
        prepare=voice_prod,
        overrides={PROVISION: provisioning_shown("failed")},
    ),
    Operation(
        "pipecat: read a set",
        "pipecat",
        "get_set",
        READ,
        act=lambda w: w.editor.get(SET),
        prepare=voice_prod,
        overrides={
            "404": Expect(
                said("There is no set named voice-prod", "may have been deleted"), ids=False
            ),
            PROVISION: provisioning_shown("Pipecat Cloud could not provision this set"),
        },
    ),
    Operation(
        "pipecat: a set's agents",
        "pipecat",
        "list_agents",
        READ,
        act=lambda w: w.editor.get(SET),
        prepare=voice_prod,  # the set's page stays, saying the agents could not be read
    ),
    Operation(
        "pipecat: key count",
        "pipecat",
        "get_set",
        READ,
        act=lambda w: htmx(w.editor, SET + "keys-count/"),
        prepare=voice_prod,
        shows=FRAGMENT,
        overrides={"404": Expect(said("gone"))},
    ),
    Operation(
        "pipecat: badge",
        "pipecat",
        "list_sets",
        READ,
        act=lambda w: htmx(w.editor, SET + "badge/"),
        prepare=voice_prod,
        shows=POLL,
        overrides={PROVISION: Expect(said("failed", PROVISIONING_FAILURE), status=286)},
    ),
    Operation(
        "pipecat: name check",
        "pipecat",
        "list_sets",
        READ,
        act=lambda w: htmx(w.editor, "/pipecat/prod/check-name/", name="voice-new"),
        shows=FRAGMENT,
    ),
    Operation(
        "pipecat: keys preview",
        "pipecat",
        "get_set",
        READ,
        act=lambda w: post(
            w.editor, SET + "keys/preview/", {"env": "NEW_KEY=1\n"}, HTTP_HX_REQUEST="true"
        ),
        prepare=voice_prod,
        shows=FRAGMENT,
        # A set that does not exist has every key new.
        overrides={"404": Expect(said("New keys", "NEW_KEY"))},
    ),
    Operation(
        "pipecat: new set form",
        "pipecat",
        "regions",
        READ,
        act=lambda w: w.editor.get("/pipecat/prod/new/"),
    ),
    Operation(
        "pipecat: image pull form",
        "pipecat",
        "list_sets",
        READ,
        act=lambda w: w.editor.get("/pipecat/prod/sets/ghcr-pull/image-pull/"),
        prepare=ghcr_pull,
    ),
    Operation(
        "pipecat: overview card",
        "pipecat",
        "list_sets",
        READ,
        act=lambda w: w.editor.get("/overview/pipecat/prod/"),
    ),
    Operation(
        "pipecat: create set",
        "pipecat",
        "put_set",
        REPEATABLE,
        act=create_set,
        action=pipecat_actions.SET_UPSERT,
        done="Set voice-new created",
        provisions=True,
        ended_at="/pipecat/prod/sets/voice-new/",
    ),
    Operation(
        "pipecat: add keys (rows)",
        "pipecat",
        "put_set",
        REPEATABLE,
        act=add_keys,
        prepare=voice_prod,
        action=pipecat_actions.SET_UPSERT,
        done="1 key saved in voice-prod",
        provisions=True,
        ended_at=SET,
    ),
    Operation(
        "pipecat: add keys (.env)",
        "pipecat",
        "put_set",
        REPEATABLE,
        act=lambda w: post(w.editor, SET + "keys/", {"env": "NEW_KEY=sk-3\nexport OTHER=sk-4\n"}),
        prepare=voice_prod,
        action=pipecat_actions.SET_UPSERT,
        done="2 keys saved in voice-prod",
        provisions=True,
        ended_at=SET,
    ),
    Operation(
        "pipecat: remove a key",
        "pipecat",
        "delete_key",
        REPEATABLE,
        act=remove_key,
        prepare=voice_prod,
        action=pipecat_actions.KEY_DELETE,
        done="Key OLD removed from voice-prod",
        overrides={"404": Expect(said("Key OLD is already gone", "HTTP 404 Not Found"), FAILED)},
    ),
    Operation(
        "pipecat: delete set",
        "pipecat",
        "delete_set",
        REPEATABLE,
        act=lambda w: post(w.editor, SET + "delete/", {"confirm": "voice-prod"}),
        prepare=voice_prod,
        action=pipecat_actions.SET_DELETE,
        done="Set voice-prod deleted",
        overrides={
            "404": Expect(said("Set voice-prod is already gone", "HTTP 404 Not Found"), FAILED)
        },
    ),
    Operation(
        "pipecat: new image pull",
        "pipecat",
        "put_set",
        REPEATABLE,
        act=new_image_pull,
        action=pipecat_actions.IMAGE_PULL_UPSERT,
        done="Registry credentials saved in ghcr-new",
        provisions=True,
        ended_at="/pipecat/prod/sets/ghcr-new/",
    ),
    Operation(
        "pipecat: replace image pull",
        "pipecat",
        "put_set",
        REPEATABLE,
        act=replace_image_pull,
        prepare=ghcr_pull,
        action=pipecat_actions.IMAGE_PULL_UPSERT,
        done="Registry credentials saved in ghcr-pull",
        provisions=True,
        ended_at="/pipecat/prod/sets/ghcr-pull/",
    ),
    Operation(
        "pipecat: redeploy: deploy",
        "pipecat",
        "update_agent",
        WRITE,  # a POST: never repeated but on a 429
        act=advance_redeploy,
        prepare=a_redeploy,
        action=pipecat_actions.AGENT_REDEPLOY,
        provisions=True,
        ended_at=lambda w: w.state["rollout"],
        ends_after=11.0,  # the emulator's deploy delay, and a second
        overrides={
            # The agent is there: the 404 was a set's (a read of the agent tells).
            "404": Expect(said("HTTP 404 Not Found", "is gone, Pipecat Cloud says"), FAILED),
            # A deploy's only conflict is a set not ready: the step waits for it.
            **{
                column: Expect(
                    said("turned pending meanwhile", "(409), nothing was deployed"),
                    FAILED,
                    ids=False,
                )
                for column in ("409 once", "409 always")
            },
            PROVISION: Expect(
                said(f"The deployment failed (ImagePullBackOff: {DEPLOY_FAILURE})"),
                FAILED,
                ids=False,
            ),
        },
    ),
    Operation(
        "pipecat: redeploy: follow",
        "pipecat",
        "get_agent",
        READ,
        act=lambda w: w.editor.get(w.state["rollout"]),
        prepare=a_deploy_sent,
        overrides={"404": Expect(said("The agent was deleted"), FAILED, ids=False)},
    ),
    # The reads a change makes first: each failing, the change is not sent.
    Operation(
        "pipecat: redeploy: agents read",
        "pipecat",
        "list_agents",
        READ,
        act=lambda w: post(w.editor, SET + "redeploy/", {"all": "1"}),
        prepare=voice_agent,
        unsent="Which agents use the set could not be read: nothing was redeployed",
    ),
    Operation(
        "pipecat: create set: name check",
        "pipecat",
        "list_sets",
        READ,
        act=create_set,
        guards="put_set",
        unsent="The name could not be checked: nothing sent",
    ),
    Operation(
        "pipecat: add keys: set read",
        "pipecat",
        "get_set",
        READ,
        act=add_keys,
        prepare=voice_prod,
        guards="put_set",
        unsent="No key was saved",
        overrides={
            "404": Expect(said("Set voice-prod no longer exists; no key was saved"), ids=False)
        },
    ),
    Operation(
        "pipecat: remove a key: set read",
        "pipecat",
        "get_set",
        READ,
        act=remove_key,
        prepare=voice_prod,
        guards="delete_key",
        unsent="Nothing was removed",
        overrides={
            "404": Expect(said("Set voice-prod no longer exists; nothing was removed"), ids=False)
        },
    ),
    Operation(
        "pipecat: delete set: agents read",
        "pipecat",
        "list_agents",
        READ,
        act=lambda w: post(w.editor, SET + "delete/", {"confirm": "voice-prod"}),
        prepare=voice_prod,
        guards="delete_set",
        unsent="Which agents use the set could not be read: nothing was deleted",
    ),
    Operation(
        "pipecat: new image pull: name check",
        "pipecat",
        "list_sets",
        READ,
        act=new_image_pull,
        guards="put_set",
        unsent="The name could not be checked: nothing sent",
    ),
    Operation(
        "pipecat: replace image pull: set read",
        "pipecat",
        "list_sets",
        READ,
        act=replace_image_pull,
        prepare=ghcr_pull,
        guards="put_set",
    ),
]


# Gcore Cloud: the secret `old-token` in region 76, and a change whose task has run.
def old_token(world: World) -> None:
    secret = world.gcore.add_secret(PROJECT_ID, REGION_ID, "old-token", "opaque", b"old")
    world.state["secret"] = secret.id


def delete_old_token(w: World) -> HttpResponse:
    path = f"{GCORE_LIST}{REGION_ID}/{w.state['secret']}/delete/"
    return post(w.editor, path, {"confirm": "old-token"})


def a_change(world: World) -> None:
    create(world.editor, name="api-token")
    world.state["change"] = latest_attempt(gcore_actions.SECRET_CREATE).sequence
    finish(world.gcore)


def latest_attempt(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action, outcome="attempted").latest("sequence")


GCORE_LIST = "/gcore/prod/"
ROLLOUT = "the operation's page"  # `ended_at` of a step shown on its operation's page


# The certificate www-2025 a listener uses, www-2026 to replace it, and its replacement started.
def a_used_certificate(world: World) -> None:
    old = world.gcore.add_secret(PROJECT_ID, REGION_ID, "www-2025", "certificate", b"old")
    new = world.gcore.add_secret(PROJECT_ID, REGION_ID, "www-2026", "certificate", b"new")
    balancer = world.gcore.add_load_balancer(PROJECT_ID, REGION_ID, "web-lb")
    world.gcore.add_listener(balancer, "https", "TERMINATED_HTTPS", 443, secret_id=old.id)
    world.state.update(old=old.id, new=new.id, replace=f"{GCORE_LIST}{REGION_ID}/{old.id}/replace/")


def replace_by_pick(w: World) -> HttpResponse:
    return post(
        w.editor, w.state["replace"], {"source": "pick", "pick-replacement": w.state["new"]}
    )


def replace_by_upload(w: World) -> HttpResponse:
    data = {
        "source": "upload",
        "region": str(REGION_ID),
        "name": "www-uploaded",
        "certificate": w.chain.leaf.cert_pem,
        "certificate_chain": w.chain.chain_pem,
        "private_key": w.chain.leaf.key_pem,
    }
    return post(w.editor, w.state["replace"], data)


def a_replacement(world: World) -> None:
    a_used_certificate(world)
    world.state["rollout"] = replace_by_pick(world)["Location"]


def a_switch_sent(world: World) -> None:
    a_replacement(world)
    advance(world)


def advance(w: World) -> HttpResponse:
    """One poll of an editor's open page of the operation: it sends the next switch."""
    return post(w.editor, f"{w.state['rollout']}advance/", HTTP_HX_REQUEST="true")


FORGOTTEN = "no longer knows this change's task"
NOT_FOUND_BY_NAME = "No secret named api-token has appeared since"
ASSUMED = {  # a create Gcore may have received is looked for by name, never sent again
    name: Expect(said(what, NOT_FOUND_BY_NAME), UNKNOWN)
    for name, what in [
        ("500", "HTTP 500 Internal Server Error"),
        ("502", "HTTP 502 Bad Gateway"),
        ("503", "HTTP 503 Service Unavailable"),
        ("drop", "did not answer (the connection broke"),
        ("garbled", "sent an answer that could not be read"),
    ]
}


def created(name: str) -> dict[str, Expect]:
    found = f"A secret named {name} was created at"
    return {
        **{
            column: Expect(said(e.said[0], e.said[1].replace("api-token", name)), UNKNOWN)
            for column, e in ASSUMED.items()
        },
        # Gcore made it after all (a timeout's answer came too late: the create was carried
        # out): found by name, the attempt concludes as succeeded.
        "timeout": Expect(said("did not answer (no answer within 15 s)", found), SUCCEEDED),
        "after": Expect(said("HTTP 502 Bad Gateway", found), SUCCEEDED),
    }


GCORE = [
    Operation(
        "gcore: list secrets",
        "gcore",
        "list_secrets",
        READ,
        act=lambda w: w.editor.get(GCORE_LIST),
        calls=2,  # one per region
    ),
    Operation(
        "gcore: show a secret",
        "gcore",
        "list_secrets",
        READ,
        act=lambda w: w.editor.get(f"{GCORE_LIST}{REGION_ID}/{w.state['secret']}/"),
        prepare=old_token,
    ),
    Operation(
        "gcore: new secret form",
        "gcore",
        "list_regions",
        READ,
        act=lambda w: w.editor.get(f"{GCORE_LIST}new/"),
    ),
    Operation(
        "gcore: name check",
        "gcore",
        "list_secrets",
        READ,
        act=lambda w: htmx(
            w.editor, f"{GCORE_LIST}check-name/", name="api-token", region=str(REGION_ID)
        ),
        shows=FRAGMENT,
    ),
    Operation(
        "gcore: task badge",
        "gcore",
        "get_task",
        READ,
        act=lambda w: badge(w.editor, w.state["change"]),
        prepare=a_change,
        shows=POLL,
        overrides={
            "404": Expect(said(FORGOTTEN), status=286, ids=False),
            PROVISION: Expect(said("failed", TASK_FAILURE), FAILED, status=286, ids=False),
        },
    ),
    Operation(
        "gcore: change page",
        "gcore",
        "get_task",
        READ,
        act=lambda w: badge(w.editor, w.state["change"], htmx=False),
        prepare=a_change,
        overrides={
            "404": Expect(said(FORGOTTEN), ids=False),
            PROVISION: Expect(said("failed", TASK_FAILURE), FAILED, ids=False),
        },
    ),
    Operation(
        "gcore: overview card",
        "gcore",
        "list_secrets",
        READ,
        act=lambda w: w.editor.get("/overview/gcore/prod/"),
        calls=2,
    ),
    Operation(
        "gcore: create secret",
        "gcore",
        "create_secret",
        WRITE,
        act=lambda w: create(w.editor, name="api-token"),
        action=gcore_actions.SECRET_CREATE,
        provisions=True,
        overrides=created("api-token"),
    ),
    Operation(
        "gcore: upload certificate",
        "gcore",
        "create_tls_secret",
        WRITE,
        act=lambda w: upload(w.editor, w.chain, name="www-example-test"),
        action=gcore_actions.CERTIFICATE_CREATE,
        provisions=True,
        overrides=created("www-example-test"),
    ),
    Operation(
        "gcore: delete secret",
        "gcore",
        "delete_secret",
        WRITE,
        act=delete_old_token,
        prepare=old_token,
        action=gcore_actions.SECRET_DELETE,
        provisions=True,
        overrides={
            "404": Expect(
                said("The secret old-token is already gone", "HTTP 404 Not Found"), FAILED
            )
        },
    ),
    # The reads a change makes first: each failing, the change is not sent.
    Operation(
        "gcore: create secret: name check",
        "gcore",
        "list_secrets",
        READ,
        act=lambda w: create(w.editor, name="api-token"),
        guards="create_secret",
        unsent="could not be checked, so nothing was sent",
    ),
    Operation(
        "gcore: upload certificate: name check",
        "gcore",
        "list_secrets",
        READ,
        act=lambda w: upload(w.editor, w.chain, name="www-example-test"),
        guards="create_tls_secret",
        unsent="could not be checked, so nothing was sent",
    ),
    Operation(
        "gcore: delete secret: secret read",
        "gcore",
        "get_secret",
        READ,
        act=delete_old_token,
        prepare=old_token,
        guards="delete_secret",
        unsent="so nothing was deleted",
        overrides={
            "404": Expect(said("The secret old-token no longer exists: nothing deleted"), ids=False)
        },
    ),
    # Whether a load balancer uses the secret: read afresh before a delete, which is then not
    # sent when either list fails.
    *(
        Operation(
            f"gcore: delete secret: {what} read",
            "gcore",
            listing,
            READ,
            act=delete_old_token,
            prepare=old_token,
            guards="delete_secret",
            unsent="could not be read, so nothing was deleted",
        )
        for what, listing in [("listeners", "list_listeners"), ("pools", "list_pools")]
    ),
    # Replacing a certificate: the start page reads who uses it afresh, and so does the start;
    # its upload is a create; each switch, a listener's update, sent by an editor's open page.
    Operation(
        "gcore: replace certificate: form",
        "gcore",
        "list_listeners",
        READ,
        act=lambda w: w.editor.get(w.state["replace"]),
        prepare=a_used_certificate,
    ),
    Operation(
        "gcore: replace certificate: users read",
        "gcore",
        "list_listeners",
        READ,
        act=replace_by_pick,
        prepare=a_used_certificate,
        guards="update_listener",
        calls=2,  # by the start, then by the form shown again
    ),
    Operation(
        "gcore: replace certificate: upload",
        "gcore",
        "create_tls_secret",
        WRITE,
        act=replace_by_upload,
        prepare=a_used_certificate,
        action=gcore_actions.CERTIFICATE_CREATE,
        provisions=True,
        overrides=created("www-uploaded"),
    ),
    Operation(
        "gcore: replace certificate: switch",
        "gcore",
        "update_listener",
        WRITE,
        act=advance,
        prepare=a_replacement,
        action=gcore_actions.LISTENER_UPDATE,
        provisions=True,
        ended_at=ROLLOUT,
    ),
    Operation(
        "gcore: replace certificate: task read",
        "gcore",
        "get_task",
        READ,
        act=lambda w: w.editor.get(w.state["rollout"]),
        prepare=a_switch_sent,
        # A task Gcore does not know: the listener read back tells, and its step, not yet
        # switched, waits for a retry (its attempt left unknown).
        overrides={"404": Expect(said("no longer knows its task"), ids=False)},
    ),
    # A secret's page says who uses it; when that cannot be read, it says so and stands.
    Operation(
        "gcore: show a secret: its users",
        "gcore",
        "list_listeners",
        READ,
        act=lambda w: w.editor.get(f"{GCORE_LIST}{REGION_ID}/{w.state['secret']}/"),
        prepare=old_token,
    ),
]
OPERATIONS = PIPECAT + GCORE


@dataclass(frozen=True)
class Cell:
    operation: Operation
    column: Column
    place: Place

    def __str__(self) -> str:
        return f"{self.operation.name} / {self.column.name}"


def _cells() -> list[Cell]:
    cells = []
    for row, op in enumerate(OPERATIONS):
        for column in op.faults:
            place = Place(row, op.name, COLUMNS.index(column), column.name)
            cells.append(Cell(op, column, place))
    return cells


CELLS = _cells()
declare([cell.place for cell in CELLS])


# -- one cell ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chain() -> Chain:
    return make_chain("www.example.test")


@pytest.fixture
def world(providers, editor, pipecat_app, gcore_app, chain) -> World:
    return World(editor, pipecat_app, gcore_app, chain)


def seen_after(world: World, op: Operation, column: Column, response: HttpResponse) -> str:
    """What the person reads after the operation: its answer, or the page it leads to; for a
    change whose provisioning or task is scripted to fail, the page that shows how it ended."""
    if column.name == PROVISION and op.kind != READ:
        if op.provider == "pipecat":
            world.pipecat.clock.advance(op.ends_after)
            cache.clear()  # the next interval
            where = op.ended_at(world) if callable(op.ended_at) else op.ended_at
            return world.editor.get(where).text
        finish(world.gcore)
        if op.ended_at == ROLLOUT:
            return advance(world).text
        return badge(world.editor, latest_attempt(op.action).sequence).text
    if response.status_code == 302:
        return world.editor.get(response["Location"]).text
    return response.text


def readable(html: str) -> str:
    """The page's text, and what its elements say on hover (`title`)."""
    titles = re.findall(r'title="([^"]*)"', html)
    return " ".join(unescape(" ".join([re.sub(r"<[^>]+>", " ", html), *titles])).split())


def outcomes(attempt: AuditEvent) -> list[str]:
    return list(
        AuditEvent.objects.filter(attempt=attempt)
        .order_by("sequence")
        .values_list("outcome", flat=True)
    )


@pytest.mark.parametrize("cell", CELLS, ids=str)
def test_cell(cell: Cell, world: World) -> None:
    op, column = cell.operation, cell.column
    expect = op.expect(column)
    app = world.app(op.provider)
    early = column.scripts_the_change and op.kind == READ
    if early:
        column.inject(world, op)
    op.prepare(world)
    if not early:
        column.inject(world, op)
    calls_before = app.calls(op.upstream)
    guarded_before = app.calls(op.guards) if op.guards else 0
    last_event = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True)
    before = last_event.first() or 0

    response = op.act(world)
    calls = app.calls(op.upstream) - calls_before
    sent = app.calls(op.guards) - guarded_before if op.guards else 0
    app.faults.clear()
    text = seen_after(world, op, column, response)

    problems = []
    unavailable_page = response.status_code == 502 and 'class="request-ids"' in response.text
    if response.status_code >= 500 and not unavailable_page:
        problems.append(f"answered {response.status_code}")
    if expect.status is not None and response.status_code != expect.status:
        problems.append(f"answered {response.status_code}, not {expect.status}")
    shown = readable(text).lower()
    wanted = expect.said or ((op.done,) if expect.outcome == SUCCEEDED else ())
    problems += [f"does not say {s!r}" for s in wanted if s.lower() not in shown]
    if expect.ids and op.shows == PAGE:
        request_id = response["X-Request-ID"]
        if request_id not in text:
            problems.append("does not show our request id")
        if (
            op.provider == "gcore"
            and column.answered
            and not re.search(r"gcore cloud's (request id )?[0-9a-f]{32}", shown)
        ):
            problems.append("does not show Gcore Cloud's request id")
    expected_calls = op.calls * expect.attempts
    if calls != expected_calls:
        problems.append(f"called {op.upstream} {calls} times, not {expected_calls}")
    if sent:
        problems.append(f"sent {op.guards} {sent} times after its check failed")

    new = list(AuditEvent.objects.filter(sequence__gt=before).order_by("sequence"))
    if op.kind == READ:
        recorded = [e.outcome for e in new]
        if expect.outcome is None and recorded:
            problems.append(f"a read recorded {recorded}")
        if expect.outcome is not None and recorded != [expect.outcome]:
            problems.append(f"recorded {recorded}, not [{expect.outcome!r}]")
    else:
        attempts = [e for e in new if e.outcome == "attempted" and e.action == op.action]
        if len(attempts) != 1:
            problems.append(f"{len(attempts)} attempts of {op.action} recorded, not 1")
        else:
            ended = outcomes(attempts[0])
            if not ended or ended[-1] != expect.outcome:
                problems.append(f"outcomes {ended}, the last not {expect.outcome!r}")

    assert not problems, (
        f"{cell}: " + "; ".join(problems) + f"\n--- the person read:\n{shown[:3000]}"
    )
