"""An event links to what it names: a Pipecat event to its set's page, a value check to the
event it checked; and to nothing when what it names can no longer be opened."""

import pytest
from django.test.utils import override_script_prefix

from secretsadmin.audit import links, services

pytestmark = pytest.mark.django_db


def pipecat_event(system, *, account="prod", target="voice-prod"):
    return services.record(
        system,
        action="pipecat.secret_key.delete",
        outcome="succeeded",
        subject=services.Subject(
            provider="pipecat", account=account, target=target, keys=("API_KEY",)
        ),
    )


def test_a_pipecat_event_links_to_its_set_and_an_auditor_can_open_it(
    auditor, system, pipecat_prod, row_of
):
    event = pipecat_event(system)
    link = '<a href="/pipecat/prod/sets/voice-prod/">voice-prod</a>'
    assert link in row_of(auditor.get("/audit/"), event.sequence)
    assert link in auditor.get(f"/audit/{event.sequence}/").text

    opened = auditor.get("/pipecat/prod/sets/voice-prod/")
    assert opened.status_code == 200
    assert "API_KEY" in opened.text


def test_the_outcome_of_a_change_links_to_the_set_too(admin, system, pipecat_prod, row_of):
    started = services.attempt(
        system,
        action="pipecat.secret_set.delete",
        subject=services.Subject(provider="pipecat", account="prod", target="voice-prod"),
    )
    outcome = services.conclude(started, outcome="succeeded", upstream_status=200)
    listed = admin.get("/audit/")
    for sequence in (started.sequence, outcome.sequence):
        assert 'href="/pipecat/prod/sets/voice-prod/"' in row_of(listed, sequence)


@pytest.mark.parametrize(
    ("account", "target"),
    [
        ("staging", "voice-prod"),  # an account no longer configured
        ("prod", "Voice_Prod"),  # a name no longer valid: the set page's URL refuses it
        ("prod", "a" * 64),  # too long for a set name, though its letters would do
        ("prod", ""),  # nothing named
    ],
)
def test_an_event_naming_what_cannot_be_opened_has_no_link(
    admin, system, pipecat_prod, row_of, account, target
):
    event = pipecat_event(system, account=account, target=target)
    row = row_of(admin.get("/audit/"), event.sequence)
    assert "/pipecat/" not in row
    if target:
        assert target in row
    detail = admin.get(f"/audit/{event.sequence}/")
    assert detail.status_code == 200
    assert 'href="/pipecat/' not in detail.text.split('id="what"')[1]


def test_a_value_check_links_to_the_event_it_checked(auditor, system, row_of):
    checked = pipecat_event(system)
    check = services.record(
        system,
        action="audit.value_check",
        outcome="succeeded",
        subject=services.Subject(
            target=f"event #{checked.sequence}", target_id="different", keys=("API_KEY",)
        ),
    )
    link = f'<a href="/audit/{checked.sequence}/">event #{checked.sequence}</a>'
    assert link in row_of(auditor.get("/audit/"), check.sequence)
    assert link in auditor.get(f"/audit/{check.sequence}/").text


def test_another_provider_links_its_events_with_one_registration(
    admin, system, monkeypatch, row_of
):
    """As Gcore's app will: its secrets found by account, region and id, on a page of its own."""
    monkeypatch.setattr(links, "_pages", dict(links._pages))
    links.register(
        "gcore",
        "audit:detail",  # stands in for a Gcore page, taking an id
        accounts=lambda: ["1234"],
        arguments=lambda event: {"sequence": event.target_id},
    )
    event = services.record(
        system,
        action="gcore.secret.delete",
        outcome="succeeded",
        subject=services.Subject(
            provider="gcore", account="1234", region="76", target="tls-cert", target_id="7"
        ),
    )
    row = row_of(admin.get("/audit/"), event.sequence)
    assert '<a href="/audit/7/">tls-cert</a>' in row


def test_behind_a_path_prefix_the_link_keeps_it(admin, system, pipecat_prod, row_of):
    event = pipecat_event(system)
    with override_script_prefix("/secrets/"):
        row = row_of(admin.get("/audit/"), event.sequence)
    assert '<a href="/secrets/pipecat/prod/sets/voice-prod/">voice-prod</a>' in row
