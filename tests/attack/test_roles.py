"""Whoever may not change anything is refused every URL that changes something, by the server
and for the role's sake (with the page's CSRF token, so that the refusal is the role's), at paths
naming things that exist; and whoever is signed out is sent to sign in from every URL."""

import pytest

from secretsadmin.audit.models import AuditEvent
from secretsadmin.core import once
from tests.attack.test_csrf import ACTS
from tests.fixtures.urls import BEARER, PUBLIC, changing_urls, patterns, sample_path

pytestmark = pytest.mark.django_db

USERNAMES = {"viewer": "vera", "auditor": "audrey", "stranger": "sam"}


def with_token(client, data: dict[str, str]) -> dict[str, str]:
    if "csrftoken" not in client.cookies:
        client.get("/accounts/login/", follow=True)  # signed in, it leads to the overview
    return {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value}


@pytest.mark.parametrize("persona", USERNAMES)
def test_readers_and_the_roleless_are_refused_every_change(persona, request, world):
    client = request.getfixturevalue(persona)
    before, calls = world.state(), world.calls()
    for route, entry in changing_urls():
        path = world.path(route, entry.name)
        data = with_token(client, {**ACTS[entry.name][0], once.FIELD: once.issue()})
        response = client.post(path, data)
        assert response.status_code == 403, path
        assert "requires the editor role" in response.text
        denial = AuditEvent.objects.filter(action="auth.denied", target=f"POST {path}").get()
        assert (denial.actor_username, denial.error_code) == (USERNAMES[persona], "")
        assert denial.error_message == "requires the editor role"
        # A page that asks first (GET) is refused too; one that only takes posts, 405.
        assert client.get(path).status_code in (403, 405), path
    assert world.calls() == calls
    assert world.state() == before


def test_someone_signed_out_is_sent_to_sign_in_from_every_url(client, world):
    """Posts with a good CSRF token too: the cookie of the sign-in page is all it takes."""
    before, calls, checked = world.state(), world.calls(), 0
    for route, entry in patterns():
        if entry.name in PUBLIC:
            continue
        if entry.name in BEARER:  # no token configured here: refused, whoever asks
            assert client.get(sample_path(route)).status_code == 403, route
            assert client.post(sample_path(route)).status_code in (403, 405), route
            continue
        path = world.path(route, entry.name) if "<" in route else sample_path(route)
        data = with_token(client, {**ACTS.get(entry.name, ({}, None))[0], once.FIELD: "x"})
        for response in (client.get(path), client.post(path, data)):
            assert response.status_code == 302, path
            assert response["Location"].startswith("/accounts/login/?next="), path
        checked += 1
    assert checked > 25
    assert world.calls() == calls
    assert world.state() == before
