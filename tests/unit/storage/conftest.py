"""Storage tests run on a SQLite file and, where a server is configured, on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import postgres_database
from workbench.storage.db import Database, sqlite_url


def _postgres_database() -> Iterator[str]:
    """A database of its own on the test server while the generator runs (for module-scoped fixtures)."""
    with postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "test.sqlite3")
    else:
        with postgres_database() as url:
            yield url


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    database.migrate()
    yield database
    database.dispose()
