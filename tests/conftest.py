"""Shared fixtures: offscreen Qt, an in-memory keyring, a temp data dir and a database per test.

Every test under tests/gui is marked `gui`. `pytest -m "not gui"` runs the core alone and without Qt:
tests/gui is not even imported, pytest-qt is switched off, and the run fails if Qt got loaded anyway.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

GUI_TESTS = Path(__file__).parent / "gui"
QT_MODULES = ("PySide6", "shiboken6")


def gui_tests_deselected(config: pytest.Config) -> bool:
    """Whether `-m` rules out every test marked `gui`, whatever other marks it has (`-m "not gui"`).

    Only expressions of marker names, and/or/not and brackets are read; anything else counts as
    "gui tests may run", which is the safe answer."""
    expression = config.getoption("markexpr", "")
    if not expression or not re.fullmatch(r"[\w\s()]+", expression):
        return False
    names = sorted(set(re.findall(r"\w+", expression)) - {"and", "or", "not", "gui"})
    for marks in itertools.product((False, True), repeat=len(names)):
        try:
            selected = eval(expression, {"__builtins__": {}}, {**dict(zip(names, marks, strict=True)), "gui": True})
        except SyntaxError:
            return False
        if selected:
            return False
    return True


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    # pytest-qt imports Qt when it is configured, which comes next: a core-only run goes without it.
    if gui_tests_deselected(config) and (plugin := config.pluginmanager.get_plugin("pytest-qt")):
        config.pluginmanager.unregister(plugin)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    # The GUI test modules import Qt: do not even collect them when none of their tests can run.
    if collection_path == GUI_TESTS and gui_tests_deselected(config):
        return True
    return None


@pytest.hookimpl(tryfirst=True)  # before pytest applies -m
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(GUI_TESTS):
            item.add_marker(pytest.mark.gui)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not gui_tests_deselected(session.config):
        return
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in QT_MODULES)
    if loaded:
        session.config.get_terminal_writer().line(
            f"\nA core-only run (-m without gui) loaded Qt: {', '.join(loaded[:5])}", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


class MemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps secrets in memory, for tests."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


DemoTemplate = Callable[[datetime | None], Path]


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> DemoTemplate:
    """The demo shop seeded once per test run for each clock it is asked for (None: the real clock);
    tests copy the file instead of seeding their own, which took most of a page or window test's time.
    The demo is generated from its clock's time, so a copy equals a fresh seed at that time."""
    from workbench.composition import open_workspace
    from workbench.storage.db import sqlite_url

    made: dict[datetime | None, Path] = {}

    def template(now: datetime | None = None) -> Path:
        if now not in made:
            path = tmp_path_factory.mktemp("demo-template") / "workbench.sqlite3"
            ws = (
                open_workspace(sqlite_url(path)) if now is None else open_workspace(sqlite_url(path), clock=lambda: now)
            )
            ws.close()
            for suffix in ("-wal", "-shm"):  # closing checkpoints the log: the one file holds everything
                assert not Path(f"{path}{suffix}").exists() or Path(f"{path}{suffix}").stat().st_size == 0
            made[now] = path
        return made[now]

    return template


@pytest.fixture(scope="session")
def demo_database(demo_template: DemoTemplate) -> Path:
    """The demo shop on the real clock, seeded once per test run (see `demo_template`)."""
    return demo_template(None)


def copy_demo(template: Path, target: Path) -> None:
    """Put the seeded demo shop at `target` unless a database is already there."""
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, target)


def postgres_url() -> str | None:
    """A PostgreSQL server for storage tests, from WORKBENCH_TEST_PG_URL (set by .ci/run)."""
    return os.environ.get("WORKBENCH_TEST_PG_URL") or None


def _need_postgres() -> str:
    base = postgres_url()
    if base is None:
        if os.environ.get("WORKBENCH_TEST_PG_REQUIRED"):
            pytest.fail("WORKBENCH_TEST_PG_REQUIRED is set but WORKBENCH_TEST_PG_URL is not")
        pytest.skip("no PostgreSQL server (set WORKBENCH_TEST_PG_URL)")
    return base


@contextmanager
def postgres_database(template: str | None = None) -> Iterator[str]:
    """A new database of its own on the test server (a copy of the database `template` when given),
    dropped afterwards with whatever is still connected to it; yields its URL. Skips without a server."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = _need_postgres()
    name = f"wb_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    copy = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            # FORCE: a desk's listener that is still running reconnects as soon as it is terminated
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_demo_template() -> Iterator[str]:
    """The name of a database on the test server holding the demo shop, seeded once per test process;
    `pg_demo_url` copies it (PostgreSQL copies a template database in a few milliseconds)."""
    from sqlalchemy.engine import make_url

    from workbench.composition import open_workspace

    with postgres_database() as url:
        open_workspace(url).close()
        yield str(make_url(url).database)


@pytest.fixture
def pg_demo_url(pg_demo_template: str) -> Iterator[str]:
    """A PostgreSQL database of this test's own with the demo shop in it."""
    with postgres_database(template=pg_demo_template) as url:
        yield url
