"""What the leak scan (test_leak_scan.py) captures on the dashboard's side: each person's browser
(every response and request, the cookies), the app's log lines as its handler writes them, what
the dashboard sends to and gets from the providers, and the database and cache as stored."""

import logging
from html.parser import HTMLParser
from urllib.parse import urljoin

import httpx
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.db import connection
from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError

from tests.fixtures.leaks import (
    BROWSER,
    CACHE,
    COOKIE,
    DATABASE,
    LOG,
    SET_COOKIE,
    UPSTREAM_ANSWER,
    UPSTREAM_AUTHORIZATION,
    UPSTREAM_BODY,
    UPSTREAM_REQUEST,
    Captured,
)


class Upstream(httpx.BaseTransport):
    """The dashboard's transport to every provider: real HTTP, and a record of each request and
    answer as the dashboard sent and got them."""

    def __init__(self, captured: Captured) -> None:
        self._http = httpx.HTTPTransport()
        self._captured = captured

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        origin = f"{request.url.scheme}://{request.url.host}:{request.url.port}"
        what = f"the dashboard's {request.method} {request.url}"
        add = self._captured.add
        add(f"{what}: its URL", UPSTREAM_REQUEST, str(request.url), origin)
        for name, value in request.headers.multi_items():
            place = UPSTREAM_AUTHORIZATION if name.lower() == "authorization" else UPSTREAM_REQUEST
            add(f"{what}: header {name}", place, f"{name}: {value}", origin)
        add(f"{what}: its body", UPSTREAM_BODY, request.read(), origin)
        response = self._http.handle_request(request)
        body = response.read()
        headers = "\n".join(f"{k}: {v}" for k, v in response.headers.multi_items())
        add(f"{what}: the answer's headers", UPSTREAM_ANSWER, headers, origin)
        add(f"{what}: the answer ({response.status_code})", UPSTREAM_ANSWER, body, origin)
        return response

    def close(self) -> None:
        """Every account's client shares this transport: closing one client keeps it open."""

    def shut(self) -> None:
        self._http.close()


class LogLines(logging.Handler):
    """The lines the app's console handler writes, through its own filters and formatter."""

    def __init__(self, captured: Captured) -> None:
        console = next(h for h in logging.getLogger().handlers if h.name == "console")
        super().__init__()
        self.filters = list(console.filters)
        self.setFormatter(console.formatter)
        self.count = 0
        self._captured = captured

    def emit(self, record: logging.LogRecord) -> None:
        # The test's own machinery (the browser driver, the emulators) is no part of the app.
        if record.name.startswith(("playwright", "asyncio", "emulators")):
            return
        self.count += 1
        self._captured.add(f"log line {self.count} ({record.name})", LOG, self.format(record))


class Browsing:
    """Each person's browser context, every response and request of it recorded."""

    def __init__(self, browser, base: str, captured: Captured) -> None:
        self.browser, self.base, self.captured = browser, base, captured
        self.contexts: list[tuple[str, BrowserContext]] = []
        self.in_flight = 0
        self.responses = 0
        self.set_cookies: dict[str, set[str]] = {}  # every value each cookie was given

    def context(self, who: str) -> Page:
        context = self.browser.new_context(accept_downloads=True)
        context.on("request", lambda request: self._request(who, request))
        context.on("requestfinished", lambda _: self._done())
        context.on("requestfailed", lambda _: self._done())
        context.on("response", lambda response: self._response(who, response))
        self.contexts.append((who, context))
        return context.new_page()

    def _request(self, who: str, request) -> None:
        self.in_flight += 1
        what = f"{who}'s browser: request {request.method} {request.url}"
        self.captured.add(f"{what}: its URL", BROWSER, request.url)
        headers = "\n".join(f"{k}: {v}" for k, v in request.headers.items())
        self.captured.add(f"{what}: its headers", BROWSER, headers)

    def _done(self) -> None:
        self.in_flight -= 1

    def _response(self, who: str, response) -> None:
        self.responses += 1
        what = f"{who}'s browser: {response.request.method} {response.url} → {response.status}"
        self._headers(what, response.headers_array())
        try:
            body = response.body()
        except PlaywrightError:  # a redirect's, or a download's: its file is read instead
            return
        self.captured.add(f"{what}: body", BROWSER, body)

    def settle(self, page: Page) -> None:
        """Until the page's requests (htmx's loads, swaps and polls) have all been answered."""
        quiet = 0
        for _ in range(200):
            page.wait_for_timeout(20)
            quiet = quiet + 1 if self.in_flight <= 0 else 0
            if quiet >= 3:
                return

    def goto(self, page: Page, path: str):
        response = page.goto(urljoin(self.base, path))
        self.settle(page)
        return response

    def _headers(self, what: str, headers: list[dict[str, str]]) -> None:
        """A response's headers; each cookie it sets on its own, scoped by the cookie's name."""
        others = []
        for header in headers:
            if header["name"].lower() == "set-cookie":
                for line in header["value"].splitlines():
                    name, _, rest = line.partition("=")
                    self.set_cookies.setdefault(name.strip(), set()).add(rest.partition(";")[0])
                    where = f"{what}: Set-Cookie {name.strip()}"
                    self.captured.add(where, SET_COOKIE, line, name.strip())
            else:
                others.append(f"{header['name']}: {header['value']}")
        self.captured.add(f"{what}: headers", BROWSER, "\n".join(others))

    def read(self, page: Page, path: str, *, fragment: bool = False) -> list[str]:
        """A page fetched with the browser's session (its cookies), not rendered, or with
        `fragment` as htmx asks for one; its links."""
        who = next(who for who, context in self.contexts if context is page.context)
        headers = {"HX-Request": "true"} if fragment else {}
        response = page.request.get(urljoin(self.base, path), headers=headers)
        what = f"{who}'s session: GET {response.url} → {response.status}"
        self._headers(what, response.headers_array)
        body = response.body()
        self.captured.add(f"{what}: body", BROWSER, body)
        self.responses += 1
        return Links.of(body.decode("utf-8", "replace"))

    def cookies(self) -> None:
        for who, context in self.contexts:
            state = context.storage_state()
            for cookie in state["cookies"]:
                where = f"{who}'s cookie {cookie['name']}"
                self.captured.add(where, COOKIE, cookie["value"], cookie["name"])
            for origin in state["origins"]:
                for item in origin["localStorage"]:
                    self.captured.add(
                        f"{who}'s local storage {item['name']}", COOKIE, item["value"]
                    )


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.found.append(href)

    @classmethod
    def of(cls, text: str) -> list[str]:
        parser = cls()
        parser.feed(text)
        return parser.found


def database(captured: Captured) -> set[str]:
    """Every column of every row of every table, and each session decoded; the tables read."""
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            columns = [column[0] for column in cursor.description]
            for number, row in enumerate(cursor.fetchall(), 1):
                for column, value in zip(columns, row, strict=True):
                    where = f"table {table}, row {number}, column {column}"
                    text = bytes(value) if isinstance(value, bytes | memoryview) else str(value)
                    captured.add(where, DATABASE, text, f"{table}.{column}")
                    if (table, column) == ("django_session", "session_data"):
                        decoded = str(SessionStore().decode(value))
                        captured.add(f"{where}, decoded", DATABASE, decoded, f"{table}.{column}")
    return tables


def cache_entries(captured: Captured) -> int:
    """Every entry of the cache as it is stored (pickled: strings stay readable in it)."""
    backend = getattr(cache, "_cache", None)
    entries: list[tuple[object, object]] = []
    if isinstance(backend, dict):  # locmem
        entries = list(backend.items())
    elif hasattr(backend, "get_client"):  # redis
        client = backend.get_client()
        entries = [(key, client.get(key)) for key in client.scan_iter()]
    for key, value in entries:
        captured.add(
            f"cache entry {key!r}", CACHE, value if isinstance(value, bytes) else str(value)
        )
    return len(entries)
