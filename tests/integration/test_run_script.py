"""`scripts/run.sh`: installs once, then starts without the network; refuses a Python that is too old.

The script runs from a copy of the checkout in a temp dir, so its `.venv` is the test's own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="scripts/run.sh is the Linux and macOS start")

# Answers any `-c` (run.sh's version probe) with 3.9, as the Python of an older macOS does; anything
# else it is asked (`-m venv`, `-m pip`) is recorded in calls.log and fails.
FAKE_PYTHON_39 = """#!/bin/sh
if [ "$1" = "-c" ]; then echo 3.9; exit 0; fi
echo "$@" >> "$(dirname "$0")/calls.log"
exit 1
"""


def checkout_copy(tmp_path: Path) -> Path:
    """What `pip install -e .` and run.sh need of the checkout."""
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy2(ROOT / "scripts" / "run.sh", repo / "scripts" / "run.sh")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, repo / name)
    shutil.copytree(ROOT / "workbench", repo / "workbench", ignore=shutil.ignore_patterns("__pycache__"))
    return repo


def fake_python(folder: Path, name: str = "python3") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(FAKE_PYTHON_39)
    path.chmod(0o755)
    return path


def only_old_python_path(tmp_path: Path) -> str:
    """A PATH whose only Python is the fake 3.9 one, with the few tools run.sh uses."""
    bin_dir = tmp_path / "bin"
    fake_python(bin_dir)
    for tool in ("dirname", "cat", "rm"):
        found = shutil.which(tool)
        assert found is not None
        (bin_dir / tool).symlink_to(found)
    return str(bin_dir)


def run_script(repo: Path, *args: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess[str]:
    bash = shutil.which("bash")
    assert bash is not None
    return subprocess.run(
        [bash, str(repo / "scripts" / "run.sh"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHON"}
    return {**env, "QT_QPA_PLATFORM": "offscreen", **extra}


def test_a_too_old_python_is_named_with_the_version_needed_and_nothing_is_created(tmp_path: Path) -> None:
    repo = checkout_copy(tmp_path)
    result = run_script(repo, "--version", env=base_env(PATH=only_old_python_path(tmp_path)))
    assert result.returncode == 1
    assert "needs Python 3.11 or newer" in result.stderr
    assert "python3 is 3.9" in result.stderr
    assert "python.org" in result.stderr
    assert not (repo / ".venv").exists()
    assert not (tmp_path / "bin" / "calls.log").exists()  # never asked to make a venv or install


def test_a_too_old_python_named_by_PYTHON_is_refused(tmp_path: Path) -> None:
    repo = checkout_copy(tmp_path)
    old = fake_python(tmp_path / "old", "python3.9")
    result = run_script(repo, "--version", env=base_env(PYTHON=str(old)))
    assert result.returncode == 1
    assert f"PYTHON={old} is Python 3.9" in result.stderr
    assert not (repo / ".venv").exists()


def test_a_venv_of_an_old_python_is_never_reused(tmp_path: Path) -> None:
    # A .venv left by Python 3.9, "installed" with a stamp; no new enough Python to rebuild it with.
    repo = checkout_copy(tmp_path)
    venv_bin = repo / ".venv" / "bin"
    fake_python(venv_bin, "python")
    started = tmp_path / "started"
    workbench = venv_bin / "workbench"
    workbench.write_text(f"#!/bin/sh\ntouch {started}\n")
    workbench.chmod(0o755)
    (repo / ".venv" / ".workbench-installed").write_text("whatever\n")

    result = run_script(repo, "--version", env=base_env(PATH=only_old_python_path(tmp_path)))
    assert result.returncode == 1
    assert not started.exists()
    assert "needs Python 3.11 or newer" in result.stderr
    assert "The existing .venv was made with Python 3.9; it is not used" in result.stderr


def offline(command_env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """A prefix that cuts the network (a new network namespace) where allowed, and a pip set-up whose
    only package index is unreachable, so any attempt to install fails."""
    prefix: list[str] = []
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True, check=False).returncode == 0:
        prefix = [unshare, "-n"]
    env = {
        **command_env,
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_INDEX_URL": "http://127.0.0.1:9/",
        "PIP_EXTRA_INDEX_URL": "",
        "PIP_FIND_LINKS": "",
        "PIP_RETRIES": "0",
        "PIP_TIMEOUT": "2",
    }
    return prefix, env


@pytest.mark.slow
@pytest.mark.gui  # the smoke test opens the window
def test_run_sh_installs_once_then_starts_without_the_network(tmp_path: Path) -> None:
    repo = checkout_copy(tmp_path)
    # A stale .venv of Python 3.9 is rebuilt with the Python this test runs on.
    fake_python(repo / ".venv" / "bin", "python")
    data_dir = tmp_path / "data"
    env = base_env(PYTHON=sys.executable)

    first = run_script(repo, "--smoke-test", "--data-dir", str(data_dir), env=env, timeout=1200)
    assert first.returncode == 0, first.stderr[-3000:]
    assert ".venv was made with Python 3.9: rebuilding it" in first.stderr
    assert (repo / ".venv" / ".workbench-installed").exists()
    assert (data_dir / "workbench.sqlite3").exists()

    prefix, offline_env = offline(env)
    bash = shutil.which("bash")
    assert bash is not None
    second = subprocess.run(
        [*prefix, bash, str(repo / "scripts" / "run.sh"), "--smoke-test", "--data-dir", str(data_dir)],
        env=offline_env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert second.returncode == 0, second.stderr[-3000:]
    assert "workbench:" not in second.stderr  # run.sh said nothing: it went straight to the program

    # pyproject.toml changed (a `git pull`) on a PC without the network: the update cannot be
    # installed, and the program still starts, saying so.
    with (repo / "pyproject.toml").open("a") as fh:
        fh.write("\n# changed\n")
    third = subprocess.run(
        [*prefix, bash, str(repo / "scripts" / "run.sh"), "--version"],
        env=offline_env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert third.returncode == 0, third.stderr[-3000:]
    assert "starting the version installed before" in third.stderr
    assert third.stdout.startswith("workbench ")
