"""Container registries for image pull secrets: presets, and the host as the API should get it.

The API stores `host` as given plus a trailing `/`, and Kubernetes matches images against it, so
one registry should always be written the same way: no scheme, a lower-case host, a trailing `/`;
except Docker Hub, whose credentials are filed under its historical `https://index.docker.io/v1/`
(the example in the provider's docs and CLI).
"""

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

DOCKER_HUB = "https://index.docker.io/v1/"
DOCKER_HUB_ALIASES = frozenset(
    {"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}
)
ECR_HOST = re.compile(r"^\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
ECR_NOTE = (
    "Amazon ECR tokens expire after 12 hours: update this secret with a fresh "
    "`aws ecr get-login-password` before then, or deploys will fail to pull."
)
LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
PATH_SEGMENT = re.compile(r"^[a-z0-9]+([._-][a-z0-9]+)*$")  # a repository namespace
AWS_ACCOUNT = re.compile(r"^\d{12}$")
CLOUD_REGION = re.compile(r"^[a-z]{2,}(-[a-z0-9]+)+$")  # us-east-1, europe-west4


class InvalidRegistry(ValueError):
    """A host or preset field that cannot name a registry; the message says why, plainly."""


@dataclass(frozen=True)
class RegistryPreset:
    key: str
    label: str
    host: str  # the host to use, or a pattern with <placeholders> the user fills in
    username_hint: str
    token_hint: str
    note: str | None = None


PRESETS: tuple[RegistryPreset, ...] = (
    RegistryPreset(
        "dockerhub",
        "Docker Hub",
        DOCKER_HUB,
        "your Docker Hub user name",
        "a personal access token",
    ),
    RegistryPreset(
        "ghcr",
        "GitHub Container Registry",
        "ghcr.io/",
        "your GitHub user name",
        "a personal access token with read:packages",
    ),
    RegistryPreset(
        "ecr",
        "Amazon ECR",
        "<account>.dkr.ecr.<region>.amazonaws.com/",
        "AWS",
        "the output of `aws ecr get-login-password`",
        ECR_NOTE,
    ),
    RegistryPreset(
        "gcr", "Google Container Registry", "gcr.io/", "_json_key", "a service account JSON key"
    ),
    RegistryPreset(
        "artifact-registry",
        "Google Artifact Registry",
        "<region>-docker.pkg.dev/",
        "_json_key",
        "a service account JSON key",
    ),
)
PRESETS_BY_KEY = {preset.key: preset for preset in PRESETS}


def ecr_host(account_id: str, region: str) -> str:
    account_id, region = account_id.strip(), region.strip().lower()
    if not AWS_ACCOUNT.fullmatch(account_id):
        raise InvalidRegistry("an AWS account id has exactly 12 digits")
    if not CLOUD_REGION.fullmatch(region):
        raise InvalidRegistry("an AWS region looks like us-east-1")
    return f"{account_id}.dkr.ecr.{region}.amazonaws.com/"


def artifact_registry_host(region: str) -> str:
    region = region.strip().lower()
    if not CLOUD_REGION.fullmatch(region):
        raise InvalidRegistry("an Artifact Registry location looks like europe-west4")
    return f"{region}-docker.pkg.dev/"


def normalise_registry_host(value: str) -> str:
    """The registry `value` names, written as the API stores it; `InvalidRegistry` if none."""
    text = value.strip()
    if not text:
        raise InvalidRegistry("enter the registry's host, e.g. ghcr.io")
    if any(char.isspace() for char in text):
        raise InvalidRegistry("a registry host cannot contain spaces")
    parts = urlsplit(text if "://" in text else f"//{text}")
    if parts.scheme not in ("", "http", "https"):
        raise InvalidRegistry("a registry address starts with https://, or with its host name")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise InvalidRegistry("a registry address is a host and at most a path, e.g. ghcr.io")
    try:
        host, port = parts.hostname or "", parts.port
    except ValueError:
        raise InvalidRegistry("the registry's port must be a number up to 65535") from None
    _check_host(host)
    path = parts.path.strip("/").lower()
    if host in DOCKER_HUB_ALIASES and path in ("", "v1"):
        return DOCKER_HUB
    for segment in path.split("/") if path else ():
        if not PATH_SEGMENT.fullmatch(segment):
            raise InvalidRegistry(
                "a path after the registry's host may only contain lower-case letters, digits, "
                "'.', '_' and '-' between slashes"
            )
    address = f"[{host}]" if ":" in host else host  # an IPv6 address
    if port:
        address = f"{address}:{port}"
    return f"{address}/{path}/" if path else f"{address}/"


def expiry_note(host: str) -> str | None:
    """A warning to show beside a registry whose tokens expire."""
    name = host.removeprefix("https://").removeprefix("http://").split("/")[0].split(":")[0]
    return ECR_NOTE if ECR_HOST.fullmatch(name.lower()) else None


def _check_host(host: str) -> None:
    if not host:
        raise InvalidRegistry("enter the registry's host, e.g. ghcr.io")
    try:
        ipaddress.ip_address(host)
        return
    except ValueError:
        pass
    labels = host.split(".")
    if len(host) > 253 or not all(LABEL.fullmatch(label) for label in labels):
        raise InvalidRegistry(
            f"{host!r} is not a host name: use letters, digits, '-' and dots, e.g. ghcr.io"
        )
    if len(labels) < 2 and host != "localhost":
        raise InvalidRegistry(f"{host!r} is not a full host name, e.g. ghcr.io")
