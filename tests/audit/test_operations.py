"""Steps grouped under the operation that started them: in the chain, the exports and verify."""

import json

from secretsadmin.audit import chain, export, selectors, services
from secretsadmin.audit.models import AuditEvent
from secretsadmin.audit.verify import links, verify


def _operation_with_a_step(system):
    operation = services.attempt(
        system, action="pipecat.secret_set.redeploy", subject=services.Subject("pipecat", "prod")
    )
    step = services.attempt(
        system,
        action="pipecat.agent.redeploy",
        subject=services.Subject("pipecat", "prod", target="voice"),
        operation=operation.sequence,
    )
    outcome = services.conclude(step, outcome="succeeded")
    return operation, step, outcome


def test_a_steps_outcome_belongs_to_the_operation_of_its_attempt(db, system):
    operation, step, outcome = _operation_with_a_step(system)

    assert outcome.operation_id == operation.sequence
    assert list(operation.steps.order_by("sequence")) == [step, outcome]
    assert verify().ok


def test_events_before_operations_keep_their_digest(db, system):
    event = services.record(system, action="auth.login", outcome="succeeded")

    content = {name: chain.content_of(event)[name] for name in chain.FIELDS}
    assert chain.digest(content) == event.hash


def test_the_operation_is_in_the_hash(db, system, behind_the_apps_back):
    _, step, _ = _operation_with_a_step(system)

    behind_the_apps_back(
        "UPDATE audit_auditevent SET operation_id = NULL WHERE sequence = %s", [step.sequence]
    )

    assert verify().broken_at == step.sequence


def test_an_export_line_holds_the_operation_only_when_set(db, system):
    operation, step, _ = _operation_with_a_step(system)

    lines = [json.loads(line) for line in export.jsonl(selectors.events())]

    by_sequence = {line["sequence"]: line for line in lines}
    assert "operation_id" not in by_sequence[operation.sequence]
    assert by_sequence[step.sequence]["operation_id"] == operation.sequence
    checked = list(links(lines))
    assert all(stored == computed for _, _, stored, computed in checked)
    assert AuditEvent.objects.count() == len(lines)


def test_an_operations_page_tells_its_steps_and_each_step_its_operation(auditor, system):
    operation, step, _ = _operation_with_a_step(system)
    refused = services.attempt(
        system,
        action="pipecat.agent.redeploy",
        subject=services.Subject("pipecat", "prod", target="voice-eu"),
        operation=operation.sequence,
    )
    services.conclude(refused, outcome="failed", error_message="Secret set 'x' is not yet ready.")

    page = auditor.get(f"/audit/{operation.sequence}/").text
    steps = page.split('id="operation-steps"')[1]
    assert steps.index("voice") < steps.index("succeeded") < steps.index("voice-eu")
    assert "failed" in steps and "is not yet ready" in steps

    step_page = auditor.get(f"/audit/{step.sequence}/").text
    assert f'href="/audit/{operation.sequence}/"' in step_page.split('id="operation-of"')[1]


def test_the_log_filtered_by_an_operation_shows_it_and_its_steps_only(auditor, system):
    services.record(system, action="auth.login", outcome="succeeded")
    operation, step, outcome = _operation_with_a_step(system)
    services.record(system, action="auth.login", outcome="succeeded")

    found = [event.sequence for event in selectors.events(operation=operation.sequence)]
    assert found == [outcome.sequence, step.sequence, operation.sequence]

    page = auditor.get(f"/audit/?operation={operation.sequence}").text
    assert page.count('href="/audit/') >= 3 and "auth.login" not in page.split("<tbody")[1]


def test_an_operations_page_says_in_its_outcomes_what_was_done(auditor, system):
    operation, _, _ = _operation_with_a_step(system)
    services.conclude(operation, outcome="succeeded", error_message="Done: voice.")

    page = auditor.get(f"/audit/{operation.sequence}/").text

    assert "Done: voice." in page.split("Concluded by event")[1]
