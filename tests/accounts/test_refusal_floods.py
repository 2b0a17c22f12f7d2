"""Anyone can be refused, and the audit log is permanent: the refusals of one source are merged
into one event per window, with their count, and the text a client chose is cut short."""

import math
import re
import time

import pytest
from django.test import Client, override_settings

from secretsadmin.audit.models import AuditEvent
from tests.accounts.test_sso import SSO

pytestmark = pytest.mark.django_db


def refusals() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="auth.denied").order_by("sequence"))


def test_a_flood_of_forged_posts_from_one_address_is_one_event_then_its_count(settings):
    settings.DENIALS_MERGE_SECONDS = 1
    stranger = Client(enforce_csrf_checks=True, HTTP_HOST="localhost", REMOTE_ADDR="192.0.2.66")
    started = time.monotonic()
    for n in range(200):
        assert stranger.post(f"/accounts/login/?n={n}", {"username": "x"}).status_code == 403
    windows = math.ceil(time.monotonic() - started)
    time.sleep(1.1)
    stranger.post("/accounts/login/", {"username": "x"})

    recorded = refusals()
    merged = [int(m[1]) for e in recorded if (m := re.search(r"and (\d+) more", e.error_message))]
    assert len(recorded) <= windows + 1  # one per window, not one per post
    assert len(recorded) + sum(merged) == 201  # and every post counted
    assert {(e.error_code, e.source_ip) for e in recorded} == {("csrf", "192.0.2.66")}
    assert any(
        "more refusals like it from this source since its last recorded one" in e.error_message
        for e in recorded
    )


def test_another_address_is_another_source(settings):
    for address in ("192.0.2.66", "192.0.2.67"):
        Client(enforce_csrf_checks=True, REMOTE_ADDR=address).post("/accounts/login/")
    assert [e.source_ip for e in refusals()] == ["192.0.2.66", "192.0.2.67"]


def test_an_identity_header_from_anyone_on_any_path_is_one_event_and_bounded():
    with override_settings(**SSO):
        stranger = Client(HTTP_HOST="localhost", REMOTE_ADDR="192.0.2.66")
        for n in range(50):
            stranger.get(
                f"/{'x' * 5000}{n}",
                HTTP_X_FORWARDED_USER="mallory" + "m" * 1000,
                HTTP_X_FORWARDED_GROUPS="platform-admins",
            )
        stranger.get("/healthz", HTTP_X_FORWARDED_USER="mallory")
    [refused] = refusals()
    assert refused.error_code == "untrusted_identity_header"
    assert len(refused.target) <= 200 and len(refused.error_message) <= 1000
