"""Every view says who may use it. Who is refused which URL, and the refusal recorded, is
tests/attack/test_roles.py, at paths naming things that exist."""

import pytest

from tests.fixtures.urls import PUBLIC, patterns

pytestmark = pytest.mark.django_db


def test_every_view_declares_who_may_use_it():
    undeclared = [
        route
        for route, entry in patterns()
        if entry.name not in PUBLIC
        and not hasattr(entry.callback, "required_role")
        and not hasattr(entry.callback, "required_token")
        and entry.name != "home"
    ]
    assert undeclared == []
