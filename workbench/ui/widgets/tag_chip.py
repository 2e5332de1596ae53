"""A tag chip: a rounded label, optionally with × to remove it (custom tags) or read-only (official)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QSizePolicy, QToolButton, QWidget

from workbench.ui.theme import tag_chip_style
from workbench.ui.widgets.elided_label import ElidedLabel

MAX_LABEL_WIDTH = 180  # longer names are elided; the full name is in the tooltip


class TagChip(QFrame):
    """One tag. Custom tags tint with the tag's colour; official tags are amber and read-only."""

    remove_requested = Signal(int)
    """The user clicked × on a removable chip; carries the chip's tag id."""

    def __init__(
        self,
        text: str,
        *,
        color: str = "",
        tag_id: int = 0,
        removable: bool = False,
        official: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("tagChip")
        self.tag_id = tag_id
        self.is_official = official
        # the chip's colour is the tag's own, chosen by the user: the one style built at run time
        self.setStyleSheet(tag_chip_style(color, official=official))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(9, 1, 4 if removable else 9, 1)
        layout.setSpacing(2)
        self.label = ElidedLabel(text)
        fm = self.label.fontMetrics()
        shown = fm.elidedText(text, Qt.TextElideMode.ElideRight, MAX_LABEL_WIDTH)
        self.label.setMaximumWidth(fm.horizontalAdvance(shown) + 2)
        # preferred, not ignored: the chip asks for its text's width and shrinks (eliding) when narrow
        self.label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.label)
        self.remove_button: QToolButton | None = None
        if removable:
            button = QToolButton()
            button.setObjectName("chipRemove")
            button.setText("×")
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            button.setToolTip(self.tr("移除标签"))
            button.setAccessibleName(self.tr("移除标签 {name}").format(name=text))
            button.setFixedSize(16, 16)
            button.clicked.connect(lambda: self.remove_requested.emit(self.tag_id))
            layout.addWidget(button)
            self.remove_button = button
        elif official:
            self.setToolTip(self.tr("官方标签，由平台根据客户数据生成，不能修改"))
        self.setFixedHeight(max(self.label.sizeHint().height() + 4, 22))

    def text(self) -> str:
        return self.label.text()
