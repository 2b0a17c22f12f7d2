from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from secretsadmin.accounts.access import role_required
from secretsadmin.accounts.roles import Role


@require_GET
@role_required(Role.VIEWER)
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "gcore/index.html")
