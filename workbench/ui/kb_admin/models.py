"""Qt models of the knowledge editor: category tree, entry table, phrasings, packs, pack report,
match options and batch-test misses."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import ClassVar, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractListModel,
    QAbstractTableModel,
    QByteArray,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush

from workbench.domain.kb import Phrasing, PhrasingKind, Suggestion
from workbench.domain.kb_admin import (
    ALL_CATEGORIES,
    CategoryInfo,
    EntrySort,
    KnowledgeEntry,
    filter_entries,
    sort_key,
)
from workbench.domain.packs import ChangeKind, PackChange
from workbench.services.kb_admin import QaResult
from workbench.services.packs import PackStatus
from workbench.ui.kb_admin.texts import category_label, change_label, outcome_label, reason_text
from workbench.ui.theme import colour

AnyIndex = QModelIndex | QPersistentModelIndex
ROLE = Qt.ItemDataRole.UserRole
T = TypeVar("T")


def _names(names: dict[int, bytes]) -> dict[int, QByteArray]:
    return {role: QByteArray(name) for role, name in names.items()}


class ItemTableModel(QAbstractTableModel, Generic[T]):
    """A table with one item a row. Subclasses say what differs: the column titles (`headers`),
    what a cell holds for a role (`cell`) and the names of their own roles (`ROLE_NAMES`)."""

    ROLE_NAMES: ClassVar[dict[int, bytes]] = {}

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[T] = []

    def _set_items(self, items: Sequence[T]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def _item(self, row: int) -> T | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def headers(self) -> tuple[str, ...]:
        """The column titles, translated each time they are asked for (they follow the language)."""
        raise NotImplementedError

    def cell(self, item: T, column: int, role: int) -> object:
        """What the cell of `item` in `column` holds for `role`; None for nothing."""
        raise NotImplementedError

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers())

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        headers = self.headers()
        return headers[section] if 0 <= section < len(headers) else None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        return self.cell(self._items[index.row()], index.column(), role)

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        names.update(_names(self.ROLE_NAMES))
        return names


# -- categories -------------------------------------------------------------------------------------


class CategoryRoles(IntEnum):
    CATEGORY = ROLE + 1  # the category name; "" for 全部知识; None for a group heading
    KIND = ROLE + 2  # "all", "group" or "category"
    CUSTOM = ROLE + 3  # a custom category (can be renamed and deleted)
    COUNT = ROLE + 4  # entries in it


_ALL_ROW, _STANDARD_ROW, _CUSTOM_ROW = 0, 1, 2
_TOP = 0  # internal id of top-level rows; children carry their group's row + 1


class CategoryTreeModel(QAbstractItemModel):
    """全部知识, then the standard categories and the shop's own ones under two headings."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._standard: list[CategoryInfo] = []
        self._custom: list[CategoryInfo] = []

    def set_categories(self, categories: Sequence[CategoryInfo]) -> None:
        self.beginResetModel()
        self._standard = [c for c in categories if c.standard]
        self._custom = [c for c in categories if not c.standard]
        self.endResetModel()

    def categories(self) -> list[CategoryInfo]:
        return [*self._standard, *self._custom]

    def _group(self, row: int) -> list[CategoryInfo]:
        return self._standard if row == _STANDARD_ROW else self._custom

    def index(self, row: int, column: int = 0, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column != 0 or row < 0:
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, 0, _TOP) if row < 3 else QModelIndex()
        if parent.internalId() != _TOP or parent.row() not in (_STANDARD_ROW, _CUSTOM_ROW):
            return QModelIndex()
        if row >= len(self._group(parent.row())):
            return QModelIndex()
        return self.createIndex(row, 0, parent.row() + 1)

    def parent(self, index: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid() or index.internalId() == _TOP:
            return QModelIndex()
        return self.createIndex(int(index.internalId()) - 1, 0, _TOP)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return 3
        if parent.column() != 0 or parent.internalId() != _TOP:
            return 0
        if parent.row() in (_STANDARD_ROW, _CUSTOM_ROW):
            return len(self._group(parent.row()))
        return 0

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 1

    def _info(self, index: AnyIndex) -> CategoryInfo | None:
        if not index.isValid() or index.internalId() == _TOP:
            return None
        group = self._group(int(index.internalId()) - 1)
        return group[index.row()] if 0 <= index.row() < len(group) else None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        info = self._info(index)
        top = index.internalId() == _TOP
        if top and index.row() == _ALL_ROW:
            kind, name, count = "all", ALL_CATEGORIES, sum(c.entries for c in self.categories())
            label = QCoreApplication.translate("CategoryTree", "全部知识")
        elif top:
            kind, name, count = "group", None, None
            if index.row() == _STANDARD_ROW:
                label = QCoreApplication.translate("CategoryTree", "标准分类")
            else:
                label = QCoreApplication.translate("CategoryTree", "自定义分类")
        elif info is not None:
            kind, name, count, label = "category", info.name, info.entries, category_label(info.name)
        else:
            return None
        match role:
            case Qt.ItemDataRole.DisplayRole:
                return label if count is None else f"{label}  ({count})"
            case Qt.ItemDataRole.ToolTipRole:
                if info is not None and info.enabled != info.entries:
                    return QCoreApplication.translate("CategoryTree", "{n} 条知识，其中 {on} 条启用").format(
                        n=info.entries, on=info.enabled
                    )
                return label
            case Qt.ItemDataRole.ForegroundRole:
                return QBrush(colour("text_muted")) if kind == "group" else None
            case CategoryRoles.CATEGORY:
                return name
            case CategoryRoles.KIND:
                return kind
            case CategoryRoles.CUSTOM:
                return info is not None and not info.standard
            case CategoryRoles.COUNT:
                return count
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if index.internalId() == _TOP and index.row() != _ALL_ROW:
            return Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        names.update(
            _names(
                {
                    CategoryRoles.CATEGORY: b"category",
                    CategoryRoles.KIND: b"kind",
                    CategoryRoles.CUSTOM: b"custom",
                    CategoryRoles.COUNT: b"count",
                }
            )
        )
        return names

    def index_of(self, category: str) -> QModelIndex:
        """The index showing `category` ("" for 全部知识)."""
        if category == ALL_CATEGORIES:
            return self.index(_ALL_ROW, 0)
        for group_row in (_STANDARD_ROW, _CUSTOM_ROW):
            for row, info in enumerate(self._group(group_row)):
                if info.name == category:
                    return self.index(row, 0, self.index(group_row, 0))
        return QModelIndex()


# -- entries ----------------------------------------------------------------------------------------


class EntryColumn(IntEnum):
    QUESTION = 0
    CATEGORY = 1
    PHRASINGS = 2
    YESTERDAY = 3
    WEEK = 4
    ENABLED = 5
    SOURCE = 6


class EntryRoles(IntEnum):
    ENTRY = ROLE + 1  # the KnowledgeEntry
    ENTRY_ID = ROLE + 2
    SORT = ROLE + 3  # a sortable value for the column


def source_text(entry: KnowledgeEntry) -> str:
    if entry.pack is not None:
        if entry.pack.edited:
            return QCoreApplication.translate("EntryTable", "行业包 {version} · 已修改").format(
                version=entry.pack.version
            )
        return QCoreApplication.translate("EntryTable", "行业包 {version}").format(version=entry.pack.version)
    if entry.custom:
        return QCoreApplication.translate("EntryTable", "自定义")
    return QCoreApplication.translate("EntryTable", "店铺知识")


class EntryTableModel(ItemTableModel[KnowledgeEntry]):
    """The shop's entries, filtered by category and search text and sorted by 热度 (or another key)."""

    enabled_toggled = Signal(int, bool)
    """The user flipped an entry's on/off switch in the table (entry id, on); nothing is saved yet."""

    ROLE_NAMES: ClassVar[dict[int, bytes]] = {
        EntryRoles.ENTRY: b"entry",
        EntryRoles.ENTRY_ID: b"entryId",
        EntryRoles.SORT: b"sort",
    }

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._all: list[KnowledgeEntry] = []  # the rows shown are the ones of these the filter keeps
        self._category = ALL_CATEGORIES
        self._search = ""
        self._sort = EntrySort.HOT_YESTERDAY

    # -- content -----------------------------------------------------------------------------

    def set_entries(self, entries: Sequence[KnowledgeEntry]) -> None:
        self._all = list(entries)
        self._refilter()

    def set_filter(self, category: str | None = None, search: str | None = None) -> None:
        if category is not None:
            self._category = category
        if search is not None:
            self._search = search
        self._refilter()

    def set_sort(self, sort: EntrySort) -> None:
        self._sort = sort
        self._refilter()

    @property
    def sort_order(self) -> EntrySort:
        return self._sort

    @property
    def category(self) -> str:
        return self._category

    def _refilter(self) -> None:
        self._set_items(sorted(filter_entries(self._all, self._category, self._search), key=sort_key(self._sort)))

    def upsert(self, entries: Sequence[KnowledgeEntry]) -> None:
        """Entries changed (or were added): replace them and show the list again, order kept."""
        by_id = {e.id: e for e in entries}
        known = {e.id for e in self._all}
        self._all = [by_id.get(e.id, e) for e in self._all] + [e for e in entries if e.id not in known]
        self._refilter()

    def remove(self, entry_ids: Sequence[int]) -> None:
        gone = set(entry_ids)
        self._all = [e for e in self._all if e.id not in gone]
        self._refilter()

    def entry(self, row: int) -> KnowledgeEntry | None:
        return self._item(row)

    def row_of(self, entry_id: int) -> int:
        return next((i for i, e in enumerate(self._items) if e.id == entry_id), -1)

    def all_entries(self) -> list[KnowledgeEntry]:
        return list(self._all)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Header clicks: 热度 columns sort hottest first; 标准问题 by text."""
        match column:
            case EntryColumn.YESTERDAY:
                self.set_sort(EntrySort.HOT_YESTERDAY)
            case EntryColumn.WEEK:
                self.set_sort(EntrySort.HOT_WEEK)
            case EntryColumn.QUESTION:
                self.set_sort(EntrySort.QUESTION)

    # -- Qt ----------------------------------------------------------------------------------

    def headers(self) -> tuple[str, ...]:
        return (  # in EntryColumn order
            QCoreApplication.translate("EntryTable", "标准问题"),
            QCoreApplication.translate("EntryTable", "分类"),
            QCoreApplication.translate("EntryTable", "问法"),
            QCoreApplication.translate("EntryTable", "昨日热度"),
            QCoreApplication.translate("EntryTable", "近7天"),
            QCoreApplication.translate("EntryTable", "启用"),
            QCoreApplication.translate("EntryTable", "来源"),
        )

    def cell(self, e: KnowledgeEntry, column: int, role: int) -> object:
        if role == EntryRoles.ENTRY:
            return e
        if role == EntryRoles.ENTRY_ID:
            return e.id
        if role == Qt.ItemDataRole.DisplayRole:
            match column:
                case EntryColumn.QUESTION:
                    return e.question + (
                        "  " + QCoreApplication.translate("EntryTable", "[转人工]") if e.needs_human else ""
                    )
                case EntryColumn.CATEGORY:
                    return category_label(e.category)
                case EntryColumn.PHRASINGS:
                    return str(len(e.phrasings))
                case EntryColumn.YESTERDAY:
                    return str(e.hits_yesterday)
                case EntryColumn.WEEK:
                    return str(e.hits_week)
                case EntryColumn.ENABLED:
                    return (
                        QCoreApplication.translate("EntryTable", "开")
                        if e.enabled
                        else QCoreApplication.translate("EntryTable", "关")
                    )
                case EntryColumn.SOURCE:
                    return source_text(e)
        if role == Qt.ItemDataRole.CheckStateRole and column == EntryColumn.ENABLED:
            return Qt.CheckState.Checked if e.enabled else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            return e.answer or None
        if role == Qt.ItemDataRole.ForegroundRole and not e.enabled:
            return QBrush(colour("text_muted"))
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            EntryColumn.PHRASINGS,
            EntryColumn.YESTERDAY,
            EntryColumn.WEEK,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == EntryRoles.SORT:
            return (e.question, e.category, len(e.phrasings), e.hits_yesterday, e.hits_week, e.enabled, source_text(e))[
                column
            ]
        return None

    def setData(self, index: AnyIndex, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or index.column() != EntryColumn.ENABLED:
            return False
        e = self.entry(index.row())
        if e is None:
            return False
        on = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2)
        if on != e.enabled:
            self.enabled_toggled.emit(e.id, on)
        return True

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == EntryColumn.ENABLED:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags


# -- phrasings --------------------------------------------------------------------------------------


class PhrasingRoles(IntEnum):
    PHRASING = ROLE + 1
    TEXT = ROLE + 2
    KIND = ROLE + 3  # PhrasingKind value
    NEGATIVE = ROLE + 4
    CORE_WORDS = ROLE + 5  # tuple of words


def phrasing_marks(p: Phrasing) -> str:
    marks = []
    if p.kind is PhrasingKind.KEYWORD:
        marks.append(QCoreApplication.translate("PhrasingList", "关键词"))
    if p.negative:
        marks.append(QCoreApplication.translate("PhrasingList", "反向"))
    if p.core_words:
        marks.append(
            QCoreApplication.translate("PhrasingList", "核心词：{words}").format(words="、".join(p.core_words))
        )
    return "  ·  ".join(marks)


class PhrasingListModel(QAbstractListModel):
    """The phrasings of the entry in the editor (edited in place until saved)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[Phrasing] = []

    def set_phrasings(self, phrasings: Sequence[Phrasing]) -> None:
        self.beginResetModel()
        self._items = list(phrasings)
        self.endResetModel()

    def phrasings(self) -> tuple[Phrasing, ...]:
        return tuple(self._items)

    def phrasing(self, row: int) -> Phrasing | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def append(self, phrasing: Phrasing) -> int:
        row = len(self._items)
        self.beginInsertRows(QModelIndex(), row, row)
        self._items.append(phrasing)
        self.endInsertRows()
        return row

    def replace(self, row: int, phrasing: Phrasing) -> None:
        if 0 <= row < len(self._items) and self._items[row] != phrasing:
            self._items[row] = phrasing
            index = self.index(row)
            self.dataChanged.emit(index, index)

    def remove(self, row: int) -> None:
        if 0 <= row < len(self._items):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._items[row]
            self.endRemoveRows()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        p = self._items[index.row()]
        match role:
            case Qt.ItemDataRole.DisplayRole:
                text = p.text or QCoreApplication.translate("PhrasingList", "（新问法）")
                marks = phrasing_marks(p)
                return f"{text}    {marks}" if marks else text
            case Qt.ItemDataRole.ForegroundRole:
                return QBrush(colour("danger")) if p.negative else None
            case PhrasingRoles.PHRASING:
                return p
            case PhrasingRoles.TEXT:
                return p.text
            case PhrasingRoles.KIND:
                return p.kind.value
            case PhrasingRoles.NEGATIVE:
                return p.negative
            case PhrasingRoles.CORE_WORDS:
                return p.core_words
        return None

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        names.update(
            _names(
                {
                    PhrasingRoles.PHRASING: b"phrasing",
                    PhrasingRoles.TEXT: b"text",
                    PhrasingRoles.KIND: b"kind",
                    PhrasingRoles.NEGATIVE: b"negative",
                    PhrasingRoles.CORE_WORDS: b"coreWords",
                }
            )
        )
        return names


# -- packs ------------------------------------------------------------------------------------------


class PackRoles(IntEnum):
    STATUS = ROLE + 1  # the PackStatus
    PACK_ID = ROLE + 2
    STATE_TEXT = ROLE + 3  # 未订阅 / 已订阅 1.0 / 可升级到 1.1
    UPGRADABLE = ROLE + 4
    SUBSCRIBED = ROLE + 5


def pack_state_text(status: PackStatus) -> str:
    sub = status.subscription
    if sub is None:
        return QCoreApplication.translate("PackList", "未订阅")
    if status.upgradable:
        return QCoreApplication.translate("PackList", "已订阅 {current} · 可升级到 {latest}").format(
            current=sub.version, latest=status.pack.version
        )
    return QCoreApplication.translate("PackList", "已订阅 {current}").format(current=sub.version)


class PackListModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[PackStatus] = []

    def set_packs(self, packs: Sequence[PackStatus]) -> None:
        self.beginResetModel()
        self._items = list(packs)
        self.endResetModel()

    def status(self, row: int) -> PackStatus | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def row_of(self, pack_id: str) -> int:
        return next((i for i, s in enumerate(self._items) if s.pack.id == pack_id), -1)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        s = self._items[index.row()]
        match role:
            case Qt.ItemDataRole.DisplayRole:
                return QCoreApplication.translate("PackList", "{name}行业包 {version}").format(
                    name=s.pack.name, version=s.pack.version
                )
            case Qt.ItemDataRole.ToolTipRole:
                return s.pack.description
            case PackRoles.STATUS:
                return s
            case PackRoles.PACK_ID:
                return s.pack.id
            case PackRoles.STATE_TEXT:
                return pack_state_text(s)
            case PackRoles.UPGRADABLE:
                return s.upgradable
            case PackRoles.SUBSCRIBED:
                return s.subscription is not None
        return None

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        names.update(
            _names(
                {
                    PackRoles.STATUS: b"status",
                    PackRoles.PACK_ID: b"packId",
                    PackRoles.STATE_TEXT: b"stateText",
                    PackRoles.UPGRADABLE: b"upgradable",
                    PackRoles.SUBSCRIBED: b"subscribed",
                }
            )
        )
        return names


class ReportRoles(IntEnum):
    CHANGE = ROLE + 1
    KIND = ROLE + 2  # ChangeKind value
    CONFLICT = ROLE + 3


def change_note(change: PackChange) -> str:
    if change.kind is ChangeKind.KEPT_EDITED and change.conflict:
        return QCoreApplication.translate("PackReport", "新版本也改了这条，保留了店铺的修改，请对比后手动合并")
    if change.kind is ChangeKind.KEPT_DETACHED:
        return QCoreApplication.translate("PackReport", "新版本不再包含这条；店铺修改过，已转为自定义问题")
    if change.kind is ChangeKind.SKIPPED_EXISTING:
        return QCoreApplication.translate("PackReport", "知识库里已有同样的标准问题，没有重复添加")
    if change.kind is ChangeKind.SKIPPED_DELETED:
        return QCoreApplication.translate("PackReport", "店铺删除过这条，升级不会加回来")
    return ""


class PackReportModel(ItemTableModel[PackChange]):
    """What a subscribe / upgrade / unsubscribe did, conflicts first; unchanged entries left out."""

    ORDER = (
        ChangeKind.KEPT_EDITED,
        ChangeKind.KEPT_DETACHED,
        ChangeKind.UPDATED,
        ChangeKind.ADDED,
        ChangeKind.REMOVED,
        ChangeKind.SKIPPED_EXISTING,
        ChangeKind.SKIPPED_DELETED,
    )
    ROLE_NAMES: ClassVar[dict[int, bytes]] = {
        ReportRoles.CHANGE: b"change",
        ReportRoles.KIND: b"kind",
        ReportRoles.CONFLICT: b"conflict",
    }

    def set_changes(self, changes: Sequence[PackChange]) -> None:
        shown = [c for c in changes if c.kind is not ChangeKind.UNCHANGED]
        order = {k: i for i, k in enumerate(self.ORDER)}
        self._set_items(sorted(shown, key=lambda c: (not c.conflict, order.get(c.kind, 99))))

    def change(self, row: int) -> PackChange | None:
        return self._item(row)

    def headers(self) -> tuple[str, ...]:
        return (
            QCoreApplication.translate("PackReport", "结果"),
            QCoreApplication.translate("PackReport", "标准问题"),
            QCoreApplication.translate("PackReport", "说明"),
        )

    def cell(self, c: PackChange, column: int, role: int) -> object:
        match role:
            case Qt.ItemDataRole.DisplayRole:
                return (change_label(c.kind), c.question, change_note(c))[column]
            case Qt.ItemDataRole.ToolTipRole:
                return change_note(c) or None
            case Qt.ItemDataRole.ForegroundRole:
                if c.conflict:
                    return QBrush(colour("warning"))
                return None
            case ReportRoles.CHANGE:
                return c
            case ReportRoles.KIND:
                return c.kind.value
            case ReportRoles.CONFLICT:
                return c.conflict
        return None


# -- 问答测试 ----------------------------------------------------------------------------------------


class OptionRoles(IntEnum):
    SUGGESTION = ROLE + 1
    ENTRY_ID = ROLE + 2
    SCORE = ROLE + 3


def reasons_text(suggestion: Suggestion) -> str:
    return "；".join(reason_text(r) for r in suggestion.reasons)


class OptionModel(ItemTableModel[Suggestion]):
    """The matcher's candidates for a test question (你可能想问), best first, with why."""

    ROLE_NAMES: ClassVar[dict[int, bytes]] = {
        OptionRoles.SUGGESTION: b"suggestion",
        OptionRoles.ENTRY_ID: b"entryId",
        OptionRoles.SCORE: b"score",
    }

    def set_suggestions(self, items: Sequence[Suggestion]) -> None:
        self._set_items(items)

    def suggestion(self, row: int) -> Suggestion | None:
        return self._item(row)

    def headers(self) -> tuple[str, ...]:
        return (
            QCoreApplication.translate("OptionTable", "标准问题"),
            QCoreApplication.translate("OptionTable", "相似度"),
            QCoreApplication.translate("OptionTable", "命中问法"),
            QCoreApplication.translate("OptionTable", "原因"),
        )

    def cell(self, s: Suggestion, column: int, role: int) -> object:
        match role:
            case Qt.ItemDataRole.DisplayRole:
                return (s.question, f"{s.score:.0%}", s.matched_phrasing, reasons_text(s))[column]
            case Qt.ItemDataRole.ToolTipRole:
                return s.answer
            case Qt.ItemDataRole.TextAlignmentRole:
                if column == 1:
                    return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                return None
            case OptionRoles.SUGGESTION:
                return s
            case OptionRoles.ENTRY_ID:
                return s.entry_id
            case OptionRoles.SCORE:
                return s.score
        return None


class MissRoles(IntEnum):
    RESULT = ROLE + 1
    LINE = ROLE + 2


class MissModel(ItemTableModel[QaResult]):
    """Questions of a batch test the bot did not answer as expected."""

    ROLE_NAMES: ClassVar[dict[int, bytes]] = {MissRoles.RESULT: b"result", MissRoles.LINE: b"line"}

    def set_results(self, results: Sequence[QaResult]) -> None:
        self._set_items(results)

    def result(self, row: int) -> QaResult | None:
        return self._item(row)

    def headers(self) -> tuple[str, ...]:
        return (
            QCoreApplication.translate("MissTable", "行"),
            QCoreApplication.translate("MissTable", "问题"),
            QCoreApplication.translate("MissTable", "期望知识"),
            QCoreApplication.translate("MissTable", "机器人"),
            QCoreApplication.translate("MissTable", "实际命中"),
            QCoreApplication.translate("MissTable", "相似度"),
        )

    def cell(self, r: QaResult, column: int, role: int) -> object:
        match role:
            case Qt.ItemDataRole.DisplayRole:
                values = (
                    str(r.case.line),
                    r.case.question,
                    r.case.expected,
                    outcome_label(r.outcome.kind),
                    r.answered_by,
                    f"{r.score:.0%}" if r.outcome.best else "",
                )
                return values[column]
            case Qt.ItemDataRole.ToolTipRole:
                return r.outcome.best.answer if r.outcome.best else None
            case MissRoles.RESULT:
                return r
            case MissRoles.LINE:
                return r.case.line
        return None
