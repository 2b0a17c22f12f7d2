"""Replacing a certificate: the listeners and pools that will switch, the new certificate picked
or uploaded, each switch one task followed and checked, resumed from the operation's page after a
failed task or a closed tab, and the whole told in the audit log as one story."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from emulators.faults import Fault
from secretsadmin.accounts.roles import Role
from secretsadmin.audit.models import AuditEvent
from secretsadmin.core import once
from secretsadmin.gcore import actions, replacements
from secretsadmin.rollouts.models import Rollout
from tests.conftest import at_once
from tests.fixtures.certificates import make_chain
from tests.fixtures.gcore import PROJECT_ID, REGION_ID, new_app
from tests.fixtures.personas import client_for, make_user
from tests.gcore.changes.conftest import finish
from tests.gcore.test_secret_page import text
from tests.pipecat.conftest import Elements, post, token_of

pytestmark = pytest.mark.django_db
TASK_FAILURE = "Load balancer web-lb is in ERROR state"


@pytest.fixture
def gcore_app(gcore_clock):
    """The emulator with Gcore's wall clock ours, as it is for real: an upload whose task Gcore
    forgot is found by the creation time of its certificate."""
    app = new_app(gcore_clock, wall_clock=lambda: datetime.now(UTC))
    yield app
    app.reset()


@pytest.fixture
def certs(gcore):
    """The old certificate www-2025, used by listener https (default and SNI, between another's
    SNI), listener api (SNI) and pool backends (CA); www-2026 in the region to replace it."""
    now = timezone.now()
    old = gcore.add_secret(PROJECT_ID, REGION_ID, "www-2025", "certificate", b"old")
    new = gcore.add_secret(
        PROJECT_ID, REGION_ID, "www-2026", "certificate", b"new", expiration=now + timedelta(90)
    )
    other = gcore.add_secret(PROJECT_ID, REGION_ID, "shop", "certificate", b"shop")
    gcore.add_secret(
        PROJECT_ID, REGION_ID, "www-2024", "certificate", b"x", expiration=now - timedelta(1)
    )
    balancer = gcore.add_load_balancer(PROJECT_ID, REGION_ID, "web-lb")
    https = gcore.add_listener(
        balancer,
        "https",
        "TERMINATED_HTTPS",
        443,
        secret_id=old.id,
        sni_secret_ids=[other.id, old.id],
    )
    api = gcore.add_listener(
        balancer, "api", "TERMINATED_HTTPS", 8443, secret_id=other.id, sni_secret_ids=[old.id]
    )
    pool = gcore.add_pool(https, "backends", "HTTPS", ca_secret_id=old.id)
    return {
        "app": gcore,
        **{"old": old, "new": new, "other": other, "https": https, "api": api, "pool": pool},
    }


def page_of(secret) -> str:
    return f"/gcore/prod/{REGION_ID}/{secret.id}/"


def start_by_pick(editor, certs, **extra):
    return post(
        editor,
        f"{page_of(certs['old'])}replace/",
        {"source": "pick", "pick-replacement": certs["new"].id, "pick-reason": "renewed", **extra},
    )


def rollout_path(response) -> str:
    assert response.status_code == 302, response.content[:500]
    assert response["Location"].startswith("/rollouts/")
    return response["Location"]


def advance(editor, path: str):
    """One poll of an editor's open page (htmx posts it)."""
    return post(editor, f"{path}advance/", HTTP_HX_REQUEST="true")


def states(rollout: Rollout) -> list[str]:
    return [step.state for step in rollout.steps.all()]


def run(editor, gcore, path: str, *, polls: int = 12):
    """Polls as an open page does, each poll a task's time later, until nothing moves."""
    for _ in range(polls):
        response = advance(editor, path)
        if response.status_code == 286:
            return response
        finish(gcore)
    raise AssertionError("the replacement never stopped moving")


def the_rollout() -> Rollout:
    return Rollout.objects.get()


def test_the_preview_lists_what_will_switch_and_offers_the_region_s_certificates(editor, certs):
    page = editor.get(f"{page_of(certs['old'])}replace/")

    assert page.status_code == 200
    shown = text(page.content.decode())
    rows = Elements(page.content.decode()).all("tr")
    switching = [" ".join(row["text"].split()) for row in rows[1:]]
    assert switching == [
        "web-lb Listener https TERMINATED_HTTPS 443 default certificate",
        "web-lb Listener https TERMINATED_HTTPS 443 SNI certificate",
        "web-lb Listener api TERMINATED_HTTPS 8443 SNI certificate",
        "web-lb Pool backends HTTPS 443 CA",
    ]
    options = [o["value"] for o in Elements(page.content.decode()).all("option")]
    # Not the old one, not the expired one.
    assert options == [certs["other"].id, certs["new"].id]
    assert "Upload and switch" in shown
    # The upload form carries the old certificate's region: a browser sends it as it is.
    [region] = Elements(page.content.decode()).all("input", name="region")
    assert region["value"] == str(REGION_ID)


def test_the_secret_page_offers_replace_to_editors_only_and_links_a_running_one(
    editor, viewer, certs
):
    replace = f"{page_of(certs['old'])}replace/"
    assert replace in editor.get(page_of(certs["old"])).content.decode()
    assert replace not in viewer.get(page_of(certs["old"])).content.decode()

    path = rollout_path(start_by_pick(editor, certs))

    for person in (editor, viewer):
        shown = person.get(page_of(certs["old"])).content.decode()
        assert path in shown and "eddie is replacing this certificate by www-2026" in text(shown)
    # Opening the start page again leads to the one running.
    assert editor.get(replace)["Location"] == path


def test_a_full_replacement_switches_every_use_one_at_a_time_and_offers_the_delete(
    editor, gcore, certs
):
    path = rollout_path(start_by_pick(editor, certs))
    rollout = the_rollout()
    assert (rollout.subject_name, rollout.replacement_name) == ("www-2025", "www-2026")
    assert [(s.target_name, s.kind, s.role) for s in rollout.steps.all()] == [
        ("web-lb / https", "listener", "default certificate"),
        ("web-lb / https", "listener", "SNI certificate"),
        ("web-lb / api", "listener", "SNI certificate"),
        ("web-lb / backends", "pool", "CA"),
    ]
    page = editor.get(path)
    assert "Replace certificate www-2025 by www-2026" in text(page.content.decode())

    first = advance(editor, path)
    assert states(rollout) == ["sent", "waiting", "waiting", "waiting"]
    assert Elements(first.text).one("tr", id="step-0")["data-state"] == "sent"
    advance(editor, path)  # the task still runs: nothing more is sent
    assert gcore.calls("update_listener") == 1

    done = run(editor, gcore, path)

    assert states(rollout) == ["done"] * 4
    assert gcore.calls("update_listener") == 3 and gcore.calls("update_pool") == 1
    old, new, other = certs["old"].id, certs["new"].id, certs["other"].id
    https = gcore.listener(certs["https"].id)
    assert (https.secret_id, https.sni_secret_id) == (new, [other, new])
    api = gcore.listener(certs["api"].id)
    assert (api.secret_id, api.sni_secret_id) == (other, [new])
    assert gcore.pool(certs["pool"].id).ca_secret_id == new
    rollout.refresh_from_db()
    assert rollout.state == "done"
    delete = Elements(done.text).one("a", href=f"{page_of(certs['old'])}delete/")
    assert delete["text"] == "Delete www-2025"
    assert old not in {https.secret_id, *https.sni_secret_id, *api.sni_secret_id}
    # The old one's page knows at once that nothing uses it: its delete is offered.
    shown = text(editor.get(page_of(certs["old"])).content.decode())
    assert "Nothing in this region uses it" in shown


def test_each_switch_sends_only_what_changes(editor, gcore, certs):
    path = rollout_path(start_by_pick(editor, certs))
    run(editor, gcore, path)

    bodies = [task.data for task in gcore.store.tasks() if task.task_type.startswith("update")]
    old, new, other = certs["old"].id, certs["new"].id, certs["other"].id
    assert bodies == [
        {"secret_id": new},
        {"sni_secret_id": [other, new]},
        {"sni_secret_id": [new]},
        {"ca_secret_id": new},
    ]
    assert old not in str(bodies)


def test_the_audit_log_tells_the_operation_and_its_steps(editor, auditor, gcore, certs):
    path = rollout_path(start_by_pick(editor, certs))
    run(editor, gcore, path)
    rollout = the_rollout()

    old, new = certs["old"], certs["new"]
    replacing = f"Replacing certificate www-2025 ({old.id}) by www-2026 ({new.id})."
    operation = AuditEvent.objects.get(sequence=rollout.operation)
    assert (operation.action, operation.target, operation.target_id, operation.reason) == (
        actions.CERTIFICATE_REPLACE,
        "www-2025",
        old.id,
        f"{replacing}\nrenewed",
    )
    running, ended = AuditEvent.objects.filter(attempt=operation).order_by("sequence")
    assert (running.error_code, ended.outcome) == ("operation_running", "succeeded")
    steps = AuditEvent.objects.filter(operation_id=operation.sequence, outcome="attempted")
    # Each switch names its load balancer, and which certificate replaces which.
    assert [(e.action, e.target, e.target_id) for e in steps.order_by("sequence")] == [
        (actions.LISTENER_UPDATE, "web-lb / https", certs["https"].id),
        (actions.LISTENER_UPDATE, "web-lb / https", certs["https"].id),
        (actions.LISTENER_UPDATE, "web-lb / api", certs["api"].id),
        (actions.POOL_UPDATE, "web-lb / backends", certs["pool"].id),
    ]
    assert {e.reason for e in steps} == {f"{replacing}\nrenewed"}
    for attempt, step in zip(steps.order_by("sequence"), rollout.steps.all(), strict=True):
        outcomes = list(AuditEvent.objects.filter(attempt=attempt).order_by("sequence"))
        assert [o.outcome for o in outcomes] == ["unknown", "succeeded"]
        assert {o.operation_id for o in outcomes} == {operation.sequence}
        assert step.upstream_id in outcomes[0].error_message  # the task id, as Gcore accepted it
        assert step.attempt == attempt.sequence
    # The audit page of the operation shows its steps.
    detail = auditor.get(f"/audit/{operation.sequence}/").content.decode()
    assert "gcore.listener.update" in detail and "backends" in detail


def test_a_switch_whose_task_errors_fails_its_step_and_retry_succeeds(editor, gcore, certs):
    gcore.fail_next_task(message=TASK_FAILURE, task_type="update_lblistener")
    path = rollout_path(start_by_pick(editor, certs))
    advance(editor, path)
    finish(gcore)

    failed = advance(editor, path)

    rollout = the_rollout()
    step = rollout.steps.get(position=0)
    assert step.state == "failed" and step.message == TASK_FAILURE
    row = Elements(failed.text).one("tr", id="step-0")
    assert TASK_FAILURE in row["text"] and step.upstream_id in row["text"]
    attempt = AuditEvent.objects.get(sequence=step.attempt)
    outcome = AuditEvent.objects.filter(attempt=attempt).order_by("-sequence").first()
    assert (outcome.outcome, outcome.error_message) == ("failed", TASK_FAILURE)
    assert gcore.listener(certs["https"].id).secret_id == certs["old"].id  # unchanged
    # The others went on, one at a time.
    run(editor, gcore, path)
    assert states(rollout) == ["failed", "done", "done", "done"]
    shown = text(editor.get(path).content.decode())
    assert "Retry the failed step" in shown

    retried = post(editor, f"{path}retry/")
    assert retried.status_code == 302
    run(editor, gcore, path)

    assert states(rollout) == ["done"] * 4
    assert gcore.listener(certs["https"].id).secret_id == certs["new"].id
    rollout.refresh_from_db()
    assert rollout.state == "done"


def test_a_sent_step_whose_audit_record_is_missing_fails_saying_so(editor, gcore, certs):
    path = rollout_path(start_by_pick(editor, certs))
    advance(editor, path)
    rollout = the_rollout()
    # Only a hand in the database takes an attempt away: what it names is then not there.
    rollout.steps.filter(position=0).update(attempt=AuditEvent.objects.count() + 100)
    finish(gcore)

    shown = advance(editor, path)

    assert shown.status_code != 500
    step = rollout.steps.get(position=0)
    assert step.state == "failed"
    row = Elements(shown.text).one("tr", id="step-0")
    assert "Its audit record is missing" in row["text"]


def test_a_closed_tab_leaves_it_to_resume_when_an_editor_opens_its_page(
    editor, viewer, gcore, certs
):
    path = rollout_path(start_by_pick(editor, certs))
    advance(editor, path)  # the tab is closed with the first switch sent
    finish(gcore)

    # A viewer following it concludes what finished, but sends nothing.
    followed = viewer.get(path)
    rollout = the_rollout()
    assert states(rollout) == ["done", "waiting", "waiting", "waiting"]
    assert gcore.calls("update_listener") == 1
    assert "An editor's page carries it on" in text(followed.content.decode())

    # Another editor, a new page, after a restart: all it needs is in the database.
    cache.clear()
    page = editor.get(path)
    section = Elements(page.content.decode()).one("section", id="rollout-progress")
    assert section["hx-post"] == f"{path}advance/"
    run(editor, gcore, path)
    assert states(rollout) == ["done"] * 4


def switch_attempts() -> int:
    return AuditEvent.objects.filter(action=actions.LISTENER_UPDATE, outcome="attempted").count()


def test_a_busy_listener_is_waited_for_without_sending(editor, gcore, gcore_client, certs):
    path = rollout_path(start_by_pick(editor, certs))
    # Another tool updates the listener first: it is PENDING_UPDATE until that task ends.
    gcore_client.patch(
        f"/cloud/v2/lblisteners/{PROJECT_ID}/{REGION_ID}/{certs['https'].id}",
        json={"name": "https"},
    ).raise_for_status()

    advance(editor, path)
    advance(editor, path)

    step = the_rollout().steps.get(position=0)
    assert step.state == "waiting"
    assert "busy with the listener https (PENDING_UPDATE)" in step.message
    assert gcore.calls("update_listener") == 1 and switch_attempts() == 0  # nothing sent
    finish(gcore)
    run(editor, gcore, path)
    assert states(the_rollout()) == ["done"] * 4


def test_a_load_balancer_busy_with_another_listener_is_waited_for(
    editor, gcore, gcore_client, certs
):
    path = rollout_path(start_by_pick(editor, certs))
    # Octavia locks the whole load balancer while it updates one of its listeners.
    gcore_client.patch(
        f"/cloud/v2/lblisteners/{PROJECT_ID}/{REGION_ID}/{certs['api'].id}",
        json={"name": "api"},
    ).raise_for_status()

    advance(editor, path)

    step = the_rollout().steps.get(position=0)
    assert step.state == "waiting"
    assert "busy with the load balancer web-lb (PENDING_UPDATE)" in step.message
    assert switch_attempts() == 0
    finish(gcore)
    run(editor, gcore, path)
    assert states(the_rollout()) == ["done"] * 4


def test_a_409_met_anyway_leaves_the_step_waiting_and_sends_it_again_later(
    editor, gcore, certs, monkeypatch
):
    path = rollout_path(start_by_pick(editor, certs))
    # Locked between the read and the PATCH (by another tool): Gcore answers 409.
    gcore.faults.add(Fault("update_listener", status=409, times=1))

    advance(editor, path)

    step = the_rollout().steps.get(position=0)
    assert step.state == "waiting" and replacements.SENT_AGAIN in step.message
    advance(editor, path)  # sent again only a while later
    assert switch_attempts() == 1
    monkeypatch.setattr(replacements, "BUSY_WAIT", timedelta(0))
    run(editor, gcore, path, polls=20)
    assert states(the_rollout()) == ["done"] * 4
    assert switch_attempts() == 4  # the 409, then one per listener's switch


@pytest.mark.django_db(transaction=True)
def test_two_starts_at_once_start_one(certs):
    people = [client_for(make_user(name, Role.EDITOR)) for name in ("edna", "erin")]
    forms = [
        {
            "csrfmiddlewaretoken": token_of(person),
            once.FIELD: once.issue(),
            "source": "pick",
            "pick-replacement": certs["new"].id,
        }
        for person in people
    ]
    queue = list(zip(people, forms, strict=True))

    def start() -> str:
        person, form = queue.pop()
        return person.post(f"{page_of(certs['old'])}replace/", form)["Location"]

    [first, second] = at_once(start, 2)

    assert first == second  # both land on the one running
    assert Rollout.objects.count() == 1
    refused = AuditEvent.objects.filter(action=actions.CERTIFICATE_REPLACE).exclude(
        outcome="attempted"
    )
    assert sorted(e.error_code for e in refused) == ["already_running", "operation_running"]


def test_a_second_start_is_refused_and_leads_to_the_running_one(editor, certs):
    path = rollout_path(start_by_pick(editor, certs))

    # A page opened before the first start, sent after it.
    again = start_by_pick(editor, certs)

    assert again["Location"] == path
    assert Rollout.objects.count() == 1


def test_viewers_cannot_start_or_advance_but_can_follow(editor, viewer, gcore, certs):
    assert viewer.get(f"{page_of(certs['old'])}replace/").status_code == 403
    assert start_by_pick(viewer, certs).status_code == 403
    path = rollout_path(start_by_pick(editor, certs))

    assert advance(viewer, path).status_code == 403
    assert post(viewer, f"{path}retry/").status_code == 403
    page = viewer.get(path)
    assert page.status_code == 200
    assert "hx-post" not in Elements(page.content.decode()).one("section", id="rollout-progress")
    assert gcore.calls("update_listener") == 0


def test_only_a_certificate_of_the_region_not_expired_and_not_itself_replaces(editor, gcore, certs):
    expired = next(s for s in gcore.secrets(PROJECT_ID, REGION_ID) if s.name == "www-2024")
    for wrong in (certs["old"].id, expired.id):
        response = start_by_pick(editor, certs, **{"pick-replacement": wrong})
        assert response.status_code == 400
    assert Rollout.objects.count() == 0


CHAIN = make_chain("www.example.test")


def upload(editor, certs, **fields):
    data = {
        "source": "upload",
        "region": str(REGION_ID),
        "name": "www-2026-uploaded",
        "certificate": CHAIN.leaf.cert_pem,
        "certificate_chain": CHAIN.chain_pem,
        "private_key": CHAIN.leaf.key_pem,
        "reason": "renewed",
        **fields,
    }
    return post(editor, f"{page_of(certs['old'])}replace/", data)


def test_a_replacement_by_upload_creates_it_first_then_switches(editor, gcore, certs):
    path = rollout_path(upload(editor, certs))
    rollout = the_rollout()
    upload_step = rollout.steps.get(position=0)
    assert (upload_step.kind, upload_step.state) == ("certificate", "sent")
    create = AuditEvent.objects.get(action=actions.CERTIFICATE_CREATE, outcome="attempted")
    # Sent before the operation started (a refusal then starts nothing): each names the other.
    operation = AuditEvent.objects.get(sequence=rollout.operation)
    assert create.sequence < operation.sequence
    assert (
        create.reason == f"Uploaded to replace certificate www-2025 ({certs['old'].id}).\nrenewed"
    )
    assert operation.reason == (
        f"Replacing certificate www-2025 ({certs['old'].id}) by www-2026-uploaded, uploaded by "
        f"change #{create.sequence}.\nrenewed"
    )
    assert "Replace certificate www-2025 by www-2026-uploaded" in text(editor.get(path).text)

    run(editor, gcore, path)

    rollout.refresh_from_db()
    [made] = gcore.secret_named(PROJECT_ID, REGION_ID, "www-2026-uploaded")
    assert rollout.replacement == made.id and rollout.state == "done"
    assert states(rollout) == ["done"] * 5
    assert gcore.listener(certs["https"].id).secret_id == made.id
    outcomes = AuditEvent.objects.filter(attempt=create).order_by("sequence")
    assert [(o.outcome, o.target_id) for o in outcomes] == [("unknown", ""), ("succeeded", made.id)]
    # The switches name the certificate uploaded, by its id once made.
    switch = AuditEvent.objects.filter(action=actions.LISTENER_UPDATE, outcome="attempted").first()
    assert switch.reason == (
        f"Replacing certificate www-2025 ({certs['old'].id}) by www-2026-uploaded ({made.id})."
        "\nrenewed"
    )


def test_an_upload_is_checked_as_on_create(editor, gcore, certs):
    other = make_chain("other.example.test")

    response = upload(editor, certs, private_key=other.leaf.key_pem)

    assert response.status_code == 400
    assert gcore.calls("create_tls_secret") == 0 and Rollout.objects.count() == 0


def test_an_upload_whose_task_errors_fails_the_switches_and_can_be_stopped(editor, gcore, certs):
    gcore.fail_next_task(message="Secret store quota exceeded")
    path = rollout_path(upload(editor, certs))
    finish(gcore)

    page = advance(editor, path)

    rollout = the_rollout()
    assert states(rollout) == ["failed"] * 5
    assert rollout.steps.get(position=0).message == "Secret store quota exceeded"
    assert page.status_code == 286  # nothing moves: Retry and Stop are offered
    assert "Stop here" in text(page.text)
    assert gcore.calls("update_listener") == 0

    post(editor, f"{path}stop/")

    rollout.refresh_from_db()
    assert rollout.state == "abandoned"
    ended = AuditEvent.objects.filter(attempt_id=rollout.operation).latest("sequence")
    assert ended.outcome == "failed" and "Secret store quota exceeded" in ended.error_message


def test_a_use_switched_meanwhile_by_another_tool_is_done_without_sending(
    editor, gcore, gcore_client, certs
):
    path = rollout_path(start_by_pick(editor, certs))
    gcore_client.patch(
        f"/cloud/v2/lblisteners/{PROJECT_ID}/{REGION_ID}/{certs['https'].id}",
        json={"secret_id": certs["new"].id},
    ).raise_for_status()
    finish(gcore)

    advance(editor, path)

    step = the_rollout().steps.get(position=0)
    assert (step.state, step.message) == (
        "done",
        "It used the new certificate already: nothing was sent.",
    )
    assert gcore.calls("update_listener") == 2  # the other tool's, then the next use's


def test_audit_reconcile_concludes_a_switch_from_its_task(editor, gcore, certs):
    path = rollout_path(start_by_pick(editor, certs))
    advance(editor, path)  # sent; nobody opens the page again
    finish(gcore)
    out = StringIO()

    call_command("audit_reconcile", older_than=0, stdout=out)

    step = the_rollout().steps.get(position=0)
    [ended] = AuditEvent.objects.filter(attempt_id=step.attempt, outcome="succeeded")
    assert ended.error_code == "reconciled" and ended.operation_id == the_rollout().operation
    # The page, opened later, still reads the listener back before calling it done.
    advance(editor, path)
    step.refresh_from_db()
    assert step.state == "done"
    assert AuditEvent.objects.filter(attempt_id=step.attempt).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_pages_polling_at_once_send_one_switch(certs):
    starter = client_for(make_user("edna", Role.EDITOR))
    path = rollout_path(start_by_pick(starter, certs))
    pages = [client_for(make_user(f"editor{n}", Role.EDITOR)) for n in range(4)]
    forms = [{"csrfmiddlewaretoken": token_of(page)} for page in pages]
    queue = list(zip(pages, forms, strict=True))

    def poll() -> str:
        page, form = queue.pop()
        return str(page.post(f"{path}advance/", form, HTTP_HX_REQUEST="true").status_code)

    assert at_once(poll, len(pages)) == ["200"] * len(pages)
    assert certs["app"].calls("update_listener") == 1
    assert states(the_rollout()) == ["sent", "waiting", "waiting", "waiting"]


def test_an_upload_refused_at_once_starts_nothing(editor, gcore, certs):
    gcore.faults.add(Fault("create_tls_secret", status=400, times=1))

    response = upload(editor, certs)

    assert response.status_code == 400
    assert "nothing was switched" in text(response.content.decode())
    assert Rollout.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith=actions.CERTIFICATE_REPLACE).exists()
    [refused] = AuditEvent.objects.filter(action=actions.CERTIFICATE_CREATE, outcome="failed")
    assert "Stopped by" not in refused.error_message


def test_an_upload_whose_task_gcore_forgot_is_found_by_name_and_the_switches_go_on(
    editor, gcore, certs
):
    path = rollout_path(upload(editor, certs))
    finish(gcore)
    step = the_rollout().steps.get(position=0)
    gcore.store.settle(gcore.clock.now())
    gcore.store._tasks.pop(step.upstream_id)  # Gcore purges old tasks

    advance(editor, path)

    [made] = gcore.secret_named(PROJECT_ID, REGION_ID, "www-2026-uploaded")
    rollout = the_rollout()
    step.refresh_from_db()
    assert (step.state, rollout.replacement) == ("done", made.id), step.message
    assert "found in the region" in step.message
    ended = AuditEvent.objects.filter(attempt_id=step.attempt).latest("sequence")
    assert (ended.outcome, ended.target_id) == ("succeeded", made.id)
    run(editor, gcore, path)
    assert states(the_rollout()) == ["done"] * 5
    assert gcore.calls("create_tls_secret") == 1


def test_an_upload_whose_step_was_not_saved_follows_its_task(editor, gcore, certs):
    path = rollout_path(upload(editor, certs))
    # As if the request died after the upload was accepted, before its step was saved.
    the_rollout().steps.filter(position=0).update(state="waiting", upstream_id="", attempt=None)

    run(editor, gcore, path)

    assert states(the_rollout()) == ["done"] * 5
    assert gcore.calls("create_tls_secret") == 1


def test_an_upload_gone_without_its_certificate_says_to_start_again(editor, gcore, certs):
    gcore.fail_next_task(message="Secret store quota exceeded")
    path = rollout_path(upload(editor, certs))
    step = the_rollout().steps.get(position=0)
    finish(gcore)
    gcore.store.settle(gcore.clock.now())
    gcore.store._tasks.pop(step.upstream_id)

    advance(editor, path)
    post(editor, f"{path}retry/")  # looks again; never sends the upload twice
    page = advance(editor, path)

    step.refresh_from_db()
    assert step.state == "failed"
    assert "No certificate named www-2026-uploaded was created" in step.message
    assert "start another with the certificate" in text(page.text)
    assert states(the_rollout()) == ["failed"] * 5
    assert gcore.calls("create_tls_secret") == 1 and gcore.calls("update_listener") == 0


def test_a_running_task_is_said_in_words(editor, gcore, certs):
    path = rollout_path(start_by_pick(editor, certs))
    advance(editor, path)
    gcore.clock.advance(1.5)  # past its queue: RUNNING
    cache.clear()

    page = advance(editor, path)

    row = Elements(page.text).one("tr", id="step-0")
    assert "Gcore Cloud is carrying it out (RUNNING)" in row["text"]


def test_the_start_page_says_plainly_that_the_names_are_not_checked(editor, certs):
    page = Elements(editor.get(f"{page_of(certs['old'])}replace/").content.decode())

    # Gcore gives no certificate's names: nobody may think they were compared.
    for warning in ("pick-names-unchecked", "upload-names-unchecked"):
        said = " ".join(page.one("p", id=warning)["text"].split())
        assert "Gcore Cloud does not give" in said and "www-2025" in said
        assert "is not checked" in said or "are all covered is not checked" in said


def test_an_upload_whose_replacement_another_started_meanwhile_says_it_was_uploaded(
    editor, gcore, certs, monkeypatch
):
    real = replacements.services.create_certificate

    def another_starts_meanwhile(*args, **kwargs):
        started = real(*args, **kwargs)
        start_by_pick(client_for(make_user("erin", Role.EDITOR)), certs)
        return started

    monkeypatch.setattr(replacements.services, "create_certificate", another_starts_meanwhile)

    response = upload(editor, certs)

    assert response.status_code == 400
    said = text(response.content.decode())
    assert "The certificate www-2026-uploaded was uploaded, but the replacement could not" in said
    assert "do not upload it again" in said
    assert Rollout.objects.get().started_by == "erin"
