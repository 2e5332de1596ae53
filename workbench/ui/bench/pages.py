"""Each page of the navigation rail opened for the first time, in the real window, against opening it again.

A page (客户, 订单, 售后, 数据中心, 知识库, 店小蜜…) is built the first time the agent clicks it on the
rail, on the UI thread: that click holds the window until the page is built and painted. Every run
is a fresh process running the program's own entry point (`workbench.app.main`, `--no-simulator`,
compiled modules kept as in the start-up benchmark) on a data dir whose demo shop a first, untimed
start made. Once the desk is ready (lists, panels and matcher), the child clicks each rail page in
turn, as the agent does (`nav.setCurrentRow`), and times the click to the page's first paint
(``first_ms``: importing its modules, building it, its first reads started, laid out and painted),
then goes back to 接待 and clicks it again (``again_ms``, the baseline: the same switch and paint
of a page that exists). Figures are medians over the runs per page; ``max_first_ms`` is the slowest
page's, the longest the window stays held by one click.

Not included: the results of the reads a page starts (they arrive later, on later turns of the event
loop); the pages' hidden tabs and forms, which are built when they are first shown.
"""

from __future__ import annotations

import json
import statistics
import tempfile
from pathlib import Path
from typing import Any

from workbench.ui.bench.startup import OURS, child_output

CHILD = r"""
import json
import sys
import time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

class Pages(QObject):
    def __init__(self):
        super().__init__()
        self.window = None
        self.left = {"ready", "suggest"}
        self.rows = []
        self.times = {}
        self.waiting = None  # (page widget, started, key)

    def eventFilter(self, obj, event):
        if self.window is None and event.type() == QEvent.Type.Paint and obj.metaObject().className() == "MainWindow":
            self.window = obj
            obj.workspace_ready.connect(lambda: self.reached("ready"))
            obj.matcher_ready.connect(lambda: self.reached("suggest"))
            obj.workspace_failed.connect(lambda text: print("failed", text, flush=True))
        elif self.waiting is not None and event.type() == QEvent.Type.Paint and obj is self.waiting[0]:
            page, started, key = self.waiting
            self.waiting = None
            self.times[key] = round((time.perf_counter() - started) * 1000, 1)
            QTimer.singleShot(50, self.next)
        return False

    def reached(self, what):
        self.left.discard(what)
        if not self.left and not self.rows:
            nav = self.window.nav
            for row in range(1, nav.count()):
                name = nav.item(row).text()
                self.rows += [(row, name, "first"), (0, name, "back"), (row, name, "again")]
            QTimer.singleShot(500, self.next)  # the reads the ready desk started settle first

    def next(self):
        if not self.rows:
            print("pages " + json.dumps(self.times, ensure_ascii=False), flush=True)
            self.window.close()
            return
        row, name, kind = self.rows.pop(0)
        nav, pages = self.window.nav, self.window.pages
        started = time.perf_counter()
        nav.setCurrentRow(row)
        if kind == "back":
            QTimer.singleShot(50, self.next)
            return
        self.waiting = (pages.widget(row), started, f"{name}:{kind}")

app = QApplication(sys.argv[:1])
watch = Pages()
app.installEventFilter(watch)
from workbench.app import main
sys.exit(main(["--data-dir", sys.argv[1], "--no-simulator"]))
"""


def run(runs: int = 3) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        root = Path(tmp)
        data, pyc = root / "data", root / "bytecode"
        child_output(OURS, str(data), bytecode=pyc)  # the first start makes the demo shop and the caches
        samples: dict[str, list[float]] = {}
        for _ in range(runs):
            line = next(w for w in child_output(CHILD, str(data), bytecode=pyc) if w.startswith("pages "))
            for key, ms in json.loads(line.removeprefix("pages ")).items():
                samples.setdefault(key, []).append(ms)
    pages: dict[str, dict[str, float]] = {}
    for key, values in samples.items():
        name, kind = key.split(":")
        pages.setdefault(name, {})[f"{kind}_ms"] = round(statistics.median(values), 1)
    firsts = [p["first_ms"] for p in pages.values() if "first_ms" in p]
    return {
        "pages": pages,
        "max_first_ms": max(firsts) if firsts else -1.0,
        "median_first_ms": round(statistics.median(firsts), 1) if firsts else -1.0,
        "median_again_ms": round(statistics.median(p["again_ms"] for p in pages.values() if "again_ms" in p), 1)
        if pages
        else -1.0,
        "runs": runs,
    }
