"""Routes match whole paths, part by part: a part ending in a newline or holding an encoded `/`
names nothing else, in process and over HTTP alike."""

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from emulators.clock import ManualClock
from emulators.gcore import GcoreEmulator
from emulators.pipecat import PipecatEmulator
from emulators.server import EmulatorServer
from emulators.transport import EmulatorTransport
from tests.fixtures.gcore import GCORE_KEY, PROJECT_ID, REGION_ID
from tests.fixtures.pipecat import PIPECAT_TOKEN, PROVISIONING_DELAY

WAYS = ["in-process", "http"]


@dataclass
class Emulator:
    http: httpx.Client
    app: GcoreEmulator | PipecatEmulator


def _emulator(request, app, server: EmulatorServer, headers: dict) -> Iterator[Emulator]:
    if request.param == "in-process":
        options: dict = {"transport": EmulatorTransport(app), "base_url": "https://emulated"}
    else:
        app, options = server.app, {"base_url": server.url}
    with httpx.Client(headers=headers, **options) as client:
        yield Emulator(client, app)


# -- Gcore ----------------------------------------------------------------------------------------


@pytest.fixture(params=WAYS)
def gcore(request, gcore_app: GcoreEmulator, gcore_server: EmulatorServer):
    yield from _emulator(request, gcore_app, gcore_server, {"Authorization": f"APIKey {GCORE_KEY}"})


@pytest.mark.parametrize("suffix", ["/%0A", "%0A", "%2F", "%2Fx", "/x"])
def test_gcore_a_secret_id_followed_by_more_is_no_such_secret(gcore, suffix):
    secret = gcore.app.add_secret(PROJECT_ID, REGION_ID, "victim", "opaque", b"x")
    path = f"/cloud/v1/secrets/{PROJECT_ID}/{REGION_ID}/{secret.id}{suffix}"

    read, delete = gcore.http.get(path), gcore.http.delete(path)

    assert (read.status_code, delete.status_code) == (404, 404)
    assert delete.json()["exception_class"] == "NotFoundError"
    assert gcore.app.store.tasks() == []
    assert gcore.app.secrets(PROJECT_ID, REGION_ID) == [secret]


@pytest.mark.parametrize("region", [f"{REGION_ID}%0A", f"{REGION_ID}%2F", f"%20{REGION_ID}"])
def test_gcore_a_region_id_with_more_than_digits_is_refused(gcore, region):
    gcore.app.add_secret(PROJECT_ID, REGION_ID, "victim", "opaque", b"x")

    response = gcore.http.get(f"/cloud/v1/secrets/{PROJECT_ID}/{region}")

    assert response.status_code == 400
    assert response.json()["invalid_fields"] == {"region_id": ["Input should be a valid integer"]}


def test_gcore_a_secret_id_is_read_decoded(gcore):
    secret = gcore.app.add_secret(PROJECT_ID, REGION_ID, "victim", "opaque", b"x")
    encoded = secret.id.replace("-", "%2D")

    response = gcore.http.get(f"/cloud/v1/secrets/{PROJECT_ID}/{REGION_ID}/{encoded}")

    assert response.status_code == 200
    assert response.json()["id"] == secret.id


# -- Pipecat --------------------------------------------------------------------------------------


@pytest.fixture(params=WAYS)
def pipecat(request, pipecat_app: PipecatEmulator, pipecat_server: EmulatorServer):
    headers = {"Authorization": f"Bearer {PIPECAT_TOKEN}"}
    for emulator in _emulator(request, pipecat_app, pipecat_server, headers):
        body = {"secrets": [{"secretKey": "API_KEY", "secretValue": "v"}]}
        emulator.http.put("/v1/secrets/victim-set", json=body).raise_for_status()
        clock = emulator.app.clock
        assert isinstance(clock, ManualClock)
        clock.advance(PROVISIONING_DELAY + 1)  # ready: a set in flight refuses deletes anyway
        yield emulator


@pytest.mark.parametrize(
    "path",
    [
        "/v1/secrets/victim-set/%0A",
        "/v1/secrets/victim-set%0A",
        "/v1/secrets/victim-set%2F",
        "/v1/secrets/victim-set%2FAPI_KEY",
        "/v1/secrets/victim-set/API_KEY%0A",
        "/v1/secrets/victim-set/API_KEY/%0A",
    ],
)
def test_pipecat_a_set_or_key_followed_by_more_is_not_deleted(pipecat, path):
    response = pipecat.http.delete(path)

    assert response.status_code == 404
    detail = pipecat.http.get("/v1/secrets/victim-set").json()
    assert [s["fieldName"] for s in detail["secrets"]] == ["API_KEY"]


def test_pipecat_a_set_name_is_read_decoded(pipecat):
    response = pipecat.http.get("/v1/secrets/victim%2Dset")

    assert response.status_code == 200
    assert response.json()["secrets"] == [{"fieldName": "API_KEY"}]
