"""Change notification: services say what changed after they commit; desks listen.

A small in-process hub, built once per workspace by the composition root. A service publishes
`Change("conversations", 42)` after its transaction committed; every subscriber is called on the
publishing thread, so a subscriber that touches widgets must hop to its own thread first (the UI
does so through one Qt bridge). The database stays the truth: a change says only *what* to re-read.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

log = logging.getLogger(__name__)


class Topic(StrEnum):
    CONVERSATIONS = "conversations"  # a conversation's state, assignment or messages
    AGENTS = "agents"  # an agent's status or account


@dataclass(frozen=True, slots=True)
class Change:
    topic: Topic
    key: int | None = None  # the changed row's id, or None for "several"


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

    def publish(self, topic: Topic, key: int | None = None) -> None:
        """Tell every subscriber; one that fails is logged and never stops the others or the caller."""
        change = Change(topic, key)
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            try:
                subscriber(change)
            except Exception:
                log.exception("change subscriber failed on %s", change)
