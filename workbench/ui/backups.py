"""备份 in the UI: the list of backups with 立即备份 / 从备份恢复… (in 设置, and offered when the
database cannot be opened), and the daily backup while the program runs.

The work is `workbench.services.backups.BackupService`'s, run through `Tasks`; a restore is only
requested here and happens at the next start, before the database opens.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.storage.errors import DatabaseError, is_corruption
from workbench.ui.errors import error_text
from workbench.ui.tasks import Tasks

if TYPE_CHECKING:
    from workbench.services.backups import Backup, BackupService
    from workbench.ui.main_window import MainWindow

log = logging.getLogger(__name__)

DAILY_FIRST_CHECK_MS = 60_000  # after the desk is ready, out of the way of its start
DAILY_CHECK_MS = 3_600_000  # then hourly: a backup when the newest is a day old


def _size_text(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{max(1, round(size / 1000))} KB"


class BackupPanel(QWidget):
    """The backups of the database, newest first, with 立即备份 and 从备份恢复…."""

    backed_up = Signal(object)
    """A backup was made (Backup)."""

    restore_requested = Signal(str)
    """The next start restores this backup (its file name)."""

    failed = Signal(str)
    """A backup or restore request failed (the translated reason)."""

    def __init__(self, tasks: Tasks, backups: BackupService | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.service = backups
        self.pending: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.note = QLabel(self)
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.note)
        self.list = QListWidget(self)
        self.list.setObjectName("backupList")
        self.list.setMinimumHeight(120)
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())
        layout.addWidget(self.list)
        buttons = QHBoxLayout()
        self.back_up_button = QPushButton(self.tr("立即备份"), self)
        self.back_up_button.clicked.connect(self.back_up)
        self.restore_button = QPushButton(self.tr("从备份恢复…"), self)
        self.restore_button.clicked.connect(self.restore_selected)
        self.cancel_button = QPushButton(self.tr("取消恢复"), self)
        self.cancel_button.clicked.connect(self.cancel_restore)
        buttons.addWidget(self.back_up_button)
        buttons.addWidget(self.restore_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

        if backups is None:
            self._unavailable(self.tr("数据库还在打开中，稍后再来备份。"))
        elif not backups.available:
            self._unavailable(
                self.tr(
                    "数据库在服务器上（PostgreSQL）：备份由服务器负责，请让管理员用 pg_dump 等工具定期备份。"
                    "工作台只为本机的 SQLite 数据库做备份。"
                )
            )
        else:
            self.note.setText(self.tr("升级数据库前和每天自动备份，保存在：{folder}").format(folder=backups.folder))
            self.refresh()

    def _unavailable(self, text: str) -> None:
        self.note.setText(text)
        for widget in (self.list, self.back_up_button, self.restore_button, self.cancel_button):
            widget.hide()

    # -- list ---------------------------------------------------------------------------------

    def refresh(self) -> None:
        service = self.service
        if service is None or not service.available:
            return

        def load() -> tuple[list[Backup], str | None]:
            return service.backups(), service.pending_restore()

        self.tasks.read(load, self._show, self._fail)

    def _show(self, result: tuple[list[Backup], str | None]) -> None:
        backups, self.pending = result
        self.list.clear()
        kinds = {"manual": self.tr("手动备份"), "daily": self.tr("每日备份"), "pre-migration": self.tr("升级前备份")}
        for backup in backups:
            text = f"{backup.created:%Y-%m-%d %H:%M:%S}  ·  {kinds.get(backup.reason, backup.reason)}  ·  "
            text += _size_text(backup.size)
            if backup.name == self.pending:
                text += "  ·  " + self.tr("下次启动时恢复")
            item = QListWidgetItem(text, self.list)
            item.setData(Qt.ItemDataRole.UserRole, backup)
            item.setToolTip(str(backup.path))
        if not backups:
            empty = QListWidgetItem(self.tr("还没有备份"), self.list)
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
        else:
            self.list.setCurrentRow(0)  # the newest: what a restore usually wants
        self._update_buttons()

    def selected(self) -> Backup | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _update_buttons(self) -> None:
        self.restore_button.setEnabled(self.selected() is not None)
        self.cancel_button.setVisible(self.pending is not None and self.service is not None)

    # -- actions ------------------------------------------------------------------------------

    def back_up(self) -> None:
        service = self.service
        if service is None:
            return
        self.back_up_button.setEnabled(False)
        self.status.setText(self.tr("正在备份…"))

        def done(backup: Backup) -> None:
            self.back_up_button.setEnabled(True)
            self.status.setText(self.tr("已备份：{name}").format(name=backup.name))
            self.backed_up.emit(backup)
            self.refresh()

        def failed(exc: BaseException) -> None:
            self.back_up_button.setEnabled(True)
            self._fail(exc)

        self.tasks.read(service.back_up, done, failed)

    def restore_selected(self) -> None:
        service, backup = self.service, self.selected()
        if service is None or backup is None:
            return
        answer = QMessageBox.question(
            self,
            self.tr("从备份恢复"),
            self.tr(
                "用 {time} 的备份替换现在的数据库？\n\n"
                "恢复在下次启动工作台时进行：现在的数据库文件会改名保留在原处，此后的改动不在备份中。"
            ).format(time=f"{backup.created:%Y-%m-%d %H:%M:%S}"),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.restore_button.setEnabled(False)
        self.status.setText(self.tr("正在检查备份…"))

        def done(chosen: Backup) -> None:
            self.status.setText(
                self.tr("已安排：下次启动时从 {name} 恢复。请关闭并重新打开工作台。").format(name=chosen.name)
            )
            self.restore_requested.emit(chosen.name)
            self.refresh()

        self.tasks.read(lambda: service.request_restore(backup.path), done, self._fail)

    def cancel_restore(self) -> None:
        service = self.service
        if service is None:
            return

        def done(_result: object) -> None:
            self.status.setText(self.tr("已取消恢复。"))
            self.refresh()

        self.tasks.read(service.cancel_restore, done, self._fail)

    def _fail(self, exc: BaseException) -> None:
        log.warning("backup action failed: %r", exc)
        text = error_text(exc)
        self.status.setText(text)
        self._update_buttons()
        self.failed.emit(text)


class RestoreDialog(QDialog):
    """从备份恢复 when the database cannot be opened (the window's settings are out of reach then)."""

    def __init__(self, tasks: Tasks, backups: BackupService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("从备份恢复"))
        self.resize(560, 360)
        self.panel = BackupPanel(tasks, backups, self)
        self.restored: str | None = None
        self.panel.restore_requested.connect(self._requested)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel)
        layout.addWidget(buttons)

    def _requested(self, name: str) -> None:
        self.restored = name


class DailyBackups(QObject):
    """While the desk runs: a backup when the newest is a day old (checked hourly)."""

    finished = Signal(object)
    """A check ended (the Backup made, or None when none was due)."""

    def __init__(self, window: MainWindow, *, first_ms: int = DAILY_FIRST_CHECK_MS, every_ms: int = DAILY_CHECK_MS):
        super().__init__(window)
        self.window = window
        self.running = False
        self.timer = QTimer(self)
        self.timer.setInterval(every_ms)
        self.timer.timeout.connect(self.check)
        self.first_ms = first_ms
        window.workspace_ready.connect(self._start)

    def _service(self) -> BackupService | None:
        future = self.window.controller.opening.backups
        if not future.done() or future.exception() is not None:
            return None
        service = future.result()
        return service if service.available else None

    def _start(self) -> None:
        if self._service() is not None:
            QTimer.singleShot(self.first_ms, self, self.check)
            self.timer.start()

    def check(self) -> None:
        service = self._service()
        if service is None or self.running:
            return
        self.running = True

        def done(backup: Backup | None) -> None:
            self.running = False
            self.finished.emit(backup)

        def failed(exc: BaseException) -> None:
            self.running = False
            log.error("the daily backup failed: %r", exc)
            text = self.tr("每日备份失败：{reason}").format(reason=error_text(exc))
            self.window.statusBar().showMessage(text)  # stays until the next message
            self.finished.emit(None)

        self.window.tasks.read(service.back_up_if_due, done, failed)


def restorable_failure(exc: BaseException | None, backups: BackupService | None) -> bool:
    """Whether restoring a backup may cure this failure to open the database: a damaged file or a
    failed upgrade, with backups to choose from."""
    if exc is None or backups is None or not backups.available:
        return False
    return is_corruption(exc) or (isinstance(exc, DatabaseError) and exc.code == "db.migration_failed")


class OpenFailure(QMessageBox):
    """The workspace cannot open: why, and, when restoring may help, 从备份恢复…."""

    def __init__(self, text: str, tasks: Tasks, backups: BackupService | None, restorable: bool, parent: QWidget):
        super().__init__(
            QMessageBox.Icon.Critical, self.tr("无法打开工作台"), text, QMessageBox.StandardButton.Close, parent
        )
        self.setObjectName("openFailure")
        self.tasks = tasks
        self.backups = backups
        self.restore_button = self.addButton(self.tr("从备份恢复…"), QMessageBox.ButtonRole.ActionRole)
        self.restore_button.setVisible(restorable)
        self.restored: str | None = None

    def run(self) -> None:
        """Show it; a restore chosen from it is requested for the next start, which the user is told."""
        self.exec()
        if self.clickedButton() is not self.restore_button or self.backups is None:
            return
        dialog = RestoreDialog(self.tasks, self.backups, self.parentWidget())
        dialog.exec()
        self.restored = dialog.restored
        if self.restored is not None:
            QMessageBox.information(
                self.parentWidget(),
                self.tr("从备份恢复"),
                self.tr("下次启动时将从 {name} 恢复。请重新启动工作台。").format(name=self.restored),
            )
