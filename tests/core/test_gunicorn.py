"""The container's command, run outside Docker: collectstatic, then gunicorn with our config."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.db import connection

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def database_url(tmp_path) -> str:
    """The database this test run uses; a file for SQLite, which tests otherwise keep in memory."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{tmp_path / 'db.sqlite3'}"
    user = settings["USER"] or ""
    return f"postgres://{user}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_gunicorn_serves_health_and_static_files_with_request_ids(tmp_path):
    env = {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "SECRET_KEY": "k" * 50,
        "STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": database_url(tmp_path),
        "GUNICORN_BIND": f"127.0.0.1:{free_port()}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "2",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    assert (tmp_path / "static" / "staticfiles.json").exists()

    log = (tmp_path / "gunicorn.log").open("w+")
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://{env['GUNICORN_BIND']}"
    try:
        health = _wait_for(f"{base}/healthz", server)
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "database": "ok"}
        request_id = health.headers["X-Request-ID"]

        page = httpx.get(f"{base}/accounts/login/", headers={"Host": "localhost"})
        assert page.status_code == 200
        # Hashed names from the manifest: files can be cached for ever.
        htmx = next(p for p in page.text.split('"') if "htmx-2.min." in p and p.endswith(".js"))
        static = httpx.get(f"{base}{htmx}", headers={"Accept-Encoding": "gzip"})
        assert static.status_code == 200
        assert "max-age=315360000" in static.headers["Cache-Control"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    log.seek(0)
    output = log.read()
    assert f"request_id={request_id}" in output, output
    assert "Booting worker" in output


def _wait_for(url: str, server: subprocess.Popen) -> httpx.Response:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.returncode}")
        try:
            return httpx.get(url, headers={"Host": "localhost"}, timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail("gunicorn did not answer within 30 s")


def test_the_container_command_is_the_one_tested_here():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'CMD ["scripts/start"]' in dockerfile
    start = (ROOT / "scripts" / "start").read_text()
    assert "exec gunicorn -c gunicorn.conf.py" in start
    assert "collectstatic --noinput" in dockerfile
    assert os.access(ROOT / "scripts" / "start", os.X_OK)
