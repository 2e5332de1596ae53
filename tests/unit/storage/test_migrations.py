from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event, inspect, text

from workbench.storage.db import SCHEMA_HEAD, Database, DatabaseError, schema_revisions, sqlite_url

EXPECTED_TABLES = {
    "shops", "agents", "customers", "tags", "customer_tags", "notes", "conversations", "messages",
    "quick_phrases", "kb_categories", "kb_entries", "kb_phrasings", "kb_answers", "products", "orders",
    "order_items", "logistics_events", "suggestion_uses",
}  # fmt: skip


def test_migrate_from_empty_creates_every_table(db_url: str) -> None:
    database = Database(db_url)
    assert database.current_revision() is None
    database.migrate()
    tables = set(inspect(database.engine).get_table_names())
    assert tables >= EXPECTED_TABLES
    assert database.current_revision() is not None
    database.migrate()  # a second start is a no-op
    database.dispose()


def test_the_declared_head_is_the_newest_migration(db_url: str) -> None:
    """A database at `SCHEMA_HEAD` opens without Alembic: it must be the scripts' one head, and a fresh
    database migrates to it."""
    from alembic.script import ScriptDirectory

    from workbench.storage.db import _migrations_dir

    assert ScriptDirectory(_migrations_dir()).get_heads() == [SCHEMA_HEAD]
    assert SCHEMA_HEAD in schema_revisions()
    database = Database(db_url)
    database.migrate()
    assert database.current_revision() == SCHEMA_HEAD
    database.dispose()


def test_a_database_at_the_head_opens_without_loading_alembic(tmp_path: Path) -> None:
    """Checked in a fresh interpreter: the start of a desk whose database is up to date."""
    import subprocess
    import sys

    url = sqlite_url(tmp_path / "wb.sqlite3")
    Database(url).migrate()
    code = (
        "import sys\n"
        "from workbench.storage.db import Database\n"
        f"Database({url!r}).migrate()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_sqlite_uses_wal_and_foreign_keys(tmp_path: Path) -> None:
    database = Database(sqlite_url(tmp_path / "wb.sqlite3"))
    database.migrate()
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    database.dispose()


def test_database_from_newer_version_is_refused_untouched(db_url: str) -> None:
    database = Database(db_url)
    database.migrate()
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(DatabaseError) as info:
        database.migrate()
    assert info.value.code == "db.too_new"
    assert database.current_revision() == "9999_future"
    database.dispose()


def test_unreachable_database_reports_clearly(tmp_path: Path) -> None:
    database = Database(sqlite_url(tmp_path / "missing-dir" / "wb.sqlite3"))
    with pytest.raises(DatabaseError) as info:
        database.migrate()
    assert info.value.code == "db.unreachable"


def test_migrations_build_exactly_the_declared_tables(db_url: str) -> None:
    """Every table module's declarations match what the migrations create (no forgotten column)."""
    import importlib
    import pkgutil

    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import workbench.storage as storage
    from workbench.storage.tables import Base, autogenerate_includes

    for module in pkgutil.iter_modules(storage.__path__):
        if module.name.startswith("tables"):
            importlib.import_module(f"workbench.storage.{module.name}")
    database = Database(db_url)
    database.migrate()
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": autogenerate_includes})
        diffs = compare_metadata(context, Base.metadata)
        indexes = {ix["name"] for ix in inspect(conn).get_indexes("customers")}
    database.dispose()
    assert diffs == []
    # The index only the migrations make is there on PostgreSQL, and only there.
    assert ("ix_customers_search_trgm" in indexes) == (database.engine.dialect.name == "postgresql")


def test_a_migration_that_fails_half_way_leaves_nothing_behind(tmp_path: Path) -> None:
    """A kill (here: a failure) in the middle of the first start's migration must not leave some tables
    created: the next start could never migrate again ("table … already exists")."""
    db = Database(sqlite_url(tmp_path / "wb.sqlite3"))
    created = [0]

    def fail_on_the_tenth_table(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("CREATE TABLE"):
            created[0] += 1
            if created[0] == 10:
                raise RuntimeError("killed")

    event.listen(db.engine, "before_cursor_execute", fail_on_the_tenth_table)
    with pytest.raises((RuntimeError, DatabaseError)):
        db.migrate()
    event.remove(db.engine, "before_cursor_execute", fail_on_the_tenth_table)
    with db.engine.connect() as conn:
        tables = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'").scalars().all()
    assert tables == []
    db.migrate()  # the next start migrates from scratch
    assert db.current_revision() is not None
    db.dispose()
