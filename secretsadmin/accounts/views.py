from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.utils.decorators import method_decorator

from . import typed_names
from .denials import forbidden
from .forms import ThrottledAuthenticationForm


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    """Password login for the demo and break-glass; an operator can turn it off."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    authentication_form = ThrottledAuthenticationForm

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.LOCAL_LOGIN:
            # The name tried says who reached for break-glass; the password is never read.
            tried = typed_names.recorded(request.POST.get("username", ""))
            return forbidden(
                request,
                message=f"password login is turned off; tried as {tried!r}",
                shown="Password login is turned off; use single sign-on.",
                code="local_login_off",
            )
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        if isinstance(form, ThrottledAuthenticationForm) and form.lockout is not None:
            response.status_code = 429
            response["Retry-After"] = str(max(1, form.lockout.seconds_left))
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            "local_login": settings.LOCAL_LOGIN,
            "oidc_enabled": settings.OIDC_ENABLED,
        }


class LogoutView(auth_views.LogoutView):
    pass


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponseForbidden:
    shown = "The form was too old or came from another site. Reload the page and try again."
    return forbidden(request, message=reason, shown=shown, code="csrf")
