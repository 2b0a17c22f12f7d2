from django.urls import path

from . import views

app_name = "gcore"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:account>/", views.secret_list, name="secrets"),
    path("<slug:account>/<int:region_id>/<uuid:secret_id>/", views.secret_detail, name="secret"),
]
