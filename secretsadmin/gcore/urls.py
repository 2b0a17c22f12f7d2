from django.urls import path

from . import change_views, replace_views, views

app_name = "gcore"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:account>/", views.secret_list, name="secrets"),
    path("<slug:account>/<int:region_id>/<uuid:secret_id>/", views.secret_detail, name="secret"),
    # Changes (change_views): create, upload a certificate, delete, and a change's progress.
    path("<slug:account>/new/", change_views.secret_new, name="secret_new"),
    path("<slug:account>/new/certificate/", change_views.certificate_new, name="certificate_new"),
    path(
        "<slug:account>/new/certificate/check/",
        change_views.certificate_check,
        name="certificate_check",
    ),
    path("<slug:account>/check-name/", change_views.check_name, name="check_name"),
    path(
        "<slug:account>/<int:region_id>/<uuid:secret_id>/delete/",
        change_views.secret_delete,
        name="secret_delete",
    ),
    path(
        "<slug:account>/<int:region_id>/<uuid:secret_id>/replace/",
        replace_views.certificate_replace,
        name="certificate_replace",
    ),
    path("<slug:account>/changes/<int:sequence>/", change_views.change, name="change"),
]
