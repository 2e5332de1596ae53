"""What went wrong at start-up without stopping the window, told once: settings that fell back to
their defaults, simulated customers or suggestions that could not start, a restore from a backup
(done or refused).

Each notice is a non-blocking dialog over the window (and a line in the log, written where it
happened). The window keeps working underneath: a subsystem's start-up error never leaves a dead
window.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from workbench.launch import LaunchConfig
from workbench.services.backups import BackupError
from workbench.settings import SettingProblem
from workbench.ui.errors import error_text

if TYPE_CHECKING:
    from workbench.services.startup_notice import StartupNotice
    from workbench.ui.main_window import MainWindow

log = logging.getLogger(__name__)


class StartupNotices(QObject):
    """Shows the start-up notices of one window."""

    notice_shown = Signal(str)
    """A notice dialog opened (its text)."""

    def __init__(self, window: MainWindow, config: LaunchConfig) -> None:
        super().__init__(window)
        self.window = window
        self.config = config
        self.dialogs: list[QMessageBox] = []
        window.workspace_ready.connect(self._on_workspace_ready)
        window.workspace_failed.connect(self._on_failed)
        if config.settings_problems:
            # After the window's first paint: the dialog belongs over it.
            QTimer.singleShot(0, self._show_settings_problems)

    # -- settings -----------------------------------------------------------------------------

    def _show_settings_problems(self) -> None:
        problems = self.config.settings_problems
        lines = [self.problem_text(p) for p in problems]
        text = "\n".join(
            [
                self.tr("设置文件中有无法使用的设置，已改用默认值：{path}").format(
                    path=self.config.paths.settings_file
                ),
                "",
                *[f"• {line}" for line in lines],
                "",
                self.tr("在「设置」中点「确定」保存一次，即可写入有效的设置，下次不再提示。"),
            ]
        )
        self._show(self.tr("部分设置已恢复为默认值"), text)

    def problem_text(self, p: SettingProblem) -> str:
        """One unusable setting, in the UI language."""
        kind = {
            "bool": self.tr("true 或 false"),
            "int": self.tr("整数"),
            "float": self.tr("数字"),
            "str": self.tr("带引号的文字"),
        }.get(p.kind, p.kind)
        match p.reason:
            case "unreadable":
                return self.tr("文件无法读取（{detail}），全部设置使用默认值。").format(detail=p.value)
            case "too_large":
                return self.tr("文件太大，不是工作台的设置文件，全部设置使用默认值。")
            case "not_an_object":
                return self.tr("文件内容不是 {{…}} 形式的设置，全部设置使用默认值。")
            case "wrong_type":
                return self.tr("{key} = {value}：应为{kind}，已改用默认值 {default}。").format(
                    key=p.key, value=p.value, kind=kind, default=p.default
                )
            case "out_of_range":
                return self.tr("{key} = {value}：超出允许范围 {expected}，已改用默认值 {default}。").format(
                    key=p.key, value=p.value, expected=p.expected, default=p.default
                )
            case "not_finite":
                return self.tr("{key} = {value}：不是有效的数字，已改用默认值 {default}。").format(
                    key=p.key, value=p.value, default=p.default
                )
            case "not_a_choice":
                return self.tr("{key} = {value}：只能是 {expected} 之一，已改用默认值 {default}。").format(
                    key=p.key, value=p.value, expected=p.expected, default=p.default
                )
            case "too_long":
                return self.tr("{key}：内容太长，已改用默认值 {default}。").format(key=p.key, default=p.default)
        return self.tr("{key} = {value}：无法使用，已改用默认值 {default}。").format(
            key=p.key, value=p.value, default=p.default
        )

    # -- the workspace ------------------------------------------------------------------------

    def _on_workspace_ready(self) -> None:
        ws = self.window.workspace
        if ws is None:
            return
        if ws.channel is None:  # nothing to switch on: say so instead of a button that does nothing
            self.window.sim_action.setEnabled(False)
            self.window.new_customer_action.setEnabled(False)
        for notice in ws.notices:
            title, text = self.notice_text(notice)
            self._show(title, text)

    def notice_text(self, notice: StartupNotice) -> tuple[str, str]:
        """A workspace's start-up notice as (title, text)."""
        p = notice.params
        match notice.code:
            case "simulator.failed":
                return self.tr("模拟客户无法启动"), self.tr(
                    "模拟客户无法启动，工作台在没有模拟客户的情况下照常工作。\n原因：{error}\n详情见日志：{log}"
                ).format(error=p.get("error", ""), log=self.config.paths.logs / "workbench.log")
            case "restore.done":
                kept = p.get("kept_as", "")
                text = self.tr("数据库已从备份 {backup} 恢复。").format(backup=p.get("backup", ""))
                if kept:
                    text += "\n" + self.tr("原来的数据库文件改名保留为：{path}").format(path=kept)
                return self.tr("已从备份恢复"), text
            case "restore.failed":
                reason = error_text(BackupError(p.get("code", ""), p.get("detail", "")))
                return self.tr("没有从备份恢复"), self.tr(
                    "没有从备份 {backup} 恢复，数据库保持原样。\n原因：{reason}"
                ).format(backup=p.get("backup", ""), reason=reason)
        return self.tr("提示"), notice.code

    def _on_failed(self, text: str) -> None:
        """The KB matcher failed after the workspace opened: the desk works without suggestions (the
        workspace's own failure is the bootstrap's to report: nothing works without the database)."""
        if self.config.smoke_test or not workspace_open(self.window):  # the smoke test fails instead
            return
        self._show(
            self.tr("智能辅助无法启动"),
            self.tr("智能辅助无法启动，接待可以照常进行，但不会有推荐回复。\n原因：{error}").format(error=text),
        )

    # -- display ------------------------------------------------------------------------------

    def _show(self, title: str, text: str) -> None:
        parent: QWidget = self.window
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
        box.setObjectName("startupNotice")
        self.dialogs.append(box)
        box.finished.connect(lambda _result, box=box: self._closed(box))
        box.open()  # not exec(): the window keeps running its start-up underneath
        self.notice_shown.emit(text)

    def _closed(self, box: QMessageBox) -> None:
        if box in self.dialogs:
            self.dialogs.remove(box)
        box.deleteLater()


def workspace_open(window: MainWindow) -> bool:
    """Whether the window's workspace opened (a failure reported after that is the KB matcher's)."""
    future = window.controller.opening.workspace
    return future.done() and future.exception() is None
