"""The Gcore Cloud change forms: what people type or upload, checked before anything is sent, and
how each field is offered (its widget's attributes here, its markup in the one field template,
`templates/django/forms/field.html`).

A payload, a certificate, its chain and its key are each pasted or uploaded: a file is bytes,
stored byte for byte; pasted text is stored as UTF-8 with `\\n` line breaks (the browser sends
`\\r\\n` whatever was pasted). None of them is ever rendered back into a page.

Certificates have a form of their own: the generic type "certificate" would take any bytes, which
no load balancer could use, while the TLS form sends the certificate, chain and key Gcore's load
balancers read, after `certificates.check_bundle` has read them. So the generic form offers the
other five types and points to it.
"""

from datetime import UTC, datetime
from itertools import chain
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from django.utils import timezone

from secretsadmin.core.forms import MONO, PLAIN, ConfirmByNameForm, ReasonForm, SecretTextarea
from secretsadmin.providers.gcore import Region, Secret
from secretsadmin.providers.gcore.names import (
    MAX_SECRET_NAME,
    SECRET_NAME_RULE,
    secret_name_problem,
)

from . import certificates
from .certificates import Bundle

MAX_PAYLOAD_BYTES = 1_048_576  # Gcore's limit, and the certificate checks' for each part
GENERIC_TYPES = (
    ("opaque", "Opaque: any bytes (a token, a file)"),
    ("passphrase", "Passphrase"),
    ("symmetric", "Symmetric key"),
    ("public", "Public key"),
    ("private", "Private key"),
)
# What each type's key is made with: its algorithms, and each algorithm's sizes in bits.
ALGORITHMS = {"symmetric": ("aes",), "public": ("rsa", "ec"), "private": ("rsa", "ec")}
BIT_LENGTHS = {"aes": (128, 192, 256), "rsa": (2048, 3072, 4096), "ec": (256, 384, 521)}
MODES = ("cbc", "ctr", "gcm")  # of a symmetric key only
SYMMETRIC = "symmetric"
ALGORITHM_NAMES = {"aes": "AES", "rsa": "RSA", "ec": "EC"}
NAME_CHECK = "name-check"  # where the as-you-type name check answers


class SecretNameField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        attrs = {**PLAIN, "maxlength": str(MAX_SECRET_NAME)}
        super().__init__(
            strip=False,
            validators=[validate_secret_name],
            help_text=f"{SECRET_NAME_RULE} Gcore Cloud allows two secrets of one name; this "
            "form warns before making a second.",
            widget=forms.TextInput(attrs=attrs),
            **kwargs,
        )


def validate_secret_name(value: str) -> None:
    problem = secret_name_problem(value)
    if problem:
        raise ValidationError(problem)


class ExpirationField(forms.DateTimeField):
    """An optional moment in the future, typed in UTC (a browser's date and time picker)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "Expires (UTC, optional)")
        super().__init__(
            required=False,
            widget=forms.DateTimeInput(
                attrs={"type": "datetime-local", "step": "60"}, format="%Y-%m-%dT%H:%M"
            ),
            **kwargs,
        )

    def clean(self, value: Any) -> datetime | None:
        # Typed as UTC, whatever zone the server reads it in: read in its TIME_ZONE, a moment
        # its clocks skip or repeat would be refused as one that "couldn't be interpreted".
        with timezone.override(UTC):
            moment: datetime | None = super().clean(value)
        if moment is None:
            return None
        moment = moment.replace(tzinfo=None).replace(tzinfo=UTC)
        if moment <= timezone.now():
            raise ValidationError("The expiration must be in the future.")
        return moment


def region_choices(regions: tuple[Region, ...]) -> list[tuple[int, str]]:
    return [(r.id, f"{r.display_name} ({r.id})") for r in regions]


def _file_field(label: str) -> forms.FileField:
    return forms.FileField(required=False, label=label)


def _pasted_field(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        required=False,
        strip=False,
        label=label,
        help_text=help_text,
        widget=SecretTextarea(attrs={"rows": 6, **MONO}),
    )


class _NamedInRegion(ReasonForm):
    """A new secret's region and name, checked as they are typed, and the confirmation a second
    secret of one name needs."""

    region = forms.TypedChoiceField(coerce=int, choices=())
    name = SecretNameField()
    duplicate = forms.BooleanField(required=False)

    def __init__(
        self, *args: Any, account: str, regions: tuple[Region, ...], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(regions)  # type: ignore[attr-defined]
        self.duplicates: tuple[Secret, ...] = ()  # the secrets of the name, once refused for them
        self.duplicate_name = self.duplicate_region = ""
        check = reverse("gcore:check_name", args=[account])
        asks = {
            "hx-get": check,
            "hx-target": f"#{NAME_CHECK}",
            "hx-swap": "innerHTML",
            "hx-indicator": "this",  # a courtesy check: not the page's loading indicator
        }
        self.fields["name"].widget.attrs.update(
            {
                **asks,
                "hx-trigger": "input changed delay:300ms",
                "hx-include": f"#{self['region'].auto_id}",
            }
        )
        self.fields["region"].widget.attrs.update(
            {**asks, "hx-trigger": "change", "hx-include": f"#{self['name'].auto_id}"}
        )

    def refuse_duplicate(self, duplicates: tuple[Secret, ...], region_name: str) -> None:
        """The region holds secrets of the name: the form asks to confirm another."""
        name = self.cleaned_data.get("name", "")
        self.duplicates, self.duplicate_name, self.duplicate_region = duplicates, name, region_name
        self.fields["duplicate"].label = f"Create another secret named {name}"
        count = "a secret" if len(duplicates) == 1 else f"{len(duplicates)} secrets"
        self.add_error(
            "name",
            f"{region_name} holds {count} named {name} already. To make one more of that name, "
            f"tick “Create another secret named {name}” and send again; or pick another name.",
        )

    def _read(self, text_field: str, file_field: str, *, what: str, required: bool) -> bytes | None:
        """The bytes of a part, pasted or uploaded (one of the two), or None (an error added)."""
        text: str = self.cleaned_data.get(text_field) or ""
        upload: UploadedFile[bytes] | None = self.cleaned_data.get(file_field)
        if text and upload is not None:
            self.add_error(text_field, f"Paste {what} or upload a file, not both.")
            return None
        if upload is not None:
            if (upload.size or 0) > MAX_PAYLOAD_BYTES:
                self.add_error(file_field, _too_big("file", upload.size or 0))
                return None
            content: bytes = upload.read()
            return content
        data = text.replace("\r\n", "\n").encode("utf-8")
        if len(data) > MAX_PAYLOAD_BYTES:
            self.add_error(text_field, _too_big("pasted text", len(data)))
            return None
        if not data and required:
            self.add_error(text_field, f"Paste {what} or upload a file holding it.")
            return None
        return data


def _too_big(what: str, size: int) -> str:
    return f"The {what} is {size:,} bytes; Gcore Cloud takes at most 1 MB (1,048,576 bytes)."


class NewSecretForm(_NamedInRegion):
    secret_type = forms.ChoiceField(label="Type", choices=GENERIC_TYPES, initial="opaque")
    payload = _pasted_field(
        "Secret",
        "Paste it here, or upload it below; it is never shown again.",
    )
    payload_file = _file_field("Or upload a file (at most 1 MB, stored byte for byte)")
    algorithm = forms.ChoiceField(
        required=False,
        choices=[("", "—"), *ALGORITHM_NAMES.items()],
        help_text="AES for a symmetric key; RSA or EC for a public or private key.",
    )
    bit_length = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label="Bit length",
        choices=[("", "—"), *((n, str(n)) for n in sorted(set(chain(*BIT_LENGTHS.values()))))],
        help_text="AES: 128, 192 or 256. RSA: 2048, 3072 or 4096. EC: 256, 384 or 521.",
    )
    mode = forms.ChoiceField(
        required=False,
        choices=[("", "—"), *((m, m.upper()) for m in MODES)],
        help_text="Of a symmetric key only.",
    )
    expiration = ExpirationField()

    field_order = [
        "region",
        "name",
        "duplicate",
        "secret_type",
        "payload",
        "payload_file",
        "algorithm",
        "bit_length",
        "mode",
        "expiration",
        "reason",
    ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["secret"] = self._read("payload", "payload_file", what="the secret", required=True)
        secret_type = data.get("secret_type")
        if secret_type in ALGORITHMS:
            self._check_key_parameters(secret_type, data)
        else:  # hidden for these types: whatever a page without CSS sent is not theirs
            data["algorithm"] = data["bit_length"] = data["mode"] = None
        return data

    def _check_key_parameters(self, secret_type: str, data: dict[str, Any]) -> None:
        algorithm, bits, mode = data.get("algorithm"), data.get("bit_length"), data.get("mode")
        allowed = ALGORITHMS[secret_type]
        names = " or ".join(ALGORITHM_NAMES[a] for a in allowed)
        if algorithm not in allowed:
            self.add_error("algorithm", f"A {secret_type} key is made with {names}: pick it.")
        elif bits not in BIT_LENGTHS[algorithm]:
            sizes = ", ".join(map(str, BIT_LENGTHS[algorithm]))
            self.add_error(
                "bit_length", f"An {ALGORITHM_NAMES[algorithm]} key is {sizes} bits long."
            )
        if secret_type == SYMMETRIC and not mode:
            self.add_error("mode", "Pick the mode the key is used in.")
        elif secret_type != SYMMETRIC and mode:
            self.add_error("mode", f"A {secret_type} key has no mode; leave it empty.")
        data["algorithm"], data["mode"] = algorithm or None, mode or None


class CertificateForm(_NamedInRegion):
    """A TLS certificate, its chain and its private key, read and checked before anything is
    sent; the expiration defaults to the certificate's own."""

    certificate = _pasted_field(
        "Certificate (PEM)", "From -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----."
    )
    certificate_file = _file_field("Or upload the certificate file")
    certificate_chain = _pasted_field(
        "Chain (PEM, optional)",
        "The certificate's issuer first, then its issuer's, up to the root.",
    )
    certificate_chain_file = _file_field("Or upload the chain file")
    private_key = _pasted_field("Private key (PEM)", "Unencrypted; it is never shown again.")
    private_key_file = _file_field("Or upload the private key file")
    expiration = ExpirationField(
        help_text="Leave it empty to expire with the certificate (its not-after date). An "
        "earlier date is allowed, a later one not: the list would then promise more time than "
        "the certificate has."
    )

    field_order = [
        "region",
        "name",
        "duplicate",
        "certificate",
        "certificate_file",
        "certificate_chain",
        "certificate_chain_file",
        "private_key",
        "private_key_file",
        "expiration",
        "reason",
    ]

    PARTS = (
        (certificates.CERTIFICATE, "the certificate"),
        (certificates.CHAIN, "the chain"),
        (certificates.PRIVATE_KEY, "the private key"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bundle: Bundle | None = None

    def upload(self) -> dict[str, Any]:
        """What the valid form uploads, as `services.create_certificate` takes it (and a
        replacement's upload passes it on)."""
        data = self.cleaned_data
        sent = ("name", "certificate", "certificate_chain", "private_key", "expiration", "reason")
        return {name: data[name] for name in sent} | {"duplicate_confirmed": data["duplicate"]}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parts: dict[str, str] = {}
        for field, what in self.PARTS:
            # A part missing is for check_bundle to explain, in its own words.
            read = self._read(field, f"{field}_file", what=what, required=False)
            if read is None:
                continue
            try:
                parts[field] = read.decode("utf-8")
            except UnicodeDecodeError:
                self.add_error(
                    field,
                    f"The file of {what} is not text: PEM is text from -----BEGIN to -----END. "
                    "A binary .der or .p12 file needs converting to PEM first.",
                )
        if len(parts) < len(self.PARTS):
            return data
        self.bundle = certificates.check_bundle(
            parts[certificates.CERTIFICATE],
            parts[certificates.CHAIN],
            parts[certificates.PRIVATE_KEY],
            now=timezone.now(),
        )
        for field, problems in self.bundle.problems.items():
            for problem in problems:
                self.add_error(field, problem)
        data.update(parts)
        facts = self.bundle.facts
        if facts is not None:
            chosen = data.get("expiration")
            if chosen is None:
                data["expiration"] = certificates.default_expiration(facts)
            elif chosen > facts.not_after:
                self.add_error(
                    "expiration",
                    f"The certificate itself expires at {facts.not_after:%Y-%m-%d %H:%M} UTC: "
                    "the secret cannot expire later. Leave it empty to use that date.",
                )
        return data


class DeleteSecretForm(ConfirmByNameForm):
    """Asks before a secret is deleted: its name, typed, confirms."""

    def __init__(self, *args: Any, secret: Secret, **kwargs: Any) -> None:
        super().__init__(*args, name=secret.name, noun="secret", **kwargs)
        self.secret = secret


class PickCertificateForm(ReasonForm):
    """The region's certificate that replaces another (`replacements.candidates`)."""

    replacement = forms.ChoiceField(label="New certificate", choices=())

    def __init__(self, *args: Any, candidates: tuple[Secret, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["replacement"].choices = [  # type: ignore[attr-defined]
            (secret.id, _candidate_label(secret)) for secret in candidates
        ]


def _candidate_label(secret: Secret) -> str:
    expires = f"expires {secret.expiration:%Y-%m-%d}" if secret.expiration else "no expiry"
    return f"{secret.name} ({expires}; {secret.id[:8]})"
