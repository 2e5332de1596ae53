"""An afternoon at a busy desk: a buyer's message → its suggestions painted in 智能辅助, with UI stalls.

The real window runs offscreen with its simulated customers switched on at a busy rate (the desk's
own simulator, its timer and write worker, at most 8 buyers in the shop as on any desk), over the
demo shop with a KB of 2,000 entries (the industry packs and per-product entries, imported the way
an import saves them). Buyers never say the same thing twice: each scenario line is reworded on its
way in (`afternoon.Wording`). A scripted agent works the desk through the window's own methods: it
replies to the open chat with the top suggestion a moment after it is shown, stays in the chat
while the buyer answers, and moves on to the chat that has waited longest; a chat whose buyer has
left (the channel's 买家已离开 line) it ends, as an agent does (`chats_ended`). Buyers arrive by the
simulator's clock, not when the desk is free, so messages queue behind the desk's background work.

Clock: from the channel taking the buyer's message from the simulator (before it is saved) to the
sidebar's list having painted suggestions for it or for a newer message of the same chat. Counted:
buyer messages that arrive in the chat the agent has open. Not counted: the wait for the
simulator's next tick (the channel polls it every 500 ms; printed as `tick_wait_ms_p50`), messages
in other chats (they load the desk but show no suggestions), a chat switched away from before its
suggestions were painted (`dropped`). UI stalls: a 2 ms precise timer on the UI thread; a stall is
a gap beyond its interval, over the whole run after the desk is ready; `max_ui_busy_ms` is the UI
thread's own CPU time within one gap (the rest of a stall is waiting: for the interpreter lock held by
a worker, or for a core), and `noise_*_stall_ms` the stalls of a bare Qt event loop in another process
with the same heartbeat during the run (the machine's share). Queue depth: background jobs
of the window (reads, writes) not yet finished when a buyer message reaches the window.
"""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.ui.bench.afternoon import AGENT_REPLY, Wording, kb_drafts

if TYPE_CHECKING:
    from workbench.channels.simulator import SimEvent, Simulator

HEARTBEAT_MS = 2
RATE_PER_MIN = 60.0  # the settings' highest arrival rate
SPEED = 12.0  # buyers read, type and lose patience twelve times as fast as people
KB_ENTRIES = 2000
THINK_MS = 400  # the agent reads the suggestions before sending the top one
STAY_MS = 2500  # how long the agent waits in a chat for the buyer's answer before moving on


# The machine's own noise, beside the desk in the same run: a bare Qt event loop in another process
# with the same heartbeat. Prints its stalls (ms) when told to stop on stdin.
NOISE_PROBE = r"""
import sys, threading, time
from PySide6.QtCore import QCoreApplication, Qt, QTimer
app = QCoreApplication([])
interval = int(sys.argv[1])
stalls, last, told = [], [time.perf_counter()], threading.Event()
def beat():
    if told.is_set():
        app.quit()
    now = time.perf_counter()
    stalls.append(max(0.0, (now - last[0]) * 1000 - interval))
    last[0] = now
timer = QTimer()
timer.setTimerType(Qt.TimerType.PreciseTimer)
timer.setInterval(interval)
timer.timeout.connect(beat)
timer.start()
threading.Thread(target=lambda: (sys.stdin.readline(), told.set()), daemon=True).start()
app.exec()
print(" ".join(f"{s:.2f}" for s in stalls))
"""


def pump_until(app: Any, predicate: Callable[[], bool], timeout_s: float) -> bool:
    """Run the event loop until `predicate` holds (True) or `timeout_s` passed (False)."""
    deadline = time.perf_counter() + timeout_s
    while not predicate():
        if time.perf_counter() > deadline:
            return False
        app.processEvents()
        time.sleep(0.001)
    return True


def show_until_ready(app: Any, window: Any, also: Callable[[], bool]) -> None:
    """Show and start the desk, then run the event loop until its lists and matcher are ready and
    `also` holds (TimeoutError after 300 s)."""
    ready = {"lists": False, "matcher": False}
    window.workspace_ready.connect(lambda: ready.__setitem__("lists", True))
    window.matcher_ready.connect(lambda: ready.__setitem__("matcher", True))
    window.show()
    window.start()
    if not pump_until(app, lambda: ready["lists"] and ready["matcher"] and also(), 300):
        raise TimeoutError("the desk did not get ready")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


class Buyers:
    """Stands in for the channel's simulator (everything else passes through): rewords what the
    buyers say and notes when the channel took each message (perf_counter seconds)."""

    def __init__(self, simulator: Simulator, wording: Wording, monotonic: Callable[[], float]) -> None:
        self._simulator = simulator
        self._wording = wording
        self._monotonic = monotonic
        self.arrived: dict[str, float] = {}
        self.tick_waits: list[float] = []

    def tick(self, now: float) -> list[SimEvent]:
        from workbench.channels.simulator import CustomerSaid

        events = self._simulator.tick(now)
        taken = time.perf_counter()
        out: list[SimEvent] = []
        for event in events:
            if isinstance(event, CustomerSaid):
                event = replace(event, text=self._wording.vary(event.text))
                self.arrived[event.text] = taken
                self.tick_waits.append(max(0.0, self._monotonic() - event.at) * 1000)
            out.append(event)
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self._simulator, name)


def _prepare(paths: Any, db_url: str, kb_entries: int) -> int:
    """Seed the demo shop, import the KB, reception mode 智能辅助; returns the KB's size."""
    from workbench.domain.bot import ReceptionMode
    from workbench.launch import LaunchConfig
    from workbench.settings import Settings
    from workbench.startup import DeskStartup

    prep = DeskStartup(LaunchConfig(paths=paths, db_url=db_url, settings=Settings(), simulator=False))
    prep.window_shown()
    prep.desk_ready()  # no window here: nothing to hold the semantic stage back for
    prep.begin()
    ws = prep.workspace.result(timeout=600)
    prep.matcher.result(timeout=600)
    try:
        have = {e.question for e in ws.kb.entries()}
        drafts = [d for d in kb_drafts(kb_entries + len(have)) if d.question not in have][: kb_entries - len(have)]
        ws.kb_io.save_import([(d, n) for n, d in enumerate(drafts, start=2)])
        reception = ws.bot.settings().reception
        if reception.mode is not ReceptionMode.ASSIST:
            ws.bot.save_reception(replace(reception, mode=ReceptionMode.ASSIST))
        return len(ws.kb.entries())
    finally:
        prep.join(30)
        ws.close()


def run(
    messages: int = 200,
    *,
    rate: float = RATE_PER_MIN,
    speed: float = SPEED,
    kb_entries: int = KB_ENTRIES,
    seed: int = 7,
) -> dict[str, float | str]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer

    from workbench.domain.conversations import ConversationState, Message
    from workbench.kb import tokenizer
    from workbench.launch import LaunchConfig
    from workbench.paths import AppPaths
    from workbench.services.live import LEFT_NOTES
    from workbench.settings import Settings
    from workbench.startup import DeskStartup
    from workbench.storage.db import sqlite_url
    from workbench.ui.bootstrap import create_application
    from workbench.ui.main_window import MainWindow

    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        paths = AppPaths.under(Path(tmp) / "data")
        paths.ensure()
        tokenizer.set_cache_dir(paths.cache / "jieba")
        db_url = sqlite_url(paths.database)
        kb_size = _prepare(paths, db_url, kb_entries)
        gc.collect()  # the preparation's garbage is not the desk's

        settings = Settings(simulator_rate_per_min=rate, simulator_speed=speed)
        config = LaunchConfig(paths=paths, db_url=db_url, settings=settings, simulator=True)
        startup = DeskStartup(config)
        startup.begin()
        app = create_application(config)
        window = MainWindow(config, startup)
        controller = window.controller
        buyers: list[Buyers] = []

        def wrap_channel(_ws: object) -> None:
            channel = controller.channel
            if channel is not None:  # before its first tick: the sim timer starts with the lists
                buyers.append(Buyers(channel.simulator, Wording(seed), channel.monotonic))
                channel.simulator = buyers[0]  # type: ignore[assignment]

        controller.workspace_opened.connect(wrap_channel)
        show_until_ready(app, window, lambda: bool(buyers))

        def wait(predicate: Callable[[], bool], timeout_s: float) -> bool:
            return pump_until(app, predicate, timeout_s)

        feed = buyers[0]

        # -- what is measured ----------------------------------------------------------------------
        latencies: list[float] = []
        depths: list[int] = []
        counts = {"messages": 0, "superseded": 0, "dropped": 0, "unmatched": 0, "replies": 0, "ended": 0}
        arrival_of: dict[str, float] = {}
        at_window: dict[str, float] = {}  # when the window heard of a buyer message
        stages: dict[str, list[float]] = {"to_window": [], "to_ready": [], "to_paint": []}
        waiting_paint: dict[int, list[tuple[float, str]]] = {}  # open chat's messages without suggestions yet
        to_paint: list[tuple[int, float, str, float]] = []  # suggestions handed to the sidebar, not yet painted

        # -- the agent -----------------------------------------------------------------------------
        unanswered: dict[int, float] = {}  # chat → when its oldest unanswered buyer message came
        reply_timer = QTimer()
        reply_timer.setSingleShot(True)
        stay_timer = QTimer()
        stay_timer.setSingleShot(True)

        def on_customer(conv_id: int, text: str) -> None:
            counts["messages"] += 1
            depths.append(window.tasks.pending())
            taken = feed.arrived.pop(text, None)
            if taken is None:
                counts["unmatched"] += 1
                taken = time.perf_counter()
            arrival_of[text] = taken
            at_window[text] = time.perf_counter()
            unanswered.setdefault(conv_id, taken)
            if conv_id == controller.current_id:
                waiting_paint.setdefault(conv_id, []).append((taken, text))
                stay_timer.stop()
            elif controller.current_id is None:
                switch()

        def on_suggestions(conv_id: int, text: str, _suggestions: object) -> None:
            to_paint.append((conv_id, arrival_of.get(text, time.perf_counter()), text, time.perf_counter()))

        def painted() -> None:
            now = time.perf_counter()
            while to_paint:
                conv_id, upto, text, ready_at = to_paint.pop(0)
                still = []
                for taken, said in waiting_paint.get(conv_id, []):
                    if taken <= upto:
                        latencies.append((now - taken) * 1000)
                        counts["superseded"] += said != text
                        if said == text:  # where the time went
                            stages["to_window"].append((at_window[said] - taken) * 1000)
                            stages["to_ready"].append((ready_at - at_window[said]) * 1000)
                            stages["to_paint"].append((now - ready_at) * 1000)
                    else:
                        still.append((taken, said))
                waiting_paint[conv_id] = still
                if conv_id == controller.current_id and conv_id in unanswered:
                    reply_timer.start(THINK_MS)

        class PaintSpy(QObject):
            def eventFilter(self, watched: QObject, event: QEvent) -> bool:
                if event.type() != QEvent.Type.Paint or not to_paint:
                    return False
                # Let the list paint now, then stop the clock: the suggestions are on screen.
                watched.removeEventFilter(self)
                try:
                    QCoreApplication.sendEvent(watched, event)
                finally:
                    watched.installEventFilter(self)
                painted()
                return True

        spy = PaintSpy()
        window.assist.view.viewport().installEventFilter(spy)

        def reply() -> None:
            conv_id = controller.current_id
            if conv_id is None or conv_id not in unanswered:
                return
            if controller.sending:
                reply_timer.start(50)
                return
            top = window.assist.current()
            if top is not None:
                window.send_suggestion(top)
            else:
                window.send_text(AGENT_REPLY)
            del unanswered[conv_id]
            counts["replies"] += 1
            stay_timer.start(STAY_MS)

        def ended(conv_id: int) -> bool:
            conv = window.list_model.conversation(conv_id)
            return conv is None or conv.state is ConversationState.ENDED

        def switch() -> None:
            for conv_id in [c for c in unanswered if ended(c)]:
                del unanswered[conv_id]
            others = sorted((t, c) for c, t in unanswered.items() if c != controller.current_id)
            if not others:
                stay_timer.start(STAY_MS)
                return
            previous = controller.current_id
            if previous is not None:
                counts["dropped"] += len(waiting_paint.pop(previous, []))
            window.open_conversation(others[0][1])

        def lists_shown() -> None:
            current = controller.current_id
            if current is not None and ended(current) and not stay_timer.isActive():
                stay_timer.start(0)  # the chat ended: the next one

        left_notes = frozenset(LEFT_NOTES.values())

        def seen(conv_id: int, messages: list[Message], *_: object) -> None:
            """The open chat's lines as the agent reads them: a 买家已离开 note (the buyer left) makes
            the agent end the chat and take the next one. Otherwise chats of buyers long gone pile up
            and the agent spends the afternoon in them, with no buyer to answer."""
            if conv_id != controller.current_id or not any(m.text in left_notes for m in messages[-3:]):
                return
            unanswered.pop(conv_id, None)
            counts["dropped"] += len(waiting_paint.pop(conv_id, []))
            reply_timer.stop()
            if not ended(conv_id):
                counts["ended"] += 1
                window.end_current()
            stay_timer.start(0)

        reply_timer.timeout.connect(reply)
        stay_timer.timeout.connect(switch)
        controller.customer_message_received.connect(on_customer)
        controller.suggestions_ready.connect(on_suggestions)  # after the window's own slot has shown them
        window.lists_refreshed.connect(lists_shown)
        controller.conversation_loaded.connect(seen)
        controller.messages_arrived.connect(seen)

        # -- UI stalls -----------------------------------------------------------------------------
        stalls: list[float] = []
        busy: list[float] = []  # the UI thread's own CPU time within each gap
        last = [time.perf_counter(), time.thread_time()]

        def beat() -> None:
            now, cpu = time.perf_counter(), time.thread_time()
            stalls.append(max(0.0, (now - last[0]) * 1000 - HEARTBEAT_MS))
            busy.append((cpu - last[1]) * 1000)
            last[0], last[1] = now, cpu

        heartbeat = QTimer()
        heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
        heartbeat.setInterval(HEARTBEAT_MS)
        heartbeat.timeout.connect(beat)

        wait(lambda: False, 1.0)  # the first lists, phrases and panels settle
        noise = subprocess.Popen(
            [sys.executable, "-c", NOISE_PROBE, str(HEARTBEAT_MS)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        heartbeat.start()
        last[0], last[1] = began, _ = time.perf_counter(), time.thread_time()
        if controller.current_id is None:
            switch()
        finished = wait(lambda: len(latencies) >= messages, 60 + messages * 10)
        duration = time.perf_counter() - began
        heartbeat.stop()
        noise_out, _ = noise.communicate(b"stop\n", timeout=60)
        noise_stalls = [float(v) for v in noise_out.split()] or [0.0]
        window.close()
        app.processEvents()
    if not latencies:
        raise RuntimeError("no suggestions were painted for the open chat's buyer messages")
    return {
        "messages": counts["messages"],
        "samples": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(_percentile(latencies, 0.95), 1),
        "max_ms": round(max(latencies), 1),
        "max_ui_stall_ms": round(max(stalls), 1),
        "p95_ui_stall_ms": round(_percentile(stalls, 0.95), 1),
        "max_ui_busy_ms": round(max(busy), 1),
        "noise_max_stall_ms": round(max(noise_stalls), 1),
        "noise_p95_stall_ms": round(_percentile(noise_stalls, 0.95), 1),
        "queue_depth_p95": _percentile([float(d) for d in depths], 0.95),
        "queue_depth_max": max(depths),
        **{f"{name}_ms_p50": round(statistics.median(v), 1) for name, v in stages.items() if v},
        **{f"{name}_ms_p95": round(_percentile(v, 0.95), 1) for name, v in stages.items() if v},
        "superseded": counts["superseded"],
        "dropped": counts["dropped"],
        "replies": counts["replies"],
        "chats_ended": counts["ended"],
        "msg_per_s": round(counts["messages"] / duration, 2),
        "tick_wait_ms_p50": round(statistics.median(feed.tick_waits), 1) if feed.tick_waits else 0.0,
        "kb_entries": kb_size,
        "rate_per_min": rate,
        "speed": speed,
        "duration_s": round(duration, 1),
        "complete": "yes" if finished and not counts["unmatched"] else f"no (unmatched {counts['unmatched']})",
    }
