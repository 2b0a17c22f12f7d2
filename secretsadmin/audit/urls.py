from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:sequence>/", views.detail, name="detail"),
    path("<int:sequence>/check/", views.check_value, name="check"),
    path("export.csv", views.export_events, {"fmt": "csv"}, name="export_csv"),
    path("export.jsonl", views.export_events, {"fmt": "jsonl"}, name="export_jsonl"),
    path("verify", views.verify, name="verify"),
]
