"""Sending one alert to one channel: an email (Django's mail settings), a signed JSON webhook, a
Slack or a Teams incoming webhook. `send` returns once the channel took it (the mail server
accepted it, the webhook answered 2xx) and raises `ChannelFailed` otherwise, with a message that
never holds the channel's URL or secret.

A webhook's body carries `X-Secretsadmin-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
"<t>.<body>">`, keyed with the channel's secret, made afresh on each try: a receiver recomputes
it over the raw body, compares in constant time, and refuses a `t` more than `REPLAY_WINDOW`
seconds from its own clock. Each try of one delivery carries the same `delivery` id (and
`X-Secretsadmin-Delivery`): a receiver that saw it already drops it.
"""

import hashlib
import hmac
import json
import time

import httpx
from django.conf import settings
from django.core.mail import send_mail

from secretsadmin.core.logging import escape_controls, redact

from .config import Channel
from .models import Alert

SIGNATURE_HEADER = "X-Secretsadmin-Signature"
DELIVERY_HEADER = "X-Secretsadmin-Delivery"
REPLAY_WINDOW = 300  # seconds: what a receiver should allow between `t` and its clock
# What an error keeps of a webhook's answer: Slack says why in it ("invalid_token").
ANSWER_SHOWN = 200


class ChannelFailed(Exception):
    pass


def send(channel: Channel, alert: Alert, delivery: int) -> None:
    """Sends `alert` to `channel`; `delivery` is the id a receiver may drop a repeat by."""
    try:
        if channel.kind == "email":
            _email(channel, alert)
        else:
            _post(channel, body(channel, alert, delivery), delivery)
    except ChannelFailed as exc:
        raise ChannelFailed(_masked(channel, str(exc))) from None
    except (OSError, httpx.HTTPError) as exc:  # smtplib's errors are OSErrors
        raise ChannelFailed(_masked(channel, f"{type(exc).__name__}: {exc}")) from None


def title(alert: Alert) -> str:
    """One line: what, on what, where. A name holding a line break stays on it."""
    line = f"{alert.subject}: {alert.kind} {alert.threshold} ({alert.provider} {alert.account})"
    return " ".join(line.split())


def text(alert: Alert) -> str:
    return f"{title(alert)}\n{alert.message}"


def body(channel: Channel, alert: Alert, delivery: int) -> bytes:
    if channel.kind == "slack":
        content: dict[str, object] = {"text": _escaped(text(alert))}
    elif channel.kind == "teams":
        content = {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": title(alert),
            "title": _escaped(title(alert)),
            "text": _escaped(alert.message),
        }
    else:
        content = {
            "type": "alert",
            "delivery": delivery,
            "alert": {
                "id": alert.pk,
                "kind": alert.kind,
                "provider": alert.provider,
                "account": alert.account,
                "subject": alert.subject,
                "subject_id": alert.subject_id,
                "threshold": alert.threshold,
                "message": alert.message,
                "raised_at": alert.raised_at.isoformat(),
            },
        }
    return json.dumps(content, ensure_ascii=False).encode()


def signature(secret: str, timestamp: int, content: bytes) -> str:
    """The signature header's value, as a receiver recomputes it."""
    signed = f"{timestamp}.".encode() + content
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _escaped(value: str) -> str:
    # Slack reads <…> as links and mentions (<!channel>), and Teams renders HTML: a secret's
    # name is shown, never followed.
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _post(channel: Channel, content: bytes, delivery: int) -> None:
    headers = {"Content-Type": "application/json", DELIVERY_HEADER: str(delivery)}
    if channel.secret:
        headers[SIGNATURE_HEADER] = signature(channel.secret.reveal(), int(time.time()), content)
    with httpx.Client(timeout=channel.timeout) as client:
        response = client.post(channel.url.reveal(), content=content, headers=headers)
    if not response.is_success:
        answer = " ".join(response.text[:ANSWER_SHOWN].split())
        said = f": {escape_controls(answer)}" if answer else ""
        raise ChannelFailed(f"the {channel.destination} answered HTTP {response.status_code}{said}")


def _email(channel: Channel, alert: Alert) -> None:
    # Django's default mailer: MAILERS in the settings, its timeout EMAIL_TIMEOUT_SECONDS.
    send_mail(f"[secretsadmin] {title(alert)}", text(alert), None, list(channel.recipients))


def _masked(channel: Channel, message: str) -> str:
    return redact(message, [*channel.secrets, *getattr(settings, "REDACTED_VALUES", [])])
