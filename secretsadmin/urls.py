from django.contrib import admin
from django.urls import include, path

from secretsadmin.core import views as core
from secretsadmin.metrics import views as metrics
from secretsadmin.overview import views as overview

urlpatterns = [
    path("", overview.home, name="home"),
    path("overview/pipecat/<slug:account>/", overview.pipecat_account, name="overview_pipecat"),
    path("overview/gcore/<slug:account>/", overview.gcore_account, name="overview_gcore"),
    path("healthz", core.healthz, name="healthz"),
    path("favicon.ico", core.favicon, name="favicon"),
    path("metrics", metrics.metrics, name="metrics"),
    path("pipecat/", include("secretsadmin.pipecat.urls")),
    path("gcore/", include("secretsadmin.gcore.urls")),
    path("rollouts/", include("secretsadmin.rollouts.urls")),
    path("alerts/", include("secretsadmin.alerts.urls")),
    path("audit/streams/", include("secretsadmin.streaming.urls")),
    path("audit/", include("secretsadmin.audit.urls")),
    path("accounts/", include("secretsadmin.accounts.urls")),
    path("admin/", admin.site.urls),
]
