"""The Pipecat forms as a person meets them: every field labelled, helped and told what is wrong
in the same way, the set-name rule stated once, any number of key rows, and secrets never shown
back."""

import html
import re

import pytest

from secretsadmin.providers.pipecat.container_registries import ECR_NOTE
from secretsadmin.providers.pipecat.names import SET_NAME, SET_NAME_LENGTH, SET_NAME_RULE
from tests.pipecat.conftest import Elements, events, post, put, upstream

pytestmark = pytest.mark.django_db
ECR_EXPIRY = ECR_NOTE.replace("`", "")  # the commands in it are shown as code
SECRET = "sk-never-shown-again"


@pytest.mark.parametrize("path", ["/pipecat/prod/new/", "/pipecat/prod/image-pull/new/"])
def test_the_set_name_rule_on_the_page_is_the_one_in_names_py(editor, path):
    page = Elements(editor.get(path).text)
    name = page.one("input", name="name")
    assert name["pattern"] == SET_NAME.pattern.removeprefix("^").removesuffix("$")
    assert (int(name["minlength"]), int(name["maxlength"])) == SET_NAME_LENGTH
    assert name["aria-describedby"] == "id_name_helptext"
    assert page.one("p", id="id_name_helptext")["text"] == SET_NAME_RULE
    assert name["hx-get"] == "/pipecat/prod/check-name/"
    cleared = editor.get("/pipecat/prod/check-name/", {"name": ""})
    assert html.unescape(cleared.text.strip()) == SET_NAME_RULE


def test_a_refused_field_is_described_by_its_error(editor, pipecat):
    response = post(
        editor,
        "/pipecat/prod/new/",
        {"name": "Bad..Name", "region": "us-west", "key_0": "K", "value_0": SECRET},
    )
    assert response.status_code == 200
    page = Elements(response.text)
    name = page.one("input", name="name")
    assert name["aria-invalid"] == "true"
    assert name["aria-describedby"] == "id_name_helptext id_name_error"
    assert (
        "A set name may only contain lower-case letters"
        in page.one("div", id="id_name_error")["text"]
    )
    assert SECRET not in response.text
    assert pipecat.store.get("test-org", "bad..name") is None


def test_more_than_three_key_rows_are_saved(editor, pipecat):
    put(pipecat, "voice-prod", KEEP="1")
    rows = {f"key_{i}": f"KEY_{i}" for i in range(7)} | {f"value_{i}": f"v{i}" for i in range(7)}
    response = post(editor, "/pipecat/prod/sets/voice-prod/keys/", rows)
    assert response.status_code == 302
    stored = pipecat.store.get("test-org", "voice-prod").values
    assert stored == {"KEEP": "1"} | {f"KEY_{i}": f"v{i}" for i in range(7)}
    assert events("pipecat.secret_set.upsert")[0].keys == [f"KEY_{i}" for i in range(7)]


def test_a_refused_save_shows_every_row_sent_but_no_value(editor, pipecat):
    put(pipecat, "voice-prod")
    rows = {"key_0": "GOOD", "value_0": SECRET, "key_5": "NO.DOTS", "value_5": SECRET}
    response = post(editor, "/pipecat/prod/sets/voice-prod/keys/", rows)
    assert response.status_code == 400
    page = Elements(response.text)
    assert [i["name"] for i in page.all("input", type="text", **{"class": "mono"})] == [
        "key_0",
        "key_1",
        "key_2",
        "key_5",
    ]
    assert page.one("input", name="key_5")["value"] == "NO.DOTS"
    assert "only contain letters, digits, _ and -" in page.one("div", id="id_key_5_error")["text"]
    assert SECRET not in response.text
    assert set(pipecat.store.get("test-org", "voice-prod").values) == {"API_KEY"}


def test_more_rows_than_the_bound_are_refused_and_nothing_is_sent(editor, pipecat):
    put(pipecat, "voice-prod")
    rows = {f"key_{i}": f"K{i}" for i in range(51)} | {f"value_{i}": "v" for i in range(51)}
    response = post(editor, "/pipecat/prod/sets/voice-prod/keys/", rows)
    assert response.status_code == 400
    assert "At most 50 key rows at once: paste more as a .env block." in response.text
    assert set(pipecat.store.get("test-org", "voice-prod").values) == {"API_KEY"}
    assert events("pipecat.secret_set.upsert") == []


def test_the_env_box_is_closed_until_it_has_something_to_say(editor, pipecat):
    put(pipecat, "voice-prod")
    closed = Elements(editor.get("/pipecat/prod/sets/voice-prod/").text)
    assert "open" not in closed.one("details", **{"class": "env-box"})
    refused = post(
        editor, "/pipecat/prod/sets/voice-prod/keys/", {"env": f"GOOD={SECRET}\nnot a line\n"}
    )
    page = Elements(refused.text)
    assert "open" in page.one("details", **{"class": "env-box"})
    assert page.one("textarea", name="env")["text"].strip() == ""
    assert SECRET not in refused.text


def test_the_image_pull_form_asks_as_the_set_form_does(editor):
    page = Elements(editor.get("/pipecat/prod/image-pull/new/").text)
    fields = [e["name"] for e in page.found if e["tag"] in ("input", "select") and e.get("id")]
    assert fields == ["name", "region", "registry", "host", "username", "token", "reason"]
    hints = {h["data-registry"]: h for h in page.all("div", **{"class": "registry-hint"})}
    assert set(hints) == {"dockerhub", "ghcr", "ecr", "gcr", "artifact-registry", "other"}
    assert "AWS" in hints["ecr"]["text"]
    assert [key for key, hint in hints.items() if ECR_EXPIRY in hint["text"]] == ["ecr"]
    assert {key for key, hint in hints.items() if "data-host-pattern" in hint} == {
        "ecr",
        "artifact-registry",
        "other",
    }
    links = {a["text"]: a["href"] for a in page.all("a", **{"class": "button"})}
    assert links["Cancel"] == "/pipecat/prod/"


def test_create_forms_offer_a_way_back(editor, pipecat):
    with upstream(pipecat) as api:
        api.put(
            "/secrets/ghcr-pull",
            json={"isImagePullSecret": True, "host": "ghcr.io", "secretValue": "dTpw"},
        )
    for path, back in [
        ("/pipecat/prod/new/", "/pipecat/prod/"),
        ("/pipecat/prod/sets/ghcr-pull/image-pull/", "/pipecat/prod/sets/ghcr-pull/"),
    ]:
        links = {a["text"]: a["href"] for a in Elements(editor.get(path).text).all("a")}
        assert links["Cancel"] == back, path


@pytest.mark.parametrize(
    ("path", "question", "fields"),
    [
        (
            "/pipecat/prod/sets/voice-prod/keys/GONE/delete/",
            "Remove key GONE from voice-prod?",
            ["reason"],
        ),
        (
            "/pipecat/prod/sets/voice-prod/delete/",
            "Deleting voice-prod removes it",
            ["confirm", "reason"],
        ),
    ],
)
def test_key_and_set_removal_ask_on_the_same_page(editor, pipecat, path, question, fields):
    put(pipecat, "voice-prod", GONE="1")
    response = editor.get(path)
    assert response.templates[0].name == "pipecat/confirm_delete.html"
    page = Elements(response.text)
    form = page.one("form", **{"class": "form card narrow-form"})
    assert question in re.sub(r"\s+", " ", form["text"])
    assert [i["name"] for i in page.all("input") if i["type"] == "text"] == fields
    links = {a["text"]: a["href"] for a in page.all("a", **{"class": "button"})}
    assert links["Cancel"] == "/pipecat/prod/sets/voice-prod/"


def test_the_set_page_offers_removal_with_a_reason_in_place(editor, pipecat):
    put(pipecat, "voice-prod", GONE="1")
    page = Elements(editor.get("/pipecat/prod/sets/voice-prod/").text)
    asks = page.one("form", **{"data-remove-key": "GONE"})
    assert asks["method"] == "get"
    dialog = page.one("dialog", id="remove-key")
    assert "Agents reading it will no longer find it." in dialog["text"]
    reason = page.one("input", id="remove_reason")
    assert reason["name"] == "reason"
