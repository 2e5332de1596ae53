"""A desk window on a shared PostgreSQL server shows the other desks' work as it happens, and says so in
its status bar when it loses the server (then catches up by reading once it is back)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from tests.gui.conftest import WindowFactory
from workbench.composition import open_workspace
from workbench.demo.seeding import DEMO_PASSWORD
from workbench.domain.aftersales import Rating
from workbench.domain.kb_admin import Answer, EntryDraft
from workbench.domain.shops import AgentStatus
from workbench.ui.aftersales.page import AftersalesPage
from workbench.ui.bot.page import BotSettingsPage
from workbench.ui.crm.page import CustomersPage
from workbench.ui.kb_admin.page import KnowledgePage

pytestmark = pytest.mark.postgres

# Another desk's change is on screen within a second (measured by `python -m workbench.bench desks`);
# the tests allow more, for a loaded machine running them in parallel.
WITHIN_MS = 5000
# Each test asks for its database before the window, so the window closes (and its listener stops)
# before the database is dropped.


def test_another_desks_work_shows_up_live(pg_demo_url: str, make_window: WindowFactory, qtbot: QtBot) -> None:
    window = make_window(db_url=pg_demo_url, login=("xiaozhao", DEMO_PASSWORD))
    ws = window.workspace
    assert ws is not None and ws.team is not None
    other = open_workspace(pg_demo_url, username="xiaolin", live=True)
    try:
        customer_id = other.orders.page(limit=1).rows[0][0].customer_id
        # a new buyer writes (the feed, or another desk): our 待接待 list shows them
        conv = other.reception.customer_arrives(customer_id)
        other.reception.customer_says(conv.id, "在吗？")
        qtbot.waitUntil(lambda: window.list_model.conversation(conv.id) is not None, timeout=WITHIN_MS)
        with qtbot.waitSignal(window.conversation_opened, timeout=5000):
            window.open_conversation(conv.id)
        # their next message, written elsewhere, arrives in the open chat (with suggestions for it)
        with qtbot.waitSignal(window.suggestions_shown, timeout=5000):
            other.reception.customer_says(conv.id, "这件有M码吗")
            qtbot.waitUntil(
                lambda: "这件有M码吗" in [m.text for m in window.chat.message_model.messages()], timeout=WITHIN_MS
            )
        # a colleague tags the buyer: the customer sidebar shows the tag (a hidden tab re-reads when shown)
        panel = window.customer_panel
        assert panel is not None and panel.customer_id() == customer_id
        assert not panel.isVisible()
        other.customers.add_tag(customer_id, "同事加的标签")
        qtbot.wait(300)
        window.sidebar.setCurrentWidget(panel)
        qtbot.waitUntil(lambda: "同事加的标签" in [c.text() for c in panel.tag_chips()], timeout=WITHIN_MS)
        other.customers.add_tag(customer_id, "又一个标签")
        qtbot.waitUntil(lambda: "又一个标签" in [c.text() for c in panel.tag_chips()], timeout=WITHIN_MS)
        # a supervisor sets this desk's agent 挂起: the status box follows
        other.desk.set_status(ws.agent.id, AgentStatus.BUSY)
        qtbot.waitUntil(lambda: window.status_combo.currentData() == AgentStatus.BUSY.value, timeout=WITHIN_MS)
        # the colleague takes the chat: it leaves our lists
        other.reception.accept(conv.id, other.agent.id)
        qtbot.waitUntil(lambda: window.list_model.conversation(conv.id) is None, timeout=WITHIN_MS)
    finally:
        other.close()


def test_a_lost_connection_is_shown_and_caught_up(
    pg_demo_url: str, make_window: WindowFactory, qtbot: QtBot, tmp_path: Path
) -> None:
    window = make_window(db_url=pg_demo_url, login=("xiaozhao", DEMO_PASSWORD))
    ws = window.workspace
    assert ws is not None and ws.team is not None
    assert window.link_label.isHidden()
    other = open_workspace(pg_demo_url, username="xiaolin")  # writes only
    try:
        with other.db.session() as s:
            s.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": ws.team.live.listener.backend_pid})
        qtbot.waitUntil(window.link_label.isVisible, timeout=5000)
        assert window.link_label.text() == "与服务器的连接已断开，正在重新连接…"
        window.grab().save(str(tmp_path / "link-lost.png"))
        # meanwhile a buyer arrives: nobody tells this desk, yet it shows them once it is back
        customer_id = other.orders.page(limit=2).rows[1][0].customer_id
        conv = other.reception.customer_arrives(customer_id)
        other.reception.customer_says(conv.id, "断线期间来的买家")
        qtbot.waitUntil(window.link_label.isHidden, timeout=10_000)
        qtbot.waitUntil(lambda: window.list_model.conversation(conv.id) is not None, timeout=WITHIN_MS)
        assert window.statusBar().currentMessage() == "已重新连接服务器，其他客服的更改已同步"
    finally:
        other.close()


def test_the_pages_follow_other_desks(pg_demo_url: str, make_window: WindowFactory, qtbot: QtBot) -> None:
    # the supervisor's desk shows 知识库 and 店小蜜; the owner's workspace changes them
    window = make_window(db_url=pg_demo_url, login=("wangjing", DEMO_PASSWORD))
    ws = window.workspace
    assert ws is not None
    other = open_workspace(pg_demo_url, username="owner")  # writes only
    try:
        # 知识库: a colleague's new entry is listed, and this desk's matcher answers with it
        kb_page = window.show_page(window.page_index["knowledge"])
        assert isinstance(kb_page, KnowledgePage)
        qtbot.waitUntil(lambda: kb_page.knowledge.entries.rowCount() > 0, timeout=10_000)
        entry = other.kb_admin.create_entry(
            EntryDraft(category="更多问题", question="门店营业到几点", answers=(Answer("每天早十点到晚十点哦亲～"),))
        ).upserts[0]
        qtbot.waitUntil(lambda: kb_page.knowledge.entries.row_of(entry.id) >= 0, timeout=WITHIN_MS)
        matcher = window.matcher
        assert matcher is not None
        qtbot.waitUntil(lambda: any(s.entry_id == entry.id for s in matcher.match("门店营业到几点")), timeout=WITHIN_MS)
        # 店小蜜: a colleague renames the bot
        bot_page = window.show_page(window.page_index["assistant"])
        assert isinstance(bot_page, BotSettingsPage)
        qtbot.waitUntil(lambda: bot_page.welcome.nickname.text() != "", timeout=10_000)
        welcome = other.bot.settings().welcome
        other.bot.save_welcome(replace(welcome, nickname="小南"))
        qtbot.waitUntil(lambda: bot_page.welcome.nickname.text() == "小南", timeout=WITHIN_MS)
        # 售后: a buyer's review, posted through another desk, is listed
        cases_page = window.show_page(window.page_index["aftersales"])
        assert isinstance(cases_page, AftersalesPage)
        cases_page.tabs.setCurrentWidget(cases_page.reviews_view)
        reviews = cases_page.reviews_view.model
        qtbot.waitUntil(lambda: reviews.rowCount() > 0, timeout=10_000)
        before = reviews.rowCount()
        order = other.orders.page(limit=1).rows[0][0]
        other.reviews.add(order.customer_id, order.order_no, Rating.BAD, "颜色和图片差太多了")
        qtbot.waitUntil(lambda: reviews.rowCount() == before + 1, timeout=WITHIN_MS)
        # 客户: a colleague tags the customer whose file is open
        crm_page = window.show_page(window.page_index["customers"])
        assert isinstance(crm_page, CustomersPage)
        with qtbot.waitSignal(crm_page.customer_opened, timeout=10_000):
            crm_page.show_customer(order.customer_id)
        other.customers.add_tag(order.customer_id, "同事标记")
        qtbot.waitUntil(lambda: "同事标记" in [c.text() for c in crm_page.profile.tag_chips()], timeout=WITHIN_MS)
    finally:
        other.close()
