"""SQLite database files as files: is one damaged, copy one safely, check a copy.

Used at start-up (a damaged file is refused with a clear reason before anything reads it) and by the
backups (`workbench.services.backups`). Only the standard library's sqlite3: this module loads no
SQLAlchemy and no Alembic, so the start-up path stays light.
"""

from __future__ import annotations

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
