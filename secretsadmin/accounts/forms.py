"""The password sign-in form, refusing before any password is checked while a lockout lasts."""

from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from secretsadmin.core.proxies import client_address

from . import throttle


class ThrottledAuthenticationForm(AuthenticationForm):
    lockout: throttle.Lockout | None = None

    def clean(self) -> dict[str, Any]:
        if self.request is not None:
            username = str(self.data.get("username", ""))
            self.lockout = throttle.locked(username, client_address(self.request))
            if self.lockout is not None:
                raise ValidationError(self.lockout.message, code="throttled")
        return super().clean()
