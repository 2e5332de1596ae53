"""The desk's lists come first at start-up: on a single seat the start-up work reads them as soon as
the database is open, before it imports the rest of the program and builds the workspace, and the
window shows them at once; it builds the sidebar's 客户 and 订单 panels and the pages after the
workspace, and those hidden tabs wait for the KB matcher (the first suggestion), or at most
`FINISH_WAIT_MS`."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory
from workbench.domain.conversations import ConversationState


def test_lists_are_shown_before_the_panels_are_built(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window(wait_ready=False)
    seen: list[tuple[bool, bool, int]] = []
    window.lists_shown.connect(
        lambda: seen.append(
            (
                window.customer_panel is None and window.orders_panel is None,
                "customers" in window.page_index,
                window.list_model.count(ConversationState.ENDED),
            )
        )
    )
    with qtbot.waitSignal(window.workspace_ready, timeout=60_000):
        window.start()
    panels_missing, pages_there, ended = seen[0]
    assert panels_missing and not pages_there  # the lists came first
    assert ended > 0  # the demo shop's ended chats, read from the database
    assert len(seen) == 1
    assert window.customer_panel is not None and window.orders_panel is not None  # then built
    assert "customers" in window.page_index


def test_the_first_suggestion_comes_before_the_hidden_tabs(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window(wait_ready=False)
    window.FINISH_WAIT_MS = 600_000  # the matcher, however slow the machine, comes first
    seen: list[bool] = []
    window.matcher_ready.connect(lambda: seen.append(window.customer_panel is None and window.orders_panel is None))
    with qtbot.waitSignal(window.workspace_ready, timeout=60_000):
        window.start()
    assert seen == [True]
    assert window.customer_panel is not None and window.aftersales_panel is not None


def test_the_hidden_tabs_do_not_wait_long_for_a_slow_matcher(
    qtbot: QtBot, make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.services.live_kb import LiveMatcher

    build = LiveMatcher.build
    tabs_built = threading.Event()

    def slow(self: LiveMatcher, **kwargs: Any) -> object:  # the matcher is ready only after the tabs are built
        tabs_built.wait(60)
        return build(self, **kwargs)

    monkeypatch.setattr(LiveMatcher, "build", slow)
    window = make_window(wait_ready=False)
    window.FINISH_WAIT_MS = 200
    readiness: list[str] = []
    window.workspace_ready.connect(lambda: (readiness.append("ready"), tabs_built.set()))
    window.matcher_ready.connect(lambda: readiness.append("matcher"))
    with qtbot.waitSignal(window.matcher_ready, timeout=60_000):
        window.start()
    assert readiness == ["ready", "matcher"]  # the tabs were built while the matcher was still loading


def test_the_first_lists_are_the_start_up_read_and_match_the_database(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    ws = window.workspace
    assert ws is not None
    first = window.controller.opening.first_lists.result(timeout=0)
    assert first is not None  # a SQLite desk: read by the start-up work, not by the window again
    lists, _agent = first
    fresh = ws.reception.desk_lists(ws.agent.id)
    assert [c.id for c in lists.ended] == [c.id for c in fresh.ended]
    shown = window.list_model
    for state, convs in ((ConversationState.ENDED, fresh.ended), (ConversationState.WAITING, fresh.waiting)):
        assert [c.id for c in shown.conversations(state)] == [c.id for c in convs]


def test_a_chat_opened_before_the_panels_exist_shows_in_them(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window(wait_ready=False)
    opened: list[int] = []

    def open_first() -> None:  # the agent clicks a chat as soon as the list shows
        conv = window.list_model.conversations(ConversationState.ENDED)[0]
        opened.append(conv.customer_id)
        window.open_conversation(conv.id)

    window.lists_shown.connect(open_first)
    with qtbot.waitSignal(window.workspace_ready, timeout=60_000):
        window.start()
    panel = window.customer_panel
    assert panel is not None and opened
    qtbot.waitUntil(lambda: panel.customer_id() == opened[0], timeout=30_000)


def test_a_single_seat_shows_its_lists_before_the_workspace_opens(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window(wait_ready=False)
    seen: list[tuple[bool, int]] = []
    clicked: list[int] = []

    def click_first() -> None:  # the agent clicks a chat the moment the list shows, before the workspace
        seen.append((window.workspace is None, window.list_model.count(ConversationState.ENDED)))
        conv = window.list_model.conversations(ConversationState.ENDED)[0]
        clicked.append(conv.id)
        window.open_conversation(conv.id)

    window.lists_shown.connect(click_first)
    with qtbot.waitSignal(window.workspace_ready, timeout=60_000):
        window.start()
    assert seen[0][0] and seen[0][1] > 0  # the lists, from the database, before the workspace
    assert len(seen) == 1
    # The click was not lost: the chat opened once the workspace came.
    assert window.controller.current_id == clicked[0]
    assert window.centre.currentIndex() == 1


def test_the_semantic_stage_starts_once_the_desk_has_opened(
    qtbot: QtBot, make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Importing numpy and the sentence model would compete with the panels the window builds after
    the matcher is ready: the stage is handed the KB only once the window has finished opening."""
    from workbench.kb.matcher import Matcher
    from workbench.ui.main_window import MainWindow

    order: list[str] = []
    held: list[bool] = []
    want_all = Matcher._want_all_now
    add_tab = MainWindow._add_aftersales_tab

    def stage_wanted(self: Matcher) -> None:
        order.append("stage")
        want_all(self)

    def last_tab(self: MainWindow, ws: Any) -> None:  # the matcher is built: is its stage held back?
        matcher = ws.matcher.current()  # None: the tabs came first on a slow machine, the stage too
        held.append(matcher is None or (matcher.semantic_after is not None and not matcher.semantic_after.is_set()))
        add_tab(self, ws)
        order.append("tabs")

    monkeypatch.setattr(Matcher, "_want_all_now", stage_wanted)
    monkeypatch.setattr(MainWindow, "_add_aftersales_tab", last_tab)
    window = make_window(wait_ready=False)
    with qtbot.waitSignal(window.workspace_ready, timeout=60_000):
        window.start()
    qtbot.waitUntil(lambda: "stage" in order, timeout=30_000)
    assert held == [True]
    assert order.index("tabs") < order.index("stage")
