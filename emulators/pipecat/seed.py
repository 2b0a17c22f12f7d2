"""Believable demo data: one organisation's sets in every state, with placeholder values, and
the agents that bind them."""

from .agents import Config
from .app import PipecatEmulator
from .store import DEFAULT_FAILURE_MESSAGE, SecretSet, SetType

DEMO_ORG = "acme-voice"
PLACEHOLDER = "placeholder-not-a-real-secret"
PULL_PLACEHOLDER = "ZGVtbzpwbGFjZWhvbGRlcg=="  # base64("demo:placeholder"), the expected encoding
FAILURE_MESSAGE = "Secret set could not be provisioned in region 'ap-south'. Please retry."

# name, region, key names, state
_REGULAR = [
    ("prod-voice-agent", "us-west",
     ["OPENAI_API_KEY", "DEEPGRAM_API_KEY", "CARTESIA_API_KEY", "DAILY_API_KEY"], "ready"),
    ("staging-voice-agent", "us-west",
     ["OPENAI_API_KEY", "DEEPGRAM_API_KEY", "ELEVENLABS_API_KEY"], "ready"),
    ("eu-support-bot", "eu-central",
     ["ANTHROPIC_API_KEY", "AZURE_SPEECH_KEY", "AZURE_SPEECH_REGION"], "ready"),
    ("twilio-telephony", "us-east", ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"], "pending"),
    ("crm-webhooks", "us-west", ["HUBSPOT_ACCESS_TOKEN", "WEBHOOK_SIGNING_SECRET"], "pending"),
    ("analytics-export", "ap-south", ["BIGQUERY_SERVICE_ACCOUNT", "SEGMENT_WRITE_KEY"], "failed"),
]  # fmt: skip
# name, region, registry host, state
_IMAGE_PULL = [
    ("dockerhub-pull", "us-west", "https://index.docker.io/v1/", "ready"),
    ("ghcr-pull", "eu-central", "ghcr.io/", "pending"),
]
# name, region, env secret set, image pull secret set, deployed (seconds ago; < 0: still landing)
_AGENTS = [
    ("voice-prod", "us-west", "prod-voice-agent", "dockerhub-pull", 86400),
    ("voice-prod-canary", "us-west", "prod-voice-agent", None, -1),
    ("voice-staging", "us-west", "staging-voice-agent", "dockerhub-pull", 7200),
    ("eu-support", "eu-central", "eu-support-bot", None, 3 * 86400),
]


def seed_demo(app: PipecatEmulator, org: str = DEMO_ORG, pending_for: float = 600.0) -> None:
    """Adds the demo sets to `org`; the pending ones turn ready after `pending_for` seconds.

    The sets were last changed an hour ago, so no conflict window is open on them.
    """
    now = app.clock.now()
    changed = now - 3600
    ends = {"ready": changed, "failed": changed, "pending": now + pending_for}
    with app.state_lock:
        for name, region, keys, state in _REGULAR:
            failure = FAILURE_MESSAGE if state == "failed" else None
            values = dict.fromkeys(keys, PLACEHOLDER)
            app.store.add(
                org,
                SecretSet(
                    name, SetType.REGULAR, region, changed, ends[state], failure, values=values
                ),
            )
        for name, region, host, state in _IMAGE_PULL:
            pull = SecretSet(name, SetType.IMAGE_PULL, region, changed, ends[state], host=host)
            pull.credentials = PULL_PLACEHOLDER
            app.store.add(org, pull)
        for name, region, env_set, pull_set, ago in _AGENTS:
            config = Config(f"acme/{name}:1.4.2", env_set, pull_set, min_agents=1, max_agents=10)
            # One still landing was deployed a moment ago and stays unready for `deploy_delay`.
            app.agents.add(org, name, region, config, now - ago if ago > 0 else now)


_TEAMS = ("voice", "support", "billing", "telephony", "analytics", "search", "ops", "growth")
_PURPOSES = ("agent", "webhooks", "export", "llm", "stt", "tts", "crm")
_REGIONS = ("us-west", "us-east", "eu-central", "ap-south")


def seed_many(
    app: PipecatEmulator, count: int, org: str = DEMO_ORG, pending_for: float = 600.0
) -> list[str]:
    """Adds `count` sets to `org`, a large organisation's worth: every region, one in ten an image
    pull secret, one in 25 pending and one in 41 failed, one to five keys each. Names are
    deterministic (`voice-agent-0000`, `growth-pull-0009`), so a test or bench can search for
    them. Returns the names in creation order."""
    now = app.clock.now()
    changed = now - 3600
    names = []
    with app.state_lock:
        for n in range(count):
            pull = n % 10 == 9
            purpose = "pull" if pull else _PURPOSES[n // len(_TEAMS) % len(_PURPOSES)]
            name = f"{_TEAMS[n % len(_TEAMS)]}-{purpose}-{n:04}"
            region = _REGIONS[n % len(_REGIONS)]
            ends = now + pending_for if n % 25 == 7 else changed
            failure = DEFAULT_FAILURE_MESSAGE if n % 41 == 13 else None
            if pull:
                secret_set = SecretSet(name, SetType.IMAGE_PULL, region, changed, ends, failure)
                secret_set.host, secret_set.credentials = "ghcr.io/", PULL_PLACEHOLDER
            else:
                values = {f"KEY_{k}": PLACEHOLDER for k in range(1 + n % 5)}
                secret_set = SecretSet(
                    name, SetType.REGULAR, region, changed, ends, failure, values=values
                )
            app.store.add(org, secret_set)
            names.append(name)
    return names
