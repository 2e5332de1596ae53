"""A damaged SQLite file is refused as ``db.corrupt`` naming the file, never with the driver's text."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

from workbench.composition import open_workspace
from workbench.storage import sqlite_files
from workbench.storage.db import Database, DatabaseError, sqlite_url
from workbench.storage.errors import is_corruption


def _expect_corrupt(path: Path) -> DatabaseError:
    with pytest.raises(DatabaseError) as info:
        open_workspace(sqlite_url(path)).close()
    assert info.value.code == "db.corrupt"
    assert info.value.detail == str(path)
    assert is_corruption(info.value)
    return info.value


@pytest.mark.parametrize("size", [50, 4096, 200_000])
def test_a_file_of_random_bytes_is_refused_as_corrupt(tmp_path: Path, size: int) -> None:
    path = tmp_path / "workbench.sqlite3"
    path.write_bytes(random.Random(size).randbytes(size))
    _expect_corrupt(path)
    assert path.stat().st_size == size  # left as it was


@pytest.mark.parametrize("fraction", [0.5, 0.9])
def test_a_truncated_real_database_is_refused_as_corrupt(tmp_path: Path, demo_database: Path, fraction: float) -> None:
    path = tmp_path / "workbench.sqlite3"
    shutil.copyfile(demo_database, path)
    size = path.stat().st_size
    with path.open("r+b") as fh:
        fh.truncate(int(size * fraction))
    assert sqlite_files.file_problem(path) == "truncated"
    _expect_corrupt(path)


def test_a_database_damaged_past_its_header_is_refused_as_corrupt(tmp_path: Path, demo_database: Path) -> None:
    """The header is intact, so only SQLite's own error tells: it is recognised and named the same way."""
    path = tmp_path / "workbench.sqlite3"
    shutil.copyfile(demo_database, path)
    page_size = int.from_bytes(path.read_bytes()[16:18], "big")
    size = path.stat().st_size
    with path.open("r+b") as fh:  # every page but the first (the schema) becomes noise
        fh.seek(page_size)
        fh.write(random.Random(1).randbytes(size - page_size))
    assert sqlite_files.file_problem(path) is None
    _expect_corrupt(path)


def test_healthy_files_pass_the_header_check(tmp_path: Path, demo_database: Path) -> None:
    assert sqlite_files.file_problem(demo_database) is None
    assert sqlite_files.file_problem(tmp_path / "missing.sqlite3") is None
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    assert sqlite_files.file_problem(empty) is None  # SQLite starts a new database in it
    Database(sqlite_url(empty)).migrate()


def test_a_crash_during_a_checkpoint_is_no_truncation(tmp_path: Path, demo_database: Path) -> None:
    """With a write-ahead log beside it, a file shorter than its header is SQLite's to recover."""
    path = tmp_path / "workbench.sqlite3"
    shutil.copyfile(demo_database, path)
    with path.open("r+b") as fh:
        fh.truncate(os.path.getsize(path) // 2)
    sqlite_files.wal_file(path).write_bytes(b"\0" * 32)
    assert sqlite_files.file_problem(path) is None
