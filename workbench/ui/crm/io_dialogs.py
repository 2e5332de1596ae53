"""Import (check the file, show every problem by line, choose how to merge duplicates, then write it
all at once) and export (a selection or everything filtered, CSV or XLSX, phones masked by default).

Checking and importing run on the long-job worker (never on the write worker the desk's replies
use), show their progress and can be cancelled; a cancelled or failed import writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.crm import ImportFailed, MergePolicy, Selection
from workbench.services.crm_io import (
    CrmImportExport,
    CustomerImportPlan,
    ImportPlan,
    ImportResult,
    OrderImportPlan,
)
from workbench.services.sheets import Cancel, Progress, Stage
from workbench.ui import theme
from workbench.ui.crm.labels import crm_error_text, import_issue_text
from workbench.ui.tasks import Tasks
from workbench.ui.widgets.guard import while_alive

MAX_SHOWN = 500  # problems / duplicates listed; the count above the list says how many there are


class CrmImportDialog(QDialog):
    """Import customers or orders from CSV / XLSX."""

    imported = Signal(object)
    """The file was written; carries the ImportResult."""

    checked = Signal(bool)
    """A file was checked, or a check or an import failed or was cancelled; True when it can be imported."""

    progressed = Signal(object)
    """The running check or import got further; carries a `Progress`."""

    CUSTOMERS, ORDERS = "customers", "orders"

    def __init__(self, tasks: Tasks, io: CrmImportExport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._io = io
        self._plan: ImportPlan | None = None
        self._cancel: Cancel | None = None  # the running job's, None when idle
        self.setWindowTitle(self.tr("导入客户或订单"))
        theme.scope(self, "sidebar")
        self.setMinimumSize(620, 520)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)

        kinds = QHBoxLayout()
        self.kind_group = QButtonGroup(self)
        self.customers_radio = QRadioButton(self.tr("客户"), self)
        self.orders_radio = QRadioButton(self.tr("订单"), self)
        self.customers_radio.setChecked(True)
        for button in (self.customers_radio, self.orders_radio):
            self.kind_group.addButton(button)
            kinds.addWidget(button)
            button.toggled.connect(self._reset)
        kinds.addStretch(1)
        layout.addLayout(kinds)
        self.columns_hint = QLabel(self)
        self.columns_hint.setObjectName("muted")
        self.columns_hint.setWordWrap(True)
        layout.addWidget(self.columns_hint)

        pick = QHBoxLayout()
        self.path_edit = QLineEdit(self)
        self.path_edit.setPlaceholderText(self.tr("选择 .csv 或 .xlsx 文件"))
        self.path_edit.textChanged.connect(self._reset)
        browse = QPushButton(self.tr("选择文件…"), self)
        browse.clicked.connect(self._browse)
        self.check_button = QPushButton(self.tr("检查文件"), self)
        self.check_button.clicked.connect(self.check)
        pick.addWidget(self.path_edit, 1)
        pick.addWidget(browse)
        pick.addWidget(self.check_button)
        layout.addLayout(pick)

        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.details = QListWidget(self)
        self.details.setAlternatingRowColors(True)
        self.details.setObjectName("importDetails")
        layout.addWidget(self.details, 1)

        policies = QHBoxLayout()
        self.policy_label = QLabel(self.tr("重复的记录："), self)
        policies.addWidget(self.policy_label)
        self.policy_group = QButtonGroup(self)
        self.policy_buttons: dict[MergePolicy, QRadioButton] = {}
        for policy, text in (
            (MergePolicy.SKIP, self.tr("跳过，保留原有资料")),
            (MergePolicy.FILL, self.tr("合并：只补全空白字段")),
            (MergePolicy.OVERWRITE, self.tr("合并：以文件为准覆盖")),
        ):
            button = QRadioButton(text, self)
            self.policy_group.addButton(button)
            self.policy_buttons[policy] = button
            policies.addWidget(button)
        self.policy_buttons[MergePolicy.FILL].setChecked(True)
        policies.addStretch(1)
        layout.addLayout(policies)

        running = QHBoxLayout()
        self.progress = QProgressBar(self)
        running.addWidget(self.progress, 1)
        self.cancel_button = QPushButton(self.tr("取消"), self)
        self.cancel_button.clicked.connect(self.cancel)
        running.addWidget(self.cancel_button)
        layout.addLayout(running)
        self._show_running(False)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.close_button = QPushButton(self.tr("关闭"), self)
        self.close_button.clicked.connect(self.reject)
        self.import_button = QPushButton(self.tr("导入"), self)
        self.import_button.setObjectName("primary")
        self.import_button.clicked.connect(self.apply)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.import_button)
        layout.addLayout(buttons)
        self._reset()

    def kind(self) -> str:
        return self.ORDERS if self.orders_radio.isChecked() else self.CUSTOMERS

    def policy(self) -> MergePolicy:
        return next((p for p, b in self.policy_buttons.items() if b.isChecked()), MergePolicy.SKIP)

    def set_policy(self, policy: MergePolicy) -> None:
        self.policy_buttons[policy].setChecked(True)

    def _reset(self) -> None:
        self._stop_running()
        self._discard_plan()
        self._set_summary("")
        self.details.clear()
        self.import_button.setEnabled(False)
        self.check_button.setEnabled(bool(self.path_edit.text().strip()))
        for widget in (self.policy_label, *self.policy_buttons.values()):
            widget.setVisible(False)
        if self.kind() == self.CUSTOMERS:
            self.columns_hint.setText(
                self.tr(
                    "第一行为表头。必填：昵称。可选：姓名、手机、性别、城市、信用等级、88VIP、来源、会员等级、积分、"
                    "注册时间、偏好、标签（多个用顿号分隔）。昵称或手机号相同的视为同一位客户。"
                )
            )
        else:
            self.columns_hint.setText(
                self.tr(
                    "第一行为表头。必填：订单号、买家昵称、状态、实付金额、下单时间。可选：付款时间、发货时间、"
                    "签收时间、收货地址、快递公司、运单号、商品、数量、备注。买家须已在客户列表中。"
                )
            )

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择要导入的文件"), "", self.tr("表格文件 (*.csv *.xlsx)"))
        if path:
            self.path_edit.setText(path)
            self.check()

    def check(self) -> None:
        """Read and check the file in the background, with progress; show the plan or every problem."""
        text = self.path_edit.text().strip()
        if not text:
            return
        self._stop_running()
        self._discard_plan()
        path = Path(text)
        io, cancel, customers = self._io, Cancel(), self.kind() == self.CUSTOMERS

        def job(report: Any) -> ImportPlan:
            if customers:
                return io.plan_customers(path, report, cancel)
            return io.plan_orders(path, report, cancel)

        self.check_button.setEnabled(False)
        self.import_button.setEnabled(False)
        self._set_summary(self.tr("正在检查文件…"))
        self._run(job, self._on_plan, cancel)

    def _run(self, job: Any, done: Any, cancel: Cancel) -> None:
        """Run a check or an import on the long-job worker; its results count only while it is the
        current job (another file, the other kind or closing the dialog cancels it)."""
        self._cancel = cancel
        self.progress.setRange(0, 0)  # busy until the first report
        self._show_running(True)
        io, tasks = self._io, self._tasks

        def current() -> bool:
            return shiboken6.isValid(self) and self._cancel is cancel

        def finished(result: Any) -> None:
            if current():
                done(result)
            elif isinstance(result, (CustomerImportPlan, OrderImportPlan)):
                tasks.long(lambda _report: io.discard(result))  # checked too late: let it go

        def failed(exc: BaseException) -> None:
            if current():
                self._on_check_failed(exc)

        self._tasks.long(job, finished, failed, progress=while_alive(self, self._on_progress), cancel=cancel)

    def _on_progress(self, progress: Progress) -> None:
        if self._cancel is None or self._cancel.is_set():
            return  # a job that is being cancelled, or no longer the current one
        percent = progress.percent
        if progress.stage is Stage.READING:
            text = self.tr("正在读取文件…")
        elif progress.stage is Stage.CHECKING:
            text, percent = self.tr("正在查找重复的记录…"), None
        else:
            text = self.tr("正在写入…")
        self._set_summary(text)
        if percent is None:
            self.progress.setRange(0, 0)
        else:
            self.progress.setRange(0, 100)
            self.progress.setValue(percent)
        self.progressed.emit(progress)

    def cancel(self) -> None:
        """Stop the running check or import; nothing of the file is written."""
        if self._cancel is not None:
            self._cancel.set()
            self.cancel_button.setEnabled(False)
            self._set_summary(self.tr("正在取消…"))

    def _stop_running(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self._cancel = None
        self._show_running(False)

    def _show_running(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(running)

    def _discard_plan(self) -> None:
        """A checked file that will not be imported: its staged lines are deleted in the background."""
        plan, self._plan = self._plan, None
        if plan is not None:
            io = self._io
            self._tasks.long(lambda _report: io.discard(plan))

    def _set_summary(self, text: str, error: bool = False) -> None:
        self.summary.setText(text)
        if (self.summary.objectName() == "error") != error:
            self.summary.setObjectName("error" if error else "")
            self.summary.style().unpolish(self.summary)
            self.summary.style().polish(self.summary)

    def done(self, result: int) -> None:
        """Closing stops a running check or import and lets go of a checked file."""
        self._stop_running()
        self._discard_plan()
        super().done(result)

    def _on_plan(self, plan: ImportPlan) -> None:
        self._cancel = None
        self._show_running(False)
        self._plan = plan
        self.check_button.setEnabled(True)
        self.details.clear()
        dup = plan.duplicate_count
        if isinstance(plan, CustomerImportPlan):
            self._set_summary(
                self.tr("文件没有问题：共 {rows} 行，新客户 {new} 位，与已有客户重复 {dup} 位。").format(
                    rows=plan.rows, new=plan.new_count, dup=dup
                )
            )
        else:
            self._set_summary(
                self.tr("文件没有问题：共 {rows} 行，新订单 {new} 个，与已有订单重复 {dup} 个。").format(
                    rows=plan.rows, new=plan.new_count, dup=dup
                )
            )
        matched = {
            "nick": self.tr("昵称相同"),
            "phone": self.tr("手机号相同"),
            "order_no": self.tr("订单号相同"),
        }
        for d in plan.duplicates[:MAX_SHOWN]:
            self.details.addItem(
                self.tr("第 {line} 行 “{key}” · {why} · 已有：{existing}").format(
                    line=d.line, key=d.key, why=matched.get(d.matched_on, d.matched_on), existing=d.existing_key
                )
            )
        for widget in (self.policy_label, *self.policy_buttons.values()):
            widget.setVisible(bool(dup))
        self.import_button.setEnabled(bool(plan.rows))
        self.checked.emit(True)

    def _on_check_failed(self, exc: BaseException) -> None:
        self._cancel = None
        self._show_running(False)
        self._plan = None  # a failed or cancelled job has let go of its staged lines
        self.check_button.setEnabled(True)
        self.import_button.setEnabled(False)
        self.details.clear()
        self._set_summary(crm_error_text(exc), error=True)
        if isinstance(exc, ImportFailed):
            for issue in exc.issues[:MAX_SHOWN]:
                self.details.addItem(import_issue_text(issue))
        self.checked.emit(False)

    def issue_lines(self) -> list[str]:
        return [self.details.item(i).text() for i in range(self.details.count())]

    def apply(self) -> None:
        plan = self._plan
        if plan is None:
            return
        self._plan = None  # the import uses it up, whatever happens
        io, policy, cancel = self._io, self.policy(), Cancel()
        self.import_button.setEnabled(False)
        self.check_button.setEnabled(False)
        self._set_summary(self.tr("正在导入…"))

        def job(report: Any) -> ImportResult:
            if isinstance(plan, CustomerImportPlan):
                return io.apply_customers(plan, policy, report, cancel)
            return io.apply_orders(plan, policy, report, cancel)

        self._run(job, self._on_imported, cancel)

    def _on_imported(self, result: ImportResult) -> None:
        self._cancel = None
        self._show_running(False)
        self.check_button.setEnabled(True)
        self._set_summary(
            self.tr("导入完成：新增 {created}，更新 {updated}，跳过 {skipped}。").format(
                created=result.created, updated=result.updated, skipped=result.skipped
            )
        )
        self.import_button.setEnabled(False)
        self.imported.emit(result)


class CrmExportDialog(QDialog):
    """Export the selected customers, or everyone the list shows, with or without their orders."""

    exported = Signal(str, int)
    """A file was written; carries its path and the number of rows."""

    failed = Signal(str)
    """Writing failed; carries the translated reason."""

    def __init__(
        self,
        tasks: Tasks,
        io: CrmImportExport,
        selected: Selection,
        selected_count: int,
        everyone: Selection,
        everyone_count: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._io = io
        self._selected = selected
        self._everyone = everyone
        self.setWindowTitle(self.tr("导出"))
        theme.scope(self, "sidebar")
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        self.selected_radio = QRadioButton(self.tr("选中的 {n} 位客户").format(n=selected_count), self)
        self.everyone_radio = QRadioButton(self.tr("全部筛选结果（{n} 位）").format(n=everyone_count), self)
        scope = QButtonGroup(self)
        scope.addButton(self.selected_radio)
        scope.addButton(self.everyone_radio)
        (self.selected_radio if selected_count else self.everyone_radio).setChecked(True)
        self.selected_radio.setEnabled(selected_count > 0)
        layout.addWidget(self.selected_radio)
        layout.addWidget(self.everyone_radio)
        self.orders_check = QCheckBox(self.tr("导出这些客户的订单（而不是客户资料）"), self)
        layout.addWidget(self.orders_check)
        self.phone_check = QCheckBox(self.tr("包含完整手机号（默认打码，如 138****1234）"), self)
        layout.addWidget(self.phone_check)
        warning = QLabel(self.tr("完整手机号属于客户隐私，只在确有需要时导出，并妥善保管文件。"), self)
        warning.setObjectName("muted")
        warning.setWordWrap(True)
        layout.addWidget(warning)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        close = QPushButton(self.tr("关闭"), self)
        close.clicked.connect(self.reject)
        self.csv_button = QPushButton(self.tr("导出 CSV…"), self)
        self.csv_button.clicked.connect(lambda: self._choose("csv"))
        self.xlsx_button = QPushButton(self.tr("导出 Excel…"), self)
        self.xlsx_button.setObjectName("primary")
        self.xlsx_button.clicked.connect(lambda: self._choose("xlsx"))
        buttons.addWidget(close)
        buttons.addWidget(self.csv_button)
        buttons.addWidget(self.xlsx_button)
        layout.addLayout(buttons)
        self.phone_check.toggled.connect(lambda on: self.orders_check.setEnabled(not on))
        self.orders_check.toggled.connect(lambda on: self.phone_check.setEnabled(not on))

    def _choose(self, suffix: str) -> None:
        name = self.tr("订单") if self.orders_check.isChecked() else self.tr("客户")
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("导出到"), f"{name}.{suffix}", self.tr("表格文件 (*.{suffix})").format(suffix=suffix)
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        selection = self._selected if self.selected_radio.isChecked() else self._everyone
        io, orders, full = self._io, self.orders_check.isChecked(), self.phone_check.isChecked()
        self.status.setText(self.tr("正在导出…"))
        for button in (self.csv_button, self.xlsx_button):
            button.setEnabled(False)

        def job() -> int:
            if orders:
                return io.export_orders(selection, path)
            return io.export_customers(selection, path, full_phone=full)

        def done(count: int) -> None:
            self.status.setText(self.tr("已导出 {n} 行到 {path}").format(n=count, path=str(path)))
            for button in (self.csv_button, self.xlsx_button):
                button.setEnabled(True)
            self.exported.emit(str(path), count)

        def failed(exc: BaseException) -> None:
            text = crm_error_text(exc)
            self.status.setText(text)
            for button in (self.csv_button, self.xlsx_button):
                button.setEnabled(True)
            self.failed.emit(text)

        self._tasks.read(job, while_alive(self, done), while_alive(self, failed))
