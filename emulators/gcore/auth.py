"""`Authorization: APIKey <token>`: the docs write the scheme `apikey`, the SDK `APIKey`."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..wsgi import HTTPError, Request
from .errors import error_response

SCHEME = "apikey"


@dataclass(frozen=True)
class Principal:
    user_id: int
    projects: frozenset[int]


class KeyRing:
    def __init__(self, api_keys: Mapping[str, Iterable[int]], first_user_id: int = 1001) -> None:
        self.first_user_id = first_user_id
        self._principals = {
            token: Principal(first_user_id + index, frozenset(projects))
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
