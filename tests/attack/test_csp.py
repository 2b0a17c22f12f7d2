"""The Content-Security-Policy of every page forbids inline script and eval, and no template
needs either: every script is a file of ours, no element carries an event handler."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.attack.inert import runnable
from tests.fixtures.urls import patterns

pytestmark = pytest.mark.django_db

TEMPLATES = sorted(Path(settings.BASE_DIR, "templates").rglob("*.html"))
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[a-z][^>]*?\s(?:on[a-z]+|hx-on[:\-][^\s=]*)\s*=", re.IGNORECASE | re.DOTALL)


def directives(policy: str) -> dict[str, list[str]]:
    found = {}
    for directive in filter(None, (part.strip() for part in policy.split(";"))):
        name, *sources = directive.split()
        found[name] = sources
    return found


def assert_forbids_inline_script(response, what: str) -> None:
    policy = directives(response["Content-Security-Policy"])
    scripts = policy.get("script-src", policy["default-src"])
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, what
    assert "'unsafe-hashes'" not in scripts and "'wasm-unsafe-eval'" not in scripts, what
    # Sources that would let a script in from anywhere, or from text of the page.
    assert not {"*", "data:", "blob:", "http:", "https:"} & set(scripts), what
    assert policy["default-src"] == ["'none'"] and policy["object-src"] == ["'none'"], what
    assert policy["base-uri"] == ["'none'"], what  # an injected <base> cannot move our scripts


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_no_template_holds_inline_script_or_an_event_handler(template):
    text = template.read_text()
    assert INLINE_SCRIPT.findall(text) == []
    assert HANDLER.findall(text) == []
    assert "javascript:" not in text.lower()


def test_the_template_scan_finds_what_it_looks_for():
    bad = '<p>\n<button type="button"\n  onclick="go()">Go</button><script>x()</script>'
    assert INLINE_SCRIPT.findall(bad) and HANDLER.findall(bad)
    assert HANDLER.findall('<div hx-on:click="x()">') and HANDLER.findall('<a hx-on-click="x">')
    assert not INLINE_SCRIPT.findall('<script src="/static/x.js" defer></script>')
    assert not HANDLER.findall('<input name="once" data-once="1">')


def test_every_page_forbids_inline_script_and_holds_none(admin, client, world):
    """Every page of the URLconf (Django's admin too) as an admin sees it, each as a page and as
    htmx asks for it, and the pages of someone signed out and of a refusal."""
    answers = [
        ("sign-in", client.get("/accounts/login/")),
        ("not found", admin.get("/no-such-page/")),
        ("health", client.get("/healthz")),
        ("a refusal", client.post("/accounts/logout/")),
    ]
    checked = 0
    for route, entry in patterns(admin=True):
        path = world.path(route, entry.name).replace("<id>", "1")
        path = re.sub(r"<[^>]+>", "1", path)
        for how, headers in (("page", {}), ("htmx", {"HTTP_HX_REQUEST": "true"})):
            response = admin.get(path, **headers)
            if response.status_code in (301, 302, 405) or response.streaming:
                continue
            answers.append((f"{path} ({how})", response))
            checked += 1
    assert checked > 40
    nonces = []
    for what, response in answers:
        assert_forbids_inline_script(response, what)
        if response["Content-Type"].startswith("text/html"):
            assert runnable(response.content.decode()) == [], what
        nonces += re.findall(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    assert len(nonces) > 40 and len(set(nonces)) == len(nonces)  # a fresh one every time


@pytest.mark.parametrize(
    "html",
    [
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
        '<script type="module">import("/x")</script>',
        '<a href=" JaVaScRiPt:alert(1)">x</a>',
        '<form action="java\tscript:alert(1)"></form>',
        '<div hx-get="javascript:alert(1)"></div>',
        '<div hx-on:click="alert(1)"></div>',
        '<div hx-vals="js:{a: alert(1)}"></div>',
    ],
)
def test_the_page_check_finds_what_runs(html):
    assert runnable(html) != []


def test_the_page_check_lets_text_and_our_files_be():
    page = '<script src="/static/js/app.js" nonce="n" defer></script><p>&lt;script&gt;</p>'
    assert runnable(page + '<a href="/audit/?q=javascript%3A">x</a>') == []
