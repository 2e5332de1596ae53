"""The bot's repository on SQLite and PostgreSQL: settings, accounts and groups, batched turns, the
auto-message log and the order facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta

import pytest

from workbench.domain.auto_messages import AutoKind, LogStatus
from workbench.domain.bot import (
    AutoStrategy,
    BotChatState,
    CardMode,
    CardQuestion,
    HandoffReason,
    QuickButton,
    ReceptionMode,
    WelcomePeriod,
)
from workbench.domain.conversations import ConversationState, Sender
from workbench.domain.customers import Customer
from workbench.domain.kb import Phrasing
from workbench.domain.orders import Order, OrderItem, OrderState
from workbench.domain.routing import AgentRole, RoutingStrategy
from workbench.domain.shops import AgentStatus
from workbench.storage.db import Database
from workbench.storage.repositories.bot import BotRepository, BotTurn
from workbench.storage.repositories.conversations import ConversationRepository
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.kb import KbRepository
from workbench.storage.repositories.orders import OrderRepository
from workbench.storage.repositories.shops import ShopRepository

T0 = datetime(2026, 11, 11, 10, 0, 0)


@pytest.fixture
def shop(db: Database) -> tuple[int, list[int], list[int]]:
    """A shop with two agents and three customers; returns (shop id, agent ids, customer ids)."""
    with db.session() as s:
        shops = ShopRepository(s)
        shop = shops.add("南栀女装", "服饰", {"bot_nickname": "小栀", "service_hours": "09:00-24:00"})
        agents = [shops.add_agent(shop.id, u, n).id for u, n in (("xiaozhao", "小赵"), ("xiaolin", "小林"))]
        customers = CustomerRepository(s)
        ids = [customers.add(shop.id, Customer(0, nick, bad_review_count=i)).id for i, nick in enumerate("甲乙丙")]
        return shop.id, agents, ids


def test_defaults_come_from_the_shop_and_everything_round_trips(
    db: Database, shop: tuple[int, list[int], list[int]]
) -> None:
    shop_id = shop[0]
    with db.session() as s:
        config = BotRepository(s).config(shop_id)
    welcome = config.bot.welcome
    assert welcome.nickname == "小栀" and "南栀女装" in welcome.default_text
    assert welcome.periods == (WelcomePeriod(time(0), time(9), welcome.periods[0].text),)  # outside 09:00-24:00
    assert [b.label for b in welcome.quick_buttons][-1] == "转人工"
    assert config.bot.version == 0 and not config.routing.enabled

    changed = replace(
        config,
        bot=replace(
            config.bot,
            welcome=replace(
                welcome,
                nickname="小南",
                card_mode=CardMode.MANUAL,
                card_questions=(CardQuestion("包邮吗", 3, "包邮哦"), CardQuestion("发什么快递")),
                quick_buttons=(QuickButton("查物流", "我的快递到哪了"),),
                periods=(WelcomePeriod(time(22, 30), time(8), "夜间"),),
            ),
            transfer=replace(config.bot.transfer, keywords=("人工",), max_misses=4, emotion_threshold=0.4),
            reception=replace(config.bot.reception, mode=ReceptionMode.AUTO, strategy=AutoStrategy.MIXED, bot_share=30),
        ),
        routing=replace(config.routing, enabled=True, strategy=RoutingStrategy.LEAST_BUSY, overflow=False),
        rules={
            **config.rules,
            AutoKind.UNPAID: replace(config.rules[AutoKind.UNPAID], enabled=True, since=T0, quiet_start=time(23)),
        },
        order_events_per_min=5.0,
    )
    with db.session() as s:
        saved = BotRepository(s).save_config(shop_id, changed, T0)
    with db.session() as s:
        again = BotRepository(s).config(shop_id)
        assert BotRepository(s).version(shop_id) == 1
    assert again == saved
    assert again.bot == replace(changed.bot, version=1)
    assert again.routing == changed.routing and again.rules == changed.rules and again.order_events_per_min == 5.0


def test_accounts_profiles_groups_and_open_chats(db: Database, shop: tuple[int, list[int], list[int]]) -> None:
    shop_id, (zhao, lin), customers = shop
    with db.session() as s:
        repo = BotRepository(s)
        new = repo.add_sub_account(shop_id, "azhen", "阿珍", AgentRole.AFTERSALES, AgentStatus.ONLINE)
        after = repo.save_group(shop_id, None, "售后组", ["退货", "维修"], [lin, new])
        repo.save_group(shop_id, None, "售前组", [], [zhao])
        repo.update_sub_account(
            new,
            display_name="阿珍",
            role=AgentRole.AFTERSALES,
            can_route=True,
            capacity=2,
            simulated=True,
            group_ids=[after],
        )
        assert repo.username_taken(shop_id, "azhen") and not repo.username_taken(shop_id, "azhen", except_id=new)
        conv = ConversationRepository(s)
        for customer in customers[:2]:
            c = conv.create(shop_id, customer, T0)
            conv.set_state(c.id, ConversationState.ACTIVE, T0, agent_id=new)
    with db.session() as s:
        repo = BotRepository(s)
        accounts = {a.username: a for a in repo.sub_accounts(shop_id)}
        groups = repo.groups(shop_id)
    zhen = accounts["azhen"]
    assert (zhen.role, zhen.capacity, zhen.simulated, zhen.group_ids, zhen.open_chats) == (
        AgentRole.AFTERSALES,
        2,
        True,
        (after,),
        2,
    )
    assert not zhen.available  # at capacity
    assert accounts["xiaozhao"].capacity == 8 and accounts["xiaozhao"].available  # no profile yet: defaults
    assert [(g.name, g.keywords, g.agent_ids) for g in groups] == [
        ("售后组", ("退货", "维修"), (lin, new)),
        ("售前组", (), (zhao,)),
    ]
    with db.session() as s:
        repo = BotRepository(s)
        repo.set_status(new, AgentStatus.BUSY, auto_suspended=True)
        repo.delete_group(after)
    with db.session() as s:
        zhen = next(a for a in BotRepository(s).sub_accounts(shop_id) if a.id == new)
    assert zhen.status is AgentStatus.BUSY and zhen.auto_suspended and zhen.group_ids == ()


def test_bot_turns_are_stored_in_one_batch_and_hand_offs_land_in_waiting(
    db: Database, shop: tuple[int, list[int], list[int]]
) -> None:
    shop_id, (zhao, _), customers = shop
    with db.session() as s:
        conv = ConversationRepository(s)
        a = conv.create(shop_id, customers[0], T0)
        b = conv.create(shop_id, customers[1], T0)
        repo = BotRepository(s)
        repo.take(a.id, T0)
        repo.take(b.id, T0)
    t1 = T0 + timedelta(seconds=5)
    turns = [
        BotTurn(a.id, t1, "什么时候发货", ((Sender.BOT, "48小时内发货"),), BotChatState(0, "e:1", 1, (), 1)),
        BotTurn(b.id, t1, "我要投诉", ((Sender.BOT, "正在转接"), (Sender.SYSTEM, "机器人转人工：关键词")),
                BotChatState(0, "", 0, (), 1), HandoffReason.KEYWORD, "投诉", zhao),
        BotTurn(b.id, t1 + timedelta(seconds=1), "人呢"),
        BotTurn(a.id, t1 + timedelta(seconds=2), "好的", ((Sender.BOT, "不客气"),), BotChatState(0, "e:2", 1, (), 2)),
    ]  # fmt: skip
    with db.session() as s:
        stored = BotRepository(s).persist_turns(turns)
    assert [[(m.sender, m.text) for m in group] for group in stored] == [
        [(Sender.CUSTOMER, "什么时候发货"), (Sender.BOT, "48小时内发货")],
        [(Sender.CUSTOMER, "我要投诉"), (Sender.BOT, "正在转接"), (Sender.SYSTEM, "机器人转人工：关键词")],
        [(Sender.CUSTOMER, "人呢")],
        [(Sender.CUSTOMER, "好的"), (Sender.BOT, "不客气")],
    ]
    with db.session() as s:
        conv = ConversationRepository(s)
        repo = BotRepository(s)
        assert [m.id for m in conv.messages(a.id)] == [m.id for m in stored[0] + stored[3]]
        served, handed = conv.get(a.id), conv.get(b.id)
        assert served is not None and handed is not None
        assert (served.state, served.agent_id, served.unread, served.waiting_since, served.last_message) == (
            ConversationState.ACTIVE, None, 0, None, "不客气",
        )  # fmt: skip
        assert (handed.state, handed.agent_id, handed.unread, handed.waiting_since, handed.last_message) == (
            ConversationState.WAITING, zhao, 2, t1, "人呢",
        )  # fmt: skip
        assert repo.bot_owned(shop_id) == {a.id}
        assert repo.bot_states([a.id, b.id]) == {a.id: BotChatState(0, "e:2", 1, (), 2)}
        assert repo.handoff_of(b.id) == ("keyword", "投诉") and repo.handoff_of(a.id) is None
        assert repo.stats(shop_id) == {"taken": 2, "serving": 1, "handed_off": 1}
        repo.release(a.id)
        assert repo.bot_owned(shop_id) == set()


def test_log_order_facts_and_recipients(db: Database, shop: tuple[int, list[int], list[int]]) -> None:
    shop_id, _, customers = shop
    with db.session() as s:
        orders = OrderRepository(s)
        item = OrderItem("SKU1", "南栀 纯棉连衣裙 长款", "M", "米白", 1, 19900)
        unpaid = orders.add_order(
            shop_id, Order(0, "100000000000000001", customers[1], OrderState.AWAITING_PAYMENT, 19900, T0, items=(item,))
        )
        orders.add_order(
            shop_id,
            Order(
                0,
                "100000000000000002",
                customers[2],
                OrderState.SHIPPED,
                9900,
                T0,
                carrier="中通快递",
                tracking_no="781234",
            ),
        )
        open_conv = ConversationRepository(s).create(shop_id, customers[1], T0)
        customers_repo = CustomerRepository(s)
        tag = customers_repo.ensure_tag(shop_id, "老客户")
        customers_repo.add_tag(customers[0], tag.id, T0)
    with db.session() as s:
        repo = BotRepository(s)
        facts = repo.order_facts(shop_id, states=[OrderState.AWAITING_PAYMENT.value])
        assert [(f.order_no, f.customer_nick, f.bad_reviews, f.first_item) for f in facts] == [
            ("100000000000000001", "乙", 1, "南栀 纯棉连衣裙 长款")
        ]
        ids = repo.add_log(
            shop_id,
            [
                (
                    AutoKind.UNPAID,
                    customers[1],
                    "100000000000000001",
                    "亲，记得付款哦",
                    LogStatus.SENT,
                    "",
                    open_conv.id,
                ),
                (
                    AutoKind.UNPAID,
                    customers[2],
                    "100000000000000009",
                    "",
                    LogStatus.SKIPPED,
                    "买家有过差评，不催付",
                    None,
                ),
            ],
            T0,
        )
        assert len(ids) == 2 and ids[0] < ids[1]
        assert repo.logged_orders(shop_id, AutoKind.UNPAID, ["100000000000000001", "1"]) == {"100000000000000001"}
        assert repo.logged_orders(shop_id, AutoKind.PAID, ["100000000000000001"]) == set()
        repo.set_order_state(unpaid.id, OrderState.AWAITING_SHIPMENT.value, T0, paid_at=T0)
        assert repo.open_conversation_of(customers) == {customers[1]: open_conv.id}
        assert repo.bulk_recipients(shop_id, "tag", "老客户", 10) == [(customers[0], "甲")]
        assert [c for c, _ in repo.bulk_recipients(shop_id, "order_state", OrderState.SHIPPED.value, 10)] == [
            customers[2]
        ]
        assert len(repo.bulk_recipients(shop_id, "all", "", 2)) == 2
        assert repo.bulk_recipients(shop_id, "nonsense", "", 10) == []
    with db.session() as s:
        repo = BotRepository(s)
        log = repo.log(shop_id)
        assert [(e.status, e.customer_nick, e.reason) for e in log] == [
            (LogStatus.SKIPPED, "丙", "买家有过差评，不催付"),
            (LogStatus.SENT, "乙", ""),
        ]
        assert repo.log(shop_id, before_id=log[0].id) == log[1:] and repo.log_count(shop_id) == 2
        paid = repo.order_facts(shop_id, order_ids=[unpaid.id])[0]
        assert paid.state == OrderState.AWAITING_SHIPMENT.value and paid.paid_at == T0


def test_kb_snapshot_and_hot_questions(db: Database, shop: tuple[int, list[int], list[int]]) -> None:
    shop_id = shop[0]
    with db.session() as s:
        kb = KbRepository(s)
        kb.ensure_standard_categories(shop_id)
        hello = kb.add(shop_id, "聊天互动", "在吗", ["在的"], [Phrasing("有人吗")], T0)
        ship = kb.add(shop_id, "物流问题", "什么时候发货", ["48小时内", "第二个答案"], [], T0)
        size = kb.add(shop_id, "售后问题", "拍错尺码了怎么改", ["联系客服"], [], T0, needs_human=True)
        fee = kb.add(shop_id, "售后问题", "退货运费谁出", ["有运费险"], [], T0)
        kb.add(shop_id, "更多问题", "停用的问题", ["x"], [], T0, enabled=False)
        for _ in range(3):
            kb.count_hit(hello.id)
            kb.count_hit(fee.id)
        kb.count_hit(ship.id)
    with db.session() as s:
        repo = BotRepository(s)
        answers, human = repo.kb_snapshot(shop_id)
        assert answers[ship.id] == ("什么时候发货", "48小时内") and human == {size.id} and len(answers) == 4
        assert repo.hot_questions(shop_id, 5) == [
            (fee.id, "退货运费谁出", "有运费险"),
            (ship.id, "什么时候发货", "48小时内"),
        ]
