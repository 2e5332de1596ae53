"""The 客户 tab of the reception sidebar: profile header, official and custom tags, notes (备注)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.crm import VIP_TAG, is_official_tag
from workbench.domain.customers import Customer, Note, Tag, clean_note_text, masked_phone
from workbench.domain.errors import DomainError
from workbench.services.customers import CustomerProfile, CustomerService
from workbench.ui.customers.credit import CreditBadge
from workbench.ui.customers.notes import NoteDelegate, NoteListModel, NoteRoles
from workbench.ui.errors import error_text
from workbench.ui.tasks import Tasks
from workbench.ui.theme import scope
from workbench.ui.widgets.avatar import Avatar
from workbench.ui.widgets.card import Card
from workbench.ui.widgets.elided_label import ElidedLabel
from workbench.ui.widgets.fit_list_view import FitListView
from workbench.ui.widgets.flow_layout import FlowLayout
from workbench.ui.widgets.guard import while_alive
from workbench.ui.widgets.style import adjusted_font
from workbench.ui.widgets.tag_chip import TagChip
from workbench.ui.widgets.tag_edit import TagEdit
from workbench.ui.widgets.text import soft_wrap


def _set_invalid(widget: QWidget, invalid: bool) -> None:
    """Toggle the red border of an input (the `invalid` style-sheet property)."""
    if bool(widget.property("invalid")) == invalid:
        return
    widget.setProperty("invalid", invalid)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class _FieldGrid(QGridLayout):
    """Two columns: a muted label and a wrapped, selectable value."""

    def __init__(self) -> None:
        super().__init__()
        self.setContentsMargins(0, 0, 0, 0)
        self.setHorizontalSpacing(12)
        self.setVerticalSpacing(6)
        self.setColumnStretch(1, 1)

    def add_row(self, label: str) -> QLabel:
        row = self.rowCount()
        name = QLabel(label)
        name.setObjectName("fieldLabel")
        name.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        value = QLabel()
        value.setObjectName("value")
        value.setWordWrap(True)
        value.setTextFormat(Qt.TextFormat.PlainText)
        value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        value.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.addWidget(name, row, 0)
        self.addWidget(value, row, 1)
        return value


class CustomerPanel(QWidget):
    """Shows one customer's profile and lets the agent tag them and keep notes.

    Everything is read and written through `Tasks` jobs; each change is saved at once.
    """

    loaded = Signal(int)
    """A customer's profile (header, tags, notes) is on screen; carries the customer id."""

    tags_changed = Signal(int)
    """A custom tag was added to or removed from a customer and saved; carries the customer id."""

    notes_changed = Signal(int)
    """A note was added to or deleted from a customer and saved; carries the customer id."""

    phone_revealed = Signal(int)
    """The agent chose 查看 and the customer's full phone number is shown (its look recorded); carries the id."""

    PAGE_EMPTY, PAGE_LOADING, PAGE_ERROR, PAGE_PROFILE = range(4)

    def __init__(self, tasks: Tasks, service: CustomerService, author: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._service = service
        self._author = author
        self._customer_id: int | None = None
        self._customer: Customer | None = None
        self._tags: tuple[Tag, ...] = ()
        self._library: list[Tag] = []
        self._generation = 0
        self._delete_box: QMessageBox | None = None
        self._refocus_tag_edit = False  # a chip's × had focus: give it to the tag field after saving

        self.setObjectName("customerPanel")
        scope(self, "sidebar")
        self.setMinimumWidth(260)

        self.pages = QStackedWidget(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)
        self.pages.addWidget(self._message_page(self.tr("未选择客户"), self._empty_hint()))
        self.pages.addWidget(self._message_page(self.tr("正在加载客户资料…"), ""))
        self.error_page_label = QLabel()
        self.pages.addWidget(self._error_page())
        self.pages.addWidget(self._profile_page())
        self.pages.setCurrentIndex(self.PAGE_EMPTY)

    # -- public API ----------------------------------------------------------------------------

    def customer_id(self) -> int | None:
        return self._customer_id

    def show_customer(self, customer_id: int | None) -> None:
        """Show a customer's profile (loaded in the background); None shows the empty state."""
        self._generation += 1
        generation = self._generation
        if customer_id != self._customer_id:
            # A reload of the same customer (the chat clicked again, ended, tags changed elsewhere)
            # keeps the tag and note being typed; only another customer starts them empty.
            self._clear_inputs()
        self._customer_id = customer_id
        self._customer = None
        self._close_delete_box()
        if customer_id is None:
            self._tags = ()
            self.notes_model.set_notes(())
            self.pages.setCurrentIndex(self.PAGE_EMPTY)
            return
        self.pages.setCurrentIndex(self.PAGE_LOADING)
        service = self._service

        def job() -> tuple[CustomerProfile, list[Tag]]:
            return service.profile(customer_id), service.tag_library()

        self._tasks.read(
            job,
            while_alive(self, lambda result: self._on_loaded(generation, result)),
            while_alive(self, lambda exc: self._on_load_failed(generation, exc)),
        )

    def tag_chips(self) -> list[TagChip]:
        """The chips on screen, official first."""
        chips: list[TagChip] = []
        for flow in (self.official_flow, self.custom_flow):
            for i in range(flow.count()):
                item = flow.itemAt(i)
                widget = item.widget() if item is not None else None
                if isinstance(widget, TagChip):
                    chips.append(widget)
        return chips

    # -- building ------------------------------------------------------------------------------

    def _empty_hint(self) -> str:
        return self.tr("选择一个会话后，这里会显示客户的资料、标签和备注。")

    def _message_page(self, title: str, hint: str) -> QWidget:
        page = QWidget()
        page.setObjectName("sidebarPage")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addStretch(1)
        heading = QLabel(title)
        heading.setObjectName("emptyTitle")
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(heading)
        if hint:
            text = QLabel(hint)
            text.setObjectName("muted")
            text.setWordWrap(True)
            text.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(text)
        layout.addStretch(2)
        return page

    def _error_page(self) -> QWidget:
        page = QWidget()
        page.setObjectName("sidebarPage")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addStretch(1)
        self.error_page_label.setObjectName("error")
        self.error_page_label.setWordWrap(True)
        self.error_page_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.error_page_label)
        retry = QPushButton(self.tr("重试"))
        retry.clicked.connect(lambda: self.show_customer(self._customer_id))
        layout.addWidget(retry, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        return page

    def _profile_page(self) -> QWidget:
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        content = QWidget()
        content.setObjectName("sidebarPage")
        layout = QVBoxLayout(content)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(10)
        layout.addWidget(self._header_card())
        layout.addWidget(self._tags_card())
        layout.addWidget(self._notes_card())
        layout.addStretch(1)
        scroll.setWidget(content)
        self.scroll_area = scroll
        return scroll

    def _header_card(self) -> Card:
        card = Card()
        top = QHBoxLayout()
        top.setSpacing(10)
        self.avatar = Avatar(size=42)
        top.addWidget(self.avatar, 0, Qt.AlignmentFlag.AlignTop)
        title = QVBoxLayout()
        title.setSpacing(3)
        self.nick_label = ElidedLabel()
        self.nick_label.setObjectName("value")
        self.nick_label.setFont(adjusted_font(self.font(), 3, bold=True))
        self.nick_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        title.addWidget(self.nick_label)
        badges = QHBoxLayout()
        badges.setSpacing(6)
        self.credit_badge = CreditBadge()
        badges.addWidget(self.credit_badge)
        self.credit_text = QLabel()
        self.credit_text.setObjectName("muted")
        badges.addWidget(self.credit_text)
        self.vip_badge = QLabel(VIP_TAG)
        self.vip_badge.setObjectName("vipBadge")
        self.vip_badge.setFont(adjusted_font(self.font(), -1, bold=True))
        self.vip_badge.setToolTip(self.tr("88VIP 会员"))
        badges.addWidget(self.vip_badge)
        badges.addStretch(1)
        title.addLayout(badges)
        self.identity_label = ElidedLabel()
        self.identity_label.setObjectName("secondary")
        title.addWidget(self.identity_label)
        top.addLayout(title, 1)
        card.body.addLayout(top)

        self.hint_label = QLabel()
        self.hint_label.setObjectName("warningStrip")
        self.hint_label.setWordWrap(True)
        card.body.addWidget(self.hint_label)

        grid = _FieldGrid()
        self.phone_label = grid.add_row(self.tr("手机"))
        # Masked like everywhere else; 查看 shows the full number, and the look is recorded.
        self.phone_reveal = QPushButton(self.tr("查看"))
        self.phone_reveal.setObjectName("link")
        self.phone_reveal.setCursor(Qt.CursorShape.PointingHandCursor)
        self.phone_reveal.setToolTip(self.tr("显示完整手机号（会记录查看人和时间）"))
        self.phone_reveal.clicked.connect(self._reveal_phone)
        grid.addWidget(self.phone_reveal, grid.rowCount() - 1, 2, Qt.AlignmentFlag.AlignTop)
        self.member_label = grid.add_row(self.tr("会员"))
        self.source_label = grid.add_row(self.tr("来源"))
        self.registered_label = grid.add_row(self.tr("注册"))
        self.preferences_label = grid.add_row(self.tr("偏好"))
        card.body.addLayout(grid)
        return card

    def _tags_card(self) -> Card:
        card = Card(self.tr("标签"))
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(8)
        grid.setColumnStretch(1, 1)
        self.official_flow = FlowLayout()
        self.custom_flow = FlowLayout()
        for row, (label, flow) in enumerate(
            ((self.tr("官方"), self.official_flow), (self.tr("自定义"), self.custom_flow))
        ):
            name = QLabel(label)
            name.setObjectName("fieldLabel")
            name.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            name.setContentsMargins(0, 2, 0, 0)
            holder = QWidget()
            holder.setLayout(flow)
            grid.addWidget(name, row, 0)
            grid.addWidget(holder, row, 1)
        card.body.addLayout(grid)

        self.tag_edit = TagEdit()
        self.tag_edit.tag_entered.connect(self._add_tag)
        card.body.addWidget(self.tag_edit)
        return card

    def _notes_card(self) -> Card:
        card = Card(self.tr("备注"))
        self.notes_count_label = QLabel()
        self.notes_count_label.setObjectName("muted")
        card.header.insertWidget(1, self.notes_count_label)

        self.note_edit = QPlainTextEdit()
        self.note_edit.setPlaceholderText(self.tr("记录客户需求、沟通要点…（Ctrl+Enter 添加）"))
        self.note_edit.setAccessibleName(self.tr("备注内容"))
        self.note_edit.setTabChangesFocus(True)
        line = self.note_edit.fontMetrics().lineSpacing()
        self.note_edit.setFixedHeight(line * 3 + 14)
        self.note_edit.textChanged.connect(lambda: self._show_note_error(""))
        card.body.addWidget(self.note_edit)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self.note_edit)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self._submit_note)

        row = QHBoxLayout()
        row.setSpacing(6)
        self.note_error = QLabel()
        self.note_error.setObjectName("error")
        self.note_error.setWordWrap(True)
        row.addWidget(self.note_error, 1)
        self.add_note_button = QPushButton(self.tr("添加备注"))
        self.add_note_button.setObjectName("primary")
        self.add_note_button.clicked.connect(self._submit_note)
        row.addWidget(self.add_note_button, 0, Qt.AlignmentFlag.AlignTop)
        card.body.addLayout(row)

        self.notes_model = NoteListModel(self)
        self.notes_view = FitListView(max_height=360)
        self.notes_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.notes_view.setMouseTracking(True)
        self.notes_delegate = NoteDelegate(self.notes_view)
        self.notes_delegate.delete_requested.connect(self.confirm_delete_note)
        self.notes_view.setItemDelegate(self.notes_delegate)
        self.notes_view.setModel(self.notes_model)
        self.notes_view.setAccessibleName(self.tr("备注列表"))
        delete_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.notes_view)
        delete_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete_key.activated.connect(self._delete_current_note)
        card.body.addWidget(self.notes_view)
        self.notes_empty = QLabel(self.tr("暂无备注"))
        self.notes_empty.setObjectName("muted")
        self.notes_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        card.body.addWidget(self.notes_empty)
        return card

    # -- loading -------------------------------------------------------------------------------

    def _on_loaded(self, generation: int, result: tuple[CustomerProfile, list[Tag]]) -> None:
        if generation != self._generation:
            return  # the agent moved on to another customer
        profile, library = result
        self._customer = profile.customer
        self._library = list(library)
        self._render_header(profile.customer)
        self._render_tags(profile.tags)
        self._render_notes(profile.notes)
        self.pages.setCurrentIndex(self.PAGE_PROFILE)
        self.scroll_area.verticalScrollBar().setValue(0)
        self.loaded.emit(profile.customer.id)

    def _on_load_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self.error_page_label.setText(error_text(exc))
        self.pages.setCurrentIndex(self.PAGE_ERROR)

    def _render_header(self, c: Customer) -> None:
        self.avatar.set_name(c.nick)
        self.nick_label.setText(c.nick)
        self.credit_badge.set_level(c.credit_level)
        self.credit_text.setText(c.credit_level)
        self.credit_text.setVisible(bool(c.credit_level))
        self.vip_badge.setVisible(c.is_88vip)
        identity = " · ".join(p for p in (c.name, c.gender, c.city) if p)
        self.identity_label.setText(identity)
        self.identity_label.setVisible(bool(identity))

        warnings = []
        if c.refund_count:
            warnings.append(self.tr("退款 {n} 次").format(n=c.refund_count))
        if c.bad_review_count:
            warnings.append(self.tr("差评 {n} 次").format(n=c.bad_review_count))
        self.hint_label.setText(
            self.tr("⚠ 售后提醒：{items}，沟通时请多留意。").format(
                items=self.tr("，", "list separator").join(warnings)
            )
        )
        self.hint_label.setVisible(bool(warnings))

        dash = "—"
        self.phone_label.setText(masked_phone(c.phone) or dash)
        self.phone_reveal.setVisible(len(c.phone) >= 7)  # a number short enough to show whole has nothing hidden
        self.phone_reveal.setEnabled(True)
        member = c.member_level or self.tr("非会员")
        self.member_label.setText(self.tr("{level} · {points} 积分").format(level=member, points=f"{c.points:,}"))
        self.source_label.setText(c.traffic_source or dash)
        self.registered_label.setText(f"{c.registered_at:%Y-%m-%d}" if c.registered_at else dash)
        self.preferences_label.setText(soft_wrap(c.preferences) or dash)

    def _reveal_phone(self) -> None:
        """The agent chose 查看: ask the service for the number, which records who looked and when."""
        customer_id, generation = self._customer_id, self._generation
        if customer_id is None:
            return
        self.phone_reveal.setEnabled(False)

        def show(phone: str) -> None:
            if generation != self._generation or customer_id != self._customer_id:
                return  # another customer is shown now: theirs stays masked
            self.phone_label.setText(phone)
            self.phone_reveal.hide()
            self.phone_revealed.emit(customer_id)

        def failed(exc: BaseException) -> None:
            self.phone_reveal.setEnabled(True)
            self.phone_label.setToolTip(error_text(exc))

        self._tasks.write(
            lambda: self._service.reveal_phone(customer_id), while_alive(self, show), while_alive(self, failed)
        )

    def _render_tags(self, tags: Sequence[Tag]) -> None:
        self._tags = tuple(tags)
        had_focus = self._refocus_tag_edit or self._chip_has_focus()
        self._refocus_tag_edit = False
        self.official_flow.clear()
        self.custom_flow.clear()
        official_names: list[str] = []
        c = self._customer
        if c is not None and c.credit_level:
            chip = TagChip(self.tr("信用等级 {level}").format(level=c.credit_level), official=True)
            self.official_flow.addWidget(chip)
            official_names.append(c.credit_level)
        if c is not None and c.is_88vip:
            self.official_flow.addWidget(TagChip(VIP_TAG, official=True))
            official_names.append(VIP_TAG)
        for tag in self._tags:
            if is_official_tag(tag) and tag.name not in official_names:
                self.official_flow.addWidget(TagChip(tag.name, tag_id=tag.id, official=True))
                official_names.append(tag.name)
        if not official_names:
            self.official_flow.addWidget(self._muted(self.tr("无")))
        custom = [t for t in self._tags if not is_official_tag(t)]
        for tag in custom:
            chip = TagChip(tag.name, color=tag.color, tag_id=tag.id, removable=True)
            chip.remove_requested.connect(self._remove_tag)
            self.custom_flow.addWidget(chip)
        if not custom:
            self.custom_flow.addWidget(self._muted(self.tr("暂无，可在下方添加")))
        self.tag_edit.set_tags(self._library, self._tags)
        self._update_tab_order()
        if had_focus:
            self.tag_edit.setFocus()

    def _chip_has_focus(self) -> bool:
        return any(c.remove_button is not None and c.remove_button.hasFocus() for c in self.tag_chips())

    def _update_tab_order(self) -> None:
        """Keyboard order: chip × buttons, tag field, 添加, note field, 添加备注, notes list."""
        chain: list[QWidget] = [c.remove_button for c in self.tag_chips() if c.remove_button is not None]
        chain += [self.tag_edit.line_edit, self.tag_edit.add_button]
        chain += [self.note_edit, self.add_note_button, self.notes_view]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _muted(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("muted")
        return label

    def _render_notes(self, notes: Sequence[Note]) -> None:
        self.notes_model.set_notes(notes)
        self.notes_view.setVisible(bool(notes))
        self.notes_empty.setVisible(not notes)
        self.notes_count_label.setText(str(len(notes)) if notes else "")

    def _clear_inputs(self) -> None:
        self.tag_edit.clear()
        self.note_edit.clear()
        self._show_note_error("")
        self.add_note_button.setEnabled(True)

    # -- tags ----------------------------------------------------------------------------------

    def _add_tag(self, name: str) -> None:
        """The tag field accepted ``name`` (checked against the rule and the customer's tags): save it."""
        customer_id = self._customer_id
        if customer_id is None or self._customer is None:
            return
        service = self._service
        self._tasks.write(
            lambda: service.add_tag(customer_id, name),
            while_alive(self, lambda tags: self._on_tags_saved(customer_id, tags, added=name)),
            while_alive(self, lambda exc: self._on_tag_failed(customer_id, exc)),
        )

    def _remove_tag(self, tag_id: int) -> None:
        customer_id = self._customer_id
        if customer_id is None:
            return
        self._refocus_tag_edit = self._chip_has_focus()
        for chip in self.tag_chips():
            if chip.tag_id == tag_id and chip.remove_button is not None:
                chip.remove_button.setEnabled(False)
        service = self._service
        self._tasks.write(
            lambda: service.remove_tag(customer_id, tag_id),
            while_alive(self, lambda tags: self._on_tags_saved(customer_id, tags)),
            while_alive(self, lambda exc: self._on_tag_failed(customer_id, exc)),
        )

    def _on_tags_saved(self, customer_id: int, tags: tuple[Tag, ...], added: str = "") -> None:
        if customer_id == self._customer_id and self._customer is not None:
            if added:
                self.tag_edit.entry_saved(added)
                if all(t.name != added for t in self._library):
                    self._library.extend(t for t in tags if t.name == added)
            self._render_tags(tags)
        self.tags_changed.emit(customer_id)

    def _on_tag_failed(self, customer_id: int, exc: BaseException) -> None:
        if customer_id != self._customer_id:
            return
        self.tag_edit.show_error(error_text(exc))
        for chip in self.tag_chips():
            if chip.remove_button is not None:
                chip.remove_button.setEnabled(True)

    # -- notes ---------------------------------------------------------------------------------

    def _show_note_error(self, text: str) -> None:
        self.note_error.setText(text)
        _set_invalid(self.note_edit, bool(text))

    def _submit_note(self) -> None:
        customer_id = self._customer_id
        if customer_id is None or self._customer is None or not self.add_note_button.isEnabled():
            return
        try:
            text = clean_note_text(self.note_edit.toPlainText())
        except DomainError as exc:
            self._show_note_error(error_text(exc))
            return
        self.add_note_button.setEnabled(False)
        service, author = self._service, self._author
        self._tasks.write(
            lambda: service.add_note(customer_id, text, author),
            while_alive(self, lambda notes: self._on_note_added(customer_id, text, notes)),
            while_alive(self, lambda exc: self._on_note_failed(customer_id, exc)),
        )

    def _on_note_added(self, customer_id: int, text: str, notes: tuple[Note, ...]) -> None:
        if customer_id == self._customer_id:
            self.add_note_button.setEnabled(True)
            if self.note_edit.toPlainText().strip() == text:
                self.note_edit.clear()
            self._render_notes(notes)
        self.notes_changed.emit(customer_id)

    def _on_note_failed(self, customer_id: int, exc: BaseException) -> None:
        if customer_id != self._customer_id:
            return
        self.add_note_button.setEnabled(True)
        self._show_note_error(error_text(exc))

    def _delete_current_note(self) -> None:
        index = self.notes_view.currentIndex()
        note_id = index.data(NoteRoles.NOTE_ID) if index.isValid() else None
        if isinstance(note_id, int):
            self.confirm_delete_note(note_id)

    def confirm_delete_note(self, note_id: int) -> None:
        """Ask (window-modal, non-blocking) before deleting a note; 删除 saves at once."""
        note = self.notes_model.note(note_id)
        customer_id = self._customer_id
        if note is None or customer_id is None:
            return
        self._close_delete_box()
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("删除备注"))
        box.setText(self.tr("确定删除这条备注吗？删除后不能恢复。"))
        excerpt = note.text if len(note.text) <= 60 else note.text[:60] + "…"
        box.setInformativeText(excerpt)
        box.addButton(self.tr("删除"), QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(self.tr("取消"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(button: QAbstractButton) -> None:
            self._delete_box = None
            if box.buttonRole(button) == QMessageBox.ButtonRole.DestructiveRole:
                self._delete_note(customer_id, note_id)

        box.buttonClicked.connect(answered)
        self._delete_box = box
        box.open()

    def _close_delete_box(self) -> None:
        if self._delete_box is not None:
            box, self._delete_box = self._delete_box, None
            box.close()

    def _delete_note(self, customer_id: int, note_id: int) -> None:
        service = self._service
        self._tasks.write(
            lambda: service.delete_note(customer_id, note_id),
            while_alive(self, lambda notes: self._on_note_deleted(customer_id, notes)),
            while_alive(self, lambda exc: self._on_note_failed(customer_id, exc)),
        )

    def _on_note_deleted(self, customer_id: int, notes: tuple[Note, ...]) -> None:
        if customer_id == self._customer_id:
            self._render_notes(notes)
        self.notes_changed.emit(customer_id)
