"""Build the one-folder bundle and run its smoke test.

    python packaging/build.py [--dist DIR] [--skip-smoke]

Prints the bundle's size and path. PyInstaller cannot cross-build: run this on each target platform.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bundle_executable(dist: Path) -> Path:
    name = "workbench.exe" if sys.platform == "win32" else "workbench"
    return dist / "workbench" / name


def build(dist: Path, work: Path) -> Path:
    subprocess.run(
        [
            sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
            "--distpath", str(dist), "--workpath", str(work), str(ROOT / "packaging" / "workbench.spec"),
        ],
        check=True,
        cwd=ROOT,
    )  # fmt: skip
    return bundle_executable(dist)


def bundle_size(folder: Path) -> int:
    """Bytes in the bundle folder (links counted as links, as an archive would store them)."""
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_symlink() or not p.is_dir())


def smoke_test(executable: Path) -> None:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as data_dir:
        subprocess.run([str(executable), "--smoke-test", "--data-dir", data_dir], check=True, env=env, timeout=300)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller")
    parser.add_argument("--skip-smoke", action="store_true")
    args = parser.parse_args()
    executable = build(args.dist, args.work)
    if not args.skip_smoke:
        smoke_test(executable)
    print(f"bundle: {bundle_size(executable.parent) / 2**20:.1f} MiB")
    print(executable)
    return 0


if __name__ == "__main__":
    sys.exit(main())
