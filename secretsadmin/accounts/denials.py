"""Refusals: every one is recorded in the audit log, and a person is told why in a sentence."""

import logging

from django.http import HttpRequest, HttpResponseForbidden
from django.template.loader import render_to_string

from secretsadmin.audit import services as audit

from .actors import actor_of

logger = logging.getLogger(__name__)


def record_denial(request: HttpRequest, *, message: str, code: str = "") -> None:
    try:
        audit.record(
            actor_of(request),
            action="auth.denied",
            outcome="denied",
            subject=audit.Subject(target=f"{request.method} {request.path}"),
            error_code=code,
            error_message=message,
        )
    except audit.AuditUnavailable:
        # The request is refused all the same; only the evidence of it is missing.
        logger.error("could not record a refusal (%s) of %s %s", code, request.method, request.path)


def forbidden(
    request: HttpRequest, *, message: str, shown: str, code: str = ""
) -> HttpResponseForbidden:
    record_denial(request, message=message, code=code)
    body = render_to_string("403.html", {"message": shown}, request=request)
    return HttpResponseForbidden(body)
