"""A list view as tall as its rows (up to a cap), for short lists inside a scrolling card."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QSizePolicy, QStyleOptionViewItem, QWidget


class FitListView(QListView):
    """Grows with its content up to `max_height`, then scrolls; rows may have different heights."""

    def __init__(self, max_height: int = 320, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._max_height = max_height
        self._fit_height = 0
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(False)
        self.setFrameShape(QListView.Shape.NoFrame)

    def setModel(self, model: QAbstractItemModel | None) -> None:
        super().setModel(model)
        if model is not None:
            for sig in (model.modelReset, model.rowsInserted, model.rowsRemoved, model.dataChanged):
                sig.connect(self.refit)
        self.refit()

    def content_height(self) -> int:
        model = self.model()
        delegate = self.itemDelegate()
        if model is None or delegate is None:
            return 0
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        option.rect.setWidth(self.viewport().width())
        height = 0
        for row in range(model.rowCount()):
            height += delegate.sizeHint(option, model.index(row, 0)).height()
        return height + 2 * self.frameWidth()

    def refit(self) -> None:
        height = min(self.content_height(), self._max_height)
        if height != self._fit_height:
            self._fit_height = height
            self.setFixedHeight(height)
            self.updateGeometry()

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self._fit_height)

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self._fit_height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.refit()
