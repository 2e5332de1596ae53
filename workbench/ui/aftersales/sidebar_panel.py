"""The 售后 tab of the reception sidebar: start a 退货 / 换货 / 退款 / 维修 or a 投诉 for the buyer of the
open chat and fill it there (the 售后 page's own forms, in one narrow column), see the buyer's cases and
send a case's return address or progress into the chat, or as a 离线消息 when the buyer has left."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.aftersales import SERVICE_KINDS, Case, CaseKind
from workbench.domain.conversations import Message
from workbench.services.aftersales import CaseFilter
from workbench.services.workspace import Workspace
from workbench.ui.aftersales.texts import kind_label, state_label
from workbench.ui.errors import error_text
from workbench.ui.tasks import Tasks
from workbench.ui.theme import scope
from workbench.ui.widgets.guard import while_alive

if TYPE_CHECKING:
    from workbench.ui.aftersales.case_form import CaseForm
    from workbench.ui.aftersales.complaint_form import ComplaintFormView
    from workbench.ui.aftersales.service_form import ServiceForm

CASE_ID = Qt.ItemDataRole.UserRole + 1
CASES_SHOWN = 50  # a buyer's newest cases in the tab (the 售后 page lists them all)


class AftersalesPanel(QWidget):
    """Reads and writes go through `Tasks`; texts for a live chat go to the composer by a signal."""

    send_text_requested = Signal(int, str)
    """A case's text (return address, progress) for the buyer's open chat: conversation id, text."""

    case_saved = Signal(int)
    """A case was opened from the sidebar (its id)."""

    offline_sent = Signal(int)
    """A case's text went to the buyer as a 离线消息 (the chat's id): the buyer is not in a chat."""

    PAGE_LIST = 0  # the stack's first page; a form is added behind it when first used

    def __init__(self, tasks: Tasks, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._service = ws.aftersales
        self._reception = ws.reception
        self._actor = ws.agent.display_name
        self._agent_id = ws.agent.id
        self._customer_id = 0
        self._nick = ""
        self._conversation_id: int | None = None
        self._generation = 0
        self.order_no: Callable[[], str] = lambda: ""  # the order the chat is about (the window sets it)
        self.setObjectName("sidebarPage")
        scope(self, "sidebar")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.stack = QStackedWidget()
        self.stack.addWidget(self._list_page())
        self._forms: dict[str, CaseForm] = {}  # built on first use, by kind of form
        layout.addWidget(self.stack)
        self._show_cases([])

    @property
    def service_form(self) -> ServiceForm:
        """The 退货 / 换货 / 退款 / 维修 form (built on first use)."""
        from workbench.ui.aftersales.service_form import ServiceForm

        form = self._form("service", lambda: ServiceForm(self._tasks, self._service, self._actor, compact=True))
        assert isinstance(form, ServiceForm)
        return form

    @property
    def complaint_form(self) -> ComplaintFormView:
        """The 投诉 form (built on first use)."""
        from workbench.ui.aftersales.complaint_form import ComplaintFormView

        form = self._form("complaint", lambda: ComplaintFormView(self._tasks, self._service, self._actor, compact=True))
        assert isinstance(form, ComplaintFormView)
        return form

    def _form(self, key: str, make: Callable[[], CaseForm]) -> CaseForm:
        """The form `key`, built and put on the stack the first time it is asked for."""
        form = self._forms.get(key)
        if form is None:
            form = self._forms[key] = make()
            form.submitted.connect(self._on_submitted)
            form.cancelled.connect(self._back)
            self.stack.addWidget(form)
        return form

    def _list_page(self) -> QWidget:
        page = QWidget()
        page.setObjectName("sidebarPage")
        column = QVBoxLayout(page)
        column.setContentsMargins(12, 12, 12, 12)
        column.setSpacing(8)
        title = QLabel(self.tr("为当前买家发起售后"))
        title.setObjectName("sectionTitle")
        column.addWidget(title)
        grid = QGridLayout()
        grid.setSpacing(6)
        self.start_buttons: dict[CaseKind, QPushButton] = {}
        for i, kind in enumerate((*SERVICE_KINDS, CaseKind.COMPLAINT)):
            button = QPushButton(kind_label(kind))
            button.clicked.connect(lambda _c=False, k=kind: self.start(k))
            grid.addWidget(button, i // 3, i % 3)
            self.start_buttons[kind] = button
        column.addLayout(grid)
        cases_title = QLabel(self.tr("该买家的售后单"))
        cases_title.setObjectName("sectionTitle")
        column.addWidget(cases_title)
        self.cases_model = QStandardItemModel(self)
        self.cases_view = QListView()
        self.cases_view.setModel(self.cases_model)
        self.cases_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.cases_view.setWordWrap(True)
        self.cases_view.selectionModel().currentChanged.connect(lambda *_: self._show_send_state())
        column.addWidget(self.cases_view, 1)
        self.empty_label = QLabel(self.tr("该买家还没有售后单。"))
        self.empty_label.setObjectName("muted")
        column.addWidget(self.empty_label)
        row = QHBoxLayout()
        row.setSpacing(6)
        self.send_return_button = QPushButton(self.tr("发送寄回地址"))
        self.send_return_button.clicked.connect(lambda: self._send(return_address=True))
        self.send_progress_button = QPushButton(self.tr("发送处理进度"))
        self.send_progress_button.clicked.connect(lambda: self._send(return_address=False))
        row.addWidget(self.send_return_button, 1)
        row.addWidget(self.send_progress_button, 1)
        column.addLayout(row)
        self.message = QLabel()
        self.message.setObjectName("muted")
        self.message.setWordWrap(True)
        column.addWidget(self.message)
        return page

    # -- public API ----------------------------------------------------------------------------

    def show_chat(self, customer_id: int, nick: str, conversation_id: int | None) -> None:
        """The open chat's buyer: their cases listed, the forms opened for them and this chat."""
        if (customer_id, conversation_id) != (self._customer_id, self._conversation_id):
            self.stack.setCurrentIndex(self.PAGE_LIST)
        self._customer_id, self._nick, self._conversation_id = customer_id, nick, conversation_id
        self.message.setText("")
        self.refresh()

    def start(self, kind: CaseKind, order_no: str | None = None) -> None:
        """Open the form for a new case of `kind` for the open chat's buyer (on its order, if known)."""
        number = self.order_no() if order_no is None else order_no
        if kind is CaseKind.COMPLAINT:
            self.stack.setCurrentWidget(self.complaint_form)
            self._read_chat(lambda messages: self._start_complaint(number, messages))
            return
        self.stack.setCurrentWidget(self.service_form)
        self.service_form.start(kind, self._customer_id, self._nick, number, self._conversation_id)

    def refresh(self) -> None:
        self._generation += 1
        generation, customer_id, service = self._generation, self._customer_id, self._service
        if not customer_id:
            self._show_cases([])
            return
        self._tasks.read(
            lambda: list(service.search(CaseFilter(customer_id=customer_id), limit=CASES_SHOWN).cases),
            while_alive(self, lambda cases: self._show_cases(cases) if generation == self._generation else None),
        )

    # -- inside --------------------------------------------------------------------------------

    def _read_chat(self, then: Callable[[list[Message]], None]) -> None:
        """The open chat's messages (offered as the complaint's evidence), then `then(messages)`."""
        conv_id, reception = self._conversation_id, self._reception
        if conv_id is None:
            then([])
            return
        self._tasks.read(lambda: reception.messages(conv_id), while_alive(self, then))

    def _start_complaint(self, order_no: str, messages: list[Message]) -> None:
        self.complaint_form.start(self._customer_id, self._nick, order_no, self._conversation_id, tuple(messages))

    def _show_cases(self, cases: list[Case]) -> None:
        self.cases_model.clear()
        for case in cases:
            text = f"{kind_label(case.kind)} · {state_label(case.state)}\n{case.order_no or case.case_no}"
            item = QStandardItem(text)
            item.setData(case.id, CASE_ID)
            item.setToolTip(case.summary)
            self.cases_model.appendRow(item)
        self.cases_view.setVisible(bool(cases))
        self.empty_label.setVisible(not cases)
        if cases:
            self.cases_view.setCurrentIndex(self.cases_model.index(0, 0))
        self._show_send_state()

    def _current_case(self) -> int | None:
        index = self.cases_view.currentIndex()
        return int(index.data(CASE_ID)) if index.isValid() else None

    def _show_send_state(self) -> None:
        has = self._current_case() is not None
        self.send_return_button.setEnabled(has)
        self.send_progress_button.setEnabled(has)

    def _send(self, *, return_address: bool) -> None:
        """The case's text into the buyer's open chat (the composer, to read over and send), else as a
        离线消息 that waits for the buyer."""
        case_id = self._current_case()
        if case_id is None:
            return
        service, actor, agent_id = self._service, self._actor, self._agent_id

        def job() -> tuple[int, str, bool]:
            text = service.return_instructions(case_id) if return_address else service.progress_text(case_id)
            conv_id = service.case_file(case_id).open_conversation_id
            if conv_id is not None:
                service.record_message(case_id, text, actor)
                return conv_id, text, False
            return service.send_offline(case_id, text, actor, agent_id), text, True

        def done(result: tuple[int, str, bool]) -> None:
            conv_id, text, offline = result
            if offline:
                self.message.setText(self.tr("买家不在聊天中，已作为离线消息发送，买家下次进店时看到。"))
                self.offline_sent.emit(conv_id)
            else:
                self.message.setText(self.tr("已放入聊天输入框，确认后发送。"))
                self.send_text_requested.emit(conv_id, text)

        def failed(exc: BaseException) -> None:
            self.message.setText(error_text(exc))

        self._tasks.write(job, while_alive(self, done), while_alive(self, failed))

    def _on_submitted(self, case: Case) -> None:
        self.stack.setCurrentIndex(self.PAGE_LIST)
        self.message.setText(self.tr("已创建售后单 {no}").format(no=case.case_no))
        self.case_saved.emit(case.id)
        self.refresh()

    def _back(self) -> None:
        self.stack.setCurrentIndex(self.PAGE_LIST)
