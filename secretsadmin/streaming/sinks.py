"""Sending lines of the audit log to a sink: syslog (RFC 5424 over TCP, octet-counted as RFC
6587 and 5425 frame it, TLS optional) or a collector taking JSON over HTTPS. Each `send` returns
once the sink has accepted everything (an HTTP 2xx; for syslog, the write completed) and raises
`SinkFailed` otherwise, with a message that never holds the token."""

import socket
import ssl
from dataclasses import dataclass

import httpx

from secretsadmin.core.logging import redact

from .config import Sink

# RFC 5424 facility 13, "log audit"; severity 6, informational.
PRIORITY = 13 * 8 + 6
APP_NAME = "secretsadmin"
BOM = "\ufeff"  # RFC 5424: a UTF-8 MSG starts with it


class SinkFailed(Exception):
    pass


@dataclass(frozen=True)
class Message:
    kind: str  # "event" or "checkpoint"
    time: str  # RFC 3339, UTC
    text: str  # one JSON object: an event's canonical line with its hash, or a checkpoint


def send(sink: Sink, messages: list[Message]) -> None:
    try:
        if sink.kind == "syslog":
            _syslog(sink, messages)
        else:
            _https(sink, messages)
    except SinkFailed as exc:
        raise SinkFailed(_masked(sink, str(exc))) from None
    except (OSError, httpx.HTTPError) as exc:
        raise SinkFailed(_masked(sink, f"{type(exc).__name__}: {exc}")) from None


def _masked(sink: Sink, text: str) -> str:
    return redact(text, [sink.token] if sink.token else [])


def _context(sink: Sink) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=sink.ca_file)
    if not sink.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def frame(message: Message) -> bytes:
    """One RFC 5424 message, octet-counted (`LENGTH SP MESSAGE`)."""
    host = socket.gethostname()[:255] or "-"
    msgid = "checkpoint" if message.kind == "checkpoint" else "audit"
    body = f"<{PRIORITY}>1 {message.time} {host} {APP_NAME} - {msgid} - {BOM}{message.text}"
    encoded = body.encode()
    return f"{len(encoded)} ".encode() + encoded


def _syslog(sink: Sink, messages: list[Message]) -> None:
    host, port = sink.address
    with socket.create_connection((host, port), timeout=sink.timeout) as raw:
        connection: socket.socket = (
            _context(sink).wrap_socket(raw, server_hostname=host) if sink.tls else raw
        )
        connection.sendall(b"".join(frame(message) for message in messages))
        if sink.tls:
            connection.close()


def _https(sink: Sink, messages: list[Message]) -> None:
    events = [m.text for m in messages if m.kind == "event"]
    checkpoints = [m.text for m in messages if m.kind == "checkpoint"]
    # The lines are put in verbatim: each stays the exact canonical text its hash covers.
    body = '{"events":[' + ",".join(events) + '],"checkpoints":[' + ",".join(checkpoints) + "]}"
    headers = {"Content-Type": "application/json"}
    if sink.token:
        headers[sink.header] = sink.token.reveal()
    verify: ssl.SSLContext | bool = _context(sink) if sink.tls else False
    with httpx.Client(verify=verify, timeout=sink.timeout) as client:
        response = client.post(sink.url, content=body.encode(), headers=headers)
    if not response.is_success:
        raise SinkFailed(f"the collector answered HTTP {response.status_code}")
