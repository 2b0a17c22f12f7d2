"""A leak scan: after values are set through the dashboard (keys, a `.env` block, registry
credentials, a refused save), no page, fragment, export or log line anyone can read holds one,
nor its base64 form."""

import base64
import logging

import pytest

from emulators.pipecat.agents import Config
from secretsadmin.audit.models import AuditEvent
from secretsadmin.rollouts.models import Rollout
from tests.pipecat.conftest import post, put

pytestmark = pytest.mark.django_db

KEY_VALUE = "sk-live-4f1c9e77a2"
ENV_VALUE = "env-secret-82b1d0c3"
TOKEN = "ghp_pulltoken_5d2e"
SECRETS = (KEY_VALUE, ENV_VALUE, TOKEN, base64.b64encode(f"octocat:{TOKEN}".encode()).decode())


def every_page(account: str = "prod") -> list[str]:
    sets = f"/pipecat/{account}/sets"
    events = AuditEvent.objects.values_list("sequence", flat=True)
    return [
        "/",
        f"/overview/pipecat/{account}/",
        f"/pipecat/{account}/",
        f"/pipecat/{account}/?q=voice",
        f"{sets}/voice-prod/",
        f"{sets}/voice-prod/keys-count/",
        f"{sets}/voice-prod/badge/",
        f"{sets}/voice-prod/keys/OPENAI_API_KEY/delete/",
        f"{sets}/ghcr-pull/",
        f"{sets}/ghcr-pull/image-pull/",
        f"/pipecat/{account}/check-name/?name=voice-prod",
        "/audit/",
        "/audit/export.csv",
        "/audit/export.jsonl",
        *(f"/audit/{sequence}/" for sequence in events),
        *(f"/rollouts/{rollout}/" for rollout in Rollout.objects.values_list("pk", flat=True)),
    ]


def test_no_value_set_through_the_dashboard_can_be_read_back_anywhere(
    admin, editor, pipecat, caplog
):
    caplog.set_level(logging.DEBUG)
    put(pipecat, "voice-prod")
    set_page = "/pipecat/prod/sets/voice-prod/"
    post(editor, f"{set_page}keys/", {"key_0": "OPENAI_API_KEY", "value_0": KEY_VALUE})
    post(editor, f"{set_page}keys/", {"env": f"DAILY_KEY={ENV_VALUE}\nbad line\n"})  # refused
    post(editor, f"{set_page}keys/", {"env": f"DAILY_KEY={ENV_VALUE}\n"}, HTTP_HX_REQUEST="true")
    pull = {"registry": "ghcr", "username": "octocat", "token": TOKEN, "region": "us-west"}
    post(editor, "/pipecat/prod/image-pull/new/", {"name": "ghcr-pull", **pull})
    pipecat.clock.advance(pipecat.store.provisioning_delay + 1)
    # The agent using the set is redeployed, so that it reads them.
    pipecat.agents.add("test-org", "voice", "us-west", Config("acme/voice:1", "voice-prod"), 0)
    started = post(editor, f"{set_page}redeploy/", {"all": "1"})["Location"]
    post(editor, f"{started}advance/", HTTP_HX_REQUEST="true")
    assert len(pipecat.agents.get("test-org", "voice").deployments) == 2
    assert {"OPENAI_API_KEY", "DAILY_KEY"} <= set(
        pipecat.store.get("test-org", "voice-prod").values
    )

    for path in every_page():
        for reader in (admin, editor):
            response = reader.get(path, HTTP_HX_REQUEST="true" if "count" in path else None)
            body = b"".join(response) if response.streaming else response.content
            for secret in SECRETS:
                assert secret.encode() not in body, (path, secret)
    for secret in SECRETS:
        assert secret not in caplog.text
