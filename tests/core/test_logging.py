import json
import logging
import sys
import time

import pytest
from django.test import override_settings

from secretsadmin.config import Secret
from secretsadmin.core.logging import JsonFormatter, RedactFilter, RequestIdFilter, redact
from tests.core.fresh import start_up

CONFIGURED = Secret("prod-org-private-key-91f3")


def emit(message, *args, exc_info=None) -> logging.LogRecord:
    record = logging.LogRecord("t", logging.ERROR, __file__, 1, message, args, exc_info)
    RequestIdFilter().filter(record)
    RedactFilter().filter(record)
    return record


@override_settings(REDACTED_VALUES=[CONFIGURED])
def test_a_configured_token_never_reaches_a_log_line():
    record = emit("calling upstream with %s", CONFIGURED.reveal())
    assert record.getMessage() == "calling upstream with [REDACTED]"


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("Authorization: Bearer abc.def-123", "Authorization: [REDACTED]"),
        ("header APIKey 1234567890abcdef", "APIKey [REDACTED]"),
        ("body secretValue=hunter2&x=1", "secretValue=[REDACTED]"),
        ('{"api_key": "zzz-123"}', '"api_key": "[REDACTED]'),
        ("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abc", "token [REDACTED]"),
        ("key sk_live_4eC39HqLyjWDarjtT1zdp7dc", "key [REDACTED]"),
    ],
)
def test_values_shaped_like_credentials_are_masked(line, kept):
    message = emit(line).getMessage()
    assert kept in message
    for fragment in ("abc.def", "1234567890", "hunter2", "zzz-123", "eyJzdWIi", "4eC39Hq"):
        assert fragment not in message


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ("Cookie: sessionid=k7s9d8f7g6; csrftoken=c5d6e7", "Cookie: [REDACTED]"),
        (
            """WHERE "django_session"."session_key" = 'k7s9d8f7g6' LIMIT 21""",
            """WHERE "django_session"."session_key" = '[REDACTED]' LIMIT 21""",
        ),
        ('password="correct horse battery staple" user=bob', 'password="[REDACTED]" user=bob'),
        (
            "to postgres://app:S3cret@db.internal/secrets",
            "to postgres://app:[REDACTED]@db.internal/secrets",
        ),
    ],
)
def test_the_whole_credential_is_masked(line, masked):
    assert emit(line).getMessage() == masked


@override_settings(REDACTED_VALUES=[Secret("abcd"), Secret("PREFIX-abcd-SUFFIX")])
def test_a_configured_value_that_contains_another_is_masked_whole():
    assert emit("using PREFIX-abcd-SUFFIX").getMessage() == "using [REDACTED]"


def test_sql_and_its_parameters_are_not_logged_even_at_debug(tmp_path):
    result = start_up(
        {
            "DEBUG": "true",
            "LOG_LEVEL": "debug",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        },
        then="import logging; from django.db import connection;"
        "logging.getLogger('secretsadmin.probe').debug('debug lines are on');"
        "connection.cursor().execute('SELECT %s', ['k7s9d8f7g6-session-key'])",
    )
    assert result.returncode == 0, result.stderr
    assert "debug lines are on" in result.stderr
    assert "k7s9d8f7g6-session-key" not in result.stderr


def test_a_templates_context_is_not_logged_even_at_debug(tmp_path):
    """A missing variable makes Django log the whole context, a form's submitted values too."""
    result = start_up(
        {"DEBUG": "true", "LOG_LEVEL": "debug", "DATABASE_URL": f"sqlite:///{tmp_path / 'db'}"},
        then="import logging; from django.template import engines;"
        "logging.getLogger('secretsadmin.probe').debug('debug lines are on');"
        "engines['django'].from_string('{{ form.missing }}')"
        ".render({'form': {'value': 'typed-value-4c1d9e'}})",
    )
    assert result.returncode == 0, result.stderr
    assert "debug lines are on" in result.stderr
    assert "typed-value-4c1d9e" not in result.stderr


@override_settings(REDACTED_VALUES=[CONFIGURED])
def test_tracebacks_are_masked_too():
    try:
        raise RuntimeError(f"upstream refused {CONFIGURED.reveal()}")
    except RuntimeError:
        import sys

        record = emit("failed", exc_info=sys.exc_info())
    assert "RuntimeError: upstream refused [REDACTED]" in record.exc_text
    assert CONFIGURED.reveal() not in record.exc_text


def test_plain_words_survive():
    assert emit("set prod-keys has 3 secrets").getMessage() == "set prod-keys has 3 secrets"


def test_json_lines_carry_the_request_id_and_fields():
    record = emit("GET / 200")
    record.status = 200
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "GET / 200"
    assert entry["request_id"] == "-"
    assert entry["status"] == 200
    assert entry["level"] == "error"


def test_sentences_about_tokens_are_not_mangled():
    assert emit("the token was refused").getMessage() == "the token was refused"


@pytest.mark.parametrize(
    "text",
    [
        "/token-token-" * 8000,  # a request path: one GET of this held a worker for minutes
        "cookie-" * 15000,
        "a." * 50000 + "://",
        "http://u:" + "@" * 50000,
        "password_reset_token_" * 5000,
    ],
    ids=["names", "cookie", "scheme", "userinfo", "long-name"],
)
def test_redaction_of_text_a_client_sent_cannot_hang_a_worker(text):
    """Not a speed measure: before the patterns were made linear, each of these took minutes to
    hours; a line of 100 kB now takes milliseconds, so a second is a generous bound."""
    started = time.monotonic()
    redact(text, [])
    assert time.monotonic() - started < 1.0


def test_a_secret_after_another_name_in_the_same_line_is_still_masked():
    line = 'user=bob error: password=hunter2 Cookie: messages="x"; sessionid=abc'
    assert redact(line, []) == "user=bob error: password=[REDACTED] Cookie: [REDACTED]"


@pytest.mark.parametrize(
    "forged",
    [
        "/x\n2026-12-01 12:00:00,000 INFO [-] secretsadmin.access: ada POST /admin/ 200 1.0ms",
        "/x\r\nfake line",
        "/x\u2028fake line",
        "/x\x1b[2Kfake line",  # a terminal's erase-line
        "/\u202etxt.exe",
    ],
)
def test_a_request_path_cannot_forge_a_line_of_its_own(forged):
    message = emit("eddie GET %s 404 1.0ms", forged).getMessage()
    assert message.isprintable()  # one line, read as it was sent


def test_a_tracebacks_lines_are_kept():
    try:
        raise ValueError("boom")
    except ValueError:
        record = emit("failed", exc_info=sys.exc_info())
    assert record.exc_text.count("\n") >= 2


VALUE = Secret("sk-live-Zq81-9f3e-77ab-echoed")


@pytest.mark.parametrize(
    "echo",
    [
        "invalid value 'sk-live-Zq81-9f3e' (truncated)",  # cut short
        'body {"secretValue": "sk-live-Zq81-9f3e-77ab-echoed"}',
        "rejected sk-live-Zq81-9f3e-77ab-echoed%0A",
        "at ...9f3e-77ab-echoed...",  # its end
    ],
)
def test_a_value_a_change_sent_echoed_in_part_or_escaped_is_masked(echo):
    masked = redact(echo, [VALUE], partial=True)
    for run in ("Zq81-9f3e", "77ab-echoed"):
        assert run not in masked
    assert "[REDACTED]" in masked


def test_words_a_value_shares_only_briefly_survive():
    said = "the sk-live key was refused"
    assert redact(said, [VALUE], partial=True) == said


def test_a_configured_value_masks_no_other_text_it_shares_a_run_with():
    """The database's URL shares `postgres://` with every other PostgreSQL URL in a line."""
    configured = Secret("postgres://postgres@127.0.0.1:5432/test")
    line = "to postgres://app:S3cret@db.internal/secrets"
    assert redact(line, [configured]) == "to postgres://app:[REDACTED]@db.internal/secrets"


def test_a_value_as_a_url_or_json_writes_it_is_masked():
    value = Secret('p@ss w/rd+"quoted"')
    for echo in ('{"v": "p@ss w/rd+\\"quoted\\""}', "next=p%40ss%20w%2Frd%2B%22quoted%22"):
        assert "[REDACTED]" in redact(echo, [value]), echo
        assert "quoted" not in redact(echo, [value])  # whole forms, partial or not


def test_a_credential_shown_as_an_objects_repr_is_masked():
    """Django writes a template's whole context at DEBUG when a variable is missing; its CSRF
    token is a lazy object, written `<SimpleLazyObject: '…'>`, and the token unmasks to the
    secret of the person's CSRF cookie."""
    token = "ko6ZSpjMkelBbsQHaWsVNroBbQsYE99H4gT2yTSZ2dSMpUR27hs0faxmyzxm9gvq"
    line = f"Failed lookup for key [kept] in [{{'csrf_token': <SimpleLazyObject: '{token}'>, "
    line += "'request': <WSGIRequest: GET '/pipecat/prod/sets/voice-prod/'>}]"
    masked = emit(line).getMessage()
    assert token[:16] not in masked and token[-16:] not in masked
    assert "'csrf_token': <SimpleLazyObject: '[REDACTED]'>" in masked
    assert "'request': <WSGIRequest: GET '/pipecat/prod/sets/voice-prod/'>" in masked
