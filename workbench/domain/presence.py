"""Presence: which agents have a desk open right now.

Each desk on a shared server writes a heartbeat row every `HEARTBEAT_S` seconds (by the database
server's clock, so desks on different computers compare the same clock). An agent whose desks all
stopped beating for `OFFLINE_AFTER_S` counts as 离线: routing gives them no new buyers, every view
shows them 离线, and their waiting buyers (assigned, not yet accepted) go back to the queue. Agents
that never had a desk (the classroom's simulated colleagues) keep the status stored for them.
"""

from __future__ import annotations

from dataclasses import dataclass

HEARTBEAT_S = 5.0
OFFLINE_AFTER_S = 30.0


@dataclass(frozen=True, slots=True)
class Released:
    """What a sweep of stale desks did: agents now 离线, and conversations back in the queue."""

    agents: tuple[int, ...] = ()
    conversations: tuple[int, ...] = ()
