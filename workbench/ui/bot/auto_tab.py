"""自动消息 (跟单 / 店小秘): rules with templates for order events, 批量发消息, the order-event
simulator's pace, and the log of what was sent."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

from PySide6.QtCore import QTime, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTableView,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.auto_messages import (
    AutoKind,
    AutoLogEntry,
    AutoRule,
    BulkTarget,
    LogStatus,
    check_rule,
    check_template,
    placeholders_for,
    render,
    sample_values,
)
from workbench.domain.errors import DomainError
from workbench.domain.orders import OrderState
from workbench.services.auto_messages import AutoMessageService, AutoResult
from workbench.ui.bot.common import (
    FieldErrors,
    FormGrid,
    Section,
    error_label,
    fill_tab,
    hbox,
    muted,
    page_column,
    primary_button,
    show_status,
    status_line,
)
from workbench.ui.bot.labels import bot_error_text, kind_hint, kind_label, status_label
from workbench.ui.bot.models import Column, RecordTableModel
from workbench.ui.orders.states import state_label
from workbench.ui.tasks import Tasks
from workbench.ui.widgets.flow_layout import FlowLayout
from workbench.ui.widgets.guard import while_alive

LOG_PAGE = 200
RULE_KINDS = (
    AutoKind.PAID, AutoKind.SHIPPED, AutoKind.UNPAID, AutoKind.DELAYED, AutoKind.GOOD_REVIEW, AutoKind.BUSY,
)  # fmt: skip


def _qtime(t: time) -> QTime:
    return QTime(t.hour, t.minute)


def _time(q: QTime) -> time:
    return time(q.hour(), q.minute())


class TemplateEditor(QWidget):
    """A template box with buttons inserting the placeholders this kind of message can use, an
    inline error naming an unknown placeholder, and a preview with example values."""

    def __init__(self, kind: AutoKind, shop_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.shop_name = shop_name
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.edit = QPlainTextEdit()
        self.edit.setFixedHeight(76)
        layout.addWidget(self.edit)
        chips = QWidget()
        self.chips = FlowLayout(chips, 6, 4)
        layout.addWidget(chips)
        self.error = error_label()
        layout.addWidget(self.error)
        self.preview = QLabel()
        self.preview.setObjectName("hint")
        self.preview.setWordWrap(True)
        layout.addWidget(self.preview)
        self.set_kind(kind)
        self.edit.textChanged.connect(self.check)

    def set_kind(self, kind: AutoKind) -> None:
        self.kind = kind
        self.chips.clear()
        for name in placeholders_for(kind):
            button = QPushButton("{" + name + "}")
            button.setObjectName("chipButton")
            button.setToolTip(self.tr("插入变量"))
            button.clicked.connect(lambda _c=False, n=name: self.edit.insertPlainText("{" + n + "}"))
            self.chips.addWidget(button)

    def text(self) -> str:
        return self.edit.toPlainText()

    def set_text(self, text: str) -> None:
        self.edit.setPlainText(text)
        self.check()

    def check(self) -> bool:
        """Check the template as it is typed; show the error or a preview."""
        try:
            cleaned = check_template(self.text(), self.kind)
        except DomainError as exc:
            self.error.setText(bot_error_text(exc))
            self.error.show()
            self.preview.clear()
            return False
        self.error.hide()
        self.preview.setText(self.tr("预览：{text}").format(text=render(cleaned, sample_values(self.shop_name))))
        return True


class AutoMessagesTab(QWidget):
    loaded = Signal()
    """Rules, bulk targets and the newest log entries are on screen."""

    saved = Signal()
    """A rule or the order-event pace was saved."""

    sent = Signal(int)
    """批量发消息 went out; carries how many customers got it."""

    log_refreshed = Signal()
    """The log shows the newest entries."""

    def __init__(
        self, tasks: Tasks, service: AutoMessageService, shop_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._service = service
        self._rules: dict[AutoKind, AutoRule] = {}
        self._drafts: dict[AutoKind, AutoRule] = {}
        self._current: AutoKind = AutoKind.PAID
        self._switching = False
        self.errors = FieldErrors(bot_error_text)
        content, column = page_column()

        rules = Section(
            self.tr("跟单消息"), self.tr("订单有变化时自动给买家发消息；买家正在咨询时，消息也会出现在聊天里。")
        )
        row = QHBoxLayout()
        row.setSpacing(12)
        self.kind_model: RecordTableModel[AutoKind] = RecordTableModel(
            [Column(self.tr("消息"), self._kind_text)], key=lambda k: k.value, parent=self
        )
        self.kind_model.set_records([*RULE_KINDS, AutoKind.BULK])
        self.kind_view = QListView()
        self.kind_view.setObjectName("ruleList")
        self.kind_view.setModel(self.kind_model)
        self.kind_view.setFixedWidth(190)
        self.kind_view.selectionModel().currentChanged.connect(lambda cur, _prev: self._on_kind_changed(cur.row()))
        row.addWidget(self.kind_view)
        self.stack = QStackedWidget()
        self.stack.addWidget(self._rule_page(shop_name))
        self.stack.addWidget(self._bulk_page(shop_name))
        row.addWidget(self.stack, 1)
        rules.body.addLayout(row)
        column.addWidget(rules)

        pace = Section(
            self.tr("模拟订单事件"),
            self.tr(
                "课堂练习：模拟客户进店时，程序按这个速度让店铺的订单付款、发货、签收，并新下一些订单，"
                "触发上面开启的消息；确认收货的买家还会留下评价（在「售后 → 评价管理」处理）。设为 0 则订单不再变化。"
            ),
        )
        self.events_rate = QSpinBox()
        self.events_rate.setRange(0, 60)
        self.events_rate.setSuffix(self.tr(" 个/分钟"))
        self.save_rate_button = QPushButton(self.tr("保存"))
        self.save_rate_button.clicked.connect(self.save_rate)
        pace.body.addLayout(
            hbox(muted(self.tr("订单事件速度"), wrap=False), self.events_rate, self.save_rate_button, 1)
        )
        column.addWidget(pace)

        log = Section(self.tr("发送记录"))
        self.log_model: RecordTableModel[AutoLogEntry] = RecordTableModel(
            [
                Column(self.tr("时间"), lambda e: f"{e.at:%m-%d %H:%M}"),
                Column(self.tr("类型"), lambda e: kind_label(e.kind)),
                Column(self.tr("买家"), lambda e: e.customer_nick),
                Column(self.tr("订单号"), lambda e: e.order_no),
                Column(self.tr("内容"), lambda e: e.text or e.reason, tooltip=lambda e: e.text or e.reason),
                Column(
                    self.tr("结果"),
                    lambda e: status_label(e.status) + (f"：{e.reason}" if e.reason and e.text else ""),
                    foreground=lambda e: "success_text" if e.status is LogStatus.SENT else "text_muted",
                ),
            ],
            key=lambda e: e.id,
            parent=self,
        )
        self.log_view = QTableView()
        self.log_view.setModel(self.log_model)
        self.log_view.verticalHeader().hide()
        self.log_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.log_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.log_view.setWordWrap(False)
        header = self.log_view.horizontalHeader()
        for i, width in enumerate((90, 0, 130, 160)):
            if width:
                header.setSectionResizeMode(i, QHeaderView.ResizeMode.Fixed)
                header.resizeSection(i, width)
            else:
                header.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.ResizeToContents)
        self.log_view.setMinimumHeight(260)
        log.body.addWidget(self.log_view)
        self.log_count = QLabel()
        self.log_count.setObjectName("hint")
        self.refresh_button = QPushButton(self.tr("刷新"))
        self.refresh_button.clicked.connect(self.refresh_log)
        self.more_button = QPushButton(self.tr("加载更早的记录"))
        self.more_button.clicked.connect(self.load_more)
        log.body.addLayout(hbox(self.log_count, 1, self.more_button, self.refresh_button))
        column.addWidget(log)
        column.addStretch(1)
        fill_tab(self, content)

    # -- pages -----------------------------------------------------------------------------------

    def _rule_page(self, shop_name: str) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.rule_title = QLabel()
        self.rule_title.setObjectName("cardTitle")
        self.rule_hint = muted("")
        layout.addWidget(self.rule_title)
        layout.addWidget(self.rule_hint)
        self.enabled = QCheckBox(self.tr("开启"))
        layout.addWidget(self.enabled)
        self.template = TemplateEditor(AutoKind.PAID, shop_name)
        self.errors.add("template", self.template.error, self.template.edit)
        layout.addWidget(self.template)

        self.unpaid_box = QWidget()
        grid = FormGrid()
        self.delay = QSpinBox()
        self.delay.setRange(0, 7 * 24 * 60)
        self.delay.setSuffix(self.tr(" 分钟"))
        grid.add_row(
            self.tr("下单后"),
            hbox(self.delay, muted(self.tr("仍未付款时提醒"), wrap=False), 1),
            self.errors.add("delay_minutes", error_label(), self.delay),
        )
        self.min_amount = QSpinBox()
        self.min_amount.setRange(0, 100000)
        self.min_amount.setSuffix(self.tr(" 元"))
        grid.add_row(
            self.tr("最低金额"), hbox(self.min_amount, muted(self.tr("低于此金额的订单不催付"), wrap=False), 1)
        )
        self.skip_bad = QCheckBox(self.tr("不催付曾给过差评的买家"))
        grid.add_row(self.tr("买家"), self.skip_bad)
        self.quiet = QCheckBox(self.tr("免打扰"))
        self.quiet_start = QTimeEdit()
        self.quiet_start.setDisplayFormat("HH:mm")
        self.quiet_end = QTimeEdit()
        self.quiet_end.setDisplayFormat("HH:mm")
        grid.add_row(
            self.tr("免打扰时段"),
            hbox(
                self.quiet,
                self.quiet_start,
                QLabel("—"),
                self.quiet_end,
                muted(self.tr("期间不发，结束后补发"), wrap=False),
                1,
            ),
            self.errors.add("quiet_hours", error_label(), self.quiet_start, self.quiet_end),
        )
        self.unpaid_box.setLayout(grid)
        layout.addWidget(self.unpaid_box)

        self.delayed_box = QWidget()
        delayed = FormGrid()
        self.overdue_hours = QSpinBox()
        self.overdue_hours.setRange(1, 7 * 24)
        self.overdue_hours.setSuffix(self.tr(" 小时"))
        delayed.add_row(
            self.tr("付款后超过"), hbox(self.overdue_hours, muted(self.tr("仍未发货时发送"), wrap=False), 1)
        )
        self.delayed_box.setLayout(delayed)
        layout.addWidget(self.delayed_box)

        self.rule_status = status_line()
        self.save_rule_button = primary_button(self.tr("保存"))
        self.save_rule_button.clicked.connect(self.save_rule)
        layout.addLayout(hbox(self.rule_status, 1, self.save_rule_button))
        layout.addStretch(1)
        return page

    def _bulk_page(self, shop_name: str) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        title = QLabel(kind_label(AutoKind.BULK))
        title.setObjectName("cardTitle")
        layout.addWidget(title)
        layout.addWidget(muted(kind_hint(AutoKind.BULK)))
        self.target_kind = QComboBox()
        for code, text in (
            ("all", self.tr("全部客户")),
            ("tag", self.tr("按标签")),
            ("order_state", self.tr("按订单状态")),
            ("vip", self.tr("88VIP 客户")),
            ("member_level", self.tr("按会员等级")),
        ):
            self.target_kind.addItem(text, code)
        self.target_value = QComboBox()
        self.target_value.setMinimumWidth(160)
        self.recipients = QLabel()
        self.recipients.setObjectName("statusLine")
        layout.addLayout(hbox(self.target_kind, self.target_value, self.recipients, 1))
        self.bulk_template = TemplateEditor(AutoKind.BULK, shop_name)
        layout.addWidget(self.bulk_template)
        self.bulk_status = status_line()
        self.send_button = primary_button(self.tr("发送"))
        self.send_button.clicked.connect(self.confirm_bulk)
        layout.addLayout(hbox(self.bulk_status, 1, self.send_button))
        layout.addStretch(1)
        self.target_kind.currentIndexChanged.connect(self._fill_target_values)
        self.target_value.currentIndexChanged.connect(self._count_recipients)
        self._tags: list[str] = []
        self._levels: list[str] = []
        return page

    # -- loading ---------------------------------------------------------------------------------

    def load(self) -> None:
        service = self._service

        def job() -> tuple[dict[AutoKind, AutoRule], float, list[AutoLogEntry], int, list[str], list[str]]:
            tags, levels = service.bulk_options()
            return (
                service.rules(),
                service.order_events_per_min(),
                service.log(limit=LOG_PAGE),
                service.log_count(),
                tags,
                levels,
            )

        self._tasks.read(job, while_alive(self, self._on_loaded))

    def _on_loaded(
        self, result: tuple[dict[AutoKind, AutoRule], float, list[AutoLogEntry], int, list[str], list[str]]
    ) -> None:
        rules, rate, log, count, tags, levels = result
        self._rules = dict(rules)
        self._drafts = dict(rules)
        self._tags, self._levels = tags, levels
        self.events_rate.setValue(round(rate))
        self.kind_model.set_records([*RULE_KINDS, AutoKind.BULK])
        self.bulk_template.set_text(rules[AutoKind.BULK].template)
        self._fill_target_values()
        self._show_log(log, count)
        self.select_kind(self._current)
        self.loaded.emit()

    def _kind_text(self, kind: AutoKind) -> str:
        if kind is AutoKind.BULK:
            return kind_label(kind)
        rule = self._rules.get(kind)
        state = self.tr("已开启") if rule is not None and rule.enabled else self.tr("未开启")
        return f"{kind_label(kind)}  ·  {state}"

    # -- rules -----------------------------------------------------------------------------------

    def select_kind(self, kind: AutoKind) -> None:
        row = self.kind_model.row_of(kind.value)
        self.kind_view.setCurrentIndex(self.kind_model.index(row, 0))
        self._on_kind_changed(row)

    def _on_kind_changed(self, row: int) -> None:
        kind = self.kind_model.record(row)
        if kind is None:
            return
        changed = kind is not self._current
        if changed and self._current in RULE_KINDS and not self._switching and self._current in self._drafts:
            self._drafts[self._current] = self.rule_form()
        self._current = kind
        if kind is AutoKind.BULK:
            self.stack.setCurrentIndex(1)
            return
        self.stack.setCurrentIndex(0)
        rule = self._drafts.get(kind) or self._rules.get(kind)
        if rule is not None:
            self._show_rule(rule)

    def _show_rule(self, rule: AutoRule) -> None:
        self._switching = True
        self.rule_title.setText(kind_label(rule.kind))
        self.rule_hint.setText(kind_hint(rule.kind))
        self.enabled.setChecked(rule.enabled)
        self.template.set_kind(rule.kind)
        self.template.set_text(rule.template)
        self.unpaid_box.setVisible(rule.kind is AutoKind.UNPAID)
        self.delayed_box.setVisible(rule.kind is AutoKind.DELAYED)
        self.delay.setValue(rule.delay_minutes)
        self.overdue_hours.setValue(max(1, rule.delay_minutes // 60) if rule.kind is AutoKind.DELAYED else 48)
        self.min_amount.setValue(rule.min_amount_cents // 100)
        self.skip_bad.setChecked(rule.skip_bad_reviewers)
        self.quiet.setChecked(rule.quiet_enabled)
        self.quiet_start.setTime(_qtime(rule.quiet_start))
        self.quiet_end.setTime(_qtime(rule.quiet_end))
        self.errors.clear()
        self.template.check()
        self.rule_status.clear()
        self._switching = False

    def rule_form(self) -> AutoRule:
        kind = self._current
        base = self._rules.get(kind) or AutoRule(kind)
        delay = self.delay.value() if kind is AutoKind.UNPAID else base.delay_minutes
        if kind is AutoKind.DELAYED:
            delay = self.overdue_hours.value() * 60
        return replace(
            base,
            enabled=self.enabled.isChecked(),
            template=self.template.text(),
            delay_minutes=delay,
            min_amount_cents=self.min_amount.value() * 100 if kind is AutoKind.UNPAID else base.min_amount_cents,
            skip_bad_reviewers=self.skip_bad.isChecked() if kind is AutoKind.UNPAID else base.skip_bad_reviewers,
            quiet_enabled=self.quiet.isChecked() if kind is AutoKind.UNPAID else base.quiet_enabled,
            quiet_start=_time(self.quiet_start.time()) if kind is AutoKind.UNPAID else base.quiet_start,
            quiet_end=_time(self.quiet_end.time()) if kind is AutoKind.UNPAID else base.quiet_end,
        )

    def save_rule(self) -> None:
        rule = self.rule_form()
        try:
            check_rule(rule)
        except DomainError as exc:
            self.errors.show([exc])
            show_status(self.rule_status, self.tr("请先改正标红的内容。"), "error")
            return
        self.errors.clear()
        self.save_rule_button.setEnabled(False)
        service = self._service

        def done(saved: AutoRule) -> None:
            self.save_rule_button.setEnabled(True)
            self._rules[saved.kind] = saved
            self._drafts[saved.kind] = saved
            row = self.kind_model.row_of(saved.kind.value)
            self.kind_model.replace_row(row, saved.kind)
            show_status(self.rule_status, self.tr("「{kind}」已保存。").format(kind=kind_label(saved.kind)), "okLine")
            self.saved.emit()

        def failed(exc: BaseException) -> None:
            self.save_rule_button.setEnabled(True)
            if isinstance(exc, DomainError):
                self.errors.show([exc])
            show_status(self.rule_status, bot_error_text(exc), "error")

        self._tasks.write(lambda: service.save_rule(rule), while_alive(self, done), while_alive(self, failed))

    def save_rate(self) -> None:
        rate = float(self.events_rate.value())
        service = self._service
        self._tasks.write(
            lambda: service.set_order_events_per_min(rate), while_alive(self, lambda _r: self.saved.emit())
        )

    # -- 批量发消息 -------------------------------------------------------------------------------

    def _fill_target_values(self) -> None:
        kind = self.target_kind.currentData()
        self.target_value.blockSignals(True)
        self.target_value.clear()
        if kind == "tag":
            for name in self._tags:
                self.target_value.addItem(name, name)
        elif kind == "order_state":
            for state in OrderState:
                self.target_value.addItem(state_label(state), state.value)
        elif kind == "member_level":
            for level in self._levels:
                self.target_value.addItem(level, level)
        self.target_value.setEnabled(self.target_value.count() > 0)
        self.target_value.setVisible(kind in ("tag", "order_state", "member_level"))
        self.target_value.blockSignals(False)
        self._count_recipients()

    def target(self) -> BulkTarget:
        return BulkTarget(str(self.target_kind.currentData()), str(self.target_value.currentData() or ""))

    def _count_recipients(self) -> None:
        target = self.target()
        service = self._service
        self.recipients.setText(self.tr("正在统计…"))

        def done(found: list[tuple[int, str]]) -> None:
            if self.target() == target:
                self.recipients.setText(self.tr("将发给 {n} 位客户").format(n=len(found)))

        self._tasks.read(lambda: service.bulk_recipients(target), while_alive(self, done))

    def confirm_bulk(self) -> QMessageBox | None:
        if not self.bulk_template.check():
            show_status(self.bulk_status, self.tr("请先改正模板。"), "error")
            return None
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("批量发消息"),
            self.tr("确定发送给所选客户吗？发出后不能撤回。"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("发送"))
        box.button(QMessageBox.StandardButton.No).setText(self.tr("取消"))
        box.finished.connect(lambda b: self.send_bulk() if b == QMessageBox.StandardButton.Yes else None)
        box.finished.connect(lambda _b: box.deleteLater())
        box.open()
        return box

    def send_bulk(self) -> None:
        target, template = self.target(), self.bulk_template.text()
        service = self._service
        self.send_button.setEnabled(False)

        def done(result: AutoResult) -> None:
            self.send_button.setEnabled(True)
            show_status(self.bulk_status, self.tr("已发送给 {n} 位客户。").format(n=result.sent), "okLine")
            self.sent.emit(result.sent)
            self.refresh_log()

        def failed(exc: BaseException) -> None:
            self.send_button.setEnabled(True)
            show_status(self.bulk_status, bot_error_text(exc), "error")

        self._tasks.write(
            lambda: service.bulk_send(target, template), while_alive(self, done), while_alive(self, failed)
        )

    # -- the log ---------------------------------------------------------------------------------

    def refresh_log(self) -> None:
        service = self._service
        self._tasks.read(
            lambda: (service.log(limit=LOG_PAGE), service.log_count()),
            while_alive(self, lambda r: self._show_log(*r)),
        )

    def _show_log(self, entries: list[AutoLogEntry], count: int) -> None:
        self.log_model.set_records(entries)
        self._log_total = count
        self._update_log_count()
        self.log_refreshed.emit()

    def load_more(self) -> None:
        records = self.log_model.records()
        if not records:
            return
        oldest = records[-1].id
        service = self._service

        def done(older: list[AutoLogEntry]) -> None:
            self.log_model.extend(older)
            self._update_log_count()

        self._tasks.read(lambda: service.log(limit=LOG_PAGE, before_id=oldest), while_alive(self, done))

    def _update_log_count(self) -> None:
        shown = self.log_model.rowCount()
        total = getattr(self, "_log_total", shown)
        self.log_count.setText(self.tr("共 {total} 条，显示 {shown} 条").format(total=total, shown=shown))
        self.more_button.setEnabled(shown < total)
