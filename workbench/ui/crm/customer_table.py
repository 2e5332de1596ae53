"""The customer table: nick with marks, masked phone, level, segment pill, tag chips, statistics."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from workbench.domain.crm import CustomerListItem
from workbench.ui.crm.labels import SEGMENT_COLORS, level_color, level_label, segment_label
from workbench.ui.crm.list_model import Col, CustomerRoles
from workbench.ui.customers.credit import parse_credit
from workbench.ui.theme import colour, hex_colour
from workbench.ui.widgets.pill import paint_pill, pill_size
from workbench.ui.widgets.style import adjusted_font

AnyIndex = QModelIndex | QPersistentModelIndex
ROW_HEIGHT = 44
CHIP_GAP = 4


class CustomerDelegate(QStyledItemDelegate):
    """Draws the richer columns; the others fall back to plain text."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        item = index.data(CustomerRoles.ITEM)
        col = index.column()
        if not isinstance(item, CustomerListItem) or col not in (Col.CUSTOMER, Col.LEVEL, Col.SEGMENT, Col.TAGS):
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        rect = option.rect.adjusted(8, 0, -6, 0)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if col == Col.CUSTOMER:
            self._customer(painter, rect, opt, item)
        elif col == Col.LEVEL:
            text = level_label(item.member_level)
            self._pill(painter, rect, text, level_color(item.member_level), opt)
        elif col == Col.SEGMENT:
            seg = item.stats.segment
            self._pill(painter, rect, segment_label(seg), SEGMENT_COLORS[seg], opt)
        else:
            self._tags(painter, rect, opt, item)
        painter.restore()

    def _pill(self, painter: QPainter, rect: QRect, text: str, color: str, opt: QStyleOptionViewItem) -> None:
        font = adjusted_font(opt.font, -1)
        w, h = pill_size(text, font)
        w = min(w, rect.width())
        paint_pill(painter, QRect(rect.left(), rect.center().y() - h // 2, w, h), text, color, font)

    def _customer(self, painter: QPainter, rect: QRect, opt: QStyleOptionViewItem, item: CustomerListItem) -> None:
        bold = adjusted_font(opt.font, 0, bold=True)
        small = adjusted_font(opt.font, -1.5)
        fm_bold, fm_small = QFontMetrics(bold), QFontMetrics(small)
        top = rect.center().y() - (fm_bold.height() + fm_small.height()) // 2
        marks = []
        credit = parse_credit(item.credit_level)
        if credit is not None:
            marks.append((credit.glyphs, credit.color))
        if item.is_88vip:
            marks.append(("88VIP", hex_colour("vip_mark")))
        marks_w = sum(fm_small.horizontalAdvance(m) + 6 for m, _ in marks)
        nick = fm_bold.elidedText(item.nick, Qt.TextElideMode.ElideRight, max(rect.width() - marks_w, 20))
        painter.setFont(bold)
        painter.setPen(colour("text"))
        painter.drawText(QRect(rect.left(), top, rect.width(), fm_bold.height()), Qt.AlignmentFlag.AlignLeft, nick)
        x = rect.left() + fm_bold.horizontalAdvance(nick) + 6
        painter.setFont(small)
        for text, color in marks:
            painter.setPen(QColor(color))
            painter.drawText(QRect(x, top + 1, rect.right() - x, fm_bold.height()), Qt.AlignmentFlag.AlignLeft, text)
            x += fm_small.horizontalAdvance(text) + 6
        painter.setPen(colour("text_muted"))
        detail = " · ".join(p for p in (item.name, item.city) if p)
        painter.drawText(
            QRect(rect.left(), top + fm_bold.height(), rect.width(), fm_small.height()),
            Qt.AlignmentFlag.AlignLeft,
            fm_small.elidedText(detail, Qt.TextElideMode.ElideRight, rect.width()),
        )

    def _tags(self, painter: QPainter, rect: QRect, opt: QStyleOptionViewItem, item: CustomerListItem) -> None:
        font = adjusted_font(opt.font, -1)
        x = rect.left()
        shown = 0
        for tag in item.tags:
            w, h = pill_size(tag.name, font)
            more = len(item.tags) - shown - 1
            reserve = pill_size(f"+{more}", font)[0] + CHIP_GAP if more else 0
            if x + w + reserve > rect.right():
                break
            paint_pill(painter, QRect(x, rect.center().y() - h // 2, w, h), tag.name, tag.color, font)
            x += w + CHIP_GAP
            shown += 1
        rest = len(item.tags) - shown
        if rest:
            text = f"+{rest}"
            w, h = pill_size(text, font)
            paint_pill(painter, QRect(x, rect.center().y() - h // 2, w, h), text, hex_colour("neutral"), font)

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(hint.width(), ROW_HEIGHT)


class CustomerTable(QTableView):
    """Extended selection (click, Shift, Ctrl), fixed row height, sortable columns chosen by the model."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("customerTable")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setItemDelegate(CustomerDelegate(self))
        self.setShowGrid(False)
        self.setAlternatingRowColors(False)
        self.setWordWrap(False)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalHeader().hide()
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setMinimumSectionSize(48)

    def apply_widths(self, *, compact: bool = False) -> None:
        """Column widths; ``compact`` (the profile is open beside the list) hides the source column."""
        widths = {
            Col.CUSTOMER: 156 if compact else 180,
            Col.PHONE: 104,
            Col.LEVEL: 72,
            Col.SEGMENT: 76,
            Col.TAGS: 140 if compact else 210,
            Col.ORDERS: 56,
            Col.SPENT: 96,
            Col.LAST_ORDER: 96,
            Col.SOURCE: 84,
        }
        for col, width in widths.items():
            self.setColumnWidth(int(col), width)
        self.setColumnHidden(int(Col.SOURCE), compact)
        self.horizontalHeader().setStretchLastSection(True)
