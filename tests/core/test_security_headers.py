import re
from html.parser import HTMLParser

import pytest

from tests.core.fresh import start_up

pytestmark = pytest.mark.django_db


class ScriptCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict] = []
        self.inline_handlers: list[str] = []
        self.body_attrs: dict = {}
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.inline_handlers += [name for name in attrs if name.startswith("on")]
        if tag == "script":
            self.scripts.append({**attrs, "text": ""})
            self._in_script = True
        if tag == "body":
            self.body_attrs = attrs

    def handle_endtag(self, tag):
        self._in_script = tag != "script" and self._in_script

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1]["text"] += data


def parse(response) -> ScriptCollector:
    collector = ScriptCollector()
    collector.feed(response.content.decode())
    return collector


@pytest.mark.parametrize("path", ["/", "/pipecat/", "/gcore/", "/audit/"])
def test_pages_carry_the_security_headers(admin, path):
    response = admin.get(path)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


def test_every_script_is_a_file_with_the_page_s_nonce(admin):
    response = admin.get("/")
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    page = parse(response)
    assert page.scripts, "the page loads htmx and its own script"
    for script in page.scripts:
        assert script.get("src", "").startswith("/static/"), script
        assert script["text"].strip() == ""
        assert script["nonce"] == nonce
    assert page.inline_handlers == []


def test_htmx_requests_carry_a_csrf_token_the_server_accepts(admin):
    import json

    headers = json.loads(parse(admin.get("/")).body_attrs["hx-headers"])
    response = admin.post("/accounts/logout/", HTTP_X_CSRFTOKEN=headers["x-csrftoken"])
    assert response.status_code == 302  # not 403: the token is good


def test_login_page_carries_the_same_headers(client):
    response = client.get("/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src 'none'" in response["Content-Security-Policy"]


def test_htmx_is_served_from_our_own_static_files(client):
    response = client.get("/accounts/login/")
    [htmx] = [s for s in parse(response).scripts if "htmx-2" in s["src"]]
    served = client.get(htmx["src"])
    assert served.status_code == 200
    body = b"".join(served.streaming_content) if served.streaming else served.content
    assert b'version:"2.' in body


def test_a_browser_asking_for_favicon_ico_is_sent_to_the_icon(client):
    response = client.get("/favicon.ico")  # before signing in, as browsers ask
    assert response.status_code == 301
    served = client.get(response["Location"])
    assert served.status_code == 200
    assert served["Content-Type"].startswith("image/svg+xml")


@pytest.mark.parametrize("path", ["/", "/audit/", "/audit/export.jsonl", "/audit/export.csv"])
def test_no_page_or_export_is_kept_in_a_cache(admin, client, path):
    for response in (admin.get(path), client.get("/accounts/login/")):
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_static_files_stay_cacheable(client):
    [htmx] = [s for s in parse(client.get("/accounts/login/")).scripts if "htmx-2" in s["src"]]
    assert "no-store" not in client.get(htmx["src"]).get("Cache-Control", "")


def test_pages_use_none_of_the_browsers_devices(client):
    policy = client.get("/accounts/login/")["Permissions-Policy"]
    assert "camera=()" in policy and "microphone=()" in policy and "geolocation=()" in policy


def test_hsts_may_cover_subdomains_and_ask_to_be_preloaded():
    environ = {
        "SECRET_KEY": "k" * 40,
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "SECURE_HSTS_PRELOAD": "yes",
    }
    read = "from django.conf import settings as s; print(s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
    read += "s.SECURE_HSTS_PRELOAD)"
    assert start_up(environ, read).stdout.split() == ["True", "True"]
