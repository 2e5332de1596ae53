"""A table model over a list too long to load: it counts the rows, then fetches the pages the view
shows, in the background, keeping only the most recently used pages.

The scroll bar reflects every row from the start (the count), so an agent can drag to row 80,000; rows
not fetched yet show a placeholder and are filled in when their page arrives. A new query bumps a
generation number so late pages of the old query are ignored.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal

from workbench.ui.tasks import Tasks
from workbench.ui.widgets.guard import while_alive

log = logging.getLogger(__name__)

T = TypeVar("T")
AnyIndex = QModelIndex | QPersistentModelIndex

PAGE_SIZE = 100
MAX_PAGES = 20  # at most 2,000 rows held at once


class PagedTableModel(QAbstractTableModel, Generic[T]):
    """Subclasses say how to count and fetch (as jobs run off the UI thread) and how to show a row."""

    count_changed = Signal(int)
    """A query finished counting; carries the number of rows (the model was reset)."""

    page_loaded = Signal(int)
    """The rows of one page arrived and are on screen; carries the page number."""

    load_failed = Signal(str)
    """Counting or fetching failed; carries the translated reason."""

    loading_changed = Signal(bool)
    """True while a count or a page is on its way."""

    def __init__(self, tasks: Tasks, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._total = 0
        self._generation = 0
        self._pages: OrderedDict[int, list[T]] = OrderedDict()
        self._pending: set[int] = set()
        self._counting = False

    # -- what subclasses provide ---------------------------------------------------------------

    def count_job(self) -> Callable[[], int]:
        raise NotImplementedError

    def page_job(self, offset: int, limit: int) -> Callable[[], list[T]]:
        raise NotImplementedError

    def headers(self) -> Sequence[str]:
        raise NotImplementedError

    def cell(self, item: T, column: int, role: int) -> Any:
        raise NotImplementedError

    def error_text(self, exc: BaseException) -> str:
        from workbench.ui.errors import error_text

        return error_text(exc)

    # -- loading -------------------------------------------------------------------------------

    def reload(self) -> None:
        """Count again and drop every cached page (after a change of query or data)."""
        self._generation += 1
        generation = self._generation
        self._pending.clear()
        self._counting = True
        self.loading_changed.emit(True)
        self._tasks.read(
            self.count_job(),
            while_alive(self, lambda total: self._on_count(generation, total)),
            while_alive(self, lambda exc: self._on_failed(generation, exc)),
        )

    def refresh_rows(self) -> None:
        """Fetch the cached pages again without a reset (the count is kept): after an edit."""
        self._generation += 1
        pages = list(self._pages)
        self._pending.clear()
        for page in pages:
            self._request(page, force=True)

    def _on_count(self, generation: int, total: int) -> None:
        if generation != self._generation:
            return
        self._counting = False
        self.beginResetModel()
        self._total = total
        self._pages.clear()
        self.endResetModel()
        self.count_changed.emit(total)
        if total:
            self._request(0)
        else:
            self.loading_changed.emit(False)

    def _on_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._counting = False
        self._pending.clear()
        log.error("list query failed: %r", exc)
        self.loading_changed.emit(False)
        self.load_failed.emit(self.error_text(exc))

    def _request(self, page: int, *, force: bool = False) -> None:
        if page in self._pending or (page in self._pages and not force) or page * PAGE_SIZE >= self._total:
            return
        self._pending.add(page)
        generation = self._generation
        if len(self._pending) == 1:
            self.loading_changed.emit(True)
        self._tasks.read(
            self.page_job(page * PAGE_SIZE, PAGE_SIZE),
            while_alive(self, lambda items: self._on_page(generation, page, items)),
            while_alive(self, lambda exc: self._on_failed(generation, exc)),
        )

    def _on_page(self, generation: int, page: int, items: list[T]) -> None:
        if generation != self._generation:
            return
        self._pending.discard(page)
        self._pages[page] = list(items)
        self._pages.move_to_end(page)
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        first = page * PAGE_SIZE
        last = min(first + PAGE_SIZE, self._total) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, self.columnCount() - 1))
        if not self._pending and not self._counting:
            self.loading_changed.emit(False)
        self.page_loaded.emit(page)

    # -- access --------------------------------------------------------------------------------

    def item(self, row: int) -> T | None:
        """The row's object if its page is on hand (and asks for the page otherwise)."""
        if not 0 <= row < self._total:
            return None
        page, pos = divmod(row, PAGE_SIZE)
        items = self._pages.get(page)
        if items is None:
            self._request(page)
            return None
        self._pages.move_to_end(page)
        return items[pos] if pos < len(items) else None

    def request_row(self, row: int) -> None:
        """Make sure the page holding ``row`` is fetched (scroll position, tests, benchmark)."""
        self.item(row)

    def is_loaded(self, row: int) -> bool:
        return row // PAGE_SIZE in self._pages

    def cached_rows(self) -> int:
        return sum(len(items) for items in self._pages.values())

    def is_loading(self) -> bool:
        return self._counting or bool(self._pending)

    def loaded_items(self) -> list[tuple[int, T]]:
        return [(page * PAGE_SIZE + i, item) for page, items in self._pages.items() for i, item in enumerate(items)]

    # -- Qt model API ------------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers())

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            headers = self.headers()
            return headers[section] if 0 <= section < len(headers) else None
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self._total or not 0 <= index.column() < self.columnCount():
            return None
        item = self.item(index.row())
        if item is None:
            if role == Qt.ItemDataRole.DisplayRole and index.column() == 0:
                return "…"
            return None
        return self.cell(item, index.column(), role)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
