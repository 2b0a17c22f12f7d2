"""The requests the official SDK sent to a recording server, replayed against the emulator.

The recording holds requests only; the answers expected here are the documented ones. Task ids in
the recording are the vendor's example id: the replay swaps in the id of the latest task the
emulator answered, and moves the manual clock on by the SDK's 3 s polling interval after each poll.
"""

from datetime import timedelta

import pytest

from emulators.clock import ManualClock
from tests.fixtures.gcore import GCORE_KEY, PROJECT_ID, REGION_ID, read_recorded_requests

RECORDED_TASK_ID = "d478ae29-dedc-4869-82f0-96104425f565"
RECORDED_SECRET_ID = "bfc7824b-31b6-4a28-a0c4-7df137139215"
SDK_POLLING_INTERVAL = 3.0
DROPPED_HEADERS = {"host", "content-length", "connection", "accept-encoding"}

# (status, exception_class or None) for each recorded request, in order.
EXPECTED = [
    (200, None),  # list, limit=2
    (200, None),  # list, limit=2 again
    (200, None),  # list, limit=2&offset=2
    (200, None),  # get the seeded secret
    (404, "NotFoundError"),  # the same id in project 2, region 3
    (200, None),  # TLS upload with PEM parts
    (400, "ValidationError"),  # TLS upload whose parts are not PEM
    (200, None),  # poll: NEW
    (200, None),  # poll: FINISHED
    (200, None),  # get the seeded secret
    (200, None),  # generic create
    (200, None),  # delete the seeded secret
    (200, None),  # poll: NEW
    (200, None),  # poll: FINISHED
    (200, None),  # regions
    (200, None),  # projects
    (404, "NotFoundError"),  # unknown secret id
    *[(404, "NotFoundError")] * 6,  # the recording server's own flaky paths
]


@pytest.fixture
def recorded() -> list[dict]:
    return read_recorded_requests()


def test_every_recorded_request_gets_its_documented_answer(
    gcore_client, gcore_app, gcore_clock: ManualClock, recorded
):
    seeded_at = gcore_app.wall_now() - timedelta(days=3)
    for number, name in enumerate(["first", "second"]):
        gcore_app.add_secret(
            PROJECT_ID, REGION_ID, name, "opaque", b"x", created=seeded_at + timedelta(hours=number)
        )
    gcore_app.add_secret(
        PROJECT_ID,
        REGION_ID,
        "AES key",
        "symmetric",
        b"k" * 32,
        secret_id=RECORDED_SECRET_ID,
        created=seeded_at + timedelta(hours=2),
    )
    latest_task = RECORDED_TASK_ID
    answers = []

    for entry in recorded:
        path = entry["path"].replace(RECORDED_TASK_ID, latest_task)
        headers = {k: v for k, v in entry["headers"].items() if k.lower() not in DROPPED_HEADERS}
        headers["Authorization"] = f"APIKey {GCORE_KEY}"
        response = gcore_client.request(
            entry["method"], path, params=entry["query_parsed"], json=entry["body"], headers=headers
        )
        answers.append(response)
        body = response.json()
        if response.status_code == 200 and "tasks" in body:
            latest_task = body["tasks"][0]
        if path.startswith("/cloud/v1/tasks/"):
            gcore_clock.advance(SDK_POLLING_INTERVAL)

    assert len(answers) == len(EXPECTED)
    for number, (answer, expected) in enumerate(zip(answers, EXPECTED, strict=True)):
        status, exception_class = expected
        assert answer.status_code == status, f"request {number}: {answer.text}"
        if exception_class:
            assert answer.json()["exception_class"] == exception_class
    pages = [answers[i].json() for i in (0, 2)]
    assert [p["count"] for p in pages] == [3, 3]
    assert [s["name"] for s in pages[0]["results"] + pages[1]["results"]] == [
        "first",
        "second",
        "AES key",
    ]
    assert [answers[i].json()["state"] for i in (7, 8, 12, 13)] == [
        "NEW",
        "FINISHED",
        "NEW",
        "FINISHED",
    ]
    assert answers[13].json()["task_type"] == "delete_secret"
    remaining = {s.name for s in gcore_app.secrets(PROJECT_ID, REGION_ID)}
    assert remaining == {"first", "second", "my-cert", "AES key"}
    assert gcore_app.store.secret(PROJECT_ID, REGION_ID, RECORDED_SECRET_ID) is None


def test_the_recording_is_what_the_replay_expects(recorded):
    # Guards the replay against a re-recorded file that no longer lines up with EXPECTED.
    assert [(e["method"], e["path"].split("/")[3]) for e in recorded[:8]] == [
        ("GET", "secrets"),
        ("GET", "secrets"),
        ("GET", "secrets"),
        ("GET", "secrets"),
        ("GET", "secrets"),
        ("POST", "secrets"),
        ("POST", "secrets"),
        ("GET", "tasks"),
    ]
    assert {e["headers"]["Authorization"] for e in recorded} == {"APIKey <redacted>"}
