"""The GUI thread's garbage collector: no full collection over a heap that start-up is still building."""

from __future__ import annotations

import gc

import pytest
from pytestqt.qtbot import QtBot

from workbench.ui import gc_guard


def test_full_collections_wait_for_start_up_to_settle(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    collected: list[int] = []
    monkeypatch.setattr(gc_guard, "_settled", False)
    collector = gc_guard.GuiThreadGarbageCollector()
    collector._timer.stop()  # checked by hand
    threshold = gc.get_threshold()
    monkeypatch.setattr(gc, "get_count", lambda: (threshold[0] + 1, threshold[1] + 1, threshold[2] + 1))

    def collect(generation: int = 2) -> int:
        collected.append(generation)
        return 0

    monkeypatch.setattr(gc, "collect", collect)
    monkeypatch.setattr(gc, "freeze", lambda: None)

    collector.check()
    assert collected == [1]  # starting: the young generations only
    collector._last_full -= collector.STARTING_FULL_EVERY_S
    collector.check()
    assert collected == [1, 2]  # a long start still gets a full collection now and then
    collector.check()
    assert collected == [1, 2, 1]

    gc_guard.settle()
    collector.check()
    assert collected == [1, 2, 1, 2]  # settled: as the thresholds say
