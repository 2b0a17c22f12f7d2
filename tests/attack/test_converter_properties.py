"""Whatever text stands in a URL where a set's or a key's name goes, the URLconf either finds no
page (a 404 before any view runs) or hands the view a name the provider takes for what it is:
a set name by the API's rule, a key name that, sent upstream, names that very key of that very
set and nothing else."""

import pytest
from django.urls import Resolver404, resolve
from django.urls.converters import get_converters
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulators.pipecat.validation import valid_set_name
from emulators.transport import EmulatorTransport
from secretsadmin.config import Secret
from secretsadmin.pipecat.converters import KeyName, SetName
from secretsadmin.providers.config import Timeouts
from secretsadmin.providers.pipecat import PipecatClient
from secretsadmin.providers.pipecat.config import PipecatAccount
from secretsadmin.providers.pipecat.names import path_part_problem
from tests.fixtures.pipecat import API_HOST, PIPECAT_ORG, PIPECAT_TOKEN
from tests.fixtures.urls import patterns
from tests.pipecat.conftest import put

# Text as a URL's path carries it once decoded: anything, with the characters of names, dots and
# slashes, and the invisible ones, more likely than chance would make them.
SEGMENTS = st.one_of(
    st.text(max_size=80),
    st.text(st.sampled_from("ab-.9/_ \n\t\u200b\u00a0%?#A"), max_size=70),
    st.from_regex(r"[a-z0-9][-a-z0-9.]{0,70}", fullmatch=True),
)


def routes_with(converter: str) -> list[str]:
    return [route for route, _ in patterns() if f"<{converter}:" in route]


def test_the_converters_are_the_pipecat_names_and_nothing_else_is_custom():
    """A converter added elsewhere would need its own property here."""
    assert routes_with("setname") and routes_with("keyname")  # the URLconf registered them
    custom = {
        name
        for name, converter in get_converters().items()
        if type(converter).__module__.startswith("secretsadmin")
    }
    assert custom == {"setname", "keyname"}


@settings(max_examples=400)
@given(SEGMENTS)
def test_a_set_name_in_a_url_is_one_the_api_accepts_or_no_page(text):
    for route in routes_with("setname"):
        path = "/" + route.replace("<slug:account>", "prod").replace("<keyname:key>", "K")
        path = path.replace("<setname:name>", text)
        try:
            match = resolve(path)
        except Resolver404:
            continue
        assert match.kwargs["name"] == text
        assert valid_set_name(text), (path, text)


@settings(max_examples=300)
@given(SEGMENTS)
def test_the_converters_say_what_their_rules_say(text):
    for converter in (SetName(), KeyName()):
        try:
            value = converter.to_python(text)
        except ValueError:
            assert converter.problem(text)
        else:
            assert value == text and not converter.problem(text)


@pytest.fixture
def client(pipecat_app):
    put(pipecat_app, "voice-prod", KEEP="1")
    account = PipecatAccount("prod", API_HOST, Secret(PIPECAT_TOKEN))
    timeouts = Timeouts(connect=5.0, read=15.0)
    client = PipecatClient(account, timeouts, transport=EmulatorTransport(pipecat_app))
    yield client
    client.close()


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(SEGMENTS)
def test_a_key_name_in_a_url_removes_that_key_upstream_or_no_page(pipecat_app, client, text):
    route = "/pipecat/prod/sets/voice-prod/keys/{}/delete/"
    try:
        match = resolve(route.format(text))
    except Resolver404:
        return
    key = match.kwargs["key"]
    assert key == text and path_part_problem(key) is None
    stored = pipecat_app.store.get(PIPECAT_ORG, "voice-prod")
    stored.values[key] = "x"  # written by another tool: the API documents no rule for keys
    client.delete_key("voice-prod", key)
    assert set(pipecat_app.store.get(PIPECAT_ORG, "voice-prod").values) == {"KEEP"} - {key}
    if key != "KEEP":
        stored.values["KEEP"] = "1"
