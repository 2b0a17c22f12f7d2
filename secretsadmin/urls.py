from django.contrib import admin
from django.urls import include, path

from secretsadmin.core import views as core

urlpatterns = [
    path("", core.home, name="home"),
    path("healthz", core.healthz, name="healthz"),
    path("favicon.ico", core.favicon, name="favicon"),
    path("pipecat/", include("secretsadmin.pipecat.urls")),
    path("gcore/", include("secretsadmin.gcore.urls")),
    path("audit/", include("secretsadmin.audit.urls")),
    path("accounts/", include("secretsadmin.accounts.urls")),
    path("admin/", admin.site.urls),
]
