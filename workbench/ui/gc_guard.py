"""Python's cyclic garbage collector, run only on the GUI thread.

Shiboken releases the GIL while Qt destroys a widget tree; if an automatic collection starts on a
worker thread at that moment it walks wrappers that are being freed and the process crashes. So the
automatic collector is switched off and this timer collects on the GUI thread instead, generation by
generation as the counts reach the usual thresholds.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class GuiThreadGarbageCollector(QObject):
    INTERVAL_MS = 1000

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
