"""One running program per data dir: a second start brings the running window to the front and exits.

Two programs on one data dir would run two simulators on one database file. The first start takes a
`QLockFile` in the data dir (stale-lock aware: a lock whose process is gone — crashed, killed, or
from before a reboot — is taken over); a later start that finds it held writes a request file into
the data dir's ``instance/`` folder and waits for the running program to take it away. The running
program watches that folder (`QFileSystemWatcher`, with a polling fallback) and brings its window to
the front.

Files rather than a local socket: Qt's local sockets are in QtNetwork, which the installers leave
out (see packaging/bundle_filters.py), and the data dir is what names "the same program" anyway.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QLockFile, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget

from workbench.paths import AppPaths

log = logging.getLogger(__name__)

REQUEST_SUFFIX = ".request"
HAND_OVER_TIMEOUT_S = 10.0  # the running program may still be starting (its window not up yet)
POLL_MS = 1000  # only when the folder cannot be watched


class InstanceLock:
    """The data dir's lock: held by the running program, released when it exits (or dies)."""

    def __init__(self, paths: AppPaths) -> None:
        self.paths = paths
        self.requests = paths.data / "instance"
        self.lock = QLockFile(str(paths.data / "workbench.lock"))
        # Stale only when its process is gone (QLockFile checks the pid, the process name and the
        # boot), however long the program has been running: no age limit.
        self.lock.setStaleLockTime(0)

    def acquire(self) -> bool:
        """Take the lock; False when another running program holds it. A lock that cannot be taken
        for another reason (an odd file system) does not stop the program: it is logged."""
        if self.lock.tryLock(0):
            self.requests.mkdir(parents=True, exist_ok=True)
            return True
        if self.lock.error() == QLockFile.LockError.LockFailedError:
            return False
        log.warning("could not lock the data dir %s (%s); starting without the one-program guard",
                    self.paths.data, self.lock.error())  # fmt: skip
        return True

    def holder(self) -> int | None:
        """The process id of the program holding the lock, if it can be read."""
        info = self.lock.getLockInfo()  # PySide6: (pid, hostname, appname)
        pid = info[0] if isinstance(info, tuple) and info else None
        return pid if isinstance(pid, int) and not isinstance(pid, bool) and pid > 0 else None

    def release(self) -> None:
        if self.lock.isLocked():
            self.lock.unlock()

    def ask_to_show(self, timeout_s: float = HAND_OVER_TIMEOUT_S) -> bool:
        """Ask the running program to bring its window to the front; True once it has taken the
        request (it deletes the file), False if it did not within `timeout_s`."""
        self.requests.mkdir(parents=True, exist_ok=True)
        request = self.requests / f"show-{os.getpid()}-{time.monotonic_ns()}{REQUEST_SUFFIX}"
        request.write_text("show\n", encoding="utf-8")
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not request.exists():
                return True
            time.sleep(0.05)
        request.unlink(missing_ok=True)  # not taken: leave no request for a later program
        return False


class ShowRequests(QObject):
    """In the running program: notices other starts' requests and takes them away."""

    show_requested = Signal()
    """Another start on this data dir asked for the window."""

    def __init__(self, folder: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(lambda _path: self.take())
        self.poll = QTimer(self)
        self.poll.setInterval(POLL_MS)
        self.poll.timeout.connect(self.take)
        if not self.watcher.addPath(str(folder)):  # e.g. out of inotify watches
            log.warning("cannot watch %s; checking it every second instead", folder)
            self.poll.start()
        QTimer.singleShot(0, self, self.take)  # a start that came while this one was starting

    def take(self) -> None:
        try:
            requests = [p for p in self.folder.iterdir() if p.name.endswith(REQUEST_SUFFIX)]
        except OSError:
            return
        taken = 0
        for request in requests:
            try:
                request.unlink()
                taken += 1
            except FileNotFoundError:
                continue  # its program gave up waiting
            except OSError as exc:
                log.warning("could not take the request %s: %s", request, exc)
        if taken:
            self.show_requested.emit()


def bring_to_front(window: QWidget) -> None:
    """Show the window over the others (a desktop that refuses to hand over the focus — Windows does
    for a background program — flashes it in the task bar instead)."""
    if window.isMinimized():
        window.showNormal()
    else:
        window.show()
    window.raise_()
    window.activateWindow()
    QApplication.alert(window)
    log.info("window brought to the front: another start on the same data dir")
