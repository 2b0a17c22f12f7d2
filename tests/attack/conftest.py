"""Both providers behind the dashboard, each holding something every URL can name: the tests
of the attack surface send their requests at things that exist, where a view would act."""

from dataclasses import asdict, dataclass

import pytest
from django.contrib.auth.models import Group, User

from emulators.gcore import GcoreEmulator
from emulators.pipecat import PipecatEmulator
from emulators.pipecat.agents import Config
from emulators.transport import EmulatorTransport
from secretsadmin.alerts import services as alerts
from secretsadmin.alerts.models import Alert
from secretsadmin.audit import services
from secretsadmin.audit.models import AuditEvent
from secretsadmin.config import Secret
from secretsadmin.pipecat import redeploys
from secretsadmin.providers.config import Timeouts
from secretsadmin.providers.gcore import GcoreAccount
from secretsadmin.providers.pipecat.config import PipecatAccount
from secretsadmin.rollouts.models import Rollout, Step
from tests.fixtures import gcore as gcore_fixtures
from tests.fixtures import pipecat as pipecat_fixtures
from tests.fixtures.urls import sample_path
from tests.pipecat.conftest import put, upstream

ACCOUNT = "prod"
SET, KEY, PULL = "voice-prod", "API_KEY", "ghcr-pull"
# Agents bind OTHER (their redeploy runs: one step waiting, one failed) and pull with PULL (which
# a redeploy can start for); none binds SET, which can therefore be deleted.
OTHER, AGENTS = "voice-other", ("voice", "voice-b")
AUDIT_KEY = Secret("audit-key-for-attack-tests-" + "k" * 20)
CHECKED_VALUE = "sk-live-checked"


@dataclass(frozen=True)
class World:
    """What exists upstream and in the log, and the emulators that hold it."""

    pipecat: PipecatEmulator
    gcore: GcoreEmulator
    secret_id: str
    event: AuditEvent  # one with a fingerprint, for a value check
    rollout: Rollout  # a redeploy under way: one agent's deploy waiting, one failed
    certificate_id: str  # a certificate a listener uses, for its replacement
    alert: Alert  # an open one, which can be acknowledged or snoozed

    def values(self, url_name: str) -> dict[str, str]:
        """The path parameters that name something real, for the URL named `url_name`."""
        return {
            "account": ACCOUNT,
            "name": PULL if url_name in ("image_pull_edit", "redeploy") else SET,
            "key": KEY,
            "region_id": str(gcore_fixtures.REGION_ID),
            "secret_id": (
                self.certificate_id if url_name == "certificate_replace" else self.secret_id
            ),
            "sequence": str(self.event.sequence),
            "rollout_id": str(self.rollout.pk),
            "alert_id": str(self.alert.pk),
        }

    def path(self, route: str, url_name: str) -> str:
        return sample_path(route, self.values(url_name))

    def calls(self) -> int:
        """Every request either provider has been sent."""
        return self.pipecat.calls() + self.gcore.calls()

    def state(self) -> dict[str, object]:
        """What a change anywhere would alter: the providers' secrets, people and their roles,
        and the log (but for the refusals, which are what a refused request leaves)."""
        # Read from the stores, not through the APIs: a read would count as a call.
        sets = [asdict(s) for s in self.pipecat.store.sets(pipecat_fixtures.PIPECAT_ORG)]
        regions = (gcore_fixtures.REGION_ID, gcore_fixtures.OTHER_REGION_ID)
        secrets = {
            region: sorted(s.id for s in self.gcore.secrets(gcore_fixtures.PROJECT_ID, region))
            for region in regions
        }
        people = sorted(
            (u.username, u.is_active, u.is_superuser, u.password, *u.groups.values_list("name"))
            for u in User.objects.all()
        )
        return {
            "sets": sets,
            "secrets": secrets,
            "tasks": len(self.gcore.store.tasks()),
            "people": people,
            "groups": sorted(Group.objects.values_list("name", flat=True)),
            "log": list(
                AuditEvent.objects.exclude(action="auth.denied").values_list("sequence", "action")
            ),
            "rollouts": sorted(
                (str(r.pk), r.state, *r.steps.values_list("state", flat=True))
                for r in Rollout.objects.all()
            ),
            "alerts": sorted(Alert.objects.values_list("pk", "state", "snoozed_until")),
        }


@pytest.fixture(autouse=True)
def providers(settings, pipecat_app, pipecat_clock, gcore_app, gcore_clock):
    """The accounts `prod` of Pipecat Cloud and of Gcore Cloud (project 1, regions 76 and 38),
    each on its in-process emulator; retry waits advance the emulators' clocks."""
    settings.PIPECAT_ACCOUNTS = (
        PipecatAccount(ACCOUNT, pipecat_fixtures.API_HOST, Secret(pipecat_fixtures.PIPECAT_TOKEN)),
    )
    settings.PIPECAT_TIMEOUTS = Timeouts(connect=5.0, read=15.0)
    settings.PIPECAT_TRANSPORT = EmulatorTransport(pipecat_app)
    settings.PIPECAT_SLEEP = pipecat_clock.sleep
    regions = (gcore_fixtures.REGION_ID, gcore_fixtures.OTHER_REGION_ID)
    settings.GCORE_ACCOUNTS = (
        GcoreAccount(
            ACCOUNT,
            gcore_fixtures.API_HOST,
            Secret(gcore_fixtures.GCORE_KEY),
            gcore_fixtures.PROJECT_ID,
            regions,
        ),
    )
    settings.GCORE_TIMEOUTS = Timeouts(connect=5.0, read=15.0)
    settings.GCORE_TRANSPORT = EmulatorTransport(gcore_app)
    settings.GCORE_SLEEP = gcore_clock.advance
    settings.AUDIT_HMAC_KEY = AUDIT_KEY
    return pipecat_app, gcore_app


@pytest.fixture
def world(db, providers) -> World:
    """A ready set with two keys, an image pull secret, a Gcore secret, a Gcore certificate a
    listener uses (and an open alert of its expiry), and an event whose key has a
    fingerprint."""
    pipecat, gcore = providers
    put(pipecat, SET, **{KEY: "v", "DB_URL": "postgres://x"})
    with upstream(pipecat) as api:
        body = {"isImagePullSecret": True, "host": "ghcr.io", "secretValue": "dTpw"}
        api.put(f"/secrets/{PULL}", json=body).raise_for_status()
    put(pipecat, OTHER)
    pipecat.clock.advance(pipecat.store.provisioning_delay + 1)
    for agent in AGENTS:
        config = Config(f"acme/{agent}:1", OTHER, PULL)
        pipecat.agents.add(pipecat_fixtures.PIPECAT_ORG, agent, "us-west", config, 0)
    rollout = redeploys.start(
        services.Actor.system("tests"), account=ACCOUNT, name=OTHER, chosen=AGENTS
    )
    rollout.steps.filter(target=AGENTS[1]).update(state=Step.State.FAILED, message="refused")
    secret = gcore.add_secret(
        gcore_fixtures.PROJECT_ID, gcore_fixtures.REGION_ID, "kept", "opaque", b"x"
    )
    event = services.record(
        services.Actor.system("tests"),
        action="pipecat.secret_set.upsert",
        outcome="succeeded",
        subject=services.Subject(provider="pipecat", account=ACCOUNT, target=SET, keys=(KEY,)),
        values={KEY: CHECKED_VALUE},
    )
    certificate = gcore.add_secret(
        gcore_fixtures.PROJECT_ID, gcore_fixtures.REGION_ID, "www-kept", "certificate", b"pem"
    )
    balancer = gcore.add_load_balancer(
        gcore_fixtures.PROJECT_ID, gcore_fixtures.REGION_ID, "web-lb"
    )
    gcore.add_listener(balancer, "https", "TERMINATED_HTTPS", 443, secret_id=certificate.id)
    alert = alerts.raise_alert(
        "expiry",
        provider="gcore",
        account=ACCOUNT,
        subject="www-kept",
        subject_id=certificate.id,
        threshold="30d",
        message="The certificate www-kept expires in 30 days.",
    )
    assert alert is not None
    return World(pipecat, gcore, secret.id, event, rollout, certificate.id, alert)
