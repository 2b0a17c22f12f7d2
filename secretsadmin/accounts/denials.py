"""Refusals: each is recorded in the audit log, and a person is told why in a sentence.

The log is permanent, and anyone can be refused: so the refusals of one source are merged, one
event per `DENIALS_MERGE_SECONDS`. Someone not signed in is a source by address and kind of
refusal, whatever they ask for; a signed-in person by what they asked for too, since what each
of them tried is worth its own event. The first of a window is
recorded at once; those that follow are counted, and the count is written with that source's
next recorded refusal ("and 199 more like it"). Text a client chose is cut short.
"""

import contextlib
import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponseForbidden
from django.template.loader import render_to_string

from secretsadmin.audit import services as audit

from .actors import actor_of

logger = logging.getLogger(__name__)

MAX_PATH = 200  # of the request line recorded as the target
CARRY_SECONDS = 86400  # how long a count waits for the source's next refusal


def record_denial(request: HttpRequest, *, message: str, code: str = "") -> None:
    actor = actor_of(request)
    target = f"{request.method} {request.path}"[:MAX_PATH]
    asked = target if actor.user_id is not None else ""
    source = hashlib.sha256(
        "\0".join([actor.source_ip, actor.username, code, asked]).encode()
    ).hexdigest()
    window, carried = f"denials:{source}", f"denials:{source}:merged"
    if not cache.add(window, 1, settings.DENIALS_MERGE_SECONDS):
        cache.add(carried, 0, CARRY_SECONDS)
        with contextlib.suppress(ValueError):  # expired this instant: lost, as with no cache
            cache.incr(carried)
        return
    merged = cache.get(carried, 0)
    if merged:
        cache.delete(carried)
        message = (
            f"{message} (and {merged} more refusal{'s' if merged > 1 else ''} like it from this "
            "source since its last recorded one, merged)"
        )
    try:
        audit.record(
            actor,
            action="auth.denied",
            outcome="denied",
            subject=audit.Subject(target=target),
            error_code=code,
            error_message=message[:1000],
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
