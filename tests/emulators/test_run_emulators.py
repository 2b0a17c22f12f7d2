"""`manage.py run_emulators`: the demo's emulators as a process of their own, optionally as slow
as a distant API (`--latency`, for load tests and drills)."""

import shlex
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def command(tmp_path: Path, *options: str) -> list[str]:
    env_file = tmp_path / "emulators.env"
    return [sys.executable, "manage.py", "run_emulators", "--env-file", str(env_file), *options]


def environment(tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": "k" * 50,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }


def test_latency_is_added_to_every_answer_of_both_emulators(tmp_path):
    server = subprocess.Popen(
        command(tmp_path, "--latency", "0.4"),
        cwd=ROOT,
        env=environment(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        env_file = tmp_path / "emulators.env"
        deadline = time.monotonic() + 30
        while not env_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        found = dict(
            line.removeprefix("export ").split("=", 1)
            for line in env_file.read_text().split("\n")
            if line
        )
        found = {name: shlex.split(value)[0] for name, value in found.items()}
        asks = [
            (f"{found['PIPECAT_API_URL']}/v1/secrets", f"Bearer {found['PIPECAT_API_KEY']}"),
            (
                f"{found['GCORE_PROD_API_URL']}/cloud/v1/regions",
                f"APIKey {found['GCORE_PROD_API_KEY']}",
            ),
        ]
        for url, authorization in asks:
            started = time.monotonic()
            answer = httpx.get(url, headers={"Authorization": authorization}, timeout=10)
            assert answer.status_code == 200
            assert time.monotonic() - started >= 0.4
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.parametrize("latency", ["-1", "soon"])
def test_a_latency_that_is_no_duration_is_refused(tmp_path, latency):
    done = subprocess.run(
        command(tmp_path, "--latency", latency),
        cwd=ROOT,
        env=environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "--latency" in done.stderr
    assert not (tmp_path / "emulators.env").exists()
