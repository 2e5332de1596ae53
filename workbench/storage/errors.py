"""Storage errors, importable without loading SQLAlchemy or Alembic (the UI imports this at start-up)."""

from __future__ import annotations


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
