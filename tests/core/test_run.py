"""`make run` with no provider token: a seeded demo on the built-in emulators."""

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def dashboard(tmp_path):
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PIPECAT_", "GCORE_", "DATABASE_URL", "CACHE_URL", "REDIS_URL"))
        and key not in ("SECRET_KEY", "DJANGO_SETTINGS_MODULE")
    }
    env.update({"PORT": str(port), "DATA_DIR": str(tmp_path)})
    process = subprocess.Popen(
        [ROOT / "scripts" / "run"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"make run did not serve: {process.stdout.read()}")
                time.sleep(0.2)
        yield base, tmp_path, process
    finally:
        with contextlib.suppress(ProcessLookupError):  # nothing left: all stopped already
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


def test_make_run_serves_a_demo_on_the_emulators(dashboard):
    base, data, _ = dashboard
    with httpx.Client(base_url=base, follow_redirects=True) as browser:
        login = browser.get("/")
        assert login.url.path == "/accounts/login/"
        assert "Demo: emulated providers." in login.text
        assert "demo-editor" in login.text
        response = browser.post(
            "/accounts/login/",
            data={
                "username": "demo-editor",
                "password": "demo",
                "csrfmiddlewaretoken": browser.cookies["csrftoken"],
                "next": "/",
            },
            headers={"Referer": f"{base}/accounts/login/"},
        )
        assert response.url.path == "/"
        assert '<span class="user-roles">editor</span>' in response.text
    assert (data / "db.sqlite3").exists() and (data / "secret_key").exists()
    emulators = dict(
        line.removeprefix("export ").split("=", 1)
        for line in (data / "emulators.env").read_text().splitlines()
    )
    sets = httpx.get(
        f"{emulators['PIPECAT_API_URL']}/v1/secrets",
        headers={"Authorization": f"Bearer {emulators['PIPECAT_API_KEY']}"},
    ).json()["sets"]
    assert {s["status"] for s in sets} == {"ready", "pending", "failed"}
    assert "imagePullSecret" in {s["type"] for s in sets}


def test_make_run_stops_everything_it_started_when_it_is_told_to(dashboard):
    base, data, process = dashboard
    emulators = dict(
        line.removeprefix("export ").split("=", 1)
        for line in (data / "emulators.env").read_text().splitlines()
    )
    process.send_signal(signal.SIGTERM)  # to the script alone, as a process manager sends it
    assert process.wait(timeout=20) != 0
    for url in (f"{base}/healthz", f"{emulators['PIPECAT_API_URL']}/v1/secrets"):
        with pytest.raises(httpx.ConnectError):
            httpx.get(url, timeout=2)
