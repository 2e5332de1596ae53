"""The after-sales desk (售后): cases of every kind — search, filter, case files, the request, complaint
and dispute forms — and review management. The chat window opens forms here and receives texts.

Each form is built the first time it is opened (its page of the stack holds a placeholder until
then): building all three with the page made its first opening take about a quarter of a second."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.aftersales import SERVICE_KINDS, Case, CaseKind, CaseState, states_of
from workbench.domain.complaints import Reminder
from workbench.domain.conversations import Message
from workbench.services.aftersales import AftersalesService, CaseFilter, CasePage
from workbench.services.reviews import ReviewService
from workbench.services.workspace import Workspace
from workbench.ui.aftersales.case_file import CaseFileView
from workbench.ui.aftersales.case_form import CaseForm
from workbench.ui.aftersales.models import CaseTableModel, stamp
from workbench.ui.aftersales.reviews_view import ReviewsView
from workbench.ui.aftersales.texts import aftersales_error_text, kind_label, reminder_text, state_label
from workbench.ui.tasks import Tasks
from workbench.ui.theme import scope
from workbench.ui.widgets.guard import while_alive

if TYPE_CHECKING:
    from workbench.ui.aftersales.complaint_form import ComplaintFormView
    from workbench.ui.aftersales.dispute_form import DisputeFormView
    from workbench.ui.aftersales.service_form import ServiceForm

SEARCH_DELAY_MS = 250
PAGE_SIZE = 200
REMINDER_REFRESH_MS = 60_000


class _ReminderButton(QPushButton):
    """The reminder line: elided to the width it gets (full text in the tooltip), so a long line does
    not make the case list so wide that the forms beside it no longer fit a 1024-pixel screen."""

    def __init__(self, hint: str) -> None:
        super().__init__()
        self._full = ""
        self._hint = hint
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(f"{text}\n{self._hint}")
        self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        room = self.contentsRect().width() - 2 * self.fontMetrics().averageCharWidth()
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, max(room, 0)))


class AftersalesPage(QWidget):
    """售后 page: the case list and case files, the forms, and 评价管理.

    Public methods for the chat window: `open_new_case`, `open_complaint`, `show_cases_of`.
    """

    send_text_requested = Signal(int, str)
    """Send this text into the chat with the customer: conversation id, text (return address,
    progress). Connected by the main window to the chat."""

    case_opened = Signal(int)
    """A case file is on screen; carries the case id."""

    case_saved = Signal(int)
    """A case was opened or changed here; carries the case id."""

    cases_listed = Signal(int)
    """The case list shows the current filter; carries how many cases match."""

    reminders_changed = Signal(int)
    """Deadlines or follow-ups due within a day (or overdue); carries how many."""

    PAGE_EMPTY, PAGE_CASE, PAGE_SERVICE, PAGE_COMPLAINT, PAGE_DISPUTE = range(5)

    def __init__(
        self,
        tasks: Tasks,
        workspace: Workspace,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._workspace = workspace
        self.service: AftersalesService = workspace.aftersales
        self.reviews: ReviewService = workspace.reviews
        self._actor = workspace.agent.display_name
        self._customer_id: int | None = None
        self._generation = 0
        self._reminders: list[Reminder] = []
        self.setObjectName("aftersalesPage")
        scope(self, "sidebar", "aftersales")
        self._build()
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.refresh)
        self._reminder_timer = QTimer(self)
        self._reminder_timer.setInterval(REMINDER_REFRESH_MS)
        self._reminder_timer.timeout.connect(self.refresh_reminders)
        self._reminder_timer.start()
        self.refresh()
        self.refresh_reminders()

    # -- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        layout.addWidget(self.tabs)
        cases = QWidget()
        cases.setObjectName("sidebarPage")
        self.tabs.addTab(cases, self.tr("售后工单"))
        shop = self._workspace.shop.name
        self.reviews_view = ReviewsView(self._tasks, self.service, self.reviews, self._actor, shop)
        self.reviews_view.case_file.send_text_requested.connect(self.send_text_requested)
        self.tabs.addTab(self.reviews_view, self.tr("评价管理"))
        self.tabs.currentChanged.connect(self._on_tab)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        row = QHBoxLayout(cases)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(split)

        pane = QWidget()
        pane.setObjectName("listPane")
        column = QVBoxLayout(pane)
        column.setContentsMargins(12, 12, 12, 0)
        column.setSpacing(8)
        self.reminder_label = _ReminderButton(self.tr("点击打开最早到期的工单"))
        self.reminder_label.setObjectName("reminders")
        self.reminder_label.setCursor(Qt.CursorShape.PointingHandCursor)
        self.reminder_label.clicked.connect(self._open_first_reminder)
        self.reminder_label.hide()
        column.addWidget(self.reminder_label)
        search_row = QHBoxLayout()
        search_row.setSpacing(6)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("搜索单号、客户、订单号、内容"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textChanged.connect(lambda _t: self._search_timer.start())
        search_row.addWidget(self.search_edit, 1)
        self.new_button = QToolButton()
        self.new_button.setText(self.tr("新建 ▾"))
        self.new_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.new_button.setObjectName("newCase")
        menu = QMenu(self.new_button)
        for kind in (*SERVICE_KINDS, CaseKind.COMPLAINT, CaseKind.DISPUTE):
            action = menu.addAction(kind_label(kind))
            action.triggered.connect(lambda _c=False, k=kind: self.open_new_case(k.value, 0, None, None))
        self.new_button.setMenu(menu)
        search_row.addWidget(self.new_button)
        column.addLayout(search_row)
        filters = QHBoxLayout()
        filters.setSpacing(6)
        self.kind_combo = QComboBox()
        self.kind_combo.addItem(self.tr("全部类型"), "")
        for kind in CaseKind:
            if kind is not CaseKind.REVIEW:
                self.kind_combo.addItem(kind_label(kind), kind.value)
        self.kind_combo.currentIndexChanged.connect(self._on_kind_filter)
        self.state_combo = QComboBox()
        self.state_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.open_check = QCheckBox(self.tr("只看未完结"))
        self.open_check.toggled.connect(lambda _on: self.refresh())
        filters.addWidget(self.kind_combo)
        filters.addWidget(self.state_combo, 1)
        filters.addWidget(self.open_check)
        column.addLayout(filters)
        chip_row = QHBoxLayout()
        self.customer_chip = QLabel()
        self.customer_chip.setObjectName("customerChip")
        self.clear_customer_button = QPushButton(self.tr("× 全部客户"))
        self.clear_customer_button.setObjectName("link")
        self.clear_customer_button.clicked.connect(lambda: self.show_cases_of(None))
        chip_row.addWidget(self.customer_chip)
        chip_row.addWidget(self.clear_customer_button)
        chip_row.addStretch(1)
        self.chip_holder = QWidget()
        self.chip_holder.setLayout(chip_row)
        chip_row.setContentsMargins(0, 0, 0, 0)
        self.chip_holder.hide()
        column.addWidget(self.chip_holder)

        self.model = CaseTableModel(self._workspace.clock, self)
        self.model.more_requested.connect(self._load_more)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 14)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        widths = (108, 48, 110, 0, 84, 0, 0)
        for column_index, width in enumerate(widths):
            if width:
                self.table.setColumnWidth(column_index, width)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnHidden(3, True)  # order numbers: searchable, shown in the case file
        self.table.setColumnHidden(6, True)
        self.table.setAccessibleName(self.tr("售后工单列表"))
        self.table.selectionModel().currentRowChanged.connect(self._on_row)
        column.addWidget(self.table, 1)
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")
        self.count_label.setContentsMargins(0, 4, 0, 8)
        column.addWidget(self.count_label)
        split.addWidget(pane)

        self.stack = QStackedWidget()
        empty = QLabel(self.tr("选择一个工单查看详情，或点「新建」登记售后、投诉和纠纷。"))
        empty.setObjectName("muted")
        empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        empty.setWordWrap(True)
        self.stack.addWidget(empty)
        self.case_file = CaseFileView(self._tasks, self.service, self.reviews, self._actor, shop)
        self.case_file.case_changed.connect(self._on_case_changed)
        self.case_file.case_loaded.connect(lambda file: self.case_opened.emit(file.case.id))
        self.case_file.edit_requested.connect(self._edit_case)
        self.case_file.send_text_requested.connect(self.send_text_requested)
        self.stack.addWidget(self.case_file)
        self._forms: dict[int, CaseForm] = {}
        for _ in (self.PAGE_SERVICE, self.PAGE_COMPLAINT, self.PAGE_DISPUTE):
            self.stack.addWidget(QWidget())  # the form's place, until it is first opened
        split.addWidget(self.stack)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([460, 1000])
        self._on_kind_filter(0)

    @property
    def service_form(self) -> ServiceForm:
        """The 退货 / 换货 / 退款 / 维修 form."""
        from workbench.ui.aftersales.service_form import ServiceForm

        form = self._form(self.PAGE_SERVICE, lambda: ServiceForm(self._tasks, self.service, self._actor))
        assert isinstance(form, ServiceForm)
        return form

    @property
    def complaint_form(self) -> ComplaintFormView:
        """The 投诉 form."""
        from workbench.ui.aftersales.complaint_form import ComplaintFormView

        form = self._form(self.PAGE_COMPLAINT, lambda: ComplaintFormView(self._tasks, self.service, self._actor))
        assert isinstance(form, ComplaintFormView)
        return form

    @property
    def dispute_form(self) -> DisputeFormView:
        """The 纠纷 form."""
        from workbench.ui.aftersales.dispute_form import DisputeFormView

        form = self._form(self.PAGE_DISPUTE, lambda: DisputeFormView(self._tasks, self.service, self._actor))
        assert isinstance(form, DisputeFormView)
        return form

    def _form(self, index: int, make: Callable[[], CaseForm]) -> CaseForm:
        """The form at page `index` of the stack, built and put in its placeholder's place if new."""
        form = self._forms.get(index)
        if form is None:
            form = self._forms[index] = make()
            form.submitted.connect(self._on_submitted)
            form.cancelled.connect(self._back_to_case)
            form.buyer_found.connect(lambda customer_id, f=form: self._show_buyer(f, customer_id))
            placeholder = self.stack.widget(index)
            assert placeholder is not None
            self.stack.insertWidget(index, form)
            self.stack.removeWidget(placeholder)
            placeholder.deleteLater()
        return form

    # -- public API for the chat window -------------------------------------------------------------

    def open_new_case(self, kind: str, customer_id: int, order_no: str | None, conversation_id: int | None) -> None:
        """Open the form for a new 退货/换货/退款/维修 (or 投诉/纠纷) for a customer, an order, a chat."""
        case_kind = CaseKind(kind)
        if case_kind is CaseKind.COMPLAINT:
            self.open_complaint(customer_id, order_no, conversation_id)
            return
        self.tabs.setCurrentIndex(0)
        if case_kind is CaseKind.DISPUTE:

            def start(nick: str, messages: list[Message]) -> None:
                chat = conversation_id or _chat_of(messages)
                self._start_dispute(customer_id, nick, order_no or "", chat, messages)

            self._with_context(customer_id, conversation_id, start)
            return
        if case_kind not in SERVICE_KINDS:
            raise ValueError(f"not a case kind that opens a form: {kind}")
        self.stack.setCurrentWidget(self.service_form)
        self.service_form.start(case_kind, customer_id, "", order_no or "", conversation_id)
        if customer_id:
            self._with_context(
                customer_id,
                None,
                lambda nick, _m: self.service_form.customer_label.setText(self.tr("客户：{nick}").format(nick=nick)),
                chat=False,
            )

    def open_complaint(self, customer_id: int, order_no: str | None, conversation_id: int | None) -> None:
        """Open the complaint form; the chat's messages are offered as evidence."""
        self.tabs.setCurrentIndex(0)
        self.stack.setCurrentWidget(self.complaint_form)
        self._with_context(
            customer_id,
            conversation_id,
            lambda nick, messages: self.complaint_form.start(
                customer_id, nick, order_no or "", conversation_id or _chat_of(messages), tuple(messages)
            ),
        )

    def show_cases_of(self, customer_id: int | None) -> None:
        """List one customer's cases (None: everyone's again)."""
        self.tabs.setCurrentIndex(0)
        self._customer_id = customer_id
        self.chip_holder.setVisible(customer_id is not None)
        if customer_id is not None:
            self.customer_chip.setText(self.tr("客户 #{id}").format(id=customer_id))
            self._with_context(
                customer_id,
                None,
                lambda nick, _m: self.customer_chip.setText(self.tr("客户：{nick}").format(nick=nick)),
                chat=False,
            )
        self.refresh()

    def open_case(self, case_id: int) -> None:
        """Show a case file (selecting its row when it is in the list)."""
        self.tabs.setCurrentIndex(0)
        row = self.model.row_of(case_id)
        if row >= 0:
            self.table.selectionModel().blockSignals(True)
            self.table.selectRow(row)
            self.table.selectionModel().blockSignals(False)
        self.stack.setCurrentIndex(self.PAGE_CASE)
        self.case_file.show_case(case_id)

    def case_filter(self) -> CaseFilter:
        kind = self.kind_combo.currentData()
        state = self.state_combo.currentData()
        return CaseFilter(
            query=self.search_edit.text(),
            kinds=(CaseKind(kind),) if kind else tuple(k for k in CaseKind if k is not CaseKind.REVIEW),
            states=(CaseState(state),) if state else (),
            customer_id=self._customer_id,
            open_only=self.open_check.isChecked(),
        )

    def refresh(self) -> None:
        """Reload the case list for the current filter (in the background)."""
        self._generation += 1
        generation = self._generation
        f, service = self.case_filter(), self.service
        self._tasks.read(
            lambda: service.search(f, limit=PAGE_SIZE),
            while_alive(self, lambda page: self._on_page(generation, page)),
            while_alive(self, self._on_failed),
        )

    def reminders(self) -> list[Reminder]:
        """The deadlines and follow-ups shown at the top (due within a day or overdue)."""
        return list(self._reminders)

    def refresh_reminders(self) -> None:
        service = self.service
        self._tasks.read(service.reminders, while_alive(self, self._on_reminders))

    # -- list ------------------------------------------------------------------------------------

    def _on_page(self, generation: int, page: CasePage) -> None:
        if generation != self._generation:
            return
        shown = self.case_file.case()
        keep = shown.id if shown is not None else 0
        self.model.set_cases(page.cases, page.total)
        self.count_label.setText(self.tr("共 {n} 个工单").format(n=page.total))
        row = self.model.row_of(keep) if keep else -1
        if row >= 0:
            self.table.selectionModel().blockSignals(True)
            self.table.selectRow(row)
            self.table.selectionModel().blockSignals(False)
        self.cases_listed.emit(page.total)

    def _load_more(self, offset: int) -> None:
        f, service, generation = self.case_filter(), self.service, self._generation

        def done(page: CasePage) -> None:
            if generation == self._generation:
                self.model.append(page.cases, offset)

        self._tasks.read(lambda: service.search(f, limit=PAGE_SIZE, offset=offset), while_alive(self, done))

    def _on_failed(self, exc: BaseException) -> None:
        self.count_label.setText(aftersales_error_text(exc))

    def _on_kind_filter(self, _index: int) -> None:
        kind = self.kind_combo.currentData()
        self.state_combo.blockSignals(True)
        self.state_combo.clear()
        self.state_combo.addItem(self.tr("全部状态"), "")
        if kind:
            for state in states_of(CaseKind(kind)):
                self.state_combo.addItem(state_label(state), state.value)
        self.state_combo.setEnabled(bool(kind))
        self.state_combo.blockSignals(False)
        self.refresh()

    def _on_row(self, current: object, _previous: object) -> None:
        index = self.table.currentIndex()
        case = self.model.case_at(index.row()) if index.isValid() else None
        if case is not None:
            self.stack.setCurrentIndex(self.PAGE_CASE)
            self.case_file.show_case(case.id)

    def _on_reminders(self, reminders: list[Reminder]) -> None:
        self._reminders = reminders
        if not reminders:
            self.reminder_label.hide()
        else:
            first = reminders[0]
            overdue = sum(1 for r in reminders if r.overdue)
            text = self.tr("{n} 个时限即将到期或已逾期（逾期 {overdue}）：{no} {label} {time}").format(
                n=len(reminders),
                overdue=overdue,
                no=first.case_no,
                label=reminder_text(first.label),
                time=stamp(first.due_at),
            )
            self.reminder_label.set_full_text(text)
            self.reminder_label.show()
        self.reminders_changed.emit(len(reminders))

    def _open_first_reminder(self) -> None:
        if self._reminders:
            case_id = self._reminders[0].case_id
            self.tabs.setCurrentIndex(0)
            self.stack.setCurrentIndex(self.PAGE_CASE)
            self.case_file.show_case(case_id)

    # -- forms -----------------------------------------------------------------------------------

    def _show_buyer(self, form: CaseForm, customer_id: int) -> None:
        """A form's order lookup found its buyer: their nick (and live chat) reach the form."""
        self._with_context(customer_id, None, lambda nick, messages: form.show_buyer(customer_id, nick, messages))

    def _with_context(
        self,
        customer_id: int,
        conversation_id: int | None,
        then: Callable[[str, list[Message]], None],
        *,
        chat: bool = True,
    ) -> None:
        """Look up the customer's nick and the chat's messages (with `chat` and no chat given: the
        buyer's live one), then call `then(nick, messages)`."""
        ws = self._workspace

        def job() -> tuple[str, list[Message]]:
            nick = ws.customers.profile(customer_id).customer.nick if customer_id else ""
            conv = conversation_id
            if conv is None and customer_id and chat:  # opened from 订单 or 售后: the buyer's live (else latest) chat
                conv = ws.reception.chat_of_customer(customer_id)
            messages = ws.reception.messages(conv) if conv else []
            return nick, messages

        def done(result: tuple[str, list[Message]]) -> None:
            then(*result)

        self._tasks.read(job, while_alive(self, done))

    def _start_dispute(
        self, customer_id: int, nick: str, order_no: str, conversation_id: int | None, messages: list[Message]
    ) -> None:
        self.stack.setCurrentWidget(self.dispute_form)
        self.dispute_form.start(customer_id, nick, order_no, conversation_id, tuple(messages))

    def _edit_case(self, case: Case) -> None:
        if case.kind is CaseKind.COMPLAINT:
            self.stack.setCurrentWidget(self.complaint_form)
            self.complaint_form.edit(case)
        elif case.kind is CaseKind.DISPUTE:
            self.stack.setCurrentWidget(self.dispute_form)
            self.dispute_form.edit(case)

    def _on_submitted(self, case: Case) -> None:
        self.stack.setCurrentIndex(self.PAGE_CASE)
        self.case_file.show_case(case.id)
        self.case_saved.emit(case.id)
        self.refresh()
        self.refresh_reminders()

    def _back_to_case(self) -> None:
        self.stack.setCurrentIndex(self.PAGE_CASE if self.case_file.case() is not None else self.PAGE_EMPTY)

    def _on_case_changed(self, case: Case) -> None:
        self.model.replace_case(case)
        self.case_saved.emit(case.id)
        self.refresh_reminders()

    def _on_tab(self, index: int) -> None:
        if index == 1:
            self.reviews_view.refresh()


def _chat_of(messages: list[Message]) -> int | None:
    """The chat the messages come from (the buyer's live chat a form found by itself), if any."""
    return messages[0].conversation_id if messages else None
