"""What a page shares of a provider's failure or of a slow read is never the answer a change
needs: a create checks its name afresh, and no kept failure holds what a form sent."""

import time

import pytest
from django.core.cache import cache

from secretsadmin.core import shared_reads
from secretsadmin.pipecat import selectors
from secretsadmin.providers.pipecat import Unavailable
from tests.pipecat.conftest import fail_next, post, put, upstream

pytestmark = pytest.mark.django_db

NEW_SET = {"name": "brand-new", "region": "us-west", "key_0": "K", "value_0": "canary-7c1e0b"}


def test_a_create_checks_its_name_afresh_though_a_list_failure_is_shared(editor, pipecat):
    fail_next(pipecat, "list_sets", 503, times=3)
    editor.get("/pipecat/prod/")  # someone's list read fails, shared for the interval
    post(editor, "/pipecat/prod/new/", NEW_SET)
    assert pipecat.store.get("test-org", "brand-new") is not None


def test_a_create_checks_its_name_afresh_while_another_list_read_is_slow(editor, pipecat):
    began = time.time() - shared_reads.PATIENCE - 1
    cache.add("pipecat:prod:sets:lock", began, shared_reads.LOCK_SECONDS)
    post(editor, "/pipecat/prod/new/", NEW_SET)
    assert pipecat.store.get("test-org", "brand-new") is not None


def test_giving_up_on_a_slow_read_is_not_kept_as_the_providers_answer(pipecat):
    """An image pull set's page reads the list inside its own shared read."""
    with upstream(pipecat) as api:
        pull = {"isImagePullSecret": True, "secretValue": "dTp0", "host": "ghcr.io"}
        api.put("/secrets/pull", json={**pull, "region": "us-west"}).raise_for_status()
    pipecat.clock.advance(pipecat.store.provisioning_delay + 1)
    began = time.time() - shared_reads.PATIENCE - 1
    cache.add("pipecat:prod:sets:lock", began, shared_reads.LOCK_SECONDS)
    with pytest.raises(Unavailable):
        selectors.read_set("prod", "pull")
    cache.delete("pipecat:prod:sets:lock")  # the slow read is over
    assert selectors.read_set("prod", "pull")[0].name == "pull"


def test_no_kept_failure_holds_the_values_a_form_sent(editor, pipecat):
    """The name check's miss is kept; its traceback's frames held the create's locals."""
    put(pipecat, "voice-prod")
    shared_reads._memory.clear()
    post(editor, "/pipecat/prod/new/", NEW_SET)
    kept = [v for _, v in shared_reads._memory.values() if isinstance(v, shared_reads._Failed)]
    assert kept  # the miss of "brand-new"
    assert all(failed.error.__traceback__ is None for failed in kept)
