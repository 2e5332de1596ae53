"""kill -9 a desk while it writes, again and again: the database stays sound and complete.

A headless desk (`desk_writer.py`: simulated customers, agent replies, ended chats, case and customer
notes) acknowledges each write after its commit; the test kills it with SIGKILL at a random moment,
then checks the database: SQLite's integrity check, every acknowledged write present, and no chat
without its first message. DESIGN.md: "a crash or kill at any moment loses nothing that was committed
and leaves no half-written record"."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine, make_url

from tests.conftest import postgres_url
from workbench.storage.db import sqlite_url

WRITER = Path(__file__).with_name("desk_writer.py")
ROOT = Path(__file__).resolve().parents[2]
TABLES = {"chat": "conversations", "msg": "messages", "event": "aftersales_events", "note": "notes"}

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")]


MIN_WRITES_BEFORE_KILL = 10  # each run after the first is killed only once it has written


class Writer:
    """One run of the desk writer, its acknowledged writes collected as they come."""

    def __init__(self, url: str, seed: int, log: Path) -> None:
        self.acks: dict[str, list[int]] = {kind: [] for kind in TABLES}
        self.ready = threading.Event()
        self.writing = threading.Event()  # MIN_WRITES_BEFORE_KILL writes acknowledged
        self._stderr = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, str(WRITER), url, str(seed)],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            kind, _, key = line.strip().partition(" ")
            if kind == "ready":
                self.ready.set()
            elif kind in self.acks and key.isdigit():
                self.acks[kind].append(int(key))
                if self.writes >= MIN_WRITES_BEFORE_KILL:
                    self.writing.set()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)
        self._reader.join(30)  # every line written before the kill is read
        self._stderr.close()

    @property
    def writes(self) -> int:
        return sum(len(v) for v in self.acks.values())


def check(engine: Engine, acks: dict[str, list[int]], *, sqlite: bool) -> None:
    with engine.connect() as conn:
        if sqlite:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        if not inspect(conn).has_table("conversations"):  # killed before its first migration committed
            assert not any(acks.values())
            return
        for kind, table in TABLES.items():
            wanted = set(acks[kind])
            if not wanted:
                continue
            query = text(f"SELECT id FROM {table} WHERE id >= :low")
            found = {row[0] for row in conn.execute(query, {"low": min(wanted)})}
            assert wanted <= found, f"acknowledged {kind} writes lost: {sorted(wanted - found)[:10]}"
        no_message = "NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id)"
        orphans = conn.execute(text(f"SELECT c.id FROM conversations c WHERE {no_message}")).all()
        assert orphans == [], f"chats without their first message: {orphans}"


def kill_repeatedly(url: str, engine: Engine, tmp_path: Path, kills: int, *, sqlite: bool, seed: int) -> int:
    rng = random.Random(seed)
    survived = total = 0
    for n in range(kills):
        writer = Writer(url, seed * 1000 + n, tmp_path / f"writer-{n}.log")
        if n == 0:
            time.sleep(rng.uniform(0.5, 2.5))  # while it migrates and seeds the empty database
        else:
            assert writer.ready.wait(120), (tmp_path / f"writer-{n}.log").read_text()
            # Writing under way (on a loaded machine the first writes can take a while), then the kill
            # lands somewhere among the writes.
            writer.writing.wait(60)
            time.sleep(rng.uniform(0.05, 2.0))  # a random moment among the writes
        writer.kill()
        check(engine, writer.acks, sqlite=sqlite)
        survived += 1
        total += writer.writes
    assert total >= MIN_WRITES_BEFORE_KILL * (kills - 1), f"the desk hardly wrote ({total} writes in {kills} runs)"
    print(f"{survived} kills survived; {total} acknowledged writes, every one found")  # shown with -s
    return survived


def test_sqlite_survives_kill_9_during_writes(tmp_path: Path) -> None:
    path = tmp_path / "workbench.sqlite3"
    url = sqlite_url(path)
    engine = create_engine(url)
    try:
        survived = kill_repeatedly(url, engine, tmp_path, 22, sqlite=True, seed=7)
    finally:
        engine.dispose()
    assert survived == 22


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
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_postgresql_survives_kill_9_during_writes(tmp_path: Path, pg_url: str) -> None:
    engine = create_engine(pg_url)
    try:
        survived = kill_repeatedly(pg_url, engine, tmp_path, 5, sqlite=False, seed=11)
    finally:
        engine.dispose()
    assert survived == 5


def test_a_desk_killed_during_its_first_start_starts_again(tmp_path: Path) -> None:
    """Killed while it migrates and seeds an empty database, the next start opens it (a half-built
    schema could never be migrated again)."""
    rng = random.Random(5)
    for n in range(8):
        path = tmp_path / f"first-{n}.sqlite3"
        url = sqlite_url(path)
        first = Writer(url, n, tmp_path / f"first-{n}.log")
        deadline = time.monotonic() + 60
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.6))  # within the migration or the seeding
        first.kill()
        engine = create_engine(url)
        try:
            check(engine, first.acks, sqlite=True)
        finally:
            engine.dispose()
        again = Writer(url, 100 + n, tmp_path / f"again-{n}.log")
        try:
            assert again.ready.wait(120), (tmp_path / f"again-{n}.log").read_text()
        finally:
            again.kill()
