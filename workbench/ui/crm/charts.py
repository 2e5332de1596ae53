"""Charts drawn with QPainter: horizontal bars and a donut, large and legible on a projector.

Qt Charts would add the PySide6-Addons wheel (hundreds of megabytes) to the installer for two chart
types; these widgets cover what the dashboard needs, follow the style sheet's font, and scale with a
single factor for 投影模式.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from workbench.ui.theme import colour


@dataclass(frozen=True, slots=True)
class Datum:
    """One bar or slice: a key (what a click reports), the label, the value, its colour and the text
    shown beside it (e.g. "1,234 · 23%")."""

    key: str
    label: str
    value: float
    color: str
    text: str = ""
    tooltip: str = ""


class _Chart(QWidget):
    item_clicked = Signal(str)
    """A bar or slice was clicked; carries its key."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._data: list[Datum] = []
        self._scale = 1.0
        self._hover = -1
        self._empty_text = ""
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_data(self, data: list[Datum]) -> None:
        self._data = list(data)
        self._hover = -1
        self._describe()
        self.updateGeometry()
        self.update()

    def _describe(self) -> None:
        """What a screen reader reads for the painted chart: every bar or slice with its figures."""
        parts = [f"{d.label} {d.text or f'{d.value:g}'}" for d in self._data]
        self.setAccessibleDescription("；".join(parts) if parts else self._empty_text)

    def data(self) -> list[Datum]:
        return list(self._data)

    def set_empty_text(self, text: str) -> None:
        self._empty_text = text
        self._describe()
        self.update()

    def set_scale(self, scale: float) -> None:
        """1.0 normally; larger for a projector."""
        self._scale = max(0.5, scale)
        self.updateGeometry()
        self.update()

    def _font(self, delta: float = 0.0, bold: bool = False) -> QFont:
        font = QFont(self.font())
        base = font.pointSizeF() if font.pointSizeF() > 0 else 10.0
        font.setPointSizeF(max(6.0, (base + delta) * self._scale))
        if bold:
            font.setWeight(QFont.Weight.DemiBold)
        return font

    def _hit(self, pos: QPointF) -> int:
        return -1

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        hit = self._hit(event.position())
        if hit != self._hover:
            self._hover = hit
            self.setCursor(Qt.CursorShape.PointingHandCursor if hit >= 0 else Qt.CursorShape.ArrowCursor)
            self.update()
        if hit >= 0 and self._data[hit].tooltip:
            QToolTip.showText(event.globalPosition().toPoint(), self._data[hit].tooltip, self)
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self._hover = -1
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        hit = self._hit(event.position())
        if hit >= 0 and event.button() == Qt.MouseButton.LeftButton:
            self.item_clicked.emit(self._data[hit].key)
        super().mouseReleaseEvent(event)

    def _paint_empty(self, painter: QPainter) -> bool:
        if self._data and any(d.value > 0 for d in self._data):
            return False
        painter.setPen(colour("text_muted"))
        painter.setFont(self._font())
        painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._empty_text)
        return True


class BarChart(_Chart):
    """Horizontal bars, one per row: label on the left, bar, value text on the right."""

    def _rows(self) -> tuple[float, float, float, float]:
        fm = QFontMetrics(self._font())
        row_h = max(fm.height() * 1.9, 26 * self._scale)
        label_w = max((fm.horizontalAdvance(d.label) for d in self._data), default=0) + 12 * self._scale
        text_w = max((fm.horizontalAdvance(d.text) for d in self._data), default=0) + 12 * self._scale
        top = max((self.height() - row_h * len(self._data)) / 2, 0)
        return row_h, label_w, text_w, top

    def sizeHint(self) -> QSize:
        fm = QFontMetrics(self._font())
        return QSize(360, int(max(fm.height() * 1.9, 26 * self._scale) * max(len(self._data), 3)) + 8)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, self.sizeHint().height())

    def _hit(self, pos: QPointF) -> int:
        if not self._data:
            return -1
        row_h, _label_w, _text_w, top = self._rows()
        index = int((pos.y() - top) // row_h)
        return index if 0 <= index < len(self._data) and pos.y() >= top else -1

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._paint_empty(painter):
            painter.end()
            return
        row_h, label_w, text_w, top = self._rows()
        peak = max(d.value for d in self._data) or 1.0
        bar_area = max(self.width() - label_w - text_w, 20)
        font = self._font()
        bold = self._font(bold=True)
        for i, d in enumerate(self._data):
            y = top + i * row_h
            painter.setFont(font)
            painter.setPen(colour("text_secondary"))
            painter.drawText(
                QRectF(0, y, label_w - 8 * self._scale, row_h),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                d.label,
            )
            bar_h = row_h * 0.56
            width = bar_area * (d.value / peak) if d.value > 0 else 0
            track = QRectF(label_w, y + (row_h - bar_h) / 2, bar_area, bar_h)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour("neutral_soft"))
            painter.drawRoundedRect(track, bar_h / 4, bar_h / 4)
            color = QColor(d.color)
            if i == self._hover:
                color = color.darker(112)
            painter.setBrush(color)
            if width > 0:
                painter.drawRoundedRect(
                    QRectF(track.left(), track.top(), max(width, bar_h / 2), bar_h), bar_h / 4, bar_h / 4
                )
            painter.setFont(bold)
            painter.setPen(colour("text"))
            painter.drawText(
                QRectF(label_w + bar_area + 8 * self._scale, y, text_w, row_h),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                d.text,
            )
        painter.end()


class DonutChart(_Chart):
    """A ring of slices with the total in the middle and a legend beside it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._centre = ("", "")

    def set_centre(self, value: str, caption: str) -> None:
        self._centre = (value, caption)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(int(380 * self._scale), int(220 * self._scale))

    def minimumSizeHint(self) -> QSize:
        return QSize(int(260 * self._scale), int(160 * self._scale))

    def _geometry(self) -> tuple[QRectF, float, float]:
        fm = QFontMetrics(self._font())
        legend_w = max((fm.horizontalAdvance(f"{d.label}  {d.text}") for d in self._data), default=0) + 28 * self._scale
        side = max(min(self.height() - 16, self.width() - legend_w - 12 - 24 * self._scale - 8), 60)
        ring = QRectF(12, (self.height() - side) / 2, side, side)
        return ring, side * 0.2, ring.right() + 24 * self._scale

    def _hit(self, pos: QPointF) -> int:
        if not self._data:
            return -1
        ring, thickness, legend_x = self._geometry()
        fm = QFontMetrics(self._font())
        line = fm.height() * 1.6
        legend_top = ring.center().y() - line * len(self._data) / 2
        if pos.x() >= legend_x:
            index = int((pos.y() - legend_top) // line)
            return index if 0 <= index < len(self._data) and pos.y() >= legend_top else -1
        c = ring.center()
        dx, dy = pos.x() - c.x(), pos.y() - c.y()
        r = math.hypot(dx, dy)
        if not ring.width() / 2 - thickness <= r <= ring.width() / 2:
            return -1
        angle = (math.degrees(math.atan2(-dy, dx)) - 90) % 360  # clockwise from 12 o'clock
        angle = (360 - angle) % 360
        total = sum(max(d.value, 0) for d in self._data) or 1.0
        start = 0.0
        for i, d in enumerate(self._data):
            span = 360 * max(d.value, 0) / total
            if start <= angle < start + span:
                return i
            start += span
        return -1

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._paint_empty(painter):
            painter.end()
            return
        ring, thickness, legend_x = self._geometry()
        total = sum(max(d.value, 0) for d in self._data) or 1.0
        start = 90.0
        inner = ring.adjusted(thickness, thickness, -thickness, -thickness)
        for i, d in enumerate(self._data):
            span = -360.0 * max(d.value, 0) / total
            if span == 0:
                continue
            path = QPainterPath()
            path.arcMoveTo(ring, start)
            path.arcTo(ring, start, span)
            path.arcTo(inner, start + span, -span)
            path.closeSubpath()
            color = QColor(d.color)
            if i == self._hover:
                color = color.darker(112)
            painter.setPen(QPen(colour("surface"), 2))
            painter.setBrush(color)
            painter.drawPath(path)
            start += span
        value, caption = self._centre
        painter.setPen(colour("text"))
        painter.setFont(self._font(5, bold=True))
        fm_big = QFontMetrics(self._font(5, bold=True))
        centre = inner.center()
        painter.drawText(
            QRectF(inner.left(), centre.y() - fm_big.height(), inner.width(), fm_big.height()),
            Qt.AlignmentFlag.AlignCenter,
            value,
        )
        painter.setPen(colour("text_muted"))
        painter.setFont(self._font(-1))
        painter.drawText(
            QRectF(inner.left(), centre.y(), inner.width(), fm_big.height()),
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
            caption,
        )
        fm = QFontMetrics(self._font())
        line = fm.height() * 1.6
        y = ring.center().y() - line * len(self._data) / 2
        for i, d in enumerate(self._data):
            swatch = QRectF(legend_x, y + (line - 10 * self._scale) / 2, 10 * self._scale, 10 * self._scale)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(d.color))
            painter.drawRoundedRect(swatch, 2, 2)
            painter.setFont(self._font(bold=i == self._hover))
            painter.setPen(colour("text_secondary"))
            label_rect = QRectF(swatch.right() + 8 * self._scale, y, self.width() - swatch.right(), line)
            painter.drawText(label_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"{d.label}  ")
            painter.setPen(colour("text"))
            offset = fm.horizontalAdvance(f"{d.label}  ")
            painter.drawText(
                label_rect.adjusted(offset, 0, 0, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, d.text
            )
            y += line
        painter.end()
