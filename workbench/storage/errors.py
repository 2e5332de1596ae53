"""Storage errors, importable without loading SQLAlchemy or Alembic (the UI imports this at start-up)."""

from __future__ import annotations


class DatabaseError(Exception):
    """The database cannot be used; `code` names why (for a translated message)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
