"""A local webhook receiver, which the tests make answer errors and recover."""

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.raw)


class Receiver:
    def __init__(self) -> None:
        self.accepted: list[Request] = []  # what it answered 2xx to
        self.tries = 0
        self.status = 200
        self.on_request: Callable[[], None] | None = None  # run as each request comes in
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                outer.tries += 1
                if outer.on_request is not None:
                    outer.on_request()
                if outer.status == 200:
                    outer.accepted.append(Request(self.path, dict(self.headers), raw))
                self.send_response(outer.status)
                # An unkind receiver echoes what it was sent in its error: the URL's path (a
                # Slack webhook's credential) and its query.
                echoed = f"no_service {self.path}".encode()
                self.send_header("Content-Length", str(len(echoed)))
                self.end_headers()
                self.wfile.write(echoed)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()
