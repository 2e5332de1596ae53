"""A working day at the desk: the real window offscreen, the simulator running a shop day fast.

The window runs offscreen over the demo shop (reception mode 智能辅助), its own simulated customers on
(the desk's simulator, timer and write worker), with a simulator sized for the day: `buyers` buyers
over `hours` hours of shop time, every scenario by its weight, played `speed` times as fast as people
read, type and lose patience (arrivals are scaled the same way: 500 buyers in 8 hours at 60× come
within 8 real minutes). Every buyer message is reworded on its way in (`afternoon.Wording`), so each
text is unique and can be found again in the database.

A scripted agent works the desk through the window's own methods, one action at a time: opens the
chat that has waited longest, accepts it when it is in 待接待, answers with the top suggestion (every
fourth reply a quick phrase without placeholders, or a stock line when nothing is suggested), hands
every 25th chat to a colleague or group (转交), ends a chat once answered twice or when the buyer has
left, and for every 10th chat tags the customer and, for an after-sales scenario with an order, opens
a case — these two through the services on the window's write worker, as their panels do.

Checked against the simulator's own log (every message it had a buyer say, every card click): a
message is lost when its text is not in the database, duplicated when it is there more than once.
Openings a welcome-card click replaced are not expected (the channel drops them on purpose). UI
stalls: a 5 ms precise timer on the UI thread, over the whole day; a stall is a gap beyond its
interval. RSS: the process's resident memory when the desk is ready and at the end of the day;
`db_mb` the SQLite file and its WAL at the end.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.ui.bench.afternoon import Wording
from workbench.ui.bench.assist import NOISE_PROBE, pump_until, show_until_ready

if TYPE_CHECKING:
    from workbench.channels.simulator import CardClick, SimEvent, Simulator

HOURS = 8.0
SPEED = 60.0
BUYERS = 500
HEARTBEAT_MS = 5
AGENT_MS = 150  # the agent does one thing this often (reads, clicks, types are not modelled)
THINK_MS = 300  # the agent reads the suggestions before answering
MAX_ACTIVE = 200  # buyers in the shop at once: enough that no arrival of the day is skipped
PHRASE_EVERY = 4
TRANSFER_EVERY = 25
TAG_EVERY = 10
REPLIES_BEFORE_END = 2


def _text() -> dict[str, str]:
    """The agent's own lines (data in workbench/assets/bench/day.json)."""
    raw = (resources.files("workbench.assets") / "bench" / "day.json").read_text(encoding="utf-8")
    data: dict[str, str] = json.loads(raw)
    return data


def rss_mb() -> float:
    """The process's resident memory now (Linux /proc; elsewhere the peak, from getrusage)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if os.uname().sysname == "Darwin" else peak / 1024


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


@dataclass
class DayLog:
    """What the simulator had buyers do (its own record, before the channel stores anything)."""

    said: list[tuple[str, str, bool]] = field(default_factory=list)  # (visitor, text, opening)
    arrived: list[str] = field(default_factory=list)
    scenarios: Counter[str] = field(default_factory=Counter)
    clicked: set[str] = field(default_factory=set)  # visitors whose card click replaced their opening


class LoggedBuyers:
    """Stands in for the channel's simulator (everything else passes through): rewords each buyer
    message so that every text is unique, and logs what the buyers said."""

    def __init__(self, simulator: Simulator, wording: Wording, log: DayLog) -> None:
        self._simulator = simulator
        self._wording = wording
        self.log = log

    def tick(self, now: float) -> list[SimEvent]:
        from workbench.channels.simulator import CustomerArrived, CustomerSaid

        out: list[SimEvent] = []
        for event in self._simulator.tick(now):
            if isinstance(event, CustomerSaid):
                event = replace(event, text=self._wording.vary(event.text))
                self.log.said.append((event.visitor_id, event.text, event.opening))
            elif isinstance(event, CustomerArrived):
                self.log.arrived.append(event.visitor_id)
                self.log.scenarios[event.scenario_id] += 1
            out.append(event)
        return out

    def card_shown(self, visitor_id: str, questions: Any, now: float, *, own: int | None = None) -> CardClick | None:
        click = self._simulator.card_shown(visitor_id, questions, now, own=own)
        if click is not None:
            self.log.clicked.add(visitor_id)
        return click

    def __getattr__(self, name: str) -> Any:
        return getattr(self._simulator, name)


def _prepare(paths: Any, db_url: str) -> None:
    """Seed the demo shop and set reception mode 智能辅助 (every buyer comes to the desk)."""
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
        reception = ws.bot.settings().reception
        if reception.mode is not ReceptionMode.ASSIST:
            ws.bot.save_reception(replace(reception, mode=ReceptionMode.ASSIST))
    finally:
        prep.join(30)
        ws.close()


def check_log(log: DayLog, stored: Counter[str]) -> tuple[int, int, int]:
    """(expected, lost, duplicated) buyer messages: the log's texts against the database's counts."""
    expected = [text for visitor, text, opening in log.said if not (opening and visitor in log.clicked)]
    lost = sum(1 for text in expected if stored[text] == 0)
    duplicated = sum(1 for text in expected if stored[text] > 1)
    return len(expected), lost, duplicated


class StallTracer:
    """Where the UI thread is during its long gaps: a watcher thread samples the UI thread's stack
    every few milliseconds once the heartbeat has been silent for `after_ms`, and keeps the samples
    of the longest gaps (`--trace-stalls`; the watcher costs the UI thread a little, so the figures of
    a traced run are not the day's figures)."""

    def __init__(self, last_beat: list[float], after_ms: float = 40.0, keep: int = 8) -> None:
        import threading

        self.last_beat = last_beat
        self.after_s = after_ms / 1000
        self.keep = keep
        self.ui_thread = threading.get_ident()
        self.gaps: dict[float, list[str]] = {}  # the gap's start → the frames sampled in it
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._watch, name="stall-tracer", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(5)

    def _watch(self) -> None:
        import threading
        import traceback

        names = {t.ident: t.name for t in threading.enumerate()}
        while not self.stop_event.wait(0.004):
            began = self.last_beat[0]
            if time.perf_counter() - began < self.after_s:
                continue
            frames = sys._current_frames()
            if self.ui_thread not in frames:
                continue
            parts = []
            for ident, frame in frames.items():
                if ident == threading.get_ident():
                    continue
                stack = [f for f in traceback.extract_stack(frame) if "workbench" in f.filename]
                if not stack and ident != self.ui_thread:
                    continue  # a thread outside our code (Qt's, the tracer's)
                if ident not in names:  # a thread started since the last look
                    names.update({t.ident: t.name for t in threading.enumerate()})
                name = "ui" if ident == self.ui_thread else names.get(ident) or str(ident)
                where = " < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(stack[-4:]))
                parts.append(f"[{name}] {where or '(outside workbench)'}")
            self.gaps.setdefault(began, []).append(" | ".join(sorted(parts, key=lambda p: not p.startswith("[ui]"))))

    def report(self, beats: list[tuple[float, float]]) -> list[dict[str, Any]]:
        """The longest gaps with their most sampled stacks; `beats`: (gap start, gap ms) per heartbeat."""
        lengths = dict(beats)
        worst = sorted(self.gaps, key=lambda g: -lengths.get(g, 0.0))[: self.keep]
        return [
            {
                "gap_ms": round(lengths.get(g, 0.0), 1),
                "samples": len(self.gaps[g]),
                "stacks": Counter(self.gaps[g]).most_common(3),
            }
            for g in worst
        ]


def run(
    hours: float = HOURS, speed: float = SPEED, buyers: int = BUYERS, *, seed: int = 11, trace_stalls: bool = False
) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt, QTimer

    from workbench.channels.scenarios import load_scenarios
    from workbench.channels.simulator import Simulator
    from workbench.domain.aftersales import AftersalesReason, CaseKind, ServiceRequest
    from workbench.domain.conversations import ConversationState, Sender
    from workbench.domain.errors import DomainError
    from workbench.domain.quick_phrases import unfilled_placeholders
    from workbench.kb import tokenizer
    from workbench.launch import LaunchConfig
    from workbench.paths import AppPaths
    from workbench.settings import Settings
    from workbench.startup import DeskStartup
    from workbench.storage.db import sqlite_url
    from workbench.ui.bootstrap import create_application
    from workbench.ui.main_window import MainWindow

    lines = _text()
    day_s = hours * 3600.0 / speed  # real seconds the day lasts
    rate = buyers / (hours * 60.0) * speed  # arrivals per real minute
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        paths = AppPaths.under(Path(tmp) / "data")
        paths.ensure()
        tokenizer.set_cache_dir(paths.cache / "jieba")
        db_url = sqlite_url(paths.database)
        _prepare(paths, db_url)
        gc.collect()

        settings = Settings(simulator_rate_per_min=min(rate, 60.0), simulator_speed=speed)
        config = LaunchConfig(paths=paths, db_url=db_url, settings=settings, simulator=True)
        startup = DeskStartup(config)
        startup.begin()
        app = create_application(config)
        window = MainWindow(config, startup)
        controller = window.controller
        log = DayLog()
        wrapped: list[LoggedBuyers] = []

        def wrap_channel(_ws: object) -> None:
            import random

            channel = controller.channel
            if channel is None:  # before its first tick: the sim timer starts with the lists
                return
            sim = Simulator(
                load_scenarios(),
                rng=random.Random(seed),
                arrivals_per_minute=rate,
                max_active=MAX_ACTIVE,
                speed=speed,
                context_provider=channel.context_for,
            )
            wrapped.append(LoggedBuyers(sim, Wording(seed), log))
            channel.simulator = wrapped[0]  # type: ignore[assignment]

        controller.workspace_opened.connect(wrap_channel)
        show_until_ready(app, window, lambda: bool(wrapped))

        def wait(predicate: Callable[[], bool], timeout_s: float) -> bool:
            return pump_until(app, predicate, timeout_s)

        ws = window.workspace
        assert ws is not None

        # -- the agent -----------------------------------------------------------------------------
        counts = Counter[str]()
        unanswered: dict[int, float] = {}  # chat → when its oldest unanswered buyer message came
        replies: Counter[int] = Counter()
        touched: set[int] = set()  # chats the agent opened (tagged, transferred, cased once)
        gone: set[int] = set()  # chats handed over or ended by the agent
        accepted: set[int] = set()
        targets: list[tuple[int, bool]] = []  # (id, is a group) to transfer to
        opened_at = [0.0]

        controller.load_transfer_targets(
            lambda t: targets.extend([(g.id, True) for g in t.groups] + [(a.id, False) for a in t.agents])
        )

        def on_customer(conv_id: int, _text: str) -> None:
            if conv_id not in gone:
                unanswered.setdefault(conv_id, time.perf_counter())

        controller.customer_message_received.connect(on_customer)

        def state_of(conv_id: int) -> ConversationState | None:
            conv = window.list_model.conversation(conv_id)
            return conv.state if conv is not None else None

        def background(job: Callable[[], object], what: str) -> None:
            def failed(exc: BaseException) -> None:
                counts[f"{what}_refused"] += 1

            window.tasks.write(job, lambda _: counts.__setitem__(what, counts[what] + 1), failed)

        kinds = {s.id: s.kind for s in load_scenarios()}  # read once: the agent script's own work stays off the day

        def side_work(conv_id: int) -> None:
            """Every 10th chat: a tag on the customer and, for an after-sales buyer, a case."""
            conv = window.list_model.conversation(conv_id)
            if conv is None:
                return
            customer_id = conv.customer_id
            background(lambda: ws.customers.add_tag(customer_id, lines["tag"]), "tags")
            if kinds.get(conv.scenario_id or "") != "aftersales":
                return

            def open_case() -> object:
                orders = ws.orders.for_customer(customer_id)
                if not orders or not orders[0].items:
                    raise DomainError("bench.no_order")
                order = orders[0]
                request = ServiceRequest(
                    CaseKind.RETURN,
                    customer_id,
                    order.order_no,
                    AftersalesReason.QUALITY,
                    lines["case_description"],
                    items=(order.items[0].sku,),
                    conversation_id=conv_id,
                )
                return ws.aftersales.open_case(request, actor=ws.agent.username)

            background(open_case, "cases")

        def act() -> None:
            if controller.sending or window.tasks.pending() > 50:
                return
            current = controller.current_id
            if current is not None and current not in gone:
                state = state_of(current)
                if state is ConversationState.WAITING and current not in accepted:
                    accepted.add(current)  # once: the lists show it 接待中 a moment later
                    controller.accept_current()
                    counts["accepted"] += 1
                    return
                if state is ConversationState.ENDED:
                    unanswered.pop(current, None)
                elif current in unanswered and time.perf_counter() - opened_at[0] >= THINK_MS / 1000:
                    reply(current)
                    return
                elif replies[current] >= REPLIES_BEFORE_END or buyer_left(current):
                    end(current)
                    return
            pick_next()

        def buyer_left(conv_id: int) -> bool:
            shown = window.chat.message_model.messages()
            return bool(shown) and shown[-1].sender is Sender.SYSTEM and controller.current_id == conv_id

        def reply(conv_id: int) -> None:
            counts["replies"] += 1
            replies[conv_id] += 1
            del unanswered[conv_id]
            phrases = window.composer.phrase_model.phrases()
            phrase_text = ""
            if counts["replies"] % PHRASE_EVERY == 0 and phrases:
                # As the agent picks one: placeholders filled from the order the chat is about.
                window.composer.set_text("")
                window.composer.insert_phrase(phrases[counts["replies"] % len(phrases)])
                phrase_text = window.composer.text()
                window.composer.set_text("")
            top = window.assist.current()
            if phrase_text.strip() and not unfilled_placeholders(phrase_text):
                window.send_text(phrase_text)
                counts["phrases"] += 1
            elif top is not None:
                window.send_suggestion(top)
                counts["suggestions"] += 1
            else:
                window.send_text(lines["agent_reply"])
            if len(touched) % TRANSFER_EVERY == 0 and targets and conv_id not in gone:
                conv = window.list_model.conversation(conv_id)
                if conv is not None:
                    target, group = targets[len(touched) % len(targets)]
                    gone.add(conv_id)
                    controller.transfer(conv, target, group, lines["transfer_note"])
                    counts["transfers"] += 1

        def end(conv_id: int) -> None:
            gone.add(conv_id)
            unanswered.pop(conv_id, None)
            controller.end(conv_id, lines["end_note"])
            counts["ended"] += 1

        def pick_next() -> None:
            waiting = sorted((t, c) for c, t in unanswered.items() if c != controller.current_id and c not in gone)
            if not waiting:
                return
            conv_id = waiting[0][1]
            if window.list_model.conversation(conv_id) is None:
                return  # not on the lists yet: the next refresh shows it
            window.open_conversation(conv_id)
            opened_at[0] = time.perf_counter()
            if conv_id not in touched:
                touched.add(conv_id)
                if len(touched) % TAG_EVERY == 0:
                    side_work(conv_id)

        agent = QTimer()
        agent.setInterval(AGENT_MS)
        agent.timeout.connect(act)

        # -- UI stalls -----------------------------------------------------------------------------
        stalls: list[float] = []
        busy: list[float] = []  # the UI thread's own CPU time within each gap
        last = [time.perf_counter(), time.thread_time()]

        tracer = StallTracer(last) if trace_stalls else None
        gaps: list[tuple[float, float]] = []  # (the gap's start, its length in ms), when tracing

        def beat() -> None:
            now, cpu = time.perf_counter(), time.thread_time()
            stalls.append(max(0.0, (now - last[0]) * 1000 - HEARTBEAT_MS))
            if tracer is not None:
                gaps.append((last[0], stalls[-1]))
            busy.append((cpu - last[1]) * 1000)
            last[0], last[1] = now, cpu

        heartbeat = QTimer()
        heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
        heartbeat.setInterval(HEARTBEAT_MS)
        heartbeat.timeout.connect(beat)

        wait(lambda: False, 1.0)  # the first lists, phrases and panels settle
        gc.collect()
        rss_start = rss_mb()
        noise = subprocess.Popen(
            [sys.executable, "-c", NOISE_PROBE, str(HEARTBEAT_MS)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        heartbeat.start()
        agent.start()
        last[0], last[1] = began, _ = time.perf_counter(), time.thread_time()
        if tracer is not None:
            tracer.start()
        wait(lambda: False, day_s)
        if tracer is not None:
            tracer.stop()
        agent.stop()
        window.sim_action.setChecked(False)  # the shop closes: no buyer comes or writes any more
        heartbeat.stop()
        noise_out, _ = noise.communicate(b"stop\n", timeout=60)
        noise_stalls = [float(v) for v in noise_out.split()] or [0.0]
        duration = time.perf_counter() - began
        window.tasks.wait_idle(120_000)
        app.processEvents()
        gc.collect()
        rss_end = rss_mb()

        stored: Counter[str] = Counter()
        with ws.db.session() as s:
            from sqlalchemy import select

            from workbench.storage.tables import MessageRow

            for (text,) in s.execute(select(MessageRow.text).where(MessageRow.sender == Sender.CUSTOMER.value)):
                stored[text] += 1
            all_messages = s.query(MessageRow).count()
        expected, lost, duplicated = check_log(log, stored)
        window.close()
        app.processEvents()
        db_mb = sum(p.stat().st_size for p in paths.database.parent.glob(paths.database.name + "*")) / 2**20
    return {
        "buyers": len(log.arrived),
        "messages": expected,
        "lost_messages": lost,
        "duplicate_messages": duplicated,
        "max_ui_stall_ms": round(max(stalls), 1) if stalls else 0.0,
        "p95_ui_stall_ms": round(_percentile(stalls, 0.95), 1) if stalls else 0.0,
        "p50_ui_stall_ms": round(statistics.median(stalls), 1) if stalls else 0.0,
        "max_ui_busy_ms": round(max(busy), 1) if busy else 0.0,
        "noise_max_stall_ms": round(max(noise_stalls), 1),
        "noise_p95_stall_ms": round(_percentile(noise_stalls, 0.95), 1),
        "rss_start_mb": round(rss_start, 1),
        "rss_end_mb": round(rss_end, 1),
        "db_mb": round(db_mb, 1),
        "db_messages": all_messages,
        "scenarios": f"{len(log.scenarios)}/{len(load_scenarios())}",
        "replies": counts["replies"],
        "suggestions_sent": counts["suggestions"],
        "phrases_sent": counts["phrases"],
        "accepted": counts["accepted"],
        "transfers": counts["transfers"],
        "ended": counts["ended"],
        "tags": counts["tags"],
        "cases": counts["cases"],
        "cases_refused": counts["cases_refused"],
        "hours": hours,
        "speed": speed,
        "duration_s": round(duration, 1),
        **({"stall_stacks": tracer.report(gaps)} if tracer is not None else {}),
    }
