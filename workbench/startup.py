"""A desk's start-up work, begun by the app before Qt starts.

`DeskStartup` opens the workspace on a background thread — restore a backup if the last session
asked for it, migrate (after a backup), seed the demo into an empty database (or restore it with
--reset-demo), find out who works at the desk, build every service for them — then loads jieba and
builds the KB matcher. On a SQLite file it reads the desk's lists (`first_lists`) as soon as the
database is open and who works at the desk is known (`workbench.entrance`, which imports only what
that needs), before it imports the rest of the program (`workbench.composition`): the window shows
them while the workspace is still being built. Who works at the desk (`login`): a single-seat desk's
owner, or on a shared database a remembered login; when nobody is logged in yet the thread ends
there, the window asks for a password and `open_for` continues on a new thread for the user who
logged in. The window paints at once and fills in when the futures complete; an error in either is
delivered through them, never lost in the thread. This module stays light (the services,
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

from workbench.launch import LaunchConfig, is_sqlite_url

if TYPE_CHECKING:
    from workbench.domain.shops import Agent
    from workbench.entrance import DeskEntrance
    from workbench.kb.matcher import Matcher
    from workbench.services.accounts import DeskLogin
    from workbench.services.backups import BackupService
    from workbench.services.clock import Clock
    from workbench.services.reception import ConversationLists
    from workbench.services.workspace import Workspace

log = logging.getLogger(__name__)

PAINT_WAIT_S = 2.0  # a window that never paints (an error dialog instead) does not hold the work back


class DeskStartup:
    """Implements `workbench.services.workspace.WorkspaceOpening`."""

    def __init__(self, config: LaunchConfig, *, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock
        self.backups: Future[BackupService] = Future()  # first: a workspace that fails may need a restore
        self.login: Future[DeskLogin] = Future()  # the database is open; who works at the desk
        self.workspace: Future[Workspace] = Future()
        self.matcher: Future[Matcher] = Future()
        # The desk's lists and its agent, read before the workspace is built; None when the window
        # reads them itself (a shared server: other desks' changes must not fall between read and follow).
        self.first_lists: Future[tuple[ConversationLists, Agent] | None] = Future()
        self._thread: threading.Thread | None = None
        self._entrance: DeskEntrance | None = None
        self._window_shown = threading.Event()
        self._desk_ready = threading.Event()

    def window_shown(self) -> None:
        """The window has painted: the start-up work may take the interpreter now."""
        self._window_shown.set()

    def desk_ready(self) -> None:
        """The window has finished opening: the KB matcher's semantic stage may load now."""
        self._desk_ready.set()

    def begin(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="workbench-startup", daemon=True)
            self._thread.start()

    def open_for(self, user: Agent) -> None:
        """The user logged in through the window: open the workspace for them (on a new thread)."""
        if self._entrance is None or self.workspace.done():
            raise RuntimeError("the desk is not waiting for a login")
        entrance = self._entrance
        self._thread = threading.Thread(target=self._open, args=(entrance, user), name="workbench-startup", daemon=True)
        self._thread.start()

    def join(self, timeout: float | None = None) -> bool:
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def close(self) -> None:
        """The window closes before anybody logged in: release the database the entrance opened."""
        if self._entrance is not None and not self.workspace.done():
            self._entrance.close()

    def _run(self) -> None:
        self._window_shown.wait(PAINT_WAIT_S)
        from workbench.entrance import desk_backups, open_entrance
        from workbench.services.clock import system_clock

        clock = self.clock or system_clock
        try:
            backups = desk_backups(self.config, clock=clock)
        except BaseException as exc:
            log.error("could not set up the backups: %r", exc)
            for future in (self.backups, self.login, self.workspace, self.matcher, self.first_lists):
                future.set_exception(exc)
            return
        self.backups.set_result(backups)
        try:
            entrance = open_entrance(self.config, clock=clock, backups=backups)
        except BaseException as exc:
            log.error("could not open the database: %r", exc)
            for future in (self.login, self.workspace, self.matcher, self.first_lists):
                future.set_exception(exc)
            return
        self._entrance = entrance
        self.login.set_result(entrance.login)
        if entrance.login.user is not None:  # a single seat, or a remembered login
            self._open(entrance, entrance.login.user)

    def _open(self, entrance: DeskEntrance, user: Agent) -> None:
        from workbench.services.clock import system_clock

        early = is_sqlite_url(self.config.db_url)
        if early:
            # A single seat's lists need only the database: read them before the rest of the program is
            # imported (most of the time to the workspace), so the window shows them meanwhile.
            from workbench.entrance import first_lists

            try:
                self.first_lists.set_result(first_lists(entrance, user, self.config.settings.status_on_login))
            except BaseException as exc:  # the window reads them itself (and reports what fails then)
                log.warning("could not read the desk's lists at start-up: %r", exc)
                self.first_lists.set_result(None)
        from workbench.composition import open_desk

        try:
            ws = open_desk(self.config, clock=self.clock or system_clock, entrance=entrance, user=user)
        except BaseException as exc:
            log.error("could not open the workspace: %r", exc)
            self.workspace.set_exception(exc)
            self.matcher.set_exception(exc)
            if not early:
                self.first_lists.set_exception(exc)
            return
        self.workspace.set_result(ws)
        if not early:  # a shared server: the window reads them after it follows the other desks
            self.first_lists.set_result(None)
        try:
            matcher = ws.matcher.build(semantic_after=self._desk_ready)
        except BaseException as exc:
            log.error("could not build the KB matcher: %r", exc)
            self.matcher.set_exception(exc)
            return
        self.matcher.set_result(matcher)
