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
    parser.add_argument("--labs-only", action="store_true", help="only the classroom labs' pages")
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
        lab_screenshots(app, window, args.out, suffix, Path(tmp))
        if args.labs_only:
            window.close()
            return 0
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
        window.composer.set_text("")
        left_buyer_screenshot(app, window, args.out, suffix)
        window.close()
    return 0


def left_buyer_screenshot(app: QApplication, window: MainWindow, out: Path, suffix: str) -> None:
    """A buyer who went away unanswered: the chat stays open with its 买家已离开 line and the agent can
    still write (the buyers' clock is run forward, so it takes no real minutes)."""
    channel, ws = window.channel, window.workspace
    assert channel is not None and ws is not None
    window.tasks.wait_idle()
    t = [time.monotonic()]
    channel.monotonic = lambda: t[0]
    channel.resume()
    updates = channel.spawn("urge_shipment")
    conv_id = next(u.conversation_id for u in updates if u.arrived)
    ws.reception.accept(conv_id, ws.agent.id)
    for _ in range(2000):
        t[0] += 2.0
        if any(u.left for u in channel.tick()):
            break
    window.refresh_lists()
    settle(app, 0.5)
    window.open_conversation(conv_id)
    settle(app, 1.5)
    window.composer.set_text("亲，久等了，您的订单今天下午发出，回来就能看到这条消息～")
    settle(app, 0.5)
    window.grab().save(str(out / f"reception_left_buyer{suffix}.png"))


def lab_screenshots(app: QApplication, window: MainWindow, out: Path, suffix: str, tmp: Path) -> None:
    """实训 (the exercise panel and its check results) and 实训管理 (the teacher console over a folder of
    submission files: a few students who did more or less of 项目4 任务1)."""
    from dataclasses import replace

    from workbench.domain.exercises import Student
    from workbench.services.lab_exports import export_submission
    from workbench.ui.exercises.console import TeacherConsole
    from workbench.ui.exercises.page import LabPage

    ws = window.workspace
    assert ws is not None
    page = window.show_page(window.page_index["lab"])
    assert isinstance(page, LabPage)
    wait(app, lambda: bool(page.exercises))
    page.pick("p4-t1")
    wait(app, lambda: page.start_button.isEnabled())
    settle(app, 0.5)
    window.grab().save(str(out / f"lab_exercise{suffix}.png"))

    folder = tmp / "submissions"
    folder.mkdir()
    students = [
        Student("李明", "2026001", "电商2班"),
        Student("王芳", "2026002", "电商2班"),
        Student("赵强", "2026003", "电商2班"),
    ]
    export_submission(ws, "p4-t1", ws.agent.id, students[2], folder / "2026003.json")
    welcome = ws.bot.settings().welcome
    ws.bot.save_welcome(replace(welcome, nickname="小蜜课堂版", default_text="亲，欢迎光临，有什么可以帮您？"))
    export_submission(ws, "p4-t1", ws.agent.id, students[1], folder / "2026002.json")
    ws.classroom.save_quiz_answers("p4-t1", ws.agent.id, {"q1": (2,)})
    export_submission(ws, "p4-t1", ws.agent.id, students[0], folder / "2026001.json")

    page.tabs.setCurrentWidget(page.results)
    page.check()
    wait(app, lambda: page.result is not None and page.results.table.rowCount() == len(page.result.items))
    settle(app, 0.5)
    window.grab().save(str(out / f"lab_check{suffix}.png"))

    page.tabs.setCurrentIndex(page.tabs.count() - 1)  # 问答测试: the exercise's questions asked of 店小蜜
    page.run_questions()
    wait(app, lambda: page.qa_table.rowCount() > 0)
    settle(app, 0.5)
    window.grab().save(str(out / f"lab_questions{suffix}.png"))

    console = window.show_page(window.page_index["lab_console"])
    assert isinstance(console, TeacherConsole)
    wait(app, lambda: bool(console.exercises))
    console.pick("p4-t1")
    console.load_folder(folder)
    wait(app, lambda: console.roster.rowCount() == 3)
    settle(app, 0.5)
    window.grab().save(str(out / f"lab_console{suffix}.png"))
    console.tabs.setCurrentIndex(1)
    settle(app, 0.5)
    window.grab().save(str(out / f"lab_console_items{suffix}.png"))
    window.nav.setCurrentRow(0)


if __name__ == "__main__":
    sys.exit(main())
