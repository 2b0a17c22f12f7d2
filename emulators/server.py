"""Runs an emulator app as a real threaded HTTP server on the loopback interface."""

import socket
import struct
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer, make_server

from .faults import DropConnection


class _Handler(ServerHandler):
    def cleanup_headers(self) -> None:
        super().cleanup_headers()
        # Each connection serves one request: say so, or pooling clients reuse a closed socket.
        self.headers["Connection"] = "close"

    def handle_error(self) -> None:
        # A scripted drop: close the socket with no status line, as a crashed upstream would.
        if isinstance(self._exc, DropConnection):
            conn = self.request_handler.connection
            linger_zero = struct.pack("ii", 1, 0)  # close with RST, as a crashed peer does
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger_zero)
            conn.close()
            return
        super().handle_error()

    def run(self, application):
        def wrapped(environ, start_response):
            try:
                return application(environ, start_response)
            except DropConnection as exc:
                self._exc = exc
                raise

        self._exc = None
        super().run(wrapped)


class _RequestHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"

    def get_environ(self) -> dict:
        environ = super().get_environ()
        # PATH_INFO is decoded: the target as sent keeps an encoded `/` inside its path part.
        environ["RAW_URI"] = self.path
        return environ

    def handle(self) -> None:
        # One request per connection, as wsgiref's own handler does, with our error handling.
        self.raw_requestline = self.rfile.readline(65537)
        if not self.parse_request():
            return
        handler = _Handler(self.rfile, self.wfile, self.get_stderr(), self.get_environ())
        handler.request_handler = self
        handler.http_version = "1.1"
        handler.run(self.server.get_app())
        self.close_connection = True

    def log_message(self, format, *args) -> None:
        # The emulator keeps its own request log (no values); stderr stays quiet.
        pass


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class EmulatorServer:
    """`with EmulatorServer(app) as server:` serves `app` at `server.url` until the block ends."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._httpd = make_server(
            host, port, app, server_class=_ThreadingServer, handler_class=_RequestHandler
        )
        self.host, self.port = self._httpd.server_address[:2]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "EmulatorServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def __enter__(self) -> "EmulatorServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
