"""Python's cyclic garbage collector, run only on the GUI thread.

Shiboken releases the GIL while Qt destroys a widget tree; if an automatic collection starts on a
worker thread at that moment it walks wrappers that are being freed and the process crashes. So the
automatic collector is switched off and this timer collects on the GUI thread instead, generation by
generation as the counts reach the usual thresholds, often enough that each collection has little
to walk.

Once the desk is ready (`settle`), what start-up built stays for the session — jieba's dictionary,
the KB index, the services, the pages — so it is moved out of the collector's view (`gc.freeze`):
a full collection then walks only what was made since, tens of milliseconds less of frozen UI with a
2k-entry KB. Garbage cycles left over from start-up stay with it (a one-off).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


def settle() -> None:
    """Start-up is over: its objects leave the collector's view (see the module's doc)."""
    gc.freeze()


class GuiThreadGarbageCollector(QObject):
    INTERVAL_MS = 200  # with a busy desk's workers a second's allocations took ~10 ms to collect

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._threshold = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> None:
        counts = gc.get_count()
        if counts[0] <= self._threshold[0]:
            return
        if counts[2] > self._threshold[2]:
            gc.collect(2)
        elif counts[1] > self._threshold[1]:
            gc.collect(1)
        else:
            gc.collect(0)
