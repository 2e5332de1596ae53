"""A cheap check that the database takes writes again (after a full disk or a lost connection)."""

from __future__ import annotations

import os
import uuid

from sqlalchemy import Column, LargeBinary, MetaData, Table, insert

from workbench.storage.db import Database

PROBE_BYTES = 32 * 1024  # a write that needs fresh pages, as the desk's next writes will


def check_writable(db: Database) -> None:
    """Write and remove a little data in one transaction; raises what the database raises if it cannot.

    A scratch table of its own (unique name, dropped in the same transaction, so nothing is left and
    no other desk is disturbed) holds a block of random bytes: a full disk or a lost connection fails
    this as it fails real writes, and the committed transaction leaves the schema as it was."""
    table = Table(f"wb_probe_{uuid.uuid4().hex[:12]}", MetaData(), Column("payload", LargeBinary))
    with db.engine.begin() as conn:
        table.create(conn)
        conn.execute(insert(table), {"payload": os.urandom(PROBE_BYTES)})
        table.drop(conn)
