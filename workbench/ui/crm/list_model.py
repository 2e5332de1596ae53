"""The customer list (客户列表) and the follow-up list (回访) as paged table models."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import IntEnum
from typing import Any, Protocol

from PySide6.QtCore import QByteArray, QCoreApplication, QObject, Qt
from PySide6.QtGui import QColor

from workbench.domain.crm import (
    CustomerFilter,
    CustomerListItem,
    FollowUp,
    FollowUpStatus,
    FollowUpView,
    SortKey,
)
from workbench.domain.orders import format_yuan
from workbench.ui.crm.labels import (
    SEGMENT_COLORS,
    crm_error_text,
    level_label,
    outcome_label,
    segment_label,
    source_kind_label,
    source_label,
    status_label,
)
from workbench.ui.crm.paged_model import PagedTableModel
from workbench.ui.tasks import Tasks
from workbench.ui.theme import colour


class CustomerSource(Protocol):
    def count(self, customer_filter: CustomerFilter, sort: SortKey = ...) -> int: ...

    def page(
        self, customer_filter: CustomerFilter, sort: SortKey, descending: bool, offset: int, limit: int
    ) -> list[CustomerListItem]: ...


class CustomerRoles(IntEnum):
    ITEM = Qt.ItemDataRole.UserRole + 1  # the CustomerListItem
    CUSTOMER_ID = Qt.ItemDataRole.UserRole + 2
    TAGS = Qt.ItemDataRole.UserRole + 3  # tuple[TagRef, ...]
    SEGMENT = Qt.ItemDataRole.UserRole + 4  # Segment
    SORT_KEY = Qt.ItemDataRole.UserRole + 5  # the column's SortKey, or None when it cannot sort


class Col(IntEnum):
    CUSTOMER = 0
    PHONE = 1
    LEVEL = 2
    SEGMENT = 3
    TAGS = 4
    ORDERS = 5
    SPENT = 6
    LAST_ORDER = 7
    SOURCE = 8


SORTABLE: dict[Col, SortKey] = {
    Col.CUSTOMER: SortKey.NICK,
    Col.ORDERS: SortKey.ORDERS,
    Col.SPENT: SortKey.SPENT,
    Col.LAST_ORDER: SortKey.LAST_ORDER,
}


def customer_headers() -> list[str]:
    return [
        QCoreApplication.translate("CustomerTableModel", "客户"),
        QCoreApplication.translate("CustomerTableModel", "手机"),
        QCoreApplication.translate("CustomerTableModel", "会员等级"),
        QCoreApplication.translate("CustomerTableModel", "分层"),
        QCoreApplication.translate("CustomerTableModel", "标签"),
        QCoreApplication.translate("CustomerTableModel", "订单数"),
        QCoreApplication.translate("CustomerTableModel", "累计消费"),
        QCoreApplication.translate("CustomerTableModel", "最近购买"),
        QCoreApplication.translate("CustomerTableModel", "来源"),
    ]


class CustomerTableModel(PagedTableModel[CustomerListItem]):
    """Customers matching a filter, sorted in the database, a page at a time. Phones arrive masked."""

    def __init__(self, tasks: Tasks, source: CustomerSource, parent: QObject | None = None) -> None:
        super().__init__(tasks, parent)
        self._source = source
        self.customer_filter = CustomerFilter()
        self.sort_key = SortKey.ID
        self.descending = True
        self._headers = customer_headers()

    def set_query(
        self, customer_filter: CustomerFilter, sort: SortKey | None = None, descending: bool | None = None
    ) -> None:
        self.customer_filter = customer_filter
        if sort is not None:
            self.sort_key = sort
        if descending is not None:
            self.descending = descending
        self.reload()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = SORTABLE.get(Col(column)) if 0 <= column < len(Col) else None
        if key is None:
            return
        self.set_query(self.customer_filter, key, order == Qt.SortOrder.DescendingOrder)

    def sort_column(self) -> int:
        return next((int(c) for c, k in SORTABLE.items() if k is self.sort_key), -1)

    def count_job(self) -> Callable[[], int]:
        source, f, sort = self._source, self.customer_filter, self.sort_key
        return lambda: source.count(f, sort)

    def page_job(self, offset: int, limit: int) -> Callable[[], list[CustomerListItem]]:
        source, f, sort, desc = self._source, self.customer_filter, self.sort_key, self.descending
        return lambda: source.page(f, sort, desc, offset, limit)

    def headers(self) -> Sequence[str]:
        return self._headers

    def error_text(self, exc: BaseException) -> str:
        return crm_error_text(exc)

    def customer_id(self, row: int) -> int | None:
        item = self.item(row)
        return item.id if item is not None else None

    def row_of(self, customer_id: int) -> int:
        return next((row for row, item in self.loaded_items() if item.id == customer_id), -1)

    def cell(self, item: CustomerListItem, column: int, role: int) -> Any:
        col = Col(column)
        st = item.stats
        if role == Qt.ItemDataRole.DisplayRole:
            match col:
                case Col.CUSTOMER:
                    return item.nick
                case Col.PHONE:
                    return item.phone_masked
                case Col.LEVEL:
                    return level_label(item.member_level)
                case Col.SEGMENT:
                    return segment_label(st.segment)
                case Col.TAGS:
                    return "、".join(t.name for t in item.tags)
                case Col.ORDERS:
                    return str(st.order_count)
                case Col.SPENT:
                    return format_yuan(st.total_cents)
                case Col.LAST_ORDER:
                    return f"{st.last_order_at:%Y-%m-%d}" if st.last_order_at else "—"
                case Col.SOURCE:
                    return source_label(item.traffic_source)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col is Col.CUSTOMER:
                parts = [item.nick, item.name, item.credit_level, "88VIP" if item.is_88vip else ""]
                return " · ".join(p for p in parts if p)
            if col is Col.TAGS and item.tags:
                return "、".join(t.name for t in item.tags)
            if col is Col.SEGMENT:
                return QCoreApplication.translate("CustomerTableModel", "R{r} F{f} M{m}").format(r=st.r, f=st.f, m=st.m)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (Col.ORDERS, Col.SPENT):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and col is Col.SEGMENT:
            return QColor(SEGMENT_COLORS[st.segment])
        if role == CustomerRoles.ITEM:
            return item
        if role == CustomerRoles.CUSTOMER_ID:
            return item.id
        if role == CustomerRoles.TAGS:
            return item.tags
        if role == CustomerRoles.SEGMENT:
            return st.segment
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{item.nick} {item.phone_masked} {segment_label(st.segment)}"
        return None

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        names.update(
            {
                CustomerRoles.ITEM: QByteArray(b"item"),
                CustomerRoles.CUSTOMER_ID: QByteArray(b"customerId"),
                CustomerRoles.TAGS: QByteArray(b"tags"),
                CustomerRoles.SEGMENT: QByteArray(b"segment"),
            }
        )
        return names


# ------------------------------------------------------------------------------------------ follow-ups


class FollowUpSourceLike(Protocol):
    def count(self, view: FollowUpView) -> int: ...

    def page(self, view: FollowUpView, offset: int, limit: int) -> list[FollowUp]: ...


class FollowUpRoles(IntEnum):
    FOLLOWUP = Qt.ItemDataRole.UserRole + 1
    FOLLOWUP_ID = Qt.ItemDataRole.UserRole + 2


def followup_headers() -> list[str]:
    return [
        QCoreApplication.translate("FollowUpTableModel", "应回访"),
        QCoreApplication.translate("FollowUpTableModel", "客户"),
        QCoreApplication.translate("FollowUpTableModel", "手机"),
        QCoreApplication.translate("FollowUpTableModel", "原因"),
        QCoreApplication.translate("FollowUpTableModel", "订单"),
        QCoreApplication.translate("FollowUpTableModel", "状态"),
        QCoreApplication.translate("FollowUpTableModel", "结果"),
        QCoreApplication.translate("FollowUpTableModel", "来源"),
    ]


class FollowUpTableModel(PagedTableModel[FollowUp]):
    """Follow-ups of one view (due today, overdue, …), a page at a time."""

    def __init__(
        self, tasks: Tasks, source: FollowUpSourceLike, now: Callable[[], Any], parent: QObject | None = None
    ) -> None:
        super().__init__(tasks, parent)
        self._source = source
        self._now = now
        self.view = FollowUpView.DUE
        self._headers = followup_headers()

    def set_view(self, view: FollowUpView) -> None:
        self.view = view
        self.reload()

    def count_job(self) -> Callable[[], int]:
        source, view = self._source, self.view
        return lambda: source.count(view)

    def page_job(self, offset: int, limit: int) -> Callable[[], list[FollowUp]]:
        source, view = self._source, self.view
        return lambda: source.page(view, offset, limit)

    def headers(self) -> Sequence[str]:
        return self._headers

    def error_text(self, exc: BaseException) -> str:
        return crm_error_text(exc)

    def cell(self, item: FollowUp, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            match column:
                case 0:
                    return f"{item.due_at:%Y-%m-%d}"
                case 1:
                    return item.customer_nick
                case 2:
                    return item.phone_masked
                case 3:
                    return item.reason
                case 4:
                    return item.order_no or "—"
                case 5:
                    if item.is_overdue(self._now()):
                        return QCoreApplication.translate("FollowUpTableModel", "已逾期")
                    return status_label(item.status)
                case 6:
                    return outcome_label(item.outcome) if item.outcome else ""
                case 7:
                    return source_kind_label(item.source)
        if role == Qt.ItemDataRole.ForegroundRole and column == 5:
            if item.is_overdue(self._now()):
                return colour("danger")
            if item.status is FollowUpStatus.DONE:
                return colour("success_text")
        if role == Qt.ItemDataRole.ToolTipRole and column in (3, 6):
            return item.message or item.outcome_note or item.reason
        if role == FollowUpRoles.FOLLOWUP:
            return item
        if role == FollowUpRoles.FOLLOWUP_ID:
            return item.id
        return None

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        names.update(
            {FollowUpRoles.FOLLOWUP: QByteArray(b"followup"), FollowUpRoles.FOLLOWUP_ID: QByteArray(b"followupId")}
        )
        return names
