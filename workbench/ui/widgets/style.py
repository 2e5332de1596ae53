"""Small style helpers: a colour with alpha for a style string, and derived fonts.

Colours themselves come from the theme (workbench.ui.theme); the style sheet is workbench.qss."""

from __future__ import annotations

from PySide6.QtGui import QFont


def adjusted_font(base: QFont, delta_pt: float = 0.0, *, bold: bool = False) -> QFont:
    """A copy of `base`, `delta_pt` points larger (or smaller), optionally bold."""
    font = QFont(base)
    if delta_pt:
        size = base.pointSizeF()
        if size > 0:
            font.setPointSizeF(max(size + delta_pt, 6.0))
        elif base.pixelSize() > 0:
            font.setPixelSize(max(round(base.pixelSize() + delta_pt * 4 / 3), 8))
    if bold:
        font.setWeight(QFont.Weight.DemiBold)
    return font
