"""A long chat opened and scrolled to its first message in the real window (offscreen), new view
against the old one (`chat_legacy`) in the same run.

Method: the parent (`workbench.bench.chat`) writes N messages of one conversation into a fresh SQLite database (see
`workbench.bench.chat`), then runs each view in its own process on a copy of that data dir
(so memory and caches are its own). A child starts the desk as `workbench` does (DeskStartup, the
main window, 1360×840), waits until the lists and the matcher are ready, starts a 5 ms heartbeat
timer on the UI thread, then
- opens the chat (`open_ms`: `open_conversation` → newest page read, laid out and painted);
- scrolls to the top like a reader dragging the scroll bar up, page after page until the first
  message (`page_ms_*`: scroll bar at the top → the older page read by the worker thread from the
  database, prepended, laid out and painted; `page_ui_ms_p95`: the UI thread's share: measuring
  the page's rows, prepending and laying it out);
- `max_ui_stall_ms`: the longest the heartbeat was late while the chat was opened and scrolled;
  `max_ui_busy_ms`: the most CPU time the UI thread itself used between two beats (on a loaded
  machine a stall also holds the time the thread waited for a core; this figure does not);
- `rss_mb` / `peak_rss_mb`: the process's resident memory at the top, and its peak.
Excluded: start-up and seeding, painting to a real screen (offscreen platform), the OS compositor.
The old view is given `baseline_budget_s` of scrolling; if it does not reach the top by then, its
figures cover the pages it managed (`pages`, `reached_top`). Garbage collections on the UI thread
(ui/gc_guard.py) are counted apart (`gc_*`).
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

HEARTBEAT_MS = 5


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def _rss_mb() -> tuple[float, float]:
    """Resident and peak resident memory of this process in MB (Linux /proc; else the peak twice)."""
    try:
        fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
    except (OSError, KeyError, ValueError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return peak, peak


def child(view: str, data_dir: str, conversation_id: int, budget_s: float, profile: bool) -> dict[str, object]:
    """One view in this process: open the chat and scroll it to the top (see the module's doc)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QTimer

    from workbench.kb import tokenizer
    from workbench.launch import LaunchConfig
    from workbench.paths import AppPaths
    from workbench.settings import Settings
    from workbench.startup import DeskStartup
    from workbench.storage.db import sqlite_url
    from workbench.ui import main_window
    from workbench.ui.bootstrap import create_application

    if view == "baseline":
        from workbench.ui.bench.chat_legacy import ChatView as LegacyChatView

        main_window.ChatView = LegacyChatView  # type: ignore[misc,assignment]

    paths = AppPaths.under(Path(data_dir))
    tokenizer.set_cache_dir(paths.cache / "jieba")
    config = LaunchConfig(paths=paths, db_url=sqlite_url(paths.database), settings=Settings(), simulator=False)
    startup = DeskStartup(config)
    startup.begin()
    app = create_application(config)
    window = main_window.MainWindow(config, startup)
    window.resize(1360, 840)
    window.show()
    window.start()

    def wait(predicate: Callable[[], bool], timeout_s: float = 300.0) -> None:
        deadline = time.perf_counter() + timeout_s
        while not predicate():
            if time.perf_counter() > deadline:
                raise TimeoutError("benchmark timed out")
            app.processEvents()
            time.sleep(0.001)

    wait(lambda: window.workspace is not None and window.matcher is not None)
    settle = time.perf_counter() + 1.0  # let the first lists and the sidebar finish
    wait(lambda: time.perf_counter() > settle)

    clock = QElapsedTimer()
    clock.start()
    stalls: list[float] = []
    busy: list[float] = []  # the UI thread's CPU time between two beats: its own work, not the machine's load
    last = [clock.nsecsElapsed()]
    last_cpu = [time.thread_time_ns()]

    def beat() -> None:
        now, cpu = clock.nsecsElapsed(), time.thread_time_ns()
        stalls.append((now - last[0]) / 1e6 - HEARTBEAT_MS)
        busy.append((cpu - last_cpu[0]) / 1e6)
        last[0], last_cpu[0] = now, cpu

    heartbeat = QTimer()
    heartbeat.setInterval(HEARTBEAT_MS)
    heartbeat.timeout.connect(beat)

    # Collections of Python's cyclic garbage collector run on the UI thread (ui/gc_guard.py): they
    # are reported apart, being the program's and not the chat's.
    collections: list[tuple[int, float]] = []
    gc_started = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            gc_started[0] = time.perf_counter()
        elif measuring[0]:
            collections.append((info["generation"], (time.perf_counter() - gc_started[0]) * 1000))

    measuring = [False]
    gc.callbacks.append(on_gc)
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    chat = window.chat
    model = chat.message_model
    opened: list[int] = []
    window.conversation_opened.connect(opened.append)
    heartbeat.start()
    measuring[0] = True
    last[0], last_cpu[0] = clock.nsecsElapsed(), time.thread_time_ns()
    started = clock.nsecsElapsed()
    window.open_conversation(conversation_id)
    wait(lambda: bool(opened))
    app.processEvents()  # the delayed layout and the paint
    open_ms = (clock.nsecsElapsed() - started) / 1e6

    # The UI thread's share of a page: measuring its rows (a slice per turn of the event loop),
    # prepending it, laying the view out; the previous view does it all in show_older.
    page_ui: list[float] = []
    page_ui_ns = [0]

    def timed(method: Callable[..., None]) -> Callable[..., None]:
        def run(*args: object, **kwargs: object) -> None:
            started = clock.nsecsElapsed()
            try:
                method(*args, **kwargs)
            finally:
                page_ui_ns[0] += clock.nsecsElapsed() - started

        return run

    chat.show_older = timed(chat.show_older)  # type: ignore[method-assign]
    if hasattr(chat, "_measure_timer"):  # ours: the page's later slices come from its timer
        chat._measure_timer.timeout.disconnect()
        chat._measure_timer.timeout.connect(timed(chat._measure_some))
    bar = chat.verticalScrollBar()
    pages: list[float] = []
    scroll_started = time.perf_counter()
    while chat.has_older and time.perf_counter() - scroll_started < budget_s:
        if bar.value() == 0:  # a reader at the top moves away a little and comes back
            bar.setValue(1)
        started = clock.nsecsElapsed()
        page_ui_ns[0] = 0
        bar.setValue(0)
        wait(lambda: not chat._loading_older)
        app.processEvents()
        pages.append((clock.nsecsElapsed() - started) / 1e6)
        page_ui.append(page_ui_ns[0] / 1e6)
    reached_top = not chat.has_older
    heartbeat.stop()
    measuring[0] = False
    if profiler is not None:
        import io
        import pstats

        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
        print(out.getvalue(), file=sys.stderr)
    rss, peak = _rss_mb()
    assert window.workspace is not None
    first_id = window.workspace.reception.messages(conversation_id, after_id=0, limit=1, forward=True)[0].id
    result: dict[str, object] = {
        "open_ms": round(open_ms, 1),
        "pages": len(pages),
        "reached_top": reached_top,
        "first_message_shown": model.oldest_id() == first_id,
        "rows_in_view": model.rowCount(),
        "page_ms_p50": round(statistics.median(pages), 1) if pages else 0.0,
        "page_ms_p95": round(_percentile(pages, 0.95), 1) if pages else 0.0,
        "page_ms_max": round(max(pages), 1) if pages else 0.0,
        "last_page_ms": round(pages[-1], 1) if pages else 0.0,
        "page_ui_ms_p95": round(_percentile(page_ui, 0.95), 1) if page_ui else 0.0,
        "max_ui_stall_ms": round(max([0.0, *stalls]), 1),
        "ui_stall_p99_ms": round(max(0.0, _percentile(stalls, 0.99)), 1) if stalls else 0.0,
        "ui_stalls_over_50ms": sum(1 for stall in stalls if stall > 50),
        "max_ui_busy_ms": round(max([0.0, *busy]), 1),
        "ui_busy_over_50ms": sum(1 for ms in busy if ms > 50),
        "gc_runs": len(collections),
        "gc_max_ms": round(max([0.0, *(ms for _, ms in collections)]), 1),
        "gc_gen2_runs": sum(1 for generation, _ in collections if generation == 2),
        "rss_mb": round(rss, 1),
        "peak_rss_mb": round(peak, 1),
    }
    window.close()
    app.processEvents()
    return result


if __name__ == "__main__":
    view_name, folder, conv, budget = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    print(json.dumps(child(view_name, folder, conv, budget, "--profile" in sys.argv)))
