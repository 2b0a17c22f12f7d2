"""Registry hosts for image pull secrets: one registry is always written the same way."""

import re

import pytest

from secretsadmin.providers.pipecat.container_registries import (
    DOCKER_HUB,
    ECR_NOTE,
    PRESETS_BY_KEY,
    InvalidRegistry,
    artifact_registry_host,
    ecr_host,
    expiry_note,
    normalise_registry_host,
)


@pytest.mark.parametrize(
    "typed",
    [
        "https://index.docker.io/v1/",
        "https://index.docker.io/v1",
        "index.docker.io",
        "docker.io",
        "Docker.IO/",
        "https://registry-1.docker.io",
    ],
)
def test_docker_hub_is_always_its_canonical_url(typed):
    assert normalise_registry_host(typed) == DOCKER_HUB


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ghcr.io", "ghcr.io/"),
        ("https://GHCR.io/", "ghcr.io/"),
        ("  gcr.io  ", "gcr.io/"),
        ("europe-west4-docker.pkg.dev", "europe-west4-docker.pkg.dev/"),
        ("https://123456789012.dkr.ecr.eu-west-1.amazonaws.com",
         "123456789012.dkr.ecr.eu-west-1.amazonaws.com/"),
        ("registry.example.com:5000", "registry.example.com:5000/"),
        ("http://10.0.0.5:5000/team/", "10.0.0.5:5000/team/"),
        ("gcr.io/My-Project", "gcr.io/my-project/"),
        ("localhost:5000", "localhost:5000/"),
        ("[::1]:5000", "[::1]:5000/"),
    ],
)  # fmt: skip
def test_other_registries_lose_their_scheme_and_gain_a_trailing_slash(typed, stored):
    assert normalise_registry_host(typed) == stored


def test_normalising_twice_changes_nothing():
    for typed in ("ghcr.io", "docker.io", "gcr.io/my-project", "registry.example.com:5000"):
        once = normalise_registry_host(typed)
        assert normalise_registry_host(once) == once


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "enter the registry's host, e.g. ghcr.io"),
        ("my registry.io", "a registry host cannot contain spaces"),
        ("ftp://ghcr.io", "a registry address starts with https://"),
        ("https://ghcr.io/?x=1", "a registry address is a host and at most a path"),
        ("https://user:pw@ghcr.io", "a registry address is a host and at most a path"),
        ("ghcr.io:99999", "the registry's port must be a number up to 65535"),
        ("ghcr..io", "'ghcr..io' is not a host name"),
        ("-ghcr.io", "'-ghcr.io' is not a host name"),
        ("ghcr_io.com", "'ghcr_io.com' is not a host name"),
        ("registry", "'registry' is not a full host name"),
        ("ghcr.io/team//x", "a path after the registry's host may only contain"),
        ("ghcr.io/té", "a path after the registry's host may only contain"),
    ],
)
def test_what_cannot_be_a_registry_is_refused_plainly(typed, message):
    with pytest.raises(InvalidRegistry, match=re.escape(message)):
        normalise_registry_host(typed)


def test_ecr_and_artifact_registry_hosts_are_built_from_their_parts():
    ecr = ecr_host(" 123456789012 ", "EU-West-1")
    assert ecr == "123456789012.dkr.ecr.eu-west-1.amazonaws.com/"
    assert artifact_registry_host("us-central1") == "us-central1-docker.pkg.dev/"
    with pytest.raises(InvalidRegistry, match="exactly 12 digits"):
        ecr_host("1234", "eu-west-1")
    with pytest.raises(InvalidRegistry, match="looks like us-east-1"):
        ecr_host("123456789012", "ireland")
    with pytest.raises(InvalidRegistry, match="looks like europe-west4"):
        artifact_registry_host("")


def test_only_ecr_warns_that_its_tokens_expire():
    assert expiry_note("123456789012.dkr.ecr.eu-west-1.amazonaws.com/") == ECR_NOTE
    assert expiry_note("https://123456789012.dkr.ecr.us-east-1.amazonaws.com") == ECR_NOTE
    assert "12 hours" in ECR_NOTE
    assert PRESETS_BY_KEY["ecr"].note == ECR_NOTE
    assert expiry_note("ghcr.io/") is None
    assert expiry_note(DOCKER_HUB) is None


def test_presets_that_name_a_fixed_host_are_already_normalised():
    for preset in PRESETS_BY_KEY.values():
        if "<" not in preset.host:
            assert normalise_registry_host(preset.host) == preset.host
