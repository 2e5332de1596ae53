"""The application icon: the window and taskbar get it at every size, from the committed PNG set."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication

from workbench.ui.bootstrap import application_icon

ROOT = Path(__file__).resolve().parents[2]


def test_the_application_icon_has_every_size_from_16_to_256(qapp: QApplication) -> None:
    icon = application_icon()
    sizes = set(icon.availableSizes())
    assert {QSize(16, 16), QSize(32, 32), QSize(48, 48), QSize(256, 256)} <= sizes
    assert not icon.pixmap(32, 32).toImage().isNull()


def test_the_installer_icons_are_there_for_every_platform() -> None:
    icons = ROOT / "resources" / "icons"
    assert (icons / "workbench.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"
    assert (icons / "workbench.icns").read_bytes()[:4] == b"icns"
    for size in (48, 128, 256):
        assert (icons / "hicolor" / f"{size}x{size}" / "apps" / "workbench.png").read_bytes()[:4] == b"\x89PNG"
