"""The customer list model under the customer benchmark (offscreen Qt): the list operations timed
through the model the page uses (count, then the page on screen, fetched by its workers), the model
scrolled top to bottom, and the UI thread's longest stall while a writer adds orders and messages."""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from workbench.domain.crm import CustomerFilter, SortKey
from workbench.services.crm import CrmService

TICK_MS = 5  # the UI-thread probe: a gap longer than this between two ticks is a stall

ListOp = tuple[CustomerFilter, SortKey, int]
"""One list operation: the filter, the sort (descending), and the row the user looks at."""


class _Loop:
    """The Qt application as the desk runs it (see `workbench.ui.bootstrap`: the cyclic garbage
    collector only on the UI thread, the interpreter's switch interval), a Tasks pool like the
    page's, and a probe timer on the UI thread."""

    def __init__(self) -> None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication

        from workbench.ui.bootstrap import SWITCH_INTERVAL_S
        from workbench.ui.gc_guard import GuiThreadGarbageCollector
        from workbench.ui.tasks import Tasks

        self.app = QApplication.instance() or QApplication([])
        # Without these a worker or the writer thread ran a full collection of the benchmark's own
        # generated data while holding the interpreter lock: 0.15–0.37 s of UI stall the desk never has.
        self._switch_interval = sys.getswitchinterval()
        self._gc_was_enabled = gc.isenabled()
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        self.collector = GuiThreadGarbageCollector()
        self.tasks = Tasks()
        self.last_tick = time.perf_counter()
        self.last_cpu = time.thread_time()
        self.max_gap_ms = 0.0
        self.max_busy_ms = 0.0  # the UI thread's own CPU time between two ticks (not the machine's load)
        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        self.max_gap_ms = max(self.max_gap_ms, (now - self.last_tick) * 1000 - TICK_MS)
        self.max_busy_ms = max(self.max_busy_ms, (cpu - self.last_cpu) * 1000)
        self.last_tick, self.last_cpu = now, cpu

    def start_probe(self) -> None:
        self.last_tick, self.last_cpu = time.perf_counter(), time.thread_time()
        self.max_gap_ms = self.max_busy_ms = 0.0
        self.timer.start()

    def settle(self, predicate: Callable[[], bool], timeout_s: float = 120.0) -> None:
        deadline = time.perf_counter() + timeout_s
        while not predicate():
            if time.perf_counter() > deadline:
                raise TimeoutError("the model did not load")
            self.app.processEvents()
            time.sleep(0.0005)

    def idle_stall(self, seconds: float) -> float:
        """The probe's longest gap with nothing to do: the floor the machine itself sets (scheduling
        on busy cores), measured in the same run as the stalls it is compared with."""
        self.start_probe()
        ends = time.perf_counter() + seconds
        self.settle(lambda: time.perf_counter() >= ends)
        self.timer.stop()
        return self.max_gap_ms

    def settle_heap(self) -> None:
        """The page is open: what was built so far stays, as the desk's `gc_guard.settle` once ready."""
        from workbench.ui.gc_guard import settle

        settle()

    def close(self) -> None:
        self.timer.stop()
        self.tasks.wait_idle()
        self.app.processEvents()
        self.collector.deleteLater()
        gc.unfreeze()
        if self._gc_was_enabled:  # the rest of the benchmark process collects as before
            gc.enable()
        sys.setswitchinterval(self._switch_interval)


def _model(loop: _Loop, crm: CrmService) -> Any:
    from workbench.ui.crm.list_model import CustomerTableModel

    return CustomerTableModel(loop.tasks, crm)


def _show(loop: _Loop, model: Any, op: ListOp) -> None:
    """What the page does when the user filters, searches or sorts: a new query, counted, then the
    page holding the row the user looks at, on screen."""
    customer_filter, sort, row = op
    counted: list[int] = []
    model.count_changed.connect(counted.append)
    try:
        model.set_query(customer_filter, sort, True)
        loop.settle(lambda: bool(counted))
    finally:
        model.count_changed.disconnect(counted.append)
    if counted[0]:
        target = min(row, counted[0] - 1)
        model.request_row(target)
        loop.settle(lambda: model.is_loaded(target))


def time_list_operations(crm: CrmService, operations: dict[str, Sequence[ListOp]]) -> dict[str, Any]:
    """Milliseconds per operation (name → samples) through the page's list model, and the UI
    thread's longest stall over all of them."""
    loop = _Loop()
    model = _model(loop, crm)
    samples: dict[str, list[float]] = {}
    try:
        _show(loop, model, (CustomerFilter(), SortKey.ID, 0))  # the page opened
        loop.settle_heap()
        loop.start_probe()
        for name, ops in operations.items():
            samples[name] = []
            for op in ops:
                started = time.perf_counter()
                _show(loop, model, op)
                samples[name].append((time.perf_counter() - started) * 1000)
        stall = loop.max_gap_ms
    finally:
        loop.close()
    return {"samples": samples, "max_ui_stall_ms": round(stall, 1)}


def stall_during_writes(
    crm: CrmService, operations: Sequence[ListOp], write: Callable[[int], None], seconds: float, writes_per_s: float
) -> dict[str, Any]:
    """The customer page's list in use (a new query every 200 ms, rows refreshed in between) while a
    writer thread calls ``write(n)`` (an order or a message, each its own transaction) at a steady
    rate. The UI thread's longest stall, and the writes' latency."""
    loop = _Loop()
    model = _model(loop, crm)
    latencies: list[float] = []
    stop = threading.Event()
    failures: list[BaseException] = []

    def writer() -> None:
        n = 0
        next_at = time.perf_counter()
        while not stop.is_set():
            started = time.perf_counter()
            try:
                write(n)
            except BaseException as exc:  # reported by the caller's thread
                failures.append(exc)
                return
            latencies.append((time.perf_counter() - started) * 1000)
            n += 1
            next_at += 1 / writes_per_s
            stop.wait(max(0.0, next_at - time.perf_counter()))

    thread = threading.Thread(target=writer, name="bench-writer", daemon=True)
    done = 0
    collections: list[tuple[str, int, float]] = []  # (thread, generation, ms) of the cyclic collector's runs
    gc_started = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            gc_started[0] = time.perf_counter()
        else:
            ms = (time.perf_counter() - gc_started[0]) * 1000
            collections.append((threading.current_thread().name, info["generation"], ms))

    try:
        _show(loop, model, (CustomerFilter(), SortKey.ID, 0))
        loop.settle_heap()
        idle = loop.idle_stall(min(seconds, 5.0))
        loop.start_probe()
        gc.callbacks.append(on_gc)
        thread.start()
        ends = time.perf_counter() + seconds
        while time.perf_counter() < ends and not failures:
            _show(loop, model, operations[done % len(operations)])
            done += 1
            model.refresh_rows()
            pause = time.perf_counter() + 0.2
            loop.settle(lambda p=pause: time.perf_counter() >= p)  # type: ignore[misc]
        stall, busy = loop.max_gap_ms, loop.max_busy_ms
    finally:
        stop.set()
        thread.join(timeout=30)
        if on_gc in gc.callbacks:
            gc.callbacks.remove(on_gc)
        loop.close()
    if failures:
        raise failures[0]
    ordered = sorted(latencies)
    return {
        "max_ui_stall_ms": round(stall, 1),
        "max_ui_stall_ms_idle": round(idle, 1),
        "max_ui_busy_ms": round(busy, 1),
        "gc_runs": len(collections),
        "gc_max_ms": round(max([0.0, *(ms for _, _, ms in collections)]), 1),
        "gc_gen2_runs": sum(1 for _, generation, _ in collections if generation == 2),
        "gc_threads": sorted({name for name, _, _ in collections}),
        "list_operations": done,
        "writes": len(latencies),
        "write_p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2) if ordered else None,
    }


def scroll_customer_model(crm: CrmService, customers: int) -> dict[str, Any]:
    """Scroll the real list model over every page; report the most rows it held at once."""
    loop = _Loop()
    model = _model(loop, crm)
    try:
        model.set_query(CustomerFilter(), SortKey.SPENT, True)
        loop.settle(lambda: model.rowCount() == customers)
        most = 0
        step = max(customers // 200, 1)
        for row in [*range(0, customers, step), customers - 1]:
            model.request_row(row)
            loop.settle(lambda r=row: model.is_loaded(r))  # type: ignore[misc]
            most = max(most, model.cached_rows())
    finally:
        loop.close()
    return {"rows": model.rowCount(), "max_rows_held": most, "pages_visited": (customers // step) + 1}
