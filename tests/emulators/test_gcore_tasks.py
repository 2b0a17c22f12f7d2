"""Task lifecycle on the manual clock: NEW, RUNNING, then FINISHED or ERROR."""

import base64

import pytest

from emulators.clock import ManualClock
from emulators.gcore import DEFAULT_TASK_ERROR
from tests.fixtures.gcore import PROJECT_ID, REGION_ID, TASK_QUEUE_SECONDS, TASK_RUN_SECONDS

SECRETS = f"/cloud/v1/secrets/{PROJECT_ID}/{REGION_ID}"
EPSILON = 0.01


def create(client, name: str = "db-password") -> str:
    body = {
        "name": name,
        "payload": base64.b64encode(b"hunter2").decode(),
        "payload_content_encoding": "base64",
        "payload_content_type": "application/octet-stream",
        "secret_type": "passphrase",
    }
    response = client.post(SECRETS, json=body)
    assert response.status_code == 200
    (task_id,) = response.json()["tasks"]
    return task_id


def task(client, task_id: str) -> dict:
    return client.get(f"/cloud/v1/tasks/{task_id}").json()


def test_a_task_moves_from_new_to_running_to_finished(gcore_client, gcore_clock: ManualClock):
    task_id = create(gcore_client)

    new = task(gcore_client, task_id)
    gcore_clock.advance(TASK_QUEUE_SECONDS - EPSILON)
    still_new = task(gcore_client, task_id)["state"]
    gcore_clock.advance(EPSILON)
    running = task(gcore_client, task_id)
    gcore_clock.advance(TASK_RUN_SECONDS - EPSILON)
    listed_while_running = gcore_client.get(SECRETS).json()["count"]
    gcore_clock.advance(EPSILON)
    finished = task(gcore_client, task_id)

    assert (new["state"], still_new, running["state"], finished["state"]) == (
        "NEW",
        "NEW",
        "RUNNING",
        "FINISHED",
    )
    assert listed_while_running == 0
    assert gcore_client.get(SECRETS).json()["count"] == 1
    assert new["created_resources"] is None and new["finished_on"] is None
    assert finished["created_resources"]["secrets"] == [
        gcore_client.get(SECRETS).json()["results"][0]["id"]
    ]


def test_a_task_documents_its_kind_scope_and_times(gcore_client, gcore_clock: ManualClock):
    task_id = create(gcore_client, "documented")
    gcore_clock.advance(TASK_QUEUE_SECONDS + TASK_RUN_SECONDS)

    body = task(gcore_client, task_id)

    assert body["id"] == task_id
    assert body["task_type"] == "create_secret"
    assert (body["project_id"], body["region_id"]) == (PROJECT_ID, REGION_ID)
    assert body["created_on"] == "2026-11-23T12:00:00+00:00"
    assert body["finished_on"] == "2026-11-23T12:00:03+00:00"
    assert body["error"] is None
    assert body["data"] == {"name": "documented", "secret_type": "passphrase"}
    assert isinstance(body["user_id"], int)


def test_a_failed_task_ends_in_error_with_its_message_and_creates_nothing(
    gcore_client, gcore_app, gcore_clock: ManualClock
):
    gcore_app.fail_next_task(message="Barbican is down")
    task_id = create(gcore_client)

    running = task(gcore_client, task_id)
    gcore_clock.advance(TASK_QUEUE_SECONDS + TASK_RUN_SECONDS)
    failed = task(gcore_client, task_id)

    assert running["error"] is None
    assert failed["state"] == "ERROR"
    assert failed["error"] == "Barbican is down"
    assert failed["created_resources"] is None
    assert gcore_client.get(SECRETS).json()["count"] == 0


def test_fail_next_task_counts_tasks_then_stops(gcore_client, gcore_app, gcore_clock: ManualClock):
    gcore_app.fail_next_task(n=2)
    task_ids = [create(gcore_client, f"s{i}") for i in range(3)]
    gcore_clock.advance(TASK_QUEUE_SECONDS + TASK_RUN_SECONDS)

    states = [task(gcore_client, t)["state"] for t in task_ids]

    assert states == ["ERROR", "ERROR", "FINISHED"]
    assert task(gcore_client, task_ids[0])["error"] == DEFAULT_TASK_ERROR
    assert [s["name"] for s in gcore_client.get(SECRETS).json()["results"]] == ["s2"]


def test_a_failed_delete_keeps_the_secret(gcore_client, gcore_app, gcore_clock: ManualClock):
    secret = gcore_app.add_secret(PROJECT_ID, REGION_ID, "keep", "opaque", b"x")
    gcore_app.fail_next_task()

    (task_id,) = gcore_client.delete(f"{SECRETS}/{secret.id}").json()["tasks"]
    gcore_clock.advance(TASK_QUEUE_SECONDS + TASK_RUN_SECONDS)

    assert task(gcore_client, task_id)["state"] == "ERROR"
    assert gcore_client.get(f"{SECRETS}/{secret.id}").status_code == 200


def test_a_second_delete_of_the_same_secret_ends_in_error(
    gcore_client, gcore_app, gcore_clock: ManualClock
):
    secret = gcore_app.add_secret(PROJECT_ID, REGION_ID, "twice", "opaque", b"x")

    (first,) = gcore_client.delete(f"{SECRETS}/{secret.id}").json()["tasks"]
    (second,) = gcore_client.delete(f"{SECRETS}/{secret.id}").json()["tasks"]
    gcore_clock.advance(TASK_QUEUE_SECONDS + TASK_RUN_SECONDS)

    assert task(gcore_client, first)["state"] == "FINISHED"
    assert task(gcore_client, second)["state"] == "ERROR"
    assert task(gcore_client, second)["error"] == f"Secret {secret.id} could not be found"


def test_task_failures_and_timing_are_reachable_through_the_control_api(
    gcore_client, gcore_clock: ManualClock
):
    failures = gcore_client.post(
        "/_emulator/gcore/task-failures", json={"count": 1, "message": "scripted"}
    )
    timing = gcore_client.post(
        "/_emulator/gcore/task-timing", json={"queue_seconds": 0, "run_seconds": 5}
    )
    failing, passing = create(gcore_client, "a"), create(gcore_client, "b")
    running = task(gcore_client, failing)["state"]
    gcore_clock.advance(5)

    assert (failures.status_code, timing.status_code) == (201, 200)
    assert running == "RUNNING"
    assert task(gcore_client, failing)["error"] == "scripted"
    assert task(gcore_client, passing)["state"] == "FINISHED"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/_emulator/gcore/task-failures", {"count": 0}),
        ("/_emulator/gcore/task-failures", {"count": "many"}),
        ("/_emulator/gcore/task-timing", {"queue_seconds": 1}),
        ("/_emulator/gcore/task-timing", {"queue_seconds": -1, "run_seconds": 1}),
    ],
)
def test_bad_control_requests_are_refused(gcore_client, path, body):
    assert gcore_client.post(path, json=body).status_code == 400


def test_zero_timing_finishes_tasks_within_the_request(gcore_client, gcore_app):
    gcore_app.set_task_timing(0, 0)

    task_id = create(gcore_client)

    assert task(gcore_client, task_id)["state"] == "FINISHED"
    assert gcore_client.get(SECRETS).json()["count"] == 1


def test_an_unknown_task_is_a_not_found_error(gcore_client):
    response = gcore_client.get("/cloud/v1/tasks/d478ae29-dedc-4869-82f0-96104425f565")

    assert response.status_code == 404
    assert response.json()["message"] == (
        "Task d478ae29-dedc-4869-82f0-96104425f565 could not be found"
    )
