"""Starts Qt: application object, font, translator, style, error dialogs and the main window."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from workbench import __version__
from workbench.kb import tokenizer
from workbench.launch import LaunchConfig
from workbench.logging_setup import setup_logging
from workbench.paths import DataDirError
from workbench.ui.errors import error_text
from workbench.ui.gc_guard import GuiThreadGarbageCollector
from workbench.ui.theme import STYLE_SHEET, apply_font, install_translator

log = logging.getLogger(__name__)

SMOKE_TIMEOUT_MS = 60_000


def create_application(config: LaunchConfig) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    QCoreApplication.setOrganizationName("Workbench")
    QCoreApplication.setApplicationName("Workbench")
    QCoreApplication.setApplicationVersion(__version__)
    apply_font(app, config.settings.font_size)
    install_translator(app, config.settings.language)
    app.setStyleSheet(STYLE_SHEET)
    if not hasattr(app, "_workbench_gc"):
        app._workbench_gc = GuiThreadGarbageCollector(app)  # type: ignore[attr-defined]
    return app


def run_gui(config: LaunchConfig) -> int:
    app = create_application(config)
    try:
        config.paths.ensure()
    except DataDirError as exc:
        return _fatal(config, error_text(exc))
    setup_logging(config.paths.logs)
    tokenizer.set_cache_dir(config.paths.cache / "jieba")
    log.info("starting workbench %s", __version__)

    from workbench.ui.main_window import MainWindow

    window = MainWindow(config)
    exit_code = 0

    def failed(text: str) -> None:
        nonlocal exit_code
        exit_code = 2
        if config.smoke_test:
            print(f"smoke test failed: {text}", file=sys.stderr)
        else:
            QMessageBox.critical(window, QCoreApplication.translate("bootstrap", "无法打开工作台"), text)
        app.exit(2)

    window.workspace_failed.connect(failed)
    if config.smoke_test:
        # Paint with demo data, then leave through the normal close path.
        def ready() -> None:
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
    return exit_code or code


def _fatal(config: LaunchConfig, text: str) -> int:
    print(text, file=sys.stderr)
    if not config.smoke_test:
        QMessageBox.critical(None, QCoreApplication.translate("bootstrap", "无法启动工作台"), text)
    return 2
