"""Uncaught exceptions reach the log and one short dialog (never opened from a worker thread); the
window's geometry is kept in the data dir; another start's request brings the window to the front."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThread, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory
from workbench.paths import AppPaths
from workbench.ui.instance import InstanceLock, ShowRequests
from workbench.ui.lifecycle import CrashReporter


@pytest.fixture
def reporter(qtbot: QtBot, tmp_path: Path) -> Iterator[CrashReporter]:
    parent = QWidget()
    qtbot.addWidget(parent)
    crashes = CrashReporter(tmp_path / "logs" / "workbench.log", parent)
    crashes.install()
    yield crashes
    crashes.uninstall()
    if crashes.dialog is not None:
        crashes.dialog.close()


def _boom() -> None:
    raise RuntimeError("a slot that fails")


@pytest.mark.qt_no_exception_capture  # the program's own hook, not pytest-qt's
def test_an_exception_in_a_slot_is_logged_and_told_once(
    qtbot: QtBot, reporter: CrashReporter, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    with caplog.at_level(logging.CRITICAL), qtbot.waitSignal(reporter.reported, timeout=5_000) as shown:
        QTimer.singleShot(0, _boom)
    record = next(r for r in caplog.records if r.message == "uncaught exception")
    assert record.exc_info is not None and "a slot that fails" in str(record.exc_info[1])
    assert str(tmp_path / "logs" / "workbench.log") in shown.args[0]
    assert reporter.dialog is not None and "RuntimeError: a slot that fails" in reporter.dialog.detailedText()

    QTimer.singleShot(0, _boom)  # a second one while the dialog is open: logged, no second dialog
    qtbot.waitUntil(lambda: reporter.suppressed == 1)
    assert len([b for b in reporter.parent_widget.findChildren(QMessageBox) if b.isVisible()]) == 1  # type: ignore[union-attr]
    reporter.dialog.grab().save(str(tmp_path / "crash-report.png"))
    reporter.dialog.done(0)
    qtbot.waitUntil(lambda: reporter.dialog is None)


def test_an_exception_in_a_thread_is_told_on_the_gui_thread(
    qtbot: QtBot, reporter: CrashReporter, caplog: pytest.LogCaptureFixture
) -> None:
    opened_on: list[QThread] = []
    reporter.reported.connect(lambda _text: opened_on.append(QThread.currentThread()))

    def work() -> None:
        raise ValueError("a worker that fails")

    with caplog.at_level(logging.CRITICAL), qtbot.waitSignal(reporter.reported, timeout=5_000):
        thread = threading.Thread(target=work, name="worker-x")
        thread.start()
        thread.join()
    assert opened_on == [QApplication.instance().thread()]  # type: ignore[union-attr]
    assert any("worker-x" in r.getMessage() and r.exc_info for r in caplog.records)


def test_the_window_geometry_is_kept_in_the_data_dir(make_window: WindowFactory, tmp_path: Path) -> None:
    data = tmp_path / "data"
    window = make_window(data)
    window.resize(1000, 650)  # within the offscreen screen (1024 × 768), which restoring fits a window to
    size = (window.width(), window.height())
    assert size != (1360, 840)  # not the default
    window.close()
    state = AppPaths.under(data).window_state_file
    assert state.exists() and "geometry" in state.read_text(encoding="utf-8")
    again = make_window(data)
    assert (again.width(), again.height()) == size


def test_another_starts_request_brings_the_window_to_the_front(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    window = make_window(data)
    running = InstanceLock(AppPaths.under(data))
    assert running.acquire()
    requests = ShowRequests(running.requests, window)
    second = InstanceLock(AppPaths.under(data))
    assert not second.acquire()  # the same data dir is taken
    assert second.holder() is not None
    window.showMinimized()
    asked: list[bool] = []
    with qtbot.waitSignal(requests.show_requested, timeout=10_000):
        thread = threading.Thread(target=lambda: asked.append(second.ask_to_show(timeout_s=10)))
        thread.start()
    thread.join()
    assert asked == [True]
    running.release()
    assert second.acquire()
    second.release()
