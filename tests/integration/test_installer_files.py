"""The Windows and macOS installers are built by CI only; what can be checked here is checked: the
files the Inno Setup script and the workflow name exist, and the options a school relies on are set."""

from __future__ import annotations

import re
from pathlib import Path, PureWindowsPath

import pytest

ROOT = Path(__file__).resolve().parents[2]
ISS = ROOT / "packaging" / "windows" / "workbench.iss"
WORKFLOW = ROOT / ".github" / "workflows" / "installers.yml"


def iss_setting(text: str, name: str) -> str:
    match = re.search(rf"^{name}=(.*)$", text, re.MULTILINE)
    assert match, name
    return match.group(1).strip()


def test_the_inno_setup_script_installs_per_user_and_reads_as_unicode() -> None:
    raw = ISS.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # without the BOM the compiler reads 客服工作台 as ANSI
    text = raw.decode("utf-8-sig")
    assert iss_setting(text, "PrivilegesRequired") == "lowest"
    assert iss_setting(text, "DefaultDirName") == r"{autopf}\Workbench"  # %LOCALAPPDATA%\Programs per user
    assert iss_setting(text, "UninstallDisplayIcon") == r"{app}\workbench.exe"
    for name in ("SetupIconFile", "LicenseFile"):
        relative = PureWindowsPath(iss_setting(text, name))
        assert (ISS.parent / Path(*relative.parts)).resolve().is_file(), name
    assert re.search(r'^Name: "\{group\}\\', text, re.MULTILINE)  # the Start-menu entry


@pytest.mark.parametrize(
    "step",
    [
        "/VERYSILENT",
        "/CURRENTUSER",
        "workbench-cli.exe --help",
        "--smoke-test",
        "unins000.exe",
        "hdiutil create",
        "CFBundleIdentifier",
        "build_deb.py",
        "workflow_dispatch",
        'tags: ["v*"]',
    ],
)
def test_the_workflow_builds_installs_and_smoke_tests_each_installer(step: str) -> None:
    assert step in WORKFLOW.read_text(encoding="utf-8")


def test_the_spec_gives_the_bundles_their_icons_and_bundle_id() -> None:
    spec = (ROOT / "packaging" / "workbench.spec").read_text(encoding="utf-8")
    assert 'bundle_identifier="org.workbench.desk"' in spec
    assert 'name="workbench-cli"' in spec and "console=True" in spec
    for icon in ("workbench.ico", "workbench.icns"):
        assert icon in spec
        assert (ROOT / "resources" / "icons" / icon).is_file()
