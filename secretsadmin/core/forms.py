"""Form pieces every provider's forms share: how a secret is typed (and never sent back), the
reason a change is made for, and a removal confirmed by typing the name of what goes."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html

PLAIN = {"autocomplete": "off", "spellcheck": "false"}  # no autofill, no spell-checker upload
MONO = {**PLAIN, "class": "mono"}


class SecretInput(forms.PasswordInput):
    """A secret value: never sent back, even with errors (`render_value` stays off)."""

    def __init__(self) -> None:
        super().__init__(attrs=dict(PLAIN))


class SecretTextarea(forms.Textarea):
    """A block of secret values: like a password field, never sent back, even with errors."""

    def format_value(self, value: Any) -> None:
        return None


class ReasonForm(forms.Form):
    """The optional reason a person gives for a change; the audit log keeps it."""

    reason = forms.CharField(
        required=False,
        max_length=500,
        label="Reason (optional, kept in the audit log)",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class ConfirmByNameForm(ReasonForm):
    """Asks before something is deleted: its name, typed, confirms. `noun` is what it is ("set",
    "secret"), as the refusal names it."""

    confirm = forms.CharField(widget=forms.TextInput(attrs=dict(MONO)))

    field_order = ["confirm"]

    def __init__(self, *args: Any, name: str, noun: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.confirmed_name, self.noun = name, noun
        self.submit_label = f"Delete {name}"
        self.fields["confirm"].label = format_html("Type <code>{}</code> to confirm", name)

    def clean_confirm(self) -> str:
        confirm: str = self.cleaned_data["confirm"]
        if confirm.strip() != self.confirmed_name:
            raise ValidationError(f"Type {self.confirmed_name} exactly to delete this {self.noun}.")
        return confirm
