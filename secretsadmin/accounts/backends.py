from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest


class TrustedHeaderBackend(ModelBackend):
    """Owns sessions opened from the SSO proxy's identity header.

    It never authenticates credentials itself: the middleware vouches for the header, and with
    local login turned off no password is accepted by any backend.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        return None
