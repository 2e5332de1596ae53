"""The knowledge page's services and background jobs.

Every write runs on the tasks' write worker and, right after it commits, hands its change to the
workspace's live matcher (`LiveMatcher.apply`) on the same worker, so the next question — in the
test window or from a customer — sees it. A write made while the matcher is still being built is
applied by the build when it finishes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from workbench.kb.matcher import Matcher
from workbench.services.kb_admin import KbAdminService, KbChange
from workbench.services.kb_io import KbIoService
from workbench.services.live_kb import LiveMatcher
from workbench.services.packs import PackService
from workbench.services.workspace import Workspace
from workbench.ui.tasks import Tasks
from workbench.ui.widgets.guard import while_alive

T = TypeVar("T")


class KbSession(QObject):
    """Shared by the 知识库, 行业包 and 问答测试 tabs."""

    changed = Signal(object)
    """A write was saved and applied to the live matcher; carries its KbChange."""

    def __init__(self, tasks: Tasks, workspace: Workspace, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.workspace = workspace
        self.admin: KbAdminService = workspace.kb_admin
        self.packs: PackService = workspace.packs
        self.io: KbIoService = workspace.kb_io
        self.live: LiveMatcher = workspace.matcher

    # -- the matcher ---------------------------------------------------------------------------

    def current_matcher(self) -> Matcher | None:
        return self.live.current()

    def with_matcher(self, then: Callable[[Matcher], None]) -> None:
        """Call `then` (on the UI thread) with the live matcher, built in the background first if the
        desk has not finished building it."""
        matcher = self.live.current()
        if matcher is not None:
            then(matcher)
            return
        self.tasks.read(self.live.build, while_alive(self, then))

    # -- jobs ----------------------------------------------------------------------------------

    def write(
        self,
        job: Callable[[], T],
        change_of: Callable[[T], KbChange],
        done: Callable[[T], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run a write in the background, apply its change to the live matcher, then `done`."""
        live = self.live

        def run() -> T:
            result = job()
            live.apply(change_of(result))
            return result

        def finished(result: Any) -> None:
            self.changed.emit(change_of(result))  # the lists follow first, then the caller's own step
            if done is not None:
                done(result)

        self.tasks.write(run, while_alive(self, finished), while_alive(self, failed) if failed else None)

    def read(
        self, job: Callable[[], T], done: Callable[[T], None], failed: Callable[[BaseException], None] | None = None
    ) -> None:
        self.tasks.read(job, while_alive(self, done), while_alive(self, failed) if failed else None)
