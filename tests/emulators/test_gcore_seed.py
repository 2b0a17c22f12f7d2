"""`seed_demo`: believable data for the dashboard's demo."""

from datetime import timedelta

from emulators.gcore import DEMO_API_KEY, DEMO_PROJECT_ID, DEMO_REGION_ID, seed_demo
from emulators.gcore.validation import SECRET_TYPES
from tests.fixtures.gcore import new_app


def test_the_demo_region_holds_every_secret_type(gcore_app):
    seed_demo(gcore_app)

    secrets = gcore_app.secrets(DEMO_PROJECT_ID, DEMO_REGION_ID)

    assert {s.secret_type for s in secrets} == set(SECRET_TYPES)
    assert len({s.id for s in secrets}) == len(secrets) >= 8


def test_certificates_expire_soon_later_and_already(gcore_app):
    seed_demo(gcore_app)
    now = gcore_app.wall_now()

    left = sorted(
        s.expiration - now
        for s in gcore_app.secrets(DEMO_PROJECT_ID, DEMO_REGION_ID)
        if s.secret_type == "certificate"
    )

    assert left[0] < timedelta(0)  # already expired
    assert any(timedelta(0) < d <= timedelta(days=14) for d in left)
    assert left[-1] > timedelta(days=60)


def test_other_projects_and_regions_get_some_too(gcore_app):
    seed_demo(gcore_app)

    assert gcore_app.secrets(2, DEMO_REGION_ID)
    assert gcore_app.secrets(DEMO_PROJECT_ID, 38)


def test_the_demo_has_one_finished_upload_task(gcore_client, gcore_app):
    seed_demo(gcore_app)

    (task,) = gcore_app.store.tasks()
    answer = gcore_client.get(f"/cloud/v1/tasks/{task.id}").json()
    secret_id = answer["created_resources"]["secrets"][0]

    assert answer["state"] == "FINISHED"
    assert (
        gcore_client.get(
            f"/cloud/v1/secrets/{DEMO_PROJECT_ID}/{DEMO_REGION_ID}/{secret_id}"
        ).status_code
        == 200
    )


def test_seeding_ignores_planned_task_failures(gcore_app):
    gcore_app.fail_next_task()

    seed_demo(gcore_app)

    (task,) = gcore_app.store.tasks()
    assert task.error is None


def test_dates_are_relative_to_the_seed_time(gcore_clock):
    early, late = new_app(gcore_clock), new_app(gcore_clock)

    def soonest_after_seeding(app):
        seed_demo(app)
        return min(
            s.expiration
            for s in app.secrets(DEMO_PROJECT_ID, DEMO_REGION_ID)
            if s.expiration and s.expiration > app.wall_now()
        )

    first = soonest_after_seeding(early)
    gcore_clock.advance(86400 * 30)
    second = soonest_after_seeding(late)

    assert second - first == timedelta(days=30)


def test_the_seed_is_reachable_through_the_control_api(gcore_client, gcore_app):
    response = gcore_client.post("/_emulator/gcore/seed-demo")

    assert response.status_code == 200
    assert (
        gcore_client.get(f"/cloud/v1/secrets/{DEMO_PROJECT_ID}/{DEMO_REGION_ID}").json()["count"]
        >= 8
    )


def test_the_demo_key_reads_like_a_gcore_token():
    key_id, dollar, secret = DEMO_API_KEY.partition("$")

    assert key_id.isdigit() and dollar and secret
