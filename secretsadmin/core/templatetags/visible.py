"""Names and messages from people and providers as a page shows them (`core.invisible`).

`{{ name|visible }}` escapes it, shows each invisible character as a marked `⟨U+202E⟩`, and
isolates a right-to-left name in `<bdi>`, so that it cannot reorder the words around it.
`{{ name|spelled }}` is the plain text, for an attribute or a page's title.
"""

from django import template
from django.utils.safestring import SafeData, SafeString, mark_safe

from secretsadmin.core import invisible

register = template.Library()


@register.filter
def visible(value: object) -> SafeString | str:
    if value is None or value == "":
        return ""
    text = str(value)
    if isinstance(value, SafeData):
        # HTML already (a form's error with its markup): an invisible character may sit in an
        # attribute there, where only text can stand in for it.
        return invisible.isolated(mark_safe(invisible.spelled(text)), text)  # noqa: S308
    return invisible.shown(text)


@register.filter
def spelled(value: object) -> str:
    return "" if value is None else invisible.spelled(str(value))
