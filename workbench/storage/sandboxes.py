"""A student's own shop on a PostgreSQL class server: a schema of the class database.

The schema is named after the student's account id, ``lab_<id>``: an id is a plain number, so the
name is a valid identifier without quoting (usernames may hold Chinese, ``:``, ``.``, ``-``), it is
unique in the class (two sanitised usernames could collide), and it stays when the account is renamed.
Everything of the shop — its tables and Alembic's version table — lives inside that schema; the class
schema (``public``) keeps the accounts, the lab runs, marks and quiz answers.

Creating it (`creation_lock`, `create_schema`) is serialised per student by a PostgreSQL advisory
lock, so two desks of one student that log in at once build and seed it once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from workbench.storage.db import Database, DatabaseError

SANDBOX_PREFIX = "lab_"
LOCK_SPACE = 0x5742  # the advisory locks' first key ("WB"): the second is the student's account id


def sandbox_schema(agent_id: int) -> str:
    """The schema of the student `agent_id`'s own shop."""
    if agent_id <= 0:
        raise ValueError(f"no account {agent_id}")
    return f"{SANDBOX_PREFIX}{agent_id}"


def schema_exists(db: Database, schema: str) -> bool:
    with db.engine.connect() as conn:
        found = conn.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :name"), {"name": schema}).first()
    return found is not None


def sandbox_ready(db: Database, schema: str) -> bool:
    """Whether the schema exists with its shop's tables migrated (the student has logged in once)."""
    with db.engine.connect() as conn:
        found = conn.execute(text("SELECT to_regclass(:name)"), {"name": f"{schema}.alembic_version"}).scalar()
    return found is not None


@contextmanager
def creation_lock(db: Database, agent_id: int) -> Iterator[None]:
    """Hold the student's creation lock (on a connection of the class database `db`) while the body
    runs: a second desk of the same student waits here, then finds the shop made."""
    if db.is_sqlite:
        raise DatabaseError("db.schema_sqlite", sandbox_schema(agent_id))
    with db.engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:space, :id)"), {"space": LOCK_SPACE, "id": agent_id})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:space, :id)"), {"space": LOCK_SPACE, "id": agent_id})
            conn.commit()


def create_schema(db: Database, schema: str) -> None:
    """The schema, empty, unless it is there already (`schema` is one `sandbox_schema` made)."""
    if not schema.startswith(SANDBOX_PREFIX) or not schema[len(SANDBOX_PREFIX) :].isdigit():
        raise DatabaseError("db.bad_schema", schema)
    with db.engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
