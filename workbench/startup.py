"""A desk's start-up work, begun by the app before Qt starts.

`DeskStartup` opens the workspace on a background thread — restore a backup if the last session
asked for it, migrate (after a backup), seed the demo into an empty database (or restore it with
--reset-demo), build every service — then loads jieba and builds the
KB matcher. The window paints at once and fills in when the two futures complete; an error in
either is delivered through them, never lost in the thread. This module stays light (the services,
SQLAlchemy and jieba are imported on the thread), so the first paint does not wait for them.

The thread is started before Qt but holds back until the window says it has painted (or
`PAINT_WAIT_S` passed): the work and the window's construction both need the one interpreter lock,
and running them together delayed the first paint by about a third for no gain in the time to ready
(measured with `python -m workbench.bench startup`).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING

from workbench.launch import LaunchConfig

if TYPE_CHECKING:
    from workbench.kb.matcher import Matcher
    from workbench.services.backups import BackupService
    from workbench.services.clock import Clock
    from workbench.services.workspace import Workspace

log = logging.getLogger(__name__)

PAINT_WAIT_S = 2.0  # a window that never paints (an error dialog instead) does not hold the work back


class DeskStartup:
    """Implements `workbench.services.workspace.WorkspaceOpening`."""

    def __init__(self, config: LaunchConfig, *, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock
        self.backups: Future[BackupService] = Future()  # first: a workspace that fails may need a restore
        self.workspace: Future[Workspace] = Future()
        self.matcher: Future[Matcher] = Future()
        self._thread: threading.Thread | None = None
        self._window_shown = threading.Event()

    def window_shown(self) -> None:
        """The window has painted: the start-up work may take the interpreter now."""
        self._window_shown.set()

    def begin(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="workbench-startup", daemon=True)
            self._thread.start()

    def join(self, timeout: float | None = None) -> bool:
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        self._window_shown.wait(PAINT_WAIT_S)
        from workbench.composition import desk_backups, open_desk
        from workbench.services.clock import system_clock

        clock = self.clock or system_clock
        try:
            backups = desk_backups(self.config, clock=clock)
        except BaseException as exc:
            log.error("could not set up the backups: %r", exc)
            for future in (self.backups, self.workspace, self.matcher):
                future.set_exception(exc)
            return
        self.backups.set_result(backups)
        try:
            ws = open_desk(self.config, clock=clock, backups=backups)
        except BaseException as exc:
            log.error("could not open the workspace: %r", exc)
            self.workspace.set_exception(exc)
            self.matcher.set_exception(exc)
            return
        self.workspace.set_result(ws)
        try:
            matcher = ws.matcher.build()
        except BaseException as exc:
            log.error("could not build the KB matcher: %r", exc)
            self.matcher.set_exception(exc)
            return
        self.matcher.set_result(matcher)
