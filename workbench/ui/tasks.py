"""Background work for the UI: reads on a small pool, writes serialised on one worker.

A job is a plain function run off the UI thread; its result (or exception) comes back on the UI
thread through a queued signal and is handed to the callbacks. Jobs never touch widgets.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from workbench.storage.errors import storage_failure

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class _Relay(QObject):
    """Lives on the UI thread; worker threads emit through it (queued delivery)."""

    finished = Signal(int, object)  # job id, result
    failed = Signal(int, object)  # job id, exception


class _Job(QRunnable):
    def __init__(self, job_id: int, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.job_id = job_id
        self.fn = fn
        self.relay = relay

    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as exc:  # delivered to the UI, never lost in a thread
            log.debug("background job failed", exc_info=True)
            self.relay.failed.emit(self.job_id, exc)
        else:
            self.relay.finished.emit(self.job_id, result)


class Tasks(QObject):
    """Runs jobs in the background and calls back on the UI thread."""

    job_failed = Signal(object)  # an exception no callback handled

    storage_failed = Signal(object)
    """A job failed because the storage itself fails (a full disk, a lost connection: see
    `workbench.storage.errors.storage_failure`); carries the exception. Emitted besides the job's own
    failure callback; such failures are not logged here, the desk's health monitor logs the first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._reads = QThreadPool(self)
        self._reads.setMaxThreadCount(2)
        self._writes = QThreadPool(self)
        self._writes.setMaxThreadCount(1)  # one writer: no write-write contention, order kept
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[Done | None, Failed | None]] = {}
        self._relay = _Relay(self)
        self._relay.finished.connect(self._on_finished)
        self._relay.failed.connect(self._on_failed)

    def read(self, fn: Callable[[], Any], done: Done | None = None, failed: Failed | None = None) -> None:
        self._start(self._reads, fn, done, failed)

    def write(self, fn: Callable[[], Any], done: Done | None = None, failed: Failed | None = None) -> None:
        self._start(self._writes, fn, done, failed)

    def pending(self) -> int:
        return len(self._callbacks)

    def wait_idle(self, msecs: int = 10_000) -> bool:
        """Block until the pools are empty (shutdown and tests); callbacks still need the event loop."""
        ok_reads = self._reads.waitForDone(msecs)
        ok_writes = self._writes.waitForDone(msecs)
        return ok_reads and ok_writes

    def _start(self, pool: QThreadPool, fn: Callable[[], Any], done: Done | None, failed: Failed | None) -> None:
        job_id = next(self._ids)
        self._callbacks[job_id] = (done, failed)
        pool.start(_Job(job_id, fn, self._relay))

    def _on_finished(self, job_id: int, result: object) -> None:
        done, _ = self._callbacks.pop(job_id, (None, None))
        if done is not None:
            done(result)

    def _on_failed(self, job_id: int, exc: object) -> None:
        _, failed = self._callbacks.pop(job_id, (None, None))
        assert isinstance(exc, BaseException)
        storage = storage_failure(exc) is not None
        if storage:
            self.storage_failed.emit(exc)
        if failed is not None:
            failed(exc)
        else:
            if not storage:
                log.error("background job failed: %r", exc)
            self.job_failed.emit(exc)
