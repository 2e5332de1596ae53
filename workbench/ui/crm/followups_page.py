"""客户回访: the due list (today, overdue, upcoming, waiting for an outcome, done), sending the care
message into the customer's chat, recording the outcome; scheduling rules and care templates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.crm import PLACEHOLDERS, CareTemplate, FollowUp, FollowUpRule, FollowUpStatus, FollowUpView
from workbench.services.crm_followups import FollowUpService
from workbench.ui.crm.dialogs import CareMessageDialog, CareTemplateDialog, FollowUpRuleDialog, OutcomeDialog
from workbench.ui.crm.labels import crm_error_text, trigger_label, view_label
from workbench.ui.crm.list_model import FollowUpRoles, FollowUpTableModel
from workbench.ui.tasks import Tasks
from workbench.ui.theme import colour, scope
from workbench.ui.widgets.guard import while_alive


class FollowUpsPage(QWidget):
    """Work through follow-ups; rules and templates on their own tabs."""

    changed = Signal()
    """A follow-up was created, sent, completed or cancelled."""

    care_sent = Signal(int)
    """A care message went into a customer's chat; carries the customer id."""

    customer_requested = Signal(int)
    """The user wants to see a follow-up's customer; carries the customer id."""

    counts_loaded = Signal(object)
    """The per-view counts are on screen; carries dict[FollowUpView, int]."""

    def __init__(
        self,
        tasks: Tasks,
        service: FollowUpService,
        agent_id: int | None,
        agent_name: str,
        now: Callable[[], Any],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._service = service
        self._agent_id = agent_id
        self._agent_name = agent_name
        self.dialog: QWidget | None = None
        self._templates: list[CareTemplate] = []
        self._rules: list[FollowUpRule] = []
        scope(self, "followups")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 10, 16, 14)
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        layout.addWidget(self.tabs)
        self.tabs.addTab(self._list_tab(now), self.tr("回访清单"))
        self.tabs.addTab(self._rules_tab(), self.tr("回访规则"))
        self.tabs.addTab(self._templates_tab(), self.tr("关怀话术"))

    # -- the due list ------------------------------------------------------------------------------

    def _list_tab(self, now: Callable[[], Any]) -> QWidget:
        page = QWidget(self)
        layout = QHBoxLayout(page)
        layout.setContentsMargins(0, 10, 0, 0)
        layout.setSpacing(12)
        self.views = QListWidget(page)
        self.views.setObjectName("viewList")
        self.views.setFixedWidth(170)
        for view in FollowUpView:
            item = QListWidgetItem(view_label(view))
            item.setData(Qt.ItemDataRole.UserRole, view.value)
            item.setSizeHint(QSize(0, 36))
            self.views.addItem(item)
        self.views.setCurrentRow(0)
        self.views.currentRowChanged.connect(self._view_changed)
        layout.addWidget(self.views)
        right = QVBoxLayout()
        right.setSpacing(8)
        actions = QHBoxLayout()
        self.care_button = QPushButton(self.tr("发送关怀…"), page)
        self.care_button.setObjectName("primary")
        self.care_button.clicked.connect(self.send_care)
        self.outcome_button = QPushButton(self.tr("记录结果…"), page)
        self.outcome_button.clicked.connect(self.record_outcome)
        self.cancel_button = QPushButton(self.tr("取消回访"), page)
        self.cancel_button.clicked.connect(self.cancel_followup)
        self.customer_button = QPushButton(self.tr("查看客户"), page)
        self.customer_button.clicked.connect(self._show_customer)
        for button in (self.care_button, self.outcome_button, self.cancel_button, self.customer_button):
            actions.addWidget(button)
        actions.addStretch(1)
        self.run_button = QPushButton(self.tr("按规则生成回访"), page)
        self.run_button.clicked.connect(self.run_rules)
        actions.addWidget(self.run_button)
        right.addLayout(actions)
        self.model = FollowUpTableModel(self._tasks, self._service, now, self)
        self.model.count_changed.connect(lambda _n: self._update_buttons())
        self.model.load_failed.connect(self._show_error)
        self.table = QTableView(page)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(36)
        self.table.setShowGrid(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setStretchLastSection(True)
        for col, width in enumerate((110, 170, 120, 150, 190, 100, 100)):
            self.table.setColumnWidth(col, width)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.table.doubleClicked.connect(lambda _i: self._default_action())
        right.addWidget(self.table, 1)
        self.status = QLabel(page)
        self.status.setObjectName("muted")
        self.status.setWordWrap(True)
        right.addWidget(self.status)
        layout.addLayout(right, 1)
        self._update_buttons()
        return page

    def refresh(self) -> None:
        """Reload the counts and the current view."""
        self.model.reload()
        service = self._service

        def counts() -> dict[FollowUpView, int]:
            return {view: service.count(view) for view in FollowUpView}

        self._tasks.read(counts, while_alive(self, self._show_counts), while_alive(self, self._on_failed))
        self._load_setup()

    def _show_counts(self, counts: dict[FollowUpView, int]) -> None:
        for row in range(self.views.count()):
            item = self.views.item(row)
            view = FollowUpView(item.data(Qt.ItemDataRole.UserRole))
            n = counts.get(view, 0)
            item.setText(f"{view_label(view)}  ({n})")
        self.counts_loaded.emit(counts)

    def set_view(self, view: FollowUpView) -> None:
        for row in range(self.views.count()):
            if self.views.item(row).data(Qt.ItemDataRole.UserRole) == view.value:
                self.views.setCurrentRow(row)
                return

    def _view_changed(self, row: int) -> None:
        item = self.views.item(row)
        if item is not None:
            self.model.set_view(FollowUpView(item.data(Qt.ItemDataRole.UserRole)))

    def selected(self) -> FollowUp | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        value = rows[0].data(FollowUpRoles.FOLLOWUP)
        return value if isinstance(value, FollowUp) else None

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)

    def _update_buttons(self) -> None:
        fu = self.selected()
        open_ = fu is not None and fu.status in (FollowUpStatus.PENDING, FollowUpStatus.SENT)
        self.care_button.setEnabled(fu is not None and fu.status is FollowUpStatus.PENDING)
        self.outcome_button.setEnabled(open_)
        self.cancel_button.setEnabled(open_)
        self.customer_button.setEnabled(fu is not None)

    def _default_action(self) -> None:
        fu = self.selected()
        if fu is None:
            return
        if fu.status is FollowUpStatus.PENDING:
            self.send_care()
        elif fu.status is FollowUpStatus.SENT:
            self.record_outcome()

    def _show_customer(self) -> None:
        fu = self.selected()
        if fu is not None:
            self.customer_requested.emit(fu.customer_id)

    def _show_error(self, text: str) -> None:
        self.status.setText(text)

    def _on_failed(self, exc: BaseException) -> None:
        self._show_error(crm_error_text(exc))

    def _after(self, message: str) -> Callable[[object], None]:
        def done(_result: object) -> None:
            self.status.setText(message)
            self.changed.emit()
            self.refresh()

        return while_alive(self, done)

    def _open(self, dialog: Any, on_ok: Callable[[Any], None]) -> None:
        self.dialog = dialog

        def finished(result: int) -> None:
            self.dialog = None
            if result:
                on_ok(dialog.result_value)
            dialog.deleteLater()

        dialog.finished.connect(finished)
        dialog.open()

    def send_care(self) -> None:
        fu = self.selected()
        if fu is None or fu.status is not FollowUpStatus.PENDING:
            return
        service = self._service

        def show(text: str) -> None:
            dialog = CareMessageDialog(fu.customer_nick, text, self)
            self._open(dialog, lambda message: self._send(fu, str(message)))

        self._tasks.read(lambda: service.draft(fu.id), while_alive(self, show), while_alive(self, self._on_failed))

    def _send(self, fu: FollowUp, text: str) -> None:
        service, agent_id, agent = self._service, self._agent_id, self._agent_name

        def done(sent: FollowUp) -> None:
            self.care_sent.emit(sent.customer_id)
            self._after(self.tr("已发送给 {nick}，回访等待记录结果。").format(nick=sent.customer_nick))(sent)

        self._tasks.write(
            lambda: service.send_care(fu.id, text, agent_id, agent),
            while_alive(self, done),
            while_alive(self, self._on_failed),
        )

    def record_outcome(self) -> None:
        fu = self.selected()
        if fu is None or fu.status not in (FollowUpStatus.PENDING, FollowUpStatus.SENT):
            return
        service, agent = self._service, self._agent_name
        dialog = OutcomeDialog(fu.customer_nick, self)
        self._open(
            dialog,
            lambda value: self._tasks.write(
                lambda: service.complete(fu.id, value[0], value[1], agent),
                self._after(self.tr("已记录 {nick} 的回访结果。").format(nick=fu.customer_nick)),
                while_alive(self, self._on_failed),
            ),
        )

    def cancel_followup(self) -> None:
        fu = self.selected()
        if fu is None:
            return
        service = self._service
        self._tasks.write(
            lambda: service.cancel(fu.id),
            self._after(self.tr("已取消 {nick} 的回访。").format(nick=fu.customer_nick)),
            while_alive(self, self._on_failed),
        )

    def run_rules(self) -> None:
        service = self._service
        self.run_button.setEnabled(False)

        def done(created: int) -> None:
            self.run_button.setEnabled(True)
            self._after(self.tr("按规则新安排了 {n} 个回访。").format(n=created))(created)

        def failed(exc: BaseException) -> None:
            self.run_button.setEnabled(True)
            self._on_failed(exc)

        self._tasks.write(service.run_rules, while_alive(self, done), while_alive(self, failed))

    # -- rules and templates -----------------------------------------------------------------------

    def _rules_tab(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 10, 0, 0)
        hint = QLabel(
            self.tr(
                "规则每天自动找出需要回访的客户：例如订单签收后 1–3 天做关怀回访，或召回流失预警客户。"
                "点“按规则生成回访”立即执行一次。"
            ),
            page,
        )
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.rule_list = QListWidget(page)
        self.rule_list.setObjectName("ruleList")
        self.rule_list.itemDoubleClicked.connect(lambda _i: self.edit_rule())
        layout.addWidget(self.rule_list, 1)
        buttons = QHBoxLayout()
        new = QPushButton(self.tr("新建规则"), page)
        new.setObjectName("primary")
        new.clicked.connect(lambda: self.edit_rule(new=True))
        edit = QPushButton(self.tr("编辑"), page)
        edit.clicked.connect(lambda: self.edit_rule())
        delete = QPushButton(self.tr("删除"), page)
        delete.clicked.connect(self.delete_rule)
        for button in (new, edit, delete):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        return page

    def _templates_tab(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 10, 0, 0)
        examples = "、".join("{" + name + "}" for name in PLACEHOLDERS[:4])
        hint = QLabel(
            self.tr("关怀话术可以使用占位符，如 {examples}，发送时自动替换成客户的信息。").format(examples=examples),
            page,
        )
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.template_list = QListWidget(page)
        self.template_list.setObjectName("templateList")
        self.template_list.setWordWrap(True)
        self.template_list.itemDoubleClicked.connect(lambda _i: self.edit_template())
        layout.addWidget(self.template_list, 1)
        buttons = QHBoxLayout()
        new = QPushButton(self.tr("新建话术"), page)
        new.setObjectName("primary")
        new.clicked.connect(lambda: self.edit_template(new=True))
        edit = QPushButton(self.tr("编辑"), page)
        edit.clicked.connect(lambda: self.edit_template())
        delete = QPushButton(self.tr("删除"), page)
        delete.clicked.connect(self.delete_template)
        for button in (new, edit, delete):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        return page

    def _load_setup(self) -> None:
        service = self._service
        self._tasks.read(
            lambda: (service.rules(), service.templates()),
            while_alive(self, lambda result: self._show_setup(*result)),
            while_alive(self, self._on_failed),
        )

    def _show_setup(self, rules: list[FollowUpRule], templates: list[CareTemplate]) -> None:
        self._rules, self._templates = rules, templates
        names = {t.id: t.name for t in templates}
        self.rule_list.clear()
        for rule in rules:
            days = self.tr("{a}–{b} 天").format(a=rule.min_days, b=rule.max_days)
            state = self.tr("启用") if rule.enabled else self.tr("停用")
            used = names.get(rule.template_id, "") if rule.template_id else ""
            shown = used or self.tr("不用话术")
            item = QListWidgetItem(f"{rule.name}　·　{trigger_label(rule.trigger)} {days}　·　{shown}　·　{state}")
            item.setData(Qt.ItemDataRole.UserRole, rule.id)
            if not rule.enabled:
                item.setForeground(colour("rule_disabled"))
            self.rule_list.addItem(item)
        self.template_list.clear()
        for template in templates:
            item = QListWidgetItem(f"{template.name}\n{template.text}")
            item.setData(Qt.ItemDataRole.UserRole, template.id)
            self.template_list.addItem(item)

    def templates(self) -> list[CareTemplate]:
        return list(self._templates)

    def _selected_id(self, widget: QListWidget) -> int | None:
        item = widget.currentItem()
        value = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return int(value) if isinstance(value, int) else None

    def edit_rule(self, new: bool = False) -> None:
        rule_id = None if new else self._selected_id(self.rule_list)
        rule = next((r for r in self._rules if r.id == rule_id), None)
        if not new and rule is None:
            return
        service = self._service
        dialog = FollowUpRuleDialog(rule, self._templates, self)
        self._open(
            dialog,
            lambda value: self._tasks.write(
                lambda: service.save_rule(value),
                self._after(self.tr("规则已保存。")),
                while_alive(self, self._on_failed),
            ),
        )

    def delete_rule(self) -> None:
        rule_id = self._selected_id(self.rule_list)
        if rule_id is None:
            return
        service = self._service
        self._confirm(
            self.tr("删除这条规则？已经安排的回访会保留。"),
            lambda: self._tasks.write(
                lambda: service.delete_rule(rule_id),
                self._after(self.tr("规则已删除。")),
                while_alive(self, self._on_failed),
            ),
        )

    def edit_template(self, new: bool = False) -> None:
        template_id = None if new else self._selected_id(self.template_list)
        template = next((t for t in self._templates if t.id == template_id), None)
        if not new and template is None:
            return
        service = self._service
        dialog = CareTemplateDialog(template, self)
        self._open(
            dialog,
            lambda value: self._tasks.write(
                lambda: service.save_template(template.id if template else None, value[0], value[1]),
                self._after(self.tr("话术已保存。")),
                while_alive(self, self._on_failed),
            ),
        )

    def delete_template(self) -> None:
        template_id = self._selected_id(self.template_list)
        if template_id is None:
            return
        service = self._service
        self._confirm(
            self.tr("删除这条话术？用到它的规则将不再附带话术。"),
            lambda: self._tasks.write(
                lambda: service.delete_template(template_id),
                self._after(self.tr("话术已删除。")),
                while_alive(self, self._on_failed),
            ),
        )

    def _confirm(self, text: str, then: Callable[[], None]) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("请确认"))
        box.setText(text)
        ok = box.addButton(self.tr("删除"), QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(self.tr("取消"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(button: QAbstractButton) -> None:
            self.dialog = None
            if button is ok:
                then()

        box.buttonClicked.connect(answered)
        self.dialog = box
        box.open()
