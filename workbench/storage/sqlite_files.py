"""SQLite database files as files: is one damaged, copy one safely, check a copy.

Used at start-up (a damaged file is refused with a clear reason before anything reads it) and by the
backups (`workbench.services.backups`). Only the standard library's sqlite3: this module loads no
SQLAlchemy and no Alembic, so the start-up path stays light.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100


def wal_file(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def shm_file(path: Path) -> Path:
    return path.with_name(path.name + "-shm")


def file_problem(path: Path) -> str | None:
    """Why the SQLite file at `path` is damaged, found from its header alone (cheap at any size), or
    None: ``not_a_database`` (no SQLite header), ``truncated`` (shorter than the header says).

    A missing or empty file is no problem (SQLite starts a new database in it). The size is checked
    only when no write-ahead log is beside the file: a checkpoint interrupted by a crash may leave the
    header ahead of the file, and SQLite completes it from the log when it opens."""
    try:
        size = path.stat().st_size
        if size == 0:
            return None
        with path.open("rb") as fh:
            header = fh.read(HEADER_SIZE)
    except FileNotFoundError:
        return None
    except OSError:
        return None  # unreadable: SQLite's own error says why
    if len(header) < HEADER_SIZE or not header.startswith(SQLITE_MAGIC):
        return "not_a_database"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    # The page count in the header is valid only when written by the same change as the counter.
    count_valid = header[24:28] == header[92:96] and pages > 0
    wal = wal_file(path)
    has_log = wal.exists() and wal.stat().st_size > 0
    if count_valid and not has_log and size < pages * page_size:
        return "truncated"
    return None


def _connect_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path.as_uri() + "?mode=ro", uri=True)


class DamagedCopy(Exception):
    """The copy of a database fails SQLite's quick check: the database itself is damaged."""


def copy_database(source: Path, target: Path) -> None:
    """Copy the SQLite database at `source` into a new file `target` with SQLite's online backup API:
    a consistent copy even while the program writes to it, with the write-ahead log's committed pages
    in it. The copy is one self-contained file (rollback journal, no log beside it), written under a
    temporary name and renamed, so `target` is whole or absent.

    The copy gets SQLite's quick check: a damaged database must not replace good backups with
    damaged ones (raises `DamagedCopy`, and no file is left)."""
    if not source.is_file():
        raise FileNotFoundError(source)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(source, timeout=30)) as src, closing(sqlite3.connect(partial)) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
            rows = [str(row[0]) for row in dst.execute("PRAGMA quick_check(20)")]
            if rows != ["ok"]:
                raise DamagedCopy("; ".join(rows)[:500])
        with partial.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


@dataclass(frozen=True, slots=True)
class FileCheck:
    """What a check of a database file found: `problem` is None for a sound file, else
    ``not_a_database``, ``truncated``, ``damaged`` (SQLite's integrity check failed; `detail` says
    where) or ``no_schema`` (no Workbench schema revision in it). `revision` is its schema revision."""

    problem: str | None
    revision: str | None = None
    detail: str = ""


def check_database(path: Path) -> FileCheck:
    """Check a database file thoroughly (reads all of it): header, ``PRAGMA integrity_check``, and the
    schema revision it was last migrated to. Opened read-only: the file is not changed."""
    header_problem = file_problem(path)
    if header_problem is not None:
        return FileCheck(header_problem)
    try:
        with closing(_connect_read_only(path)) as conn:
            rows = [str(row[0]) for row in conn.execute("PRAGMA integrity_check(20)")]
            if rows != ["ok"]:
                return FileCheck("damaged", detail="; ".join(rows)[:500])
            try:
                found = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            except sqlite3.OperationalError:  # no such table
                found = None
    except sqlite3.DatabaseError as exc:  # not a database, malformed, unreadable
        return FileCheck("damaged", detail=str(exc))
    if found is None:
        return FileCheck("no_schema")
    return FileCheck(None, str(found[0]))
