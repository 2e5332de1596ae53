"""Storage errors, importable without loading SQLAlchemy or Alembic (the UI imports this at start-up)."""

from __future__ import annotations

import errno
import sqlite3

# Failures of the storage itself, not of one write: every write fails alike until they clear.
DISK_FULL = "db.disk_full"  # SQLite "database or disk is full", PostgreSQL 53100, ENOSPC
CONNECTION_LOST = "db.connection_lost"  # the PostgreSQL server went away or cannot be reached
READ_ONLY = "db.read_only"  # the database file or its folder became read-only
IO_ERROR = "db.io_error"  # the disk reports errors (a removed USB stick, a failing drive)
STORAGE_FAILURES = (DISK_FULL, CONNECTION_LOST, READ_ONLY, IO_ERROR)


class DatabaseError(Exception):
    """The database cannot be used; `code` names why (for a translated message)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


# SQLite's primary result codes for a damaged file and for a file that is no database.
SQLITE_CORRUPT = 11
SQLITE_NOTADB = 26


def is_corruption(exc: BaseException) -> bool:
    """Whether `exc` says the SQLite file is damaged or no database: our own ``db.corrupt``, sqlite3's
    error, or that error wrapped by SQLAlchemy (read by duck typing, so nothing heavy is imported)."""
    if isinstance(exc, DatabaseError):
        return exc.code == "db.corrupt"
    for candidate in (exc, getattr(exc, "orig", None)):
        code = getattr(candidate, "sqlite_errorcode", None)
        if isinstance(code, int) and code & 0xFF in (SQLITE_CORRUPT, SQLITE_NOTADB):
            return True
    return False


def storage_failure(exc: BaseException) -> str | None:
    """The code (one of STORAGE_FAILURES) when `exc` says the storage itself fails, else None.

    Looks through SQLAlchemy's wrapper (`orig`) and the exception's causes. Works by duck typing, so
    it needs neither SQLAlchemy nor the PostgreSQL driver loaded."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        code = _classify(current)
        if code is not None:
            return code
        orig = getattr(current, "orig", None)
        pending += [orig if isinstance(orig, BaseException) else None, current.__cause__, current.__context__]
    return None


def _classify(exc: BaseException) -> str | None:
    if isinstance(exc, DatabaseError):
        return exc.code if exc.code in STORAGE_FAILURES else None
    if isinstance(exc, sqlite3.Error):
        primary = getattr(exc, "sqlite_errorcode", -1) & 0xFF  # extended codes carry the primary one
        if primary == sqlite3.SQLITE_FULL or "database or disk is full" in str(exc):
            return DISK_FULL
        if primary == sqlite3.SQLITE_READONLY:
            return READ_ONLY
        if primary in (sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN):
            return IO_ERROR
        return None
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return DISK_FULL
    if getattr(exc, "connection_invalidated", False):  # SQLAlchemy: the connection was found dead
        return CONNECTION_LOST
    if type(exc).__module__.split(".")[0] == "psycopg":
        sqlstate = getattr(exc, "sqlstate", None) or ""
        if sqlstate == "53100":  # disk_full
            return DISK_FULL
        if sqlstate.startswith("08") or sqlstate in ("57P01", "57P02", "57P03"):  # connection, shutdown
            return CONNECTION_LOST
        if not sqlstate and type(exc).__name__ in ("OperationalError", "InterfaceError"):
            return CONNECTION_LOST  # the driver's own: "server closed the connection", "connection is closed"
    return None
