"""Guards against a Qt binding that miscounts references (PySide6 6.12.0 crashed the app this way)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex
from pytestqt.qtbot import QtBot


class _NoneModel(QAbstractListModel):
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 1

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> object:
        return None


def test_model_data_returning_none_keeps_reference_counts(qtbot: QtBot) -> None:
    model = _NoneModel()
    index = model.index(0)
    before = sys.getrefcount(None)
    for _ in range(2000):
        index.data(1234)
    assert abs(sys.getrefcount(None) - before) < 100
