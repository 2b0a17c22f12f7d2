"""The API key travels only in the Authorization header: never in an error, a repr or a log line."""

import logging
import traceback

import pytest

from emulators.faults import Fault
from secretsadmin.providers.clients import Clients
from secretsadmin.providers.pipecat import PipecatClient, PipecatError
from tests.fixtures.pipecat import PIPECAT_TOKEN

from .conftest import TIMEOUTS, account

FAILURES = [
    ("list_sets", Fault("list_sets", times=10, status=503)),
    ("list_sets", Fault("list_sets", times=10, delay=20.0)),
    ("list_sets", Fault("list_sets", times=10, drop=True)),
    ("list_sets", Fault("list_sets", malformed=True)),
    ("put_set", Fault("put_set", times=10, status=409)),
    ("put_set", Fault("put_set", status=429, retry_after=600)),
    ("put_set", Fault("put_set", status=500)),
    ("put_set", Fault("put_set", delay=20.0)),
]


def shown(error: BaseException) -> str:
    return "".join([str(error), repr(error), *traceback.format_exception(error)])


@pytest.mark.parametrize(("operation", "fault"), FAILURES)
def test_no_failure_shows_the_key(api, pipecat_app, caplog, operation, fault):
    caplog.set_level(logging.DEBUG)
    pipecat_app.faults.add(fault)

    with pytest.raises(PipecatError) as caught:
        if operation == "list_sets":
            api.list_sets()
        else:
            api.upsert_set("voice-agent", {"KEY": "v"})

    assert PIPECAT_TOKEN not in shown(caught.value)
    assert PIPECAT_TOKEN not in caplog.text
    assert caplog.records, "the failure was logged"


def test_a_refused_key_is_not_repeated_back(make_client, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "pk-wrong-key-123456"

    with pytest.raises(PipecatError) as caught:
        make_client(token=wrong).get_set("voice-agent")

    assert wrong not in shown(caught.value)
    assert wrong not in caplog.text


def test_successful_calls_log_without_the_key(api, caplog):
    caplog.set_level(logging.DEBUG)

    api.upsert_set("voice-agent", {"KEY": "value-1"})
    api.list_sets()

    assert "PUT /secrets/voice-agent" in caplog.text
    assert PIPECAT_TOKEN not in caplog.text
    assert "value-1" not in caplog.text


def test_accounts_clients_and_registries_do_not_show_the_key(api):
    registry = Clients("Pipecat Cloud", [account()], lambda a: PipecatClient(a, TIMEOUTS))

    for thing in (account(), api, registry, registry.get("prod")):
        assert PIPECAT_TOKEN not in repr(thing)
        assert PIPECAT_TOKEN not in str(thing)
    registry.close()
