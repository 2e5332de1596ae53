"""Logging to a rotating file in the logs dir (and stderr for warnings)."""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import threading
from pathlib import Path
from types import TracebackType


def setup_logging(log_dir: Path, level: int | None = None) -> None:
    """The log file (INFO and up, or the level named by WORKBENCH_LOG_LEVEL, e.g. DEBUG) and stderr."""
    root = logging.getLogger()
    if any(getattr(h, "_workbench", False) for h in root.handlers):
        return
    root.setLevel(level if level is not None else env_level())
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        file_handler = logging.handlers.RotatingFileHandler(
            log_dir / "workbench.log", maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
        file_handler.setFormatter(fmt)
        file_handler._workbench = True  # type: ignore[attr-defined]
        root.addHandler(file_handler)
    except OSError:
        pass  # a read-only log dir must not stop the program
    console = logging.StreamHandler()
    console.setLevel(logging.WARNING)
    console.setFormatter(fmt)
    console._workbench = True  # type: ignore[attr-defined]
    root.addHandler(console)


def env_level() -> int:
    """The log level named by WORKBENCH_LOG_LEVEL (DEBUG, INFO, WARNING…), else INFO."""
    named = logging.getLevelName(os.environ.get("WORKBENCH_LOG_LEVEL", "INFO").strip().upper())
    return named if isinstance(named, int) else logging.INFO


def log_uncaught_exceptions() -> None:
    """Until the window installs its own (which also tells the user), uncaught exceptions of any
    thread go to the log with their traceback: the windowed build has no console to print them."""

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        logging.getLogger("workbench").critical("uncaught exception", exc_info=(exc_type, exc, tb))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is not SystemExit and args.exc_value is not None:
            hook(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = hook
    threading.excepthook = thread_hook
