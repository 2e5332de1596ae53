"""The main window when writes fail: the status bar says why, the simulated customers wait, and both
clear when a test write works again. Real failures: a full SQLite disk (`PRAGMA max_page_count`) and a
PostgreSQL server that ends the desk's connections and refuses new ones."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy.exc import OperationalError

from tests.gui.conftest import WindowFactory
from tests.unit.services.test_storage_failures import (  # noqa: F401  (pg_url is a fixture)
    PageCap,
    chats_without_messages,
    cut_connections,
    pg_url,
)
from workbench.demo.seeding import DEMO_OWNER, DEMO_PASSWORD
from workbench.domain.shops import AgentStatus
from workbench.kb import tokenizer
from workbench.launch import LaunchConfig
from workbench.paths import AppPaths
from workbench.settings import Settings
from workbench.startup import DeskStartup
from workbench.ui.errors import error_text
from workbench.ui.main_window import MainWindow


def _fail_writes(qtbot: QtBot, window: MainWindow, write: Callable[[], None] | None = None) -> str:
    """Let simulated customers come in (or do another `write`) until a write fails; the failure's code."""
    c = window.controller

    def failed() -> bool:
        if c.storage_problem is None and window.tasks.pending() == 0:
            (write or c.spawn_customer)()
        return c.storage_problem is not None

    with qtbot.waitSignal(c.storage_failed, timeout=30_000) as signal:
        qtbot.waitUntil(failed, timeout=30_000)
    return str(signal.args[0])


def _log_lines(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= level and r.name.startswith("workbench")]


def test_a_full_disk_is_shown_the_customers_wait_and_carry_on(
    qtbot: QtBot, make_window: WindowFactory, caplog: pytest.LogCaptureFixture
) -> None:
    window = make_window()
    c = window.controller
    ws = window.workspace
    assert ws is not None
    c.storage_timer.setInterval(100)  # test writes every 0.1 s instead of every 3 s
    window.sim_action.setChecked(True)
    assert c.sim_timer.isActive() and not window.storage_alert.isVisible()
    before = set(chats_without_messages(ws.db))
    cap = PageCap(ws.db.engine)
    window.tasks.wait_idle()
    cap.fill()
    caplog.set_level(logging.INFO)

    assert _fail_writes(qtbot, window) == "db.disk_full"
    assert window.storage_alert.isVisible()
    assert window.storage_alert.text().startswith("⚠ 磁盘已满")
    assert not c.sim_timer.isActive() and not window.new_customer_action.isEnabled()
    qtbot.wait(800)  # several test writes fail meanwhile: nothing more is logged, the message stays
    assert c.storage_problem == "db.disk_full" and window.storage_alert.isVisible()
    errors = _log_lines(caplog, logging.ERROR)
    assert len(errors) == 1 and errors[0].startswith("database writes fail (db.disk_full)"), errors
    assert set(chats_without_messages(ws.db)) == before

    cap.free()
    with qtbot.waitSignal(c.storage_recovered, timeout=10_000):
        pass
    assert not window.storage_alert.isVisible() and c.storage_problem is None
    assert c.sim_timer.isActive() and window.new_customer_action.isEnabled()
    warnings = [line for line in _log_lines(caplog, logging.WARNING) if line not in errors]
    assert len(warnings) == 1 and "work again" in warnings[0], warnings
    with qtbot.waitSignal(window.lists_refreshed, timeout=10_000):
        c.spawn_customer()  # customers come in again
    assert set(chats_without_messages(ws.db)) == before


def test_a_failed_action_says_the_disk_is_full(qtbot: QtBot) -> None:
    full = OperationalError("INSERT INTO messages …", {}, sqlite3.OperationalError("database or disk is full"))
    assert error_text(full) == "磁盘已满，没有保存。请腾出磁盘空间后重试。"


def test_the_simulator_switched_on_while_writes_fail_waits_for_them(make_window: WindowFactory) -> None:
    window = make_window()
    c = window.controller
    assert window.workspace is not None
    window.workspace.health.problem = "db.disk_full"
    window.sim_action.setChecked(True)
    assert not c.sim_timer.isActive()
    window.sim_action.setChecked(False)
    window.workspace.health.problem = None


@pytest.mark.postgres
def test_a_lost_postgresql_connection_is_shown_and_clears(
    qtbot: QtBot,
    tmp_path: Path,
    pg_url: str,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    paths = AppPaths.under(tmp_path / "data")
    paths.ensure()
    tokenizer.set_cache_dir(paths.cache / "jieba")
    config = LaunchConfig(paths=paths, db_url=pg_url, settings=Settings(), simulator=False)
    startup = DeskStartup(config)
    startup.begin()
    window = MainWindow(config, startup)
    qtbot.addWidget(window)
    window.show()
    try:
        window.start()
        # A shared database asks who is at the desk: the demo shop's owner.
        qtbot.waitUntil(lambda: window.login.dialog is not None and window.login.dialog.isVisible(), timeout=120_000)
        dialog = window.login.dialog
        assert dialog is not None
        dialog.username.setText(DEMO_OWNER[0])
        dialog.password.setText(DEMO_PASSWORD)
        with qtbot.waitSignal(window.workspace_ready, timeout=120_000):
            dialog.login_button.click()
        c = window.controller
        c.storage_timer.setInterval(200)
        window.sim_action.setChecked(True)  # a desk on a shared database has no simulator to switch on
        assert window.channel is None and not c.sim_timer.isActive()
        window.tasks.wait_idle()
        caplog.set_level(logging.INFO)
        cut_connections(pg_url, allow=False)

        # the desk's own writes fail (the team's feed brings the buyers: this desk has no simulator)
        assert _fail_writes(qtbot, window, lambda: c.set_status(AgentStatus.BUSY)) == "db.connection_lost"
        assert window.storage_alert.isVisible() and window.storage_alert.text().startswith("⚠ 数据库连接中断")
        assert not c.sim_timer.isActive()
        qtbot.wait(1000)
        assert len(_log_lines(caplog, logging.ERROR)) == 1, _log_lines(caplog, logging.ERROR)

        cut_connections(pg_url, allow=True)
        with qtbot.waitSignal(c.storage_recovered, timeout=15_000):
            pass
        assert not window.storage_alert.isVisible() and c.storage_problem is None
        assert not c.sim_timer.isActive()
    finally:
        window.controller.sim_timer.stop()
        window.tasks.wait_idle()
        window.close()
