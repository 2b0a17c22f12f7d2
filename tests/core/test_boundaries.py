"""The design's boundaries, checked on the source: what each layer may not import."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imports_of(package: str) -> dict[str, set[str]]:
    found = {}
    module = ROOT / f"{package.replace('.', '/')}.py"
    paths = [module] if module.exists() else (ROOT / package.replace(".", "/")).rglob("*.py")
    for path in paths:
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        # Product code never depends on the emulators: they are test and demo equipment.
        ("secretsadmin", ("emulators",)),
        # Provider clients speak HTTP; pages, forms and templates are not theirs to know.
        (
            "secretsadmin.providers",
            (
                "django.shortcuts",
                "django.template",
                "django.forms",
                "django.http",
                "secretsadmin.pipecat",
                "secretsadmin.audit",
            ),
        ),
        # The audit core records whoever it is told acted: it knows nothing of identity.
        *(
            (f"secretsadmin.audit.{module}", ("secretsadmin.accounts",))
            for module in ("services", "changes", "chain", "models", "verify", "fingerprints")
        ),
        # What every provider shares knows no provider in particular.
        (
            "secretsadmin.core",
            ("secretsadmin.pipecat", "secretsadmin.gcore", "secretsadmin.providers.pipecat"),
        ),
        *(
            (
                f"secretsadmin.providers.{module}",
                ("secretsadmin.providers.pipecat", "secretsadmin.providers.gcore"),
            )
            for module in (
                "errors",
                "clients",
                "config",
                "envfile",
                "http",
                "retry",
                "deadlines",
                "pauses",
            )
        ),
        # The audit log records every provider's events and knows none in particular: each
        # provider's app registers its pages with audit.links.
        (
            "secretsadmin.audit",
            (
                "secretsadmin.pipecat",
                "secretsadmin.gcore",
                "secretsadmin.providers.pipecat",
                "secretsadmin.providers.gcore",
            ),
        ),
        # The watcher runs whatever jobs the apps register: it knows none of them.
        (
            "secretsadmin.watcher",
            (
                "secretsadmin.pipecat",
                "secretsadmin.gcore",
                "secretsadmin.audit",
                "secretsadmin.providers",
            ),
        ),
        # The emulators stand alone: the standard library (httpx only for the test transport).
        ("emulators", ("secretsadmin", "django.shortcuts", "django.http")),
    ],
)
def test_a_layer_does_not_import_what_it_must_not_know(package, forbidden):
    offending = {
        module: sorted(name for name in names if name.startswith(forbidden))
        for module, names in imports_of(package).items()
    }
    assert {m: n for m, n in offending.items() if n} == {}
