"""Conversation actions of the reception centre, with the permission checks: 转交 to a colleague or a
group, 接入 and 转交 racing (exactly one wins), who may open whose chat, 置顶 / 星标 / 结束会话 / 邀请评价.
On SQLite and PostgreSQL (the races on PostgreSQL, where desks really run at once)."""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.unit.accounts.conftest import FakeClock, Shop
from workbench.domain.conversations import ConversationState, Sender
from workbench.domain.customers import Customer
from workbench.domain.errors import DomainError
from workbench.domain.identity import PROGRAM, Actor, Role
from workbench.domain.shops import AgentStatus
from workbench.services.reception import ReceptionService
from workbench.storage.db import Database
from workbench.storage.repositories.accounts import AccountRepository
from workbench.storage.repositories.bot import BotRepository
from workbench.storage.repositories.conversation_actions import ConversationActionRepository
from workbench.storage.repositories.conversations import ConversationRepository
from workbench.storage.repositories.customers import CustomerRepository


def desk(shop: Shop, clock: FakeClock, user: str, db: Database | None = None) -> ReceptionService:
    """The reception service of `user`'s desk."""
    return ReceptionService(db or shop.db, shop.id, clock, actor=Actor(shop.users[user]))


_buyers = itertools.count(1)


def buyer(shop: Shop, clock: FakeClock, text: str = "在吗") -> int:
    """A buyer arrives and writes (the feed's work: the program's)."""
    program = ReceptionService(shop.db, shop.id, clock)
    with shop.db.session() as s:
        customer = CustomerRepository(s).add(shop.id, Customer(0, f"buyer{next(_buyers)}"))
    return program.customer_arrives(customer.id, first_text=text).id


def refused(code: str, action: Callable[[], object]) -> None:
    with pytest.raises(DomainError) as info:
        action()
    assert info.value.code == code, info.value


def test_the_chats_agent_transfers_it_to_a_colleague_with_a_note(shop: Shop, clock: FakeClock) -> None:
    kf1, sh1 = desk(shop, clock, "kf1"), desk(shop, clock, "sh1")
    conv = buyer(shop, clock, "我要改地址")
    kf1.accept(conv, shop.users["kf1"])
    kf1.agent_sends(conv, shop.users["kf1"], "好的亲，我帮您核实一下订单")

    done = kf1.transfer_to_agent(conv, shop.users["sh1"], "买家要改地址，已核实订单")

    assert done.to_name == "售后一"
    assert done.conversation.state is ConversationState.WAITING and done.conversation.agent_id == shop.users["sh1"]
    t = done.transfer
    assert (t.by_agent_id, t.from_agent_id, t.to_agent_id, t.to_group_id) == (
        shop.users["kf1"],
        shop.users["kf1"],
        shop.users["sh1"],
        None,
    )
    assert t.note == "买家要改地址，已核实订单" and t.created_at == clock.now
    # the buyer is told, in the chat (a system line)
    assert done.buyer_line.sender is Sender.SYSTEM and done.buyer_line.text == "已为您转接客服售后一，请稍候"
    # the sender's desk drops it; the receiver's lists it with the note and who sent it
    assert conv not in {c.id for c in kf1.desk_lists(shop.users["kf1"]).active}
    waiting = {c.id: c for c in sh1.desk_lists(shop.users["sh1"]).waiting}
    assert waiting[conv].transfer_note == "买家要改地址，已核实订单" and waiting[conv].transferred_by == "客服一"
    # the receiver reads the whole history and takes it
    texts = [m.text for m in sh1.messages(conv)]
    assert texts == ["我要改地址", "好的亲，我帮您核实一下订单", "已为您转接客服售后一，请稍候"]
    assert sh1.accept(conv, shop.users["sh1"]).agent_id == shop.users["sh1"]
    assert [x.note for x in sh1.transfers(conv)] == ["买家要改地址，已核实订单"]
    # and the former agent may no longer open it (a 客服 sees their own chats)
    refused("conversation.forbidden", lambda: kf1.messages(conv))


def test_a_transfer_to_a_group_goes_by_its_routing_or_back_to_the_queue(shop: Shop, clock: FakeClock) -> None:
    with shop.db.session() as s:
        bots = BotRepository(s)
        after_sales = bots.save_group(shop.id, None, "售后组", [], [shop.users["sh1"], shop.users["kf1"]])
        empty = bots.save_group(shop.id, None, "夜班组", [], [])
    kf1 = desk(shop, clock, "kf1")
    conv = buyer(shop, clock)
    kf1.accept(conv, shop.users["kf1"])

    done = kf1.transfer_to_group(conv, after_sales, "退货的事")
    # the group's 分流 picks among its available members, never the agent handing it over
    assert done.conversation.agent_id == shop.users["sh1"] and done.to_name == "售后一"
    assert (done.transfer.to_group_id, done.transfer.to_agent_id) == (after_sales, shop.users["sh1"])

    sh1 = desk(shop, clock, "sh1")
    sh1.accept(conv, shop.users["sh1"])
    queued = sh1.transfer_to_group(conv, empty, "请夜班跟进")  # nobody in the group is free
    assert queued.conversation.state is ConversationState.WAITING and queued.conversation.agent_id is None
    assert queued.to_name == "夜班组" and queued.buyer_line.text == "已为您转接夜班组，请稍候"
    # back in the shop's queue: every desk lists it, with the note for whoever takes it
    listed = {c.id: c for c in desk(shop, clock, "kf1").desk_lists(shop.users["kf1"]).waiting}
    assert listed[conv].transfer_note == "请夜班跟进"


def test_who_may_transfer_and_to_whom(shop: Shop, clock: FakeClock) -> None:
    kf1, sh1, xs1 = desk(shop, clock, "kf1"), desk(shop, clock, "sh1"), desk(shop, clock, "xs1")
    conv = buyer(shop, clock)
    kf1.accept(conv, shop.users["kf1"])
    # a 客服 cannot hand over a colleague's chat, nor a 学生 (they may not even open it)
    refused("conversation.forbidden", lambda: sh1.transfer_to_agent(conv, shop.users["sh1"], "我来"))
    refused("conversation.forbidden", lambda: xs1.transfer_to_agent(conv, shop.users["xs1"]))
    # nor anybody a 待接待 nobody has yet (it has no agent to hand it over)
    queued = buyer(shop, clock, "还在吗")
    refused("conversation.forbidden", lambda: kf1.transfer_to_agent(queued, shop.users["sh1"]))
    # not to oneself, not to somebody 离线, not with a note too long
    refused("transfer.same_agent", lambda: kf1.transfer_to_agent(conv, shop.users["kf1"]))
    with shop.db.session() as s:
        BotRepository(s).set_status(shop.users["sh1"], AgentStatus.OFFLINE, auto_suspended=False)
    refused("transfer.target_offline", lambda: kf1.transfer_to_agent(conv, shop.users["sh1"]))
    refused("transfer.note_too_long", lambda: kf1.transfer_to_agent(conv, shop.users["zhuguan"], "长" * 201))
    refused("transfer.target_missing", lambda: kf1.transfer_to_agent(conv, 99999))
    # the picker: colleagues not 离线, without oneself, with their open chats
    targets = kf1.transfer_targets()
    names = {a.display_name: a for a in targets.agents}
    assert "客服一" not in names and "售后一" not in names and names["主管"].open_chats == 0
    # a supervisor (主管, 主账号, 教师) may hand over anybody's chat
    done = desk(shop, clock, "zhuguan").transfer_to_agent(conv, shop.users["laoshi"], "老师请看")
    assert done.transfer.by_agent_id == shop.users["zhuguan"] and done.transfer.from_agent_id == shop.users["kf1"]
    assert done.conversation.agent_id == shop.users["laoshi"]
    # an ended chat is not handed over
    desk(shop, clock, "laoshi").end_with_note(conv, "客服已结束会话", "agent")
    refused("conversation.ended", lambda: desk(shop, clock, "boss").transfer_to_agent(conv, shop.users["kf1"]))


def test_a_student_cannot_open_or_write_in_another_seats_chat_by_id(shop: Shop, clock: FakeClock) -> None:
    with shop.db.session() as s:
        xs2 = AccountRepository(s).add_user(shop.id, "xs2", "学生二", Role.STUDENT).id
    xs1 = desk(shop, clock, "xs1")
    other = ReceptionService(shop.db, shop.id, clock, actor=Actor(xs2))
    theirs = buyer(shop, clock, "同学二的买家")
    other.accept(theirs, xs2)
    other.agent_sends(theirs, xs2, "您好")
    refused("conversation.forbidden", lambda: xs1.get(theirs))
    refused("conversation.forbidden", lambda: xs1.messages(theirs))
    refused("conversation.forbidden", lambda: xs1.mark_read(theirs))
    refused("conversation.forbidden", lambda: xs1.agent_sends(theirs, shop.users["xs1"], "我来回"))
    refused("conversation.forbidden", lambda: xs1.accept(theirs, shop.users["xs1"]))
    refused("conversation.forbidden", lambda: xs1.end_with_note(theirs, "结束", "agent"))
    refused("conversation.forbidden", lambda: xs1.set_starred(theirs, True))
    refused("conversation.forbidden", lambda: xs1.invite_rating(theirs))
    # ended, it is still another seat's history: a student's 已结束 is their own
    other.end_with_note(theirs, "客服已结束会话", "agent")
    refused("conversation.forbidden", lambda: xs1.messages(theirs))
    # staff read the shop's history; the teacher and a 客服's own chats as before
    assert desk(shop, clock, "kf1").messages(theirs)[0].text == "同学二的买家"
    assert desk(shop, clock, "laoshi").get(theirs) is not None
    # a chat nobody has yet is anybody's to open and take
    queued = buyer(shop, clock, "有人吗")
    assert xs1.messages(queued)[0].text == "有人吗"
    assert xs1.accept(queued, shop.users["xs1"]).agent_id == shop.users["xs1"]
    # a staff member cannot write in a colleague's open chat either
    refused("conversation.forbidden", lambda: desk(shop, clock, "kf1").agent_sends(queued, shop.users["kf1"], "x"))
    # the program (the feed, the bot) is not held to a seat
    assert ReceptionService(shop.db, shop.id, clock, actor=PROGRAM).get(queued) is not None


def test_accept_is_guarded_the_second_desk_is_told_who_has_the_buyer(shop: Shop, clock: FakeClock) -> None:
    kf1, sh1 = desk(shop, clock, "kf1"), desk(shop, clock, "sh1")
    conv = buyer(shop, clock)
    assert kf1.accept(conv, shop.users["kf1"]).agent_id == shop.users["kf1"]
    with pytest.raises(DomainError) as lost:
        desk(shop, clock, "zhuguan").accept(conv, shop.users["zhuguan"])  # a supervisor too: it is taken
    # (a supervisor may see it, so they are told who has it)
    assert lost.value.code == "conversation.taken" and lost.value.params["agent"] == "客服一"
    refused("conversation.forbidden", lambda: sh1.accept(conv, shop.users["sh1"]))
    assert kf1.accept(conv, shop.users["kf1"]).agent_id == shop.users["kf1"]  # one's own again: no change


def _race(shop: Shop, clock: FakeClock, first: Callable[[], object], second: Callable[[], object]) -> list[str]:
    """Run both at once (as two desks would); what each got: "ok" or the error code."""
    start = threading.Barrier(2)

    def run(action: Callable[[], object]) -> str:
        start.wait()
        try:
            action()
        except DomainError as exc:
            return exc.code
        return "ok"

    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(run, [first, second]))


def test_two_desks_accepting_the_same_buyer_at_once_exactly_one_wins(shop: Shop, clock: FakeClock) -> None:
    if shop.db.is_sqlite:
        pytest.skip("desks racing at once share a server (PostgreSQL); SQLite is one seat")
    one, two = Database(shop.url), Database(shop.url)
    try:
        for _ in range(10):
            conv = buyer(shop, clock)
            kf1, sh1 = desk(shop, clock, "kf1", one), desk(shop, clock, "sh1", two)
            results = _race(
                shop,
                clock,
                functools.partial(kf1.accept, conv, shop.users["kf1"]),
                functools.partial(sh1.accept, conv, shop.users["sh1"]),
            )
            assert sorted(results) in (["conversation.taken", "ok"], ["conversation.forbidden", "ok"]), results
            holder = ReceptionService(shop.db, shop.id, clock).get(conv)
            assert holder is not None
            assert holder.agent_id == shop.users["kf1" if results[0] == "ok" else "sh1"]
    finally:
        one.dispose()
        two.dispose()


def test_a_transfer_racing_an_accept_exactly_one_wins(shop: Shop, clock: FakeClock) -> None:
    """A buyer routed to 客服一 (not accepted yet): they accept while the 主管, whose desk shows it
    waiting for 客服一, hands it to 售后一."""
    if shop.db.is_sqlite:
        pytest.skip("desks racing at once share a server (PostgreSQL); SQLite is one seat")
    one, two = Database(shop.url), Database(shop.url)
    try:
        for _ in range(10):
            conv = buyer(shop, clock)
            with shop.db.session() as s:
                assert ConversationRepository(s).assign_waiting(conv, shop.users["kf1"])
            kf1, boss = desk(shop, clock, "kf1", one), desk(shop, clock, "zhuguan", two)
            shown = boss.get(conv)  # what the supervisor's desk showed: waiting for 客服一
            assert shown is not None and shown.agent_id == shop.users["kf1"]
            results = _race(
                shop,
                clock,
                functools.partial(kf1.accept, conv, shop.users["kf1"]),
                functools.partial(boss.transfer_to_agent, conv, shop.users["sh1"], "交给售后", seen=shown),
            )
            assert results.count("ok") == 1, results
            program = ReceptionService(shop.db, shop.id, clock)
            now = program.get(conv)
            assert now is not None
            with shop.db.session() as s:
                recorded = ConversationActionRepository(s).transfers(conv)
            if results[0] == "ok":  # the accept won: the transfer changed nothing and said so
                assert results[1] == "conversation.changed"
                assert (now.state, now.agent_id, recorded) == (ConversationState.ACTIVE, shop.users["kf1"], [])
            else:  # the transfer won: the accept was refused, the chat waits for 售后一
                assert results[0] in ("conversation.forbidden", "conversation.taken")
                assert (now.state, now.agent_id, len(recorded)) == (ConversationState.WAITING, shop.users["sh1"], 1)
    finally:
        one.dispose()
        two.dispose()


def test_a_transfer_of_a_chat_changed_meanwhile_says_so_and_changes_nothing(shop: Shop, clock: FakeClock) -> None:
    """The guard itself, deterministically: the holder read is no longer the holder at the UPDATE."""
    kf1 = desk(shop, clock, "kf1")
    conv = buyer(shop, clock)
    kf1.accept(conv, shop.users["kf1"])
    with shop.db.session() as s:
        repo = ConversationRepository(s)
        read = repo.get(conv)
        assert read is not None
        # another desk hands it over between our read and our update
        assert repo.move_if(
            conv,
            state=ConversationState.ACTIVE,
            agent_id=shop.users["kf1"],
            new_state=ConversationState.WAITING,
            new_agent_id=shop.users["sh1"],
        )
        assert not repo.move_if(
            conv,
            state=read.state,
            agent_id=read.agent_id,
            new_state=ConversationState.WAITING,
            new_agent_id=shop.users["zhuguan"],
        )
    refused("conversation.forbidden", lambda: kf1.transfer_to_agent(conv, shop.users["zhuguan"]))
    # a supervisor whose desk still showed it with 客服一 is told it changed; nothing is recorded
    boss = desk(shop, clock, "zhuguan")
    refused("conversation.changed", lambda: boss.transfer_to_agent(conv, shop.users["laoshi"], seen=read))
    assert boss.transfers(conv) == []


def test_pin_and_star_are_each_agents_own_and_pinned_chats_lead(shop: Shop, clock: FakeClock) -> None:
    from datetime import timedelta

    kf1, boss = desk(shop, clock, "kf1"), desk(shop, clock, "boss")
    chats = []
    for i in range(3):
        chats.append(buyer(shop, clock, "x" * (i + 1)))
        clock.now += timedelta(minutes=1)
    chats.reverse()  # the newest buyer first: chats[0] waits at the end of the queue until pinned
    order = [c.id for c in kf1.desk_lists(shop.users["kf1"]).waiting]
    assert order == chats[::-1]  # the longest-waiting buyer first
    kf1.set_pinned(chats[0], True)
    kf1.set_starred(chats[1], True)
    listed = kf1.desk_lists(shop.users["kf1"]).waiting
    assert [c.id for c in listed] == [chats[0], chats[2], chats[1]]
    assert {c.id: (c.pinned, c.starred) for c in listed} == {
        chats[0]: (True, False),
        chats[1]: (False, True),
        chats[2]: (False, False),
    }
    # another agent's list is their own
    assert [c.id for c in boss.desk_lists(shop.users["boss"]).waiting] == chats[::-1]
    kf1.set_pinned(chats[0], False)
    assert [c.id for c in kf1.desk_lists(shop.users["kf1"]).waiting] == chats[::-1]
    refused("conversation.forbidden", lambda: ReceptionService(shop.db, shop.id, clock).set_pinned(chats[0], True))


def test_an_agent_ends_their_chat(shop: Shop, clock: FakeClock) -> None:
    kf1 = desk(shop, clock, "kf1")
    conv = buyer(shop, clock)
    kf1.accept(conv, shop.users["kf1"])
    kf1.end_with_note(conv, "客服已结束会话", "agent")
    ended = kf1.get(conv)
    assert ended is not None and ended.state is ConversationState.ENDED and ended.end_reason == "agent"
    refused("conversation.ended", lambda: kf1.agent_sends(conv, shop.users["kf1"], "还在吗"))


def test_the_rating_invitation_is_sent_once_and_recorded(shop: Shop, clock: FakeClock) -> None:
    kf1 = desk(shop, clock, "kf1")
    conv = buyer(shop, clock)
    kf1.accept(conv, shop.users["kf1"])
    assert not kf1.rating_invited(conv)
    card = kf1.invite_rating(conv)
    assert card.sender is Sender.SYSTEM and card.text.startswith("【邀请评价】") and "客服一" in card.text
    assert kf1.rating_invited(conv)
    refused("rating.already_invited", lambda: kf1.invite_rating(conv))
    assert [m.text for m in kf1.messages(conv)].count(card.text) == 1
    with shop.db.session() as s:
        assert ConversationActionRepository(s).invitation_count([conv]) == 1  # counted for satisfaction
    refused("conversation.forbidden", lambda: desk(shop, clock, "sh1").invite_rating(conv))


def test_a_returning_buyers_earlier_visits_are_listed_for_whoever_may_read_them(shop: Shop, clock: FakeClock) -> None:
    """The chat shows a returning buyer's earlier visits: staff read the shop's history, a 学生 only
    their own seat's (another student's earlier chat with the same buyer stays hidden)."""
    with shop.db.session() as s:
        xs2 = AccountRepository(s).add_user(shop.id, "xs2", "学生二", Role.STUDENT).id
        customer = CustomerRepository(s).add(shop.id, Customer(0, "回头客"))
    program = ReceptionService(shop.db, shop.id, clock)
    other = ReceptionService(shop.db, shop.id, clock, actor=Actor(xs2))
    first = program.customer_arrives(customer.id, first_text="上次的问题").id
    other.accept(first, xs2)
    other.agent_sends(first, xs2, "好的")
    other.end_with_note(first, "客服已结束会话", "agent")
    again = program.customer_arrives(customer.id, first_text="我又来了").id
    assert again != first
    visits = desk(shop, clock, "kf1").earlier_visits(again)
    assert [(v.conversation_id, v.message_count) for v in visits] == [(first, 3)]
    assert desk(shop, clock, "xs1").earlier_visits(again) == []  # another seat's chat
    assert [v.conversation_id for v in other.earlier_visits(again)] == [first]  # their own
