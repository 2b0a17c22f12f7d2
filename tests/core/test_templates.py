"""Template text that Django would print instead of reading."""

from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = sorted(Path(settings.BASE_DIR, "templates").rglob("*.html"))


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_no_comment_spans_lines(template):
    """`{# … #}` ends at the line's end: a longer one is shown on the page, words and all."""
    for number, line in enumerate(template.read_text().splitlines(), 1):
        opened = line.rfind("{#")
        assert opened == -1 or "#}" in line[opened:], f"{template.name}:{number}"


def test_the_shell_shows_no_template_syntax(client):
    page = client.get("/accounts/login/").text
    assert not [token for token in ("{#", "#}", "{%", "%}", "{{", "}}") if token in page]
