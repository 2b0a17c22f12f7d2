"""A minimal WSGI toolkit shared by the emulators: routing, JSON, faults, a request log.

Each emulator subclasses `EmulatorApp`, declares its routes and how its errors look. Every app also
answers a small control API under `/_emulator/` (faults, request log, reset, clock) so that tests
and drills can script a server running in another thread or process.
"""

import json
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qs, quote, unquote

from .clock import Clock, ManualClock
from .faults import DropConnection, Fault, FaultPlan

MALFORMED_BODY = b'{"truncated": '


@dataclass
class Request:
    method: str
    path: str  # decoded, as WSGI's PATH_INFO
    raw_path: str  # as sent, still percent-encoded: what routes match, so `%2F` stays in its part
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    params: dict[str, str] = field(default_factory=dict)
    remote_addr: str = ""  # the client's address, WSGI's REMOTE_ADDR

    def json(self):
        """The body as JSON; raises `ValueError` when it is not."""
        return json.loads(self.body or b"null")

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class Response:
    status: int
    body: object = None  # JSON-serialisable, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if self.body is None:
            return b""
        return json.dumps(self.body).encode()


class HTTPError(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    operation: str
    status: int  # 0 when the connection was dropped


@dataclass
class Route:
    method: str
    pattern: re.Pattern
    operation: str
    handler: Callable[[Request], Response]


class EmulatorApp:
    """Base of the emulators: subclasses call `route()` in `__init__` and implement `error()`."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or Clock()
        self.faults = FaultPlan()
        self.latency = 0.0  # seconds added to every answer, e.g. to mimic a distant API
        self._log: list[LoggedRequest] = []
        self._log_lock = threading.Lock()
        self._routes: list[Route] = []
        self.state_lock = threading.RLock()

    # -- to be provided by each emulator ------------------------------------------------

    def error(self, status: int, message: str, code: str | None = None) -> Response:
        raise NotImplementedError

    def reset_state(self) -> None:
        raise NotImplementedError

    # -- routing ------------------------------------------------

    def route(self, method: str, pattern: str, operation: str, handler) -> None:
        """`pattern` uses `{name}` for one path segment; it must match the whole path."""
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern)
        self._routes.append(Route(method, re.compile(f"{regex}/?"), operation, handler))

    def _match(self, method: str, raw_path: str) -> tuple[Route | None, dict[str, str], bool]:
        path_known = False
        for route in self._routes:
            # `fullmatch`: `$` would also match before a final newline, taking `a/%0A` for `a/`.
            m = route.pattern.fullmatch(raw_path)
            if m:
                path_known = True
                if route.method == method:
                    return route, {k: unquote(v) for k, v in m.groupdict().items()}, True
        return None, {}, path_known

    # -- request log and control ------------------------------------------------

    @property
    def requests(self) -> list[LoggedRequest]:
        with self._log_lock:
            return list(self._log)

    def calls(self, operation: str | None = None) -> int:
        return sum(1 for r in self.requests if operation in (None, r.operation))

    def reset(self) -> None:
        self.faults.clear()
        self.latency = 0.0
        with self._log_lock:
            self._log.clear()
        with self.state_lock:
            self.reset_state()

    def _record(self, request: Request, operation: str, status: int) -> None:
        with self._log_lock:
            self._log.append(LoggedRequest(request.method, request.path, operation, status))

    def _control(self, request: Request) -> Response:
        action = request.path.removeprefix("/_emulator/").strip("/")
        if request.method == "GET" and action == "requests":
            return Response(200, {"requests": [r.__dict__ for r in self.requests]})
        if request.method == "POST" and action == "reset":
            self.reset()
            return Response(200, {"status": "reset"})
        if request.method == "POST" and action == "faults":
            try:
                self.faults.add(Fault.from_dict(request.json()))
            except (TypeError, ValueError) as exc:
                return Response(400, {"error": str(exc)})
            return Response(201, {"status": "added"})
        if request.method == "POST" and action == "latency":
            self.latency = float(request.json()["seconds"])
            return Response(200, {"latency": self.latency})
        if request.method == "POST" and action == "clock" and isinstance(self.clock, ManualClock):
            self.clock.advance(float(request.json()["seconds"]))
            return Response(200, {"status": "advanced"})
        return Response(404, {"error": f"unknown control action {request.method} {action}"})

    # -- WSGI ------------------------------------------------

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        request = _read_request(environ)
        if request.path.startswith("/_emulator/"):
            response = self._control(request)
        else:
            response = self._dispatch(request)
        payload = response.encode()
        headers = {"Content-Type": "application/json", **response.headers}
        headers["Content-Length"] = str(len(payload))
        reason = HTTPStatus(response.status).phrase
        start_response(f"{response.status} {reason}", list(headers.items()))
        return [payload]

    def _dispatch(self, request: Request) -> Response:
        route, params, path_known = self._match(request.method, request.raw_path)
        operation = route.operation if route else "unknown"
        try:
            response = self._answer(route, params, path_known, request)
        except DropConnection:
            self._record(request, operation, 0)
            raise
        self.clock.sleep(self.latency)
        self._record(request, operation, response.status)
        return response

    def _answer(self, route, params, path_known, request) -> Response:
        if route is None:
            if path_known:
                return self.error(405, "Method not allowed")
            return self.error(404, "Not found")
        fault = self.faults.take(route.operation)
        if fault is None:
            return self._handle(route, params, request)
        # Carried out first when the fault comes after the effect: the client sees only the fault.
        made = self._handle(route, params, request) if fault.after_effect else None
        self.clock.sleep(fault.delay)
        if fault.drop:
            raise DropConnection(route.operation)
        if fault.status:
            response = self.error(fault.status, fault.message or _fault_message(fault.status))
            if fault.retry_after is not None:
                response.headers["Retry-After"] = str(fault.retry_after)
            return response
        if fault.malformed:
            return Response(200, MALFORMED_BODY)
        return made if made is not None else self._handle(route, params, request)

    def _handle(self, route, params, request) -> Response:
        request.params = params
        try:
            with self.state_lock:
                return route.handler(request)
        except HTTPError as exc:
            return exc.response


def _fault_message(status: int) -> str:
    return HTTPStatus(status).phrase


def _read_request(environ) -> Request:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    headers = {
        key[5:].replace("_", "-").lower(): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    path = environ.get("PATH_INFO", "") or "/"
    return Request(
        method=environ["REQUEST_METHOD"],
        path=path,
        raw_path=_raw_path(environ, path),
        query=parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
        headers=headers,
        body=body,
        remote_addr=environ.get("REMOTE_ADDR", ""),
    )


def _raw_path(environ, path: str) -> str:
    """The path as the client sent it, from `RAW_URI` (gunicorn's name, which our server and
    transport set too); failing that, PATH_INFO encoded again, where a sent `%2F` is lost."""
    raw = environ.get("RAW_URI", "").partition("?")[0]
    if raw.startswith("/"):
        return raw
    try:
        sent = path.encode("latin-1")  # PEP 3333: PATH_INFO carries the bytes as latin-1
    except UnicodeEncodeError:
        sent = path.encode()
    return quote(sent, safe="/")
