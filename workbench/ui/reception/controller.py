"""The reception desk's work, for the main window to display.

The controller keeps the desk's state (the open chat, the reply it started from, unsent drafts, the
latest customer message of each chat) and does every piece of background work of 接待 through
`Tasks`: the conversation lists, loading a chat, sending, suggestions from the KB matcher, the
simulated customers' ticks, and the chores that follow the calendar (answers with a validity window,
follow-up rules). It touches no widget: results come back as signals the window shows.

On a shared server it also follows the other desks (`follow`): their changes to conversations and
agents re-read the lists (at most once per 100 ms) and the open chat's new messages; a resync after a
lost connection re-reads everything, from the database.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from workbench.domain.conversations import Conversation, EarlierVisit, Message, Sender
from workbench.domain.kb import Suggestion
from workbench.domain.orders import Order
from workbench.domain.shops import Agent, AgentStatus
from workbench.services.assist import AssistResult, order_in_question, pending_buyer_texts, rank
from workbench.storage.errors import storage_failure
from workbench.ui.reception.drafts import DraftSaver
from workbench.ui.tasks import Tasks

if TYPE_CHECKING:  # the services pull in SQLAlchemy and jieba; they arrive with the workspace
    from workbench.kb.matcher import Matcher
    from workbench.kb.semantic import SemanticStage
    from workbench.services.live import ChannelUpdate, SimulatedChannel
    from workbench.services.notifications import Change
    from workbench.services.reception import ConversationLists
    from workbench.services.workspace import Workspace, WorkspaceOpening
    from workbench.ui.live import LiveBridge

log = logging.getLogger(__name__)

SIM_TICK_MS = 500
DAY_CHECK_MS = 60_000
STORAGE_CHECK_MS = 3_000  # while writes fail: how often a small test write is tried
ORDER_NO = re.compile(r"(?<!\d)\d{12,20}(?!\d)")  # platform order numbers are long digit runs
PAGE_SIZE = 200  # messages loaded at a time; older pages come when scrolled to the top
MAX_PENDING_LINES = 10  # buyer lines since the last reply that 智能辅助 answers (the newest)
LISTS_COALESCE_MS = 100  # at most one read of the desk's lists per this many milliseconds


class _Relay(QObject):
    """Start-up futures complete on the start-up thread; this hands them to the UI thread."""

    workspace_done = Signal(object)  # Future[Workspace]
    matcher_done = Signal(object)  # Future[Matcher]
    lists_done = Signal(object)  # Future[tuple[ConversationLists, Agent] | None]
    semantic_ready = Signal()  # the KB's semantic stage became ready (emitted on the stage's thread)


class ReceptionController(QObject):
    workspace_opened = Signal(object)
    """The workspace is open (carries it); the window builds its panels and pages."""

    workspace_failed = Signal(object)
    """Opening the workspace or building the matcher failed; carries the exception."""

    matcher_ready = Signal()
    """The KB matcher is built: suggestions and the bot can work."""

    lists_loaded = Signal(object, object)
    """The desk's conversation lists and this agent as stored now (ConversationLists, Agent)."""

    conversation_loaded = Signal(int, object, object)
    """A chat's latest messages are read (conversation id, list[Message], the Conversation read from
    the database when it was not on this desk's lists, else None)."""

    older_loaded = Signal(int, object, bool)
    """An older page of a chat (conversation id, list[Message], whether there are more)."""

    newer_loaded = Signal(int, int, object, bool)
    """A newer page of a chat scrolled far back (conversation id, the id it follows or 0 for the
    newest page, list[Message], whether there are more after it)."""

    message_saved = Signal(object, bool)
    """An agent reply was saved (Message, whether it came from the composer)."""

    send_failed = Signal(object)
    """Saving a reply failed; carries the exception."""

    sending_changed = Signal(bool)
    """A reply is being saved (True) or no longer (False): the send button follows."""

    messages_arrived = Signal(int, object)
    """New messages in the open chat from the customer, the bot or the system (id, list[Message])."""

    customer_message_received = Signal(int, str)
    """A customer wrote (conversation id, text), before matching."""

    suggestions_pending = Signal()
    """Suggestions were asked for before the matcher was built; they follow when it is."""

    suggestions_ready = Signal(int, str, object)
    """Suggestions for the open chat's customer lines (conversation id, the lines one per line of the
    text, list[Suggestion]): those since the agent's last reply, or the one message the agent picked."""

    order_mentioned = Signal(str)
    """The open chat's customer sent an order number (查单)."""

    reviews_posted = Signal()
    """Simulated buyers reviewed their orders."""

    conversation_ended = Signal(int)
    """The agent ended a chat (conversation id)."""

    conversation_transferred = Signal(int, str)
    """The agent handed a chat over (conversation id, who has it now: an agent's or a group's name)."""

    conversation_unavailable = Signal(int, object)
    """The chat asked to open cannot be read (conversation id, the exception): this user may not open
    it (another seat's), or it is gone."""

    rating_invited = Signal(int)
    """The 邀请评价 card was sent in a chat (conversation id)."""

    visits_loaded = Signal(int, object)
    """A returning buyer's earlier visits (conversation id, list[EarlierVisit] newest first): sent just
    before the chat's `conversation_loaded`."""

    visit_loaded = Signal(int, int, object)
    """An earlier visit's messages to unfold (the open chat's id, the visit's id, list[Message])."""

    action_failed = Signal(object)
    """A conversation action (接入, 转交, 置顶, 星标, 邀请评价, 结束) was refused or failed; carries the
    exception (e.g. DomainError conversation.taken when another desk was quicker)."""

    storage_failed = Signal(str)
    """Writes to the database fail (the code: db.disk_full, db.connection_lost…; again when it changes):
    the simulated customers wait until a test write works."""

    storage_recovered = Signal()
    """Writes work again: the simulated customers carry on."""

    def __init__(
        self, tasks: Tasks, opening: WorkspaceOpening, suggestions_shown: int, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.opening = opening
        self.suggestions_shown = suggestions_shown  # how many suggestions to ask the matcher for
        self.idle_end_minutes = 30  # an open chat quiet this long ends by itself (the window sets it)
        self.workspace: Workspace | None = None
        self.channel: SimulatedChannel | None = None
        self.current_id: int | None = None
        self.pending_suggestion: Suggestion | None = None  # the suggestion the composer's reply began from
        # Unsent replies of the chats the agent switched away from, with the suggestion each began from.
        self.drafts: dict[int, tuple[str, Suggestion | None]] = {}
        self.draft_saver = DraftSaver(tasks, self)  # the same drafts in the database, as the agent types
        self.last_customer_text: dict[int, str] = {}
        # Per chat, the buyer's lines since the agent's last reply: 智能辅助 answers them all.
        self.pending_texts: dict[int, list[str]] = {}
        # Per chat, its buyer's orders as read for its first suggestions (a read of ~10 ms): read again
        # when the chat is opened again, so an order's new state counts from then on.
        self._orders: dict[int, list[Order]] = {}
        self._match_started: dict[int, float] = {}
        self._newest_shown: int | None = None  # the open chat's newest message on screen (catch-up reads after it)
        self._sending = False
        self.tick_running = False
        # Lab control (a classroom exercise picked on 实训, not started yet): no buyer comes until the
        # student's 开始实训; then the exercise's scenario set and seed drive the simulated customers.
        self.lab_waiting = False
        self._relay = _Relay(self)
        self._relay.workspace_done.connect(self._on_workspace_done)
        self._relay.matcher_done.connect(self._on_matcher_done)
        self._relay.lists_done.connect(self._on_first_lists_done)
        # queued: the stage calls from its own thread, the suggestions are asked for on this one
        self._relay.semantic_ready.connect(self._on_semantic_ready, Qt.ConnectionType.QueuedConnection)
        # The open chat's suggestions as last shown, when the matcher answered them without its semantic
        # stage (still loading): (conversation id, the buyer lines), ranked again once when it is ready.
        self._lexical_shown: tuple[int, list[str]] | None = None
        self._watched_stage: SemanticStage | None = None  # the stage told to call `semantic_ready`
        self._first_lists_then: Callable[[], None] | None = None
        self._first_lists_read = False  # the start-up work's read of the lists has come (or failed)
        self._started = False

        self.sim_timer = QTimer(self)
        self.sim_timer.setInterval(SIM_TICK_MS)
        self.sim_timer.timeout.connect(self.tick_channel)
        # Work that follows the calendar: answers with a validity window (活动 answers) start and stop
        # at midnight, and follow-up rules (回访规则) schedule the day's visits. A cheap check of the
        # date each minute, which also copes with a PC that slept through midnight.
        self.day_timer = QTimer(self)
        self.day_timer.setInterval(DAY_CHECK_MS)
        self.day_timer.timeout.connect(self.check_new_day)
        self.rules_day: date | None = None
        # A full disk or a lost connection: every job that fails for it comes here (from any page);
        # the simulated customers pause and a small test write is tried until writes work again.
        self.storage_timer = QTimer(self)
        self.storage_timer.setInterval(STORAGE_CHECK_MS)
        self.storage_timer.timeout.connect(self.check_storage)
        self._resume_simulating = False  # the simulated customers were paused for the storage
        self._checking_storage = False
        tasks.storage_failed.connect(self._on_storage_failed)
        self._catching_up = False  # the open chat's new messages are being read
        self._lists_asked = self._lists_shown = 0  # list reads started / the newest one shown
        self._lists_then: list[Callable[[], None]] = []  # callbacks waiting for the next list read
        self._lists_again = False  # lists were asked for while the coalescing timer ran
        self._lists_timer = QTimer(self)
        self._lists_timer.setSingleShot(True)
        self._lists_timer.setInterval(LISTS_COALESCE_MS)
        self._lists_timer.timeout.connect(self._on_lists_timer)

    @property
    def matcher(self) -> Matcher | None:
        ws = self.workspace
        return ws.matcher.current() if ws is not None else None

    # -- start-up -----------------------------------------------------------------------------

    def start(self) -> None:
        """Take the lists, the workspace and the matcher as the start-up work delivers them (on a
        single-seat desk the lists come first, before the workspace)."""
        if self._started:
            return
        self._started = True
        self.opening.first_lists.add_done_callback(self._relay.lists_done.emit)
        self.opening.workspace.add_done_callback(self._relay.workspace_done.emit)
        self.opening.matcher.add_done_callback(self._relay.matcher_done.emit)

    def _on_workspace_done(self, future: Future[Workspace]) -> None:
        exc = future.exception()
        if exc is not None:
            self.workspace_failed.emit(exc)
            return
        ws = future.result()
        self.workspace = ws
        self.channel = ws.channel
        self._pause_buyers(True)  # their time runs only while 模拟客户进店 is on
        self.draft_saver.service = ws.drafts
        self.workspace_opened.emit(ws)

    def _on_matcher_done(self, future: Future[Matcher]) -> None:
        exc = future.exception()
        if exc is not None:
            if self.workspace is not None:  # a failed workspace was reported already
                self.workspace_failed.emit(exc)
            return
        matcher = future.result()
        channel = self.channel
        if channel is not None:
            self.tasks.write(lambda: channel.set_matcher(matcher))
        self.day_timer.start()
        self.matcher_ready.emit()
        if self.current_id is not None and self.current_id in self.last_customer_text:
            self.request_suggestions(self.current_id, self.last_customer_text[self.current_id])

    def show_first_lists(self, then: Callable[[], None]) -> None:
        """Once the workspace is open: call `then` when the lists are on screen, the ones the start-up
        work read (shown as they came) or, if it did not read them, a read of the window's own."""
        self._first_lists_then = then
        self._continue_first_lists()

    def _on_first_lists_done(self, future: Future[tuple[ConversationLists, Agent] | None]) -> None:
        self._first_lists_read = True
        result = None if future.exception() is not None else future.result()
        if result is not None and not self._lists_asked:  # a read of the window's own would be newer
            self._lists_asked = self._lists_shown = 1
            self.lists_loaded.emit(*result)
        self._continue_first_lists()

    def _continue_first_lists(self) -> None:
        then = self._first_lists_then
        if then is None or not self._first_lists_read:
            return
        self._first_lists_then = None
        if self._lists_shown:
            then()
        else:
            self.refresh_lists(then)

    def first_lists_shown(self, simulate: bool, desk_empty: bool) -> None:
        """The desk shows its lists for the first time: the day's follow-ups, then customers."""
        ws = self.workspace
        if ws is not None and self.rules_day is None:
            self.rules_day = ws.clock().date()
            self.run_followup_rules()
            self.day_timer.start()
        if simulate:
            self.set_simulating(True)
            if desk_empty:
                self.spawn_customer()  # a first customer at once, so a new desk is not empty

    def follow(self, bridge: LiveBridge) -> None:
        """Keep the desk up to date with the other desks' work (their changes, through the bridge)."""
        from workbench.ui.live import Coalesced

        self._lists_follow = Coalesced(self.refresh_lists, parent=self)
        self._chat_follow = Coalesced(self.catch_up_open_chat, parent=self)
        self._bot_follow = Coalesced(self.reload_bot_settings, parent=self)
        bridge.changed.connect(self._on_remote_change)

    def _on_remote_change(self, change: Change) -> None:
        from workbench.services.notifications import Topic

        topic, resync = change.topic, change.topic is Topic.RESYNC
        if resync or topic in (Topic.CONVERSATIONS, Topic.AGENTS):
            self._lists_follow.trigger()
        if resync or (topic is Topic.CONVERSATIONS and change.key in (None, self.current_id)):
            self._chat_follow.trigger()
        if resync or topic in (Topic.KB, Topic.BOT):
            self._bot_follow.trigger()  # the bot answers from the new settings and KB flags

    def catch_up_open_chat(self) -> None:
        """Read the open chat's messages newer than the ones shown (another desk, the bot or the
        buyer wrote them) and show them as arriving messages."""
        ws, conv_id = self.workspace, self.current_id
        if ws is None or conv_id is None or self._newest_shown is None:
            return
        if self._catching_up:  # one read at a time; a change meanwhile asks again when it is done
            self._chat_follow.trigger()
            return
        self._catching_up = True
        after = self._newest_shown

        def done(messages: list[Message]) -> None:
            self._catching_up = False
            newer = [m for m in messages if self._newest_shown is None or m.id > self._newest_shown]
            if self.current_id != conv_id or not newer:
                return
            from workbench.services.live import ChannelUpdate

            self.apply_updates([ChannelUpdate(conv_id, 0, tuple(newer))])

        def failed(exc: BaseException) -> None:
            self._catching_up = False
            log.warning("could not read the open chat's new messages: %s", exc)

        self.tasks.read(lambda: ws.reception.messages(conv_id, after_id=after, limit=PAGE_SIZE), done, failed)

    def _shown(self, conversation_id: int, messages: list[Message]) -> None:
        """Messages of the open chat are on screen now."""
        if conversation_id == self.current_id and messages:
            newest = max(m.id for m in messages)
            self._newest_shown = max(newest, self._newest_shown or 0)

    def stop(self) -> None:
        """The window closes: no more ticks, every job finished, the workspace released."""
        self.sim_timer.stop()
        self.day_timer.stop()
        self.storage_timer.stop()
        self.draft_saver.flush()  # the text typed since the last pause is saved before the desk closes
        self.tasks.cancel_long_jobs()  # an import under way rolls back rather than hold up the exit
        self.tasks.wait_idle()
        self.opening.join(10)
        if self.workspace is not None:
            self.workspace.close()

    # -- lists and the open chat --------------------------------------------------------------

    def refresh_lists(self, then: Callable[[], None] | None = None) -> None:
        """Read the desk's lists and show them, then call `then`. At once, unless a read began less than
        LISTS_COALESCE_MS ago: then the requests meanwhile share one read at the end of that time (a
        busy desk asks after every message, send and mark-read; each read and repaint costs the UI)."""
        if self.workspace is None:
            return
        if then is not None:
            self._lists_then.append(then)
        if self._lists_timer.isActive():
            self._lists_again = True
            return
        self._read_lists()

    def _on_lists_timer(self) -> None:
        if self._lists_again:
            self._read_lists()

    def _read_lists(self) -> None:
        ws = self.workspace
        if ws is None:
            return
        self._lists_again = False
        self._lists_timer.start()
        thens, self._lists_then = self._lists_then, []

        # Reads run in parallel: an older read that finishes after a newer one must not put the older
        # state back on screen (e.g. a chat shown 待接待 again after its 接入 was read).
        self._lists_asked += 1
        asked = self._lists_asked

        def load() -> tuple[ConversationLists, Agent]:
            # This desk's chats: not the ones the bot is serving, nor colleagues'.
            return ws.reception.desk_lists(ws.agent.id), ws.refresh_agent()

        def done(result: tuple[ConversationLists, Agent]) -> None:
            if asked > self._lists_shown:
                self._lists_shown = asked
                self.lists_loaded.emit(*result)
            for then in thens:
                then()

        self.tasks.read(load, done)

    def switch_to(self, conversation_id: int, unsent: str) -> tuple[str, Suggestion | None] | None:
        """Make `conversation_id` the open chat. The reply being typed (`unsent`) is kept as the
        previous chat's draft — also when the same chat is clicked again. Returns the draft the new
        chat had (its text and the suggestion it began from): the window puts it back in the emptied
        composer and hands the suggestion back with `resume_draft`."""
        previous = self.current_id
        if previous is not None:
            self.draft_saver.save_now(previous, unsent)
        if previous is not None and unsent.strip():
            self.drafts[previous] = (unsent, self.pending_suggestion)
        if conversation_id != previous:
            self._newest_shown = None  # known once its messages are read
        self.current_id = conversation_id
        self.pending_suggestion = None
        return self.drafts.pop(conversation_id, None)

    def switch_to_none(self) -> None:
        """No chat is open any more (it was handed over); its draft is dropped with it."""
        if self.current_id is not None:
            self.drafts.pop(self.current_id, None)
        self.current_id = None
        self.pending_suggestion = None
        self._newest_shown = None

    def draft_edited(self, text: str) -> None:
        """The agent typed in the open chat's composer: its draft is saved when they pause."""
        if self.current_id is not None:
            self.draft_saver.edited(self.current_id, text)

    def resume_draft(self, suggestion: Suggestion | None) -> None:
        """The open chat's draft is back in the composer, still counting as a use of `suggestion`."""
        self.pending_suggestion = suggestion

    def load_conversation(self, conversation_id: int, on_lists: bool) -> None:
        """Read the open chat's latest messages (and the chat itself when it is not on this desk's
        lists), mark it read, and ask for suggestions for the customer's last message."""
        ws = self.workspace
        if ws is None:
            return

        def load() -> tuple[list[Message], Conversation | None, list[EarlierVisit]]:
            messages = ws.reception.messages(conversation_id, limit=PAGE_SIZE)
            ws.reception.mark_read(conversation_id)
            visits = ws.reception.earlier_visits(conversation_id)
            return messages, None if on_lists else ws.reception.get(conversation_id), visits

        def done(result: tuple[list[Message], Conversation | None, list[EarlierVisit]]) -> None:
            messages, fetched, visits = result
            if self.current_id != conversation_id:
                return
            self._newest_shown = max((m.id for m in messages), default=0)
            self.visits_loaded.emit(conversation_id, visits)
            self.conversation_loaded.emit(conversation_id, messages, fetched)
            last = next((m for m in reversed(messages) if m.sender is Sender.CUSTOMER), None)
            self.pending_texts[conversation_id] = pending_buyer_texts(messages)
            self._orders.pop(conversation_id, None)
            if last is not None:
                self.last_customer_text[conversation_id] = last.text
                self.request_suggestions(conversation_id, last.text)
            self.refresh_lists()

        def failed(exc: BaseException) -> None:
            if self.current_id == conversation_id:
                self.conversation_unavailable.emit(conversation_id, exc)

        self.tasks.read(load, done, failed)

    def load_older(self, conversation_id: int, before_id: int) -> None:
        ws = self.workspace
        if ws is None:
            return

        def done(older: list[Message]) -> None:
            self.older_loaded.emit(conversation_id, older, len(older) >= PAGE_SIZE)

        self.tasks.read(lambda: ws.reception.messages(conversation_id, before_id=before_id, limit=PAGE_SIZE), done)

    def load_visit(self, conversation_id: int, visit_id: int) -> None:
        """Read an earlier visit's latest page to unfold it above the open chat."""
        ws = self.workspace
        if ws is None:
            return

        def done(messages: list[Message]) -> None:
            if self.current_id == conversation_id:
                self.visit_loaded.emit(conversation_id, visit_id, messages)

        self.tasks.read(lambda: ws.reception.messages(visit_id, limit=PAGE_SIZE), done, self.action_failed.emit)

    def load_newer(self, conversation_id: int, after_id: int) -> None:
        """The page after `after_id` (a chat scrolled far back, scrolled down again), or with
        `ChatView.LATEST` (0) the newest page."""
        ws = self.workspace
        if ws is None:
            return

        def load() -> list[Message]:
            if after_id == 0:
                return ws.reception.messages(conversation_id, limit=PAGE_SIZE)
            return ws.reception.messages(conversation_id, after_id=after_id, limit=PAGE_SIZE, forward=True)

        def done(newer: list[Message]) -> None:
            self.newer_loaded.emit(conversation_id, after_id, newer, after_id != 0 and len(newer) >= PAGE_SIZE)

        self.tasks.read(load, done)

    def mark_read(self, conversation_id: int, then: Callable[[], None] | None = None) -> None:
        ws = self.workspace
        if ws is not None:
            self.tasks.write(lambda: ws.reception.mark_read(conversation_id), lambda _: then() if then else None)

    # -- sending --------------------------------------------------------------------------------

    @property
    def sending(self) -> bool:
        """A reply is being saved: a second Enter, double-click or 直接发送 must not send it twice."""
        return self._sending

    def adopt_suggestion(self, suggestion: Suggestion) -> None:
        """The agent put a suggestion in the composer: a reply sent from it records its use."""
        self.pending_suggestion = suggestion

    def composer_emptied(self) -> None:
        # A reply typed from scratch after emptying the composer is the agent's own, not an edited
        # use of the inserted KB entry (it would count a hit and an edit).
        self.pending_suggestion = None

    def send(self, text: str, suggestion: Suggestion | None = None) -> bool:
        """Save `text` as the agent's reply in the open chat: the composer's (suggestion None) or a
        suggestion's answer sent directly. False if nothing was sent (no chat, or one is saving)."""
        ws, conv_id = self.workspace, self.current_id
        if ws is None or conv_id is None or self._sending:
            return False
        from workbench.services.reception import UsedSuggestion

        from_composer = suggestion is None
        pending = self.pending_suggestion if suggestion is None else suggestion
        used = UsedSuggestion(pending.entry_id, pending.score, pending.answer) if pending else None
        channel = self.channel
        self._set_sending(True)
        if from_composer:
            self.draft_saver.cancel(conv_id)  # the reply deletes the draft; a save waiting must not restore it

        def job() -> Message:
            message = ws.reception.agent_sends(conv_id, ws.agent.id, text, used, clear_draft=from_composer)
            if channel is not None:
                channel.agent_replied(conv_id, message.text)
            return message

        def done(message: Message) -> None:
            self._set_sending(False)
            if self.current_id == conv_id:
                if from_composer:
                    self.pending_suggestion = None
            elif from_composer and self.drafts.get(conv_id, ("", None))[0] == text:
                del self.drafts[conv_id]  # the agent switched chats while it was saved: it is no draft
            if from_composer:
                self.draft_saver.sent(conv_id, text)
            self._shown(conv_id, [message])
            self._heard(conv_id, [message])
            self.message_saved.emit(message, from_composer)
            self.refresh_lists()

        def failed(exc: BaseException) -> None:
            self._set_sending(False)
            if from_composer:
                self.draft_saver.edited(conv_id, text)  # not sent: still a draft
            self.send_failed.emit(exc)

        self.tasks.write(job, done, failed)
        return True

    def _set_sending(self, on: bool) -> None:
        self._sending = on
        self.sending_changed.emit(on)

    def accept_current(self) -> None:
        ws, conv_id = self.workspace, self.current_id
        if ws is None or conv_id is None:
            return
        self.tasks.write(
            lambda: ws.reception.accept(conv_id, ws.agent.id), lambda _: self.refresh_lists(), self._refused
        )

    def _refused(self, exc: BaseException) -> None:
        """Another desk was quicker, or the user may not: say so, and show the lists as they are now."""
        self.action_failed.emit(exc)
        self.refresh_lists()

    def end_current(self, note: str) -> None:
        """End the open chat with a system `note`; the simulated customer goes away quietly."""
        if self.current_id is not None:
            self.end(self.current_id, note)

    def end(self, conv_id: int, note: str) -> None:
        """End a chat (the open one or one from the list's menu) with a system `note`."""
        ws = self.workspace
        if ws is None:
            return
        channel = self.channel

        def job() -> None:
            ws.reception.end_with_note(conv_id, note, "agent")
            if channel is not None:
                channel.forget(conv_id)

        def done(_: object) -> None:
            if self.current_id == conv_id:
                self.conversation_ended.emit(conv_id)
            else:
                self.refresh_lists()

        self.tasks.write(job, done, self._refused)

    # -- conversation actions (the list's menu and the chat header) ----------------------------

    def load_transfer_targets(self, then: Callable[[Any], None]) -> None:
        """The colleagues and groups a chat can be handed to (TransferTargets), for the 转交 dialog."""
        ws = self.workspace
        if ws is not None:
            self.tasks.read(ws.reception.transfer_targets, then, self.action_failed.emit)

    def transfer(self, seen: Conversation, target_id: int, to_group: bool, note: str) -> None:
        """转交 `seen` (the chat as the desk shows it) to an agent or a group, with a note."""
        ws = self.workspace
        if ws is None:
            return
        reception = ws.reception

        def job() -> str:
            if to_group:
                return reception.transfer_to_group(seen.id, target_id, note, seen=seen).to_name
            return reception.transfer_to_agent(seen.id, target_id, note, seen=seen).to_name

        def done(to_name: str) -> None:
            self.drafts.pop(seen.id, None)  # it is the colleague's to answer now
            self.conversation_transferred.emit(seen.id, to_name)
            self.refresh_lists()

        self.tasks.write(job, done, self._refused)

    def set_pinned(self, conv_id: int, pinned: bool) -> None:
        ws = self.workspace
        if ws is not None:
            self.tasks.write(
                lambda: ws.reception.set_pinned(conv_id, pinned), lambda _: self.refresh_lists(), self._refused
            )

    def set_starred(self, conv_id: int, starred: bool) -> None:
        ws = self.workspace
        if ws is not None:
            self.tasks.write(
                lambda: ws.reception.set_starred(conv_id, starred), lambda _: self.refresh_lists(), self._refused
            )

    def invite_rating(self, conv_id: int) -> None:
        """Send the 邀请评价 card (once per chat; a second time is refused with rating.already_invited)."""
        ws = self.workspace
        if ws is None:
            return

        def done(card: Message) -> None:
            if self.current_id == conv_id:
                self._shown(conv_id, [card])
                self.messages_arrived.emit(conv_id, [card])
            self.rating_invited.emit(conv_id)

        channel = self.channel

        def job() -> Message:
            card = ws.reception.invite_rating(conv_id)
            if channel is not None:  # the simulated buyer answers it (channel work runs on the writer)
                channel.rating_invited(conv_id)
            return card

        self.tasks.write(job, done, self.action_failed.emit)

    # -- suggestions ----------------------------------------------------------------------------

    def _heard(self, conversation_id: int, messages: Sequence[Message]) -> None:
        """Keep the chat's buyer lines since the last reply up to date with `messages` (oldest first)."""
        lines = self.pending_texts.setdefault(conversation_id, [])
        for m in messages:
            if m.sender is Sender.AGENT:  # the bot's auto replies answer nothing
                lines.clear()
            elif m.sender is Sender.CUSTOMER and m.text.strip():
                lines.append(m.text)
        del lines[:-MAX_PENDING_LINES]

    def request_suggestions(self, conversation_id: int, text: str, *, only: bool = False) -> None:
        """Suggestions for the buyer's lines since the agent's last reply (`text`, their latest, when
        none are known), or for `text` alone (`only`: a message the agent clicked), ranked by the state
        of the order the buyer talks about (workbench.services.assist)."""
        matcher = self.matcher
        ws = self.workspace
        if matcher is None or ws is None:
            self.suggestions_pending.emit()
            return
        texts = [text] if only else list(self.pending_texts.get(conversation_id) or [text])
        self._suggest(matcher, ws, conversation_id, texts)

    def _suggest(self, matcher: Matcher, ws: Workspace, conversation_id: int, texts: list[str]) -> None:
        """Rank suggestions for the buyer's `texts` on a worker and show them if the chat is still open."""
        started = self._match_started.setdefault(conversation_id, time.perf_counter())
        top = self.suggestions_shown
        known = self._orders.get(conversation_id)

        stage = matcher.semantic

        def job() -> tuple[AssistResult, list[Order], bool]:
            orders = known
            if orders is None:
                conv = ws.reception.get(conversation_id)
                orders = ws.orders.for_customer(conv.customer_id) if conv is not None else []
            order = order_in_question(orders, texts)
            # read before matching: a stage ready midway only costs a refresh that finds the same
            lexical = stage is not None and not stage.ready
            result = rank(matcher.match, texts, order.state if order is not None else None, top)
            return result, orders, lexical

        def done(out: tuple[AssistResult, list[Order], bool]) -> None:
            result, orders, lexical = out
            self._orders[conversation_id] = orders
            self._match_started.pop(conversation_id, None)
            if self.current_id != conversation_id:
                return
            self._lexical_shown = (conversation_id, texts) if lexical else None
            if lexical and stage is not None:
                self._watch(stage)
            self.suggestions_ready.emit(conversation_id, "\n".join(result.texts), list(result.suggestions))
            log.debug("suggestions in %.1f ms", (time.perf_counter() - started) * 1000)

        # The chat's newer message supersedes this one's analysis: it is skipped if it has not started
        # and never shown if it has, so the sidebar never shows suggestions for an older message.
        self.tasks.latest(("suggestions", conversation_id), job, done)

    def _watch(self, stage: SemanticStage) -> None:
        """Be told (once) when `stage` is ready, through a signal queued to this thread."""
        if self._watched_stage is stage:
            return
        self._watched_stage = stage
        relay = self._relay

        def ready() -> None:  # on the stage's thread
            with contextlib.suppress(RuntimeError):  # the desk closed meanwhile
                relay.semantic_ready.emit()

        stage.when_ready(ready)

    def _on_semantic_ready(self) -> None:
        """The semantic stage is ready: the open chat's lexical suggestions are asked for again, once
        (on a worker, as any), and now fuse the sentence model's scores."""
        self._watched_stage = None
        shown, self._lexical_shown = self._lexical_shown, None
        matcher, ws = self.matcher, self.workspace
        if shown is None or shown[0] != self.current_id or matcher is None or ws is None:
            return
        self._suggest(matcher, ws, *shown)  # the same lines: what the sidebar shows, now fused

    # -- simulated customers ------------------------------------------------------------------

    def spawn_customer(self) -> None:
        channel = self.channel
        if channel is not None:
            self.tasks.write(channel.spawn, self.apply_updates)

    def tick_channel(self) -> None:
        channel = self.channel
        if channel is None or self.tick_running or self.lab_waiting:
            return
        self.tick_running = True

        def tick() -> tuple[list[ChannelUpdate], int]:
            return channel.tick(), len(channel.take_new_reviews())

        def done(result: tuple[list[ChannelUpdate], int]) -> None:
            self.tick_running = False
            updates, new_reviews = result
            self.apply_updates(updates)
            if new_reviews:
                self.reviews_posted.emit()

        def failed(exc: BaseException) -> None:
            self.tick_running = False
            if storage_failure(exc) is None:  # a full disk or a lost connection is logged once, by the health
                log.error("simulator tick failed: %r", exc)

        self.tasks.write(tick, done, failed)

    def hold_for_lab(self) -> None:
        """An exercise waits for 开始实训: the simulated customers bring nobody meanwhile."""
        self.lab_waiting = True

    def start_lab(self, scenario_ids: Sequence[str], seed: int, then: Callable[[], None] | None = None) -> None:
        """The exercise started: its buyers (`scenario_ids`, drawn with `seed`) come from now on."""
        channel = self.channel
        if channel is None:  # a shared server: the team's feed brings the exercise's buyers
            self.lab_waiting = False
            if then is not None:
                then()
            return

        def job() -> None:
            from workbench.channels.scenarios import select_scenarios

            channel.use_scenarios(select_scenarios(scenario_ids), seed)

        def done(_: object) -> None:
            self.lab_waiting = False
            if then is not None:
                then()

        self.tasks.write(job, done)

    def apply_updates(self, updates: list[ChannelUpdate]) -> None:
        """What the simulated customers (and the bot) did: messages for the open chat, suggestions
        for its customer's latest message, then the lists."""
        if not updates:
            return
        read_current = False
        for update in updates:
            customer_texts = [m.text for m in update.messages if m.sender is Sender.CUSTOMER]
            self._heard(update.conversation_id, update.messages)
            for text in customer_texts:
                self.last_customer_text[update.conversation_id] = text
                self.customer_message_received.emit(update.conversation_id, text)
            if update.conversation_id == self.current_id:
                self._shown(update.conversation_id, list(update.messages))
                self.messages_arrived.emit(update.conversation_id, list(update.messages))
                if customer_texts:
                    self.request_suggestions(update.conversation_id, customer_texts[-1])
                    found = ORDER_NO.search(customer_texts[-1])
                    if found is not None:
                        self.order_mentioned.emit(found.group(0))
                    read_current = True
        if read_current and self.current_id is not None:
            # The agent is looking at this chat: mark it read first, then show the lists.
            self.mark_read(self.current_id, then=self.refresh_lists)
        else:
            self.refresh_lists()

    def set_simulating(self, on: bool) -> None:
        ws = self.workspace
        if on and ws is not None and self.channel is None:
            return  # no simulated customers at this desk (on a shared database the team's feed brings them)
        if on and ws is not None and ws.health.problem is not None:
            self._resume_simulating = True  # they start once writes work again
        elif on and ws is not None:
            self._pause_buyers(False)
            self.sim_timer.start()
        else:
            self._resume_simulating = False
            self.sim_timer.stop()
            self._pause_buyers(True)

    def _pause_buyers(self, paused: bool) -> None:
        """Stop or restart the simulated buyers' clock (on the write worker, in order with the ticks): a
        pause is never replayed when they carry on."""
        channel = self.channel
        if channel is not None:
            self.tasks.write(channel.pause if paused else channel.resume)

    # -- the storage ----------------------------------------------------------------------------

    @property
    def storage_problem(self) -> str | None:
        """The code of the failure that stops writes now (db.disk_full…), None while they work."""
        ws = self.workspace
        return ws.health.problem if ws is not None else None

    def _on_storage_failed(self, exc: BaseException) -> None:
        ws = self.workspace
        if ws is None:
            return
        before = ws.health.problem
        code = ws.health.report(exc)
        if code is None:
            return
        if self.sim_timer.isActive():  # no ticks that would fail (and be lost) while it lasts
            self.sim_timer.stop()
            self._pause_buyers(True)
            self._resume_simulating = True
        if not self.storage_timer.isActive():
            self.storage_timer.start()
        if code != before:
            self.storage_failed.emit(code)

    def check_storage(self) -> None:
        """Try a small write in the background; when it works, the desk carries on."""
        ws = self.workspace
        if ws is None or self._checking_storage:
            return
        self._checking_storage = True

        def done(code: str | None) -> None:
            self._checking_storage = False
            health = ws.health
            if code is None:
                if health.recovered():
                    self.storage_timer.stop()
                    if self._resume_simulating:
                        self._resume_simulating = False
                        self._pause_buyers(False)
                        self.sim_timer.start()
                    self.storage_recovered.emit()
                    self.refresh_lists()
            elif health.problem is not None and code != health.problem:
                health.problem = code
                self.storage_failed.emit(code)

        def failed(_exc: BaseException) -> None:
            self._checking_storage = False

        self.tasks.write(ws.health.check, done, failed)

    def set_simulator_rate(self, per_minute: float) -> None:
        channel = self.channel
        if channel is not None:
            self.tasks.write(lambda: channel.set_rate(per_minute))

    def reload_bot_settings(self) -> None:
        """Settings or the KB changed: the bot uses them from the next customer message on."""
        channel = self.channel
        if channel is not None:
            self.tasks.write(channel.reload_settings)

    # -- the agent ------------------------------------------------------------------------------

    def set_status(self, status: AgentStatus) -> None:
        ws = self.workspace
        if ws is not None:
            # 挂起 / 离线: routing sends new customers elsewhere (colleagues or the bot); they keep arriving.
            self.tasks.write(lambda: ws.set_agent_status(status))

    def load_phrases(self, then: Callable[[Any], None]) -> None:
        ws = self.workspace
        if ws is not None:
            self.tasks.read(lambda: ws.quick_phrases.visible_to(ws.agent.id), then)

    # -- the calendar ---------------------------------------------------------------------------

    def check_new_day(self) -> None:
        """On a new date: schedule the day's follow-ups, and give the matcher the answers whose
        validity window opened or closed."""
        ws = self.workspace
        if ws is None:
            return
        self.end_idle_chats()
        today = ws.clock().date()
        if self.rules_day is not None and today != self.rules_day:
            self.rules_day = today
            self.run_followup_rules()
        live = ws.matcher
        if live.current() is None or live.day in (None, today):
            return

        def failed(exc: BaseException) -> None:
            log.warning("day change of the KB answers failed: %s", exc)  # tried again at the next check

        self.tasks.read(live.check_day, None, failed)

    def end_idle_chats(self) -> None:
        """End the chats nobody wrote in for `idle_end_minutes` (a buyer who left does not end a chat;
        the agent does, or this), then show the lists if any ended."""
        ws = self.workspace
        if ws is None:
            return
        quiet = timedelta(minutes=self.idle_end_minutes)

        def done(ended: list[int]) -> None:
            if not ended:
                return
            if self.current_id in ended:
                self.conversation_ended.emit(self.current_id)
            self.refresh_lists()

        def failed(exc: BaseException) -> None:
            log.warning("ending idle chats failed: %s", exc)  # tried again at the next check

        channel = self.channel

        def job() -> list[int]:
            ended = ws.reception.end_idle(quiet)
            if channel is not None:
                for conv_id in ended:  # a buyer still in the shop goes quietly, as when the agent ends it
                    channel.forget(conv_id)
            return ended

        self.tasks.write(job, done, failed)

    def run_followup_rules(self) -> None:
        """Let the enabled follow-up rules schedule their visits (never twice for the same order or
        period), in the background: when the desk opens and on each new day."""
        ws = self.workspace
        if ws is None:
            return

        def failed(exc: BaseException) -> None:
            log.warning("follow-up rules failed: %s", exc)

        self.tasks.write(ws.followups.run_rules, None, failed)
