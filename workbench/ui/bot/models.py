"""Qt models for the bot's settings page: a table of records with named roles, optionally editable.

Every list on the page (periods, card questions, quick buttons, sub-accounts, groups, rule kinds,
the auto-message log, knowledge-base entries in the picker) is one of these over frozen dataclasses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QByteArray, QModelIndex, QObject, QPersistentModelIndex, Qt

from workbench.ui.theme import colour

AnyIndex = QModelIndex | QPersistentModelIndex
R = TypeVar("R")


class RecordRoles(IntEnum):
    RECORD = Qt.ItemDataRole.UserRole + 1  # the dataclass of the row
    KEY = Qt.ItemDataRole.UserRole + 2  # a stable key (id, kind…) for tests and selection


@dataclass(frozen=True, slots=True)
class Column(Generic[R]):
    """A column: its title, the text shown, optionally a setter making it editable, a tooltip."""

    title: str
    text: Callable[[R], str]
    edit: Callable[[R, str], R] | None = None
    tooltip: Callable[[R], str] | None = None
    foreground: Callable[[R], str | None] | None = None  # a colour role of the theme, or None


class RecordTableModel(QAbstractTableModel, Generic[R]):
    """Rows of records; `Column.edit` makes a column editable in place (EditRole)."""

    def __init__(
        self,
        columns: Sequence[Column[R]],
        key: Callable[[R], Any] = id,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._key = key
        self._rows: list[R] = []

    # -- our API -----------------------------------------------------------------------------

    def set_records(self, records: Sequence[R]) -> None:
        self.beginResetModel()
        self._rows = list(records)
        self.endResetModel()

    def records(self) -> list[R]:
        return list(self._rows)

    def record(self, row: int) -> R | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def append(self, record: R) -> int:
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.append(record)
        self.endInsertRows()
        return row

    def extend(self, records: Sequence[R]) -> None:
        if not records:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(records) - 1)
        self._rows.extend(records)
        self.endInsertRows()

    def replace_row(self, row: int, record: R) -> None:
        if not 0 <= row < len(self._rows):
            return
        self._rows[row] = record
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self._columns) - 1))

    def remove_row(self, row: int) -> None:
        if not 0 <= row < len(self._rows):
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        self.endRemoveRows()

    def move_row(self, row: int, delta: int) -> int:
        """Move a row up (-1) or down (+1); returns its new row."""
        target = row + delta
        if not (0 <= row < len(self._rows) and 0 <= target < len(self._rows)):
            return row
        dest = target + 1 if delta > 0 else target
        self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), dest)
        self._rows.insert(target, self._rows.pop(row))
        self.endMoveRows()
        return target

    def row_of(self, key: Any) -> int:
        return next((i for i, r in enumerate(self._rows) if self._key(r) == key), -1)

    # -- Qt API ------------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if not 0 <= index.column() < len(self._columns):
            return None
        record = self._rows[index.row()]
        column = self._columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.AccessibleTextRole):
            return column.text(record)
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(record)
        if role == Qt.ItemDataRole.ForegroundRole and column.foreground is not None:
            from PySide6.QtGui import QBrush

            role_name = column.foreground(record)
            return QBrush(colour(role_name)) if role_name else None
        if role == RecordRoles.RECORD:
            return record
        if role == RecordRoles.KEY:
            return self._key(record)
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or not 0 <= index.row() < len(self._rows):
            return False
        edit = self._columns[index.column()].edit if 0 <= index.column() < len(self._columns) else None
        if edit is None:
            return False
        self._rows[index.row()] = edit(self._rows[index.row()], str(value))
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole])
        return True

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if 0 <= index.column() < len(self._columns) and self._columns[index.column()].edit is not None:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            return self._columns[section].title
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._rows):
            return str(section + 1)
        return None

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        names.update({RecordRoles.RECORD: QByteArray(b"record"), RecordRoles.KEY: QByteArray(b"key")})
        return names
