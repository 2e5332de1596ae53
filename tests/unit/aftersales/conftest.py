"""After-sales tests: storage ones run on SQLite and, where a server is configured, on PostgreSQL."""

from __future__ import annotations

from tests.unit.storage.conftest import db, db_url  # noqa: F401  (the parametrised database fixtures)
