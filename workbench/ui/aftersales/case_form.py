"""What the three case forms (service_form, complaint_form, dispute_form) share: the draft kept as the
agent types, problems shown beside their fields once touched (all of them after a submit), the
background check after an edit, and the footer with its submit round-trip. Each form keeps its own
fields, its check and what it submits, and translates the shared texts itself (see FormTexts)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from workbench.domain.aftersales import Case, Draft, FieldError
from workbench.domain.conversations import Message
from workbench.domain.orders import Order
from workbench.services.aftersales import AftersalesService, form_errors
from workbench.ui.aftersales.evidence import NewEvidenceBox
from workbench.ui.aftersales.texts import aftersales_error_text
from workbench.ui.aftersales.widgets import DraftKeeper, FormGrid
from workbench.ui.tasks import Tasks
from workbench.ui.theme import scope
from workbench.ui.widgets.card import Card


@dataclass(frozen=True, slots=True)
class FormTexts:
    """The texts of the shared parts, translated by each form with its own `self.tr()`: lupdate files a
    string under the class that calls tr(), and the .ts holds these under each form's name."""

    discard: str
    cancel: str
    draft_saved: str
    draft_discarded: str
    draft_restored: str  # {time}
    problems: str  # {count}


@dataclass(frozen=True, slots=True)
class NewEvidence:
    """The evidence ticked in the form of a new complaint or dispute, read on the UI thread and attached
    by the write job right after it created the case."""

    messages: list[int]
    files: list[Path]
    with_order: bool
    with_logistics: bool

    @classmethod
    def ticked(cls, box: NewEvidenceBox, order_no: str) -> NewEvidence:
        """The order snapshot and its logistics go only with an order number."""
        has_order = bool(order_no)
        return cls(
            box.picker.checked_ids(),
            box.files(),
            box.order_check.isChecked() and has_order,
            box.logistics_check.isChecked() and has_order,
        )

    def attach(self, service: AftersalesService, case: Case, actor: str) -> Case:
        """Attach it to the case just created; returns the case as stored now (worker thread)."""
        if self.messages:
            service.attach_messages(case.id, self.messages, actor)
        if self.with_order:
            service.attach_order(case.id, actor)
        if self.with_logistics:
            service.attach_order(case.id, actor, logistics=True)
        if self.files:
            service.attach_files(case.id, self.files, actor)
        return service.get(case.id) or case


class CaseForm(QWidget):
    """Base of the case forms. A form calls `super().__init__`, sets its own state, then builds itself
    with `_header_card`, `_scroll_column` and `_add_footer`; it provides `form_texts`, `payload`,
    `errors`, `submit`, `_load_draft` and `_run_check`."""

    submitted = Signal(object)
    """The case was opened or its record saved; carries the Case."""

    cancelled = Signal()
    """The agent closed the form without submitting (the draft is kept)."""

    buyer_found = Signal(int)
    """The order lookup found a buyer the form does not show yet (customer id): the page reads their
    nick and live chat and hands them to `show_buyer`."""

    check_fields: ClassVar[frozenset[str]] = frozenset({"order_no"})
    """Fields whose edits re-run the background check (a form with more to check names more)."""

    # made by _header_card and _add_footer; `grid` by the form itself
    grid: FormGrid
    title_label: QLabel
    customer_label: QLabel
    form_error: QLabel
    draft_note: QLabel
    discard_button: QPushButton
    cancel_button: QPushButton
    submit_button: QPushButton

    def __init__(
        self,
        tasks: Tasks,
        service: AftersalesService,
        actor: str,
        check_delay_ms: int,
        parent: QWidget | None = None,
        *,
        compact: bool = False,
    ) -> None:
        super().__init__(parent)
        self.compact = compact  # one narrow column (the reception sidebar): the side panel under the fields
        self._tasks = tasks
        self._service = service
        self._actor = actor
        self._customer_id = 0
        self._conversation_id: int | None = None
        self._buyer_shown = 0  # the customer the customer line names (see _order_looked_up)
        self._order: Order | None = None
        self._looked_up = ""  # the order number `_order` was looked up for
        self._touched: set[str] = set()
        self._submit_tried = False
        self._busy = False
        self._generation = 0  # only the answer to the latest check is shown
        self._texts = self.form_texts()
        self.setObjectName("sidebarPage")
        scope(self, "sidebar", "form")
        self.drafts = DraftKeeper(tasks, service, self.payload, self)
        self.drafts.restored.connect(self._on_draft)
        self.drafts.saved.connect(lambda _k: self.draft_note.setText(self._texts.draft_saved))
        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(check_delay_ms)
        self._check_timer.timeout.connect(self._run_check)

    # -- what each form provides -----------------------------------------------------------------

    def form_texts(self) -> FormTexts:
        raise NotImplementedError

    def payload(self) -> Mapping[str, Any]:
        """The fields as typed (the draft)."""
        raise NotImplementedError

    def errors(self) -> list[FieldError]:
        raise NotImplementedError

    def submit(self) -> None:
        raise NotImplementedError

    def _load_draft(self, payload: Mapping[str, Any]) -> None:
        """Fill the fields from a saved draft (the draft keeper is paused meanwhile)."""
        raise NotImplementedError

    def _run_check(self) -> None:
        """Look the order up (and whatever else the form checks) in the background."""
        raise NotImplementedError

    def _grids(self) -> tuple[FormGrid, ...]:
        """The grids whose fields show problems (a form with several grids names them all)."""
        return (self.grid,)

    # -- building ------------------------------------------------------------------------------

    def _scroll_column(self) -> tuple[QScrollArea, QVBoxLayout]:
        """A scrolling column for the form's cards: the scroll area and the column's layout. The form
        adds the scroll area to its own layout once built, so widgets it parents meanwhile stay below."""
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        holder = QWidget()
        holder.setObjectName("sidebarPage")
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 4, 0)
        column.setSpacing(10)
        scroll.setWidget(holder)
        return scroll, column

    def _place(self, outer: QHBoxLayout, scroll: QScrollArea, column: QVBoxLayout, panel: QWidget) -> None:
        """The form's column and its side panel (the policy verdict, the risk signals): beside it, or
        in a compact form under the fields (before the column's closing stretch)."""
        outer.addWidget(scroll, 3)
        if self.compact:
            outer.setContentsMargins(8, 8, 8, 8)
            # the column follows the sidebar's width (long item names wrap) rather than scroll sideways
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            column.insertWidget(column.count() - 1, panel)
            return
        side = QVBoxLayout()
        side.setSpacing(10)
        side.addWidget(panel)
        side.addStretch(1)
        outer.addLayout(side, 2)

    def _header_card(self) -> Card:
        """The first card: the form's title and the customer."""
        card = Card()
        self.title_label = QLabel()
        self.title_label.setObjectName("formTitle")
        card.body.addWidget(self.title_label)
        self.customer_label = QLabel()
        self.customer_label.setObjectName("muted")
        card.body.addWidget(self.customer_label)
        return card

    def _add_footer(self, body: QVBoxLayout) -> None:
        """The form-wide problem line, the draft note and the 丢弃草稿 / 取消 / submit buttons."""
        self.form_error = QLabel()
        self.form_error.setObjectName("error")
        self.form_error.setWordWrap(True)
        self.form_error.hide()
        body.addWidget(self.form_error)
        buttons = QHBoxLayout()
        self.draft_note = QLabel()
        self.draft_note.setObjectName("draftNote")
        buttons.addWidget(self.draft_note, 1)
        self.discard_button = QPushButton(self._texts.discard)
        self.discard_button.setObjectName("link")
        self.discard_button.clicked.connect(self.discard_draft)
        self.discard_button.hide()
        buttons.addWidget(self.discard_button)
        self.cancel_button = QPushButton(self._texts.cancel)
        self.cancel_button.clicked.connect(self._cancel)
        buttons.addWidget(self.cancel_button)
        self.submit_button = QPushButton()  # each form names its own action
        self.submit_button.setObjectName("primary")
        self.submit_button.clicked.connect(self.submit)
        buttons.addWidget(self.submit_button)
        body.addLayout(buttons)

    # -- public --------------------------------------------------------------------------------

    def discard_draft(self) -> None:
        self.drafts.discard()
        self.discard_button.hide()
        self.draft_note.setText(self._texts.draft_discarded)

    # -- shared behaviour ----------------------------------------------------------------------

    def _open_for(self, customer_id: int, conversation_id: int | None) -> None:
        """A new opening of the form, for this customer and chat: the last opening's draft is saved first,
        while the fields still hold what was typed for it."""
        self.drafts.stop()
        self._customer_id = customer_id
        self._conversation_id = conversation_id
        self._buyer_shown = customer_id

    def _order_looked_up(self, order: Order | None) -> None:
        """An order was found: when its buyer is not the one the customer line shows, ask for them."""
        if order is not None and order.customer_id != self._buyer_shown:
            self._buyer_shown = order.customer_id
            self.buyer_found.emit(order.customer_id)

    def show_buyer(self, customer_id: int, nick: str, messages: Sequence[Message]) -> None:
        """The buyer of the order looked up (see `buyer_found`): the customer line names them."""
        if customer_id == self._buyer_shown and nick:
            self.customer_label.setText(self.tr("客户：{nick}").format(nick=nick))

    def _clear_state(self) -> None:
        """Before the form is filled again: nothing touched or looked up, no problem or draft note shown."""
        self._touched.clear()
        self._submit_tried = False
        self._order = None
        self._looked_up = ""
        self.draft_note.setText("")
        self.discard_button.hide()
        self.form_error.hide()
        self._show_errors(())

    def _order_for(self, order_no: str) -> Order | None:
        """The order the last lookup found, if it is the one typed now."""
        order = self._order
        return order if order is not None and order.order_no == order_no else None

    def _edited(self, name: str) -> None:
        if not self.drafts.paused():  # filled in by the program, not typed
            self._touched.add(name)
        self.drafts.changed()
        if name in self.check_fields:
            self._schedule_check()
        self._show_inline()

    def _show_inline(self) -> None:
        """Problems of the fields touched so far; of every field once a submit was tried."""
        self._show_errors(self.errors(), None if self._submit_tried else self._touched)

    def _show_errors(self, errors: Iterable[FieldError], only: set[str] | None = None) -> list[QWidget]:
        """Show each problem beside its field (only the fields in `only`, if given); returns their editors."""
        errors = list(errors)
        shown: list[QWidget] = []
        for grid in self._grids():
            for name in grid.show_errors(errors, only):
                shown.append(grid.editor(name))
        if self._submit_tried and not errors:
            self.form_error.hide()
        return shown

    def _schedule_check(self) -> None:
        self._check_timer.start()

    def _ready_to_submit(self) -> bool:
        """True, with the form locked until the answer, when nothing is left to fix; otherwise every
        problem shows beside its field, the count under the form, and the first field has the focus."""
        if self._busy:
            return False
        self._submit_tried = True
        errors = self.errors()
        shown = self._show_errors(errors)
        if errors:
            self.form_error.setText(self._texts.problems.format(count=len(errors)))
            self.form_error.show()
            if shown:
                shown[0].setFocus()
            return False
        self.form_error.hide()
        self._busy = True
        self.submit_button.setEnabled(False)
        return True

    def _on_draft(self, draft: Draft) -> None:
        self.drafts.pause()
        try:
            self._load_draft(draft.payload)
        finally:
            self.drafts.resume()
        self.draft_note.setText(self._texts.draft_restored.format(time=f"{draft.updated_at:%m-%d %H:%M}"))
        self.discard_button.show()
        self._schedule_check()

    def _on_submitted(self, case: Case) -> None:
        self._busy = False
        self.submit_button.setEnabled(True)
        self.drafts.discard()
        self.submitted.emit(case)

    def _on_submit_failed(self, exc: BaseException) -> None:
        self._busy = False
        self.submit_button.setEnabled(True)
        errors = form_errors(exc)
        if errors:
            self._submit_tried = True
            self._show_errors(errors)
        self.form_error.setText(aftersales_error_text(exc))
        self.form_error.show()

    def _cancel(self) -> None:
        self.drafts.stop()
        self.cancelled.emit()

    def hideEvent(self, event: QHideEvent) -> None:
        self.drafts.save_now()
        super().hideEvent(event)
