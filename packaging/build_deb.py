"""Build the Linux `.deb` (Debian, Ubuntu, 统信 UOS, 银河麒麟) from the one-folder bundle.

    python packaging/build.py                      # the bundle, in dist/workbench
    python packaging/build_deb.py [--bundle dist/workbench] [--out dist]

The package installs the bundle under /opt/workbench, a `workbench` command in /usr/bin, a desktop
entry and the icon in every hicolor size. `Depends:` lists the system libraries Qt loads that the
bundle does not carry (the same as `.ci/run` installs), and a Chinese font. Needs only `dpkg-deb`.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "workbench"
INSTALL_DIR = "opt/workbench"

# What Qt's xcb/wayland platforms, OpenGL and fonts load from the system (PyInstaller leaves these
# out of the bundle, as every distribution has them), then a font with the Chinese glyphs. Ubuntu
# 24.04's t64 packages (libglib2.0-0t64, ...) provide the old names.
DEPENDS = [
    "libc6 (>= 2.28)",
    "libgl1",
    "libegl1",
    "libfontconfig1",
    "libfreetype6",
    "libglib2.0-0",
    "libdbus-1-3",
    "libxkbcommon0",
    "libxkbcommon-x11-0",
    "libx11-6",
    "libx11-xcb1",
    "libxcb1",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-image0",
    "libxcb-keysyms1",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-randr0",
    "libxcb-xkb1",
    "libwayland-client0",
    "libwayland-cursor0",
    "fonts-wqy-microhei | fonts-noto-cjk | fonts-wqy-zenhei",
]

DESKTOP_ENTRY = """[Desktop Entry]
Type=Application
Version=1.5
Name=Workbench
Name[zh_CN]=客服工作台
GenericName=Customer service workbench
GenericName[zh_CN]=网店客服工作台
Comment=Receive shop customers with knowledge-base suggestions, offline
Comment[zh_CN]=网店客服接待、智能辅助与实训
Exec=/opt/workbench/workbench %U
Icon=workbench
Terminal=false
Categories=Office;Education;
Keywords=客服;千牛;店小蜜;shop;customer;
StartupWMClass=workbench
"""


def read_version() -> str:
    """The one version number, from workbench/__init__.py (without importing the package)."""
    text = (ROOT / "workbench" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"$', text, re.MULTILINE)
    assert match, "workbench/__init__.py has no __version__"
    return match.group(1)


def debian_version(version: str) -> str:
    """PEP 440 → Debian ordering: a pre-release sorts before its release (`1.0rc1` → `1.0~rc1`)."""
    return re.sub(r"(\d)(a|b|rc|\.dev)", r"\1~\2", version)


def architecture() -> str:
    return subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True, check=True).stdout.strip()


def installed_size_kib(folder: Path) -> int:
    return sum(p.lstat().st_size for p in folder.rglob("*") if not p.is_dir()) // 1024 + 1


def control(version: str, arch: str, size_kib: int) -> str:
    return (
        f"Package: {PACKAGE}\n"
        f"Version: {debian_version(version)}\n"
        f"Architecture: {arch}\n"
        "Maintainer: Workbench <workbench@localhost>\n"
        f"Installed-Size: {size_kib}\n"
        f"Depends: {', '.join(DEPENDS)}\n"
        "Section: misc\n"
        "Priority: optional\n"
        "Description: 客服工作台 customer-service workbench (千牛-style) with a local assistant\n"
        " Receive online-shop customers, answer with suggestions from a local knowledge base,\n"
        " handle after-sales cases and reviews; a built-in customer simulator lets a class\n"
        " practise offline. Works alone on SQLite or as a team on a PostgreSQL server.\n"
    )


def stage(bundle: Path, root: Path, version: str, arch: str) -> None:
    """The package's file tree under `root`, with DEBIAN/control."""
    target = root / INSTALL_DIR
    shutil.copytree(bundle, target, symlinks=True)
    (root / "usr" / "bin").mkdir(parents=True)
    os.symlink(f"/{INSTALL_DIR}/workbench", root / "usr" / "bin" / "workbench")
    applications = root / "usr" / "share" / "applications"
    applications.mkdir(parents=True)
    (applications / "workbench.desktop").write_text(DESKTOP_ENTRY, encoding="utf-8")
    icons = root / "usr" / "share" / "icons" / "hicolor"
    shutil.copytree(ROOT / "resources" / "icons" / "hicolor", icons)
    (icons / "scalable" / "apps").mkdir(parents=True)
    shutil.copy2(ROOT / "resources" / "icons" / "workbench.svg", icons / "scalable" / "apps" / "workbench.svg")
    docs = root / "usr" / "share" / "doc" / PACKAGE
    docs.mkdir(parents=True)
    shutil.copy2(ROOT / "LICENSE", docs / "copyright")
    for path in root.rglob("*"):  # dpkg wants 0755 directories and no group/other write bits
        if path.is_symlink():
            continue
        mode = path.stat().st_mode
        path.chmod(0o755 if path.is_dir() or mode & 0o111 else 0o644)
    debian = root / "DEBIAN"
    debian.mkdir(mode=0o755)
    (debian / "control").write_text(control(version, arch, installed_size_kib(root)), encoding="utf-8")


def build_deb(bundle: Path, out: Path) -> Path:
    if not (bundle / "workbench").is_file():
        raise SystemExit(f"no bundle at {bundle} (run packaging/build.py first)")
    version, arch = read_version(), architecture()
    out.mkdir(parents=True, exist_ok=True)
    deb = out / f"{PACKAGE}_{debian_version(version)}_{arch}.deb"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        stage(bundle, root, version, arch)
        subprocess.run(
            ["dpkg-deb", "--root-owner-group", "-Zgzip", "-z6", "--build", str(root), str(deb)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return deb


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "workbench")
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    args = parser.parse_args()
    deb = build_deb(args.bundle, args.out)
    print(f"{deb} ({deb.stat().st_size / 2**20:.1f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
