"""Render the main areas offscreen with the demo shop and save PNGs to docs/screenshots/.

QT_QPA_PLATFORM=offscreen python scripts/screenshots.py [--out docs/screenshots] [--lang en]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

from workbench.domain.conversations import ConversationState
from workbench.kb import tokenizer
from workbench.launch import LaunchConfig
from workbench.paths import AppPaths
from workbench.settings import Settings
from workbench.startup import DeskStartup
from workbench.storage.db import sqlite_url
from workbench.ui.bootstrap import create_application
from workbench.ui.main_window import MainWindow


def wait(app: QApplication, predicate, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError
        app.processEvents()
        time.sleep(0.005)


def settle(app: QApplication, seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--lang", default="zh_CN")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = "" if args.lang == "zh_CN" else f"_{args.lang}"
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        paths = AppPaths.under(Path(tmp))
        paths.ensure()
        tokenizer.set_cache_dir(paths.cache / "jieba")
        config = LaunchConfig(
            paths=paths, db_url=sqlite_url(paths.database), settings=Settings(language=args.lang), simulator=False
        )
        startup = DeskStartup(config)
        startup.begin()
        app = create_application(config)
        window = MainWindow(config, startup)
        window.resize(1440, 900)
        window.show()
        window.start()
        wait(app, lambda: window.workspace is not None and window.matcher is not None)
        channel = window.channel
        assert channel is not None
        for scenario in ("exchange_colour_size", "where_is_parcel", "size_advice", "coupon_discount"):
            window.tasks.write(lambda s=scenario: channel.spawn(s), window.controller.apply_updates)
        # Let the simulated customers type their openings.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and window.list_model.count(ConversationState.WAITING) < 4:
            window.controller.tick_channel()
            settle(app, 0.2)
        settle(app, 3.0)
        for _ in range(15):
            window.controller.tick_channel()
            settle(app, 0.2)
        parcel = next(
            c for c in window.list_model._groups[ConversationState.WAITING] if c.scenario_id == "where_is_parcel"
        )
        window.open_conversation(parcel.id)
        wait(app, lambda: window.assist.model.rowCount() > 0, 20)
        # Answer once from the suggestions and let the customer reply, so the chat looks lived-in.
        window.send_text("亲，在的～麻烦把订单号发给我，我马上帮您查一下物流")
        for _ in range(40):
            window.controller.tick_channel()
            settle(app, 0.25)
        settle(app, 0.5)
        window.grab().save(str(args.out / f"main_window{suffix}.png"))
        window.sidebar.setCurrentIndex(1)
        settle(app, 0.8)
        window.grab().save(str(args.out / f"customer_tab{suffix}.png"))
        window.sidebar.setCurrentIndex(2)
        settle(app, 0.8)
        window.grab().save(str(args.out / f"orders_tab{suffix}.png"))
        window.composer.set_text("/")
        settle(app, 0.5)
        window.grab().save(str(args.out / f"quick_phrases{suffix}.png"))
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
