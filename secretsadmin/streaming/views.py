from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from secretsadmin.accounts.access import role_required
from secretsadmin.accounts.roles import Role

from .selectors import standings


@require_GET
@role_required(Role.AUDITOR)
def index(request: HttpRequest) -> HttpResponse:
    context = {"standings": standings(), "checkpoint_minutes": settings.AUDIT_CHECKPOINT_MINUTES}
    return render(request, "streaming/index.html", context)
