"""Requests the official CLI really sent (tests/data/pipecat/*.jsonl), replayed on the emulator.

The recordings were made against a recording server, so they hold requests only. For each marker
(the CLI command that sent them) the table below gives the state the command meets and the
statuses the documents promise for it; each answer is also checked against the documents.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from emulators.faults import Fault
from emulators.pipecat import PipecatEmulator
from emulators.pipecat.store import SetType
from tests.fixtures.pipecat import DATA, PIPECAT_ORG, PIPECAT_TOKEN, ValidatingClient

Setup = Callable[[PipecatEmulator, ValidatingClient], None]


def a_set(name: str, *keys: str) -> Setup:
    def setup(app: PipecatEmulator, client: ValidatingClient) -> None:
        pairs = [{"secretKey": k, "secretValue": "v"} for k in keys or ("EXISTING",)]
        assert client.put(f"/v1/secrets/{name}", json={"secrets": pairs}).status_code == 202

    return setup


def a_pull_secret(name: str) -> Setup:
    def setup(app: PipecatEmulator, client: ValidatingClient) -> None:
        body = {
            "isImagePullSecret": True,
            "host": "https://index.docker.io/v1/",
            "secretValue": "x",
        }
        assert client.put(f"/v1/secrets/{name}", json=body).status_code == 202

    return setup


def in_flight(name: str) -> Setup:
    def setup(app: PipecatEmulator, client: ValidatingClient) -> None:
        a_set(name)(app, client)
        app.store.conflict_window = 30.0

    return setup


def failing_put(app: PipecatEmulator, client: ValidatingClient) -> None:
    app.faults.add(Fault("put_set", status=500))


def values_of(name: str, expected: dict[str, str]) -> Callable[[PipecatEmulator], None]:
    def check(app: PipecatEmulator) -> None:
        assert app.store.get(PIPECAT_ORG, name).values == expected

    return check


def pull_secret_at(name: str, host: str, region: str) -> Callable[[PipecatEmulator], None]:
    def check(app: PipecatEmulator) -> None:
        pull = app.store.get(PIPECAT_ORG, name)
        assert (pull.type, pull.host, pull.region) == (SetType.IMAGE_PULL, host, region)

    return check


@dataclass
class Case:
    statuses: list[int]
    setup: Setup | None = None
    check: Callable[[PipecatEmulator], None] | None = None
    token: str = PIPECAT_TOKEN


SET_KV_VALUES = {"OPENAI_API_KEY": "sk-123", "GREETING": "hello world"}
SET_FILE_VALUES = {"DB_URL": "postgres://u:p@h/db", "API_KEY": "abc=def", "QUOTED": "'single'"}
DOC_EXAMPLE_VALUES = {"API_KEY": '123 API_KEY_2="value with spaces"'}
PUBLIC_CASES = {
    "list": Case([200]),
    "set": Case([200, 404, 202], check=values_of("pub-set", {"K1": "v1"})),
    "get": Case([200], a_set("pub-set")),
    "unset": Case([200], a_set("pub-set", "K1")),
    "ips": Case(
        [200, 202], check=pull_secret_at("pub-ips", "https://index.docker.io/v1/", "us-west")
    ),
    "delete": Case([200], a_set("pub-set")),
}
ORG_CASES = {
    "list": Case([200]),
    "list-json": Case([200]),
    "list-region": Case([200, 200]),
    "list-one": Case([200], a_set("prod-keys")),
    "set-kv": Case([404, 202, 202], check=values_of("my-set", SET_KV_VALUES)),
    "set-kv-region": Case([200, 404, 202]),
    "set-noskip": Case([404, 200]),
    "unset": Case([200], a_set("my-set", "OPENAI_API_KEY")),
    "unset-missing": Case([404], a_set("my-set")),
    "delete": Case([200], a_set("my-set")),
    "delete-missing": Case([404]),
    "ips": Case([200, 202]),
    "ips-noencode": Case(
        [200, 200, 202], check=pull_secret_at("my-registry2", "ghcr.io/", "eu-central")
    ),
    "regions": Case([200]),
    "set-file2": Case([404, 202, 202, 202], check=values_of("file-set", SET_FILE_VALUES)),
    "set-modify": Case([200, 202], a_set("file-set", "API_KEY")),
    "list-sets": Case([200]),
    # The CLI lets through a name the API refuses: the lookup finds nothing, the PUT is a 400.
    "set-badname": Case([404, 400]),
    "public-path-list": Case([200], a_set("prod-keys")),
    "no-org": Case([200, 200]),
    "err409": Case([200, 409], in_flight("conflict-set")),
    "err409json": Case([200, 409], in_flight("conflict-set")),
    # An image pull secret cannot be read by name, nor be turned into a regular set.
    "err400": Case([400, 400], a_pull_secret("bad-set")),
    "err500": Case([404, 500], failing_put),
    "401": Case([401, 401], token="revoked-token"),
    "toml-config+env-host": Case([400], a_pull_secret("dockerhub")),
    "python-module-invocation": Case([200, 200]),
    # The shell handed the CLI one argument; its value keeps the rest of the line.
    "doc-example2": Case([404, 202], check=values_of("doc-set", DOC_EXAMPLE_VALUES)),
}
CASES = {
    "pipecat-cli-requests-public-paths.jsonl": PUBLIC_CASES,
    "pipecat-cli-requests-org-paths.jsonl": ORG_CASES,
}


@dataclass
class Recording:
    file: str
    marker: str
    requests: list[dict] = field(default_factory=list)


def recordings(path: Path) -> list[Recording]:
    """The file's markers that sent requests, in order, each with its requests."""
    found: list[Recording] = []
    for line in path.read_text().splitlines():
        entry = json.loads(line)
        if "marker" in entry:
            found.append(Recording(path.name, entry["marker"]))
        else:
            found[-1].requests.append(entry)
    return [r for r in found if r.requests]


RECORDINGS = [r for name in CASES for r in recordings(DATA / name)]


def test_every_recorded_command_has_a_case():
    for recording in RECORDINGS:
        assert recording.marker in CASES[recording.file], recording.marker
    assert len(RECORDINGS) == sum(len(cases) for cases in CASES.values())


@pytest.mark.parametrize(
    "recording", RECORDINGS, ids=[f"{r.file.split('-')[-2]}:{r.marker}" for r in RECORDINGS]
)
def test_recorded_requests_get_the_documented_answers(pipecat_client, pipecat_app, recording):
    case = CASES[recording.file][recording.marker]
    if case.setup:
        case.setup(pipecat_app, pipecat_client)

    statuses = []
    for sent in recording.requests:
        headers = {
            "Authorization": f"Bearer {case.token}",
            "User-Agent": sent["headers"]["User-Agent"],
        }
        if sent["body"] is not None:
            headers["Content-Type"] = sent["headers"]["Content-Type"]
        response = pipecat_client.request(
            sent["method"],
            sent["path"],
            params=sent["query"],
            content=sent["body"],
            headers=headers,
        )
        statuses.append(response.status_code)

    assert statuses == case.statuses
    if case.check:
        case.check(pipecat_app)
