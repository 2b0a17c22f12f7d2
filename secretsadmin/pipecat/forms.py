"""Validation of what people type; bad input gets a clear message and changes nothing."""

from django import forms
from django.core.exceptions import ValidationError

from secretsadmin.providers.envfile import parse_env
from secretsadmin.providers.pipecat import key_name_problem, set_name_problem
from secretsadmin.providers.pipecat.container_registries import (
    PRESETS,
    InvalidRegistry,
    normalise_registry_host,
)

ROWS = 3
SECRET_INPUT = forms.PasswordInput(attrs={"autocomplete": "off", "spellcheck": "false"})


class SecretTextarea(forms.Textarea):
    """A block of secret values: like a password field, never sent back, even with errors."""

    def format_value(self, value):
        return None


def validate_set_name(value: str) -> None:
    problem = set_name_problem(value)
    if problem:
        raise ValidationError(problem)


class ReasonForm(forms.Form):
    """The optional reason a person gives for a change; the audit log keeps it."""

    reason = forms.CharField(
        required=False,
        max_length=500,
        label="Reason (optional, kept in the audit log)",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class KeysForm(ReasonForm):
    """New keys as rows of name and value, or as a pasted `.env` block, or both."""

    env = forms.CharField(
        required=False,
        label="Or paste a .env block",
        widget=SecretTextarea(
            attrs={"rows": 6, "autocomplete": "off", "spellcheck": "false", "class": "mono"}
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for i in range(ROWS):
            self.fields[f"key_{i}"] = forms.CharField(
                required=False,
                max_length=64,
                label="Key",
                widget=forms.TextInput(
                    attrs={"autocomplete": "off", "spellcheck": "false", "class": "mono"}
                ),
            )
            self.fields[f"value_{i}"] = forms.CharField(
                required=False, label="Value", strip=False, widget=SECRET_INPUT
            )
        self.rows = [(self[f"key_{i}"], self[f"value_{i}"]) for i in range(ROWS)]

    def clean(self):
        data = super().clean()
        pairs: dict[str, str] = {}
        for i in range(ROWS):
            key, value = data.get(f"key_{i}", "").strip(), data.get(f"value_{i}", "")
            if not key and not value:
                continue
            if not key:
                self.add_error(f"key_{i}", "Name this key, or clear its value.")
            elif problem := key_name_problem(key):
                self.add_error(f"key_{i}", problem)
            elif not value:
                self.add_error(f"value_{i}", f"{key} needs a value.")
            else:
                pairs[key] = value
        block = parse_env(data.get("env", ""), key_problem=key_name_problem)
        for problem in block.errors:
            self.add_error("env", str(problem))
        for key, value in block.pairs:
            pairs[key] = value
        if not pairs and not self.errors:
            raise ValidationError("Give at least one key and its value.")
        self.warnings = [str(w) for w in block.warnings]
        data["pairs"] = pairs
        return data


class NewSetForm(KeysForm):
    name = forms.CharField(
        max_length=63,
        validators=[validate_set_name],
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="3 to 63 characters: lower-case letters, digits, - and .",
    )
    region = forms.ChoiceField(choices=())

    field_order = ["name", "region"]

    def __init__(self, *args, regions: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.code, f"{r.display_name} ({r.code})") for r in regions]


class DeleteSetForm(ReasonForm):
    confirm = forms.CharField(label="Type the set's name to confirm")

    def __init__(self, *args, set_name: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.set_name = set_name

    def clean_confirm(self):
        if self.cleaned_data["confirm"].strip() != self.set_name:
            raise ValidationError(f"Type {self.set_name} exactly to delete this set.")
        return self.cleaned_data["confirm"]


class ImagePullForm(ReasonForm):
    name = forms.CharField(
        label="Set name",
        max_length=63,
        validators=[validate_set_name],
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    registry = forms.ChoiceField(
        choices=[(p.key, p.label) for p in PRESETS] + [("other", "Another registry")],
        initial="dockerhub",
    )
    host = forms.CharField(
        required=False,
        label="Registry host",
        help_text="For ECR, Artifact Registry or another registry, e.g. "
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    username = forms.CharField(
        label="Registry user name",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    token = forms.CharField(label="Password or token", strip=False, widget=SECRET_INPUT)
    region = forms.ChoiceField(choices=())

    def __init__(self, *args, regions: list, existing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.code, f"{r.display_name} ({r.code})") for r in regions]
        if existing:
            self.fields["name"].disabled = True
            self.fields["region"].disabled = True

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if ":" in username:
            raise ValidationError("A registry user name cannot contain a colon.")
        return username

    def clean(self):
        data = super().clean()
        preset = next((p for p in PRESETS if p.key == data.get("registry")), None)
        typed = (data.get("host") or "").strip()
        if preset and "<" not in preset.host and not typed:
            typed = preset.host
        if not typed:
            self.add_error("host", "Give the registry's host, e.g. ghcr.io or your ECR address.")
            return data
        try:
            data["host"] = normalise_registry_host(typed)
        except InvalidRegistry as exc:
            self.add_error("host", str(exc))
        return data
