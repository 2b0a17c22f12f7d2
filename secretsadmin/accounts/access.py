"""How a view demands a role: every refusal is recorded and explained in a sentence."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseBase, HttpResponseForbidden

from .denials import forbidden
from .roles import Role, has_role

type View = Callable[..., HttpResponseBase]  # a page, or a stream (the audit export)


def role_required(role: Role) -> Callable[[View], View]:
    """Lets the view run only for users holding `role`; records every refusal in the audit log.
    The view says which role it needs as `required_role` (checked for every URL by a test)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, role):
                return deny(request, f"requires the {role} role")
            return view(request, *args, **kwargs)

        wrapped.required_role = role  # type: ignore[attr-defined]  # read by the URL checks
        return wrapped

    return decorator


def deny(request: HttpRequest, why: str) -> HttpResponseForbidden:
    return forbidden(request, message=why, shown=f"This {why}.")
