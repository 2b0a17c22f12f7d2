from django.urls import path

from . import views

app_name = "gcore"
urlpatterns = [
    path("", views.index, name="index"),
]
