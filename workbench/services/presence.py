"""Presence at a desk on a shared server: the heartbeat, and the sweep that takes dead desks offline.

A desk opens a session (`PresenceService.open`: its first heartbeat; an agent who was 离线 is 在线
again, as at a login), beats every `HEARTBEAT_S` seconds on a thread of its own (`Heartbeat`), and
ends the session when it closes (its agent goes 离线 if no other desk of theirs is open, and their
waiting buyers go back to the queue). A desk killed without closing stops beating: after
`OFFLINE_AFTER_S` the next sweep by any live desk — or by routing, before it picks an agent — does
the same for it. Every change is said on the hub (agents, conversations) like any other write.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading

from sqlalchemy.orm import Session

from workbench.domain.presence import HEARTBEAT_S, OFFLINE_AFTER_S, Released
from workbench.domain.shops import Agent, AgentStatus
from workbench.services.notifications import Topic
from workbench.storage.db import Database
from workbench.storage.repositories.presence import PresenceRepository
from workbench.storage.repositories.shops import ShopRepository

log = logging.getLogger(__name__)


def sweep_stale_desks(db: Database, shop_id: int, offline_after_s: float = OFFLINE_AFTER_S) -> Released:
    """Take the agents of desks silent for `offline_after_s` 离线 and put their waiting buyers back in
    the queue (guarded: safe to run from several desks at once). A SQLite database has one desk and
    no heartbeats: nothing to do."""
    if db.is_sqlite:
        return Released()
    with db.session() as s:
        released = PresenceRepository(s).sweep(shop_id, offline_after_s)
        _say(db, s, released)
    if released.agents or released.conversations:
        log.info("stale desks: agents %s offline, conversations %s back in the queue", released.agents,
                 released.conversations)  # fmt: skip
    return released


def _say(db: Database, s: Session, released: Released) -> None:
    for agent_id in released.agents:
        db.notify(s, Topic.AGENTS, agent_id)
    for conversation_id in released.conversations:
        db.notify(s, Topic.CONVERSATIONS, conversation_id)


class PresenceService:
    """This desk's session row (its heartbeat) for its agent."""

    def __init__(self, db: Database, shop_id: int, agent_id: int, *, offline_after_s: float = OFFLINE_AFTER_S) -> None:
        self.db = db
        self.shop_id = shop_id
        self.agent_id = agent_id
        self.offline_after_s = offline_after_s
        self.session_id = secrets.token_hex(16)
        self.host = f"{socket.gethostname()}:{os.getpid()}"

    def open(self) -> Agent | None:
        """The desk opens: its first heartbeat; an agent who was 离线 comes back 在线 (a login).
        Returns the agent as stored now."""
        with self.db.session() as s:
            PresenceRepository(s).beat(self.session_id, self.agent_id, self.host)
            shops = ShopRepository(s)
            agent = next((a for a in shops.agents(self.shop_id) if a.id == self.agent_id), None)
            if agent is not None and agent.status is AgentStatus.OFFLINE:
                agent = shops.set_agent_status(self.agent_id, AgentStatus.ONLINE)
                self.db.notify(s, Topic.AGENTS, self.agent_id)
        return agent

    def beat(self) -> None:
        with self.db.session() as s:
            renewed = PresenceRepository(s).beat(self.session_id, self.agent_id, self.host)
        if renewed:  # the desk was silent long enough to be swept (frozen, or cut off from the server)
            log.warning("this desk's session had been ended as stale; it is open again")

    def sweep(self) -> Released:
        return sweep_stale_desks(self.db, self.shop_id, self.offline_after_s)

    def close(self) -> Released:
        """The desk closes: its session ends; its agent goes 离线 unless another desk of theirs is
        open, and their waiting buyers go back to the queue."""
        with self.db.session() as s:
            repo = PresenceRepository(s)
            repo.end(self.session_id)
            released = repo.release(self.shop_id, [self.agent_id], self.offline_after_s)
            _say(self.db, s, released)
        return released


class Heartbeat:
    """Beats and sweeps every `interval_s` seconds on its own thread; a failure (the server away) is
    logged and tried again at the next beat."""

    def __init__(self, presence: PresenceService, interval_s: float = HEARTBEAT_S) -> None:
        self.presence = presence
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="workbench-heartbeat", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.presence.beat()
                self.presence.sweep()
            except Exception as exc:
                if not self._failing:
                    log.warning("heartbeat failed: %s", exc)
                self._failing = True
            else:
                if self._failing:
                    log.info("heartbeat works again")
                self._failing = False
