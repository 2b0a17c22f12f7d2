"""A forged post (another site's form, a script without the page's token) changes nothing, for
every URL the URLconf holds, sent by the people whose posts would otherwise act: editors and
admins."""

import pytest
from django.contrib.auth.models import User

from secretsadmin.audit.models import AuditEvent
from secretsadmin.core import once
from tests.attack.conftest import CHECKED_VALUE, KEY, PULL, SET
from tests.fixtures.certificates import make_chain
from tests.fixtures.gcore import REGION_ID
from tests.fixtures.urls import changing_urls, patterns, sample_path

pytestmark = pytest.mark.django_db

CHAIN = make_chain("www.example.test")
# What each changing URL is sent to act (the editor's form, filled in), and the provider call
# it then makes; None for those that by design send nothing (the certificate check; a retry or
# stop of an operation, which changes only where it stands; an alert acknowledged or snoozed).
ACTS: dict[str, tuple[dict[str, str], str | None]] = {
    "set_new": ({"name": "new-set", "region": "us-west", "key_0": "A", "value_0": "1"}, "put_set"),
    "image_pull_new": (
        {"name": "new-pull", "region": "us-west", "registry": "ghcr", "username": "u"}
        | {"token": "t"},
        "put_set",
    ),
    "keys_preview": ({"env": "NEW_KEY=1"}, "get_set"),
    "keys_add": ({"key_0": "NEW_KEY", "value_0": "1"}, "put_set"),
    "key_delete": ({}, "delete_key"),
    "set_delete": ({"confirm": SET}, "delete_set"),
    "image_pull_edit": (
        {"name": PULL, "registry": "ghcr", "username": "u", "token": "t2"},
        "put_set",
    ),
    "secret_new": (
        {"region": str(REGION_ID), "name": "token", "secret_type": "opaque", "payload": "x"},
        "create_secret",
    ),
    "certificate_new": (
        {
            "region": str(REGION_ID),
            "name": "www",
            "certificate": CHAIN.leaf.cert_pem,
            "certificate_chain": CHAIN.chain_pem,
            "private_key": CHAIN.leaf.key_pem,
        },
        "create_tls_secret",
    ),
    "certificate_check": (
        {
            "region": str(REGION_ID),
            "name": "www",
            "certificate": CHAIN.leaf.cert_pem,
            "certificate_chain": CHAIN.chain_pem,
            "private_key": CHAIN.leaf.key_pem,
        },
        None,
    ),
    "secret_delete": ({"confirm": "kept"}, "delete_secret"),
    # Replacing the listener's certificate by one uploaded now: the upload is its first step.
    "certificate_replace": (
        {
            "source": "upload",
            "region": str(REGION_ID),
            "name": "www-next",
            "certificate": CHAIN.leaf.cert_pem,
            "certificate_chain": CHAIN.chain_pem,
            "private_key": CHAIN.leaf.key_pem,
        },
        "create_tls_secret",
    ),
    # The redeploy starts by reading which agents use the set afresh; its advance deploys.
    "redeploy": ({"all": "1"}, "list_agents"),
    "advance": ({}, "update_agent"),
    "retry": ({}, None),
    "abandon": ({}, None),
    # An alert's state alone changes: nothing is sent to a provider.
    "acknowledge": ({}, None),
    "snooze": ({"length": "1h"}, None),
}
EVIL = "http://evil.example"


def test_every_changing_url_has_a_form_that_acts():
    assert sorted(ACTS) == sorted(entry.name for _, entry in changing_urls())


def forged(client, path: str, data: dict[str, str]):
    """The ways a post arrives without the page's own token, each answered in turn."""
    yield "no cookie, no token", client.post(path, data)
    client.get("/")  # now the browser holds the CSRF cookie, as a signed-in person's does
    yield "the cookie but no token", client.post(path, data)
    yield "a made-up token", client.post(path, {**data, "csrfmiddlewaretoken": "x" * 64})
    yield "a made-up header", client.post(path, data, HTTP_X_CSRFTOKEN="y" * 32)
    token = client.cookies["csrftoken"].value
    yield (
        "the right token from another site",
        client.post(path, {**data, "csrfmiddlewaretoken": token}, HTTP_ORIGIN=EVIL),
    )


@pytest.mark.parametrize("persona", ["editor", "admin"])
@pytest.mark.parametrize("url_name", sorted(ACTS))
def test_a_forged_post_is_refused_and_reaches_nothing(persona, url_name, request, world):
    client = request.getfixturevalue(persona)
    [route] = [route for route, entry in changing_urls() if entry.name == url_name]
    path = world.path(route, url_name)
    data, operation = ACTS[url_name]
    data = {**data, once.FIELD: once.issue()}
    before, calls = world.state(), world.calls()
    for how, response in forged(client, path, data):
        assert response.status_code == 403, (how, path)
        assert "came from another site" in response.text, how
    assert world.calls() == calls
    assert world.state() == before
    denial = AuditEvent.objects.filter(action="auth.denied", target=f"POST {path}").get()
    assert denial.error_code == "csrf"

    # The same post with the page's token acts: what was refused would have done something.
    token = client.cookies["csrftoken"].value
    response = client.post(path, {**data, "csrfmiddlewaretoken": token})
    assert response.status_code in (200, 302), response.content[:300]
    if url_name == "certificate_check":
        assert "Ready to upload: what the certificate says" in response.text
        assert world.gcore.calls("create_tls_secret") == 0
    elif operation is None:
        assert world.state() != before
    else:
        assert world.pipecat.calls(operation) + world.gcore.calls(operation) >= 1


@pytest.mark.parametrize("persona", ["editor", "admin"])
def test_every_other_url_refuses_a_post_without_its_token(persona, request, world):
    """The audit log's own posts (a value check, a verification), signing out, Django's admin
    (which writes people and roles), and every page that takes only GET: refused before any
    view runs, whatever the URL."""
    client = request.getfixturevalue(persona)
    changing = {entry.name for _, entry in changing_urls()}
    user = User.objects.get(username="ada" if persona == "admin" else "eddie")
    values = {
        **world.values(""),
        "id": str(user.pk),
        "object_id": str(user.pk),
        "content_type_id": "1",
    }
    data = {"key": KEY, "value": CHECKED_VALUE, "username": "eddie", "is_superuser": "on"}
    before, calls, checked = world.state(), world.calls(), 0
    for route, entry in patterns(admin=True):
        if entry.name in changing:
            continue
        path = sample_path(route, values)
        for how, response in forged(client, path, data):
            assert response.status_code == 403, (how, path)
        checked += 1
    assert checked > 20
    assert world.calls() == calls
    assert world.state() == before
    assert client.get("/").status_code == 200  # still signed in: the logout was refused too


def test_no_page_changes_anything_when_merely_opened(admin, world):
    """What the CSRF check leaves alone, a GET (a link on another site, a prefetch), changes
    nothing at a provider, in people or in roles, at any URL, Django's admin too."""
    watched = ("sets", "secrets", "tasks", "people", "groups")
    before = {k: v for k, v in world.state().items() if k in watched}
    seen = len(world.pipecat.requests), len(world.gcore.requests)
    for route, entry in patterns(admin=True):
        path = world.path(route, entry.name)
        for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
            assert admin.get(path, {"confirm": SET, "next": "/"}, **headers).status_code < 500
    calls = world.pipecat.requests[seen[0] :] + world.gcore.requests[seen[1] :]
    assert calls and {call.method for call in calls} == {"GET"}
    assert {k: v for k, v in world.state().items() if k in watched} == before
    assert admin.get("/").status_code == 200  # still signed in: a GET does not sign out


@pytest.mark.parametrize(
    "elsewhere",
    [
        "//evil.example/",
        "https://evil.example/",
        "javascript:alert(1)",
        "/\\evil.example",
        "\\\\evil",
    ],
)
def test_signing_in_and_out_lead_nowhere_but_here(client, editor, elsewhere):
    User.objects.create_user("olga", password="correct horse battery staple")
    client.get("/accounts/login/")
    form = {"username": "olga", "password": "correct horse battery staple", "next": elsewhere}
    form["csrfmiddlewaretoken"] = client.cookies["csrftoken"].value
    signed_in = client.post("/accounts/login/", form)
    assert signed_in.status_code == 302 and signed_in["Location"] == "/"
    editor.get("/")
    token = editor.cookies["csrftoken"].value
    signed_out = editor.post("/accounts/logout/", {"csrfmiddlewaretoken": token, "next": elsewhere})
    assert signed_out.status_code == 302 and signed_out["Location"] == "/"
