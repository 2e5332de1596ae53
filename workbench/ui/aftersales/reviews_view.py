"""评价管理: the reviews list (好 / 中 / 差, photos, long text, risk) beside the review's case file."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.aftersales import Case, CaseKind, CaseState, Rating, ReviewDetails, states_of
from workbench.services.aftersales import AftersalesService
from workbench.services.reviews import ReviewService, ReviewStats
from workbench.ui.aftersales.case_file import CaseFileView
from workbench.ui.aftersales.models import CaseRoles, ReviewListModel, stamp
from workbench.ui.aftersales.texts import RATING_COLORS, rating_label, state_color, state_label
from workbench.ui.tasks import Tasks
from workbench.ui.theme import colour, scope
from workbench.ui.widgets.guard import while_alive
from workbench.ui.widgets.pill import paint_pill, pill_size
from workbench.ui.widgets.style import adjusted_font

AnyIndex = QModelIndex | QPersistentModelIndex
SEARCH_DELAY_MS = 250


class ReviewDelegate(QStyledItemDelegate):
    """Rating pill, nick and time; two lines of the review; state pill, photos and the risk mark."""

    PAD = 10

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        fm = QFontMetrics(option.font)
        return QSize(max(option.rect.width(), 200), self.PAD * 2 + fm.height() * 3 + 10)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        case = index.data(CaseRoles.CASE)
        if not isinstance(case, Case) or not isinstance(case.details, ReviewDetails):
            return
        d = case.details
        rect = QRect(option.rect)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(rect, colour("surface"))
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, colour("accent_soft"))
            painter.fillRect(QRect(rect.left(), rect.top(), 3, rect.height()), colour("accent"))
        painter.setPen(colour("divider"))
        painter.drawLine(rect.left() + self.PAD, rect.bottom(), rect.right() - self.PAD, rect.bottom())
        inner = rect.adjusted(self.PAD, self.PAD, -self.PAD, -self.PAD)
        font = QFont(option.font)
        small = adjusted_font(font, -1)
        bold = adjusted_font(font, 0, bold=True)
        fm = QFontMetrics(font)
        line = fm.height()

        # line 1: rating, nick, time … state
        rating = rating_label(d.rating)
        rw, rh = pill_size(rating, small)
        paint_pill(
            painter, QRect(inner.left(), inner.top() + (line - rh) // 2, rw, rh), rating, RATING_COLORS[d.rating], small
        )
        state = state_label(case.state)
        sw, sh = pill_size(state, small)
        state_rect = QRect(inner.right() - sw + 1, inner.top() + (line - sh) // 2, sw, sh)
        paint_pill(painter, state_rect, state, state_color(case.state), small)
        x = inner.left() + rw + 8
        painter.setFont(bold)
        painter.setPen(colour("text"))
        nick_w = max(0, state_rect.left() - x - 8 - QFontMetrics(small).horizontalAdvance("0000-00-00 00:00") - 8)
        nick = QFontMetrics(bold).elidedText(case.customer_nick, Qt.TextElideMode.ElideRight, nick_w)
        painter.drawText(QRect(x, inner.top(), nick_w, line), Qt.AlignmentFlag.AlignVCenter, nick)
        painter.setFont(small)
        painter.setPen(colour("text_muted"))
        time_x = x + QFontMetrics(bold).horizontalAdvance(nick) + 8
        painter.drawText(
            QRect(time_x, inner.top(), max(0, state_rect.left() - time_x - 6), line),
            Qt.AlignmentFlag.AlignVCenter,
            stamp(case.created_at),
        )

        # marks for the bottom right: photos, the agent's flag, the risk score
        marks = []
        if d.images:
            marks.append((QCoreApplication.translate("Reviews", "晒图 {n}").format(n=d.images), colour("text_muted")))
        if case.flagged:
            marks.append((QCoreApplication.translate("Reviews", "⚑ 客服已标记"), colour("danger_strong")))
        if case.risk_score >= 30:
            marks.append(
                (
                    QCoreApplication.translate("Reviews", "风险 {score}").format(score=case.risk_score),
                    colour("warning" if case.risk_score < 60 else "danger_strong"),
                )
            )
        small_fm = QFontMetrics(small)
        marks_width = sum(small_fm.horizontalAdvance(t) + 8 for t, _c in marks)

        # lines 2–3: the review (the last line leaves room for the marks)
        painter.setFont(font)
        painter.setPen(colour("text_secondary"))
        text_rect = QRect(inner.left(), inner.top() + line + 4, inner.width(), line * 2)
        elided = _two_lines(d.text, fm, inner.width(), max(inner.width() - marks_width, 40))
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, elided)

        painter.setFont(small)
        mx = inner.right()
        y = inner.bottom() - small_fm.height()
        for text, color in reversed(marks):
            w = small_fm.horizontalAdvance(text)
            painter.setPen(color)
            painter.drawText(QRect(mx - w, y, w, small_fm.height()), Qt.AlignmentFlag.AlignRight, text)
            mx -= w + 8
        painter.restore()


def _two_lines(text: str, fm: QFontMetrics, width: int, last_width: int) -> str:
    """`text` broken into at most two lines of `width`, the second elided to `last_width`."""
    text = " ".join(text.split())
    first = ""
    for i in range(1, len(text) + 1):
        if fm.horizontalAdvance(text[:i]) > width:
            break
        first = text[:i]
    rest = text[len(first) :]
    if not rest:
        return first
    return first + "\n" + fm.elidedText(rest, Qt.TextElideMode.ElideRight, last_width)


class ReviewsView(QWidget):
    """Reviews filtered by rating, state and words; the chosen one opens in a case file."""

    listed = Signal(int)
    """The review list is on screen; carries how many reviews it shows."""

    def __init__(
        self,
        tasks: Tasks,
        service: AftersalesService,
        reviews: ReviewService,
        actor: str,
        shop_name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._service = service
        self._reviews = reviews
        self._generation = 0
        self._keep = 0
        self.setObjectName("sidebarPage")
        scope(self, "sidebar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        left = QWidget()
        left.setObjectName("reviewList")
        column = QVBoxLayout(left)
        column.setContentsMargins(12, 12, 12, 0)
        column.setSpacing(8)
        self.stats_label = QLabel()
        self.stats_label.setObjectName("secondary")
        self.stats_label.setWordWrap(True)
        column.addWidget(self.stats_label)
        filters = QHBoxLayout()
        filters.setSpacing(6)
        self.rating_combo = QComboBox()
        self.rating_combo.addItem(self.tr("全部评价"), "")
        for rating in Rating:
            self.rating_combo.addItem(rating_label(rating), rating.value)
        self.state_combo = QComboBox()
        self.state_combo.addItem(self.tr("全部状态"), "")
        for state in states_of(CaseKind.REVIEW):
            self.state_combo.addItem(state_label(state), state.value)
        filters.addWidget(self.rating_combo)
        filters.addWidget(self.state_combo)
        column.addLayout(filters)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("搜索买家、评价内容、订单号"))
        self.search_edit.setClearButtonEnabled(True)
        column.addWidget(self.search_edit)
        self.model = ReviewListModel(parent=self)
        self.list_view = QListView()
        self.list_view.setModel(self.model)
        self.list_view.setItemDelegate(ReviewDelegate(self.list_view))
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list_view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list_view.setUniformItemSizes(True)
        self.list_view.setAccessibleName(self.tr("评价列表"))
        self.list_view.selectionModel().currentChanged.connect(self._on_current)
        column.addWidget(self.list_view, 1)
        self.empty_label = QLabel(self.tr("没有符合条件的评价"))
        self.empty_label.setObjectName("muted")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.hide()
        # takes the list's place when nothing matches (under the list it was cut off by the window's edge)
        column.addWidget(self.empty_label, 1)
        split.addWidget(left)
        self.case_file = CaseFileView(tasks, service, reviews, actor, shop_name)
        self.case_file.case_changed.connect(self._on_changed)
        self.placeholder = QLabel(self.tr("选择一条评价查看详情、回复和处理"))
        self.placeholder.setObjectName("muted")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        right = QWidget()
        right.setObjectName("sidebarPage")
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.placeholder)
        right_layout.addWidget(self.case_file)
        self.case_file.hide()
        split.addWidget(right)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([400, 1000])
        layout.addWidget(split)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        self.search_edit.textChanged.connect(lambda _t: self._timer.start())
        self.rating_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.state_combo.currentIndexChanged.connect(lambda _i: self.refresh())

    def refresh(self) -> None:
        self._generation += 1
        generation = self._generation
        rating = Rating(self.rating_combo.currentData()) if self.rating_combo.currentData() else None
        state = CaseState(self.state_combo.currentData()) if self.state_combo.currentData() else None
        query, reviews = self.search_edit.text(), self._reviews

        def job() -> tuple[list[Case], ReviewStats]:
            return reviews.find(rating, state, query), reviews.stats()

        self._tasks.read(job, while_alive(self, lambda result: self._on_list(generation, *result)))

    def _on_list(self, generation: int, cases: list[Case], stats: ReviewStats) -> None:
        if generation != self._generation:
            return
        keep = self.current_id() or self._keep
        self.model.set_cases(cases)
        self.empty_label.setVisible(not cases)
        self.list_view.setVisible(bool(cases))
        self.stats_label.setText(
            self.tr("好评率 {rate:.1f}% · 好评 {good} · 中评 {neutral} · 差评 {bad} · 待处理 {pending}").format(
                rate=stats.good_rate * 100, good=stats.good, neutral=stats.neutral, bad=stats.bad, pending=stats.pending
            )
        )
        row = self.model.row_of(keep) if keep else -1
        if row >= 0:
            self.list_view.setCurrentIndex(self.model.index(row))
        self.listed.emit(len(cases))

    def current_id(self) -> int:
        case = self.model.case_at(self.list_view.currentIndex().row())
        return case.id if case else 0

    def select(self, case_id: int) -> None:
        """Open a review (kept selected when the list refreshes)."""
        self._keep = case_id
        row = self.model.row_of(case_id)
        if row >= 0:
            self.list_view.setCurrentIndex(self.model.index(row))
        else:
            self._open(case_id)

    def _on_current(self, current: AnyIndex, _previous: AnyIndex) -> None:
        case = self.model.case_at(current.row()) if current.isValid() else None
        if case is not None:
            self._open(case.id)

    def _open(self, case_id: int) -> None:
        self._keep = case_id
        self.placeholder.hide()
        self.case_file.show()
        self.case_file.show_case(case_id)

    def _on_changed(self, case: Case) -> None:
        self.model.replace_case(case)
        self.refresh()
