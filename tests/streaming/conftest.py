"""A local syslog server (TCP, octet-counted frames) and a local HTTP collector, which the
tests take down and bring back."""

import json
import socket
import socketserver
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Syslog:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.messages: list[str] = []
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                while True:
                    length = b""
                    while (byte := self.rfile.read(1)) not in (b" ", b""):
                        length += byte
                    if not length:
                        return
                    outer.messages.append(self.rfile.read(int(length)).decode())

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def json(self, msgid: str, at_least: int = 1) -> list[dict]:
        """The JSON of the messages of `msgid`, once `at_least` have arrived (or 5 s passed):
        the server reads on its own threads."""
        deadline = time.monotonic() + 5
        while len(self._json(msgid)) < at_least and time.monotonic() < deadline:
            time.sleep(0.02)
        return self._json(msgid)

    def _json(self, msgid: str) -> list[dict]:
        return [
            json.loads(m.split(" - \ufeff", 1)[1]) for m in self.messages if f" {msgid} - " in m
        ]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Collector:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.bodies: list[dict] = []
        self.headers: list[dict] = []
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if outer.status == 200:
                    outer.bodies.append(json.loads(body))
                    outer.headers.append(dict(self.headers))
                self.send_response(outer.status)
                # An unkind collector echoes the token it was sent in its error.
                echoed = f"bad token {self.headers.get('X-Collector-Token')}".encode()
                self.send_header("Content-Length", str(len(echoed)))
                self.end_headers()
                self.wfile.write(echoed)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def events(self) -> list[dict]:
        return [event for body in self.bodies for event in body["events"]]

    @property
    def checkpoints(self) -> list[dict]:
        return [c for body in self.bodies for c in body["checkpoints"]]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def syslog():
    server = Syslog()
    yield server
    server.stop()


@pytest.fixture
def collector():
    server = Collector()
    yield server
    server.stop()
