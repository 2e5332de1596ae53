"""A round avatar with the first character of a name on a colour picked from the name."""

from __future__ import annotations

import zlib

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from workbench.ui.theme import colour
from workbench.ui.widgets.style import adjusted_font

# picked by a hash of the name
_ROLES = ("avatar_1", "avatar_2", "avatar_3", "avatar_4", "avatar_5", "avatar_6", "avatar_7", "avatar_8")


class Avatar(QWidget):
    def __init__(self, name: str = "", size: int = 40, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._name = name
        self._size = size
        self.setFixedSize(size, size)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_name(self, name: str) -> None:
        self._name = name
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(self._size, self._size)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        color = colour(_ROLES[zlib.crc32(self._name.encode()) % len(_ROLES)])
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawEllipse(QRectF(0.5, 0.5, self._size - 1, self._size - 1))
        painter.setPen(colour("on_accent"))
        painter.setFont(adjusted_font(self.font(), 3, bold=True))
        painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._name[:1].upper())
        painter.end()
