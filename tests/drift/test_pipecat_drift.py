"""Changes made to Pipecat Cloud sets with other tools (the provider's API, the official CLI),
seen by the watcher's round and recorded as `observed` events; the dashboard's own are not."""

import time

import pytest
from django.core.management import call_command

from secretsadmin.audit.models import AuditEvent
from secretsadmin.audit.services import Actor
from secretsadmin.config import Secret
from secretsadmin.drift.models import Seen
from secretsadmin.pipecat import services
from secretsadmin.providers.config import Timeouts
from secretsadmin.providers.pipecat.config import PipecatAccount
from secretsadmin.watcher.budget import Budget
from secretsadmin.watcher.context import Context
from secretsadmin.watcher.registry import discover, jobs
from tests.fixtures.pipecat import PIPECAT_ORG, PIPECAT_TOKEN
from tests.pipecat.conftest import put, upstream

pytestmark = pytest.mark.django_db(transaction=True)
ACTION = "pipecat.secret_set.external_change"


@pytest.fixture
def prod(settings, pipecat_accounts):
    """The account `prod`, holding `voice-prod` (API_KEY) before the watcher first looks."""
    put(pipecat_accounts, "voice-prod", API_KEY="v1")
    return pipecat_accounts


def watch_round() -> None:
    call_command("watch", "--once")


def observed() -> list[tuple[str, str, list[str], list[str]]]:
    """(set, change, what changed, key names) of each observed event, oldest first."""
    return [
        (e.target, e.observed["change"], e.observed["changes"], e.keys)
        for e in AuditEvent.objects.filter(action=ACTION).order_by("sequence")
    ]


def test_the_first_round_is_a_baseline_and_a_quiet_round_records_nothing(prod):
    watch_round()
    assert [row.name for row in Seen.objects.all()] == ["voice-prod"]  # the round looked
    watch_round()
    assert observed() == []


def test_a_set_created_elsewhere_is_recorded_by_the_watcher(prod):
    watch_round()
    put(prod, "billing", region="eu-central", STRIPE_KEY="sk")
    watch_round()

    assert observed() == [("billing", "created", ["created (secret set, region eu-central)"], [])]
    event = AuditEvent.objects.get(action=ACTION)
    assert (event.outcome, event.actor_username, event.auth_method) == (
        "observed",
        "watcher",
        "system",
    )
    assert (event.provider, event.account, event.region) == ("pipecat", "prod", "eu-central")


def test_keys_added_and_removed_elsewhere_are_named_never_their_values(prod):
    watch_round()  # the listing's baseline, and the keys' one
    put(prod, "voice-prod", NEW_KEY="s3cr3t-value-added-elsewhere")
    with upstream(prod) as api:
        api.delete("/secrets/voice-prod/API_KEY").raise_for_status()
    watch_round()

    assert observed() == [
        (
            "voice-prod",
            "changed",
            ["keys added: NEW_KEY", "keys removed: API_KEY"],
            ["NEW_KEY", "API_KEY"],
        )
    ]
    lines = [e.observed for e in AuditEvent.objects.all()]
    assert "s3cr3t-value-added-elsewhere" not in str(lines)


def test_a_set_deleted_then_made_an_image_pull_secret_elsewhere(prod):
    watch_round()
    with upstream(prod) as api:
        api.delete("/secrets/voice-prod").raise_for_status()
    watch_round()
    body = {
        "isImagePullSecret": True,
        "host": "ghcr.io",
        "secretValue": "dTpw",
        "region": "us-west",
    }
    with upstream(prod) as api:
        api.put("/secrets/voice-prod", json=body).raise_for_status()
    watch_round()

    assert observed() == [
        ("voice-prod", "deleted", ["deleted"], []),
        ("voice-prod", "created", ["created (image pull secret, region us-west)"], []),
    ]


def test_a_set_saved_elsewhere_is_pending_then_ready_and_only_the_save_is_drift(prod):
    watch_round()
    put(prod, "voice-prod", settle=False, API_KEY="v2")  # a value changed: not visible
    watch_round()
    prod.clock.advance(prod.store.provisioning_delay + 1)
    watch_round()

    assert observed() == [("voice-prod", "changed", ["status ready → pending"], [])]


def test_the_dashboards_own_changes_are_not_drift(prod):
    watch_round()
    actor = Actor.system("test-person")
    services.create_set(actor, account="prod", name="ours", secrets={"A": "1"}, region="us-west")
    services.add_keys(actor, account="prod", name="voice-prod", secrets={"B": "2"})
    services.delete_key(actor, account="prod", name="voice-prod", key="API_KEY")
    watch_round()
    prod.clock.advance(prod.store.provisioning_delay + 1)
    watch_round()
    services.delete_set(actor, account="prod", name="ours")
    watch_round()

    assert observed() == []


def test_an_outside_key_beside_the_dashboards_own_change_is_still_drift(prod):
    watch_round()
    services.add_keys(
        Actor.system("test-person"), account="prod", name="voice-prod", secrets={"B": "2"}
    )
    put(prod, "voice-prod", C="3")
    watch_round()

    assert observed() == [("voice-prod", "changed", ["keys added: C"], ["C"])]


def test_changes_made_with_the_official_cli_are_drift(settings, pipecat_server, pipecat_cli):
    settings.PIPECAT_ACCOUNTS = (PipecatAccount("prod", pipecat_server.url, Secret(PIPECAT_TOKEN)),)
    settings.PIPECAT_TIMEOUTS = Timeouts(connect=2.0, read=5.0)
    assert pipecat_cli("set", "cli-set", "K1=v1", "--skip").returncode == 0
    watch_round()
    assert pipecat_cli("set", "cli-set", "K2=v2", "--skip").returncode == 0
    assert pipecat_cli("unset", "cli-set", "K1", "--skip").returncode == 0
    assert pipecat_cli("set", "from-cli", "X=1", "--skip").returncode == 0
    watch_round()
    assert pipecat_cli("delete", "from-cli", "--skip").returncode == 0
    watch_round()

    assert sorted(observed()) == sorted(
        [
            ("cli-set", "changed", ["keys added: K2", "keys removed: K1"], ["K2", "K1"]),
            ("from-cli", "created", ["created (secret set, region us-west)"], []),
            ("from-cli", "deleted", ["deleted"], []),
        ]
    )
    assert pipecat_server.app.store.get(PIPECAT_ORG, "cli-set") is not None


def test_the_dashboards_create_explains_it_once_not_a_recreation_elsewhere(prod):
    watch_round()
    actor = Actor.system("test-person")
    services.create_set(actor, account="prod", name="ours", secrets={"A": "1"}, region="us-west")
    watch_round()
    with upstream(prod) as api:
        api.delete("/secrets/ours").raise_for_status()
    watch_round()
    put(prod, "ours", A="1")  # made again elsewhere, within the grace of the dashboard's create
    watch_round()

    assert [(name, change) for name, change, _, _ in observed()] == [
        ("ours", "deleted"),
        ("ours", "created"),
    ]


def test_a_save_elsewhere_after_the_dashboards_own_is_still_seen(prod):
    watch_round()
    services.add_keys(
        Actor.system("test-person"), account="prod", name="voice-prod", secrets={"B": "2"}
    )
    prod.clock.advance(prod.store.provisioning_delay + 1)
    watch_round()  # the dashboard's save: not drift
    put(prod, "voice-prod", settle=False, B="changed-elsewhere")  # same key: only the status says
    watch_round()

    assert observed() == [("voice-prod", "changed", ["status ready → pending"], [])]


def test_the_dashboard_repairing_a_failed_set_is_not_drift(prod):
    prod.fail_next_provisioning(message="quota")
    put(prod, "broken", A="1")
    watch_round()  # seen failed
    services.add_keys(
        Actor.system("test-person"), account="prod", name="broken", secrets={"A": "2"}
    )
    prod.clock.advance(prod.store.provisioning_delay + 1)  # ready within the round
    watch_round()

    assert observed() == []


class Ticking:
    """The budget's clock: time passes as the job works (each reading a little later)."""

    def __init__(self) -> None:
        self.now = time.monotonic()

    def __call__(self) -> float:
        self.now += 0.01
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_every_round_reads_its_share_of_keys_not_every_other_one(prod):
    """Rounds on the interval's beat: the last round's calls, made over its course, leave the
    budget's window over the next round's course; the round waits for each, not skipping."""
    for n in range(30):
        put(prod, f"set-{n:02}", settle=False, K="v")
    discover()  # the apps' jobs in their order, as the command finds them
    (pipecat_drift,) = (job.run for job in jobs if job.name == "pipecat_drift")
    clock = Ticking()
    budget = Budget(per_minute=600, interval=1.0, clock=clock, sleep=clock.sleep)  # 10 a round
    read = []
    for beat in (clock.now, clock.now + 1.0, clock.now + 2.0):
        clock.now = beat
        pipecat_drift(Context(budget, ends=beat + 1.0, leading=lambda: True))
        read.append(Seen.objects.filter(provider="pipecat").exclude(detail_at=None).count())

    assert read == [9, 18, 27]  # each round: the listing, and nine sets' keys


def test_a_set_deleted_and_made_again_elsewhere_starts_its_history_afresh(prod, viewer):
    watch_round()
    put(prod, "voice-prod", settle=False, B="2")
    watch_round()  # saved elsewhere: a change in its history
    with upstream(prod) as api:
        api.delete("/secrets/voice-prod").raise_for_status()
    watch_round()
    put(prod, "voice-prod", A="1")
    watch_round()

    page = viewer.get("/pipecat/prod/sets/voice-prod/").content.decode()
    first = page[page.index("First change seen") :][:600]
    assert "created (secret set, region us-west)" in first
    assert "status ready" not in first
