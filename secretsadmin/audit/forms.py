from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils import timezone

from .models import Outcome

EARLIEST, LATEST = 1970, 9998


class EventFilterForm(forms.Form):
    """The review page's filters; the same query string selects what an export contains."""

    since = forms.DateTimeField(
        required=False,
        label="From",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        error_messages={"invalid": "Enter a date and time, e.g. 2026-01-31 14:00."},
    )
    until = forms.DateTimeField(
        required=False,
        label="Until",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        error_messages={"invalid": "Enter a date and time, e.g. 2026-01-31 14:00."},
    )
    actor = forms.CharField(required=False, max_length=254, help_text="Username or email")
    action = forms.CharField(
        required=False,
        max_length=100,
        help_text="A name or its beginning, e.g. pipecat or auth.denied",
        widget=forms.TextInput(attrs={"list": "action-names", "autocomplete": "off"}),
    )
    provider = forms.ChoiceField(
        required=False, choices=[("", "Any"), ("pipecat", "Pipecat"), ("gcore", "Gcore")]
    )
    account = forms.CharField(required=False, max_length=200)
    target = forms.CharField(required=False, max_length=500, help_text="Name or id")
    outcome = forms.ChoiceField(required=False, choices=[("", "Any"), *Outcome.choices])
    request_id = forms.CharField(required=False, max_length=128, label="Request id")
    q = forms.CharField(required=False, max_length=200, label="Text")
    operation = forms.IntegerField(
        required=False,
        min_value=1,
        label="Operation",
        help_text="An operation's event number: it and its steps",
    )
    # Paging cursors: set by the page's links, not shown as fields.
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    after = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    CURSORS = ("before", "after")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A time typed here is read in the current time zone, which the label names.
        zone = timezone.get_current_timezone_name()
        self.fields["since"].label = f"From ({zone})"
        self.fields["until"].label = f"Until ({zone})"

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for name in ("since", "until"):
            # Near year 1 or 9999, converting to UTC overflows inside the query: a 500.
            value = data.get(name)
            if value and not EARLIEST <= value.year <= LATEST:
                self.add_error(name, f"Enter a date from {EARLIEST} to {LATEST}.")
                data[name] = None
        since, until = data.get("since"), data.get("until")
        if since and until and since >= until:
            self.add_error("until", f"Must be later than “{self.fields['since'].label}”.")
        if data.get("before") and data.get("after"):
            raise forms.ValidationError("Give “before” or “after”, not both.")
        for name, value in data.items():
            if isinstance(value, str):
                data[name] = value.strip()
        return data

    def filters(self) -> dict[str, Any]:
        """The cleaned filters, without the paging cursors."""
        return {k: v for k, v in self.cleaned_data.items() if k not in self.CURSORS}


class ValueCheckForm(forms.Form):
    """A candidate value for one of an event's keys, checked against its fingerprint: typed, or
    from a file for a value of several lines (a certificate, a service account's JSON)."""

    MAX_FILE = 1024 * 1024

    key = forms.ChoiceField(label="Key")
    value = forms.CharField(
        label="Candidate value",
        required=False,
        strip=False,  # a value is checked exactly as typed
        max_length=65536,
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="Exactly as it was set. It is compared here and never stored or shown.",
    )
    file = forms.FileField(label="or from a file", required=False)

    def __init__(self, *args: Any, keys: Iterable[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["key"]).choices = [(key, key) for key in keys]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        typed, upload = data.get("value", ""), data.get("file")
        if bool(typed) == bool(upload):
            raise forms.ValidationError("Type a value or choose a file, one of the two.")
        if upload is None:
            data["candidates"] = [typed]
            return data
        if upload.size > self.MAX_FILE:
            raise forms.ValidationError("That file is larger than any value a set holds (1 MB).")
        try:
            text = upload.read().decode()
        except UnicodeDecodeError:
            raise forms.ValidationError("That file is not text (UTF-8).") from None
        # How an editor saves a file is not how the value was set: a final line break, Windows
        # line ends, a byte order mark. Each spelling is tried; a match in any is a match.
        plain = text.removeprefix("\ufeff").replace("\r\n", "\n")
        spellings = [text, plain, plain.removesuffix("\n")]
        data["candidates"] = list(dict.fromkeys([*spellings, text.removesuffix("\n")]))
        return data
