"""Qt models of the after-sales desk: the case table, reviews, evidence and chat messages to pick."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from enum import IntEnum

from PySide6.QtCore import (
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
from PySide6.QtGui import QColor

from workbench.domain.aftersales import Case, Evidence, Rating, ReviewDetails
from workbench.domain.conversations import Message, Sender
from workbench.ui.aftersales.texts import (
    KIND_COLORS,
    RATING_COLORS,
    evidence_kind_label,
    kind_label,
    money,
    rating_label,
    sender_label,
    state_color,
    state_label,
)
from workbench.ui.theme import colour

AnyIndex = QModelIndex | QPersistentModelIndex


def stamp(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M}" if at else ""


class CaseRoles(IntEnum):
    CASE = Qt.ItemDataRole.UserRole + 1  # the Case dataclass
    CASE_ID = Qt.ItemDataRole.UserRole + 2
    CASE_NO = Qt.ItemDataRole.UserRole + 3
    KIND = Qt.ItemDataRole.UserRole + 4  # CaseKind value ("return")
    STATE = Qt.ItemDataRole.UserRole + 5  # CaseState value ("requested")
    STATE_COLOR = Qt.ItemDataRole.UserRole + 6
    CUSTOMER = Qt.ItemDataRole.UserRole + 7  # nick
    ORDER_NO = Qt.ItemDataRole.UserRole + 8
    SUMMARY = Qt.ItemDataRole.UserRole + 9
    DUE = Qt.ItemDataRole.UserRole + 10  # "YYYY-MM-DD HH:MM" or ""
    OVERDUE = Qt.ItemDataRole.UserRole + 11  # bool
    FLAGGED = Qt.ItemDataRole.UserRole + 12  # bool
    RISK = Qt.ItemDataRole.UserRole + 13  # int 0..100
    RATING = Qt.ItemDataRole.UserRole + 14  # review rating value or ""


_ROLE_NAMES = {
    CaseRoles.CASE: b"case",
    CaseRoles.CASE_ID: b"caseId",
    CaseRoles.CASE_NO: b"caseNo",
    CaseRoles.KIND: b"kind",
    CaseRoles.STATE: b"state",
    CaseRoles.STATE_COLOR: b"stateColor",
    CaseRoles.CUSTOMER: b"customer",
    CaseRoles.ORDER_NO: b"orderNo",
    CaseRoles.SUMMARY: b"summary",
    CaseRoles.DUE: b"due",
    CaseRoles.OVERDUE: b"overdue",
    CaseRoles.FLAGGED: b"flagged",
    CaseRoles.RISK: b"risk",
    CaseRoles.RATING: b"rating",
}


def _case_role(case: Case, role: int, now: datetime) -> object:
    match role:
        case CaseRoles.CASE:
            return case
        case CaseRoles.CASE_ID:
            return case.id
        case CaseRoles.CASE_NO:
            return case.case_no
        case CaseRoles.KIND:
            return case.kind.value
        case CaseRoles.STATE:
            return case.state.value
        case CaseRoles.STATE_COLOR:
            return state_color(case.state)
        case CaseRoles.CUSTOMER:
            return case.customer_nick
        case CaseRoles.ORDER_NO:
            return case.order_no
        case CaseRoles.SUMMARY:
            return case.summary
        case CaseRoles.DUE:
            return stamp(case.due_at)
        case CaseRoles.OVERDUE:
            return case.due_at is not None and case.due_at < now
        case CaseRoles.FLAGGED:
            return case.flagged
        case CaseRoles.RISK:
            return case.risk_score
        case CaseRoles.RATING:
            return case.details.rating.value if isinstance(case.details, ReviewDetails) else ""
    return None


class CaseTableModel(QAbstractTableModel):
    """Cases one per row: 单号, 类型, 客户, 订单, 状态, 摘要, 更新. Loaded a page at a time.

    `more_requested` asks the owner for the next page when the view scrolls to the end
    (`canFetchMore`/`fetchMore`); the owner calls `append` with it.
    """

    more_requested = Signal(int)
    """The view wants more rows; carries the offset of the next page."""

    COLUMNS = ("case_no", "kind", "customer", "order_no", "state", "summary", "updated")

    def __init__(self, now: Callable[[], datetime] = datetime.now, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cases: list[Case] = []
        self._total = 0
        self._fetching = False
        self._now = now

    # -- Qt -----------------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._cases)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation is not Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if not 0 <= section < len(self.COLUMNS):
            return None
        return (
            QCoreApplication.translate("CaseTable", "单号"),
            QCoreApplication.translate("CaseTable", "类型"),
            QCoreApplication.translate("CaseTable", "客户"),
            QCoreApplication.translate("CaseTable", "订单号"),
            QCoreApplication.translate("CaseTable", "状态"),
            QCoreApplication.translate("CaseTable", "摘要"),
            QCoreApplication.translate("CaseTable", "更新时间"),
        )[section]

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._cases):
            return None
        case = self._cases[index.row()]
        column = self.COLUMNS[index.column()] if 0 <= index.column() < len(self.COLUMNS) else ""
        if role == Qt.ItemDataRole.DisplayRole:
            return {
                "case_no": case.case_no,
                "kind": kind_label(case.kind),
                "customer": case.customer_nick,
                "order_no": case.order_no,
                "state": state_label(case.state),
                "summary": case.summary,
                "updated": stamp(case.updated_at),
            }.get(column)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == "state":
                return QColor(state_color(case.state)).darker(115)
            if column == "kind":
                return QColor(KIND_COLORS[case.kind]).darker(110)
            if column == "updated" and case.due_at is not None and case.due_at < self._now() and not case.is_final:
                return colour("danger")
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == "updated" and case.due_at is not None and not case.is_final:
                return QCoreApplication.translate("CaseTable", "下一个时限：{due}").format(due=stamp(case.due_at))
            if column == "summary":
                return case.summary
            return None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{case.case_no} {kind_label(case.kind)} {case.customer_nick} {state_label(case.state)}"
        return _case_role(case, role, self._now())

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        names.update({int(k): QByteArray(v) for k, v in _ROLE_NAMES.items()})
        return names

    def canFetchMore(self, parent: AnyIndex) -> bool:
        return not parent.isValid() and len(self._cases) < self._total and not self._fetching

    def fetchMore(self, parent: AnyIndex) -> None:
        if self.canFetchMore(parent):
            self._fetching = True
            self.more_requested.emit(len(self._cases))

    # -- ours ----------------------------------------------------------------------------------

    def set_cases(self, cases: Sequence[Case], total: int) -> None:
        self.beginResetModel()
        self._cases = list(cases)
        self._total = max(total, len(self._cases))
        self._fetching = False
        self.endResetModel()

    def append(self, cases: Sequence[Case], offset: int) -> None:
        """Rows of a later page (ignored unless they continue the list)."""
        self._fetching = False
        if offset != len(self._cases) or not cases:
            return
        self.beginInsertRows(QModelIndex(), len(self._cases), len(self._cases) + len(cases) - 1)
        self._cases.extend(cases)
        self.endInsertRows()

    def replace_case(self, case: Case) -> None:
        """Show a changed case in place (keeps the row and the selection)."""
        row = self.row_of(case.id)
        if row < 0:
            return
        self._cases[row] = case
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))

    def total(self) -> int:
        return self._total

    def cases(self) -> list[Case]:
        return list(self._cases)

    def case_at(self, row: int) -> Case | None:
        return self._cases[row] if 0 <= row < len(self._cases) else None

    def row_of(self, case_id: int) -> int:
        return next((i for i, c in enumerate(self._cases) if c.id == case_id), -1)


class ReviewListModel(QAbstractListModel):
    """Reviews for the 评价管理 list (drawn by ReviewDelegate)."""

    def __init__(self, now: Callable[[], datetime] = datetime.now, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cases: list[Case] = []
        self._now = now

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._cases)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._cases):
            return None
        case = self._cases[index.row()]
        d = case.details
        if role == Qt.ItemDataRole.DisplayRole:
            rating = rating_label(d.rating) if isinstance(d, ReviewDetails) else ""
            return f"{rating} {case.customer_nick}：{case.summary}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{case.customer_nick} {state_label(case.state)} {case.description}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return case.description
        return _case_role(case, role, self._now())

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        names.update({int(k): QByteArray(v) for k, v in _ROLE_NAMES.items()})
        return names

    def set_cases(self, cases: Sequence[Case]) -> None:
        self.beginResetModel()
        self._cases = list(cases)
        self.endResetModel()

    def replace_case(self, case: Case) -> None:
        row = self.row_of(case.id)
        if row >= 0:
            self._cases[row] = case
            self.dataChanged.emit(self.index(row), self.index(row))

    def case_at(self, row: int) -> Case | None:
        return self._cases[row] if 0 <= row < len(self._cases) else None

    def row_of(self, case_id: int) -> int:
        return next((i for i, c in enumerate(self._cases) if c.id == case_id), -1)


def review_rating(case: Case) -> Rating | None:
    return case.details.rating if isinstance(case.details, ReviewDetails) else None


class EvidenceRoles(IntEnum):
    EVIDENCE = Qt.ItemDataRole.UserRole + 1
    KIND = Qt.ItemDataRole.UserRole + 2
    SHA256 = Qt.ItemDataRole.UserRole + 3


class EvidenceListModel(QAbstractListModel):
    """A case's evidence: "[聊天记录] 2026-11-23 10:05 路过的风2023 — 转我50块钱…"."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[Evidence] = []

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        e = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            first = e.text.splitlines()[0] if e.text else e.file_name
            preview = first if len(first) <= 40 else first[:39] + "…"
            tail = f" — {preview}" if preview and preview != e.title else ""
            kind = evidence_kind_label(e.kind)
            head = e.title if e.title.startswith(kind) else f"[{kind}] {e.title}"
            return f"{head}{tail}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return e.text or e.file_name
        match role:
            case EvidenceRoles.EVIDENCE:
                return e
            case EvidenceRoles.KIND:
                return e.kind.value
            case EvidenceRoles.SHA256:
                return e.sha256
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        names.update(
            {
                int(EvidenceRoles.EVIDENCE): QByteArray(b"evidence"),
                int(EvidenceRoles.KIND): QByteArray(b"kind"),
                int(EvidenceRoles.SHA256): QByteArray(b"sha256"),
            }
        )
        return names

    def set_items(self, items: Sequence[Evidence]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def item_at(self, row: int) -> Evidence | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def items(self) -> list[Evidence]:
        return list(self._items)


class MessagePickModel(QAbstractListModel):
    """Chat messages with a check box each, to pick as evidence."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._messages: list[Message] = []
        self._checked: set[int] = set()
        self._nick = ""

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._messages)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._messages):
            return None
        m = self._messages[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            who = self._nick if m.sender is Sender.CUSTOMER and self._nick else sender_label(m.sender)
            return f"{m.created_at:%m-%d %H:%M} {who}：{m.text}"
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if m.id in self._checked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.UserRole:
            return m.id
        return None

    def setData(self, index: AnyIndex, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.CheckStateRole:
            return False
        m = self._messages[index.row()]
        checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2)
        if checked:
            self._checked.add(m.id)
        else:
            self._checked.discard(m.id)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        return True

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable

    def set_messages(self, messages: Sequence[Message], nick: str = "") -> None:
        self.beginResetModel()
        self._messages = [m for m in messages if m.sender is not Sender.SYSTEM]
        self._checked = set()
        self._nick = nick
        self.endResetModel()

    def check_customer_messages(self) -> None:
        """Tick everything the customer said (the usual evidence)."""
        for row, m in enumerate(self._messages):
            if m.sender is Sender.CUSTOMER:
                self.setData(self.index(row), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)

    def checked_ids(self) -> list[int]:
        return [m.id for m in self._messages if m.id in self._checked]


def review_summary_line(case: Case) -> str:
    d = case.details
    if not isinstance(d, ReviewDetails):
        return case.summary
    parts = [rating_label(d.rating), case.customer_nick, d.product_spec]
    return " · ".join(p for p in parts if p)


def amount_text(cents: int) -> str:
    return money(cents) if cents else ""


def rating_color(rating: Rating) -> str:
    return RATING_COLORS[rating]
