"""`seed_demo`: believable data for the dashboard's demo; `seed_many`: a large client's worth."""

import time
from datetime import timedelta

import pytest

from emulators.gcore import (
    DEMO_API_KEY,
    DEMO_PROJECT_ID,
    DEMO_REGION_ID,
    DEMO_STAGING_API_KEY,
    seed_demo,
    seed_many,
)
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


@pytest.mark.parametrize("key", [DEMO_API_KEY, DEMO_STAGING_API_KEY])
def test_the_demo_keys_read_like_gcore_tokens(key):
    key_id, dollar, secret = key.partition("$")

    assert key_id.isdigit() and dollar and secret


# -- seed_many ------------------------------------------------------------------------------------


def test_seed_many_stores_a_thousand_secrets_at_once_in_well_under_a_second(gcore_app):
    started = time.perf_counter()
    seeded = seed_many(gcore_app, 1000, DEMO_PROJECT_ID, DEMO_REGION_ID)
    elapsed = time.perf_counter() - started

    assert elapsed < 0.5
    assert len(gcore_app.secrets(DEMO_PROJECT_ID, DEMO_REGION_ID)) == len(seeded) == 1000
    assert gcore_app.store.tasks() == []
    assert gcore_app.secrets(DEMO_PROJECT_ID, 38) == []


def test_seed_many_names_are_unique_numbered_and_the_same_every_time(gcore_clock):
    first = [s.name for s in seed_many(new_app(gcore_clock), 30, 1, DEMO_REGION_ID)]
    again = [s.name for s in seed_many(new_app(gcore_clock), 30, 1, DEMO_REGION_ID)]

    assert first == again
    assert len(set(first)) == 30
    assert first[:3] == ["www-example-com-0000", "www-example-com-0001", "db-password-0002"]
    assert [int(name.rsplit("-", 1)[1]) for name in first] == list(range(30))


def test_seed_many_from_a_start_number_adds_new_names(gcore_app):
    first = seed_many(gcore_app, 20, DEMO_PROJECT_ID, DEMO_REGION_ID)
    more = seed_many(gcore_app, 20, DEMO_PROJECT_ID, DEMO_REGION_ID, start=20)

    assert more[0].name.endswith("-0020")
    assert len({s.name for s in first + more}) == 40


def test_seed_many_holds_every_type_with_believable_metadata(gcore_app):
    seeded = seed_many(gcore_app, 100, DEMO_PROJECT_ID, DEMO_REGION_ID)

    assert {s.secret_type for s in seeded} == set(SECRET_TYPES)
    assert sum(s.secret_type == "certificate" for s in seeded) == 50
    symmetric = [s for s in seeded if s.secret_type == "symmetric"]
    assert {(s.algorithm, s.bit_length, s.mode) for s in symmetric} == {("aes", 256, "cbc")}
    keys = [s for s in seeded if s.secret_type in ("public", "private")]
    assert {s.algorithm for s in keys} == {"rsa", "ec"}


def test_seed_many_certificates_expire_from_long_ago_to_years_ahead(gcore_app):
    now = gcore_app.wall_now()

    seeded = seed_many(gcore_app, 100, DEMO_PROJECT_ID, DEMO_REGION_ID)

    left = [s.expiration - now for s in seeded if s.secret_type == "certificate"]
    assert any(d < -timedelta(days=90) for d in left)
    assert any(timedelta(0) < d <= timedelta(days=1) for d in left)
    assert any(timedelta(days=7) < d <= timedelta(days=30) for d in left)
    assert any(d > timedelta(days=3 * 365) for d in left)
    assert all(s.created < s.expiration for s in seeded if s.expiration)
    assert all(s.created < now for s in seeded)
    assert len({s.created for s in seeded}) == 100


def test_seed_many_lists_through_the_api_oldest_first(gcore_client, gcore_app):
    seeded = seed_many(gcore_app, 150, DEMO_PROJECT_ID, DEMO_REGION_ID)

    body = gcore_client.get(f"/cloud/v1/secrets/{DEMO_PROJECT_ID}/{DEMO_REGION_ID}").json()

    assert body["count"] == 150
    oldest_first = sorted(seeded, key=lambda s: s.created)
    assert [s["id"] for s in body["results"]] == [s.id for s in oldest_first]


def test_seed_many_refuses_a_project_or_region_the_app_does_not_know(gcore_app):
    with pytest.raises(ValueError, match="unknown project"):
        seed_many(gcore_app, 10, 99, DEMO_REGION_ID)
    with pytest.raises(ValueError, match="unknown project"):
        seed_many(gcore_app, 10, DEMO_PROJECT_ID, 99)
