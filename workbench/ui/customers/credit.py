"""Platform credit levels (信用等级) drawn the way the platform shows them: 心, 钻, 冠, 金冠 glyphs."""

from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from workbench.ui.theme import RoleColours

HEART, DIAMOND, CROWN, GOLD_CROWN = "心", "钻", "冠", "金冠"

GLYPHS = {HEART: "♥", DIAMOND: "◆", CROWN: "♛", GOLD_CROWN: "♛"}
TIER_ROLES = {HEART: "credit_heart", DIAMOND: "credit_diamond", CROWN: "credit_crown", GOLD_CROWN: "credit_gold_crown"}
COLORS = RoleColours(TIER_ROLES)
OUTLINES = RoleColours(
    {
        HEART: "credit_heart_outline",
        DIAMOND: "credit_diamond_outline",
        CROWN: "credit_crown_outline",
        GOLD_CROWN: "credit_gold_crown_outline",
    }
)
MAX_GLYPHS = 5

_LEVEL = re.compile(r"^\s*(\d+)\s*(金冠|心|钻|冠)\s*$")


@dataclass(frozen=True, slots=True)
class CreditLevel:
    count: int  # 1..5 glyphs
    tier: str  # 心 / 钻 / 冠 / 金冠

    @property
    def glyphs(self) -> str:
        """The level as glyph text: 3钻 → ◆◆◆."""
        return GLYPHS[self.tier] * self.count

    @property
    def color(self) -> str:
        return COLORS[self.tier]

    @property
    def label(self) -> str:
        return f"{self.count}{self.tier}"


def parse_credit(level: str) -> CreditLevel | None:
    """Parse a level such as 3钻 into CreditLevel(3, "钻"); anything unknown → None."""
    match = _LEVEL.match(level or "")
    if match is None:
        return None
    count = int(match.group(1))
    if count < 1:
        return None
    return CreditLevel(min(count, MAX_GLYPHS), match.group(2))


def credit_tooltip(level: str) -> str:
    return QCoreApplication.translate("CreditBadge", "信用等级：{level}").format(level=level)


def _heart(r: QRectF) -> QPainterPath:
    x, y, w, h = r.x(), r.y(), r.width(), r.height()
    path = QPainterPath()
    path.moveTo(x + w / 2, y + h)
    path.cubicTo(x - w * 0.05, y + h * 0.55, x + w * 0.05, y - h * 0.05, x + w / 2, y + h * 0.28)
    path.cubicTo(x + w * 0.95, y - h * 0.05, x + w * 1.05, y + h * 0.55, x + w / 2, y + h)
    return path


def _diamond(r: QRectF) -> QPainterPath:
    path = QPainterPath()
    c = r.center()
    path.addPolygon(
        QPolygonF(
            [
                QPointF(c.x(), r.top()),
                QPointF(r.right() - r.width() * 0.08, c.y()),
                QPointF(c.x(), r.bottom()),
                QPointF(r.left() + r.width() * 0.08, c.y()),
                QPointF(c.x(), r.top()),
            ]
        )
    )
    return path


def _crown(r: QRectF) -> QPainterPath:
    x, y, w, h = r.x(), r.y(), r.width(), r.height()
    path = QPainterPath()
    path.addPolygon(
        QPolygonF(
            [
                QPointF(x, y + h * 0.25),
                QPointF(x + w * 0.27, y + h * 0.55),
                QPointF(x + w * 0.5, y),
                QPointF(x + w * 0.73, y + h * 0.55),
                QPointF(x + w, y + h * 0.25),
                QPointF(x + w * 0.88, y + h * 0.82),
                QPointF(x + w * 0.12, y + h * 0.82),
                QPointF(x, y + h * 0.25),
            ]
        )
    )
    path.addRect(QRectF(x + w * 0.12, y + h * 0.88, w * 0.76, h * 0.12))
    return path


_SHAPES = {HEART: _heart, DIAMOND: _diamond, CROWN: _crown, GOLD_CROWN: _crown}


class CreditBadge(QWidget):
    """Draws a credit level as 1–5 coloured glyphs; empty (and zero-sized) when unknown."""

    GLYPH = 13
    GAP = 3

    def __init__(self, level: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._level: CreditLevel | None = None
        self._raw = ""
        self.set_level(level)

    def set_level(self, level: str) -> None:
        self._raw = level
        self._level = parse_credit(level)
        tip = credit_tooltip(level) if level else ""
        self.setToolTip(tip)
        self.setAccessibleName(tip)
        self.setVisible(bool(level))
        self.updateGeometry()
        self.update()

    def level(self) -> CreditLevel | None:
        return self._level

    def glyphs(self) -> str:
        """The level as text glyphs ("◆◆◆"); the raw level when it cannot be parsed."""
        return self._level.glyphs if self._level else self._raw

    def sizeHint(self) -> QSize:
        if self._level is None:
            width = self.fontMetrics().horizontalAdvance(self._raw) + 2 if self._raw else 0
            return QSize(width, self.GLYPH + 2)
        n = self._level.count
        return QSize(n * self.GLYPH + (n - 1) * self.GAP + 2, self.GLYPH + 2)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._level is None:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignVCenter, self._raw)
            painter.end()
            return
        tier = self._level.tier
        shape = _SHAPES[tier]
        size = float(self.GLYPH)
        top = (self.height() - size) / 2
        painter.setPen(QPen(QColor(OUTLINES[tier]), 0.8))
        painter.setBrush(QColor(COLORS[tier]))
        for i in range(self._level.count):
            rect = QRectF(1 + i * (size + self.GAP), top, size, size)
            if tier == HEART:
                rect = rect.adjusted(0.5, 1, -0.5, -0.5)
            painter.drawPath(shape(rect))
        painter.end()
