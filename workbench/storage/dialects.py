"""The database dialects' own statements, loaded only for the dialect in use.

SQLAlchemy's PostgreSQL dialect module takes about 50 ms to import (asyncio with it); a single-seat
desk on SQLite never needs it, and it would sit on the path to the desk's first lists. So nothing
imports `sqlalchemy.dialects.postgresql` at module level: the upserts ask `upsert_insert` for the
dialect of their session, and the tables leave PostgreSQL-only indexes to the migrations
(`tables.MIGRATION_ONLY_INDEXES`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
    from sqlalchemy.dialects.sqlite import Insert as SqliteInsert


def upsert_insert(dialect: str) -> Callable[[Any], PostgresInsert | SqliteInsert]:
    """The `insert` construct with ON CONFLICT support of `dialect` (PostgreSQL's, else SQLite's)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert
    from sqlalchemy.dialects import sqlite

    return sqlite.insert
