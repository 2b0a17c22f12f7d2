"""`Authorization: APIKey <token>`: the docs write the scheme `apikey`, the SDK `APIKey`."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..wsgi import HTTPError, Request
from .errors import error_response

SCHEME = "apikey"


@dataclass(frozen=True)
class Principal:
    """Who a key acts for, as the user-action log names them."""

    user_id: int
    projects: frozenset[int]
    token_id: int
    email: str


class KeyRing:
    def __init__(self, api_keys: Mapping[str, Iterable[int]], first_user_id: int = 1001) -> None:
        self.first_user_id = first_user_id
        self._principals = {
            token: Principal(
                user_id=first_user_id + index,
                projects=frozenset(projects),
                token_id=_token_id(token, index),
                email=f"user{first_user_id + index}@example.com",
            )
            for index, (token, projects) in enumerate(api_keys.items())
        }

    def authenticate(self, request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != SCHEME or not token.strip():
            raise HTTPError(
                error_response(
                    401, "Authentication credentials were not provided.", "NotAuthenticated"
                )
            )
        principal = self._principals.get(token.strip())
        if principal is None:
            # The vendor echoes a token's id, the part before its `$`; never echo the secret part.
            key_id, dollar, _ = token.strip().partition("$")
            message = f"Bad permanent token: {key_id}" if dollar else "Bad permanent token"
            raise HTTPError(error_response(401, message))
        return principal


def _token_id(token: str, index: int) -> int:
    """A permanent token reads `<id>$<secret>`: its id, when it has one; else its place, from 1."""
    key_id, dollar, _ = token.partition("$")
    return int(key_id) if dollar and key_id.isascii() and key_id.isdigit() else index + 1
