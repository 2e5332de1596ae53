"""A desk on a shared server (PostgreSQL): what keeps it in step with the other desks.

Built by the composition root for a desk whose database is a server (on SQLite, the single-seat
default, the in-process hub is all there is): the change listener (`LiveChanges`), the desk's
presence (`PresenceService` and its `Heartbeat`), and the `KbFollower` that brings other desks' KB
edits into the live matcher. `close` stops them and ends the desk's session (its agent goes 离线).
"""

from __future__ import annotations

import logging

from workbench.services.live_kb import KbFollower
from workbench.services.notifications import LiveChanges
from workbench.services.presence import Heartbeat, PresenceService

log = logging.getLogger(__name__)


class TeamLink:
    def __init__(
        self, live: LiveChanges, presence: PresenceService, heartbeat: Heartbeat, kb_follower: KbFollower
    ) -> None:
        self.live = live
        self.presence = presence
        self.heartbeat = heartbeat
        self.kb_follower = kb_follower

    @property
    def link_up(self) -> bool:
        """The listener hears the server now (False while it reconnects)."""
        return self.live.link_up

    def close(self) -> None:
        """Stop listening and beating; end this desk's session (its agent goes 离线 if no other desk of
        theirs is open, and their waiting buyers go back to the queue)."""
        self.heartbeat.stop()
        self.live.stop()
        self.kb_follower.close()
        try:
            self.presence.close()
        except Exception as exc:  # the server away: the other desks' sweep does it after the timeout
            log.warning("could not end this desk's session: %s", exc)
        finally:
            self.presence.db.dispose()
