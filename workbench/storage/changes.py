"""What a unit of work changed, and how it travels to the other desks.

A service says what it changed with `Database.notify(session, topic, key)` while its transaction is
open (or `note(session, topic, key)` where it only has the session). The changes are collected on the
session; on PostgreSQL `Database.session` sends them with ``pg_notify`` just before the commit, in the
same transaction, so the server delivers them to the listening desks when, and only if, the
transaction commits. After the commit the workspace's own subscribers hear them in-process.

On the wire, a NOTIFY on channel ``workbench_changes`` whose payload is ``"<origin> <topic> <key>"``,
e.g. ``"3f9a1c2e conversations 42"``; the key is ``-`` for "several rows" (the reader re-reads the
topic's lists). The origin names the workspace that wrote it, so a desk skips its own changes (it heard
them in-process already). Topics are names the services define (`workbench.services.notifications`);
storage carries them as plain strings.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

CHANNEL = "workbench_changes"
SEVERAL = "-"
MAX_KEYS = 50  # more rows of one topic in one transaction are sent as one "several" (a bulk edit)
_PENDING = "workbench.changes"  # where a session keeps its changes (Session.info)


@dataclass(frozen=True, slots=True)
class StoredChange:
    """`topic` changed: row `key`, or several rows (None)."""

    topic: str
    key: int | None = None


def note(session: Session, topic: str, key: int | None = None) -> None:
    """Record in the session's unit of work that `topic` (row `key`, None for several) changed."""
    pending: dict[str, dict[int, None] | None] = session.info.setdefault(_PENDING, {})
    if key is None:
        pending[topic] = None
        return
    keys = pending.setdefault(topic, {})
    if keys is not None:
        keys[key] = None
        if len(keys) > MAX_KEYS:
            pending[topic] = None


def take(session: Session) -> tuple[StoredChange, ...]:
    """The session's changes, in the order first said, each once; forgotten by the session."""
    pending: dict[str, dict[int, None] | None] = session.info.pop(_PENDING, {})
    changes: list[StoredChange] = []
    for topic, keys in pending.items():
        if keys is None:
            changes.append(StoredChange(topic, None))
        else:
            changes.extend(StoredChange(topic, key) for key in keys)
    return tuple(changes)


def send(session: Session, origin: str, changes: tuple[StoredChange, ...]) -> None:
    """NOTIFY the changes in the session's transaction (PostgreSQL), in one round trip."""
    if changes:
        session.execute(select(*(func.pg_notify(CHANNEL, encode(origin, c)) for c in changes)))


def encode(origin: str, change: StoredChange) -> str:
    return f"{origin} {change.topic} {SEVERAL if change.key is None else change.key}"


def decode(payload: str) -> tuple[str, StoredChange] | None:
    """(origin, change) from a NOTIFY payload; None for one this program did not write."""
    parts = payload.split(" ")
    if len(parts) != 3 or not parts[1]:
        return None
    origin, topic, key = parts
    if key == SEVERAL:
        return origin, StoredChange(topic, None)
    if not key.isdigit():
        return None
    return origin, StoredChange(topic, int(key))
