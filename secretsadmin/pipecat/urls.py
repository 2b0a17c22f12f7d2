from django.urls import path, register_converter

from . import views
from .converters import KeyName, SetName

register_converter(SetName, "setname")
register_converter(KeyName, "keyname")

app_name = "pipecat"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:account>/", views.set_list, name="sets"),
    path("<slug:account>/new/", views.set_new, name="set_new"),
    path("<slug:account>/check-name/", views.check_name, name="check_name"),
    path("<slug:account>/image-pull/new/", views.image_pull_new, name="image_pull_new"),
    path("<slug:account>/sets/<setname:name>/", views.set_detail, name="set"),
    path("<slug:account>/sets/<setname:name>/badge/", views.set_badge, name="badge"),
    path("<slug:account>/sets/<setname:name>/keys-count/", views.set_keys_count, name="keys_count"),
    path(
        "<slug:account>/sets/<setname:name>/keys/preview/", views.keys_preview, name="keys_preview"
    ),
    path("<slug:account>/sets/<setname:name>/keys/", views.keys_add, name="keys_add"),
    path(
        "<slug:account>/sets/<setname:name>/keys/<keyname:key>/delete/",
        views.key_delete,
        name="key_delete",
    ),
    path("<slug:account>/sets/<setname:name>/delete/", views.set_delete, name="set_delete"),
    path("<slug:account>/sets/<setname:name>/redeploy/", views.redeploy, name="redeploy"),
    path(
        "<slug:account>/sets/<setname:name>/image-pull/",
        views.image_pull_edit,
        name="image_pull_edit",
    ),
]
