"""The bot at work over a real SQLite database with the demo shop: settings, routing new customers,
answering and handing off in full-auto, 分流 to colleagues, the capacity rule, and the channel."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from tests.unit.bot.conftest import FakeClock
from workbench.composition import build_channel
from workbench.domain.bot import (
    AutoStrategy,
    CardMode,
    CardQuestion,
    HandoffReason,
    ReceptionConfig,
    ReceptionMode,
    TransferRules,
    WelcomeConfig,
)
from workbench.domain.conversations import ConversationState, Sender
from workbench.domain.errors import DomainError
from workbench.domain.routing import AgentRole, RoutingConfig
from workbench.domain.shops import AgentStatus
from workbench.kb.matcher import Matcher
from workbench.services.bot import BotService, ReceptionBot
from workbench.services.routing import AccountForm, RoutingService
from workbench.services.workspace import Workspace
from workbench.storage.repositories.bot import BotRepository

pytestmark = pytest.mark.usefixtures("jieba_ready")


@pytest.fixture
def matcher(ws: Workspace) -> Matcher:
    return Matcher(ws.kb.entries())


@pytest.fixture
def bot_service(ws: Workspace) -> BotService:
    return BotService(ws.db, ws.shop.id, ws.clock, actor=ws.actor)


@pytest.fixture
def routing(ws: Workspace) -> RoutingService:
    return RoutingService(ws.db, ws.shop.id, ws.clock, actor=ws.actor)


def full_auto(service: BotService, strategy: AutoStrategy = AutoStrategy.BOT_FIRST, share: int = 50) -> None:
    service.save_reception(ReceptionConfig(mode=ReceptionMode.AUTO, strategy=strategy, bot_share=share))


def customer_ids(ws: Workspace, n: int) -> list[int]:
    return [c.id for c in ws.customers_for_tests(n)] if hasattr(ws, "customers_for_tests") else _customers(ws, n)


def _customers(ws: Workspace, n: int) -> list[int]:
    from workbench.storage.repositories.customers import CustomerRepository

    with ws.db.session() as s:
        return CustomerRepository(s).ids(ws.shop.id)[:n]


@pytest.fixture
def desk(ws: Workspace, matcher: Matcher) -> Iterator[ReceptionBot]:
    import random

    bot = ReceptionBot(ws.db, ws.shop.id, ws.clock, random.Random(1))
    bot.set_matcher(matcher)
    yield bot


def arrive(ws: Workspace, bot: ReceptionBot, customer_id: int, first: str = "") -> int:
    conv = ws.reception.customer_arrives(customer_id)
    bot.refresh()
    with ws.db.session() as s:
        bot.new_customer(s, conv.id, first)
    return conv.id


# -- settings --------------------------------------------------------------------------------------


def test_welcome_is_validated_and_saved_and_the_card_shows_it(ws: Workspace, bot_service: BotService) -> None:
    with pytest.raises(DomainError) as info:
        bot_service.save_welcome(WelcomeConfig(nickname=""))
    assert info.value.field == "nickname"
    questions = tuple(CardQuestion(q) for q in ("什么时候发货", "包邮吗", "发什么快递", "支持七天无理由吗", "怎么退货"))
    saved = bot_service.save_welcome(
        WelcomeConfig(
            nickname="小南", default_text="欢迎！我是{机器人昵称}", card_mode=CardMode.MANUAL, card_questions=questions
        )
    )
    assert saved.welcome.nickname == "小南" and saved.version == 1
    card = bot_service.welcome_card()
    assert card.text == "欢迎！我是小南" and [q.question for q in card.questions] == [q.question for q in questions]
    smart = bot_service.welcome_card(replace(saved.welcome, card_mode=CardMode.SMART))
    assert len(smart.questions) == 8 and all(smart.predicted[5:])
    assert BotService(ws.db, ws.shop.id, actor=ws.actor).settings() == saved  # persisted, read through a new service


# -- who serves a new customer ---------------------------------------------------------------------


def test_assist_mode_leaves_customers_to_humans(ws: Workspace, desk: ReceptionBot) -> None:
    conv_id = arrive(ws, desk, _customers(ws, 1)[0], "在吗")
    assert not desk.is_bot(conv_id)
    conv = ws.reception.get(conv_id)
    assert conv is not None and conv.state is ConversationState.WAITING and conv.agent_id is None


def test_bot_first_welcomes_answers_and_hands_off_with_the_reason(
    ws: Workspace, desk: ReceptionBot, bot_service: BotService
) -> None:
    full_auto(bot_service)
    conv_id = arrive(ws, desk, _customers(ws, 1)[0], "在吗")
    assert desk.is_bot(conv_id)
    welcome = ws.reception.messages(conv_id)
    assert [m.sender for m in welcome] == [Sender.BOT] and welcome[0].text.startswith("亲，欢迎光临南栀女装旗舰店")
    conv = ws.reception.get(conv_id)
    assert conv is not None and conv.state is ConversationState.ACTIVE and conv.agent_id is None

    answered = desk.answer(conv_id, "什么时候发货")
    assert [m.sender for m in answered.messages] == [Sender.CUSTOMER, Sender.BOT] and answered.handoff is None
    assert "发货" in answered.replies[0]

    handed = desk.answer(conv_id, "我要投诉你们")
    assert handed.handoff is HandoffReason.KEYWORD
    assert [m.sender for m in handed.messages] == [Sender.CUSTOMER, Sender.BOT, Sender.SYSTEM]
    assert handed.replies == ("亲，正在为您转接人工客服，请稍候～",)  # agents are online
    assert handed.messages[-1].text == "机器人转人工：买家消息含转人工关键词「投诉」"
    waiting = ws.reception.lists().waiting
    assert [c.id for c in waiting] == [conv_id] and waiting[0].unread == 1
    assert not desk.is_bot(conv_id)
    stored = [(m.sender, m.text) for m in ws.reception.messages(conv_id)]
    assert stored[1:] == [(m.sender, m.text) for m in answered.messages + handed.messages]


def test_no_agent_online_gets_the_failure_prompt_and_a_message_left(
    ws: Workspace, desk: ReceptionBot, bot_service: BotService, routing: RoutingService
) -> None:
    full_auto(bot_service, AutoStrategy.HUMAN_FIRST)
    for account in routing.accounts():
        routing.set_status(account.id, AgentStatus.OFFLINE)
    conv_id = arrive(ws, desk, _customers(ws, 1)[0])
    assert desk.is_bot(conv_id)  # 人工优先: nobody online, so the bot
    out = desk.answer(conv_id, "转人工")
    assert out.replies == (TransferRules().failure_prompt,)
    assert out.messages[-1].text.endswith("（暂无客服在线，已留言待接待）")
    assert [c.id for c in ws.reception.lists().waiting] == [conv_id]


def test_human_first_and_mixed(
    ws: Workspace, desk: ReceptionBot, bot_service: BotService, routing: RoutingService
) -> None:
    full_auto(bot_service, AutoStrategy.HUMAN_FIRST)
    customers = _customers(ws, 8)
    assert not desk.is_bot(arrive(ws, desk, customers[0]))  # agents are online
    for account in routing.accounts():
        routing.set_status(account.id, AgentStatus.BUSY)
    assert desk.is_bot(arrive(ws, desk, customers[1]))  # everybody 挂起
    for account in routing.accounts():
        routing.set_status(account.id, AgentStatus.ONLINE)
    full_auto(bot_service, AutoStrategy.MIXED, share=50)
    picks = [desk.is_bot(arrive(ws, desk, c)) for c in customers[2:8]]
    assert sum(picks) == 3


def test_without_a_matcher_the_bot_takes_nobody(ws: Workspace, bot_service: BotService) -> None:
    import random

    full_auto(bot_service)
    bot = ReceptionBot(ws.db, ws.shop.id, ws.clock, random.Random(1))
    assert not bot.is_bot(arrive(ws, bot, _customers(ws, 1)[0]))


def test_negative_emotion_needs_human_misses_and_repeats_hand_off(
    ws: Workspace, desk: ReceptionBot, bot_service: BotService
) -> None:
    full_auto(bot_service)
    customers = _customers(ws, 4)
    cases = [
        (["你们这什么破东西，气死我了，骗子！！"], HandoffReason.EMOTION),
        (["拍错尺码了能改吗"], HandoffReason.NEEDS_HUMAN),
        (["qwertyuiop", "zxcvbnm"], HandoffReason.MISSES),
        (["什么时候发货", "什么时候发货啊", "到底什么时候发货"], HandoffReason.REPEAT),
    ]
    for customer, (texts, reason) in zip(customers, cases, strict=True):
        conv_id = arrive(ws, desk, customer)
        outcomes = [desk.answer(conv_id, t) for t in texts]
        assert [o.handoff for o in outcomes] == [None] * (len(texts) - 1) + [reason], texts
        with ws.db.session() as s:
            assert BotRepository(s).handoff_of(conv_id)[0] == reason.value  # type: ignore[index]


def test_a_reply_with_a_number_picks_from_the_clarify_list(
    ws: Workspace, desk: ReceptionBot, bot_service: BotService
) -> None:
    full_auto(bot_service)
    conv_id = arrive(ws, desk, _customers(ws, 1)[0])
    first = desk.answer(conv_id, "这个能修吗")
    assert first.decision is not None and first.decision.action.value == "clarify"
    options = first.decision.state.options
    picked = desk.answer(conv_id, "2")
    assert picked.decision is not None and picked.decision.entry_id == options[1]


def test_an_agent_writing_in_a_bot_chat_takes_it_over(ws: Workspace, matcher: Matcher, bot_service: BotService) -> None:
    full_auto(bot_service)
    t = [0.0]
    channel = build_channel(ws, rate_per_min=0.0, seed=11)
    channel.monotonic = lambda: t[0]
    channel.set_matcher(matcher)
    updates = channel.spawn("size_advice")
    conv_id = updates[0].conversation_id
    assert updates[0].arrived and updates[0].by_bot
    senders = [m.sender for m in updates[0].messages]
    assert senders[:2] == [Sender.BOT, Sender.CUSTOMER] and Sender.BOT in senders[2:]
    ws.reception.agent_sends(conv_id, ws.agent.id, "亲，我来为您服务")
    channel.agent_replied(conv_id, "亲，我来为您服务")
    assert not channel.bot.is_bot(conv_id)
    for _ in range(120):
        t[0] += 1.0
        for update in channel.tick():
            assert not any(m.sender is Sender.BOT for m in update.messages if update.conversation_id == conv_id)


# -- 分流 ----------------------------------------------------------------------------------------------


def test_accounts_are_created_validated_and_grouped(routing: RoutingService) -> None:
    with pytest.raises(DomainError) as taken:
        routing.create_account(AccountForm("xiaolin", "小林"))
    assert taken.value.code == "account.username_taken" and taken.value.field == "username"
    with pytest.raises(DomainError) as bad:
        routing.create_account(AccountForm("new one", "新人"))
    assert bad.value.field == "username"
    group = routing.save_group(None, "售后组", ["退货", "维修"], [])
    created = routing.create_account(AccountForm("南栀:小美", "小美", AgentRole.AFTERSALES, True, 3, True, (group.id,)))
    assert (created.role, created.capacity, created.simulated, created.group_ids) == (
        AgentRole.AFTERSALES,
        3,
        True,
        (group.id,),
    )
    assert routing.groups()[0].agent_ids == (created.id,)
    with pytest.raises(DomainError) as dup:
        routing.save_group(None, "售后组", [], [])
    assert dup.value.code == "group.name_taken"
    edited = routing.update_account(created.id, replace(AccountForm("ignored", "小美美"), capacity=5))
    assert edited.display_name == "小美美" and edited.username == "南栀:小美" and edited.group_ids == ()


def test_round_robin_to_simulated_colleagues_who_answer(
    ws: Workspace, matcher: Matcher, routing: RoutingService
) -> None:
    accounts = routing.accounts()
    desk_agent = accounts[0]
    colleagues = [a for a in accounts[1:3]]
    for a in colleagues:
        routing.update_account(a.id, AccountForm(a.username, a.display_name, a.role, True, 8, True))
    for a in accounts[3:]:
        routing.update_account(a.id, AccountForm(a.username, a.display_name, a.role, False, 8, False))
    routing.save_config(RoutingConfig(enabled=True))
    t = [0.0]
    channel = build_channel(ws, rate_per_min=0.0, seed=5)
    channel.monotonic = lambda: t[0]
    channel.set_matcher(matcher)
    assigned = []
    for scenario in ("when_ship", "size_advice", "where_is_parcel"):
        update = channel.spawn(scenario)[0]
        assigned.append(update.assigned_agent_id)
    assert assigned == [desk_agent.id, colleagues[0].id, colleagues[1].id]
    lists = ws.reception.lists()
    assert [(c.agent_id, c.state) for c in lists.waiting] == [(desk_agent.id, ConversationState.WAITING)]
    assert sorted(c.agent_id for c in lists.active) == sorted(a.id for a in colleagues)
    colleague_chat = next(c for c in lists.active if c.agent_id == colleagues[0].id)
    first = ws.reception.messages(colleague_chat.id)
    assert first[0].sender is Sender.AGENT and colleagues[0].display_name in first[0].text
    replies = []
    for _ in range(60):
        t[0] += 1.0
        for update in channel.tick():
            replies += [m for m in update.messages if m.sender is Sender.AGENT and m.agent_id == colleagues[0].id]
        if replies:
            break
    assert replies, "the colleague never answered"


def test_capacity_rule_suspends_a_full_agent_and_brings_them_back(
    ws: Workspace, matcher: Matcher, routing: RoutingService
) -> None:
    accounts = routing.accounts()
    me = accounts[0]
    routing.update_account(me.id, AccountForm(me.username, me.display_name, me.role, True, 1, False))
    for a in accounts[1:]:
        routing.update_account(a.id, AccountForm(a.username, a.display_name, a.role, False, 8, False))
    routing.save_config(RoutingConfig(enabled=True, auto_suspend=True))
    t = [0.0]
    channel = build_channel(ws, rate_per_min=0.0, seed=2)
    channel.monotonic = lambda: t[0]
    first = channel.spawn("when_ship")[0]
    assert first.assigned_agent_id == me.id
    channel.tick()
    mine = next(a for a in routing.accounts() if a.id == me.id)
    assert mine.status is AgentStatus.BUSY and mine.auto_suspended
    second = channel.spawn("size_advice")[0]
    assert second.assigned_agent_id is None  # nobody free: the 待接待 queue
    ws.reception.end(first.conversation_id, "agent")
    channel.forget(first.conversation_id)
    channel.tick()
    mine = next(a for a in routing.accounts() if a.id == me.id)
    assert mine.status is AgentStatus.ONLINE and not mine.auto_suspended


def test_hand_off_goes_to_the_routed_agent(
    ws: Workspace, desk: ReceptionBot, bot_service: BotService, routing: RoutingService
) -> None:
    full_auto(bot_service)
    accounts = routing.accounts()
    after = routing.save_group(None, "售后组", ["投诉", "退货"], [accounts[2].id])
    assert after.keywords == ("投诉", "退货")
    routing.save_config(RoutingConfig(enabled=True))
    conv_id = arrive(ws, desk, _customers(ws, 1)[0])
    out = desk.answer(conv_id, "我要投诉")
    assert out.agent is not None and out.agent.id == accounts[2].id
    assert out.messages[-1].text.endswith(f"已分配给 {accounts[2].display_name}")
    conv = ws.reception.get(conv_id)
    assert conv is not None and conv.state is ConversationState.WAITING and conv.agent_id == accounts[2].id


def test_simulated_customers_are_served_by_the_bot_through_the_channel(
    ws: Workspace, matcher: Matcher, bot_service: BotService, clock: FakeClock
) -> None:
    full_auto(bot_service)
    t = [0.0]
    channel = build_channel(ws, rate_per_min=3.0, seed=9)
    channel.monotonic = lambda: t[0]
    channel.set_matcher(matcher)
    seen: dict[int, list[tuple[Sender, str]]] = {}
    handoffs: dict[int, str] = {}
    for _ in range(900):
        t[0] += 1.0
        for update in channel.tick():
            seen.setdefault(update.conversation_id, []).extend((m.sender, m.text) for m in update.messages)
            if update.handoff_reason:
                handoffs[update.conversation_id] = update.handoff_reason
    bot_chats = [c for c, msgs in seen.items() if msgs and msgs[0][0] is Sender.BOT]
    assert len(bot_chats) >= 5
    for conv_id, msgs in seen.items():
        assert [(m.sender, m.text) for m in ws.reception.messages(conv_id)] == msgs  # every message persisted
    assert handoffs, "no hand-off in 15 minutes of simulated customers"
    for conv_id, reason in handoffs.items():
        notes = [t for s, t in seen[conv_id] if s is Sender.SYSTEM and t.startswith("机器人转人工")]
        assert notes and HandoffReason(reason)
    stats = bot_service.stats()
    assert stats["taken"] == len(bot_chats) and stats["handed_off"] == len(handoffs)


def test_a_desk_lists_its_own_chats_without_the_bots_and_colleagues(
    ws: Workspace, desk: ReceptionBot, bot_service: BotService, routing: RoutingService
) -> None:
    me, colleague = routing.accounts()[:2]
    customers = _customers(ws, 4)
    full_auto(bot_service)
    by_bot = arrive(ws, desk, customers[0])
    bot_service.save_reception(ReceptionConfig(mode=ReceptionMode.ASSIST))
    free = arrive(ws, desk, customers[1])
    mine = ws.reception.customer_arrives(customers[2]).id
    ws.reception.accept(mine, me.id)
    theirs = ws.reception.customer_arrives(customers[3]).id
    routing.assign(theirs, colleague.id)
    everything = ws.reception.lists()
    assert {c.id for c in everything.waiting + everything.active} == {by_bot, free, mine, theirs}
    desk_view = ws.reception.desk_lists(me.id)
    assert [c.id for c in desk_view.waiting] == [free]
    assert [c.id for c in desk_view.active] == [mine]


def test_a_direct_answer_counts_in_the_entrys_heat(
    ws: Workspace, desk: ReceptionBot, matcher: Matcher, bot_service: BotService
) -> None:
    full_auto(bot_service)
    conv_id = arrive(ws, desk, _customers(ws, 1)[0], "在吗")
    best = matcher.answer("什么时候发货").best
    assert best is not None

    def heat() -> int:
        return next(e.hits for e in ws.kb.entries() if e.id == best.entry_id)

    before = heat()
    answered = desk.answer(conv_id, "什么时候发货")
    assert answered.decision is not None and answered.decision.entry_id == best.entry_id
    assert heat() == before + 1
    desk.answer(conv_id, "在吗")  # a greeting is not a use of that entry
    assert heat() == before + 1


def test_a_card_question_the_shop_answered_gets_that_answer(ws: Workspace, matcher: Matcher) -> None:
    from workbench.domain.bot import BotAction, BotChatState, BotSettings
    from workbench.services.bot import BotEngine, load_kb_snapshot

    own = CardQuestion("发什么快递", None, "亲，{机器人昵称}这边默认发中通，需要顺丰可以备注补差价哦")
    kb_card = CardQuestion("什么时候发货")  # no answer of its own: the KB answers it
    welcome = WelcomeConfig(nickname="小南", card_mode=CardMode.MANUAL, card_questions=(own, kb_card))
    engine = BotEngine(BotSettings(welcome=welcome), matcher, load_kb_snapshot(ws.db, ws.shop.id))
    clicked = engine.reply(BotChatState(), "发什么快递？")
    assert clicked.action is BotAction.ANSWER
    assert clicked.text == "亲，小南这边默认发中通，需要顺丰可以备注补差价哦"
    kb = engine.reply(BotChatState(), "什么时候发货")
    assert kb.action is BotAction.ANSWER and kb.text == matcher.answer("什么时候发货").best.answer  # type: ignore[union-attr]
