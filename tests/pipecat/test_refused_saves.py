"""A refused save keeps what was typed: under htmx only the errors come back, so the fields keep
their text in the browser; values still never travel back to a page."""

import pytest

from tests.pipecat.conftest import post, put

pytestmark = pytest.mark.django_db
SET = "/pipecat/prod/sets/voice-prod/"
VALUE = "sk-kept-in-the-browser"
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_a_refused_save_under_htmx_answers_only_its_errors(editor, pipecat):
    put(pipecat, "voice-prod")
    block = f"GOOD={VALUE}\nnot a line\n"
    response = post(editor, f"{SET}keys/", {"env": block, "key_0": "ROW_KEY"}, **HTMX)
    assert response.status_code == 422
    assert "Line 2: expected KEY=value" in response.text
    assert "What you typed is still in the form." in response.text
    assert '<a href="#id_env">' in response.text  # the field it is about
    assert "<textarea" not in response.text and 'name="key_0"' not in response.text
    assert VALUE not in response.text
    assert pipecat.calls("put_set") == 1  # only put()'s


def test_a_saved_form_under_htmx_loads_the_sets_page_with_its_message(editor, pipecat):
    put(pipecat, "voice-prod")
    response = post(editor, f"{SET}keys/", {"env": f"GOOD={VALUE}\n"}, **HTMX)
    assert response["HX-Redirect"] == SET
    assert "1 key saved in voice-prod." in editor.get(SET).text


def test_without_javascript_a_refused_save_says_what_was_typed_is_gone(editor, pipecat):
    put(pipecat, "voice-prod")
    response = post(editor, f"{SET}keys/", {"env": f"GOOD={VALUE}\nnot a line\n"})
    assert response.status_code == 400
    assert "Line 2: expected KEY=value" in response.text
    assert "the values and the .env block you typed are gone: enter them again" in response.text
    assert VALUE not in response.text


def test_a_refused_new_set_under_htmx_answers_only_its_errors(editor, pipecat):
    put(pipecat, "voice-prod")
    data = {"name": "voice-prod", "region": "us-west", "env": f"GOOD={VALUE}\n"}
    response = post(editor, "/pipecat/prod/new/", data, **HTMX)
    assert response.status_code == 422
    assert "A set named voice-prod exists already: add keys to it instead." in response.text
    assert "<textarea" not in response.text and VALUE not in response.text
    assert pipecat.calls("put_set") == 1


def test_a_new_set_created_under_htmx_loads_its_page(editor, pipecat):
    data = {"name": "voice-new", "region": "us-west", "env": f"GOOD={VALUE}\n"}
    response = post(editor, "/pipecat/prod/new/", data, **HTMX)
    assert response["HX-Redirect"] == "/pipecat/prod/sets/voice-new/"
    assert "Set voice-new created" in editor.get(response["HX-Redirect"]).text


def test_the_keys_form_posts_through_htmx_into_its_errors_beside_the_buttons(editor, pipecat):
    put(pipecat, "voice-prod")
    page = editor.get(SET).text
    assert f'hx-post="{SET}keys/" hx-target="#keys-errors"' in page
    assert '<div id="keys-errors">' in page
