"""The database: engine, sessions and migrations at start-up."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from workbench.paths import sqlite_url
from workbench.storage import changes as change_log
from workbench.storage import sqlite_files
from workbench.storage.changes import StoredChange
from workbench.storage.errors import DatabaseError, is_corruption

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["Database", "DatabaseError", "StoredChange", "sqlite_url"]

log = logging.getLogger(__name__)

SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")  # a plain PostgreSQL identifier: no quoting needed

# The newest migration's revision (a test checks it against the migration scripts). A database already
# at it opens without loading Alembic and its scripts: half a second of every start.
SCHEMA_HEAD = "0020_kb_revision"


def _migrations_dir() -> str:
    # A real directory both from source and inside a one-folder bundle.
    return str(resources.files("workbench.storage") / "migrations")


def _alembic_config(engine: Engine) -> Config:
    from alembic.config import Config  # Alembic is loaded only when migrating (start-up cost)

    cfg = Config()
    cfg.set_main_option("script_location", _migrations_dir())
    cfg.attributes["engine"] = engine
    return cfg


def sqlite_file_of(url: str) -> Path | None:
    """The file of a SQLite database URL; None for another backend, in-memory SQLite or a bad URL."""
    try:
        parsed = make_url(url)
    except (SQLAlchemyError, ValueError):
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def schema_revisions() -> set[str]:
    """Every schema revision this program knows (a database at another one is from a newer program)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(_migrations_dir())
    return {rev.revision for rev in script.walk_revisions()}


def _on_sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


class Database:
    """One database reached through a SQLAlchemy URL (SQLite file by default, PostgreSQL when shared)."""

    def __init__(self, url: str, *, schema: str | None = None, echo: bool = False) -> None:
        """`schema`: work inside this PostgreSQL schema only (a student's own shop on a class server,
        see `workbench.storage.sandboxes`): every unqualified name, the tables and Alembic's version
        table, resolves there and nowhere else (``search_path`` holds nothing but it), and the
        changes it commits are not broadcast (NOTIFY reaches every schema's desks; this shop has one
        desk). SQLite has no schemas: DatabaseError ``db.schema_sqlite``."""
        self.url = url
        self.schema = schema
        try:
            parsed = make_url(url)
        except (SQLAlchemyError, ValueError) as exc:
            raise DatabaseError("db.bad_url", str(exc)) from exc
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.sqlite_file = sqlite_file_of(url)  # None for PostgreSQL and in-memory SQLite
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if schema is not None:
            if self.is_sqlite:
                raise DatabaseError("db.schema_sqlite", schema)
            if not SCHEMA_NAME.match(schema):
                raise DatabaseError("db.bad_schema", schema)
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 5}
        else:
            kwargs["pool_pre_ping"] = True
            if schema is not None:
                # Set at connect time, so every pooled connection (and Alembic's) starts inside it.
                kwargs["connect_args"] = {"options": f"-csearch_path={schema}"}
        try:
            self.engine = create_engine(url, **kwargs)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise DatabaseError("db.bad_url", str(exc)) from exc
        if self.is_sqlite:
            event.listen(self.engine, "connect", _on_sqlite_connect)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Names this workspace's NOTIFYs, so its own listener skips what it heard in-process already.
        self.origin = secrets.token_hex(4)
        self._committed: list[Callable[[tuple[StoredChange, ...]], None]] = []

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: committed on success, rolled back on any error. The changes it said
        (`notify`) go out with the commit: to other desks in the transaction itself (PostgreSQL
        NOTIFY), then to this process's `on_commit` listeners; a rolled-back one says nothing."""
        session = self._sessions()
        try:
            yield session
            said = change_log.take(session)
            if said and self.broadcasts:
                change_log.send(session, self.origin, said)
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
        if said:
            for listener in list(self._committed):
                try:
                    listener(said)
                except Exception:  # the write is committed; a listener's bug must not undo the caller
                    log.exception("change listener failed")

    @property
    def broadcasts(self) -> bool:
        """Whether committed changes go to other desks (PostgreSQL NOTIFY): a shared shop, not SQLite
        and not a schema of one student's own (NOTIFY channels are database-wide)."""
        return not self.is_sqlite and self.schema is None

    def notify(self, session: Session, topic: str, key: int | None = None) -> None:
        """Say, inside the unit of work `session`, that `topic` (row `key`, None for several rows)
        changed: every desk hears it if the work commits (see `workbench.storage.changes`)."""
        change_log.note(session, topic, key)

    def on_commit(self, listener: Callable[[tuple[StoredChange, ...]], None]) -> None:
        """Call `listener` with the changes of every unit of work this process commits."""
        self._committed.append(listener)

    def current_revision(self) -> str | None:
        """The schema revision the database records (Alembic's version table); None for a new one."""
        with self.engine.connect() as conn:
            if not conn.dialect.has_table(conn, "alembic_version"):
                return None
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()

    def corruption(self, exc: BaseException) -> DatabaseError | None:
        """``db.corrupt`` (naming the file) when `exc`, a driver's error, says the SQLite file is
        damaged, else None (also for our own errors, which say what they mean already)."""
        if isinstance(exc, DatabaseError) or not is_corruption(exc):
            return None
        return DatabaseError("db.corrupt", str(self.sqlite_file or ""))

    def migrate(self, before_upgrade: Callable[[str], None] | None = None) -> None:
        """Bring the schema to the newest revision; refuse a database from a newer program, and a
        damaged SQLite file before anything reads it. `before_upgrade(current revision)` runs when an
        existing database's schema is about to change (the backups copy it then)."""
        if self.sqlite_file is not None and sqlite_files.file_problem(self.sqlite_file) is not None:
            raise DatabaseError("db.corrupt", str(self.sqlite_file))
        try:
            current = self.current_revision()
            if self.is_sqlite:
                with self.engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        except SQLAlchemyError as exc:
            if (corrupt := self.corruption(exc)) is not None:
                raise corrupt from exc
            if isinstance(exc, OperationalError):
                raise DatabaseError("db.unreachable", str(exc.orig)) from exc
            raise
        if current == SCHEMA_HEAD:
            return
        from alembic import command
        from alembic.script import ScriptDirectory

        cfg = _alembic_config(self.engine)
        script = ScriptDirectory.from_config(cfg)
        if current is not None:
            try:
                script.get_revision(current)
            except Exception as exc:  # alembic raises several types for an unknown revision
                raise DatabaseError("db.too_new", current) from exc
        heads = script.get_heads()
        if current in heads:
            return
        if current is not None and before_upgrade is not None:
            before_upgrade(current)
        log.info("migrating database from %s to %s", current, heads)
        try:
            command.upgrade(cfg, "head")
        except SQLAlchemyError as exc:
            if (corrupt := self.corruption(exc)) is not None:
                raise corrupt from exc
            if isinstance(exc, OperationalError):
                raise DatabaseError("db.migration_failed", str(exc.orig)) from exc
            raise

    def dispose(self) -> None:
        self.engine.dispose()
