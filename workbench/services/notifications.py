"""Change notification: services say what changed in their unit of work; desks listen.

A service says ``self.db.notify(session, Topic.CONVERSATIONS, 42)`` inside its transaction. When it
commits, the workspace's hub publishes `Change(Topic.CONVERSATIONS, 42)` here, in-process; on
PostgreSQL the same change also went to the server as a NOTIFY in that transaction, and every other
desk's `LiveChanges` (a listener thread) publishes it on its own hub with ``remote=True``. A rolled-back
write says nothing anywhere. Every subscriber is called on the publishing thread (the writer's, or a
listener's), so a subscriber that touches widgets must hop to its own thread first (the UI does so
through one Qt bridge, `workbench.ui.live`).

The database stays the truth: a change says only *what* to re-read (a topic and a row id), never the
new values. A desk that may have missed changes (its listener lost the connection) is told
`Topic.RESYNC` once it listens again, and re-reads everything it shows.

Topics and their keys (payloads are just these two; see `workbench.storage.changes` for the wire):

============== ======================== ==================================================================
topic          key                      what changed
============== ======================== ==================================================================
conversations  conversation id          a buyer arrived or wrote; a reply, note, assignment, acceptance,
                                        transfer, hand-off, end or read mark (None: several chats)
agents         agent id (None: several) status 在线/挂起/离线 (by hand, the capacity rule, presence), a
                                        sub-account's settings
customers      customer id (None: many) profile, tags, notes, follow-ups, care messages; None also for the
                                        tag library, groups, RFM settings, follow-up rules and imports
kb             entry id (None: many)    an entry, a category, a pack (subscribe, upgrade) or an import
bot            None                     店小蜜 settings: welcome, transfer rules, reception mode, 分流
                                        rules and groups, auto-message rules
cases          case id                  an after-sales case, complaint, dispute or review (its state,
                                        notes, evidence)
link_lost      None                     this desk's listener lost the server (changes may be missed)
resync         None                     it listens again: re-read everything shown
============== ======================== ==================================================================
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from workbench.storage.db import Database, StoredChange

if TYPE_CHECKING:
    from workbench.storage.listener import ChangeListener

log = logging.getLogger(__name__)


class Topic(StrEnum):
    CONVERSATIONS = "conversations"
    AGENTS = "agents"
    CUSTOMERS = "customers"
    KB = "kb"
    BOT = "bot"
    CASES = "cases"
    LINK_LOST = "link_lost"  # never sent by a service: the listener's own news
    RESYNC = "resync"  # likewise


@dataclass(frozen=True, slots=True)
class Change:
    topic: Topic
    key: int | None = None  # the changed row's id, or None for "several"
    remote: bool = False  # heard from another desk through the database (False: this workspace's own write)


Subscriber = Callable[[Change], None]


class Hub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call `subscriber` with every change from now on; returns the function that stops it."""
        with self._lock:
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)

        return unsubscribe

    def publish(self, topic: Topic, key: int | None = None, *, remote: bool = False) -> None:
        """Tell every subscriber; one that fails is logged and never stops the others or the caller."""
        change = Change(topic, key, remote)
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            try:
                subscriber(change)
            except Exception:
                log.exception("change subscriber failed on %s", change)

    def publish_stored(self, changes: Iterable[StoredChange], *, remote: bool = False) -> None:
        """Publish changes as the database carries them; a topic this program does not know (a newer
        desk's) is skipped."""
        for stored in changes:
            try:
                topic = Topic(stored.topic)
            except ValueError:
                log.debug("unknown change topic %r", stored.topic)
                continue
            self.publish(topic, stored.key, remote=remote)

    def attach(self, db: Database) -> None:
        """Publish every change this workspace commits to `db`, after the commit."""
        db.on_commit(self.publish_stored)


class LiveChanges:
    """Other desks' changes, heard through the database (PostgreSQL LISTEN on a thread of its own) and
    published on this workspace's hub as remote changes; a lost connection is `Topic.LINK_LOST`, and
    listening again after it is `Topic.RESYNC` (whatever was sent meanwhile is gone: re-read)."""

    def __init__(self, db: Database, hub: Hub, *, backoff_s: Sequence[float] | None = None) -> None:
        from workbench.storage.listener import BACKOFF_S, ChangeListener  # psycopg only where a server is used

        self.hub = hub
        self.link_up = True
        self.listener: ChangeListener = ChangeListener(
            db.url, db.origin, self._heard, self._link, backoff_s=backoff_s or BACKOFF_S
        )

    def start(self) -> bool:
        """Listen (waits for the first connection attempt); True if listening."""
        return self.listener.start()

    def stop(self) -> None:
        self.listener.stop()

    def _heard(self, change: StoredChange) -> None:
        self.hub.publish_stored((change,), remote=True)

    def _link(self, up: bool) -> None:
        self.link_up = up
        self.hub.publish(Topic.RESYNC if up else Topic.LINK_LOST, remote=True)
