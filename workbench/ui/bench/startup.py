"""Cold start to the first painted main window, ours against a bare QMainWindow, in the same run.

Each run is a fresh process (nothing cached in memory). The parent starts the clock before spawning
and stops it when the child reports its first paint of the main window.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE = r"""
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print("painted", flush=True)
            QTimer.singleShot(0, QApplication.quit)
            obj.removeEventFilter(self)
        return False

app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(1360, 840)
spy = FirstPaint()
window.installEventFilter(spy)
window.show()
app.exec()
"""

OURS = r"""
import sys
from pathlib import Path
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
from workbench.launch import LaunchConfig, resolve_db_url
from workbench.paths import AppPaths
from workbench.settings import load_settings
from workbench.kb import tokenizer
from workbench.startup import DeskStartup
from workbench.ui.bootstrap import create_application

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print("painted", flush=True)
            obj.removeEventFilter(self)
        return False

paths = AppPaths.under(Path(sys.argv[1]))
settings = load_settings(paths.settings_file)
config = LaunchConfig(paths=paths, db_url=resolve_db_url(None, settings, paths), settings=settings, simulator=False)
paths.ensure()
tokenizer.set_cache_dir(paths.cache / "jieba")
startup = DeskStartup(config)
startup.begin()
app = create_application(config)
from workbench.ui.main_window import MainWindow
window = MainWindow(config, startup)
spy = FirstPaint()
window.installEventFilter(spy)
window.workspace_ready.connect(lambda: (print("ready", flush=True), QTimer.singleShot(0, window.close)))
window.show()
window.start()
app.exec()
"""


def _time_child(code: str, *args: str) -> tuple[float, float | None]:
    """Milliseconds to 'painted' and (if printed) to 'ready'."""
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True, env=env)
    painted = ready = None
    assert proc.stdout is not None
    for line in proc.stdout:
        now = (time.perf_counter() - start) * 1000
        if line.strip() == "painted" and painted is None:
            painted = now
        elif line.strip() == "ready":
            ready = now
    proc.wait(timeout=120)
    if painted is None:
        raise RuntimeError(f"child never painted (exit {proc.returncode})")
    return painted, ready


def run(runs: int = 5) -> dict[str, float]:
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        data = str(Path(tmp) / "data")
        _time_child(OURS, data)  # first start creates the demo database; not measured
        bare, ours, ready = [], [], []
        for _ in range(runs):  # interleaved so machine noise hits both alike
            bare.append(_time_child(BARE)[0])
            painted, ready_ms = _time_child(OURS, data)
            ours.append(painted)
            if ready_ms is not None:
                ready.append(ready_ms)
    ours_ms = statistics.median(ours)
    bare_ms = statistics.median(bare)
    return {
        "ours_ms": round(ours_ms, 1),
        "bare_ms": round(bare_ms, 1),
        "ratio": round(ours_ms / bare_ms, 2),
        "ready_ms": round(statistics.median(ready), 1) if ready else -1.0,
    }
