"""Logging in to a shared database: the login dialog, and the flow that shows it before the
workspace opens.

The desk's start-up work opens the database and delivers its door (`DeskLogin`) through
`opening.login`. A single-seat desk, or a login remembered in the keyring, needs no dialog. Otherwise
the dialog asks for the username (the last one is offered) and the password; the check runs off the
UI thread (`Tasks`), and the workspace then opens for the user who logged in.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.errors import DomainError
from workbench.ui.errors import error_text
from workbench.ui.tasks import Tasks

if TYPE_CHECKING:
    from workbench.domain.shops import Agent
    from workbench.services.accounts import DeskLogin
    from workbench.ui.main_window import MainWindow


class LoginDialog(QDialog):
    """Username, password and 记住我; a refused login says why in the dialog and keeps it open."""

    logged_in = Signal(object)
    """The password was right (carries the user, an Agent)."""

    login_refused = Signal(str)
    """The login was refused; carries the message shown."""

    def __init__(self, tasks: Tasks, door: DeskLogin, where: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._door = door
        self.setWindowTitle(self.tr("登录工作台"))
        self.setObjectName("loginDialog")
        self.setMinimumWidth(360)
        title = QLabel(self.tr("登录共享数据库"), self)
        title.setObjectName("paneTitle")
        place = QLabel(where, self)
        place.setObjectName("muted")
        place.setWordWrap(True)
        self.username = QLineEdit(door.last_username, self)
        self.username.setPlaceholderText(self.tr("账号名"))
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("密码"))
        self.remember = QCheckBox(self.tr("记住我（在本机的系统钥匙串中保存登录凭据）"), self)
        self.message = QLabel(self)
        self.message.setObjectName("error")
        self.message.setWordWrap(True)
        self.message.hide()
        buttons = QDialogButtonBox(self)
        self.login_button = QPushButton(self.tr("登录"), self)
        self.login_button.setDefault(True)
        buttons.addButton(self.login_button, QDialogButtonBox.ButtonRole.AcceptRole)
        quit_button = buttons.addButton(self.tr("退出"), QDialogButtonBox.ButtonRole.RejectRole)
        assert quit_button is not None
        self.login_button.clicked.connect(self.submit)
        quit_button.clicked.connect(self.reject)

        form = QFormLayout()
        form.addRow(self.tr("账号"), self.username)
        form.addRow(self.tr("密码"), self.password)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(place)
        layout.addLayout(form)
        layout.addWidget(self.remember)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        (self.password if door.last_username else self.username).setFocus(Qt.FocusReason.OtherFocusReason)
        self._busy = False

    def submit(self) -> None:
        if self._busy:
            return
        username = self.username.text().strip()
        password = self.password.text()
        if not username or not password:
            self._show(self.tr("请输入账号和密码。"))
            return
        self._busy = True
        self.login_button.setEnabled(False)
        self.message.hide()
        door, remember = self._door, self.remember.isChecked()
        # Hashing and the keyring take a moment, and the failure count is a write: off the UI thread.
        self._tasks.write(lambda: door.log_in(username, password, remember), self._on_logged_in, self._on_refused)

    def _on_logged_in(self, user: object) -> None:
        self._busy = False
        self.password.clear()
        self.logged_in.emit(user)
        self.accept()

    def _on_refused(self, exc: BaseException) -> None:
        self._busy = False
        self.password.clear()
        self.password.setFocus(Qt.FocusReason.OtherFocusReason)
        wait = 0
        if isinstance(exc, DomainError):
            wait = int(exc.params.get("delay") or exc.params.get("seconds") or 0)
        if wait:  # repeated failures: the button waits too
            QTimer.singleShot(wait * 1000, lambda: self.login_button.setEnabled(not self._busy))
        else:
            self.login_button.setEnabled(True)
        self._show(error_text(exc))

    def _show(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
        self.login_refused.emit(text)


class LoginFlow(QObject):
    """Shows the login dialog over the window when the desk needs a login, then asks the start-up work
    to open the workspace for the user. Closing the dialog closes the window."""

    _door_ready = Signal(object)  # Future[DeskLogin], from the start-up thread to the UI thread

    dialog_shown = Signal(object)
    """The login dialog is open (carries it)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.dialog: LoginDialog | None = None
        self._door_ready.connect(self._on_door)
        window.controller.opening.login.add_done_callback(self._door_ready.emit)

    def _on_door(self, future: Future[DeskLogin]) -> None:
        if future.exception() is not None or self.dialog is not None:
            return  # the workspace's future carries the error to the window
        door = future.result()
        if not door.needs_login:
            return  # the workspace is on its way
        from workbench.credentials import server_of

        window = self.window
        window.statusBar().showMessage(self.tr("请登录"))
        server = server_of(window.config.db_url)
        where = self.tr("服务器：{host}").format(host=server) if server else self.tr("本机数据")
        self.dialog = LoginDialog(window.tasks, door, where, window)
        self.dialog.logged_in.connect(self._on_logged_in)
        self.dialog.rejected.connect(self._on_quit)
        self.dialog.open()
        self.dialog_shown.emit(self.dialog)

    def _on_logged_in(self, user: Agent) -> None:
        window = self.window
        window.config = replace(
            window.config, settings=window.config.settings.with_changes(last_username=user.username)
        )
        window.statusBar().showMessage(self.tr("正在打开工作台…"))
        window.controller.opening.open_for(user)

    def _on_quit(self) -> None:
        self.window.controller.opening.close()
        self.window.close()
