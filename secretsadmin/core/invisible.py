"""Characters nobody can see, made visible wherever names and messages from people or providers
are shown.

A bidirectional control reorders the text around it ("invoice", U+202E, "fdp.exe" reads
"invoiceexe.pdf"); a zero-width or other invisible character makes two names that look the same
differ, or hides text. Each is shown as its code point, `⟨U+202E⟩`, and in HTML marked and named
in its title. The text itself is never changed where it is stored: the audit log keeps what
it was given.
"""

import unicodedata

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

# Format and control characters, line and paragraph separators. Tab and line breaks are spaces
# on a page, hiding nothing.
_CATEGORIES = frozenset({"Cf", "Cc", "Zl", "Zp"})
_SPACES = frozenset("\t\n\r")
# Letters and marks drawn as nothing: Hangul fillers, the combining grapheme joiner.
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u034f")
# Right-to-left letters and Arabic digits: text holding them reorders what stands beside it.
_RIGHT_TO_LEFT = frozenset({"R", "AL", "AN"})


def is_invisible(character: str) -> bool:
    if character in _SPACES:
        return False
    return character in _BLANK or unicodedata.category(character) in _CATEGORIES


def _hidden(text: str) -> bool:
    # Printable ASCII, the usual case, holds none: one C call instead of one per character.
    return not (text.isascii() and text.isprintable()) and any(map(is_invisible, text))


def code_point(character: str) -> str:
    return f"U+{ord(character):04X}"


def named(character: str) -> str:
    """`U+202E RIGHT-TO-LEFT OVERRIDE`; control characters have no name in Unicode."""
    return f"{code_point(character)} {unicodedata.name(character, 'CONTROL CHARACTER')}"


def spelled(text: str) -> str:
    """`text` as plain text, each invisible character written `⟨U+202E⟩`: for an attribute, a
    page's title, a line of text that is not HTML."""
    if not _hidden(text):
        return text
    return "".join(f"⟨{code_point(c)}⟩" if is_invisible(c) else c for c in text)


def marked(text: str) -> SafeString:
    """`text` as HTML, escaped, each invisible character a marked `⟨U+202E⟩` naming it."""
    if not _hidden(text):
        return escape(text)
    return mark_safe(  # noqa: S308 - every part is escaped or built by format_html
        "".join(
            format_html(
                '<span class="invisible-char" title="{}">⟨{}⟩</span>',
                named(c),
                code_point(c),
            )
            if is_invisible(c)
            else escape(c)
            for c in text
        )
    )


def shown(text: str) -> SafeString:
    """`text` `marked`, and `isolated`."""
    return isolated(marked(text), text)


def isolated(html: SafeString, text: str) -> SafeString:
    """`html`, the HTML of `text`, in `<bdi>` when `text` holds right-to-left letters, so that it
    cannot reorder the words around it (a name followed by "(3 keys)" must not read "(3 keys)
    name" when its letters are Hebrew)."""
    if text.isascii() or not any(unicodedata.bidirectional(c) in _RIGHT_TO_LEFT for c in text):
        return html
    return format_html("<bdi>{}</bdi>", html)
