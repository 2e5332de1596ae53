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
    parser.add_argument("--reports-only", action="store_true", help="only 数据中心 (after simulated traffic)")
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
        # the pages are built after the lists, one per turn of the event loop: wait for all of them
        ready: list[bool] = []
        window.workspace_ready.connect(lambda: ready.append(True))
        window.start()
        wait(app, lambda: bool(ready) and window.matcher is not None)
        if args.reports_only:
            reports_screenshots(app, window, args.out, suffix)
            window.close()
            return 0
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
        returning_buyer_screenshots(app, window, args.out, suffix)
        left_buyer_screenshot(app, window, args.out, suffix)
        window.close()
    return 0


def returning_buyer_screenshots(app: QApplication, window: MainWindow, out: Path, suffix: str) -> None:
    """A returning buyer's earlier visits above the chat (one unfolded), the chat's cards (order card,
    product link, 邀请评价 and the buyer's answer) and the sidebar's 售后 tab with a return being filled."""
    from datetime import datetime, timedelta

    from workbench.domain.aftersales import CaseKind
    from workbench.domain.cards import Satisfaction, product_card_text
    from workbench.domain.conversations import Sender
    from workbench.services.orders import order_card_text
    from workbench.storage.repositories.conversations import ConversationRepository
    from workbench.storage.repositories.customers import CustomerRepository
    from workbench.storage.repositories.orders import OrderRepository

    ws = window.workspace
    assert ws is not None
    with ws.db.session() as s:
        customers = CustomerRepository(s).some(ws.shop.id, limit=200)
        orders = OrderRepository(s)
        customer, order = next(
            (c, o) for c in customers for o in orders.for_customer(c.id) if o.state.value == "已签收"
        )
        convs = ConversationRepository(s)
        now = datetime.now().replace(second=0, microsecond=0)
        for days, lines in (
            (12, [(Sender.CUSTOMER, "这条裙子有M码吗？"), (Sender.AGENT, "亲，M码有货的，今天下单今天发货哦")]),
            (
                4,
                [
                    (Sender.CUSTOMER, f"我的订单{order.order_no}到哪了"),
                    (Sender.AGENT, "亲，包裹已到您所在城市，今天会派送"),
                    (Sender.CUSTOMER, "好的谢谢"),
                ],
            ),
        ):
            at = now - timedelta(days=days)
            visit = convs.create(ws.shop.id, customer.id, at)
            for i, (who, text) in enumerate(lines):
                convs.add_message(
                    visit.id, who, text, at + timedelta(minutes=i), ws.agent.id if who is Sender.AGENT else None
                )
            convs.set_state(visit.id, ConversationState.ENDED, at + timedelta(minutes=5), reason="agent")
    conv = ws.reception.customer_arrives(customer.id, first_text="上次买的裙子收到了，想问一下退货")
    window.refresh_lists()
    settle(app, 1.0)
    window.open_conversation(conv.id)
    wait(app, lambda: window.chat.message_model.history_rows == 2, 20)
    window.controller.load_visit(conv.id, conv.id - 1)  # the newest earlier visit, unfolded as on a click
    wait(app, lambda: window.chat.message_model.expanded is not None, 20)
    window.sidebar.setCurrentIndex(0)
    settle(app, 0.8)
    window.grab().save(str(out / f"returning_buyer_history{suffix}.png"))

    window.send_text(order_card_text(order))
    settle(app, 1.0)
    window.send_text(product_card_text(order.items[0]))
    settle(app, 1.0)
    window.controller.invite_rating(conv.id)
    settle(app, 1.0)
    ws.reception.buyer_rates(conv.id, Satisfaction.VERY_SATISFIED)
    window.controller.catch_up_open_chat()
    settle(app, 1.5)
    window.chat.scrollToBottom()
    settle(app, 0.5)
    window.grab().save(str(out / f"chat_cards{suffix}.png"))

    panel = window.aftersales_panel
    assert panel is not None
    window.sidebar.setCurrentWidget(panel)
    panel.start(CaseKind.RETURN, order.order_no)
    wait(app, lambda: any(b.isChecked() for b in panel.service_form.item_boxes), 20)
    panel.service_form.description_edit.setPlainText("尺码偏大，吊牌完好，想退货")
    settle(app, 1.0)
    window.grab().save(str(out / f"sidebar_aftersales{suffix}.png"))


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


# Buyers' questions for 数据中心's afternoon: most the demo KB answers, some it cannot (the 训练 loop's clusters).
_ASKED = (
    "什么时候发货", "包邮吗", "有优惠券吗", "尺码怎么选", "可以退货吗", "几天能到", "有实体店吗", "可以开发票吗",
)  # fmt: skip
_MISSED = (
    ("可以寄到新加坡吗", "能发新加坡吗", "新加坡能寄吗", "寄新加坡多少钱"),
    ("你们招代理吗", "招不招代理商", "代理怎么加盟"),
    ("可以定制logo吗", "能印公司logo吗", "定制logo怎么收费"),
)


def _wave(window: MainWindow, buyers: int, seed: int) -> tuple[int, int]:
    """`buyers` new buyers each ask one question through the live bot; returns (asked, answered directly)."""
    import random

    from sqlalchemy import func, select

    from workbench.channels.scenarios import select_scenarios
    from workbench.channels.scripted import ScriptedBuyers
    from workbench.composition import build_channel
    from workbench.storage.repositories.bot import BotRepository
    from workbench.storage.repositories.customers import CustomerRepository
    from workbench.storage.tables_bot import BotReplyRow

    ws = window.workspace
    assert ws is not None and window.matcher is not None
    rng = random.Random(seed)
    with ws.db.session() as s:
        ids = CustomerRepository(s).ids(ws.shop.id)
        busy = BotRepository(s).open_conversation_of(ids)
        before = s.scalar(select(func.max(BotReplyRow.id))) or 0
    free = [c for c in ids if c not in busy][:buyers]
    source = ScriptedBuyers(select_scenarios(()))
    clock = [0.0]
    channel = build_channel(ws, source=source, bot_batch=200, monotonic=lambda: clock[0])
    channel.set_matcher(window.matcher)
    for i, customer in enumerate(free):
        source.arrive(f"w{seed}-{i}", customer)
    channel.tick()
    for i in range(len(free)):
        text = rng.choice(rng.choice(_MISSED)) if rng.random() < 0.35 else rng.choice(_ASKED)
        source.say(f"w{seed}-{i}", text)
    channel.tick()
    with ws.db.session() as s:
        rows = s.execute(select(BotReplyRow.action).where(BotReplyRow.id > before)).scalars().all()
    return len(rows), sum(1 for a in rows if a == "answer")


def _history(window: MainWindow) -> None:
    """Six earlier days of agent chats (replies after 20 s to 6 min) and bot chats, for the trend charts."""
    import random
    from datetime import datetime, timedelta

    from workbench.storage.tables import ConversationRow, MessageRow
    from workbench.storage.tables_bot import BotConversationRow, BotReplyRow

    ws = window.workspace
    assert ws is not None
    rng = random.Random(3)
    agents = [a.id for a in ws.agents][:3]
    today = datetime.now().replace(hour=14, minute=0, second=0, microsecond=0)
    with ws.db.session() as s:
        from workbench.storage.repositories.customers import CustomerRepository

        customers = CustomerRepository(s).ids(ws.shop.id)
        for day in range(6, 0, -1):
            for _n in range(rng.randrange(8, 20)):
                start = today - timedelta(days=day, minutes=rng.randrange(0, 300))
                bot = rng.random() < 0.5
                handed = bot and rng.random() < 0.35
                chat = ConversationRow(
                    shop_id=ws.shop.id, customer_id=rng.choice(customers), agent_id=None if bot and not handed
                    else rng.choice(agents), state="ended", started_at=start, last_message_at=start,
                )  # fmt: skip
                s.add(chat)
                s.flush()
                at = start
                if bot:
                    s.add(BotConversationRow(
                        conversation_id=chat.id, owner="human" if handed else "bot", started_at=start,
                        handed_off_at=start if handed else None, handoff_reason=rng.choice(("misses", "keyword",
                        "emotion")) if handed else "",
                    ))  # fmt: skip
                    s.add(BotReplyRow(
                        shop_id=ws.shop.id, conversation_id=chat.id, created_at=start,
                        action="handoff" if handed else "answer", score=0.9, reason="", text=rng.choice(_ASKED),
                    ))  # fmt: skip
                    if not handed:
                        continue
                for _ in range(rng.randrange(1, 4)):
                    s.add(MessageRow(conversation_id=chat.id, sender="customer", text="…", created_at=at))
                    at += timedelta(seconds=rng.randrange(20, 360))
                    s.add(MessageRow(conversation_id=chat.id, sender="agent", text="…", created_at=at,
                                     agent_id=chat.agent_id))  # fmt: skip
                    at += timedelta(seconds=rng.randrange(30, 200))


def reports_screenshots(app: QApplication, window: MainWindow, out: Path, suffix: str) -> None:
    """数据中心 after an afternoon of simulated buyers: its figures, then the 训练 loop; two proposals
    approved, a second wave of buyers shows the bot answering more (printed)."""
    from workbench.domain.bot import AutoStrategy, ReceptionConfig, ReceptionMode
    from workbench.ui.reports.page import ReportsPage

    ws = window.workspace
    assert ws is not None
    ws.bot.save_reception(ReceptionConfig(mode=ReceptionMode.AUTO, strategy=AutoStrategy.BOT_FIRST))
    _history(window)
    asked, answered = _wave(window, 60, seed=1)
    print(f"wave 1: {answered} of {asked} buyer questions answered directly")
    page = window.show_page(window.page_index["reports"])
    assert isinstance(page, ReportsPage)
    wait(app, lambda: page.performance is not None)
    settle(app, 0.8)
    window.grab().save(str(out / f"reports_performance{suffix}.png"))
    page.tabs.setCurrentIndex(1)
    settle(app, 0.8)
    window.grab().save(str(out / f"reports_bot{suffix}.png"))
    page.tabs.setCurrentIndex(2)
    page.analyse()
    wait(app, lambda: page.coverage is not None)
    settle(app, 0.8)
    window.grab().save(str(out / f"reports_training{suffix}.png"))
    for _n in range(2):  # approve the two biggest clusters (a new entry where nothing fits)
        page.clusters_view.selectRow(0)
        settle(app, 0.2)
        if page.target.currentData() is None:
            page.category.setCurrentText("更多问题")
            page.answer_edit.setPlainText("亲，这个问题我们已经记下了，稍后由客服为您详细解答哦～")
        done = len(page.clusters)
        page.approve_current()
        wait(app, lambda d=done: len(page.clusters) < d)
    settle(app, 0.8)
    window.grab().save(str(out / f"reports_training_approved{suffix}.png"))
    asked, answered = _wave(window, 60, seed=2)
    print(f"wave 2 (after approving two proposals): {answered} of {asked} buyer questions answered directly")


if __name__ == "__main__":
    sys.exit(main())
