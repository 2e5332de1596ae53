"""Fixtures for the reception bot's tests: a demo workspace with a fake clock, and the storage
fixtures (SQLite and PostgreSQL) for repository tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.unit.storage.conftest import db, db_url  # noqa: F401  (SQLite and PostgreSQL)
from workbench.composition import open_workspace
from workbench.kb import tokenizer
from workbench.services.workspace import Workspace
from workbench.storage.db import sqlite_url


@pytest.fixture(scope="session")
def jieba_ready(tmp_path_factory: pytest.TempPathFactory) -> None:
    """jieba loaded from a temp cache (for tests that build a matcher)."""
    if not tokenizer.is_ready():
        tokenizer.set_cache_dir(tmp_path_factory.mktemp("jieba"))
    tokenizer.ensure_loaded()


class FakeClock:
    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 11, 11, 10, 0, 0)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo shop seeded once; each test works on its own copy of the file."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    open_workspace(sqlite_url(path), clock=FakeClock()).close()
    for suffix in ("-wal", "-shm"):
        assert not Path(f"{path}{suffix}").exists() or Path(f"{path}{suffix}").stat().st_size == 0
    return path


@pytest.fixture
def ws(tmp_path: Path, clock: FakeClock, demo_file: Path) -> Iterator[Workspace]:
    path = tmp_path / "wb.sqlite3"
    shutil.copyfile(demo_file, path)
    workspace = open_workspace(sqlite_url(path), clock=clock)
    yield workspace
    workspace.close()
