"""The knowledge page's services, background jobs and live matchers.

Every write runs on the tasks' write worker; right after it commits, the change goes into every
live matcher (the main window's, and the page's own while the main one is not built yet) on the
same worker, so the next question — in the test window or from a customer — sees it. A matcher
that shows up later is brought up to date with the edits made so far before it is used.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from workbench.domain.kb import KbEntry
from workbench.kb import tokenizer
from workbench.kb.matcher import Matcher
from workbench.services.kb_admin import KbAdminService, KbChange, apply_change
from workbench.services.kb_io import KbIoService
from workbench.services.packs import PackService
from workbench.services.workspace import Workspace
from workbench.ui.tasks import Tasks
from workbench.ui.widgets.guard import while_alive

log = logging.getLogger(__name__)

T = TypeVar("T")
MatcherProvider = Callable[[], Matcher | None]


class KbSession(QObject):
    """Shared by the 知识库, 行业包 and 问答测试 tabs."""

    changed = Signal(object)
    """A write was saved and applied to the live matchers; carries its KbChange."""

    def __init__(
        self, tasks: Tasks, workspace: Workspace, matcher_provider: MatcherProvider, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.workspace = workspace
        db, shop_id, clock = workspace.db, workspace.shop.id, workspace.clock
        self.admin = KbAdminService(db, shop_id, clock)
        self.packs = PackService(db, shop_id, clock)
        self.io = KbIoService(db, shop_id, clock)
        self._provider = matcher_provider
        self._own: Matcher | None = None
        self._building = False
        self._waiting: list[Callable[[Matcher], None]] = []
        self._edits: dict[int, KbEntry | None] = {}  # latest live form of every entry edited here; None: removed
        self._synced: weakref.WeakSet[Matcher] = weakref.WeakSet()

    # -- matchers ----------------------------------------------------------------------------

    def provided_matcher(self) -> Matcher | None:
        try:
            return self._provider()
        except Exception:  # the provider belongs to the window; never let it break the page
            log.exception("matcher provider failed")
            return None

    def matchers(self) -> list[Matcher]:
        found = [m for m in (self.provided_matcher(), self._own) if m is not None]
        return list(dict.fromkeys(found))

    def with_matcher(self, then: Callable[[Matcher], None]) -> None:
        """Call `then` (on the UI thread) with an up-to-date matcher: the main window's, or the
        page's own, built in the background from the shop's entries while there is none."""
        matcher = self.provided_matcher() or self._own
        if matcher is not None:
            self._sync(matcher, then)
            return
        self._waiting.append(then)
        if self._building:
            return
        self._building = True
        admin = self.admin

        def build() -> Matcher:
            tokenizer.ensure_loaded()
            return Matcher(admin.live_entries())

        def built(m: Matcher) -> None:
            self._building = False
            self._own = m
            waiting, self._waiting = self._waiting, []
            for callback in waiting:
                self._sync(m, callback)

        def failed(exc: BaseException) -> None:
            self._building = False
            self._waiting = []
            log.error("could not build the test matcher: %r", exc)

        self.tasks.read(build, while_alive(self, built), while_alive(self, failed))

    def _sync(self, matcher: Matcher, then: Callable[[Matcher], None]) -> None:
        if matcher in self._synced or not self._edits:
            self._synced.add(matcher)
            then(matcher)
            return
        backlog = self._backlog()

        def done(_: object) -> None:
            self._synced.add(matcher)
            then(matcher)

        self.tasks.write(lambda: apply_change([matcher], backlog), while_alive(self, done))

    def _backlog(self) -> KbChange:
        """Every edit made on this page so far, as one change."""
        upserts = tuple(e for e in self._edits.values() if e is not None)
        removed = tuple(i for i, e in self._edits.items() if e is None)
        return KbChange(upserts, removed)

    # -- writes ------------------------------------------------------------------------------

    def write(
        self,
        job: Callable[[], T],
        change_of: Callable[[T], KbChange],
        done: Callable[[T], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run a write in the background, apply its change to the live matchers, then `done`."""
        matchers = self.matchers()
        stale = [m for m in matchers if m not in self._synced]
        backlog = self._backlog() if stale and self._edits else None

        def run() -> T:
            result = job()
            if backlog is not None:  # a matcher that appeared after earlier edits catches up first
                apply_change(stale, backlog)
            apply_change(matchers, change_of(result))
            return result

        def finished(result: Any) -> None:
            change = change_of(result)
            for entry_id in change.removed:
                self._edits[entry_id] = None
            for entry in change.upserts:
                self._edits[entry.id] = entry
            for m in matchers:  # each had the backlog (if it lacked it) and this change
                self._synced.add(m)
            self.changed.emit(change)  # the lists follow first, then the caller's own step
            if done is not None:
                done(result)

        self.tasks.write(run, while_alive(self, finished), while_alive(self, failed) if failed else None)

    def read(
        self, job: Callable[[], T], done: Callable[[T], None], failed: Callable[[BaseException], None] | None = None
    ) -> None:
        self.tasks.read(job, while_alive(self, done), while_alive(self, failed) if failed else None)
