"""GUI fixtures: a real main window over a temp data dir with the demo shop."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.conftest import copy_demo
from tests.gui.seed_helpers import Seeded, open_db, seed
from workbench.kb import tokenizer
from workbench.launch import LaunchConfig
from workbench.paths import AppPaths
from workbench.settings import SettingProblem, Settings
from workbench.startup import DeskStartup
from workbench.storage.db import Database, sqlite_url
from workbench.storage.repositories.customers import CustomerRepository
from workbench.ui.main_window import MainWindow
from workbench.ui.tasks import Tasks
from workbench.ui.theme import apply_theme, load_theme

WindowFactory = Callable[..., MainWindow]


@dataclass
class Env:
    """A seeded SQLite shop and a task runner, for testing one sidebar panel on its own."""

    db: Database
    data: Seeded
    tasks: Tasks


@pytest.fixture
def env(qtbot: QtBot, tmp_path: Path) -> Iterator[Env]:
    path = tmp_path / "workbench.db"
    db = open_db(path)
    tasks = Tasks()
    yield Env(db, seed(db, path), tasks)
    # no job may outlive the test: finish the pools, then deliver their callbacks
    assert tasks.wait_idle()
    qtbot.waitUntil(lambda: tasks.pending() == 0)
    db.dispose()


@pytest.fixture(scope="session", autouse=True)
def themed_application(qapp: QApplication) -> None:
    """The application style sheet, as the app applies it at start-up (ui/bootstrap.py): the pages
    are styled by it, not by sheets of their own."""
    apply_theme(qapp, load_theme("light"))


@pytest.fixture(autouse=True)
def collect_on_gui_thread() -> Iterator[None]:
    """As the app does (ui/gc_guard.py): no automatic collection on worker threads during GUI tests."""
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()  # what a window froze when it was ready (ui/gc_guard.py settle) is the next test's garbage
        gc.enable()
        gc.collect()


@pytest.fixture
def make_window(qtbot: QtBot, tmp_path: Path, demo_database: Path) -> Iterator[WindowFactory]:
    """Builds a started MainWindow on `data_dir` (default: one per test) and waits until it is ready.
    `db_url` opens another database (a PostgreSQL one) instead of the data dir's; `login` (username,
    password) answers the login dialog a shared database shows; `simulator` starts it as `workbench`
    does without --no-simulator (the tests' windows start without their simulated customers).

    It starts as the app does (`workbench.app.run_desk`): the start-up work opens the workspace in the
    background, the window takes it when painted. A data dir without a database gets a copy of the
    demo shop seeded once per run."""
    windows: list[MainWindow] = []

    def make(
        data_dir: Path | None = None,
        *,
        wait_ready: bool = True,
        settings_problems: tuple[SettingProblem, ...] = (),
        db_url: str | None = None,
        login: tuple[str, str] | None = None,
        simulator: bool = False,
        **settings: object,
    ) -> MainWindow:
        paths = AppPaths.under(data_dir or tmp_path / "data")
        paths.ensure()
        if db_url is None:
            copy_demo(demo_database, paths.database)
        tokenizer.set_cache_dir(paths.cache / "jieba")
        config = LaunchConfig(
            paths=paths,
            db_url=db_url or sqlite_url(paths.database),
            settings=Settings(**settings),
            simulator=simulator,
            settings_problems=settings_problems,
        )
        startup = DeskStartup(config)
        startup.begin()
        window = MainWindow(config, startup)
        qtbot.addWidget(window)
        windows.append(window)
        window.show()
        if wait_ready:
            if login is None:
                with qtbot.waitSignal(window.workspace_ready, timeout=60_000):
                    window.start()
            else:  # a shared database asks who works at the desk
                window.start()
                qtbot.waitUntil(
                    lambda: window.login.dialog is not None and window.login.dialog.isVisible(), timeout=60_000
                )
                dialog = window.login.dialog
                assert dialog is not None
                dialog.username.setText(login[0])
                dialog.password.setText(login[1])
                with qtbot.waitSignal(window.workspace_ready, timeout=60_000):
                    dialog.login_button.click()
            qtbot.waitUntil(lambda: window.matcher is not None, timeout=60_000)
            # the desk has read whether a lab was left running (its simulated buyers wait until then)
            qtbot.waitUntil(lambda: not window.controller.lab_waiting, timeout=60_000)
        return window

    yield make
    for window in windows:
        window.controller.sim_timer.stop()
        window.tasks.wait_idle()
        window.close()


def show_current_lists(qtbot: QtBot, window: MainWindow, timeout: int = 30_000) -> None:
    """Show the desk's lists as the database has them now. Waits for a read that begins after this call:
    a read already under way may have begun before the last write, and its `lists_refreshed` says so."""
    shown: list[bool] = []
    window.refresh_lists(then=lambda: shown.append(True))
    qtbot.waitUntil(lambda: bool(shown), timeout=timeout)


def open_customer_chat(
    qtbot: QtBot, window: MainWindow, text: str, nth: int = 0, *, until_suggestions: bool = False
) -> int:
    """The `nth` demo customer writes `text` and the chat is opened (and, with `until_suggestions`,
    its suggestions shown); returns the conversation's id."""
    ws = window.workspace
    assert ws is not None
    with ws.db.session() as s:
        customer_id = CustomerRepository(s).some(ws.shop.id, limit=nth + 1)[nth].id
    conv = ws.reception.customer_arrives(customer_id)
    ws.reception.customer_says(conv.id, text)
    show_current_lists(qtbot, window, timeout=10_000)
    opened = window.suggestions_shown if until_suggestions else window.conversation_opened
    with qtbot.waitSignal(opened, timeout=10_000):
        window.open_conversation(conv.id)
    return conv.id
