"""Logging in at a desk: a shared database asks in a dialog before the workspace opens (a wrong
password is refused in it), remembers the login in the keyring when asked, and asks again once the
remembered login was revoked; a single-seat SQLite desk opens as its owner without asking."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.conftest import MemoryKeyring
from tests.gui.conftest import WindowFactory
from tests.unit.accounts.conftest import PASSWORD, Shop, make_shop
from tests.unit.storage.conftest import _postgres_database
from workbench.domain.identity import PROGRAM, Role
from workbench.kb import tokenizer
from workbench.launch import LaunchConfig
from workbench.paths import AppPaths
from workbench.services.accounts import AccountService
from workbench.settings import read_settings
from workbench.startup import DeskStartup
from workbench.storage.db import Database
from workbench.ui.login import LoginDialog
from workbench.ui.main_window import MainWindow

Start = Callable[[], MainWindow]


@pytest.fixture
def pg_shop() -> Iterator[Shop]:
    for url in _postgres_database():
        db = Database(url)
        db.migrate()
        try:
            yield make_shop(db, url)
        finally:
            db.dispose()


@pytest.fixture
def start(qtbot: QtBot, tmp_path: Path, pg_shop: Shop) -> Iterator[Start]:
    """Starts a desk on the shared database as the app does, with the data dir's settings as they are."""
    windows: list[MainWindow] = []

    def begin() -> MainWindow:
        paths = AppPaths.under(tmp_path / "data")
        paths.ensure()
        tokenizer.set_cache_dir(paths.cache / "jieba")
        settings = read_settings(paths.settings_file).settings.with_changes(db_url=pg_shop.url)
        config = LaunchConfig(paths=paths, db_url=pg_shop.url, settings=settings, simulator=False)
        startup = DeskStartup(config)
        startup.begin()
        window = MainWindow(config, startup)
        qtbot.addWidget(window)
        windows.append(window)
        window.show()
        window.start()
        return window

    yield begin
    for window in windows:
        window.tasks.wait_idle()
        window.close()


def dialog_of(qtbot: QtBot, window: MainWindow) -> LoginDialog:
    qtbot.waitUntil(lambda: window.login.dialog is not None and window.login.dialog.isVisible(), timeout=30_000)
    assert window.login.dialog is not None
    return window.login.dialog


def test_a_wrong_password_is_refused_in_the_dialog_then_the_right_one_opens_the_desk(
    qtbot: QtBot, start: Start, memory_keyring: MemoryKeyring
) -> None:
    window = start()
    dialog = dialog_of(qtbot, window)
    assert window.workspace is None and dialog.username.text() == ""  # nobody logged in here before
    dialog.username.setText("kf1")
    dialog.password.setText("Zhen-mi-0000")
    with qtbot.waitSignal(dialog.login_refused, timeout=30_000) as refused:
        dialog.login_button.click()
    assert refused.args == ["账号或密码不正确。"]
    assert dialog.message.isVisible() and dialog.message.text() == "账号或密码不正确。"
    assert dialog.isVisible() and dialog.password.text() == "" and window.workspace is None

    dialog.password.setText(PASSWORD)
    dialog.remember.setChecked(True)
    with qtbot.waitSignal(window.workspace_ready, timeout=60_000):
        dialog.login_button.click()
    assert not dialog.isVisible()
    ws = window.workspace
    assert ws is not None and ws.agent.username == "kf1" and ws.agent.role is Role.AGENT
    # A 客服 does not see the pages they may not change (the services refuse them anyway).
    assert "knowledge" not in window.page_index and "assistant" not in window.page_index
    assert len(memory_keyring.store) == 1  # 记住我: the token is in the keyring


def test_a_remembered_login_opens_the_next_start_without_the_dialog_until_revoked(
    qtbot: QtBot, start: Start, pg_shop: Shop, memory_keyring: MemoryKeyring
) -> None:
    first = start()
    dialog = dialog_of(qtbot, first)
    dialog.username.setText("zhuguan")
    dialog.password.setText(PASSWORD)
    dialog.remember.setChecked(True)
    with qtbot.waitSignal(first.workspace_ready, timeout=60_000):
        dialog.login_button.click()
    assert "assistant" in first.page_index and "knowledge" in first.page_index  # a 主管 configures
    first.tasks.wait_idle()
    first.close()

    second = start()  # the same data dir and keyring: the second start
    qtbot.waitUntil(lambda: second.workspace is not None, timeout=60_000)
    assert second.login.dialog is None
    assert second.workspace is not None and second.workspace.agent.username == "zhuguan"
    second.tasks.wait_idle()
    second.close()

    AccountService(pg_shop.db, pg_shop.id, actor=PROGRAM).revoke_remembered("zhuguan")
    third = start()
    dialog = dialog_of(qtbot, third)  # revoked: asked again, with the last username offered
    assert dialog.username.text() == "zhuguan" and third.workspace is None
    assert memory_keyring.store == {}  # the dead token is forgotten


def test_quitting_the_dialog_closes_the_window(qtbot: QtBot, start: Start) -> None:
    window = start()
    dialog = dialog_of(qtbot, window)
    dialog.reject()
    qtbot.waitUntil(lambda: not window.isVisible())
    assert window.workspace is None


def test_a_single_seat_desk_opens_as_its_owner_without_asking(make_window: WindowFactory) -> None:
    window = make_window()
    ws = window.workspace
    assert ws is not None and ws.agent.role is Role.OWNER and ws.agent.username == "owner"
    assert window.login.dialog is None
    assert "assistant" in window.page_index and "knowledge" in window.page_index
