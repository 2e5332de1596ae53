"""A vertical timeline (dots joined by a line), newest entry first and highlighted: logistics tracks."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from workbench.ui.theme import colour, set_tone
from workbench.ui.widgets.text import soft_wrap

_RAIL_WIDTH = 18


class _Rail(QWidget):
    """The dot and the line segments of one timeline row."""

    def __init__(self, first: bool, last: bool, dot_y: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._first = first
        self._last = last
        self._dot_y = dot_y
        self.setFixedWidth(_RAIL_WIDTH)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        x = _RAIL_WIDTH / 2
        y = float(self._dot_y)
        painter.setPen(QPen(colour("timeline_line"), 2))
        if not self._first:
            painter.drawLine(QPointF(x, 0), QPointF(x, y))
        if not self._last:
            painter.drawLine(QPointF(x, y), QPointF(x, self.height()))
        painter.setPen(Qt.PenStyle.NoPen)
        if self._first:
            halo = colour("accent")
            halo.setAlpha(45)
            painter.setBrush(halo)
            painter.drawEllipse(QPointF(x, y), 7, 7)
            painter.setBrush(colour("accent"))
            painter.drawEllipse(QPointF(x, y), 4, 4)
        else:
            painter.setBrush(colour("timeline_dot"))
            painter.drawEllipse(QPointF(x, y), 3.5, 3.5)
        painter.end()


class Timeline(QWidget):
    """Entries are (text, time) pairs, newest first; the newest is drawn in the accent colour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        self._entries: list[tuple[str, str]] = []

    def entries(self) -> list[tuple[str, str]]:
        return list(self._entries)

    def set_entries(self, entries: Sequence[tuple[str, str]]) -> None:
        while (item := self._layout.takeAt(0)) is not None:
            widget = item.widget()
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self._entries = list(entries)
        for i, (text, time) in enumerate(self._entries):
            self._layout.addWidget(self._row(text, time, first=i == 0, last=i == len(self._entries) - 1))

    def _row(self, text: str, time: str, *, first: bool, last: bool) -> QWidget:
        row = QWidget(self)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        line_height = self.fontMetrics().height()
        layout.addWidget(_Rail(first, last, dot_y=line_height // 2 + 1))
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0 if last else 12)
        column.setSpacing(2)
        body = QLabel(soft_wrap(text))
        body.setWordWrap(True)
        body.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        body.setTextFormat(Qt.TextFormat.PlainText)
        body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        set_tone(body, "text" if first else "secondary")
        stamp = QLabel(time)
        set_tone(stamp, "muted")
        column.addWidget(body)
        column.addWidget(stamp)
        layout.addLayout(column, 1)
        return row
