"""A busy desk's UI thread: `Tasks.latest` (only the newest suggestions of a chat are ever shown), list
reads asked for together shared, the collector kept off start-up's objects, the interpreter lock."""

from __future__ import annotations

import gc
import sys
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory
from workbench.domain.kb import Suggestion
from workbench.launch import LaunchConfig
from workbench.paths import AppPaths
from workbench.services.reception import ConversationLists
from workbench.settings import Settings
from workbench.storage.db import sqlite_url
from workbench.ui.bootstrap import create_application
from workbench.ui.reception.controller import LISTS_COALESCE_MS, ReceptionController
from workbench.ui.tasks import Tasks


def test_a_newer_job_with_the_same_key_supersedes_a_running_and_a_queued_one(qtbot: QtBot) -> None:
    tasks = Tasks()
    gate = threading.Event()
    ran: list[str] = []
    shown: list[str] = []

    def job(name: str, wait: bool = False) -> Any:
        def run() -> str:
            ran.append(name)
            if wait:
                gate.wait(10)
            return name

        return run

    tasks.latest("chat 1", job("first", wait=True), shown.append)
    qtbot.waitUntil(lambda: ran == ["first"], timeout=5000)  # running, held at the gate
    tasks.latest("chat 1", job("second"), shown.append)  # queued behind it
    tasks.latest("chat 2", job("other chat"), shown.append)
    tasks.latest("chat 1", job("third"), shown.append)
    gate.set()
    qtbot.waitUntil(lambda: tasks.pending() == 0, timeout=5000)
    assert shown == ["other chat", "third"]  # the first's result dropped, never painted
    assert "second" not in ran  # superseded before it started: not run at all


def test_a_failing_superseded_job_is_not_reported(qtbot: QtBot) -> None:
    tasks = Tasks()
    gate = threading.Event()
    failures: list[BaseException] = []
    tasks.job_failed.connect(failures.append)

    def fails() -> None:
        gate.wait(10)
        raise ValueError("stale")

    tasks.latest("k", fails, None, failures.append)
    tasks.latest("k", lambda: "new")
    gate.set()
    qtbot.waitUntil(lambda: tasks.pending() == 0, timeout=5000)
    assert failures == []


class _SlowForOldMessages:
    """A matcher that holds the older message's analysis until told, so the newer one finishes first."""

    semantic = None  # no sentence-model stage: the suggestions are final as shown

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.started: list[str] = []

    def match(self, text: str, top: int = 5) -> list[Suggestion]:
        self.started.append(text)
        if text == "这件衣服什么时候发货":
            self.gate.wait(10)
        return [Suggestion(len(text), text, "answer to " + text, 0.9)]


def test_a_superseded_request_never_paints_stale_suggestions(qtbot: QtBot) -> None:
    tasks = Tasks()
    controller = ReceptionController(tasks, SimpleNamespace(), 5)  # type: ignore[arg-type]
    matcher = _SlowForOldMessages()
    controller.workspace = SimpleNamespace(  # type: ignore[assignment]
        matcher=SimpleNamespace(current=lambda: matcher), reception=SimpleNamespace(get=lambda _id: None)
    )
    controller.current_id = 7
    shown: list[str] = []
    controller.suggestions_ready.connect(lambda _conv, text, _s: shown.append(text))

    controller.request_suggestions(7, "这件衣服什么时候发货")
    qtbot.waitUntil(lambda: matcher.started == ["这件衣服什么时候发货"], timeout=5000)
    controller.request_suggestions(7, "算了，能改地址吗")  # the buyer's newer message
    matcher.gate.set()
    qtbot.waitUntil(lambda: tasks.pending() == 0, timeout=5000)
    qtbot.wait(50)
    assert shown == ["算了，能改地址吗"]


def test_list_reads_asked_for_together_are_one_read_and_every_caller_hears_back(
    make_window: WindowFactory, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    ws = window.workspace
    assert ws is not None
    qtbot.waitUntil(lambda: window.tasks.wait_idle(0), timeout=5000)
    qtbot.wait(LISTS_COALESCE_MS * 2)  # the start-up's reads are done and their interval over
    real = ws.reception.desk_lists
    reads: list[int] = []

    def counted(agent_id: int) -> ConversationLists:
        reads.append(agent_id)
        return real(agent_id)

    monkeypatch.setattr(ws.reception, "desk_lists", counted)
    heard: list[int] = []
    for n in range(5):  # a busy desk: after a message, a send, a mark-read…
        window.refresh_lists(then=lambda n=n: heard.append(n))
    qtbot.waitUntil(lambda: len(heard) == 5, timeout=5000)
    assert heard == [0, 1, 2, 3, 4]
    assert len(reads) == 2  # at once, then one for the four asked for meanwhile


def test_the_desk_moves_its_start_up_objects_out_of_the_collectors_way(
    make_window: WindowFactory, qtbot: QtBot
) -> None:
    gc.unfreeze()
    make_window()
    qtbot.waitUntil(lambda: gc.get_freeze_count() > 0, timeout=5000)  # once the matcher is ready


def test_the_ui_thread_gets_the_interpreter_back_from_workers_quickly(tmp_path: Path) -> None:
    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.005)
        paths = AppPaths.under(tmp_path / "data")
        create_application(LaunchConfig(paths=paths, db_url=sqlite_url(paths.database), settings=Settings()))
        assert sys.getswitchinterval() == pytest.approx(0.001)
    finally:
        sys.setswitchinterval(before)
