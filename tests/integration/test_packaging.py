"""The frozen build is a tested artifact: build the Linux bundle and run its smoke test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_pyinstaller_bundle_builds_and_passes_its_smoke_test(tmp_path: Path) -> None:
    pytest.importorskip("PyInstaller")
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "packaging" / "build.py"),
            "--dist",
            str(dist),
            "--work",
            str(tmp_path / "work"),
        ],
        check=True,
        timeout=1500,
    )
    executable = dist / "workbench" / ("workbench.exe" if sys.platform == "win32" else "workbench")
    assert executable.exists()
    # Run once more against a fresh data dir and check the demo database it made.
    data_dir = tmp_path / "data"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [str(executable), "--smoke-test", "--data-dir", str(data_dir)],
        env=env,
        timeout=300,
        capture_output=True,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert (data_dir / "workbench.sqlite3").stat().st_size > 100_000
