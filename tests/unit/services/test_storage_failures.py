"""A full disk or a lost connection: recognised, logged once, and never a chat without its first message.

The full disk is real: SQLite's `PRAGMA max_page_count` caps the database at the pages it has, so the
next write that needs a page fails with "database or disk is full", as on a full disk. The lost
connection is real too: the test database's server processes are terminated and new connections
refused (on the test server only), as when the server goes away."""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from tests.conftest import copy_demo, postgres_url
from workbench.composition import build_channel, open_workspace
from workbench.services.health import StorageHealth
from workbench.services.workspace import Workspace
from workbench.storage.db import Database, sqlite_url
from workbench.storage.errors import CONNECTION_LOST, DISK_FULL, DatabaseError, storage_failure
from workbench.storage.repositories.conversations import ConversationRepository
from workbench.storage.tables import ConversationRow, MessageRow


class PageCap:
    """Caps a SQLite database at `pages` pages (0: no cap) on every new connection."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.pages = 0
        event.listen(engine, "connect", self._on_connect)

    def _on_connect(self, dbapi_conn: object, _record: object) -> None:
        if self.pages:
            dbapi_conn.execute(f"PRAGMA max_page_count={self.pages}")  # type: ignore[attr-defined]

    def fill(self) -> None:
        """The disk is full: no page more than the database has now."""
        with self.engine.connect() as conn:
            self.pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())
        self.engine.dispose()  # pooled connections are replaced by capped ones

    def free(self) -> None:
        self.pages = 1_000_000
        self.engine.dispose()


@pytest.fixture
def ws(demo_database: Path, tmp_path: Path) -> Iterator[Workspace]:
    path = tmp_path / "wb.sqlite3"
    copy_demo(demo_database, path)
    workspace = open_workspace(sqlite_url(path))
    yield workspace
    workspace.close()


def chats_without_messages(db: Database) -> list[int]:
    with db.session() as s:
        has_message = select(MessageRow.id).where(MessageRow.conversation_id == ConversationRow.id).exists()
        return list(s.scalars(select(ConversationRow.id).where(~has_message)))


def test_a_full_disk_is_recognised(ws: Workspace) -> None:
    cap = PageCap(ws.db.engine)
    cap.fill()
    with pytest.raises(OperationalError) as full, ws.db.session() as s:
        s.execute(text("CREATE TABLE filler (x BLOB)"))
        s.execute(text("INSERT INTO filler VALUES (randomblob(100000))"))
    assert storage_failure(full.value) == DISK_FULL
    assert StorageHealth(ws.db).check() == DISK_FULL
    cap.free()
    assert StorageHealth(ws.db).check() is None
    with ws.db.engine.connect() as conn:  # the check leaves nothing behind
        names = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE name LIKE 'wb_probe%'").all()
    assert names == []


def test_a_check_refused_for_another_reason_means_the_storage_answers(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_create_right(db: Database) -> None:
        raise ProgrammingError("CREATE TABLE wb_probe_…", {}, Exception("permission denied for schema public"))

    monkeypatch.setattr("workbench.services.health.check_writable", no_create_right)
    assert StorageHealth(ws.db).check() is None  # else a locked-down role would wait forever


def test_other_errors_are_no_storage_failure(ws: Workspace) -> None:
    copy_shop = text("INSERT INTO shops (id, name, industry, settings_json) SELECT id, name, industry, '' FROM shops")
    with pytest.raises(IntegrityError) as duplicate, ws.db.session() as s:
        s.execute(copy_shop)
    assert storage_failure(duplicate.value) is None
    assert storage_failure(ValueError("x")) is None
    assert storage_failure(OSError(errno.ENOSPC, "No space left on device")) == DISK_FULL
    assert storage_failure(DatabaseError("db.connection_lost")) == CONNECTION_LOST
    assert storage_failure(DatabaseError("db.too_new", "9")) is None
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as exc:
            raise RuntimeError("while saving") from exc
    except RuntimeError as wrapped:
        assert storage_failure(wrapped) == DISK_FULL  # found through the cause


def test_the_problem_is_logged_once_and_its_end_once(ws: Workspace, caplog: pytest.LogCaptureFixture) -> None:
    health = StorageHealth(ws.db)
    full = OperationalError("INSERT …", {}, Exception("database or disk is full"))
    full.orig = sqlite3.OperationalError("database or disk is full")
    caplog.set_level(logging.INFO, logger="workbench.services.health")
    for _ in range(124):  # a minute of failing ticks
        assert health.report(full) == DISK_FULL
    assert health.report(ValueError("not the storage")) is None
    assert health.problem == DISK_FULL and health.failures == 124
    assert health.recovered() and not health.recovered()
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2, messages
    assert "database writes fail (db.disk_full)" in messages[0] and "INSERT" not in messages[0]
    assert "work again" in messages[1] and "124 failed jobs" in messages[1]


def test_a_full_disk_never_leaves_a_chat_without_its_first_message(ws: Workspace) -> None:
    """Customers keep arriving while the disk fills up a page at a time: each arrival is stored whole or
    not at all. (Before, a chat was created in one transaction and its first message in another: the
    disk filled up between them and a waiting chat without a message stayed forever.)"""
    t = [0.0]
    channel = build_channel(ws, rate_per_min=0.0, seed=11)
    channel.monotonic = lambda: t[0]
    before = set(chats_without_messages(ws.db))
    cap = PageCap(ws.db.engine)
    cap.fill()
    full = cap.pages
    for room in range(1, 16):  # the disk has `room` pages more, then is full again
        cap.pages = full + room
        ws.db.engine.dispose()
        failed_here = 0
        while failed_here < 3:
            t[0] += 1.0
            try:
                channel.spawn()
            except OperationalError as exc:
                assert storage_failure(exc) == DISK_FULL
                failed_here += 1
        assert set(chats_without_messages(ws.db)) == before, f"with {room} pages of room"
    cap.free()
    t[0] += 1.0
    assert any(u.arrived for u in channel.spawn())  # customers come in again once there is room
    assert set(chats_without_messages(ws.db)) == before


def test_a_failed_arrival_rolls_back_the_chat(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first message fails after the chat was created: neither is stored."""
    channel = build_channel(ws, rate_per_min=0.0, seed=5)
    channel.monotonic = lambda: 0.0
    with ws.db.session() as s:
        count_before = s.scalar(select(func.count()).select_from(ConversationRow))
    real_add = ConversationRepository.add_message

    def full_disk(self: ConversationRepository, *args: object, **kwargs: object) -> object:
        raise OperationalError("INSERT INTO messages …", {}, sqlite3.OperationalError("database or disk is full"))

    monkeypatch.setattr(ConversationRepository, "add_message", full_disk)
    with pytest.raises(OperationalError):
        channel.spawn("when_ship")
    monkeypatch.setattr(ConversationRepository, "add_message", real_add)
    with ws.db.session() as s:
        assert s.scalar(select(func.count()).select_from(ConversationRow)) == count_before


def test_the_leaving_note_and_the_end_are_one_write(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    conv = ws.reception.customer_arrives(ws.orders.page(limit=1).rows[0][0].customer_id, first_text="在吗")
    before = ws.reception.messages(conv.id)
    real_set_state = ConversationRepository.set_state

    def failing_end(self: ConversationRepository, *args: object, **kwargs: object) -> object:
        raise OperationalError("UPDATE conversations …", {}, sqlite3.OperationalError("disk I/O error"))

    monkeypatch.setattr(ConversationRepository, "set_state", failing_end)
    with pytest.raises(OperationalError):
        ws.reception.end_with_note(conv.id, "买家已离开", "ignored")
    monkeypatch.setattr(ConversationRepository, "set_state", real_set_state)
    assert ws.reception.messages(conv.id) == before  # no note on a chat that is still open
    ws.reception.end_with_note(conv.id, "买家已离开", "ignored")
    ended = ws.reception.get(conv.id)
    assert ended is not None and ended.end_reason == "ignored"
    assert ws.reception.messages(conv.id)[-1].text == "买家已离开"


# -- PostgreSQL: the connection goes away ------------------------------------------------------------


@pytest.fixture
def pg_url() -> Iterator[str]:
    base = postgres_url()
    if base is None:
        if os.environ.get("WORKBENCH_TEST_PG_REQUIRED"):
            pytest.fail("WORKBENCH_TEST_PG_REQUIRED is set but WORKBENCH_TEST_PG_URL is not")
        pytest.skip("no PostgreSQL server (set WORKBENCH_TEST_PG_URL)")
    name = f"wb_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def cut_connections(url: str, *, allow: bool) -> None:
    """Refuse (or allow again) connections to the test database and end the ones it has."""
    base = postgres_url()
    assert base is not None
    name = make_url(url).database
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"true" if allow else "false"}'))
        if not allow:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
    admin.dispose()


@pytest.mark.postgres
def test_a_lost_postgresql_connection_is_recognised_and_its_return(pg_url: str) -> None:
    db = Database(pg_url)
    db.migrate()
    health = StorageHealth(db)
    try:
        assert health.check() is None
        with db.engine.connect() as held:  # a connection in use when the server goes away
            held.execute(text("SELECT 1"))
            cut_connections(pg_url, allow=False)
            with pytest.raises(OperationalError) as terminated:
                held.execute(text("SELECT 1"))
        assert storage_failure(terminated.value) == CONNECTION_LOST
        with pytest.raises(OperationalError) as refused, db.session() as s:  # and no new one
            s.execute(text("SELECT 1"))
        assert storage_failure(refused.value) == CONNECTION_LOST
        assert health.report(refused.value) == CONNECTION_LOST
        assert health.check() == CONNECTION_LOST
        cut_connections(pg_url, allow=True)
        assert health.check() is None and health.recovered()
    finally:
        db.dispose()
