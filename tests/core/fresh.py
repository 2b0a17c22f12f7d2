"""The real settings loaded in a fresh interpreter, as `manage.py` or gunicorn would load them."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start_up(
    environ: dict[str, str], then: str = "print('started')"
) -> subprocess.CompletedProcess:
    """Runs `then` after `django.setup()`, with `environ` and nothing inherited from this shell."""
    base = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {then}"],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "secretsadmin.settings", **environ},
        capture_output=True,
        text=True,
        timeout=60,
    )
