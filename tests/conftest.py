"""Shared fixtures: offscreen Qt, an in-memory keyring, a temp data dir and a database per test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


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


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo shop seeded once per test run, on the real clock: tests copy the file (`copy_demo`)
    instead of seeding their own, which took most of a window test's time."""
    from workbench.composition import open_workspace
    from workbench.storage.db import sqlite_url

    path = tmp_path_factory.mktemp("demo-template") / "workbench.sqlite3"
    open_workspace(sqlite_url(path)).close()
    for suffix in ("-wal", "-shm"):  # closing checkpoints the log: the one file holds everything
        assert not Path(f"{path}{suffix}").exists() or Path(f"{path}{suffix}").stat().st_size == 0
    return path


def copy_demo(template: Path, target: Path) -> None:
    """Put the seeded demo shop at `target` unless a database is already there."""
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, target)


def postgres_url() -> str | None:
    """A PostgreSQL server for storage tests, from WORKBENCH_TEST_PG_URL (set by .ci/run)."""
    return os.environ.get("WORKBENCH_TEST_PG_URL") or None
