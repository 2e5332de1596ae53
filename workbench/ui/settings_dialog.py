"""Settings: language, theme, send key, simulator pace, the shared database address and 备份 (backups)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from workbench.credentials import KeyringUnavailable, split_password, store_db_password
from workbench.launch import LaunchConfig
from workbench.settings import BACKUPS_KEPT_RANGE, IDLE_END_RANGE, SIMULATOR_RATE_RANGE, Settings, save_settings
from workbench.ui.backups import BackupPanel
from workbench.ui.tasks import Tasks

if TYPE_CHECKING:
    from workbench.services.backups import BackupService


class SettingsDialog(QDialog):
    def __init__(
        self,
        config: LaunchConfig,
        parent: QWidget | None = None,
        *,
        tasks: Tasks | None = None,
        backups: BackupService | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("设置"))
        self.config = config
        s = config.settings
        self.language = QComboBox(self)
        self.language.addItem("简体中文", "zh_CN")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(max(0, self.language.findData(s.language)))
        self.theme = QComboBox(self)
        self.theme.addItem(self.tr("浅色"), "light")
        self.theme.addItem(self.tr("高对比度"), "high_contrast")
        self.theme.setCurrentIndex(max(0, self.theme.findData(s.theme)))
        self.enter_sends = QCheckBox(self.tr("按 Enter 发送（Shift+Enter 换行）；不勾选则 Ctrl+Enter 发送"), self)
        self.enter_sends.setChecked(s.enter_sends)
        # A buyer who goes away does not end the chat: the agent does, or this much quiet.
        self.idle_end = QSpinBox(self)
        self.idle_end.setRange(*IDLE_END_RANGE)
        self.idle_end.setSingleStep(5)
        self.idle_end.setSuffix(self.tr(" 分钟"))
        self.idle_end.setValue(s.idle_end_minutes)
        self.idle_end.setToolTip(self.tr("买家离开后会话仍保留，客服可继续留言；会话在这段时间无人发言后自动结束。"))
        self.login_status = QComboBox(self)
        self.login_status.addItem(self.tr("在线"), "online")
        self.login_status.addItem(self.tr("挂起"), "busy")
        self.login_status.setCurrentIndex(max(0, self.login_status.findData(s.status_on_login)))
        self.sim_enabled = QCheckBox(self.tr("启动时开启模拟客户"), self)
        self.sim_enabled.setChecked(s.simulator_enabled)
        self.rate = QDoubleSpinBox(self)
        self.rate.setRange(*SIMULATOR_RATE_RANGE)
        self.rate.setSingleStep(0.5)
        self.rate.setSuffix(self.tr(" 位/分钟"))
        self.rate.setValue(s.simulator_rate_per_min)
        # The student at a single-seat desk (实训): on the 实战记录表 and the submission file.
        self.student_name = QLineEdit(s.student_name, self)
        self.student_number = QLineEdit(s.student_number, self)
        self.student_class = QLineEdit(s.student_class, self)
        for edit in (self.student_name, self.student_number, self.student_class):
            edit.setMaxLength(64)
        self.db_url = QLineEdit(s.db_url, self)
        self.db_url.setPlaceholderText(self.tr("留空：使用本机 SQLite 数据库"))
        note = QLabel(
            self.tr("共享数据库示例：postgresql+psycopg://用户:密码@主机/库名。密码只保存在系统钥匙串中。"),
            self,
        )
        note.setObjectName("muted")
        note.setWordWrap(True)
        self.error = QLabel(self)
        self.error.setObjectName("error")
        self.error.setWordWrap(True)

        form = QFormLayout(self)
        form.addRow(self.tr("界面语言"), self.language)
        form.addRow(self.tr("界面主题"), self.theme)
        form.addRow(self.tr("发送方式"), self.enter_sends)
        form.addRow(self.tr("无人发言自动结束会话"), self.idle_end)
        form.addRow(self.tr("登录后状态"), self.login_status)
        form.addRow(self.tr("模拟客户"), self.sim_enabled)
        form.addRow(self.tr("到店频率"), self.rate)
        form.addRow(self.tr("学生姓名"), self.student_name)
        form.addRow(self.tr("学号"), self.student_number)
        form.addRow(self.tr("班级"), self.student_class)
        form.addRow(self.tr("数据库地址"), self.db_url)
        form.addRow("", note)
        form.addRow("", self.error)
        self.backup_box: QGroupBox | None = None
        self.backup_panel: BackupPanel | None = None
        self.backups_kept = QSpinBox(self)
        self.backups_kept.setRange(*BACKUPS_KEPT_RANGE)
        self.backups_kept.setSuffix(self.tr(" 份"))
        self.backups_kept.setValue(s.backups_kept)
        if tasks is not None:  # the window's settings: the backups of its database
            form.addRow(self._backup_section(tasks, backups))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._result = s

    def _backup_section(self, tasks: Tasks, backups: BackupService | None) -> QGroupBox:
        box = QGroupBox(self.tr("备份"), self)
        box.setObjectName("backupSection")
        layout = QVBoxLayout(box)
        keep = QHBoxLayout()
        keep_label = QLabel(self.tr("保留最近"), box)
        keep.addWidget(keep_label)
        keep.addWidget(self.backups_kept)
        keep.addStretch(1)
        layout.addLayout(keep)
        self.backup_panel = BackupPanel(tasks, backups, box)
        layout.addWidget(self.backup_panel)
        if backups is None or not backups.available:
            keep_label.hide()
            self.backups_kept.hide()
        self.backup_box = box
        return box

    def result_settings(self) -> Settings:
        return self._result

    def _save(self) -> None:
        url, password = self.db_url.text().strip(), None
        if url:
            try:
                url, password = split_password(url)
            except Exception:
                self.error.setText(self.tr("数据库地址格式不正确。"))
                return
        if password is not None:
            try:
                store_db_password(url, password)
            except KeyringUnavailable:
                self.error.setText(self.tr("系统钥匙串不可用，密码不会被保存。请在启动时用 --db 传入完整地址。"))
                return
        settings = self.config.settings.with_changes(
            language=str(self.language.currentData()),
            theme=str(self.theme.currentData()),
            enter_sends=self.enter_sends.isChecked(),
            status_on_login=str(self.login_status.currentData()),
            simulator_enabled=self.sim_enabled.isChecked(),
            idle_end_minutes=int(self.idle_end.value()),
            simulator_rate_per_min=float(self.rate.value()),
            db_url=url,
            student_name=self.student_name.text().strip(),
            student_number=self.student_number.text().strip(),
            student_class=self.student_class.text().strip(),
            backups_kept=int(self.backups_kept.value()),
        )
        try:
            save_settings(self.config.paths.settings_file, settings)
        except OSError as exc:
            self.error.setText(self.tr("无法保存设置：{error}").format(error=exc.strerror or str(exc)))
            return
        self._result = settings
        panel = self.backup_panel
        if panel is not None and panel.service is not None:
            panel.service.keep = settings.backups_kept  # from the next backup on
        self.accept()
