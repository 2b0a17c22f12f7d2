"""Characters nobody can see, in names and messages from people and providers, are shown as
their code points (the page tests of each provider and of the audit log use these helpers); a
right-to-left name is isolated, so it cannot reorder the words around it."""

from html.parser import HTMLParser

import pytest
from django.template import engines
from django.utils.safestring import mark_safe

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "exe.txt" reads "txt.exe"
ZWSP = "\u200b"  # ZERO WIDTH SPACE
HIDDEN = (RLO, ZWSP, "\u2066", "\u2069", "\u200f", "\u061c", "\u00ad", "\ufeff", "\u3164", "\x07")
MARKED_RLO = '<span class="invisible-char" title="U+202E RIGHT-TO-LEFT OVERRIDE">⟨U+202E⟩</span>'
HEBREW = "\u05d0\u05d9\u05e9\u05d5\u05e8"  # a name in Hebrew letters


class Text(HTMLParser):
    """What a page shows as text (attributes and scripts aside)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.feed(html)

    def handle_data(self, data):
        self.parts.append(data)

    def __str__(self) -> str:
        return "".join(self.parts)


def hides_nothing(html: str) -> bool:
    return not any(character in str(Text(html)) for character in HIDDEN)


def render(template: str, **context) -> str:
    return engines["django"].from_string("{% load visible %}" + template).render(context)


@pytest.mark.parametrize("character", HIDDEN)
def test_each_character_nobody_can_see_is_shown_as_its_code_point(character):
    html = render("{{ name|visible }}", name=f"a{character}b")
    assert hides_nothing(html)
    assert f"⟨U+{ord(character):04X}⟩" in html


def test_the_marker_names_the_character_and_the_rest_is_escaped():
    assert render("{{ name|visible }}", name=f"<b>{RLO}") == f"&lt;b&gt;{MARKED_RLO}"


def test_text_already_html_keeps_its_markup_and_spells_the_character():
    html = render("{{ error|visible }}", error=mark_safe(f'<code title="x{ZWSP}">k{ZWSP}</code>'))
    assert html == '<code title="x⟨U+200B⟩">k⟨U+200B⟩</code>'


def test_a_right_to_left_name_is_isolated_and_a_left_to_right_one_left_alone():
    assert render("{{ name|visible }} (3 keys)", name=HEBREW) == f"<bdi>{HEBREW}</bdi> (3 keys)"
    assert render("{{ name|visible }}", name="voice-prod") == "voice-prod"


def test_an_attribute_gets_the_plain_text():
    assert render('<a title="{{ name|spelled }}">', name=f"a{RLO}b") == '<a title="a⟨U+202E⟩b">'
