"""Cold start of the real desk to readiness, against a bare QMainWindow, in the same run.

Every figure comes from a fresh process (nothing cached in memory) that runs the program's own entry
point, `workbench.app.main` (→ `run_desk` → `DeskStartup` → `run_gui`), with `--no-simulator` (no
simulated buyers arrive: they would change the lists between runs). The parent starts the clock
before spawning the child and stops it when the child reports a moment on stdout:

* ``paint_ms``   the main window's first paint;
* ``lists_ms``   the window's `lists_shown`: the desk's conversation lists, read from the database,
                 are on screen (the sidebar's 客户 and 订单 panels are built right after, by the next
                 turn of the event loop: ``ready_ms`` is the window's `workspace_ready`, once they are);
* ``suggest_ms`` the window's `matcher_ready`: jieba and the KB matcher are loaded, the first
                 suggestion can be shown;
* ``first_run_ms`` the same `lists_ms` on an empty data dir (the demo shop is made first: a usable
                 window on a first start);
* ``max_ui_stall_ms`` the longest the window's event loop was held between its first paint and the
                 last of the moments above (the lists, the panels and the matcher arriving): a 5 ms
                 precise heartbeat on the UI thread, a stall is how late it came (the worst run's;
                 on a busy machine it also holds the time the thread waited for a core).

The bare baseline is a QMainWindow of the same size shown by a fresh process (``bare_ms``: its first
paint); every ratio is against it. Runs are interleaved so machine noise hits both alike; figures are
medians. Excluded: the Python interpreter's own start is in both; the first start on the shared data
dir (which makes the demo shop, jieba's dictionary cache and the KB analyses cache) is not timed;
``first_run_ms`` times such a first start, each run on a new empty data dir.

Compiled modules are kept as an installed program keeps them (pip compiles them when it installs, a
bundle ships them): every child writes and reuses them in the run's own bytecode cache
(``PYTHONPYCACHEPREFIX``), even where the environment says not to write them
(``PYTHONDONTWRITEBYTECODE``); the untimed first start fills it.

``--kb-entries N`` also times ``suggest_ms`` on a data dir whose KB holds N entries (the demo's plus
generated ones): ``kb_suggest_ms`` and ``kb_added_ms`` (its difference to the demo's ``suggest_ms``).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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

# The program's entry point, watched from outside: an application-wide event filter finds the main
# window at its first paint and listens to its own readiness signals. Nothing of the start is replaced.
OURS = r"""
import sys
import time
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

HEARTBEAT_MS = 5

class Watch(QObject):
    def __init__(self):
        super().__init__()
        self.window = None
        self.left = {"lists", "ready", "suggest"}
        self.beat = QTimer(self)
        self.beat.setTimerType(Qt.TimerType.PreciseTimer)
        self.beat.setInterval(HEARTBEAT_MS)
        self.beat.timeout.connect(self.tick)
        self.last = 0.0
        self.stall = 0.0

    def tick(self):
        now = time.perf_counter()
        self.stall = max(self.stall, (now - self.last) * 1000 - HEARTBEAT_MS)
        self.last = now

    def eventFilter(self, obj, event):
        if self.window is None and event.type() == QEvent.Type.Paint and obj.metaObject().className() == "MainWindow":
            self.window = obj
            print("painted", flush=True)
            self.last = time.perf_counter()
            self.beat.start()
            QApplication.instance().removeEventFilter(self)
            obj.lists_shown.connect(lambda: self.reached("lists"))
            obj.workspace_ready.connect(lambda: self.reached("ready"))
            obj.matcher_ready.connect(lambda: self.reached("suggest"))
            obj.workspace_failed.connect(lambda text: print("failed", text, flush=True))
        return False

    def reached(self, what):
        if what in self.left:
            print(what, flush=True)
            self.left.discard(what)
        if not self.left:
            self.tick()
            self.beat.stop()
            print(f"stall {self.stall:.1f}", flush=True)
            QTimer.singleShot(0, self.window.close)

app = QApplication(sys.argv[:1])
watch = Watch()
app.installEventFilter(watch)
from workbench.app import main
sys.exit(main(["--data-dir", sys.argv[1], "--no-simulator"]))
"""

MOMENTS = ("painted", "lists", "ready", "suggest")
TIMEOUT_S = 600


def _spawn(code: str, *args: str, bytecode: Path) -> subprocess.Popen[str]:
    """A child running `code` offscreen; `bytecode`: the compiled modules' cache directory."""
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(bytecode)
    return subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True, env=env)


def _lines(proc: subprocess.Popen[str]) -> Iterator[str]:
    """The child's stdout, a line at a time; a line saying the desk failed to open ends it."""
    assert proc.stdout is not None
    for line in proc.stdout:
        word = line.strip()
        if word.startswith("failed"):
            proc.kill()
            raise RuntimeError(f"the desk did not open: {word}")
        yield word


def child_output(code: str, *args: str, bytecode: Path) -> list[str]:
    """Every line the child printed, once it has ended."""
    proc = _spawn(code, *args, bytecode=bytecode)
    lines = list(_lines(proc))
    proc.wait(timeout=TIMEOUT_S)
    return lines


def _time_child(code: str, *args: str, bytecode: Path) -> dict[str, float]:
    """Milliseconds from spawning the child to each moment it reports."""
    start = time.perf_counter()
    proc = _spawn(code, *args, bytecode=bytecode)
    seen: dict[str, float] = {}
    for word in _lines(proc):
        now = (time.perf_counter() - start) * 1000
        if word in MOMENTS and word not in seen:
            seen[word] = now
        elif word.startswith("stall "):
            seen["stall"] = float(word.split()[1])
    proc.wait(timeout=TIMEOUT_S)
    if "painted" not in seen:
        raise RuntimeError(f"child never painted (exit {proc.returncode})")
    return seen


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 1) if values else -1.0


def run(runs: int = 5, kb_entries: int = 0) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        root = Path(tmp)
        data = root / "data"
        pyc = root / "bytecode"
        _time_child(OURS, str(data), bytecode=pyc)  # the first start makes the demo shop and the index cache
        big = root / "big"
        if kb_entries:
            from workbench.demo.big_kb import add_kb_entries

            shutil.copytree(data, big, ignore=shutil.ignore_patterns("*.lock", "cache"))
            add_kb_entries(big, kb_entries)
            # builds the big KB's index cache once, as a user's first start would
            _time_child(OURS, str(big), bytecode=pyc)
        bare: list[float] = []
        moments: dict[str, list[float]] = {k: [] for k in ("painted", "lists", "ready", "suggest", "first", "kb")}
        stalls: list[float] = []
        for i in range(runs):  # interleaved so machine noise hits every figure alike
            bare.append(_time_child(BARE, bytecode=pyc)["painted"])
            seen = _time_child(OURS, str(data), bytecode=pyc)
            for key in ("painted", "lists", "ready", "suggest"):
                if key in seen:
                    moments[key].append(seen[key])
            if "stall" in seen:
                stalls.append(seen["stall"])
            first = _time_child(OURS, str(root / f"empty-{i}"), bytecode=pyc)
            if "lists" in first:
                moments["first"].append(first["lists"])
            if kb_entries:
                big_seen = _time_child(OURS, str(big), bytecode=pyc)
                if "suggest" in big_seen:
                    moments["kb"].append(big_seen["suggest"])
    bare_ms = statistics.median(bare)
    result: dict[str, Any] = {"bare_ms": round(bare_ms, 1)}
    for name, key in (
        ("paint", "painted"),
        ("lists", "lists"),
        ("ready", "ready"),
        ("suggest", "suggest"),
        ("first_run", "first"),
    ):
        value = _median(moments[key])
        result[f"{name}_ms"] = value
        result[f"{name}_ratio"] = round(value / bare_ms, 2) if value > 0 else -1.0
    result["max_ui_stall_ms"] = round(max(stalls), 1) if stalls else -1.0
    if kb_entries:
        result["kb_entries"] = kb_entries
        result["kb_suggest_ms"] = _median(moments["kb"])
        result["kb_added_ms"] = round(result["kb_suggest_ms"] - result["suggest_ms"], 1)
    result["runs"] = runs
    return result
