"""Python's cyclic garbage collector, run only on the GUI thread.

Shiboken releases the GIL while Qt destroys a widget tree; if an automatic collection starts on a
worker thread at that moment it walks wrappers that are being freed and the process crashes. So the
automatic collector is switched off and this timer collects on the GUI thread instead, generation by
generation as the counts reach the usual thresholds, often enough that each collection has little
to walk.

Once the desk is ready (`settle`), what start-up built stays for the session — jieba's dictionary,
the KB index, the services, the pages — so it is moved out of the collector's view (`gc.freeze`):
a full collection then walks only what was made since, tens of milliseconds less of frozen UI with a
2k-entry KB. Garbage cycles left over from start-up stay with it (a one-off). Until then the start-up
thread is importing and building what will be frozen, so a full collection would walk a growing heap
again and again on the GUI thread while the window waits for its lists: the young generations are
collected as usual, a full collection at most every STARTING_FULL_EVERY_S.
"""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QObject, QTimer

_settled = False


def settle() -> None:
    """Start-up is over: its objects leave the collector's view (see the module's doc)."""
    global _settled
    _settled = True
    gc.freeze()


class GuiThreadGarbageCollector(QObject):
    INTERVAL_MS = 200  # with a busy desk's workers a second's allocations took ~10 ms to collect
    STARTING_FULL_EVERY_S = 30.0

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._threshold = gc.get_threshold()
        self._last_full = time.monotonic()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> None:
        counts = gc.get_count()
        if counts[0] <= self._threshold[0]:
            return
        if counts[2] > self._threshold[2] and self._full_due():
            gc.collect(2)
            self._last_full = time.monotonic()
        elif counts[1] > self._threshold[1]:
            gc.collect(1)
        else:
            gc.collect(0)

    def _full_due(self) -> bool:
        return _settled or time.monotonic() - self._last_full >= self.STARTING_FULL_EVERY_S
