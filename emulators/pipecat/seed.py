"""Believable demo data: one organisation's sets in every state, with placeholder values."""

from .app import PipecatEmulator
from .store import SecretSet, SetType

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
