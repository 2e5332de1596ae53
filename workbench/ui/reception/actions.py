"""The conversation's actions for the main window: the list's right-click menu (转交, 置顶, 星标, 邀请评价,
结束会话, 只看星标会话), the chat header's 转交 button and the confirmations they need.

The window displays; the work is the `ReceptionController`'s and the rules are the services' (a
refused action comes back as `action_failed` and is said in the status bar). Dialogs open without
blocking (`open()`), so the desk keeps receiving while the agent chooses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMessageBox

from workbench.domain.conversations import Conversation, ConversationState
from workbench.domain.identity import Permission, allows
from workbench.ui.errors import error_text
from workbench.ui.reception.transfer_dialog import TransferDialog

if TYPE_CHECKING:
    from workbench.services.reception import TransferTargets
    from workbench.ui.main_window import MainWindow

STATUS_MS = 8000


class ConversationActions(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.controller = window.controller
        self.menu: QMenu | None = None  # the last menu shown (tests trigger its actions)
        self.transfer_dialog: TransferDialog | None = None
        self.end_confirm: QMessageBox | None = None
        self.starred_only = QAction(self.tr("只看星标会话"), self)
        self.starred_only.setCheckable(True)
        self.starred_only.toggled.connect(window.list_model.set_starred_only)
        window.list_view.menu_requested.connect(self.show_menu)
        c = self.controller
        c.conversation_transferred.connect(self._on_transferred)
        c.rating_invited.connect(lambda _id: self._say(self.tr("已向买家发送邀请评价")))
        c.action_failed.connect(lambda exc: self._say(error_text(exc)))
        c.conversation_unavailable.connect(self._on_unavailable)

    # -- who may --------------------------------------------------------------------------------

    def may_transfer(self, conv: Conversation) -> bool:
        """The chat's agent or a supervisor, while it is open (the service checks it again)."""
        ws = self.window.workspace
        if ws is None or conv.state is ConversationState.ENDED:
            return False
        return conv.agent_id == ws.agent.id or allows(ws.agent.role, Permission.SUPERVISE)

    # -- the menu -------------------------------------------------------------------------------

    def build_menu(self, conv: Conversation | None) -> QMenu:
        menu = QMenu(self.window.list_view)
        if conv is not None:
            transfer = menu.addAction(self.tr("转交…"))
            transfer.setEnabled(self.may_transfer(conv))
            transfer.triggered.connect(lambda: self.open_transfer(conv))
            pin = menu.addAction(self.tr("取消置顶") if conv.pinned else self.tr("置顶"))
            pin.triggered.connect(lambda: self.controller.set_pinned(conv.id, not conv.pinned))
            star = menu.addAction(self.tr("取消星标") if conv.starred else self.tr("星标"))
            star.triggered.connect(lambda: self.controller.set_starred(conv.id, not conv.starred))
            invite = menu.addAction(self.tr("邀请评价"))
            invite.triggered.connect(lambda: self.controller.invite_rating(conv.id))
            menu.addSeparator()
            end = menu.addAction(self.tr("结束会话"))
            end.setEnabled(conv.state is not ConversationState.ENDED)
            end.triggered.connect(lambda: self.request_end(conv))
            menu.addSeparator()
        menu.addAction(self.starred_only)
        return menu

    def show_menu(self, conv: Conversation | None, at: QPoint) -> None:
        if self.window.workspace is None:
            return
        if self.menu is not None:
            self.menu.deleteLater()
        self.menu = self.build_menu(conv)
        self.menu.popup(at)

    # -- 转交 -----------------------------------------------------------------------------------

    def transfer_current(self) -> None:
        """The chat header's 转交 button."""
        current = self.window.current_id
        conv = self.window.list_model.conversation(current) if current is not None else None
        if conv is not None:
            self.open_transfer(conv)

    def open_transfer(self, conv: Conversation) -> None:
        """Read the colleagues and groups, then ask whom to (the dialog shows status and open chats)."""
        self.controller.load_transfer_targets(lambda targets: self._ask_transfer(conv, targets))

    def _ask_transfer(self, conv: Conversation, targets: TransferTargets) -> None:
        if self.transfer_dialog is not None:
            self.transfer_dialog.deleteLater()
        dialog = self.transfer_dialog = TransferDialog(conv.customer_nick, targets, self.window)

        def chosen() -> None:
            choice = dialog.choice()
            if choice is not None:
                self.controller.transfer(conv, choice.target_id, choice.to_group, choice.note)

        dialog.accepted.connect(chosen)
        dialog.open()

    def _on_transferred(self, conv_id: int, to_name: str) -> None:
        self._say(self.tr("已转交给{name}").format(name=to_name))
        if self.window.current_id == conv_id:
            self.window.close_current_chat()  # it is the colleague's now

    def _on_unavailable(self, conv_id: int, exc: BaseException) -> None:
        """A chat this user may not open (another seat's, asked for by its id), or one that is gone."""
        self._say(error_text(exc))
        if self.window.current_id == conv_id:
            self.window.close_current_chat()

    # -- 结束会话 -------------------------------------------------------------------------------

    def request_end(self, conv: Conversation) -> None:
        """End the chat; first ask when the buyer's last message is still unanswered."""
        if conv.waiting_since is None:
            self.controller.end(conv.id, self.tr("客服已结束会话"))
            return
        box = self.end_confirm = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("结束会话"),
            self.tr("买家 {nick} 的最后一条消息还没有回复，确定结束会话吗？").format(nick=conv.customer_nick),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self.window,
        )
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("结束会话"))
        box.button(QMessageBox.StandardButton.No).setText(self.tr("取消"))
        box.setDefaultButton(QMessageBox.StandardButton.No)

        def answered(button: int) -> None:
            if button == QMessageBox.StandardButton.Yes:
                self.controller.end(conv.id, self.tr("客服已结束会话"))

        box.finished.connect(answered)
        box.open()

    def end_current(self) -> None:
        """The chat header's 结束会话 button."""
        current = self.window.current_id
        conv = self.window.list_model.conversation(current) if current is not None else None
        if conv is not None:
            self.request_end(conv)
        elif current is not None:  # not on the lists (opened from another workspace): as before
            self.window.end_current()

    def _say(self, text: str) -> None:
        self.window.statusBar().showMessage(text, STATUS_MS)
