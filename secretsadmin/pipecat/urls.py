from django.urls import path

from . import views

app_name = "pipecat"
urlpatterns = [
    path("", views.index, name="index"),
]
