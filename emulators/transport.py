"""In-process transport: an emulator app behind httpx, failing the way a network would.

`httpx.WSGITransport` alone would turn a scripted drop into an app exception and ignore timeouts;
this maps them to the httpx errors a client sees from a real server.
"""

import threading

import httpx

from .faults import DropConnection


class EmulatorTransport(httpx.WSGITransport):
    def __init__(self, app, *, remote_addr: str = "127.0.0.1") -> None:
        """`remote_addr`: the client's address as the app sees it (REMOTE_ADDR)."""
        super().__init__(app=self._with_raw_uri, remote_addr=remote_addr)
        self.emulator = app
        self._sending = threading.local()

    def _with_raw_uri(self, environ, start_response):
        # httpx decodes PATH_INFO; the target as sent keeps an encoded `/` inside its path part.
        environ["RAW_URI"] = self._sending.target
        return self.emulator(environ, start_response)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = self.emulator.clock.now()
        self._sending.target = request.url.raw_path.decode("ascii")
        try:
            response = super().handle_request(request)
        except DropConnection as exc:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from exc
        read_timeout = request.extensions.get("timeout", {}).get("read")
        if read_timeout is not None and self.emulator.clock.now() - started > read_timeout:
            raise httpx.ReadTimeout("The read operation timed out", request=request)
        return response
