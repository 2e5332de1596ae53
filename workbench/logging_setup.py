"""Logging to a rotating file in the logs dir (and stderr for warnings)."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path


def setup_logging(log_dir: Path, level: int = logging.INFO) -> None:
    root = logging.getLogger()
    if any(getattr(h, "_workbench", False) for h in root.handlers):
        return
    root.setLevel(level)
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
