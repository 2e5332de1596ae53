"""A trend chart painted with QPainter: one line per series over days, legible on a projector (the
same reasoning as ui/crm/charts.py: Qt Charts would add PySide6-Addons to the installer)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from workbench.ui.theme import colour

# one hue per series: the theme's avatar hues (distinct from each other, defined by every theme)
PALETTE = ("avatar_1", "avatar_3", "avatar_4", "avatar_5", "avatar_6")


@dataclass(frozen=True, slots=True)
class Series:
    label: str
    values: tuple[float, ...]


class TrendChart(QWidget):
    """Day labels along the bottom, a value axis from 0, a line and dots per series, a legend on top."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._days: tuple[str, ...] = ()
        self._series: tuple[Series, ...] = ()
        self._title = ""
        self._empty = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(200)

    def sizeHint(self) -> QSize:
        return QSize(520, 240)

    def set_data(self, title: str, days: list[str], series: list[Series]) -> None:
        self._title, self._days, self._series = title, tuple(days), tuple(series)
        parts = [f"{s.label}: " + ", ".join(f"{d} {v:g}" for d, v in zip(days, s.values, strict=False)) for s in series]
        self.setAccessibleName(title)
        self.setAccessibleDescription("；".join(parts))
        self.update()

    def set_empty_text(self, text: str) -> None:
        self._empty = text
        self.update()

    def series(self) -> tuple[Series, ...]:
        return self._series

    def _font(self, delta: float = 0.0, bold: bool = False) -> QFont:
        font = QFont(self.font())
        base = font.pointSizeF() if font.pointSizeF() > 0 else 10.0
        font.setPointSizeF(max(6.0, base + delta))
        if bold:
            font.setWeight(QFont.Weight.DemiBold)
        return font

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), colour("surface"))
        fm = QFontMetrics(self._font())
        line = fm.height()
        p.setFont(self._font(1, bold=True))
        p.setPen(colour("text"))
        p.drawText(QRectF(8, 4, self.width() - 16, line + 4), Qt.AlignmentFlag.AlignLeft, self._title)
        # legend, right-aligned on the title line
        p.setFont(self._font())
        x = self.width() - 8.0
        for i, s in reversed(list(enumerate(self._series))):
            w = fm.horizontalAdvance(s.label)
            x -= w
            p.setPen(colour("text"))
            p.drawText(QRectF(x, 4, w + 2, line + 4), Qt.AlignmentFlag.AlignLeft, s.label)
            x -= 16
            p.fillRect(QRectF(x, 4 + line / 2 - 1, 12, 4), colour(PALETTE[i % len(PALETTE)]))
            x -= 14
        values = [v for s in self._series for v in s.values]
        if not self._days or not values or max(values) <= 0:
            p.setPen(colour("text_muted"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._empty)
            return
        top, parts = axis(max(values), integral=all(float(v).is_integer() for v in values))
        ticks = [f"{top * k / parts:g}" for k in range(parts + 1)]
        left = 8 + max(fm.horizontalAdvance(t) for t in ticks) + 6  # the widest tick ("0.75" beside "1")
        plot = QRectF(left, line * 2 + 8, self.width() - left - 16, self.height() - line * 2 - 8 - line - 10)
        grid = QPen(colour("border"))
        for k in range(parts + 1):
            y = plot.bottom() - plot.height() * k / parts
            p.setPen(grid)
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(colour("text_muted"))
            p.drawText(QRectF(0, y - line / 2, left - 6, line), Qt.AlignmentFlag.AlignRight, ticks[k])
        n = len(self._days)
        step = plot.width() / max(1, n - 1)
        every = max(1, int(fm.horizontalAdvance("00-00 ") * n / max(1.0, plot.width())) + 1)
        p.setPen(colour("text_muted"))
        for i, day in enumerate(self._days):
            if i % every == 0 or i == n - 1:
                x = plot.left() + step * i if n > 1 else plot.center().x()
                w = fm.horizontalAdvance(day)
                p.drawText(QRectF(x - w / 2, plot.bottom() + 4, w + 2, line), Qt.AlignmentFlag.AlignLeft, day)
        # each series a little thinner than the one before: where two lines coincide (as many buyers
        # asked as were received), both colours still show
        widths = [2.0 + 2.0 * (len(self._series) - 1 - si) for si in range(len(self._series))]
        for si, s in enumerate(self._series):
            col = colour(PALETTE[si % len(PALETTE)])
            path = QPainterPath()
            points = []
            for i, v in enumerate(s.values[:n]):
                x = plot.left() + step * i if n > 1 else plot.center().x()
                y = plot.bottom() - plot.height() * (v / top)
                points.append(QPointF(x, y))
            for i, pt in enumerate(points):
                if i == 0:
                    path.moveTo(pt)
                else:
                    path.lineTo(pt)
            p.setPen(QPen(col, widths[si]))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPath(path)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(col)
            radius = 1.5 + widths[si] / 2
            for pt in points:
                p.drawEllipse(pt, radius, radius)


def axis(high: float, *, integral: bool) -> tuple[float, int]:
    """The value axis for values up to `high`: (its top, how many equal parts the grid lines cut it
    into). Counts get whole-number ticks (0 1 2 3, not 0 0.75 1.5); other values 4 parts up to a round
    top (1, 2, 5 × 10ⁿ)."""
    if not integral:
        return _nice(high), 4
    best: tuple[float, int] | None = None
    for parts in (4, 5, 3, 2):  # on a tie the finer grid
        step = _nice(max(1.0, high / parts))  # a whole, round step: 1, 2, 5, 10, 20, …
        top = step * parts
        if best is None or top < best[0]:
            best = (top, parts)
    assert best is not None
    return best


def _nice(value: float) -> float:
    """A round axis top at or above `value` (1, 2, 5 × 10ⁿ)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for m in (1, 2, 5, 10):
        if value <= m * magnitude:
            return float(m * magnitude)
    return float(10 * magnitude)
