"""The bootstrap finds a Python >= 3.12 by itself, and does nothing when nothing changed."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("bash", "ls", "sort", "cat")


def isolated_bin(tmp_path: Path) -> Path:
    """A PATH holding only the tools the script needs and a python3 that is too old."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in TOOLS:
        (bin_dir / tool).symlink_to(shutil.which(tool))
    old = bin_dir / "python3"
    old.write_text("#!/bin/bash\nexit 1\n")  # answers the version check as Python 3.11 would
    old.chmod(0o755)
    return bin_dir


def find_python(tmp_path, pyenv_root: Path, **environ: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [shutil.which("bash"), ROOT / "scripts" / "find-python"],
        env={
            "PATH": str(isolated_bin(tmp_path)),
            "PYENV_ROOT": str(pyenv_root),
            "HOME": str(tmp_path),
            **environ,
        },
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_it_finds_a_pyenv_python_that_is_not_on_path(tmp_path):
    root = tmp_path / "pyenv"
    for version in ("3.11.7", "3.12.1"):
        (root / "versions" / version / "bin").mkdir(parents=True)
    too_old = root / "versions" / "3.11.7" / "bin" / "python3"
    too_old.write_text("#!/bin/bash\nexit 1\n")
    too_old.chmod(0o755)
    (root / "versions" / "3.12.1" / "bin" / "python3").symlink_to(sys.executable)
    result = find_python(tmp_path, root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(root / "versions" / "3.12.1" / "bin" / "python3")


def pyenv_with_a_good_python(tmp_path) -> Path:
    root = tmp_path / "pyenv"
    (root / "versions" / "3.13.1" / "bin").mkdir(parents=True)
    (root / "versions" / "3.13.1" / "bin" / "python3").symlink_to(sys.executable)
    return root


@pytest.mark.parametrize("named", ["/nonexistent/python3.13", "python3"])  # python3: too old
def test_a_python_named_in_python_that_cannot_serve_is_refused(tmp_path, named):
    result = find_python(tmp_path, pyenv_with_a_good_python(tmp_path), PYTHON=named)
    assert result.returncode == 1
    assert result.stdout == ""
    assert f"PYTHON={named} is not a Python >= 3.12" in result.stderr


def test_it_says_what_to_do_when_there_is_none(tmp_path):
    result = find_python(tmp_path, tmp_path / "no-pyenv")
    assert result.returncode == 1
    assert "No Python >= 3.12 found" in result.stderr
    assert "PYTHON=/path/to/python3.13 make test" in result.stderr


def test_a_second_bootstrap_does_nothing():
    result = subprocess.run(
        [ROOT / "scripts" / "bootstrap"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
    )
    assert result.returncode == 0
    assert result.stdout == "" and result.stderr == ""
