"""Background work for the UI: reads on a small pool, writes serialised on one worker, and long jobs
(imports) on a worker of their own.

A job is a plain function run off the UI thread; its result (or exception) comes back on the UI
thread through a queued signal and is handed to the callbacks. Jobs never touch widgets.

Short jobs the user waits on and only the newest of which matters (suggestions for a buyer's latest
message) go through `latest`: they have a worker of their own, so they never queue behind database
reads, and a newer job with the same key supersedes an older one — skipped if it has not started,
its result dropped if it has — so a stale result never reaches the screen.

A long job gets its own worker, so it never holds up the write worker that carries the desk's
replies, accepts and ends: it uses its own database connection (each worker thread has one) and
writes in short transactions of its own. It may report progress (handed to a callback on the UI
thread) and is told to stop by a `Cancel` flag, which `cancel_long_jobs` sets when the desk closes.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Hashable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from workbench.services.sheets import Cancel
from workbench.storage.errors import storage_failure

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class _Relay(QObject):
    """Lives on the UI thread; worker threads emit through it (queued delivery)."""

    finished = Signal(int, object)  # job id, result
    failed = Signal(int, object)  # job id, exception
    progressed = Signal(int, object)  # job id, what the job reported


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
        self._long = QThreadPool(self)
        self._long.setMaxThreadCount(1)  # imports one after another, beside the writer
        self._quick = QThreadPool(self)
        self._quick.setMaxThreadCount(1)  # `latest` jobs: CPU-bound (one at a time is as fast), never behind reads
        self._newest: dict[Hashable, int] = {}  # key → the id of its newest `latest` job
        self._keys: dict[int, Hashable] = {}  # id of an unfinished `latest` job → its key
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[Done | None, Failed | None]] = {}
        self._progress: dict[int, Callable[[Any], None]] = {}
        self._cancels: dict[int, Cancel] = {}
        self._relay = _Relay(self)
        self._relay.finished.connect(self._on_finished)
        self._relay.failed.connect(self._on_failed)
        self._relay.progressed.connect(self._on_progress)

    def read(self, fn: Callable[[], Any], done: Done | None = None, failed: Failed | None = None) -> None:
        self._start(self._reads, fn, done, failed)

    def write(self, fn: Callable[[], Any], done: Done | None = None, failed: Failed | None = None) -> None:
        self._start(self._writes, fn, done, failed)

    def latest(
        self, key: Hashable, fn: Callable[[], Any], done: Done | None = None, failed: Failed | None = None
    ) -> None:
        """Run `fn` on the quick worker as the newest job for `key`: it supersedes any unfinished job
        with that key, whose callbacks are then never called (skipped before it starts, dropped after)."""
        job_id = next(self._ids)
        self._newest[key] = job_id
        self._keys[job_id] = key
        newest = self._newest  # read on the worker: a superseded job does not run at all

        def run() -> Any:
            return fn() if newest.get(key) == job_id else None

        self._callbacks[job_id] = (done, failed)
        self._quick.start(_Job(job_id, run, self._relay))

    def long(
        self,
        fn: Callable[[Callable[[Any], None]], Any],
        done: Done | None = None,
        failed: Failed | None = None,
        *,
        progress: Callable[[Any], None] | None = None,
        cancel: Cancel | None = None,
    ) -> None:
        """Run a long job (an import) on its own worker. `fn` is given a `report` function: what it
        reports (from the worker) reaches `progress` on the UI thread. `cancel` is set when the desk
        closes; the job checks it."""
        job_id = next(self._ids)
        relay = self._relay
        if progress is not None:
            self._progress[job_id] = progress
        if cancel is not None:
            self._cancels[job_id] = cancel

        def report(value: Any) -> None:
            relay.progressed.emit(job_id, value)

        self._callbacks[job_id] = (done, failed)
        self._long.start(_Job(job_id, lambda: fn(report), relay))

    def cancel_long_jobs(self) -> None:
        """Ask every long job to stop (the desk is closing); they roll back what they had not finished."""
        for cancel in self._cancels.values():
            cancel.set()

    def pending(self) -> int:
        return len(self._callbacks)

    def wait_idle(self, msecs: int = 10_000) -> bool:
        """Block until the pools are empty (shutdown and tests); callbacks still need the event loop."""
        ok_reads = self._reads.waitForDone(msecs)
        ok_writes = self._writes.waitForDone(msecs)
        ok_long = self._long.waitForDone(msecs)
        ok_quick = self._quick.waitForDone(msecs)
        return ok_reads and ok_writes and ok_long and ok_quick

    def _start(self, pool: QThreadPool, fn: Callable[[], Any], done: Done | None, failed: Failed | None) -> None:
        job_id = next(self._ids)
        self._callbacks[job_id] = (done, failed)
        pool.start(_Job(job_id, fn, self._relay))

    def _on_progress(self, job_id: int, value: object) -> None:
        callback = self._progress.get(job_id)
        if callback is not None:
            callback(value)

    def _superseded(self, job_id: int) -> bool:
        """A `latest` job that a newer one with its key replaced (forgotten here either way)."""
        if job_id not in self._keys:
            return False
        key = self._keys.pop(job_id)
        if self._newest.get(key) != job_id:
            return True
        del self._newest[key]
        return False

    def _on_finished(self, job_id: int, result: object) -> None:
        self._forget_long(job_id)
        done, _ = self._callbacks.pop(job_id, (None, None))
        if self._superseded(job_id):
            return
        if done is not None:
            done(result)

    def _forget_long(self, job_id: int) -> None:
        self._progress.pop(job_id, None)
        self._cancels.pop(job_id, None)

    def _on_failed(self, job_id: int, exc: object) -> None:
        self._forget_long(job_id)
        _, failed = self._callbacks.pop(job_id, (None, None))
        assert isinstance(exc, BaseException)
        if self._superseded(job_id) and storage_failure(exc) is None:
            return  # nobody waits for it any more
        storage = storage_failure(exc) is not None
        if storage:
            self.storage_failed.emit(exc)
        if failed is not None:
            failed(exc)
        else:
            if not storage:
                log.error("background job failed: %r", exc)
            self.job_failed.emit(exc)
