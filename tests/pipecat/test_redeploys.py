"""After a change to a set, its page says which agents still run an older deployment and offers to
redeploy them; the redeploy waits for the set to be ready, sends each deploy as its own audited
change and follows each deployment to its end."""

import math
import re
import time
from html import unescape
from io import StringIO

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command

from emulators.pipecat import seed_demo
from emulators.pipecat.agents import Config
from secretsadmin.audit import services as audit
from secretsadmin.audit.models import AuditEvent
from secretsadmin.pipecat import actions, selectors
from secretsadmin.rollouts.models import Rollout
from tests.fixtures.pipecat import PIPECAT_ORG, PROVISIONING_DELAY
from tests.pipecat.conftest import Elements, events, fail_next, post, put

pytestmark = pytest.mark.django_db

SET = "prod-voice-agent"
PAGE = f"/pipecat/prod/sets/{SET}/"
AGENTS = ["voice-prod", "voice-prod-canary"]


@pytest.fixture
def demo(pipecat):
    seed_demo(pipecat, org=PIPECAT_ORG)
    return pipecat


def change_a_key(editor) -> None:
    response = post(editor, PAGE + "keys/", {"key_0": "OPENAI_API_KEY", "value_0": "sk-new"})
    assert response.status_code == 302


def text(html: str) -> str:
    """What a person reads: the tags stripped."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def start(editor, **data) -> str:
    """Starts a redeploy from the set's page; the operation's page it leads to."""
    response = post(editor, PAGE + "redeploy/", data)
    assert response.status_code == 302
    return response["Location"]


def advance(editor, rollout: str) -> str:
    """What an editor's open operation page does every few seconds."""
    response = post(editor, rollout + "advance/", HTTP_HX_REQUEST="true")
    assert response.status_code in (200, 286)
    return text(response.content.decode())


def next_interval(app, seconds: float) -> None:
    app.clock.advance(seconds)
    cache.clear()  # the shared reads of the interval before are over


def settle_the_set(app) -> None:
    next_interval(app, PROVISIONING_DELAY + 1)


def land(app) -> None:
    next_interval(app, app.agents.deploy_delay + 1)


def states(rollout: Rollout) -> list[str]:
    return [step.state for step in rollout.steps.all()]


def operation_events():
    """The operation's own events, but for the mark that it runs (which the shared core may
    record as it starts: `audit.selectors.OPERATION_RUNNING`)."""
    return (
        AuditEvent.objects.filter(action=actions.SET_REDEPLOY)
        .exclude(error_code="operation_running")
        .order_by("sequence")
    )


def the_rollout() -> Rollout:
    return Rollout.objects.get()


def test_after_a_change_the_page_names_the_agents_running_older_deployments(editor, demo):
    before = text(editor.get(PAGE).content.decode())
    assert "older than the last change" not in before
    assert "No change to this set through this dashboard is recorded" in before

    change_a_key(editor)
    html = editor.get(PAGE).content.decode()

    said = Elements(html).one("p", id="stale-agents")["text"]
    assert "2 agents still run a deployment older than the set's last change" in text(said)
    assert "voice-prod, voice-prod-canary" in said
    boxes = Elements(html).all("input", type="checkbox", name="agent")
    assert [(b["value"], "checked" in b) for b in boxes] == [(a, True) for a in AGENTS]


def test_the_list_says_processed_not_ready(viewer, demo):
    """The agents list only tells that the operator processed a deployment, not that it is
    ready; the page does not claim more."""
    html = text(viewer.get(PAGE).content.decode())

    assert "voice-prod environment secrets us-west processed 1 day ago" in html
    assert "ready 1 day ago" not in html


def test_a_full_redeploy_waits_for_the_set_then_follows_each_deployment_to_done(editor, demo):
    change_a_key(editor)
    rollout = start(editor, all="1")

    # The set is pending: nothing is sent, whatever the page polls.
    for _ in range(3):
        shown = advance(editor, rollout)
    assert demo.calls("update_agent") == 0
    assert "Waiting for set prod-voice-agent to be ready (it is pending)" in shown
    assert states(the_rollout()) == ["waiting", "waiting"]

    settle_the_set(demo)
    advance(editor, rollout)
    assert demo.calls("update_agent") == 2  # both at once: agents are independent
    assert states(the_rollout()) == ["sent", "sent"]

    next_interval(demo, demo.agents.deploy_delay / 2 + 1)
    shown = advance(editor, rollout)
    assert "phase Validating" in shown
    assert "the previous deployment still serves" in shown

    land(demo)
    shown = advance(editor, rollout)
    found = the_rollout()
    assert states(found) == ["done", "done"]
    assert found.state == "done"
    assert "Every step is done and checked." in shown
    # The page no longer calls them stale; the list's reads were forgotten by the deploys.
    page = text(editor.get(PAGE).content.decode())
    assert "older than the last change" not in page
    assert "Every agent above was deployed after the set's last change" in page


def test_the_audit_log_tells_the_operation_and_each_step(editor, auditor, demo):
    change_a_key(editor)
    rollout = start(editor, all="1", reason="rotated the OpenAI key")
    settle_the_set(demo)
    advance(editor, rollout)
    land(demo)
    advance(editor, rollout)

    found = the_rollout()
    operation = AuditEvent.objects.get(sequence=found.operation)
    assert (operation.action, operation.target, operation.reason) == (
        actions.SET_REDEPLOY,
        SET,
        "rotated the OpenAI key",
    )
    steps = events(actions.AGENT_REDEPLOY)
    attempts = [e for e in steps if e.outcome == "attempted"]
    assert sorted(a.target for a in attempts) == AGENTS
    for attempt, step in zip(attempts, found.steps.all(), strict=True):
        assert attempt.operation_id == found.operation
        assert f"operation #{found.operation}" in attempt.reason
        outcomes = list(AuditEvent.objects.filter(attempt=attempt).order_by("sequence"))
        assert [(o.outcome, o.error_code) for o in outcomes] == [
            ("unknown", "deploying"),
            ("succeeded", ""),
        ]
        assert {o.target_id for o in outcomes} == {step.upstream_id}
        assert step.upstream_id in outcomes[0].error_message
        assert all(o.operation_id == found.operation for o in outcomes)
    (ended,) = operation_events().filter(attempt=operation)
    assert ended.outcome == "succeeded"
    # One story: the operation's page in the log lists its steps.
    story = text(auditor.get(f"/audit/{operation.sequence}/").content.decode())
    assert all(agent in story for agent in AGENTS), story
    assert actions.AGENT_REDEPLOY in story


def test_chosen_agents_only_are_redeployed(editor, demo):
    change_a_key(editor)

    rollout = start(editor, agent="voice-prod")
    settle_the_set(demo)
    advance(editor, rollout)

    assert [s.target for s in the_rollout().steps.all()] == ["voice-prod"]
    assert demo.calls("update_agent") == 1
    assert len(demo.agents.get(PIPECAT_ORG, "voice-prod-canary").deployments) == 1


def test_an_agent_that_does_not_use_the_set_is_refused_and_nothing_starts(editor, demo):
    response = post(editor, PAGE + "redeploy/", {"agent": ["voice-prod", "voice-staging"]})

    shown = text(editor.get(response["Location"]).content.decode())
    assert "Agent voice-staging does not use set prod-voice-agent (any more)" in shown
    assert "nothing was redeployed" in shown
    assert not Rollout.objects.exists()
    (refusal,) = events(actions.SET_REDEPLOY)
    assert refusal.outcome == "denied"


def test_nothing_chosen_starts_nothing(editor, demo):
    response = post(editor, PAGE + "redeploy/", {})

    assert "Choose at least one agent" in text(editor.get(response["Location"]).content.decode())
    assert not Rollout.objects.exists()


def test_a_second_start_is_refused_and_leads_to_the_running_one(editor, demo):
    first = start(editor, all="1")

    second = post(editor, PAGE + "redeploy/", {"all": "1"})

    assert second["Location"] == first
    assert "This is already being done: eddie started it" in text(
        editor.get(first).content.decode()
    )
    assert Rollout.objects.count() == 1
    assert [e.outcome for e in operation_events()] == ["attempted", "denied"]
    assert "A redeploy of these agents is under way" in text(editor.get(PAGE).content.decode())


def test_a_deploy_that_fails_says_why_and_a_retry_lands(editor, demo):
    settle_the_set(demo)
    demo.fail_next_deploys(1, agent="voice-prod", message="manifest unknown: acme/voice-prod")
    rollout = start(editor, all="1")
    advance(editor, rollout)
    land(demo)

    shown = advance(editor, rollout)

    assert states(the_rollout()) == ["failed", "done"]
    assert "The deployment failed (ImagePullBackOff: manifest unknown: acme/voice-prod)" in shown
    assert "The previous deployment still serves." in shown
    assert "Retry the failed step" in shown
    (failed,) = [
        o
        for o in events(actions.AGENT_REDEPLOY)
        if o.outcome == "failed" and o.target == "voice-prod"
    ]
    assert failed.error_code == "deploy_failed"
    assert failed.target_id == the_rollout().steps.get(target="voice-prod").upstream_id

    assert post(editor, rollout + "retry/").status_code == 302
    advance(editor, rollout)
    land(demo)
    advance(editor, rollout)

    assert states(the_rollout()) == ["done", "done"]
    assert the_rollout().state == "done"


def test_a_set_turned_pending_meanwhile_sets_the_step_waiting_again(editor, demo):
    settle_the_set(demo)
    rollout = start(editor, agent="voice-prod")
    advance(editor, rollout)
    assert demo.calls("update_agent") == 1
    land(demo)
    advance(editor, rollout)
    assert post(editor, rollout).status_code == 405  # the page itself is only read

    # A second redeploy: the set is read ready (shared for the interval), then another tool
    # changes it within that interval.
    second = start(editor, agent="voice-prod")
    assert selectors.find_set("prod", SET).status == "ready"
    put(demo, SET, settle=False, OPENAI_API_KEY="sk-elsewhere")
    shown = advance(editor, second)

    assert "turned pending meanwhile" in shown
    found = Rollout.objects.get(state="running")
    assert states(found) == ["waiting"]
    refused = [e for e in events(actions.AGENT_REDEPLOY) if e.outcome == "failed"]
    assert [e.upstream_status for e in refused] == [409]

    settle_the_set(demo)
    advance(editor, second)
    land(demo)
    advance(editor, second)
    assert states(Rollout.objects.get(pk=found.pk)) == ["done"]


def test_a_set_that_failed_to_provision_stops_the_redeploy_with_nothing_sent(editor, demo):
    demo.fail_next_provisioning(message="region capacity reached")
    change_a_key(editor)
    rollout = start(editor, all="1")
    settle_the_set(demo)

    shown = advance(editor, rollout)

    assert "Set prod-voice-agent failed to provision (region capacity reached)" in shown
    assert states(the_rollout()) == ["failed", "failed"]
    assert demo.calls("update_agent") == 0
    assert events(actions.AGENT_REDEPLOY) == []


def test_viewers_follow_but_cannot_start_or_send(viewer, editor, demo):
    settle_the_set(demo)
    rollout = start(editor, all="1")
    advance(editor, rollout)

    followed = viewer.get(rollout)
    assert followed.status_code == 200
    assert "An editor's page carries it on; this one follows it (last moved" in text(
        followed.content.decode()
    )
    # Following is enough to see the deployments land: a viewer's page records it too.
    land(demo)
    assert "Every step is done" in text(viewer.get(rollout).content.decode())
    assert states(the_rollout()) == ["done", "done"]
    assert "Redeploy the chosen agents" not in viewer.get(PAGE).content.decode()
    for path in (PAGE + "redeploy/", rollout + "advance/", rollout + "retry/", rollout + "stop/"):
        assert post(viewer, path, {"all": "1"}).status_code == 403, path


def test_a_deploy_nobody_followed_is_concluded_by_audit_reconcile(editor, demo):
    """The page was closed once the deploys were sent: audit_reconcile reads the agents."""
    settle_the_set(demo)
    demo.fail_next_deploys(1, agent="voice-prod")
    advance(editor, start(editor, all="1"))
    land(demo)
    out = StringIO()

    call_command("audit_reconcile", older_than=0, stdout=out)

    attempts = [e for e in events(actions.AGENT_REDEPLOY) if e.outcome == "attempted"]
    last = {a.target: AuditEvent.objects.filter(attempt=a).latest("sequence") for a in attempts}
    assert (last["voice-prod"].outcome, last["voice-prod-canary"].outcome) == (
        "failed",
        "succeeded",
    )
    assert all(e.error_code == "reconciled" and e.target_id for e in last.values())
    # Its page, opened again, records nothing twice.
    advance(editor, f"/rollouts/{the_rollout().pk}/")
    assert AuditEvent.objects.filter(attempt__in=attempts).count() == 4


def test_a_deploy_whose_answer_was_lost_is_looked_for_never_sent_twice(editor, demo):
    settle_the_set(demo)
    fail_next(demo, "update_agent", 502, after_effect=True)  # made, then the answer lost
    fail_next(demo, "update_agent", 500)  # not made
    rollout = start(editor, all="1")

    shown = advance(editor, rollout)

    assert demo.calls("update_agent") == 2
    made, lost = the_rollout().steps.all()
    assert (made.state, lost.state) == ("sent", "failed")
    assert made.upstream_id == demo.agents.get(PIPECAT_ORG, "voice-prod").desired.id
    assert "has appeared since: it is followed" in shown
    assert "No new deployment has appeared since: retry to send it again" in shown
    land(demo)
    advance(editor, rollout)
    attempt = AuditEvent.objects.get(sequence=made.attempt)
    ended = AuditEvent.objects.filter(attempt=attempt).order_by("sequence")
    # The attempt names the deployment it replaces; the answer lost names no other.
    assert attempt.target_id not in ("", made.upstream_id)
    assert [(o.outcome, o.target_id) for o in ended] == [
        ("unknown", attempt.target_id),
        ("succeeded", made.upstream_id),
    ]


def test_an_agent_bound_elsewhere_since_the_start_is_not_redeployed(editor, demo):
    settle_the_set(demo)
    rollout = start(editor, all="1")
    demo.agents.update(PIPECAT_ORG, "voice-prod", {"secretSet": "staging-voice-agent"})
    cache.clear()

    shown = advance(editor, rollout)

    assert "Agent voice-prod no longer uses set prod-voice-agent: nothing was sent." in shown
    assert states(the_rollout()) == ["failed", "sent"]
    assert demo.calls("update_agent") == 1


def crash_while_sending(rollout: Rollout, step) -> AuditEvent:
    """As a request that ended during the step's POST leaves it: its attempt recorded (naming
    the deployment the agent had), held by the step, with no outcome."""
    before = demo_agent(step.target)
    attempt = audit.attempt(
        audit.Actor.system("crashed"),
        action=actions.AGENT_REDEPLOY,
        subject=audit.Subject("pipecat", "prod", before.region, step.target, before.deployment_id),
        operation=rollout.operation,
    )
    step.attempt = attempt.sequence
    step.save()
    return attempt


def demo_agent(name: str):
    return selectors.agent("prod", name, fresh=True)


def test_a_send_cut_short_is_looked_for_before_it_is_sent_again(editor, demo):
    """A request that ended while sending (a crash) left its steps waiting with their attempts:
    a deployment made since is followed, never made twice; none, and the deploy is sent."""
    settle_the_set(demo)
    rollout = start(editor, all="1")
    found = the_rollout()
    for step in found.steps.all():
        crash_while_sending(found, step)
    demo.agents.update(PIPECAT_ORG, "voice-prod", {"forceRedeploy": True})  # it went out

    shown = advance(editor, rollout)

    went, not_sent = found.steps.all()
    assert (went.state, not_sent.state) == ("sent", "sent")
    assert went.upstream_id == demo.agents.get(PIPECAT_ORG, "voice-prod").desired.id
    assert "was made since: it is followed" in shown
    assert demo.calls("update_agent") == 1  # only the one that had not gone out
    cut_short = AuditEvent.objects.filter(attempt__actor_username="crashed").order_by("sequence")
    assert sorted((e.target, e.outcome, e.error_code) for e in cut_short) == [
        ("voice-prod", "unknown", "deploying"),
        ("voice-prod-canary", "failed", "not_sent"),
    ]


def test_following_costs_one_read_per_agent_per_interval_however_many_pages(editor, viewer, demo):
    settle_the_set(demo)
    rollout = start(editor, all="1")
    advance(editor, rollout)
    next_interval(demo, 1)
    before, started = demo.calls("get_agent"), time.monotonic()

    for _ in range(5):
        assert viewer.get(rollout).status_code == 200
        advance(editor, rollout)

    intervals = math.ceil((time.monotonic() - started) / settings.PIPECAT_POLL_SECONDS)
    assert 2 <= demo.calls("get_agent") - before <= 2 * intervals  # one per agent and interval


def test_a_deploy_accepted_before_the_step_was_saved_is_followed_not_sent_again(editor, demo):
    """The worker died once the deploy's acceptance was recorded, before its step was saved."""
    settle_the_set(demo)
    rollout = start(editor, agent="voice-prod")
    advance(editor, rollout)
    step = the_rollout().steps.get()
    deployment = step.upstream_id
    Rollout.objects.get().steps.update(state="waiting", upstream_id="", message="")

    advance(editor, rollout)

    assert demo.calls("update_agent") == 1
    step.refresh_from_db()
    assert (step.state, step.upstream_id) == ("sent", deployment)


def test_a_send_reconciled_as_gone_out_is_followed_not_sent_again(editor, demo):
    """The page closed during the POST; audit_reconcile saw the agent's new deployment."""
    settle_the_set(demo)
    rollout = start(editor, agent="voice-prod")
    found = the_rollout()
    attempt = crash_while_sending(found, found.steps.get())
    demo.agents.update(PIPECAT_ORG, "voice-prod", {"forceRedeploy": True})  # it went out
    call_command("audit_reconcile", older_than=0, stdout=StringIO())
    deployment = demo.agents.get(PIPECAT_ORG, "voice-prod").desired.id
    assert AuditEvent.objects.get(attempt=attempt).target_id == deployment

    advance(editor, rollout)

    assert demo.calls("update_agent") == 0
    assert the_rollout().steps.get().upstream_id == deployment


def test_a_retry_after_a_lost_answer_looks_before_sending_again(editor, demo):
    """A deploy whose answer was lost landed only after the look that followed it."""
    settle_the_set(demo)
    fail_next(demo, "update_agent", 500)
    rollout = start(editor, agent="voice-prod")
    advance(editor, rollout)
    assert states(the_rollout()) == ["failed"]
    demo.agents.update(PIPECAT_ORG, "voice-prod", {"forceRedeploy": True})  # it landed late
    late = demo.agents.get(PIPECAT_ORG, "voice-prod").desired.id

    assert post(editor, rollout + "retry/").status_code == 302
    advance(editor, rollout)

    assert demo.calls("update_agent") == 1
    step = the_rollout().steps.get()
    assert (step.state, step.upstream_id) == ("sent", late)


def test_a_retry_after_a_refusal_sends_again(editor, demo):
    settle_the_set(demo)
    fail_next(demo, "update_agent", 400)
    rollout = start(editor, agent="voice-prod")
    advance(editor, rollout)
    assert post(editor, rollout + "retry/").status_code == 302

    advance(editor, rollout)

    assert demo.calls("update_agent") == 2
    assert states(the_rollout()) == ["sent"]


@pytest.mark.parametrize("behind", [3600, -3600])
def test_whether_a_send_went_out_does_not_hang_on_either_clock(editor, demo, behind):
    """Pipecat Cloud's clock an hour behind ours (or ahead): ids tell, not times."""
    demo.agents._epoch -= behind
    settle_the_set(demo)
    rollout = start(editor, all="1")
    found = the_rollout()
    went, not_sent = found.steps.all()
    crash_while_sending(found, went)
    crash_while_sending(found, not_sent)
    demo.agents.update(PIPECAT_ORG, "voice-prod", {"forceRedeploy": True})  # it went out

    advance(editor, rollout)

    assert demo.calls("update_agent") == 1  # only voice-prod-canary's, which had not gone out
    assert states(the_rollout()) == ["sent", "sent"]
    assert the_rollout().steps.get(target="voice-prod").upstream_id == (
        demo.agents.get(PIPECAT_ORG, "voice-prod").desired.id
    )


@pytest.mark.parametrize("behind", [3600, -3600])
def test_audit_reconcile_tells_a_send_by_ids_not_clocks(editor, demo, behind):
    demo.agents._epoch -= behind
    settle_the_set(demo)
    start(editor, all="1")
    found = the_rollout()
    went, not_sent = found.steps.all()
    attempts = [crash_while_sending(found, went), crash_while_sending(found, not_sent)]
    demo.agents.update(PIPECAT_ORG, "voice-prod", {"forceRedeploy": True})  # it went out

    call_command("audit_reconcile", older_than=0, stdout=StringIO())

    ended = [AuditEvent.objects.get(attempt=attempt) for attempt in attempts]
    assert [e.outcome for e in ended] == ["unknown", "failed"]
    assert ended[0].target_id == demo.agents.get(PIPECAT_ORG, "voice-prod").desired.id


def test_a_large_redeploy_sends_what_each_poll_has_time_for_and_the_rest_next(
    editor, demo, settings, monkeypatch
):
    """Each POST takes a while and the page's deadline is short: a poll sends what fits, no
    deploy is cut short or refused unasked, and the next polls send the rest, each once."""
    for i in range(6):
        config = Config("acme/x:1", SET, None, min_agents=1, max_agents=2)
        demo.agents.add(PIPECAT_ORG, f"bulk-{i}", "us-west", config, demo.clock.now())
    settle_the_set(demo)
    settings.PROVIDER_DEADLINE_SECONDS = 1.0
    monkeypatch.setattr(demo.clock, "sleep", time.sleep)  # the emulator's delays take real time
    fail_next(demo, "update_agent", None, times=100, delay=0.3)
    rollout = start(editor, all="1")

    shown = advance(editor, rollout)

    first = demo.calls("update_agent")
    assert 1 <= first < 8
    assert "Waiting: sent at the next poll" in shown
    for _ in range(8):
        advance(editor, rollout)
    assert demo.calls("update_agent") == 8
    assert set(states(the_rollout())) == {"sent"}
    outcomes = [e.outcome for e in events(actions.AGENT_REDEPLOY)]
    assert outcomes.count("attempted") == 8
    assert "failed" not in outcomes


def test_each_step_is_recorded_in_its_agents_region(editor, demo):
    config = Config("acme/x:1", SET, None, min_agents=1, max_agents=2)
    demo.agents.add(PIPECAT_ORG, "voice-eu", "eu-central", config, demo.clock.now())
    settle_the_set(demo)
    rollout = start(editor, agent=["voice-prod", "voice-eu"])
    advance(editor, rollout)

    attempts = [e for e in events(actions.AGENT_REDEPLOY) if e.outcome == "attempted"]
    assert sorted((e.target, e.region) for e in attempts) == [
        ("voice-eu", "eu-central"),
        ("voice-prod", "us-west"),
    ]
    (operation,) = [e for e in operation_events() if e.outcome == "attempted"]
    assert operation.region == ""  # its agents are in two regions


def test_the_operations_page_says_what_its_steps_wait_for_from_its_first_load(editor, demo):
    change_a_key(editor)
    rollout = start(editor, all="1")

    shown = text(editor.get(rollout).content.decode())

    assert shown.count("Waiting for set prod-voice-agent to be ready (it is pending)") == 2
    settle_the_set(demo)
    assert "Waiting: sent at the next poll" in text(editor.get(rollout).content.decode())
    assert demo.calls("update_agent") == 0


def test_a_409_in_other_words_sets_the_step_waiting(editor, demo):
    settle_the_set(demo)
    fail_next(demo, "update_agent", 409, message="Conflict")
    rollout = start(editor, agent="voice-prod")

    shown = advance(editor, rollout)

    assert "A set it binds turned pending meanwhile" in shown
    assert states(the_rollout()) == ["waiting"]
    advance(editor, rollout)
    assert states(the_rollout()) == ["sent"]


def test_a_404_is_told_apart_by_reading_the_agent_not_by_its_words(editor, demo):
    settle_the_set(demo)
    rollout = start(editor, all="1")
    selectors.list_agents("prod")  # listed (shared) before voice-prod is deleted
    demo.agents.delete(PIPECAT_ORG, "voice-prod")
    fail_next(demo, "update_agent", 404, message="Secret set not found")
    fail_next(demo, "update_agent", 404, message="Service not found")

    shown = advance(editor, rollout)

    assert states(the_rollout()) == ["failed", "failed"]
    assert "Agent voice-prod no longer exists: nothing was deployed." in shown
    assert "A set agent voice-prod-canary binds (prod-voice-agent) is gone" in shown


def test_a_send_cut_short_whose_attempt_names_no_deployment_waits_for_a_person(editor, demo):
    """An attempt recorded without the deployment it replaced cannot be told apart."""
    settle_the_set(demo)
    rollout = start(editor, agent="voice-prod")
    found = the_rollout()
    step = found.steps.get()
    step.attempt = audit.attempt(
        audit.Actor.system("crashed"),
        action=actions.AGENT_REDEPLOY,
        subject=audit.Subject("pipecat", "prod", "us-west", step.target),
        operation=found.operation,
    ).sequence
    step.save()

    shown = advance(editor, rollout)

    assert "Whether its deploy went out cannot be told" in shown
    assert (states(the_rollout()), demo.calls("update_agent")) == (["failed"], 0)
    assert post(editor, rollout + "retry/").status_code == 302
    advance(editor, rollout)
    assert (states(the_rollout()), demo.calls("update_agent")) == (["sent"], 1)
