"""The supervisor's view (主管): live chats longest wait first with the overdue ones marked, waits that
tick without reading, take over and reassign (and a reassign that lost a race, refused clearly), a
chat's history read-only; an agent's desk has no such page. Screenshots are saved in the test's
tmp dir (supervisor-window.png, supervisor-page.png, supervisor-history.png)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory
from workbench.composition import open_workspace
from workbench.demo.seeding import DEMO_PASSWORD
from workbench.domain.conversations import ConversationState, Sender
from workbench.domain.supervision import Overview
from workbench.services.reception import ReceptionService
from workbench.services.workspace import Workspace
from workbench.storage.db import Database
from workbench.ui.main_window import MainWindow
from workbench.ui.supervisor.models import LiveChatModel, Roles
from workbench.ui.supervisor.page import REFRESH_MS, SupervisorPage

WITHIN_MS = 5000


def _page(window: MainWindow, qtbot: QtBot) -> SupervisorPage:
    assert "supervisor" in window.page_index
    page = window.show_page(window.page_index["supervisor"])
    assert isinstance(page, SupervisorPage)
    # Its first read queues behind the desk's start-up reads, which take long on loaded cores.
    qtbot.waitUntil(lambda: page.overview is not None, timeout=30_000)
    return page


def _buyer(ws: Workspace, index: int, minutes_ago: float, text: str) -> int:
    """A new buyer whose first message came `minutes_ago` (written as the feed would)."""
    at = datetime.now().replace(microsecond=0) - timedelta(minutes=minutes_ago)
    reception = ReceptionService(ws.db, ws.shop.id, clock=lambda: at)
    customer_id = ws.orders.page(limit=index + 1).rows[index][0].customer_id
    return reception.customer_arrives(customer_id, first_text=text).id


def _agent_id(ws: Workspace, username: str) -> int:
    return next(a.id for a in ws.agents if a.username == username)


def _wait_text(page: SupervisorPage, conversation_id: int) -> str:
    row = page.chat_model.row_of(conversation_id)
    return str(page.chat_model.index(row, LiveChatModel.WAIT).data())


def test_the_supervisor_view_shows_every_live_chat_and_acts_on_it(
    make_window: WindowFactory, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()  # a single-seat desk: the owner, who may supervise
    ws = window.workspace
    assert ws is not None
    page = _page(window, qtbot)
    nav = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert "主管" in nav
    # buyers arrive (this desk's own writes: the view follows them too)
    late = _buyer(ws, 0, 5, "我的快递三天没动了，怎么回事？")
    fresh = _buyer(ws, 1, 0.5, "这件有M码吗")
    other = _buyer(ws, 2, 1, "可以开发票吗")
    qtbot.waitUntil(lambda: {late, fresh, other} <= {c.id for c in page.chat_model.chats()}, timeout=WITHIN_MS)
    shown = [c.id for c in page.shown_chats()]
    assert shown.index(late) < shown.index(other) < shown.index(fresh)  # longest wait first
    overdue = {c.id: page.chat_proxy.index(r, 0).data(Roles.OVERDUE) for r, c in enumerate(page.shown_chats())}
    assert overdue[late] is True and overdue[fresh] is False
    assert page.summary.property("alert") == "true"
    assert "等待超过 3 分钟" in page.summary.text()
    assert page.chat_model.index(page.chat_model.row_of(late), LiveChatModel.AGENT).data() == "待分配"

    # the waits tick every second without reading the database again
    qtbot.wait(REFRESH_MS * 2)  # the last coalesced re-read of the buyers' arrival is done
    reads: list[Overview] = []
    real = ws.supervision.overview

    def counted() -> Overview:
        reads.append(real())
        return reads[-1]

    monkeypatch.setattr(ws.supervision, "overview", counted)
    seen: set[str] = set()

    def ticked_twice() -> bool:
        seen.add(_wait_text(page, fresh))
        return len(seen) >= 3

    qtbot.waitUntil(ticked_twice, timeout=3500)
    assert reads == []
    monkeypatch.setattr(ws.supervision, "overview", real)

    # the agents: status, open chats / capacity
    agents = {a.username: a for a in page.agent_model.agents()}
    assert {"owner", "xiaozhao", "xiaolin", "wangjing"} <= set(agents)

    page.select(other)  # the overdue row stays unselected: its marking shows
    window.resize(1360, 840)
    qtbot.wait(50)
    page.grab().save(str(tmp_path / "supervisor-page.png"))
    window.grab().save(str(tmp_path / "supervisor-window.png"))

    # 接管: the chat is the owner's now, with a system line
    page.select(fresh)
    with qtbot.waitSignal(page.chat_moved, timeout=WITHIN_MS):
        page.take_over_button.click()
    qtbot.waitUntil(lambda: (c := page.chat_model.chat(fresh)) is not None and c.agent_id == ws.agent.id)
    assert page.chat_model.chat(fresh).state is ConversationState.ACTIVE  # type: ignore[union-attr]
    messages = ws.reception.messages(fresh)
    assert (messages[-1].sender, messages[-1].text) == (Sender.SYSTEM, f"{ws.agent.display_name} 接管了会话")
    # ... and opens in 接待, in this desk's 接待中, ready for the reply
    qtbot.waitUntil(lambda: window.current_id == fresh and window.nav.currentRow() == 0, timeout=WITHIN_MS)
    assert fresh in [c.id for c in window.list_model.conversations(ConversationState.ACTIVE)]
    qtbot.waitUntil(lambda: "接管了会话" in [m.text[-5:] for m in window.chat.message_model.messages()])
    window.show_page(window.page_index["supervisor"])

    # 改派: the menu offers the agents who are not 离线; the chat goes to 小林's queue
    xiaolin = _agent_id(ws, "xiaolin")
    assert xiaolin in [agent_id for agent_id, _ in page.reassign_targets(late)]
    with qtbot.waitSignal(page.chat_moved, timeout=WITHIN_MS):
        page.reassign(late, xiaolin)
    qtbot.waitUntil(lambda: (c := page.chat_model.chat(late)) is not None and c.agent_id == xiaolin)

    # a reassign that lost the race: 小赵 accepted at their desk (not heard here yet) — refused clearly
    xiaozhao = _agent_id(ws, "xiaozhao")
    elsewhere = Database(ws.db.url)  # another desk's connection: this desk's hub does not hear it
    try:
        ReceptionService(elsewhere, ws.shop.id).accept(other, xiaozhao)
    finally:
        elsewhere.dispose()
    with qtbot.waitSignal(page.action_failed, timeout=WITHIN_MS) as failed:
        page.reassign(other, xiaolin)
    assert failed.args == ["该会话刚刚被其他人接入或转交，未做更改。列表已刷新，请重新确认。"]
    assert page.status.text() == failed.args[0]
    qtbot.waitUntil(lambda: (c := page.chat_model.chat(other)) is not None and c.agent_id == xiaozhao)
    assert ws.reception.get(other).agent_id == xiaozhao  # type: ignore[union-attr]

    # the whole history, read-only
    dialog = page.open_history(late)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.view.message_model.rowCount() > 0, timeout=WITHIN_MS)
    texts = [m.text for m in dialog.view.message_model.messages()]
    assert texts[0] == "我的快递三天没动了，怎么回事？"
    assert texts[-1] == f"{ws.agent.display_name} 将会话改派给 小林"
    QApplication.processEvents()
    dialog.grab().save(str(tmp_path / "supervisor-history.png"))
    dialog.close()
    page.grab().save(str(tmp_path / "supervisor-page-after.png"))


@pytest.mark.postgres
def test_an_agent_has_no_supervisor_page_and_a_supervisor_sees_other_desks(
    pg_demo_url: str, make_window: WindowFactory, qtbot: QtBot
) -> None:
    agent_window = make_window(db_url=pg_demo_url, login=("xiaozhao", DEMO_PASSWORD))
    assert "supervisor" not in agent_window.page_index
    assert "主管" not in [agent_window.nav.item(i).text() for i in range(agent_window.nav.count())]
    agent_window.close()

    window = make_window(db_url=pg_demo_url, login=("wangjing", DEMO_PASSWORD))
    page = _page(window, qtbot)
    other = open_workspace(pg_demo_url, username="xiaolin", live=True)
    try:
        customer_id = other.orders.page(limit=1).rows[0][0].customer_id
        conv = other.reception.customer_arrives(customer_id, first_text="在吗？")
        qtbot.waitUntil(lambda: page.chat_model.chat(conv.id) is not None, timeout=WITHIN_MS)
        other.reception.accept(conv.id, other.agent.id)
        other.reception.agent_sends(conv.id, other.agent.id, "在的亲，请问有什么可以帮您？")
        qtbot.waitUntil(
            lambda: (
                (c := page.chat_model.chat(conv.id)) is not None
                and c.agent_id == other.agent.id
                and c.last_message == "在的亲，请问有什么可以帮您？"
            ),
            timeout=WITHIN_MS,
        )
        loads = {a.id: a for a in page.agent_model.agents()}
        assert loads[other.agent.id].open_chats >= 1
    finally:
        other.close()


def test_the_models_pass_the_model_tester(qtmodeltester: object) -> None:
    from datetime import datetime as dt

    from workbench.domain.identity import Role
    from workbench.domain.shops import AgentStatus
    from workbench.domain.supervision import AgentLoad, LiveChat
    from workbench.ui.supervisor.models import AgentLoadModel

    now = dt(2026, 11, 11, 10, 0, 0)
    chats = LiveChatModel(lambda: now)
    chats.set_chats(
        (
            LiveChat(1, 1, "tb_甲", ConversationState.WAITING, None, "", False, now - timedelta(minutes=4), "在", now),
            LiveChat(2, 2, "tb_乙", ConversationState.ACTIVE, 7, "小林", False, None, "好的", now),
        )
    )
    agents = AgentLoadModel(lambda: now)
    agents.set_agents((AgentLoad(7, "xiaolin", "小林", Role.AGENT, AgentStatus.ONLINE, 1, 8, None),))
    for model in (chats, agents):
        qtmodeltester.check(model)  # type: ignore[attr-defined]
    assert chats.index(0, LiveChatModel.WAIT).data() == "4分00秒"
    assert chats.index(0, 0).data(Roles.OVERDUE) is True
    assert chats.index(1, LiveChatModel.AGENT).data() == "小林"
    assert agents.index(0, AgentLoadModel.LOAD).data() == "1 / 8"


@pytest.mark.postgres
def test_a_teachers_desk_opens_on_the_classroom_view(
    pg_demo_url: str, make_window: WindowFactory, qtbot: QtBot
) -> None:
    from workbench.domain.identity import PROGRAM, Role
    from workbench.services.accounts import AccountService
    from workbench.storage.repositories.shops import ShopRepository

    db = Database(pg_demo_url)
    try:
        with db.session() as s:
            shop = ShopRepository(s).first()
        assert shop is not None
        AccountService(db, shop.id, actor=PROGRAM).add_user("laoshi", "王老师", Role.TEACHER, "Jiao-shi-2026")
    finally:
        db.dispose()
    window = make_window(db_url=pg_demo_url, login=("laoshi", "Jiao-shi-2026"))
    index = window.page_index["supervisor"]
    assert window.nav.item(index).text() == "课堂"
    assert window.nav.currentRow() == index  # watching the class is a teacher's work: the desk starts there
    page = window.pages.currentWidget()
    assert isinstance(page, SupervisorPage)
    qtbot.waitUntil(lambda: page.overview is not None, timeout=10_000)
