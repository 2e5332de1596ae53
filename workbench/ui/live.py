"""Other desks' work, live: the one bridge from the workspace's change hub to the UI thread.

The hub publishes on whatever thread wrote or heard the change (a worker, the listener thread). The
`LiveBridge` subscribes once per window and re-emits each change made at *another* desk (heard through
the database) as a signal on the UI thread; this desk's own writes are shown by the code that made
them, as before. Widgets follow it with `Follow`: re-read what they show when a change concerns them,
at most once per 100 ms however fast changes come, and only when shown (a hidden page re-reads when
it is shown again). On SQLite there are no other desks, so nothing arrives here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QWidget

from workbench.services.notifications import Change, Hub, Topic

log = logging.getLogger(__name__)

COALESCE_MS = 100  # at most one re-read of a list per this many milliseconds


class LiveBridge(QObject):
    """Re-emits the hub's remote changes on the UI thread."""

    changed = Signal(object)
    """Another desk changed something (a `Change`; `Topic.RESYNC`: re-read everything shown)."""

    link_changed = Signal(bool)
    """The desk lost its connection to the shared server (False), or listens again (True; a
    `Topic.RESYNC` change follows)."""

    _heard = Signal(object)  # from the publishing thread; queued to this object's (the UI) thread

    def __init__(self, hub: Hub, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._heard.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe: Callable[[], None] | None = hub.subscribe(self._on_hub)

    def close(self) -> None:
        """Stop listening (the window closes)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_hub(self, change: Change) -> None:  # any thread
        if change.remote:
            try:
                self._heard.emit(change)
            except RuntimeError:  # the window is gone while the listener still ran
                self.close()

    def _deliver(self, change: Change) -> None:
        if change.topic is Topic.LINK_LOST:
            self.link_changed.emit(False)
            return
        if change.topic is Topic.RESYNC:
            self.link_changed.emit(True)
        self.changed.emit(change)


class Coalesced(QObject):
    """Calls `callback` at once on the first `trigger`, then at most once per `interval_ms`: triggers
    inside the interval are merged into one call at its end."""

    def __init__(self, callback: Callable[[], None], interval_ms: int = COALESCE_MS, parent: QObject | None = None):
        super().__init__(parent)
        self._callback = callback
        self._pending = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timeout)

    def trigger(self) -> None:
        if self._timer.isActive():
            self._pending = True
            return
        self._run()

    def _on_timeout(self) -> None:
        if self._pending:
            self._run()

    def _run(self) -> None:
        self._pending = False
        self._timer.start()
        self._callback()


class Follow(QObject):
    """Keeps `widget` up to date with other desks' changes on `topics`: `refresh` runs when a change
    concerns it (`concerns`, default: every change on those topics; a resync always does), coalesced,
    and while the widget is hidden only once it is shown again."""

    def __init__(
        self,
        bridge: LiveBridge,
        widget: QWidget,
        topics: Collection[Topic],
        refresh: Callable[[], None],
        *,
        concerns: Callable[[Change], bool] | None = None,
        interval_ms: int = COALESCE_MS,
    ) -> None:
        super().__init__(widget)
        self._widget = widget
        self._topics = frozenset(topics)
        self._concerns = concerns
        self._stale = False
        self._refresh = Coalesced(refresh, interval_ms, self)
        bridge.changed.connect(self._on_change)
        widget.installEventFilter(self)

    def _on_change(self, change: Change) -> None:
        if change.topic is not Topic.RESYNC and not self._concerned(change):
            return
        if self._widget.isVisible():
            self._refresh.trigger()
        else:
            self._stale = True

    def _concerned(self, change: Change) -> bool:
        return change.topic in self._topics and (self._concerns is None or self._concerns(change))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._widget and event.type() == QEvent.Type.Show and self._stale:
            self._stale = False
            self._refresh.trigger()
        return False
