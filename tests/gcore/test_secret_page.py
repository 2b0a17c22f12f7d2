"""A secret's page: every fact Gcore Cloud gives about it and none of its payload, its id to copy,
its changes from the audit log (its create among them), and a 404 that leads back to the list
once it is gone; the audit log links to it."""

import re
import uuid
from html import unescape

import pytest
from django.urls import reverse

from secretsadmin.accounts.roles import Role
from secretsadmin.audit import links, services
from secretsadmin.audit.models import AuditEvent
from secretsadmin.gcore import actions
from tests.fixtures.gcore import OTHER_REGION_ID, REGION_ID
from tests.fixtures.personas import client_for, make_user
from tests.gcore.conftest import ACCOUNT, DAY, LIST, add
from tests.pipecat.conftest import Elements

pytestmark = pytest.mark.django_db
HOUR = DAY / 24


def page_of(secret, region: int = REGION_ID) -> str:
    return f"/gcore/{ACCOUNT}/{region}/{secret.id}/"


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def facts(html: str) -> dict[str, str]:
    """Each fact's name and what is said of it."""
    found = re.search(r'<dl class="facts secret-facts">(.*?)</dl>', html, re.S)
    assert found, "no facts"
    return {
        text(name): text(said)
        for name, said in re.findall(r"<dt>(.*?)</dt>(.*?)</div>", found.group(1), re.S)
    }


@pytest.fixture
def key(gcore):
    return add(
        gcore,
        "backup-encryption-key",
        region=OTHER_REGION_ID,
        secret_type="symmetric",
        expires_in=20 * DAY + HOUR,
        algorithm="aes",
        bit_length=256,
        mode="cbc",
        created_days_ago=3,
    )


def test_the_page_says_every_fact_the_api_gives(viewer, key):
    said = facts(viewer.get(page_of(key, OTHER_REGION_ID)).text)
    assert said["Type"] == "Symmetric key"
    assert said["Status"] == "active"
    assert said["Region"] == f"Frankfurt region {OTHER_REGION_ID}"
    assert re.fullmatch(r"expires in 20 days \d{4}-\d\d-\d\d \d\d:\d\d UTC", said["Expires"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC 3 days ago", said["Created"])
    assert said["Algorithm"] == "aes" and said["Bit length"] == "256" and said["Mode"] == "cbc"
    assert said["Content types"] == "application/octet-stream (default)"
    assert said["Id"] == f"{key.id} Copy"


def test_facts_the_api_does_not_give_say_so(viewer, gcore):
    certificate = add(gcore, "www-example-com", expires_in=-(2 * DAY + HOUR))
    said = facts(viewer.get(page_of(certificate)).text)
    assert said["Algorithm"] == said["Bit length"] == said["Mode"] == "none given"
    assert said["Expires"].startswith("expired 2 days ago")
    assert said["Region"] == f"Luxembourg-2 region {REGION_ID}"


def test_a_secret_that_never_expires_says_never(viewer, gcore):
    secret = add(gcore, "grafana-admin", secret_type="passphrase")
    assert facts(viewer.get(page_of(secret)).text)["Expires"] == "never"


def test_the_id_has_a_copy_button_and_the_payload_is_nowhere(viewer, gcore):
    secret = add(gcore, "www-example-com")
    html = viewer.get(page_of(secret)).text
    button = Elements(html).one("button", **{"class": "copy"})
    assert button["data-copy"] == secret.id and button["aria-label"] == "Copy secret id"
    assert "not a real one" not in html and "BEGIN CERTIFICATE" not in html
    assert "Gcore Cloud never gives a secret's payload back" in text(html)


def test_the_breadcrumb_and_the_title_name_the_secret(viewer, gcore):
    secret = add(gcore, "www-example-com")
    html = viewer.get(page_of(secret)).text
    assert '<a href="/gcore/prod/">Gcore Cloud · prod</a>' in html
    assert '<span aria-current="page">www-example-com</span>' in html
    assert "<h1>www-example-com</h1>" in html


def test_a_secret_created_by_another_tool_since_the_list_was_read_is_found(viewer, gcore):
    viewer.get(LIST)  # the regions' lists are shared now, without it
    secret = add(gcore, "just-uploaded")
    assert viewer.get(page_of(secret)).status_code == 200


def test_a_deleted_secret_is_not_found_and_the_page_leads_back_to_the_list(viewer, gcore):
    gone = str(uuid.uuid4())
    response = viewer.get(f"/gcore/prod/{REGION_ID}/{gone}/")
    assert response.status_code == 404
    html = response.text
    assert (
        f"There is no secret {gone} in Luxembourg-2 (account prod): it may have been deleted."
        in html
    )
    assert '<a href="/gcore/prod/">Back to the secrets of prod</a>' in html


def test_a_region_the_account_does_not_use_is_not_found(viewer, gcore):
    secret = add(gcore, "elsewhere", region=116)  # Santa Clara: the emulator has it, prod does not
    response = viewer.get(page_of(secret, 116))
    assert response.status_code == 404
    assert "Account prod holds no secrets in region 116." in response.text


@pytest.mark.parametrize(
    "path", ["/gcore/prod/76/not-a-uuid/", "/gcore/prod/x/" + str(uuid.uuid4()) + "/"]
)
def test_an_address_that_is_not_a_secrets_is_not_found(viewer, gcore, path):
    assert viewer.get(path).status_code == 404


def test_an_unknown_account_is_not_found(viewer, gcore):
    secret = add(gcore, "www")
    assert viewer.get(f"/gcore/nope/{REGION_ID}/{secret.id}/").status_code == 404


EDDIE = services.Actor(
    user_id=None,
    username="eddie",
    email="eddie@example.com",
    roles=("editor",),
    auth_method="password",
    source_ip="10.0.0.1",
    user_agent="pytest",
    request_id="r-1",
)


def subject(name: str, secret_id: str = "") -> services.Subject:
    return services.Subject(
        provider=actions.PROVIDER,
        account=ACCOUNT,
        region=str(REGION_ID),
        target=name,
        target_id=secret_id,
    )


def uploaded(secret) -> AuditEvent:
    """The dashboard's upload of `secret`, as the audit log tells it: the attempt, accepted while
    the task runs, then the task's end naming the secret it made."""
    attempt = services.attempt(
        EDDIE, action=actions.CERTIFICATE_CREATE, subject=subject(secret.name)
    )
    services.conclude(
        attempt,
        outcome="unknown",
        upstream_status=200,
        error_code="task_running",
        error_message="Gcore Cloud accepted the change; task 0b1c carries it out.",
    )
    services.record(
        EDDIE,
        action=actions.CERTIFICATE_CREATE,
        outcome="succeeded",
        subject=subject(secret.name, secret.id),
        attempt=attempt,
    )
    return attempt


def history_rows(html: str) -> list[str]:
    found = re.search(
        r'<table class="table table-stack history-table">.*?<tbody>(.*?)</tbody>', html, re.S
    )
    assert found, "no history"
    return [text(row) for row in re.findall(r"<tr>(.*?)</tr>", found.group(1), re.S)]


def test_the_history_shows_the_upload_that_made_the_secret_and_a_failed_delete(viewer, gcore):
    secret = add(gcore, "www-example-com")
    uploaded(secret)
    delete = services.attempt(
        EDDIE, action=actions.SECRET_DELETE, subject=subject(secret.name, secret.id)
    )
    services.conclude(
        delete, outcome="failed", upstream_status=409, error_message="Secret is in use"
    )
    other = add(gcore, "api-example-com")
    uploaded(other)
    assert history_rows(viewer.get(page_of(secret)).text) == [
        "eddie deleted the secret (password) just now failed Secret is in use",
        "eddie uploaded the certificate (password) just now succeeded",
    ]


def test_a_change_still_running_says_what_the_provider_said(viewer, gcore):
    secret = add(gcore, "www-example-com")
    delete = services.attempt(
        EDDIE, action=actions.SECRET_DELETE, subject=subject(secret.name, secret.id)
    )
    services.conclude(
        delete,
        outcome="unknown",
        upstream_status=200,
        error_code="task_running",
        error_message="Gcore Cloud accepted the change; task 0b1c carries it out.",
    )
    (row,) = history_rows(viewer.get(page_of(secret)).text)
    assert row.endswith("unknown Gcore Cloud accepted the change; task 0b1c carries it out.")


def test_without_changes_through_the_dashboard_the_page_says_none_is_recorded(viewer, gcore):
    secret = add(gcore, "www-example-com")
    html = viewer.get(page_of(secret)).text
    assert "No change to this secret is recorded." in html
    assert (
        "those made with other tools (the Gcore Customer Portal, the API, Terraform) as the "
        "watcher saw them" in html
    )


def test_an_auditor_opens_each_change_in_the_audit_log_and_a_viewer_does_not(
    viewer, auditor, gcore
):
    secret = add(gcore, "www-example-com")
    attempt = uploaded(secret)
    link = f'<a href="/audit/{attempt.sequence}/">eddie uploaded the certificate</a>'
    assert link in auditor.get(page_of(secret)).text
    assert "/audit/" not in viewer.get(page_of(secret)).text


def test_the_audit_log_links_an_event_naming_a_secret_to_its_page(auditor, gcore):
    secret = add(gcore, "www-example-com")
    uploaded(secret)
    attempt, running, done = AuditEvent.objects.filter(provider="gcore").order_by("sequence")
    assert links.target_url(done) == page_of(secret)
    assert links.target_url(attempt) == links.target_url(running) == ""  # no id yet
    assert f'href="{page_of(secret)}"' in auditor.get(f"/audit/{done.sequence}/").text
    assert auditor.get(page_of(secret)).status_code == 200


@pytest.mark.parametrize(
    ("account", "region", "target_id"),
    [
        ("prod", "76", ""),  # a create whose task has not named the secret yet
        ("prod", "76", "www-example-com"),  # not an id
        ("prod", "76", "0B1C5A38-39DA-4F2E-9C3B-6C6F6E0A1D2E"),  # not as Gcore writes them
        ("prod", "", str(uuid.uuid4())),  # no region
        ("staging", "76", str(uuid.uuid4())),  # an account no longer configured
    ],
)
def test_an_event_naming_no_secret_that_can_be_opened_has_no_link(
    gcore, account, region, target_id
):
    event = services.record(
        EDDIE,
        action=actions.SECRET_DELETE,
        outcome="succeeded",
        subject=services.Subject(
            provider="gcore", account=account, region=region, target="www", target_id=target_id
        ),
    )
    assert links.target_url(event) == ""


def test_a_deleted_secrets_link_leads_to_the_page_that_says_so(auditor, gcore):
    gone = str(uuid.uuid4())
    event = services.record(
        EDDIE, action=actions.SECRET_DELETE, outcome="succeeded", subject=subject("www", gone)
    )
    response = auditor.get(links.target_url(event))
    assert response.status_code == 404 and "Back to the secrets of prod" in response.text


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR, Role.AUDITOR, Role.ADMIN])
def test_every_role_reads_the_list_and_a_secret(gcore, role):
    secret = add(gcore, "www-example-com")
    reader = client_for(make_user(f"someone-{role}", role))
    assert reader.get(LIST).status_code == 200
    assert reader.get(page_of(secret)).status_code == 200


def test_someone_signed_out_is_sent_to_sign_in(client, gcore):
    secret = add(gcore, "www-example-com")
    for path in (LIST, page_of(secret), "/gcore/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert gcore.calls() == 0


def test_someone_with_no_role_is_refused(stranger, gcore):
    secret = add(gcore, "www-example-com")
    assert stranger.get(LIST).status_code == 403
    assert stranger.get(page_of(secret)).status_code == 403
    assert gcore.calls() == 0
