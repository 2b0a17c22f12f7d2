"""Whatever is typed, posted or put in an address, the dashboard answers without a server error,
and never calls a provider about a name it would refuse: every set or key a Pipecat call names
is one the API takes, and no call of either provider is refused as malformed (a 400 or 422)."""

import re
from urllib.parse import quote, unquote, urlencode

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from emulators.pipecat.validation import valid_set_name
from secretsadmin.core import once
from secretsadmin.providers.pipecat.names import path_part_problem
from tests.attack.conftest import SET
from tests.attack.strategies import CHAIN, KEY_NAMES, SECRET_NAMES, SET_NAMES, TEXT
from tests.fixtures.gcore import REGION_ID

pytestmark = pytest.mark.django_db
# Through the database: a few examples each, so that the whole file stays within seconds.
VIEWS = settings(
    max_examples=30,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# What goes in each field of that name, when it is not just anything.
NAMES = {"name": st.one_of(SET_NAMES, SECRET_NAMES), "key": KEY_NAMES, "confirm": SET_NAMES}
FRESH = st.uuids().map(lambda u: f"set-{u.hex[:12]}")  # a name no set has yet
SET_PATH = re.compile(r"/secrets/(?P<name>[^/]+)(?:/(?P<key>[^/]+))?$")


def fields(
    *names: str, extra: tuple[str, ...] = (), valid: dict[str, object] | None = None
) -> st.SearchStrategy[dict[str, str]]:
    """Some of `names` (and of `extra`, a crafted post's own fields), each anything; or, half
    the time, the `valid` submission with one or two of them changed, so that the provider is
    reached."""

    def texts(name: str) -> st.SearchStrategy[str]:
        return NAMES.get(name.removesuffix("_0").removesuffix("_1"), TEXT)

    def some(most: int) -> st.SearchStrategy[dict[str, str]]:
        chosen = st.lists(st.sampled_from(names + extra), unique=True, max_size=most)
        return chosen.flatmap(lambda keys: st.fixed_dictionaries({k: texts(k) for k in keys}))

    if valid is None:
        return some(len(names))
    base = st.fixed_dictionaries(
        {k: v if isinstance(v, st.SearchStrategy) else st.just(v) for k, v in valid.items()}
    )
    changed = st.tuples(base, some(2)).map(lambda both: {**both[0], **both[1]})
    return st.one_of(some(len(names)), changed)


class Upstream:
    """The calls made since it was opened, held to what the providers accept."""

    def __init__(self, world) -> None:
        self.world = world
        self.pipecat_seen = len(world.pipecat.requests)
        self.gcore_seen = len(world.gcore.requests)

    def check(self) -> None:
        made = self.world.pipecat.requests[self.pipecat_seen :]
        made += self.world.gcore.requests[self.gcore_seen :]
        for operation in sorted({call.operation for call in made}):
            event(f"called {operation}")
        for call in self.world.pipecat.requests[self.pipecat_seen :]:
            assert call.status not in (400, 422), call
            if named := SET_PATH.search(call.path):
                assert valid_set_name(unquote(named["name"])), call
                if named["key"] is not None:
                    assert path_part_problem(unquote(named["key"])) is None, call
        for call in self.world.gcore.requests[self.gcore_seen :]:
            assert call.status not in (400, 422), call


def send(client, world, method: str, path: str, data=None, **headers):
    """One request, as the page would send it (its CSRF token, a fresh one-time token)."""
    calls = Upstream(world)
    if method == "post":
        if "csrftoken" not in client.cookies:
            client.get("/")
        data = {
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
            once.FIELD: once.issue(),
            **(data or {}),
        }
        response = client.post(path, data, **headers)
    else:
        response = client.get(path, data or {}, **headers)
    assert response.status_code < 500, (path, data, response.status_code)
    calls.check()
    return response


HTMX = st.sampled_from([{}, {"HTTP_HX_REQUEST": "true"}])


@VIEWS
@given(
    fields(
        "name",
        "region",
        "key_0",
        "value_0",
        "env",
        "reason",
        extra=("key_7",),
        valid={"name": FRESH, "region": "us-west", "key_0": "A", "value_0": "1"},
    ),
    HTMX,
)
def test_a_new_set(editor, world, data, headers):
    send(editor, world, "post", "/pipecat/prod/new/", data, **headers)


@VIEWS
@given(
    fields(
        "key_0",
        "value_0",
        "key_1",
        "value_1",
        "env",
        "reason",
        extra=("key_50",),
        valid={"key_0": "A", "value_0": "1"},
    ),
    HTMX,
)
def test_keys_added_and_previewed(editor, world, data, headers):
    send(editor, world, "post", f"/pipecat/prod/sets/{SET}/keys/", data, **headers)
    send(editor, world, "post", f"/pipecat/prod/sets/{SET}/keys/preview/", data, **headers)


@VIEWS
@given(
    fields(
        "name",
        "region",
        "registry",
        "host",
        "username",
        "token",
        "reason",
        valid={"name": FRESH, "region": "us-west", "registry": "ghcr", "username": "u"}
        | {"token": "t"},
    ),
    HTMX,
)
def test_registry_credentials(editor, world, data, headers):
    send(editor, world, "post", "/pipecat/prod/image-pull/new/", data, **headers)


@VIEWS
@given(TEXT, TEXT, HTMX)
def test_a_set_or_key_named_in_the_address(editor, world, name, key, headers):
    for path in (
        f"/pipecat/prod/sets/{quote(name, safe='')}/",
        f"/pipecat/prod/sets/{quote(name, safe='')}/badge/",
        f"/pipecat/prod/sets/{quote(name, safe='')}/keys-count/",
        f"/pipecat/prod/sets/{SET}/keys/{quote(key, safe='')}/delete/",
    ):
        send(editor, world, "get", path, **headers)
    path = f"/pipecat/prod/sets/{quote(name, safe='')}/delete/"
    send(editor, world, "post", path, {"confirm": name}, **headers)
    path = f"/pipecat/prod/sets/{SET}/keys/{quote(key, safe='')}/delete/"
    send(editor, world, "post", path, {}, **headers)


@VIEWS
@given(fields("name", "region"), fields("q", "sort", "type", "region", "status", "page"), HTMX)
def test_name_checks_and_lists(viewer, world, check, query, headers):
    send(viewer, world, "get", "/pipecat/prod/check-name/", check, **headers)
    send(viewer, world, "get", "/gcore/prod/check-name/", check, **headers)
    send(viewer, world, "get", "/pipecat/prod/", query, **headers)
    send(viewer, world, "get", "/gcore/prod/", query, **headers)


GCORE_FIELDS = ("region", "name", "secret_type", "payload", "algorithm", "bit_length", "mode")


@VIEWS
@given(
    fields(
        *GCORE_FIELDS,
        "expiration",
        "duplicate",
        "reason",
        valid={"region": str(REGION_ID), "name": "token", "secret_type": "opaque"}
        | {"payload": "x"},
    ),
    HTMX,
)
def test_a_new_gcore_secret(editor, world, data, headers):
    send(editor, world, "post", "/gcore/prod/new/", data, **headers)


@VIEWS
@given(
    fields(
        "region",
        "name",
        "certificate",
        "certificate_chain",
        "private_key",
        "expiration",
        valid={
            "region": str(REGION_ID),
            "name": "www",
            "certificate": CHAIN.leaf.cert_pem,
            "certificate_chain": CHAIN.chain_pem,
            "private_key": CHAIN.leaf.key_pem,
        },
    ),
    HTMX,
)
def test_a_new_certificate_and_its_check(editor, world, data, headers):
    send(editor, world, "post", "/gcore/prod/new/certificate/check/", data, **headers)
    send(editor, world, "post", "/gcore/prod/new/certificate/", data, **headers)


@VIEWS
@given(fields("confirm", "reason", valid={"confirm": "kept"}), HTMX)
def test_a_gcore_delete(editor, world, data, headers):
    path = f"/gcore/prod/{REGION_ID}/{world.secret_id}/delete/"
    send(editor, world, "post", path, data, **headers)


AUDIT_FILTERS = ("since", "until", "actor", "action", "provider", "account", "target", "outcome")


@VIEWS
@given(fields(*AUDIT_FILTERS, "request_id", "q", "before", "after"), HTMX)
def test_the_audit_log_filtered_and_exported(auditor, world, query, headers):
    send(auditor, world, "get", "/audit/", query, **headers)
    response = send(auditor, world, "get", "/audit/export.csv?" + urlencode(query))
    if response.streaming:
        assert b"".join(response.streaming_content)


@VIEWS
@given(fields("key", "value", valid={"key": "API_KEY", "value": "v"}), HTMX)
def test_a_value_check(auditor, world, data, headers):
    send(auditor, world, "post", f"/audit/{world.event.sequence}/check/", data, **headers)
