"""Customer message → suggestions shown, through the real window (offscreen), with UI-stall watch.

Messages enter the way simulated customers' do (persisted by the write worker, then handed to the
window); the clock runs from the window learning of a message to the sidebar showing suggestions.
A 5 ms heartbeat timer on the UI thread measures the longest stall while this goes on.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

HEARTBEAT_MS = 5


def _script() -> tuple[tuple[str, ...], str]:
    """Our own customer questions and the agent's occasional reply (data in workbench/assets/bench)."""
    data = json.loads((resources.files("workbench.assets") / "bench" / "assist.json").read_text(encoding="utf-8"))
    return tuple(data["questions"]), str(data["agent_reply"])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def run(messages: int = 200) -> dict[str, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QTimer

    from workbench.domain.conversations import Message
    from workbench.kb import tokenizer
    from workbench.launch import LaunchConfig
    from workbench.paths import AppPaths
    from workbench.services.live import ChannelUpdate
    from workbench.settings import Settings
    from workbench.startup import DeskStartup
    from workbench.storage.db import sqlite_url
    from workbench.ui.bootstrap import create_application
    from workbench.ui.main_window import MainWindow

    questions, agent_reply = _script()
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        paths = AppPaths.under(Path(tmp) / "data")
        paths.ensure()
        tokenizer.set_cache_dir(paths.cache / "jieba")
        config = LaunchConfig(paths=paths, db_url=sqlite_url(paths.database), settings=Settings(), simulator=False)
        startup = DeskStartup(config)
        startup.begin()
        app = create_application(config)
        window = MainWindow(config, startup)
        window.show()
        window.start()

        def wait(predicate: Callable[[], bool], timeout_s: float = 120.0) -> None:
            deadline = time.perf_counter() + timeout_s
            while not predicate():
                if time.perf_counter() > deadline:
                    raise TimeoutError("benchmark timed out")
                app.processEvents()
                time.sleep(0.001)

        wait(lambda: window.workspace is not None and window.matcher is not None)
        ws = window.workspace
        assert ws is not None
        customer_id = ws.orders.page(limit=1).rows[0][0].customer_id
        conv = ws.reception.customer_arrives(customer_id, "bench")
        window.refresh_lists()
        window.open_conversation(conv.id)
        wait(lambda: window.chat.message_model.conversation_id == conv.id)

        received: dict[int, float] = {}
        latencies: list[float] = []
        clock = QElapsedTimer()
        clock.start()
        window.customer_message_received.connect(lambda cid, _t: received.__setitem__(cid, clock.nsecsElapsed()))
        window.suggestions_shown.connect(
            lambda cid, _n: latencies.append((clock.nsecsElapsed() - received.pop(cid, clock.nsecsElapsed())) / 1e6)
        )

        stalls: list[float] = []
        last = [clock.nsecsElapsed()]

        def beat() -> None:
            now = clock.nsecsElapsed()
            stalls.append((now - last[0]) / 1e6 - HEARTBEAT_MS)
            last[0] = now

        heartbeat = QTimer()
        heartbeat.setInterval(HEARTBEAT_MS)
        heartbeat.timeout.connect(beat)
        heartbeat.start()

        for i in range(messages):
            text = questions[i % len(questions)]
            done_before = len(latencies)

            def job(text: str = text) -> Message:
                return ws.reception.customer_says(conv.id, text)

            window.tasks.write(
                job, lambda m: window.controller.apply_updates([ChannelUpdate(conv.id, customer_id, (m,))])
            )

            def answered(n: int = done_before) -> bool:
                return len(latencies) > n

            wait(answered)
            # Keep the chat a realistic size: the agent answers now and then.
            if i % 10 == 9:
                window.send_text(agent_reply)
        heartbeat.stop()
        window.close()
        app.processEvents()
    return {
        "messages": float(messages),
        "p50_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(_percentile(latencies, 0.95), 2),
        "max_ms": round(max(latencies), 2),
        "max_ui_stall_ms": round(max(0.0, *stalls), 2),
    }
