"""The one-time token of a change form (`core.once`), as `{% csrf_token %}` gives the CSRF one."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from secretsadmin.core import once

register = template.Library()


@register.simple_tag
def once_field() -> SafeString:
    """A hidden input holding a fresh token: one per form, so each form is sent once."""
    return format_html('<input type="hidden" name="{}" value="{}">', once.FIELD, once.issue())


@register.simple_tag
def once_token() -> str:
    """A fresh token alone, for a form that script fills in (a key's removal dialog)."""
    return once.issue()
