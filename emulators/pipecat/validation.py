"""Request rules of the secrets API: names, and the shapes a PUT body may take.

Everything that fails here is a 400 with the provider's generic message, except an incomplete
image pull body, which the docs answer with a message of its own.
"""

import re
from dataclasses import dataclass, field

SET_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
KEY_NAME = re.compile(r"^[a-zA-Z0-9_-]+$")
MAX_KEY_LENGTH = 64

INVALID_FORMAT = "Invalid request format"
INCOMPLETE_IMAGE_PULL = (
    "Must provide isImagePullSecret, host, and secretValue to update an image pull secret"
)


class InvalidRequest(ValueError):
    def __init__(self, message: str = INVALID_FORMAT) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RegularUpsert:
    secrets: dict[str, str] = field(repr=False)
    region: str | None


@dataclass(frozen=True)
class ImagePullUpsert:
    host: str
    credentials: str = field(repr=False)
    region: str | None


def valid_set_name(name: str) -> bool:
    return 3 <= len(name) <= 63 and SET_NAME.fullmatch(name) is not None


def valid_key_name(key: object) -> bool:
    if not isinstance(key, str) or len(key) > MAX_KEY_LENGTH:
        return False
    return KEY_NAME.fullmatch(key) is not None


def parse_upsert(body: object) -> RegularUpsert | ImagePullUpsert:
    """One of the documented bodies, or the official client's one-key body."""
    if not isinstance(body, dict):
        raise InvalidRequest
    region = _region(body)
    is_image_pull = body.get("isImagePullSecret", False)
    if not isinstance(is_image_pull, bool):
        raise InvalidRequest
    if is_image_pull:
        host, credentials = body.get("host"), body.get("secretValue")
        if not _non_empty_str(host) or not _non_empty_str(credentials):
            raise InvalidRequest(INCOMPLETE_IMAGE_PULL)
        return ImagePullUpsert(host if host.endswith("/") else f"{host}/", credentials, region)
    if "secrets" in body:
        pairs = body["secrets"]
        if not isinstance(pairs, list) or not pairs:
            raise InvalidRequest
    elif "secretKey" in body:
        # The official CLI sends one key per PUT, flat, beside a redundant "name".
        pairs = [body]
    else:
        raise InvalidRequest
    return RegularUpsert(dict(_pair(p) for p in pairs), region)


def _pair(item: object) -> tuple[str, str]:
    if not isinstance(item, dict):
        raise InvalidRequest
    key, value = item.get("secretKey"), item.get("secretValue")
    if not valid_key_name(key) or not _non_empty_str(value):
        raise InvalidRequest
    return key, value


def _region(body: dict) -> str | None:
    region = body.get("region")
    if region is not None and not _non_empty_str(region):
        raise InvalidRequest
    return region


def _non_empty_str(value: object) -> bool:
    return isinstance(value, str) and value != ""
