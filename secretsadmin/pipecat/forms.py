"""Validation of what people type, and how each field is offered: its widget's attributes live
here, its markup in the one field template (`templates/django/forms/field.html`).

Bad input gets a clear message and changes nothing.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from secretsadmin.core.forms import (
    MONO,
    PLAIN,
    ConfirmByNameForm,
    ReasonForm,
    SecretInput,
    SecretTextarea,
)
from secretsadmin.providers.envfile import parse_env
from secretsadmin.providers.pipecat import key_name_problem, set_name_problem
from secretsadmin.providers.pipecat.container_registries import (
    PRESETS,
    InvalidRegistry,
    normalise_registry_host,
)
from secretsadmin.providers.pipecat.models import Region
from secretsadmin.providers.pipecat.names import (
    MAX_KEY_NAME,
    SET_NAME,
    SET_NAME_LENGTH,
    SET_NAME_RULE,
    agent_name_problem,
)

ROWS = 3  # the key rows a page offers; with JavaScript a person adds more, up to MAX_ROWS
MAX_ROWS = 50
ROW_FIELD = re.compile(r"(?:key|value)_(\d{1,3})")
OTHER_REGISTRY = "other"


class SetNameField(forms.CharField):
    """A set's name under the API's rule (`providers.pipecat.names`): the browser gets the same
    pattern and lengths the server checks, and the rule in words as the field's help."""

    announces_help = True  # the help is where the as-you-type check answers

    def __init__(self, **kwargs: Any) -> None:
        shortest, longest = SET_NAME_LENGTH
        attrs = {
            **PLAIN,
            "minlength": str(shortest),
            "maxlength": str(longest),
            "pattern": SET_NAME.pattern.removeprefix("^").removesuffix("$"),
        }
        super().__init__(
            validators=[validate_set_name],
            help_text=SET_NAME_RULE,
            widget=forms.TextInput(attrs=attrs),
            **kwargs,
        )


def validate_set_name(value: str) -> None:
    problem = set_name_problem(value)
    if problem:
        raise ValidationError(problem)


def check_name_as_you_type(form: forms.Form, account: str) -> None:
    """Asks the server about the name while it is typed; the answer replaces the field's help,
    which the input is described by and which is announced."""
    bound = form["name"]
    form.fields["name"].widget.attrs.update(
        {
            "hx-get": reverse("pipecat:check_name", args=[account]),
            "hx-trigger": "input changed delay:300ms",
            "hx-target": f"#{bound.auto_id}_helptext",
            "hx-swap": "innerHTML",
            "hx-indicator": "this",  # a courtesy check: not the page's loading indicator
        }
    )


def region_choices(regions: Iterable[Region]) -> list[tuple[str, str]]:
    return [(r.code, f"{r.display_name} ({r.code})") for r in regions]


class KeysForm(ReasonForm):
    """New keys as rows of name and value, or as a pasted `.env` block, or both.

    Rows are `key_N`/`value_N`: the page offers ROWS of them, a script adds more, and the form
    takes every row posted, up to MAX_ROWS.
    """

    max_rows = MAX_ROWS

    env = forms.CharField(
        required=False,
        label="Or paste a .env block",
        help_text="Comments, blank lines, export and quoted values are understood. "
        "Values are never shown again.",
        widget=SecretTextarea(attrs={"rows": 6, **MONO}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        posted = sorted(set(range(ROWS)) | self._posted_rows())
        self.too_many_rows = len(posted) > MAX_ROWS
        self.rows: list[tuple[forms.BoundField, forms.BoundField]] = []
        for i in posted[:MAX_ROWS]:
            self.fields[f"key_{i}"] = forms.CharField(
                required=False,
                max_length=MAX_KEY_NAME,
                label="Key",
                widget=forms.TextInput(attrs=dict(MONO)),
            )
            self.fields[f"value_{i}"] = forms.CharField(
                required=False, label="Value", strip=False, widget=SecretInput()
            )
            self.rows.append((self[f"key_{i}"], self[f"value_{i}"]))

    def _posted_rows(self) -> set[int]:
        if not self.is_bound:
            return set()
        return {int(match[1]) for name in self.data if (match := ROW_FIELD.fullmatch(name))}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.too_many_rows:
            raise ValidationError(
                f"At most {MAX_ROWS} key rows at once: paste more as a .env block. "
                "Nothing was saved."
            )
        pairs: dict[str, str] = {}
        for key_field, value_field in self.rows:
            key, value = data.get(key_field.name, "").strip(), data.get(value_field.name, "")
            if not key and not value:
                continue
            if not key:
                self.add_error(key_field.name, "Name this key, or clear its value.")
            elif problem := key_name_problem(key):
                self.add_error(key_field.name, problem)
            elif not value:
                self.add_error(value_field.name, f"{key} needs a value.")
            else:
                pairs[key] = value
        block = parse_env(data.get("env", ""), key_problem=key_name_problem)
        for line_problem in block.errors:
            self.add_error("env", str(line_problem))
        for key, value in block.pairs:
            pairs[key] = value
        if not pairs and not self.errors:
            raise ValidationError("Give at least one key and its value.")
        self.warnings = [str(w) for w in block.warnings]
        data["pairs"] = pairs
        return data


class NewSetForm(KeysForm):
    name = SetNameField()
    region = forms.ChoiceField(
        choices=(), help_text="A set's region cannot change after it is created."
    )

    field_order = ["name", "region"]

    def __init__(self, *args: Any, account: str, regions: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(regions)  # type: ignore[attr-defined]
        check_name_as_you_type(self, account)


class DeleteKeyForm(ReasonForm):
    """Asks before a key is removed; the reason is all it takes."""

    def __init__(self, *args: Any, set_name: str, key: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_name, self.key = set_name, key
        self.submit_label = f"Remove {key}"


class DeleteSetForm(ConfirmByNameForm):
    """Asks before a set is deleted: its name, typed, confirms."""

    def __init__(self, *args: Any, set_name: str, **kwargs: Any) -> None:
        super().__init__(*args, name=set_name, noun="set", **kwargs)
        self.set_name, self.key = set_name, ""


@dataclass(frozen=True)
class RegistryHint:
    """What to type for one registry, shown while it is the one chosen."""

    key: str
    label: str
    username: str
    token: str
    host: str  # the host pattern to fill in, or "" when the registry's host is known
    note: str | None

    @property
    def literal_username(self) -> bool:
        """Whether the user name is the very word to type (`AWS`), not a description of it."""
        return " " not in self.username

    @property
    def token_html(self) -> SafeString:
        return code_spans(self.token)

    @property
    def note_html(self) -> SafeString:
        return code_spans(self.note or "")


def code_spans(text: str) -> SafeString:
    """`text` with its `backticked` commands as code, the rest escaped."""
    parts = text.split("`")
    return mark_safe(  # noqa: S308 -- every part is escaped
        "".join(
            format_html("<code>{}</code>", part) if odd else escape(part)
            for odd, part in ((i % 2 == 1, p) for i, p in enumerate(parts))
        )
    )


REGISTRY_HINTS = (
    *(
        RegistryHint(
            p.key,
            p.label,
            p.username_hint,
            p.token_hint,
            p.host if "<" in p.host else "",
            p.note,
        )
        for p in PRESETS
    ),
    RegistryHint(
        OTHER_REGISTRY,
        "Another registry",
        "the registry's user name",
        "its password or access token",
        "registry.example.com/",
        None,
    ),
)


class ImagePullForm(ReasonForm):
    name = SetNameField(label="Set name")
    region = forms.ChoiceField(choices=())
    registry = forms.ChoiceField(
        choices=[(hint.key, hint.label) for hint in REGISTRY_HINTS],
        initial="dockerhub",
        widget=forms.Select(attrs={"data-registry-choice": ""}),
    )
    host = forms.CharField(
        required=False,
        label="Registry host",
        help_text="The host your images are pulled from, "
        "e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com",
        widget=forms.TextInput(attrs=dict(MONO)),
    )
    username = forms.CharField(
        label="Registry user name",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    token = forms.CharField(label="Password or token", strip=False, widget=SecretInput())

    field_order = ["name", "region", "registry", "host", "username", "token"]
    hints = REGISTRY_HINTS

    def __init__(
        self, *args: Any, account: str, regions: list[Region], existing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(regions)  # type: ignore[attr-defined]
        if existing:
            self.fields["name"].disabled = True
            self.fields["region"].disabled = True
        else:
            check_name_as_you_type(self, account)

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"].strip()
        if ":" in username:
            raise ValidationError("A registry user name cannot contain a colon.")
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
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


class AgentNamesField(forms.Field):
    """Agents' names, ticked on a page (many fields of one name)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        names = [value] if isinstance(value, str) else list(value)
        if not all(isinstance(name, str) and not agent_name_problem(name) for name in names):
            raise ValidationError("No agent can be called that: reload the page and choose again.")
        return list(dict.fromkeys(names))


class RedeployForm(ReasonForm):
    """Which agents to redeploy: those ticked (`agent`), or every agent using the set (`all`).
    Whether they use it is the service's to check, afresh."""

    agent = AgentNamesField(required=False)
    all = forms.BooleanField(required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("all"):
            cleaned["agents"] = None
        elif cleaned.get("agent"):
            cleaned["agents"] = cleaned["agent"]
        elif "agent" not in self.errors:
            raise ValidationError("Choose at least one agent to redeploy.")
        return cleaned
