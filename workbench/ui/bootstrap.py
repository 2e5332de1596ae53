"""Starts Qt: application object, font, translator, style, error dialogs and the main window.

Everything that needs no Qt (paths, logging, jieba's cache, opening the workspace) was begun by the
app before this runs.
"""

from __future__ import annotations

import logging
import sys
from importlib import resources
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QGuiApplication, QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QMessageBox

from workbench import __version__
from workbench.launch import LaunchConfig
from workbench.ui.backups import OpenFailure, restorable_failure
from workbench.ui.errors import error_text
from workbench.ui.gc_guard import GuiThreadGarbageCollector
from workbench.ui.instance import InstanceLock, ShowRequests, bring_to_front
from workbench.ui.lifecycle import CrashReporter, SignalCloser, close_everything
from workbench.ui.startup_notices import workspace_open
from workbench.ui.theme import apply_font, apply_theme, install_translator, theme_for_settings

if TYPE_CHECKING:  # the services load on the start-up thread, not before the first paint
    from workbench.services.workspace import WorkspaceOpening

log = logging.getLogger(__name__)

SMOKE_TIMEOUT_MS = 60_000
SWITCH_INTERVAL_S = 0.001


def application_icon() -> QIcon:
    """The window and taskbar icon at every size in workbench/assets/icons (packaging/make_icons.py)."""
    icon = QIcon()
    for entry in sorted((resources.files("workbench.assets") / "icons").iterdir(), key=lambda e: e.name):
        if entry.name.startswith("workbench-") and entry.name.endswith(".png"):
            pixmap = QPixmap()
            pixmap.loadFromData(entry.read_bytes(), "PNG")
            icon.addPixmap(pixmap)
    return icon


def create_application(config: LaunchConfig) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    QCoreApplication.setOrganizationName("Workbench")
    QCoreApplication.setApplicationName("Workbench")
    QCoreApplication.setApplicationVersion(__version__)
    QGuiApplication.setDesktopFileName("workbench")  # Wayland docks match the window to workbench.desktop
    app.setWindowIcon(application_icon())
    apply_font(app, config.settings.font_size)
    install_translator(app, config.settings.language)
    apply_theme(app, theme_for_settings(config.settings.theme))
    if not hasattr(app, "_workbench_gc"):
        app._workbench_gc = GuiThreadGarbageCollector(app)  # type: ignore[attr-defined]
    # Workers (matching, the simulated customers' writes, list reads) run Python code too: the UI thread
    # waiting for the interpreter lock gets it after 1 ms instead of the default 5, every time it runs a
    # slot or paints (measured with `python -m workbench.bench assist`: p95 to painted suggestions).
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    return app


def run_gui(config: LaunchConfig, opening: WorkspaceOpening, instance: InstanceLock | None = None) -> int:
    """The window until it closes: by its close button, Ctrl+C or SIGTERM alike (the window saves its
    state and closes the workspace). Another start on the data dir (`instance`) brings it to the front."""
    app = create_application(config)
    from workbench.ui.main_window import MainWindow

    window = MainWindow(config, opening)
    closer = SignalCloser(close_everything, app)
    crashes = CrashReporter(config.paths.logs / "workbench.log", window)
    crashes.install()
    if instance is not None:
        requests = ShowRequests(instance.requests, window)
        requests.show_requested.connect(lambda: bring_to_front(window))
    window.workspace_ready.connect(lambda: log.info("desk ready"))
    exit_code = 0

    def failed(text: str) -> None:
        nonlocal exit_code
        if not config.smoke_test and workspace_open(window):
            return  # only the KB matcher failed: the desk works without suggestions (a notice says so)
        exit_code = 2
        if config.smoke_test:
            print(f"smoke test failed: {text}", file=sys.stderr)
        else:
            backups = opening.backups.result() if opening.backups.done() and not opening.backups.exception() else None
            exc = opening.workspace.exception() if opening.workspace.done() else None
            OpenFailure(text, window.tasks, backups, restorable_failure(exc, backups), window).run()
        app.exit(2)

    window.workspace_failed.connect(failed)
    if config.smoke_test:
        # Paint with demo data, check the KB matcher's sentence model loads (a bundle missing its
        # files or with a broken numpy would otherwise only log that matching stays lexical), then
        # leave through the normal close path.
        def ready() -> None:
            nonlocal exit_code
            from workbench.kb import semantic

            if semantic.load_model() is None:
                print("smoke test failed: the KB matcher's sentence model could not be loaded", file=sys.stderr)
                exit_code = 4
            QTimer.singleShot(200, window.close)

        window.workspace_ready.connect(ready)

        def too_slow() -> None:
            nonlocal exit_code
            print("smoke test failed: the main window did not become ready", file=sys.stderr)
            exit_code = 3
            app.exit(3)

        QTimer.singleShot(SMOKE_TIMEOUT_MS, too_slow)
    window.show()
    window.start()
    code = app.exec()
    closer.uninstall()
    crashes.uninstall()
    log.info("workbench closed (exit code %d)", exit_code or code)
    return exit_code or code


def hand_over(config: LaunchConfig, instance: InstanceLock) -> int:
    """Another program runs on this data dir: ask it to bring its window to the front, say so on
    stderr, and exit (0 when it answered)."""
    create_application(config)  # for the message in the UI language
    path = config.paths.data
    if config.smoke_test:
        print(
            QCoreApplication.translate("bootstrap", "另一个工作台正在使用数据目录 {path}，冒烟测试没有运行。").format(
                path=path
            ),
            file=sys.stderr,
        )
        return 1
    if instance.ask_to_show():
        print(
            QCoreApplication.translate("bootstrap", "工作台已经在使用数据目录 {path}，已切换到它的窗口。").format(
                path=path
            ),
            file=sys.stderr,
        )
        return 0
    print(
        QCoreApplication.translate(
            "bootstrap",
            "另一个工作台（进程 {pid}）正在使用数据目录 {path}，但没有响应。请切换到它的窗口，或结束它后再启动。",
        ).format(pid=instance.holder() or "?", path=path),
        file=sys.stderr,
    )
    return 1


def show_fatal(config: LaunchConfig, exc: BaseException) -> int:
    """The program cannot start at all (e.g. its data dir is unusable): say why and exit 2."""
    create_application(config)
    text = error_text(exc)
    print(text, file=sys.stderr)
    if not config.smoke_test:
        QMessageBox.critical(None, QCoreApplication.translate("bootstrap", "无法启动工作台"), text)
    return 2
