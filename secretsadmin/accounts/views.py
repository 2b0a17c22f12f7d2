from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseForbidden
from django.template.loader import render_to_string
from django.utils.decorators import method_decorator

from secretsadmin.audit import services as audit


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    """Password login for the demo and break-glass; an operator can turn it off."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if not settings.LOCAL_LOGIN:
            return HttpResponseForbidden("Password login is turned off; use single sign-on.")
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "local_login": settings.LOCAL_LOGIN,
            "oidc_enabled": settings.OIDC_ENABLED,
        }


class LogoutView(auth_views.LogoutView):
    pass


@login_not_required
def csrf_failure(request, reason=""):
    audit.record(
        audit.Actor.from_request(request),
        action="auth.denied",
        outcome="denied",
        target=f"{request.method} {request.path}",
        error_code="csrf",
        error_message=reason,
    )
    why = "the form was too old or came from another site. Reload the page and try again."
    body = render_to_string("403.html", {"reason": why}, request=request)
    return HttpResponseForbidden(body)
