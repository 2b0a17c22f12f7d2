"""The container's command, run outside Docker: collectstatic, then gunicorn with our config."""

import http.client
import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
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


def gunicorn_env(tmp_path, **extra: str) -> dict[str, str]:
    home = tmp_path / "home"
    # The image's home (/app) cannot be written; a file stands in, since root may write anywhere.
    home.touch()
    return {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "HOME": str(home),
        "SECRET_KEY": "k" * 50,
        "STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": database_url(tmp_path),
        "GUNICORN_BIND": f"127.0.0.1:{free_port()}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "2",
        **extra,
    }


@contextmanager
def serving(env: dict[str, str], log: Path):
    """gunicorn with our config, its output in `log`, until the block ends."""
    with log.open("w") as output:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            yield server
        finally:
            server.terminate()
            server.wait(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_gunicorn_serves_health_and_static_files_with_request_ids(tmp_path):
    env = gunicorn_env(tmp_path)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    assert (tmp_path / "static" / "staticfiles.json").exists()

    base = f"http://{env['GUNICORN_BIND']}"
    with serving(env, tmp_path / "gunicorn.log") as server:
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
    output = (tmp_path / "gunicorn.log").read_text()
    assert f"[{request_id}] secretsadmin.access: - GET /healthz 200 " in output, output
    assert f"secretsadmin.access: - GET {htmx} 200 " in output  # answered by whitenoise
    assert "gunicorn.error: Booting worker" in output


@pytest.mark.django_db(transaction=True)
def test_gunicorn_lines_are_json_too_and_never_show_a_query_string(tmp_path):
    env = gunicorn_env(tmp_path, LOG_FORMAT="json")
    callback = f"http://{env['GUNICORN_BIND']}/healthz?code=oidc-code-4f9a1c&state=xyz"
    with serving(env, tmp_path / "gunicorn.log") as server:
        assert _wait_for(callback, server).status_code == 200
    output = (tmp_path / "gunicorn.log").read_text()
    entries = [json.loads(line) for line in output.splitlines()]
    assert {"gunicorn.error", "secretsadmin.access"} <= {entry["logger"] for entry in entries}
    assert "Booting worker" in output
    assert "oidc-code-4f9a1c" not in output


@pytest.mark.django_db(transaction=True)
def test_gunicorn_starts_cleanly_where_home_cannot_be_written(tmp_path):
    env = gunicorn_env(tmp_path)
    with serving(env, tmp_path / "gunicorn.log") as server:
        assert _wait_for(f"http://{env['GUNICORN_BIND']}/healthz", server).status_code == 200
    output = (tmp_path / "gunicorn.log").read_text()
    assert "Booting worker" in output
    assert "ERROR" not in output, output


@pytest.mark.django_db(transaction=True)
def test_the_image_health_check_passes_on_any_port_with_https_redirects(tmp_path):
    env = gunicorn_env(tmp_path, SECURE_SSL_REDIRECT="true")
    with serving(env, tmp_path / "gunicorn.log") as server:
        base = f"http://{env['GUNICORN_BIND']}"
        page = _wait_for(f"{base}/accounts/login/", server)
        assert page.status_code == 301 and page.headers["Location"].startswith("https://")
        check = subprocess.run(
            healthcheck_command(), cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
        )
    assert check.returncode == 0, check.stderr


@pytest.mark.django_db(transaction=True)
def test_a_client_that_is_no_trusted_proxy_cannot_claim_https(tmp_path):
    env = gunicorn_env(
        tmp_path,
        SECURE_SSL_REDIRECT="true",
        SECURE_PROXY_SSL_HEADER="true",
        TRUSTED_PROXIES="10.0.0.0/8",
        FORWARDED_ALLOW_IPS="*",  # as behind a proxy whose address is not known in advance
    )
    with serving(env, tmp_path / "gunicorn.log") as server:
        _wait_for(f"http://{env['GUNICORN_BIND']}/healthz", server)
        page = httpx.get(
            f"http://{env['GUNICORN_BIND']}/accounts/login/",
            headers={"Host": "localhost", "X-Forwarded-Proto": "https"},
        )
    assert page.status_code == 301
    assert page.headers["Location"] == "https://localhost/accounts/login/"


@pytest.mark.django_db(transaction=True)
def test_the_image_health_check_follows_a_unix_socket_bind(tmp_path):
    socket_path = tmp_path / "gunicorn.sock"
    env = gunicorn_env(tmp_path, GUNICORN_BIND=f"unix:{socket_path}")
    with serving(env, tmp_path / "gunicorn.log"):
        client = httpx.Client(transport=httpx.HTTPTransport(uds=str(socket_path)))
        deadline = time.monotonic() + 30
        while not socket_path.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert client.get("http://localhost/healthz").status_code == 200
        check = subprocess.run(
            healthcheck_command(), cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
        )
    assert check.returncode == 0, check.stderr


@pytest.mark.django_db(transaction=True)
def test_behind_a_proxy_on_an_ipv6_socket_https_is_still_recognised(tmp_path):
    """Bound to [::], gunicorn reports the IPv4 proxy as ::ffff:127.0.0.1: still the proxy."""
    port = free_port()
    env = gunicorn_env(
        tmp_path,
        GUNICORN_BIND=f"[::]:{port}",
        SECURE_SSL_REDIRECT="true",
        SECURE_PROXY_SSL_HEADER="true",
        TRUSTED_PROXIES="127.0.0.1",
    )
    with serving(env, tmp_path / "gunicorn.log") as server:
        _wait_for(f"http://127.0.0.1:{port}/healthz", server)
        page = httpx.get(
            f"http://127.0.0.1:{port}/accounts/login/",
            headers={"Host": "localhost", "X-Forwarded-Proto": "https"},
        )
        check = subprocess.run(
            healthcheck_command(), cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
        )
    assert page.status_code == 200
    assert check.returncode == 0, check.stderr


@pytest.mark.django_db(transaction=True)
def test_an_idle_connection_stays_open_longer_than_a_proxy_keeps_one(tmp_path):
    """A reverse proxy reuses its idle connections to gunicorn for a minute or so: gunicorn
    closing one first (its own default, after 2 s) loses a request the proxy sends meanwhile."""
    env = gunicorn_env(tmp_path)
    with serving(env, tmp_path / "gunicorn.log") as server:
        _wait_for(f"http://{env['GUNICORN_BIND']}/healthz", server)
        host, port = env["GUNICORN_BIND"].split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        statuses = []
        for pause in (0, 4):
            time.sleep(pause)
            connection.request("GET", "/healthz", headers={"Host": "localhost"})
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
        connection.close()
    assert statuses == [200, 200]


def healthcheck_command() -> list[str]:
    """The Dockerfile's HEALTHCHECK command, exec form."""
    healthcheck = (ROOT / "Dockerfile").read_text().split("\nHEALTHCHECK ", 1)[1]
    return json.loads(healthcheck.split("CMD ", 1)[1].splitlines()[0])


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


def start(tmp_path, **environ: str) -> subprocess.CompletedProcess:
    """The container's command, with a stand-in gunicorn that only says how it was called."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "gunicorn").write_text('#!/bin/sh\necho "gunicorn $*"\n')
    (fake / "gunicorn").chmod(0o755)
    return subprocess.run(
        [ROOT / "scripts" / "start"],
        cwd=ROOT,
        env={
            "PATH": f"{fake}:{BIN}:/usr/bin:/bin",
            "SECRET_KEY": "k" * 50,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            **environ,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(("value", "migrates"), [("True", True), ("1", True), ("off", False)])
def test_migrate_on_start_takes_the_usual_boolean_spellings(tmp_path, value, migrates):
    result = start(tmp_path, MIGRATE_ON_START=value)
    assert result.returncode == 0, result.stderr
    assert ("Applying auth.0001_initial... OK" in result.stdout) is migrates
    assert result.stdout.endswith("gunicorn -c gunicorn.conf.py\n")


def test_a_misspelt_migrate_on_start_stops_the_container(tmp_path):
    result = start(tmp_path, MIGRATE_ON_START="ture")
    assert result.returncode != 0
    assert result.stderr == "start: MIGRATE_ON_START must be true or false, not 'ture'.\n"
    assert "gunicorn" not in result.stdout


def test_the_container_command_is_the_one_tested_here():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'CMD ["scripts/start"]' in dockerfile
    start = (ROOT / "scripts" / "start").read_text()
    assert "exec gunicorn -c gunicorn.conf.py" in start
    assert "collectstatic --noinput" in dockerfile
    assert os.access(ROOT / "scripts" / "start", os.X_OK)


def test_a_bad_setting_stops_gunicorn_with_one_line_naming_it(tmp_path):
    env = gunicorn_env(tmp_path)
    del env["SECRET_KEY"]
    result = subprocess.run(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert result.stderr.startswith("secretsadmin: SECRET_KEY (or SECRET_KEY_FILE) must be set")
    assert "Traceback" not in result.stderr + result.stdout
