"""Log filters and formatter: request ids on every line, no secret in any line, and no line
another can forge (a request path or a name holding a line break)."""

import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import quote

from django.conf import settings

from secretsadmin.config import Secret

from . import request_id

MASK = "[REDACTED]"

# Shapes of credentials that must never be written, whoever wrote them. A pattern's `secret`
# group is what gets masked; a pattern without one is masked whole. Log lines may hold text a
# client sent (a request path): every pattern runs in time linear in the line, its repeats
# bounded or possessive and each starting only where a run of its characters starts.
_NAMES = r"password|passwd|secret|token|api[_-]?key|authorization|session[_-]?(?:id|key)"
# `name = value`, `"name": "value"`: a run of [\w-] holding one of the names, from its start.
# The value may be an object's repr around it, `'csrf_token': <SimpleLazyObject: 'value'>`, as
# Django writes a template's context at DEBUG.
_NAMED = (
    r"""(?<![\w-])[\w-]{0,32}(?:%s)[\w-]{0,32}+["']?\s*+[=:]\s*+"""
    r"""(?:<[\w.]{1,64}+:\s++)?["']?"""
)
# A quoted value runs to its closing quote, spaces and all; a bare one to the next separator.
_VALUE = r"""(?P<secret>(?<=")(?:\\.|[^"\\\n])*+|(?<=')(?:\\.|[^'\\\n])*+|[^\s,;"'&}]++)"""
TOKEN_PATTERNS = [
    re.compile(r"(?i)(?<![\w-])(?:bearer|apikey|basic)\s++(?P<secret>[^\s,;\"']++)"),
    # "token <value>", not "token expired"
    re.compile(r"(?i)(?<![\w-])token\s++(?P<secret>[\w.~+/-]{16,}+=*+)"),
    re.compile("(?i)" + _NAMED % _NAMES + _VALUE),
    # A whole Cookie header: every cookie in it, not only a session's, to the end of the line.
    re.compile("(?i)" + _NAMED % "cookie" + r"(?P<secret>[^\r\n]++)"),
    # The password in a URL's userinfo (postgres://user:password@host/db); it may hold an "@".
    re.compile(
        r"(?i)(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,30}+://[^\s:/@]{0,256}+:(?P<secret>[^\s/]{1,256})@"
    ),
    re.compile(r"(?<![\w-])eyJ[\w-]{8,}+\.[\w-]{8,}+\.[\w-]*+"),  # JSON Web Tokens
    re.compile(r"\b(?:sk|pk)_(?:live|test)?_?[A-Za-z0-9]{16,}+\b"),  # provider key prefixes
]


# A run this long of a secret value is masked wherever it turns up: an upstream error may echo
# a value cut short, or split over its own formatting.
PARTIAL_RUN = 10


def redact(text: str, values: Iterable[Secret], *, partial: bool = False) -> str:
    """`text` with `values` masked (with `partial`, also any run of PARTIAL_RUN characters of
    them: for the values a change sends, which a provider may echo cut short; a configured URL's
    `postgres://` must not mask every other one) and anything shaped like a credential."""
    # Longest first: a value that contains another would otherwise stay partly visible.
    for raw in sorted((value.reveal() for value in values), key=len, reverse=True):
        if len(raw) >= 4:
            text = mask_value(text, raw, partial=partial)
    for pattern in TOKEN_PATTERNS:
        text = pattern.sub(_mask_match, text)
    return text


def mask_value(text: str, raw: str, *, partial: bool) -> str:
    """`text` with `raw` masked: whole, as JSON or a URL escapes it, and with `partial` any run
    of `PARTIAL_RUN` characters or more of it (a value echoed in part)."""
    for form in dict.fromkeys((raw, json.dumps(raw)[1:-1], quote(raw, safe=""))):
        text = text.replace(form, MASK)
    if not partial or len(raw) <= PARTIAL_RUN:
        return text
    covered = bytearray(len(text))
    for start in range(len(raw) - PARTIAL_RUN + 1):
        window = raw[start : start + PARTIAL_RUN]
        found = text.find(window)
        while found != -1:
            covered[found : found + PARTIAL_RUN] = b"\x01" * PARTIAL_RUN
            found = text.find(window, found + 1)
    if not any(covered):
        return text
    kept, masking = [], False
    for character, hidden in zip(text, covered, strict=True):
        if hidden and not masking:
            kept.append(MASK)
        elif not hidden:
            kept.append(character)
        masking = bool(hidden)
    return "".join(kept)


# Characters that would start a line of their own or reorder what a reader sees: C0 and C1
# controls but the tab, the Unicode line and paragraph separators, and the bidi overrides.
_FORGING = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def escape_controls(text: str) -> str:
    """`text` with each forging character written as its escape, `\\x0a` for a line feed."""
    return _FORGING.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), text)


def _mask_match(match: re.Match[str]) -> str:
    if "secret" not in match.re.groupindex:
        return MASK
    start, end = match.span("secret")
    return f"{match.string[match.start() : start]}{MASK}{match.string[end : match.end()]}"


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class RedactFilter(logging.Filter):
    """Masks configured secrets and anything shaped like a credential, message and traceback;
    escapes what would break the message into forged lines (a traceback keeps its own)."""

    def filter(self, record: logging.LogRecord) -> bool:
        values = getattr(settings, "REDACTED_VALUES", [])
        record.msg = escape_controls(redact(record.getMessage(), values))
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, values)
        return True


class JsonFormatter(logging.Formatter):
    # The access log's, and the watcher's (what happened, to which job, with what outcome).
    EXTRA_FIELDS = ("client", "status", "event", "round", "job", "outcome", "duration_ms")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        entry.update({k: getattr(record, k) for k in self.EXTRA_FIELDS if hasattr(record, k)})
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry)
