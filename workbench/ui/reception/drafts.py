"""Saving the agent's unsent reply (草稿) as they type: debounced, through the desk's write queue.

Each keystroke only restarts a timer on the UI thread; when the agent pauses (or switches chats, or
the window closes) the newest text of that chat is written by the serialised write worker. A reply
sent from the composer deletes the draft in its own transaction, so a save still waiting is dropped
(`cancel`) and can never bring a sent reply back as a draft."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from workbench.ui.tasks import Tasks

if TYPE_CHECKING:
    from workbench.services.drafts import DraftService

log = logging.getLogger(__name__)

SAVE_AFTER_MS = 800  # a pause in typing this long saves the draft


class DraftSaver(QObject):
    draft_changed = Signal(int, str)
    """A chat's draft is now this text ("" when it has none): the list shows or drops its 【草稿】."""

    def __init__(self, tasks: Tasks, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.service: DraftService | None = None  # set once the workspace is open
        self._pending: tuple[int, str] | None = None
        self._saved: dict[
            int, str
        ] = {}  # what this desk last wrote (or read) per chat: unchanged text is not rewritten
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_AFTER_MS)
        self._timer.timeout.connect(self.flush)

    def known(self, conversation_id: int, text: str) -> None:
        """The database holds `text` as the chat's draft (read with the lists)."""
        self._saved[conversation_id] = text

    def edited(self, conversation_id: int, text: str) -> None:
        """The agent typed in the chat's composer: save when they pause."""
        if self._pending is not None and self._pending[0] != conversation_id:
            self.flush()  # another chat's text is waiting: it goes first
        self._pending = (conversation_id, text)
        self._timer.start()

    def save_now(self, conversation_id: int, text: str) -> None:
        """The agent leaves the chat (or the desk closes): save its text without waiting."""
        self._pending = (conversation_id, text)
        self.flush()

    def flush(self) -> None:
        self._timer.stop()
        pending, self._pending = self._pending, None
        service = self.service
        if pending is None or service is None:
            return
        conversation_id, text = pending
        text = text if text.strip() else ""
        if self._saved.get(conversation_id, "") == text:
            return
        self._saved[conversation_id] = text
        self.draft_changed.emit(conversation_id, text)
        self.tasks.write(
            lambda: service.save(conversation_id, text),
            None,
            lambda exc: log.warning("could not save the draft of conversation %s: %s", conversation_id, exc),
        )

    def cancel(self, conversation_id: int) -> None:
        """A reply from the chat's composer is being sent (it deletes the draft): drop the text waiting."""
        if self._pending is not None and self._pending[0] == conversation_id:
            self._pending = None
            self._timer.stop()

    def sent(self, conversation_id: int, text: str) -> None:
        """The composer's reply `text` was saved, and the draft deleted with it. When the agent left the
        chat while it was being saved, the same text was saved again as the draft: delete it too."""
        if self._saved.get(conversation_id) == text:
            self.save_now(conversation_id, "")
            return
        self._saved.pop(conversation_id, None)
        self.draft_changed.emit(conversation_id, "")
