from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from .access import refusal
from .exposition import scrape


# A machine's, not a person's: the bearer token stands in for a session and a role.
@login_not_required
@require_GET
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if (refused := refusal(request)) is not None:
        return refused
    return HttpResponse(scrape(), content_type=CONTENT_TYPE_LATEST)


# The URL checks read it: a bearer token, not a role, guards this view.
metrics.required_token = "METRICS_TOKEN"  # type: ignore[attr-defined]  # noqa: S105 - a name
