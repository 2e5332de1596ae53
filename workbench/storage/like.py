"""Substring search with LIKE, matching the user's text literally.

In a LIKE pattern `%` and `_` are wildcards: a search for "%" would find every row. The text is escaped
with a backslash (and the backslash itself), and the statement names that escape character.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import ColumnElement

LIKE_ESCAPE = "\\"


def escape_like(text: str) -> str:
    """`text` with LIKE's wildcards (and the escape character) escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(column: Any, text: str) -> ColumnElement[bool]:
    """`column` contains `text` as typed (LIKE's case rules: SQLite ignores ASCII case, PostgreSQL does not)."""
    return cast(ColumnElement[bool], column.like(f"%{escape_like(text)}%", escape=LIKE_ESCAPE))
