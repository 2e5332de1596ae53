"""The workspace's one live KB matcher: everything that answers from the knowledge base uses it.

It is built once, off the UI thread, from the entries as the bot sees them today (answers outside
their validity window left out). Every KB write hands its change to `apply` right after it commits,
so the next question sees it. A write that lands while the matcher is being built is kept and
applied when the build finishes, so nothing is lost to the race between reading the entries and
the write. Once a day `check_day` swaps in the answers whose validity window opened or closed.
"""

from __future__ import annotations

import threading
from datetime import date

from workbench.domain.kb import KbEntry
from workbench.kb import tokenizer
from workbench.kb.matcher import Matcher
from workbench.services.kb_admin import KbAdminService, KbChange, apply_change


class LiveMatcher:
    def __init__(self, kb_admin: KbAdminService) -> None:
        self._kb_admin = kb_admin
        self._state = threading.Lock()  # guards the fields below; held only briefly
        self._building = threading.Lock()  # one build at a time; later callers wait for it
        self._matcher: Matcher | None = None
        self.day: date | None = None  # the date the matcher's answers are for (set by the build)
        self._backlog: dict[int, KbEntry | None] = {}  # writes seen before the build finished; None: removed

    def current(self) -> Matcher | None:
        """The matcher if it is built, else None (callers show lexical-free fallbacks meanwhile)."""
        return self._matcher

    def build(self) -> Matcher:
        """The matcher, built now if it is not yet (blocks: call from a worker thread)."""
        if self._matcher is not None:
            return self._matcher
        with self._building:
            if self._matcher is not None:
                return self._matcher
            tokenizer.ensure_loaded()
            day = self._kb_admin.today()
            matcher = Matcher(self._kb_admin.live_entries())
            matcher.match("预热")  # the first query pays jieba's remaining start-up, not a customer
            with self._state:
                apply_change([matcher], self._drain_backlog())
                self._matcher, self.day = matcher, day
            return matcher

    def apply(self, change: KbChange) -> None:
        """A committed KB write: into the matcher now, or into the build that is under way."""
        with self._state:
            if self._matcher is None:
                for entry_id in change.removed:
                    self._backlog[entry_id] = None
                for entry in change.upserts:
                    self._backlog[entry.id] = entry
                return
            apply_change([self._matcher], change)

    def check_day(self) -> bool:
        """On a new date, give the matcher the answers whose validity window opened or closed since
        the last check; True if the date moved on. On failure the date stays, to try again later."""
        today = self._kb_admin.today()
        with self._state:
            previous = self.day
            if self._matcher is None or previous is None or today == previous:
                return False
            self.day = today  # a second check meanwhile has nothing to do
        try:
            self.apply(self._kb_admin.day_change(previous))
        except BaseException:
            with self._state:
                if self.day == today:
                    self.day = previous
            raise
        return True

    def _drain_backlog(self) -> KbChange:
        upserts = tuple(e for e in self._backlog.values() if e is not None)
        removed = tuple(i for i, e in self._backlog.items() if e is None)
        self._backlog = {}
        return KbChange(upserts, removed)
