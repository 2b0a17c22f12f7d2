"""How a view demands a role: every refusal is recorded and explained in a sentence."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseForbidden

from .denials import forbidden
from .roles import Role, has_role


def role_required(role: Role):
    """Lets the view run only for users holding `role`; records every refusal in the audit log."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, role):
                return deny(request, f"requires the {role} role")
            return view(request, *args, **kwargs)

        wrapped.required_role = role
        return wrapped

    return decorator


def deny(request, why: str) -> HttpResponseForbidden:
    return forbidden(request, message=why, shown=f"This {why}.")
