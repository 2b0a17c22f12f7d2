"""The URLconf with the OIDC callback, which the real one mounts only when OIDC is configured."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from mozilla_django_oidc import views as oidc

from secretsadmin.urls import urlpatterns as base

urlpatterns = [
    *base,
    path(
        "accounts/oidc/callback/",
        login_not_required(oidc.OIDCAuthenticationCallbackView.as_view()),
        name="oidc_authentication_callback",
    ),
]
