"""In-process transport: an emulator app behind httpx, failing the way a network would.

`httpx.WSGITransport` alone would turn a scripted drop into an app exception and ignore timeouts;
this maps them to the httpx errors a client sees from a real server.
"""

import httpx

from .faults import DropConnection


class EmulatorTransport(httpx.WSGITransport):
    def __init__(self, app) -> None:
        super().__init__(app=app)
        self.emulator = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = self.emulator.clock.now()
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
