"""Every form of the dashboard, sent anything at all in any of its fields, answers with its
errors or its cleaned data, and renders either way: never an exception. What a valid form holds
is what the provider accepts."""

import importlib
import inspect
import pkgutil
from datetime import UTC, datetime

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import secretsadmin
from emulators.pipecat.validation import valid_key_name, valid_set_name
from secretsadmin.gcore.forms import ExpirationField
from secretsadmin.providers.gcore import Region as GcoreRegion
from secretsadmin.providers.gcore import Secret as GcoreSecret
from secretsadmin.providers.gcore.names import secret_name_problem
from secretsadmin.providers.pipecat.models import Region as PipecatRegion
from tests.attack.strategies import CHAIN, FILES, SOON, TEXT

PIPECAT_REGIONS = [PipecatRegion("us-west", "US West"), PipecatRegion("eu-central", "EU")]
GCORE_REGIONS = (GcoreRegion(76, "Luxembourg-2"), GcoreRegion(38, "Frankfurt"))
SECRET = GcoreSecret(
    id="6f1c2e4a-0000-4000-8000-000000000001",
    name="kept",
    secret_type="opaque",
    status="ACTIVE",
    created=datetime(2026, 1, 1, tzinfo=UTC),
    expiration=None,
    algorithm=None,
    bit_length=None,
    mode=None,
    content_types=(),
    region_id=76,
)
# What each form is built with, as its view builds it.
ARGUMENTS = {
    "ReasonForm": {},
    "ConfirmByNameForm": {"name": "voice-prod", "noun": "set"},
    "KeysForm": {},
    "NewSetForm": {"account": "prod", "regions": PIPECAT_REGIONS},
    "DeleteKeyForm": {"set_name": "voice-prod", "key": "API_KEY"},
    "DeleteSetForm": {"set_name": "voice-prod"},
    "ImagePullForm": {"account": "prod", "regions": PIPECAT_REGIONS},
    "EventFilterForm": {},
    "ValueCheckForm": {"keys": ["API_KEY", "OTHER"]},
    "_NamedInRegion": {"account": "prod", "regions": GCORE_REGIONS},
    "NewSecretForm": {"account": "prod", "regions": GCORE_REGIONS},
    "CertificateForm": {"account": "prod", "regions": GCORE_REGIONS},
    "DeleteSecretForm": {"secret": SECRET},
    "PickCertificateForm": {"candidates": (SECRET,)},
    "RedeployForm": {},
    "AlertFilterForm": {},
    "SnoozeForm": {},
}
# A submission each form takes, which the tests then change field by field.
VALID = {
    "ReasonForm": {"reason": "JIRA-1"},
    "ConfirmByNameForm": {"confirm": "voice-prod"},
    "KeysForm": {"key_0": "API_KEY", "value_0": "v", "env": "B=2"},
    "NewSetForm": {"name": "new-set", "region": "us-west", "key_0": "A", "value_0": "1"},
    "DeleteKeyForm": {},
    "DeleteSetForm": {"confirm": "voice-prod"},
    "ImagePullForm": {
        "name": "ghcr-pull",
        "region": "us-west",
        "registry": "ghcr",
        "username": "u",
        "token": "t",
    },
    "EventFilterForm": {"since": "2026-01-01 00:00", "until": "2026-02-01 00:00", "q": "x"},
    "ValueCheckForm": {"key": "API_KEY", "value": "v"},
    "_NamedInRegion": {"region": "76", "name": "kept"},
    "NewSecretForm": {
        "region": "76",
        "name": "token",
        "secret_type": "symmetric",
        "payload": "x",
        "algorithm": "aes",
        "bit_length": "256",
        "mode": "cbc",
        "expiration": SOON,
    },
    "CertificateForm": {
        "region": "38",
        "name": "www",
        "certificate": CHAIN.leaf.cert_pem,
        "certificate_chain": CHAIN.chain_pem,
        "private_key": CHAIN.leaf.key_pem,
    },
    "DeleteSecretForm": {"confirm": "kept"},
    "PickCertificateForm": {"replacement": SECRET.id, "reason": "renewed"},
    "RedeployForm": {"agent": "voice-prod", "reason": "rotated"},
    "AlertFilterForm": {"state": "open", "kind": "expiry"},
    "SnoozeForm": {"length": "date", "until": "2031-03-30"},
}
# The key rows a page adds with JavaScript (or a crafted post invents).
EXTRA_FIELDS = ("key_3", "value_3", "key_49", "value_49", "key_999", "value_999", "key_1000")


def dashboard_forms() -> dict[str, type[forms.BaseForm]]:
    found = {}
    for module_info in pkgutil.walk_packages(secretsadmin.__path__, "secretsadmin."):
        name = module_info.name
        if ".migrations" in name or name.endswith((".wsgi", ".settings")):
            continue
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == name:
                found[cls.__name__] = cls
    return found


FORMS = dashboard_forms()


def test_every_form_of_the_dashboard_is_fed_below():
    assert sorted(FORMS) == sorted([*ARGUMENTS, "ThrottledAuthenticationForm"])
    assert sorted(VALID) == sorted(ARGUMENTS)


@pytest.mark.parametrize("form_name", sorted(VALID))
def test_the_submissions_changed_below_start_valid(form_name):
    form = FORMS[form_name](VALID[form_name], **ARGUMENTS[form_name])
    assert form.is_valid(), form.errors


@st.composite
def submissions(draw: st.DrawFn, form_name: str):
    """Data and files for some of the form's fields (and rows it may not offer), each anything:
    from nothing, or from a valid submission with some fields changed or left out."""
    fields = FORMS[form_name](**ARGUMENTS[form_name]).fields
    names = [*fields, *(EXTRA_FIELDS if "key_0" in fields else ())]
    data, files = {}, {}
    if draw(st.booleans()):
        data = dict(VALID[form_name])
        for name in draw(st.lists(st.sampled_from(names), unique=True, max_size=1)):
            data.pop(name, None)
    most = 2 if data else len(names)
    chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=most))
    for name in chosen:
        if isinstance(fields.get(name), forms.FileField):
            files[name] = SimpleUploadedFile(f"{name}.pem", draw(FILES))
        else:
            data[name] = draw(TEXT)
    return data, files


def provider_accepts(form: forms.BaseForm) -> None:
    """A valid form's names and keys are ones the provider takes."""
    data = form.cleaned_data
    name = data.get("name")
    if isinstance(form, FORMS["NewSetForm"] | FORMS["ImagePullForm"]):
        assert valid_set_name(name), name
    if isinstance(form, FORMS["_NamedInRegion"]):
        assert secret_name_problem(name) is None and data["region"] in (76, 38)
    if isinstance(form, FORMS["SnoozeForm"]):
        assert timezone.is_aware(form.snoozed_until())
    for key, value in data.get("pairs", {}).items():
        assert valid_key_name(key) and isinstance(value, str) and value, key


@pytest.mark.parametrize("form_name", sorted(ARGUMENTS))
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_form_sent_anything_answers_and_renders(form_name, data):
    form_class, arguments = FORMS[form_name], ARGUMENTS[form_name]
    posted, files = data.draw(submissions(form_name))
    form = form_class(posted, files, **arguments)
    valid = form.is_valid()
    event("valid" if valid else "refused")
    if valid:
        provider_accepts(form)
    else:
        assert form.errors
    assert form.as_div()


@pytest.mark.django_db
@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(["username", "password"]), TEXT))
def test_the_sign_in_form_sent_anything_answers_and_renders(posted):
    request = RequestFactory().post("/accounts/login/", posted)
    form = FORMS["ThrottledAuthenticationForm"](request, data=posted)
    assert not form.is_valid()  # nobody has an account here
    assert form.errors and form.as_div()


ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu"]


@settings(max_examples=150)
@given(
    st.datetimes(min_value=datetime(2030, 1, 1), max_value=datetime(9998, 12, 31)),
    st.sampled_from(ZONES),
)
def test_an_expiration_is_read_as_the_utc_it_says_whatever_the_servers_zone(moment, zone):
    """The field is typed in UTC: a moment the server's TIME_ZONE skips or repeats (its clocks
    changing) was refused as one it "couldn't interpret"."""
    typed = moment.strftime("%Y-%m-%dT%H:%M")
    with timezone.override(zone):
        read = ExpirationField().clean(typed)
    assert read == moment.replace(second=0, microsecond=0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "typed"),
    [
        ("Europe/Berlin", "2031-03-30T02:30"),  # an hour Berlin skips
        ("Europe/Berlin", "2031-10-26T02:30"),  # and one it has twice
        ("America/New_York", "2031-03-09T02:15"),
    ],
)
def test_an_expiration_in_an_hour_the_servers_clocks_skip_or_repeat_is_kept(zone, typed):
    with timezone.override(zone):
        read = ExpirationField().clean(typed)
    assert read == datetime.fromisoformat(typed).replace(tzinfo=UTC)
