"""The program's life as a process: Ctrl+C and SIGTERM close it like its window's close button, and
an exception nobody caught is logged and told, never lost.

Signals: Python runs its signal handlers only between bytecodes, and while Qt's event loop waits in
C++ there are none. `signal.set_wakeup_fd` makes the C-level handler write to a socket a
`QSocketNotifier` watches; the notifier's slot runs Python on the GUI thread, which runs the
handlers, which ask the window to close through the event loop. A second signal while closing ends
the program at once (the default action).

Uncaught exceptions (in a slot, in any thread): `sys.excepthook` and `threading.excepthook` log them
with their traceback and ask, through a queued signal, for one short dialog naming the log file.
The dialog opens on the GUI thread only, and only one at a time.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, QSocketNotifier, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

log = logging.getLogger(__name__)

CLOSING_SIGNALS = tuple(s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None)) if s)


class SignalCloser(QObject):
    """Turns SIGINT and SIGTERM into `close()` (the window's normal close path)."""

    close_requested = Signal(int)
    """A closing signal arrived (its number); `close` runs next."""

    def __init__(self, close: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._close = close
        self._received: list[int] = []
        self._reader, self._writer = socket.socketpair()
        for sock in (self._reader, self._writer):
            sock.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno())
        self._previous = {sig: signal.signal(sig, self._on_signal) for sig in CLOSING_SIGNALS}
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._wake)

    def _on_signal(self, signum: int, _frame: object) -> None:
        # Runs between bytecodes on the main thread: only note it, the event loop does the rest.
        self._received.append(signum)
        signal.signal(signum, signal.SIG_DFL)  # a second one ends the program if closing hangs

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._reader.recv(256)
        received, self._received = self._received, []
        for signum in received:
            log.info("received %s: closing as if the window were closed", signal.Signals(signum).name)
            self.close_requested.emit(signum)
            QTimer.singleShot(0, self._close)

    def uninstall(self) -> None:
        """Put back what was there before (tests and a program that goes on after the window)."""
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._reader.close()
        self._writer.close()


def close_everything() -> None:
    """Close every window (the main window's `closeEvent` saves its state and closes the workspace;
    an open dialog's own loop ends), then leave the event loop."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        app.closeAllWindows()
        app.quit()


class CrashReporter(QObject):
    """Logs uncaught exceptions and shows one short dialog at a time with the log file's path."""

    _report = Signal(str)  # emitted from any thread; delivered on the GUI thread
    reported = Signal(str)
    """A dialog about an uncaught exception opened (its text)."""

    def __init__(self, log_file: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.log_file = log_file
        self.parent_widget = parent
        self.dialog: QMessageBox | None = None
        self.suppressed = 0  # reported while a dialog was open
        self._report.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self._previous = (sys.excepthook, threading.excepthook)

    def install(self) -> None:
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook

    def uninstall(self) -> None:
        sys.excepthook, threading.excepthook = self._previous

    def excepthook(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        log.critical("uncaught exception", exc_info=(exc_type, exc, tb))
        self._report.emit(self._summary(exc_type, exc))

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        exc = args.exc_value
        if args.exc_type is SystemExit or exc is None:
            return
        name = args.thread.name if args.thread is not None else "?"
        log.critical("uncaught exception in thread %s", name, exc_info=(args.exc_type, exc, args.exc_traceback))
        self._report.emit(self._summary(args.exc_type, exc))

    @staticmethod
    def _summary(exc_type: type[BaseException], exc: BaseException | None) -> str:
        return "".join(traceback.format_exception_only(exc_type, exc)).strip()[:300]

    def _show(self, summary: str) -> None:
        if self.dialog is not None:
            self.suppressed += 1
            log.info("another uncaught exception while its dialog is open (%d)", self.suppressed)
            return
        text = self.tr(
            "发生了一个意外错误，已记录在日志中：\n{log}\n\n工作台可以继续使用。如果问题反复出现，请把这个日志文件发给技术支持。"
        ).format(log=self.log_file)
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("程序出错"), text, QMessageBox.StandardButton.Ok,
                          self.parent_widget)  # fmt: skip
        box.setObjectName("crashReport")
        box.setDetailedText(summary)
        box.finished.connect(self._closed)
        self.dialog = box
        box.open()
        self.reported.emit(text)

    def _closed(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None
