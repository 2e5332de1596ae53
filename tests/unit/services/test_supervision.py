"""The supervisor's view (主管/课堂): the overview's figures on a known set of chats with a fixed clock,
taking over and reassigning a chat, the guard against a race with an agent, and who may do it at
all — on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from tests.unit.accounts.conftest import T0, FakeClock, Shop, make_shop
from tests.unit.storage.conftest import db, db_url  # noqa: F401  (both backends)
from workbench.domain.conversations import ConversationState, Sender
from workbench.domain.customers import Customer
from workbench.domain.errors import DomainError
from workbench.domain.identity import Actor, Role
from workbench.domain.shops import AgentStatus
from workbench.domain.supervision import OVERDUE_S, Seen
from workbench.services.notifications import Change, Hub, Topic
from workbench.services.reception import ReceptionService
from workbench.services.supervision import SupervisionService
from workbench.storage.db import Database
from workbench.storage.repositories.accounts import AccountRepository
from workbench.storage.repositories.bot import BotRepository
from workbench.storage.repositories.conversations import ConversationRepository
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.shops import ShopRepository
from workbench.storage.tables_bot import AgentProfileRow


def at(minutes: float) -> datetime:
    """`minutes` before T0 (the clock's "now" when the overview is read)."""
    return T0 - timedelta(minutes=minutes)


class Desk:
    """The known set of chats, written through the reception service with a clock set for each step."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self.clock = FakeClock()
        self.reception = ReceptionService(shop.db, shop.id, self.clock)
        with shop.db.session() as s:
            self.kf2 = AccountRepository(s).add_user(shop.id, "kf2", "客服二", Role.AGENT).id
            s.add(AgentProfileRow(agent_id=shop.users["kf1"], capacity=5))

    def buyer(self, nick: str, minutes: float, text: str = "在吗") -> int:
        with self.shop.db.session() as s:
            customer = CustomerRepository(s).add(self.shop.id, Customer(0, nick))
        self.clock.now = at(minutes)
        conv = self.reception.customer_arrives(customer.id, first_text=text)
        return conv.id

    def says(self, conv: int, minutes: float, text: str) -> None:
        self.clock.now = at(minutes)
        self.reception.customer_says(conv, text)

    def replies(self, conv: int, agent: int, minutes: float, text: str = "亲，在的") -> None:
        self.clock.now = at(minutes)
        self.reception.agent_sends(conv, agent, text)

    def assign(self, conv: int, agent: int) -> None:
        with self.shop.db.session() as s:
            assert ConversationRepository(s).assign_waiting(conv, agent)

    def state(self, conv: int) -> tuple[ConversationState, int | None]:
        found = self.reception.get(conv)
        assert found is not None
        return found.state, found.agent_id


@pytest.fixture
def shop(db: Database, db_url: str) -> Shop:  # noqa: F811
    return make_shop(db, db_url)


@pytest.fixture
def desk(shop: Shop) -> Desk:
    return Desk(shop)


@pytest.fixture
def chats(desk: Desk, shop: Shop) -> dict[str, int]:
    kf1, boss = shop.users["kf1"], shop.users["boss"]
    a = desk.buyer("tb_等了十分钟", 10)  # nobody has it: 待分配, 600 s
    b = desk.buyer("tb_排队中", 2)  # in kf1's queue, not accepted: 120 s
    c = desk.buyer("tb_又问了", 5)  # kf1 answered at -4 min; the buyer wrote again at -1 min: 60 s
    desk.replies(c, kf1, 4)
    desk.says(c, 1, "还有一个问题")
    d = desk.buyer("tb_已回复", 20)  # the owner answered: nobody waits
    desk.replies(d, boss, 19)
    e = desk.buyer("tb_已结束", 30)  # ended: not live
    desk.reception.end(e, "test")
    desk.assign(b, kf1)
    desk.clock.now = T0
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def service(shop: Shop, username: str = "zhuguan", clock: FakeClock | None = None) -> SupervisionService:
    return SupervisionService(shop.db, shop.id, clock or FakeClock(), actor=Actor(shop.users[username]))


def test_the_overview_lists_live_chats_longest_wait_first_with_their_figures(shop: Shop, chats: dict[str, int]) -> None:
    overview = service(shop).overview()
    assert overview.as_of == T0
    assert [c.id for c in overview.chats] == [chats[k] for k in "abcd"]  # e ended: not there
    waits = {c.id: c.waited_s(T0) for c in overview.chats}
    assert waits == {chats["a"]: 600, chats["b"]: 120, chats["c"]: 60, chats["d"]: 0}
    a, b, c, d = overview.chats
    assert (a.state, a.agent_id, a.agent_name) == (ConversationState.WAITING, None, "")
    assert a.customer_nick == "tb_等了十分钟"
    assert (b.state, b.agent_name) == (ConversationState.WAITING, "客服一")
    assert (c.state, c.agent_name, c.last_message) == (ConversationState.ACTIVE, "客服一", "还有一个问题")
    assert (d.agent_name, d.waiting_since, d.last_message) == ("老板", None, "亲，在的")
    assert [c.waited_s(T0) > OVERDUE_S for c in overview.chats] == [True, False, False, False]


def test_the_overview_gives_each_agent_status_open_chats_capacity_and_longest_wait(
    shop: Shop, desk: Desk, chats: dict[str, int]
) -> None:
    with shop.db.session() as s:
        ShopRepository(s).set_agent_status(shop.users["sh1"], AgentStatus.OFFLINE)
        ShopRepository(s).set_agent_status(desk.kf2, AgentStatus.BUSY)
    overview = service(shop).overview()
    kf1 = overview.agent(shop.users["kf1"])
    assert kf1 is not None
    assert (kf1.display_name, kf1.status, kf1.open_chats, kf1.capacity) == ("客服一", AgentStatus.ONLINE, 2, 5)
    assert kf1.longest_wait_s(T0) == 120  # b waits longer than c
    boss = overview.agent(shop.users["boss"])
    assert boss is not None and (boss.open_chats, boss.capacity, boss.longest_wait_s(T0)) == (1, 8, 0)
    assert {a.username: a.status for a in overview.agents}["sh1"] is AgentStatus.OFFLINE
    assert {a.username: a.status for a in overview.agents}["kf2"] is AgentStatus.BUSY
    assert {a.username: a.open_chats for a in overview.agents}["kf2"] == 0
    assert len(overview.agents) == len(shop.users) + 1


def test_taking_over_moves_the_chat_to_the_supervisor_with_a_note(
    shop: Shop, desk: Desk, chats: dict[str, int]
) -> None:
    heard: list[Change] = []
    hub = Hub()
    hub.attach(shop.db)
    hub.subscribe(heard.append)
    supervisor = service(shop)
    chat = supervisor.overview().chat(chats["b"])
    assert chat is not None
    moved = supervisor.take_over(chat.id, Seen.of(chat))
    assert (moved.state, moved.agent_id, moved.agent_name) == (ConversationState.ACTIVE, shop.users["zhuguan"], "主管")
    assert desk.state(chat.id) == (ConversationState.ACTIVE, shop.users["zhuguan"])
    note = desk.reception.messages(chat.id)[-1]
    assert (note.sender, note.text) == (Sender.SYSTEM, "主管 接管了会话")
    assert Change(Topic.CONVERSATIONS, chat.id) in heard
    assert {Change(Topic.AGENTS, shop.users["kf1"]), Change(Topic.AGENTS, shop.users["zhuguan"])} <= set(heard)
    # the chat is on the supervisor's own desk now, and no longer in the agent's
    assert chat.id in {c.id for c in desk.reception.desk_lists(shop.users["zhuguan"]).active}
    kf1_lists = desk.reception.desk_lists(shop.users["kf1"])
    assert chat.id not in {c.id for c in (*kf1_lists.waiting, *kf1_lists.active)}


def test_reassigning_gives_the_chat_to_another_agent_as_it_was(shop: Shop, desk: Desk, chats: dict[str, int]) -> None:
    supervisor = service(shop)
    overview = supervisor.overview()
    waiting, served = overview.chat(chats["a"]), overview.chat(chats["c"])
    assert waiting is not None and served is not None
    supervisor.reassign(waiting.id, desk.kf2, Seen.of(waiting))
    assert desk.state(waiting.id) == (ConversationState.WAITING, desk.kf2)  # in kf2's queue, to accept
    assert waiting.id in {c.id for c in desk.reception.desk_lists(desk.kf2).waiting}
    supervisor.reassign(served.id, desk.kf2, Seen.of(served))
    assert desk.state(served.id) == (ConversationState.ACTIVE, desk.kf2)  # kf2 goes on with it
    assert desk.reception.messages(served.id)[-1].text == "主管 将会话改派给 客服二"
    loads = {a.username: a.open_chats for a in supervisor.overview().agents}
    assert (loads["kf1"], loads["kf2"]) == (1, 2)


def test_a_reassign_that_lost_the_race_against_an_accept_is_refused(
    shop: Shop, desk: Desk, chats: dict[str, int]
) -> None:
    supervisor = service(shop)
    seen = supervisor.overview().chat(chats["b"])  # waiting in kf1's queue, as the supervisor saw it
    assert seen is not None
    desk.reception.accept(seen.id, shop.users["kf1"])  # kf1 accepts first
    before = len(desk.reception.messages(seen.id))
    with pytest.raises(DomainError) as refused:
        supervisor.reassign(seen.id, desk.kf2, Seen.of(seen))
    assert refused.value.code == "supervision.changed"
    assert refused.value.params == {"state": "active", "agent_id": shop.users["kf1"]}
    assert desk.state(seen.id) == (ConversationState.ACTIVE, shop.users["kf1"])  # kf1 keeps it
    assert len(desk.reception.messages(seen.id)) == before  # no note either
    # a take-over on what was seen is refused the same way; on what is there now it works
    with pytest.raises(DomainError, match=r"supervision.changed"):
        supervisor.take_over(seen.id, Seen.of(seen))
    now = supervisor.overview().chat(seen.id)
    assert now is not None
    supervisor.take_over(seen.id, Seen.of(now))
    assert desk.state(seen.id) == (ConversationState.ACTIVE, shop.users["zhuguan"])


def test_of_two_supervisors_moving_the_same_chat_at_once_one_wins(
    shop: Shop, desk: Desk, chats: dict[str, int]
) -> None:
    seen = service(shop).overview().chat(chats["a"])
    assert seen is not None
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def move(username: str, to: int) -> None:
        barrier.wait()
        try:
            service(shop, username).reassign(seen.id, to, Seen.of(seen))
            results[username] = "moved"
        except DomainError as exc:
            results[username] = exc.code

    threads = [
        threading.Thread(target=move, args=("zhuguan", desk.kf2)),
        threading.Thread(target=move, args=("boss", shop.users["kf1"])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results.values()) == ["moved", "supervision.changed"]
    winner = desk.kf2 if results["zhuguan"] == "moved" else shop.users["kf1"]
    assert desk.state(seen.id) == (ConversationState.WAITING, winner)
    notes = [m for m in desk.reception.messages(seen.id) if m.sender is Sender.SYSTEM]
    assert len(notes) == 1


def test_a_bot_served_chat_can_be_taken_over_and_the_bot_stops(shop: Shop, desk: Desk, chats: dict[str, int]) -> None:
    with shop.db.session() as s:
        BotRepository(s).take(chats["a"], T0)
    supervisor = service(shop)
    chat = supervisor.overview().chat(chats["a"])
    assert chat is not None and chat.bot and chat.agent_id is None and chat.state is ConversationState.ACTIVE
    supervisor.take_over(chat.id, Seen.of(chat))
    with shop.db.session() as s:
        assert chats["a"] not in BotRepository(s).bot_owned(shop.id)
    moved = supervisor.overview().chat(chat.id)
    assert moved is not None and not moved.bot and moved.agent_id == shop.users["zhuguan"]


def test_reassigning_to_an_offline_agent_or_to_the_same_agent_is_refused(
    shop: Shop, desk: Desk, chats: dict[str, int]
) -> None:
    with shop.db.session() as s:
        ShopRepository(s).set_agent_status(desk.kf2, AgentStatus.OFFLINE)
    supervisor = service(shop)
    chat = supervisor.overview().chat(chats["b"])
    assert chat is not None
    with pytest.raises(DomainError, match=r"supervision.agent_offline"):
        supervisor.reassign(chat.id, desk.kf2, Seen.of(chat))
    with pytest.raises(DomainError, match=r"supervision.same_agent"):
        supervisor.reassign(chat.id, shop.users["kf1"], Seen.of(chat))
    with pytest.raises(DomainError, match=r"agent.missing"):
        supervisor.reassign(chat.id, 99_999, Seen.of(chat))
    assert desk.state(chat.id) == (ConversationState.WAITING, shop.users["kf1"])


@pytest.mark.parametrize("username", ["kf1", "sh1", "xs1"])
def test_an_agent_or_a_student_is_refused(shop: Shop, desk: Desk, chats: dict[str, int], username: str) -> None:
    chat = service(shop).overview().chat(chats["a"])
    assert chat is not None
    refused = service(shop, username)
    for call in (
        refused.overview,
        lambda: refused.take_over(chat.id, Seen.of(chat)),
        lambda: refused.reassign(chat.id, desk.kf2, Seen.of(chat)),
    ):
        with pytest.raises(DomainError) as denied:
            call()
        assert denied.value.code == "permission.denied"
        assert denied.value.params["permission"] == "supervise"
    assert desk.state(chat.id) == (ConversationState.WAITING, None)


@pytest.mark.parametrize("username", ["boss", "zhuguan", "laoshi"])
def test_the_owner_a_supervisor_and_a_teacher_may_supervise(shop: Shop, chats: dict[str, int], username: str) -> None:
    assert len(service(shop, username).overview().chats) == 4


def test_the_overview_reads_with_a_fixed_number_of_statements(shop: Shop, desk: Desk, chats: dict[str, int]) -> None:
    from sqlalchemy import event

    def statements() -> int:
        seen: list[str] = []

        def count(*args: object) -> None:
            seen.append(str(args[2]))

        engine = shop.db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            service(shop).overview()
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len([q for q in seen if q.lstrip().upper().startswith("SELECT")])

    few = statements()
    for i in range(30):
        desk.buyer(f"tb_更多{i}", i % 7)
    assert len(service(shop).overview().chats) == 34
    assert statements() == few <= 3  # the role check, the chats, the agents: not one per row


@pytest.mark.postgres
def test_a_reassignment_reaches_the_agents_desk_over_the_hub(pg_demo_url: str) -> None:
    from tests.unit.services.test_team_desks import Heard
    from workbench.composition import open_workspace

    supervisor = open_workspace(pg_demo_url, username="wangjing", live=True)
    agent = open_workspace(pg_demo_url, username="xiaolin", live=True)
    try:
        heard = Heard(agent)
        customer_id = supervisor.orders.page(limit=1).rows[0][0].customer_id
        conv = supervisor.reception.customer_arrives(customer_id, first_text="在吗？")
        heard.wait_for(lambda c: c.topic is Topic.CONVERSATIONS and c.key == conv.id)
        chat = supervisor.supervision.overview().chat(conv.id)
        assert chat is not None
        supervisor.supervision.reassign(conv.id, agent.agent.id, Seen.of(chat))
        heard.wait_for(lambda c: c == Change(Topic.CONVERSATIONS, conv.id, remote=True))
        heard.wait_for(lambda c: c == Change(Topic.AGENTS, agent.agent.id, remote=True))
        assert conv.id in {c.id for c in agent.reception.desk_lists(agent.agent.id).waiting}
        # and the agent's own desk may not supervise
        with pytest.raises(DomainError, match=r"permission\.denied"):
            agent.supervision.overview()
    finally:
        agent.close()
        supervisor.close()
