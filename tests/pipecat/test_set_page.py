"""A set's page as ops staff read it: what failed and how to retry, who changed it when (from
the audit log), where it sits, and what the reader's role may do."""

import re

import pytest
from django.core.cache import cache

from secretsadmin.accounts.roles import Role
from secretsadmin.audit import services as audit
from secretsadmin.pipecat import selectors
from tests.fixtures.personas import client_for, make_user
from tests.pipecat.conftest import fail_next, post, put, upstream

pytestmark = pytest.mark.django_db
SET = "/pipecat/prod/sets/voice-prod/"
FAILURE = "Secret set could not be provisioned in region 'ap-south'. Please retry."


def failed_set(pipecat, name="voice-prod"):
    pipecat.fail_next_provisioning(message=FAILURE)
    put(pipecat, name, region="ap-south", API_KEY="v")


def new_set(client, name="voice-prod"):
    data = {"name": name, "region": "us-west", "key_0": "API_KEY", "value_0": "v"}
    return post(client, "/pipecat/prod/new/", data)


def test_a_failed_set_shows_the_providers_message_and_how_to_retry(editor, pipecat):
    failed_set(pipecat)
    html = editor.get(SET).text
    assert "Pipecat Cloud could not provision this set" in html
    assert f"<q>{FAILURE.replace("'", '&#x27;')}</q>" in html
    assert '<a href="#add-heading">Save its keys again</a>' in html
    assert "cannot read values back, so paste them again" in html
    assert f'<a href="{SET}delete/">Delete the set</a> and create it again' in html
    assert 'id="add-heading"' in html  # the form the link leads to


def test_saving_the_keys_of_a_failed_set_again_provisions_it_anew(editor, pipecat):
    failed_set(pipecat)
    post(editor, f"{SET}keys/", {"env": "API_KEY=again"})
    assert "Pipecat Cloud could not provision this set" not in editor.get(SET).text
    pipecat.clock.advance(pipecat.store.provisioning_delay + 1)
    cache.clear()  # the next interval
    assert "badge-ready" in editor.get(SET).text


def test_a_failed_image_pull_secret_is_retried_by_replacing_its_credentials(editor, pipecat):
    pipecat.fail_next_provisioning(message=FAILURE)
    with upstream(pipecat) as api:
        body = {"isImagePullSecret": True, "host": "ghcr.io", "secretValue": "dTpw"}
        api.put("/secrets/ghcr-pull", json=body).raise_for_status()
    pipecat.clock.advance(pipecat.store.provisioning_delay + 1)
    html = editor.get("/pipecat/prod/sets/ghcr-pull/").text
    assert (
        '/pipecat/prod/sets/ghcr-pull/image-pull/">Replace the registry credentials</a> with'
        in html
    )


def test_a_viewer_of_a_failed_set_reads_the_message_and_who_can_retry(viewer, pipecat):
    failed_set(pipecat)
    html = viewer.get(SET).text
    assert "Pipecat Cloud could not provision this set" in html
    assert "An editor can retry" in html
    assert "Save its keys again" not in html and f"{SET}delete/" not in html


def test_a_pending_set_that_fails_tells_its_open_page_how_to_retry(editor, pipecat):
    pipecat.fail_next_provisioning(message=FAILURE)
    put(pipecat, "voice-prod", settle=False)
    page = editor.get(SET).text
    assert f'hx-get="{SET}badge/?on=set"' in page
    pipecat.clock.advance(pipecat.store.provisioning_delay + 1)
    polled = editor.get(f"{SET}badge/?on=set", HTTP_HX_REQUEST="true").text
    assert '<div id="set-problem" hx-swap-oob="true"' in polled
    assert "Save its keys again" in polled
    listed = editor.get(f"{SET}badge/", HTTP_HX_REQUEST="true").text  # the sets list's badge
    assert "set-problem" not in listed and FAILURE.split("'")[0] in listed


def test_the_page_says_who_changed_the_set_when_and_how_they_signed_in(editor, pipecat):
    new_set(editor)
    sso = client_for(make_user("sasha", Role.EDITOR))
    session = sso.session
    session["auth_method"] = "sso-header"
    session.save()
    post(sso, f"{SET}keys/", {"env": "MORE=1"})
    html = editor.get(SET).text
    first, last = re.findall(
        r"<dt>(?:First|Last) change[^<]*</dt><dd>(.*?)</dd><dd[^>]*>(.*?)</dd>", html
    )
    assert re.fullmatch(
        r'<time datetime="[^"]+" title="\d{4}-\d\d-\d\d [\d:]+ UTC">just now</time>', first[0]
    )
    assert first[1] == "by eddie (password)"
    assert last[1] == "by sasha (sso-header)"
    assert "those made with other tools (the Pipecat CLI, the API) as the watcher saw them" in html


def test_a_pending_set_says_since_when(editor, pipecat):
    new_set(editor)
    pipecat.clock.advance(1)
    html = editor.get(SET).text
    assert re.search(r'id="pending-since">since <time [^>]+>just now</time>', html)
    pipecat.clock.advance(pipecat.store.provisioning_delay + 1)
    cache.clear()  # the next interval
    assert "pending-since" not in editor.get(SET).text


def test_a_set_only_other_tools_changed_says_the_log_knows_nothing_of_it(viewer, pipecat):
    put(pipecat, "voice-prod")
    html = viewer.get(SET).text
    assert "First change seen" not in html
    assert "No change to this set is recorded, through this dashboard or, as the watcher" in html
    assert "A value changed elsewhere under the same key name cannot be seen" in html


def test_a_change_the_watcher_saw_made_elsewhere_is_the_last_change(editor, pipecat):
    new_set(editor)
    audit.record(
        audit.Actor.system("watcher"),
        action="pipecat.secret_set.external_change",
        outcome="observed",
        subject=audit.Subject("pipecat", "prod", "us-west", "voice-prod", keys=("ADDED",)),
        observed={"change": "changed", "changes": ["keys added: ADDED"]},
    )
    html = editor.get(SET).text
    first, last = re.findall(
        r"<dt>(?:First|Last) change[^<]*</dt><dd>.*?</dd><dd[^>]*>(.*?)</dd>", html
    )
    assert first == "by eddie (password)"
    assert re.sub(r"<[^>]+>", "", last) == "outside the dashboard: keys added: ADDED"


def test_a_set_deleted_and_created_again_starts_its_history_afresh(editor, pipecat):
    new_set(editor)
    pipecat.clock.advance(pipecat.store.provisioning_delay + 1)
    post(editor, f"{SET}delete/", {"confirm": "voice-prod"})
    new_set(editor)
    history = selectors.history("prod", "voice-prod")
    assert history.first == history.last == history.last_provisioning
    assert history.first is not None and history.first.action == "pipecat.secret_set.upsert"


def test_failed_changes_are_not_history(editor, pipecat):
    put(pipecat, "voice-prod")
    fail_next(pipecat, "put_set", 400)
    post(editor, f"{SET}keys/", {"env": "A=1"})
    assert selectors.history("prod", "voice-prod").last is None


def test_the_history_is_read_in_at_most_two_queries(editor, pipecat, django_assert_max_num_queries):
    new_set(editor)
    for n in range(60):  # longer than the newest changes read at once
        post(editor, f"{SET}keys/", {"env": f"K{n}=1"})
        pipecat.clock.advance(pipecat.store.provisioning_delay + 1)
    with django_assert_max_num_queries(2):
        history = selectors.history("prod", "voice-prod")
    assert history.first is not None and history.last is not None
    assert history.first.time < history.last.time


def test_the_breadcrumb_names_the_set(editor, pipecat):
    put(pipecat, "voice-prod")
    crumbs = '<a href="/pipecat/prod/">Pipecat Cloud · prod</a>'
    page = editor.get(SET).text
    assert crumbs in page and '<span aria-current="page">voice-prod</span>' in page
    delete = editor.get(f"{SET}delete/").text
    assert f'<a href="{SET}">voice-prod</a>' in delete


def test_the_page_of_a_deleted_set_leads_back_to_its_list(editor, pipecat):
    put(pipecat, "voice-prod")
    post(editor, f"{SET}delete/", {"confirm": "voice-prod"})
    response = editor.get(SET)
    assert response.status_code == 404
    assert "There is no set named voice-prod in account prod" in response.text
    assert '<a href="/pipecat/prod/">Back to the sets of prod</a>' in response.text


@pytest.mark.parametrize("reader", ["viewer", "auditor"])
def test_readers_see_a_read_only_hint_instead_of_edit_controls(request, pipecat, reader):
    put(pipecat, "voice-prod", KEEP="1")
    html = request.getfixturevalue(reader).get(SET).text
    assert "You can read this set; changing it needs the editor role." in html
    assert "<code>KEEP</code>" in html
    assert "Save keys" not in html and "Remove" not in html and "Delete this set" not in html


def test_editors_get_no_read_only_hint(editor, pipecat):
    put(pipecat, "voice-prod")
    assert "You can read this set" not in editor.get(SET).text
