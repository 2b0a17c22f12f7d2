"""What the watcher observed of a change made elsewhere (`observed`): hashed when set, the same
on every database (PostgreSQL reorders a JSON object's keys and re-renders numbers), in the
exports, and never changing the digest of an event without it."""

import json

from secretsadmin.audit import chain, export, selectors, services
from secretsadmin.audit.models import AuditEvent
from secretsadmin.audit.verify import links, verify

SEEN = {
    "changes": ["keys added: ÄPI_KEY", "status ready → pending"],
    "change": "changed",
    "by": {"user_id": 1001, "email": "zoë@example.com", "at": "2026-12-03T07:01:48+00:00"},
    "zeta": {"b": [3, {"y": 1, "x": 2}], "a": None},
    "ratio": 1e20,
}


def observe(system, **seen) -> AuditEvent:
    return services.record(
        system,
        action="pipecat.secret_set.external_change",
        outcome="observed",
        subject=services.Subject("pipecat", "prod", "us-west", "voice-prod"),
        observed=seen or SEEN,
    )


def test_an_observed_event_verifies_and_its_export_lines_too(db, system):
    services.record(system, action="auth.login", outcome="succeeded")
    event = observe(system)
    services.record(system, action="auth.logout", outcome="succeeded")

    assert verify().ok
    lines = [json.loads(line) for line in export.jsonl(selectors.events())]
    assert all(stored == computed for _, _, stored, computed in links(lines))
    stored = AuditEvent.objects.get(sequence=event.sequence).observed
    assert stored["ratio"] == "1e+20"  # a float is kept as its text: PostgreSQL re-renders one
    assert stored["by"]["email"] == "zoë@example.com"


def test_what_was_observed_is_in_the_hash(db, system, behind_the_apps_back):
    event = observe(system)
    behind_the_apps_back(
        """UPDATE audit_auditevent SET observed = %s WHERE sequence = %s""",
        [json.dumps({**SEEN, "changes": ["nothing"], "ratio": "1e+20"}), event.sequence],
    )
    assert verify().broken_at == event.sequence


def test_an_event_without_it_keeps_its_digest_and_its_line_has_no_field(db, system):
    event = services.record(system, action="auth.login", outcome="succeeded")
    content = {name: chain.content_of(event)[name] for name in chain.FIELDS}
    assert chain.digest(content) == event.hash
    [line] = [json.loads(line) for line in export.jsonl(selectors.events())]
    assert "observed" not in line


def test_a_secret_shaped_text_in_what_was_observed_is_masked(db, system):
    event = observe(system, changes=["user agent sent token ghp_" + "a" * 36])
    assert "ghp_" + "a" * 36 not in json.dumps(event.observed)
