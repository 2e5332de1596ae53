"""A desk on a shared PostgreSQL database runs no simulated customers of its own: the team's one feed
(`workbench simulate`) brings the buyers. Its simulator controls are off and say so; a single-seat
SQLite desk keeps them."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory
from workbench.demo.seeding import DEMO_PASSWORD
from workbench.domain.conversations import ConversationState


@pytest.mark.postgres
def test_a_desk_on_a_shared_database_runs_no_simulator(
    pg_demo_url: str, make_window: WindowFactory, qtbot: QtBot, tmp_path: Path
) -> None:
    window = make_window(db_url=pg_demo_url, login=("xiaozhao", DEMO_PASSWORD), simulator=True)
    ws = window.workspace
    assert ws is not None and ws.team is not None
    assert window.config.team_feed
    assert ws.channel is None and window.channel is None  # no simulated customers were built
    assert not window.controller.sim_timer.isActive()
    for action in (window.sim_action, window.new_customer_action):
        assert not action.isEnabled()
        assert "workbench simulate" in action.toolTip()
    assert not window.sim_action.isChecked()
    model = window.list_model
    before = (model.count(ConversationState.WAITING), model.count(ConversationState.ACTIVE))
    window.spawn_customer()  # even asked (a shortcut), the desk brings no buyer itself
    window.tasks.wait_idle()
    qtbot.wait(300)
    assert (model.count(ConversationState.WAITING), model.count(ConversationState.ACTIVE)) == before
    window.resize(1280, 800)
    qtbot.wait(100)
    window.grab().save(str(tmp_path / "team-desk-no-simulator.png"))


def test_a_single_seat_desk_keeps_its_simulator(make_window: WindowFactory) -> None:
    window = make_window(simulator=True)
    assert not window.config.team_feed
    assert window.channel is not None
    assert window.sim_action.isEnabled() and window.sim_action.isChecked()
    assert window.new_customer_action.isEnabled()
    assert window.controller.sim_timer.isActive()
    assert "workbench simulate" not in window.sim_action.toolTip()
