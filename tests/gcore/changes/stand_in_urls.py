"""The dashboard's URLs with stand-ins for the Gcore pages another branch builds (the secrets
list and a secret's page), holding the include points the change pages need of them: used only
while `gcore:secrets` does not exist (conftest.py). Once it does, the real pages are tested."""

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path

from secretsadmin import urls
from secretsadmin.accounts.access import role_required
from secretsadmin.accounts.roles import Role
from secretsadmin.gcore import selectors
from secretsadmin.gcore import urls as gcore_urls

LIST = """{% extends "base.html" %}{% load gcore_changes %}{% block content %}
<h1>Gcore Cloud secrets</h1>{% include "gcore/new_buttons.html" %}{% changes_in_flight account %}
<ul id="secrets" hx-get="" hx-trigger="gcore-changed from:body" hx-select="#secrets"
    hx-swap="outerHTML">
{% for s in secrets %}<li><a href="{{ s.region_id }}/{{ s.id }}/">{{ s.name }}</a></li>
{% endfor %}</ul>
{% endblock %}"""
DETAIL = """{% extends "base.html" %}{% load gcore_changes %}{% block content %}
<h1>{{ secret.name }}</h1>{% changes_in_flight account secret.id %}
{% include "gcore/delete_button.html" %}{% endblock %}"""


def _page(request: HttpRequest, source: str, context: dict) -> HttpResponse:
    return HttpResponse(engines["django"].from_string(source).render(context, request))


@role_required(Role.VIEWER)
def secrets(request: HttpRequest, account: str) -> HttpResponse:
    found = [s for r in selectors.regions(account) for s in selectors.region_secrets(account, r.id)]
    return _page(request, LIST, {"account": account, "secrets": found})


@role_required(Role.VIEWER)
def secret(request: HttpRequest, account: str, region_id: int, secret_id) -> HttpResponse:
    found = selectors.find_secret(account, region_id, str(secret_id))
    return _page(request, DETAIL, {"account": account, "secret": found})


gcore = [
    *gcore_urls.urlpatterns,
    path("<slug:account>/", secrets, name="secrets"),
    path("<slug:account>/<int:region_id>/<uuid:secret_id>/", secret, name="secret"),
]
urlpatterns = [
    path("gcore/", include((gcore, "gcore"))),
    *(p for p in urls.urlpatterns if str(p.pattern) != "gcore/"),
]
