"""The alerts page's forms: its filter, and how long an alert is snoozed for."""

from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone

from .kinds import KINDS, WORDS
from .selectors import ORDER

LENGTHS = {"1h": timedelta(hours=1), "1d": timedelta(days=1), "1w": timedelta(weeks=1)}
UNTIL_DATE = "date"


class AlertFilterForm(forms.Form):
    """Which alerts are listed. A value no choice holds (an old or edited link) lists them all."""

    state = forms.ChoiceField(
        required=False,
        choices=[("", "Any"), *((state.value, state.label) for state in ORDER)],
    )
    kind = forms.ChoiceField(
        required=False, choices=[("", "Any"), *((kind, WORDS[kind]) for kind in KINDS)]
    )

    def chosen(self) -> tuple[str, str]:
        """The state and the kind asked for; "" for any."""
        if not self.is_valid():
            return "", ""
        return self.cleaned_data["state"], self.cleaned_data["kind"]


class SnoozeForm(forms.Form):
    length = forms.ChoiceField(
        label="Snooze",
        choices=[
            ("1h", "for 1 hour"),
            ("1d", "for 1 day"),
            ("1w", "for 1 week"),
            (UNTIL_DATE, "until the date"),
        ],
        initial="1d",
    )
    until = forms.DateField(
        required=False, label="Date", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("length") == UNTIL_DATE and not data.get("until"):
            self.add_error("until", "Choose the date the alert is snoozed until.")
        return data

    def snoozed_until(self) -> datetime:
        """When the snooze ends: a length from now, or the start of the date chosen, in the
        dashboard's time zone (a date today or past is refused by the service)."""
        length = self.cleaned_data["length"]
        if length != UNTIL_DATE:
            return timezone.now() + LENGTHS[length]
        day: date = self.cleaned_data["until"]
        return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
