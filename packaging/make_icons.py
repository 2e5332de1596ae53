"""Render the application icon set from resources/icons/workbench.svg.

    python packaging/make_icons.py

Writes, and the files are committed:
- workbench/assets/icons/workbench-<size>.png: the window and taskbar icon (read at run time);
- resources/icons/workbench.ico (Windows exe and installer), workbench.icns (macOS bundle),
  resources/icons/hicolor/<size>x<size>/apps/workbench.png (the Linux .desktop entry).
Run it again after changing the SVG.
"""

from __future__ import annotations

import io
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "resources" / "icons" / "workbench.svg"
ASSET_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
HICOLOR_SIZES = (16, 32, 48, 64, 128, 256)
# ICNS entry types holding PNG data, by pixel size (ic07..ic10; the 16/32 ones are ic04/ic05 ARGB, left out).
ICNS_TYPES = {128: b"ic07", 256: b"ic08", 512: b"ic09", 1024: b"ic10"}


def render(size: int) -> bytes:
    """The SVG drawn at `size` pixels, as PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(SOURCE))
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def ico(pngs: dict[int, bytes]) -> bytes:
    """A Windows icon with PNG-compressed entries (Vista and later read them)."""
    out = io.BytesIO()
    out.write(struct.pack("<HHH", 0, 1, len(pngs)))
    offset = 6 + 16 * len(pngs)
    for size, png in pngs.items():
        out.write(struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(png), offset))
        offset += len(png)
    for png in pngs.values():
        out.write(png)
    return out.getvalue()


def icns(pngs: dict[int, bytes]) -> bytes:
    body = b"".join(ICNS_TYPES[size] + struct.pack(">I", 8 + len(png)) + png for size, png in pngs.items())
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (fonts, image plugins)
    sizes = sorted(set(ASSET_SIZES) | set(ICO_SIZES) | set(HICOLOR_SIZES) | set(ICNS_TYPES))
    pngs = {size: render(size) for size in sizes}
    assets = ROOT / "workbench" / "assets" / "icons"
    assets.mkdir(parents=True, exist_ok=True)
    for size in ASSET_SIZES:
        (assets / f"workbench-{size}.png").write_bytes(pngs[size])
    icons = ROOT / "resources" / "icons"
    (icons / "workbench.ico").write_bytes(ico({s: pngs[s] for s in ICO_SIZES}))
    (icons / "workbench.icns").write_bytes(icns({s: pngs[s] for s in ICNS_TYPES}))
    for size in HICOLOR_SIZES:
        folder = icons / "hicolor" / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "workbench.png").write_bytes(pngs[size])
    print(f"icons written from {SOURCE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
