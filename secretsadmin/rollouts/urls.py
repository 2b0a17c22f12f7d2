from django.urls import path

from . import views

app_name = "rollouts"
urlpatterns = [
    path("<uuid:rollout_id>/", views.rollout, name="rollout"),
    path("<uuid:rollout_id>/advance/", views.advance, name="advance"),
    path("<uuid:rollout_id>/retry/", views.retry, name="retry"),
    path("<uuid:rollout_id>/stop/", views.abandon, name="abandon"),
]
