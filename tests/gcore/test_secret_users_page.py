"""A secret's page says which listeners and pools use it, or that nothing in its region does, or
that this could not be read (with the request ids) while the rest of the page stands."""

import math
import re
import time

import pytest
from django.conf import settings

from emulators.faults import Fault
from tests.fixtures.gcore import PROJECT_ID, REGION_ID
from tests.gcore.conftest import add
from tests.gcore.test_secret_page import page_of, text

pytestmark = pytest.mark.django_db


def used_by(html: str) -> str:
    found = re.search(r'<section aria-labelledby="users-heading".*?</section>', html, re.S)
    assert found, "no Used by section"
    return text(found.group(0))


def rows(html: str) -> list[str]:
    found = re.search(r'<table class="table table-stack users-table">(.*?)</table>', html, re.S)
    assert found, "no users table"
    return [text(row) for row in re.findall(r"<tr>(.*?)</tr>", found.group(1), re.S)][1:]


def test_the_page_lists_the_listeners_and_pools_using_the_secret(viewer, gcore):
    www, ca = add(gcore, "www"), add(gcore, "internal-ca")
    balancer = gcore.add_load_balancer(PROJECT_ID, REGION_ID, "web-lb")
    https = gcore.add_listener(balancer, "https", "TERMINATED_HTTPS", 443, secret_id=www.id)
    gcore.add_listener(balancer, "admin", "TERMINATED_HTTPS", 8443, sni_secret_ids=[www.id])
    gcore.add_pool(https, "backends", "HTTPS", ca_secret_id=www.id)
    gcore.add_listener(balancer, "other", "TERMINATED_HTTPS", 9443, secret_id=ca.id)

    html = viewer.get(page_of(www)).content.decode()

    assert rows(html) == [
        "web-lb Listener https TERMINATED_HTTPS 443 default certificate",
        "web-lb Listener admin TERMINATED_HTTPS 8443 SNI certificate",
        "web-lb Pool backends HTTPS 443 CA",
    ]


def test_a_secret_nothing_uses_says_so(viewer, gcore):
    secret = add(gcore, "grafana-admin", secret_type="passphrase")

    html = viewer.get(page_of(secret)).content.decode()

    assert used_by(html) == (
        "Used by Nothing in this region uses it: no listener or pool of Luxembourg-2 names it."
    )


def test_listeners_that_cannot_be_read_are_said_so_and_the_page_stands(viewer, gcore):
    secret = add(gcore, "www")
    gcore.faults.add(Fault("list_listeners", status=503, times=10))

    response = viewer.get(page_of(secret))
    html = response.content.decode()

    assert response.status_code == 200
    assert "<h1>www</h1>" in html
    said = used_by(html)
    assert said.startswith("Used by Which listeners and pools use this secret could not be read.")
    assert f"request id {response['X-Request-ID']}" in said
    assert re.search(r"Gcore Cloud's request id [0-9a-f]{32}", said)
    assert "Nothing in this region uses it" not in said


def test_names_a_load_balancer_gives_are_shown_with_their_invisible_characters(viewer, gcore):
    secret = add(gcore, "www")
    balancer = gcore.add_load_balancer(PROJECT_ID, REGION_ID, "web\u200blb")
    gcore.add_listener(balancer, "https", "TERMINATED_HTTPS", 443, secret_id=secret.id)

    html = viewer.get(page_of(secret)).content.decode()

    assert "web\u200blb" not in html


def test_many_secrets_pages_share_one_read_of_the_listeners_and_pools(viewer, gcore):
    secrets = [add(gcore, f"cert-{n:02}") for n in range(20)]
    balancer = gcore.add_load_balancer(PROJECT_ID, REGION_ID, "big-lb")
    for n in range(200):
        gcore.add_listener(
            balancer, f"l{n}", "TERMINATED_HTTPS", 1000 + n, secret_id=secrets[n % 20].id
        )

    started = time.monotonic()
    for secret in secrets * 2:
        assert len(rows(viewer.get(page_of(secret)).content.decode())) == 10
    intervals = math.ceil((time.monotonic() - started) / settings.GCORE_POLL_SECONDS)

    assert intervals < 40  # so the bounds below say something
    for listing in ("list_listeners", "list_pools", "list_load_balancers"):
        assert 1 <= gcore.calls(listing) <= intervals


def test_a_secret_in_use_offers_no_delete_but_says_what_to_do_first(editor, gcore):
    www, free = add(gcore, "www"), add(gcore, "spare")
    balancer = gcore.add_load_balancer(PROJECT_ID, REGION_ID, "web-lb")
    gcore.add_listener(balancer, "https", "TERMINATED_HTTPS", 443, secret_id=www.id)

    used = text(editor.get(page_of(www)).content.decode())
    assert "Delete www" not in used
    assert "Not while the listener or pool above uses it: point it at another secret first." in (
        used
    )
    assert "Delete spare" in text(editor.get(page_of(free)).content.decode())
