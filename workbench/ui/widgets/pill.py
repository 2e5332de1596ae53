"""A small coloured pill for states (待付款, 已发货, …): a label widget and a painter helper."""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QLabel, QWidget

from workbench.ui.theme import hex_colour, pill_style

PILL_H_PADDING = 7


def pill_foreground(color: str) -> QColor:
    return QColor(color).darker(112)


def pill_background(color: str) -> QColor:
    c = QColor(color)
    c.setAlpha(30)
    return c


def pill_size(text: str, font: QFont) -> tuple[int, int]:
    fm = QFontMetrics(font)
    return fm.horizontalAdvance(text) + 2 * PILL_H_PADDING, fm.height() + 4


def paint_pill(painter: QPainter, rect: QRect, text: str, color: str, font: QFont) -> None:
    """Paint a pill filling `rect` (use `pill_size` for its size)."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(pill_background(color))
    radius = rect.height() / 2
    painter.drawRoundedRect(QRectF(rect), radius, radius)
    painter.setFont(font)
    painter.setPen(pill_foreground(color))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    painter.restore()


class Pill(QLabel):
    """A label drawn as a rounded, tinted pill."""

    def __init__(self, text: str = "", color: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.set_pill(text, color or hex_colour("accent"))

    def set_pill(self, text: str, color: str) -> None:
        self.setText(text)
        self.color = color
        self.setStyleSheet(pill_style(color, PILL_H_PADDING))
