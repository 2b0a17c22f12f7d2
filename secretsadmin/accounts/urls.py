from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.urls import path
from mozilla_django_oidc import views as oidc

from . import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
]
if settings.OIDC_ENABLED:
    urlpatterns += [
        path(
            "oidc/authenticate/",
            login_not_required(oidc.OIDCAuthenticationRequestView.as_view()),
            name="oidc_authentication_init",
        ),
        path(
            "oidc/callback/",
            login_not_required(oidc.OIDCAuthenticationCallbackView.as_view()),
            name="oidc_authentication_callback",
        ),
    ]
