"""The team's customer feed: the simulated buyers of a shop or a classroom, run once for every desk.

`workbench simulate --db URL --rate N` runs it as a process of its own (see `workbench.cli`); the
desks on that database run no simulator. It is the window's `SimulatedChannel` (scenario customers,
分流 and the full-auto reception bot, simulated colleagues, order events and auto messages) ticked
by a plain loop instead of a Qt timer: no Qt, so it runs on a server without a display.

The desks are other processes, so what an agent does reaches the buyers through the database: the
feed hears the other desks' conversation changes (`Topic.CONVERSATIONS` on its hub, from the
PostgreSQL listener) and, before each tick, re-reads the chats of its buyers that changed. A new
agent reply is handed to the buyer (who reads it and answers as in a single-seat desk); a chat an
agent ended sends its buyer away quietly. After a lost connection (`Topic.RESYNC`) every buyer's chat
is read again. The bot takes up 店小蜜 settings and KB edits made at a desk from the next message on.

Stopping (`stop` set, e.g. by Ctrl+C or SIGTERM, or `duration` over): the tick under way finishes,
no new one starts. Every chat the feed created has its first buyer message (creation and first
message are one transaction). Buyers the bot is serving leave (their chat ends with a note, as when a
buyer leaves); buyers waiting for or talking with an agent simply stop writing: the desks keep their
chats and end them as usual. A new run starts afresh from its own start: the time the feed was not
running is not replayed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from workbench.channels.scenarios import Scenario
from workbench.domain.conversations import ConversationState, Sender
from workbench.services.live import ChannelUpdate, SimulatedChannel
from workbench.services.notifications import Change, Hub, Topic
from workbench.services.reception import ReceptionService

log = logging.getLogger(__name__)

TICK_S = 0.5  # as the window's timer ticks its simulator
REPORT_S = 60.0  # the counts are logged this often
LEFT_NOTE = "买家已离开"
LEFT_REASON = "left"
RECENT = 20  # messages of a changed chat read to find the agents' new replies


@dataclass(slots=True)
class FeedCounts:
    """What the feed did (since it started, or in the last report's period)."""

    buyers: int = 0  # buyers who came in (new chats or a buyer's open one)
    buyer_messages: int = 0
    bot_replies: int = 0
    agent_replies: int = 0  # replies of the desks' agents, heard and handed to their buyers
    left: int = 0  # buyers who left (satisfied, unsatisfied or tired of waiting)
    failed_ticks: int = 0

    def add(self, other: FeedCounts) -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def describe(self) -> str:
        return (
            f"{self.buyers} buyers came, {self.buyer_messages} buyer messages, {self.bot_replies} bot replies, "
            f"{self.agent_replies} agent replies heard, {self.left} buyers left"
            + (f", {self.failed_ticks} ticks failed" if self.failed_ticks else "")
        )


@dataclass(slots=True)
class _Chat:
    """A buyer's chat as the feed knows it."""

    floor: int  # agent messages at or below this id were there before the buyer came
    seen: set[int] = field(default_factory=set)  # agent messages handed over already (or the feed's own)


@dataclass(slots=True)
class LabGate:
    """A classroom exercise's lab control (`workbench simulate --exercise ID`): no buyer comes until the
    teacher starts the exercise (`started` returns when; None while it is not started, or stopped);
    then its scenario set and seed drive the feed, so every student meets the same buyers."""

    exercise_id: str
    started: Callable[[], datetime | None]
    scenarios: Sequence[Scenario]
    seed: int
    poll_s: float = 2.0  # how often the feed asks the database whether the exercise runs


class ClassLab:
    """Lab control for the desk of a student's own shop on a class server (the channel's `gate`): its
    simulated buyers wait until the teacher starts an exercise for the class (the class schema's lab
    runs, asked every `poll_s`); then the latest started exercise's scenario set and seed drive them,
    as the team's feed does for the class's shop."""

    def __init__(
        self,
        channel: SimulatedChannel,
        running: Callable[[], dict[str, datetime]],
        scenarios_of: Callable[[str], tuple[Sequence[Scenario], int] | None],
        *,
        poll_s: float = 2.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """`running`: exercise id → started, for the class; `scenarios_of(exercise id)`: its
        scenarios and seed (None: an exercise this program does not know)."""
        self.channel = channel
        self.running = running
        self.scenarios_of = scenarios_of
        self.poll_s = poll_s
        self.monotonic = monotonic
        self._current: tuple[str, datetime] | None = None
        self._checked: float | None = None

    def __call__(self) -> bool:
        now = self.monotonic()
        if self._checked is not None and now - self._checked < self.poll_s:
            return self._current is not None
        self._checked = now
        try:
            running = self.running()
        except Exception:  # the class schema is out of reach for a moment: no buyers meanwhile
            log.warning("could not read the class's lab control", exc_info=True)
            return False
        if not running:
            self._current = None
            return False
        exercise_id = max(running, key=lambda e: running[e])
        latest = (exercise_id, running[exercise_id])
        if latest != self._current:
            found = self.scenarios_of(exercise_id)
            if found is None:
                self._current = None
                return False
            log.info("exercise %s started by the teacher: its buyers come now", exercise_id)
            self.channel.use_scenarios(*found)
            self._current = latest
        return True


class TeamFeed:
    def __init__(
        self,
        channel: SimulatedChannel,
        reception: ReceptionService,
        hub: Hub,
        *,
        lab: LabGate | None = None,
        tick_s: float = TICK_S,
        report_s: float = REPORT_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.channel = channel
        self.reception = reception
        self.tick_s = tick_s
        self.report_s = report_s
        self.monotonic = monotonic
        self.total = FeedCounts()
        self._period = FeedCounts()
        self._chats: dict[int, _Chat] = {}
        self._lock = threading.Lock()  # guards the two below (the listener thread adds to them)
        self._changed: set[int] = set()
        self._reread_all = False
        self._settings_changed = False  # 店小蜜 settings or the KB were edited at a desk
        self._unsubscribe = hub.subscribe(self._heard)
        self.lab = lab
        self._lab_running: datetime | None = None  # when the exercise whose buyers come now was started
        self._lab_checked: float | None = None

    # -- lab control --------------------------------------------------------------------------

    def lab_open(self) -> bool:
        """Whether buyers may come: always without an exercise; with one, once the teacher started it
        (asked every `poll_s`). A (re)start begins the exercise's buyers afresh from its seed."""
        lab = self.lab
        if lab is None:
            return True
        now = self.monotonic()
        if self._lab_checked is not None and now - self._lab_checked < lab.poll_s:
            return self._lab_running is not None
        self._lab_checked = now
        started = lab.started()
        if started is not None and started != self._lab_running:
            log.info("exercise %s started at %s: its buyers come now", lab.exercise_id, started.isoformat())
            self.channel.use_scenarios(lab.scenarios, lab.seed)
        elif started is None and self._lab_running is not None:
            log.info("exercise %s stopped: no new buyers until it starts again", lab.exercise_id)
        self._lab_running = started
        return started is not None

    # -- what the desks do --------------------------------------------------------------------

    def _heard(self, change: Change) -> None:
        """On the publishing thread (the listener's): note which chats to read before the next tick."""
        if not change.remote:
            return  # the feed's own writes
        with self._lock:
            if change.topic is Topic.RESYNC or (change.topic is Topic.CONVERSATIONS and change.key is None):
                self._reread_all = True
            elif change.topic is Topic.CONVERSATIONS and change.key is not None:
                self._changed.add(change.key)
            if change.topic in (Topic.RESYNC, Topic.KB, Topic.BOT):
                self._settings_changed = True

    def hear_desks(self) -> int:
        """Hand the agents' new replies in the buyers' chats to the buyers, and send away the buyers
        whose chat an agent ended; returns how many replies were handed over."""
        with self._lock:
            changed, self._changed = self._changed, set()
            everything, self._reread_all = self._reread_all, False
            settings, self._settings_changed = self._settings_changed, False
        if settings:  # as a desk's bot does: the next buyer message is answered with the new ones
            self.channel.reload_settings()
        mine = set(self.channel.conversation_ids())
        handed = 0
        for conv_id in sorted(mine if everything else changed & mine):
            chat = self._chats.get(conv_id)
            if chat is None:
                continue
            conv = self.reception.get(conv_id)
            if conv is None or conv.state is ConversationState.ENDED:
                log.info("conversation %d was ended at a desk: its buyer goes away", conv_id)
                self.channel.forget(conv_id)
                self._chats.pop(conv_id, None)
                continue
            for message in self.reception.messages(conv_id, limit=RECENT):
                if message.sender is not Sender.AGENT or message.id <= chat.floor or message.id in chat.seen:
                    continue
                chat.seen.add(message.id)
                self.channel.agent_replied(conv_id, message.text)
                handed += 1
        return handed

    # -- ticking ------------------------------------------------------------------------------

    def step(self) -> list[ChannelUpdate]:
        """One tick: the desks' news first, then whatever the buyers, the bot, the colleagues and the
        orders do now."""
        heard = self.hear_desks()
        if not self.lab_open():
            self._record([], FeedCounts(agent_replies=heard))
            return []
        updates = self.channel.tick()
        self.channel.take_new_reviews()  # the reviews are in the database; no list here shows them
        self._record(updates, FeedCounts(agent_replies=heard))
        return updates

    def spawn(self, scenario_id: str | None = None) -> list[ChannelUpdate]:
        """One buyer now (a scenario by id, or one picked by weight), then whatever is due."""
        updates = self.channel.spawn(scenario_id)
        self._record(updates, FeedCounts())
        return updates

    def _record(self, updates: list[ChannelUpdate], counts: FeedCounts) -> None:
        """Keep track of the buyers' chats and count what happened."""
        for update in updates:
            if update.arrived:
                counts.buyers += 1
                self._chats[update.conversation_id] = _Chat(self._floor(update))
                log.info("buyer in conversation %d: %s", update.conversation_id, _served_by(update))
            chat = self._chats.get(update.conversation_id)
            for message in update.messages:
                if message.sender is Sender.CUSTOMER:
                    counts.buyer_messages += 1
                elif message.sender is Sender.BOT:
                    counts.bot_replies += 1
                elif message.sender is Sender.AGENT and chat is not None:
                    chat.seen.add(message.id)  # a simulated colleague's: the feed wrote it
            if update.left:
                counts.left += 1
                self._chats.pop(update.conversation_id, None)
        for conv_id in set(self._chats) - set(self.channel.conversation_ids()):
            del self._chats[conv_id]  # ended at a desk meanwhile, or forgotten
        self._count(counts)

    def run(self, stop: threading.Event, duration: float | None = None) -> FeedCounts:
        """Tick every `tick_s` until `stop` is set or `duration` seconds passed; the tick under way
        always finishes. A tick that fails (the server away) is logged and the next one tries again.
        Returns the counts of the whole run."""
        started = self.monotonic()
        deadline = started + duration if duration is not None else None
        next_report = started + self.report_s
        next_tick = started
        while not stop.is_set():
            now = self.monotonic()
            if deadline is not None and now >= deadline:
                break
            try:
                self.step()
            except Exception as exc:
                self._count(FeedCounts(failed_ticks=1))
                log.error("the feed's tick failed (trying again): %r", exc)
            now = self.monotonic()
            if now >= next_report:
                self.report()
                next_report = now + self.report_s
            # No catching up on ticks missed (a slow server, a suspended machine): the simulator
            # works from the clock, so one tick does whatever came due meanwhile.
            next_tick = max(next_tick + self.tick_s, now)
            wait = next_tick - now
            if deadline is not None:
                wait = min(wait, deadline - now)
            if wait > 0:
                stop.wait(wait)
        return self.total

    def report(self) -> None:
        """Log the counts since the last report, and how many buyers are in the shop now."""
        log.info("last %.0f s: %s; %d buyers in the shop", self.report_s, self._period.describe(), len(self._chats))
        self._period = FeedCounts()

    def finish(self) -> list[int]:
        """The feed stops: the bot's buyers leave (their chats end); the others stop writing and
        their chats stay with the desks. Returns the chats ended."""
        self._unsubscribe()
        ended = self.channel.leave_bot_chats(LEFT_NOTE, LEFT_REASON)
        if ended:
            log.info("%d buyers served by the bot left: their chats ended", len(ended))
        staying = len(self._chats) - len(ended)
        if staying > 0:
            log.info("%d buyers stop writing; their chats stay with the desks", staying)
        self._chats.clear()
        return ended

    def _floor(self, update: ChannelUpdate) -> int:
        """The newest message of a buyer's chat when the buyer came: the agents' replies after it are news."""
        if update.messages:
            return max(m.id for m in update.messages)
        # The buyer's chat was open already (no new first message): what is in it is old news.
        latest = self.reception.messages(update.conversation_id, limit=1)
        return latest[-1].id if latest else 0

    def _count(self, counts: FeedCounts) -> None:
        self.total.add(counts)
        self._period.add(counts)


def _served_by(update: ChannelUpdate) -> str:
    if update.by_bot:
        return "served by the bot"
    if update.assigned_agent_id is not None:
        return f"assigned to agent {update.assigned_agent_id}"
    return "waiting in 待接待"
