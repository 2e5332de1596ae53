"""Repositories round-trip domain objects on both backends."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from workbench.domain.conversations import ConversationState, Sender, SuggestionUse
from workbench.domain.customers import Customer
from workbench.domain.kb import Phrasing, PhrasingKind
from workbench.domain.orders import LogisticsEvent, Order, OrderItem, OrderState, Product
from workbench.domain.quick_phrases import PhrasePool
from workbench.storage.db import Database
from workbench.storage.repositories.conversations import ConversationRepository
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.kb import KbRepository
from workbench.storage.repositories.orders import OrderRepository
from workbench.storage.repositories.quick_phrases import QuickPhraseRepository
from workbench.storage.repositories.shops import ShopRepository
from workbench.storage.tables import KbEntryRow
from workbench.storage.tables_kb_admin import KbHitDayRow

T0 = datetime(2026, 11, 11, 10, 0, 0)


@pytest.fixture
def shop_id(db: Database) -> int:
    with db.session() as s:
        shop = ShopRepository(s).add("测试店", "服饰")
        ShopRepository(s).add_agent(shop.id, "xiaozhao", "小赵")
        return shop.id


def _customer(db: Database, shop_id: int, nick: str = "tb_小鹿") -> Customer:
    with db.session() as s:
        return CustomerRepository(s).add(
            shop_id, Customer(id=0, nick=nick, phone="13812341234", credit_level="3钻", is_88vip=True)
        )


def test_customer_tags_and_notes(db: Database, shop_id: int) -> None:
    customer = _customer(db, shop_id)
    with db.session() as s:
        repo = CustomerRepository(s)
        tag = repo.ensure_tag(shop_id, "爱买裙子")
        assert repo.ensure_tag(shop_id, "爱买裙子").id == tag.id
        repo.add_tag(customer.id, tag.id, T0)
        repo.add_tag(customer.id, tag.id, T0)  # idempotent
        repo.add_note(customer.id, "偏好M码", "小赵", T0)
    with db.session() as s:
        repo = CustomerRepository(s)
        assert [t.name for t in repo.tags_of(customer.id)] == ["爱买裙子"]
        notes = repo.notes_of(customer.id)
        assert [(n.text, n.author) for n in notes] == [("偏好M码", "小赵")]
        repo.remove_tag(customer.id, tag.id)
    with db.session() as s:
        assert CustomerRepository(s).tags_of(customer.id) == []
        fetched = CustomerRepository(s).get(customer.id)
        assert fetched is not None and fetched.is_88vip and fetched.credit_level == "3钻"


def test_conversation_messages_unread_and_waiting(db: Database, shop_id: int) -> None:
    customer = _customer(db, shop_id)
    with db.session() as s:
        repo = ConversationRepository(s)
        conv = repo.create(shop_id, customer.id, T0)
        repo.add_message(conv.id, Sender.CUSTOMER, "在吗", T0)
        repo.add_message(conv.id, Sender.CUSTOMER, "什么时候发货", T0 + timedelta(seconds=5))
    with db.session() as s:
        got = ConversationRepository(s).get(conv.id)
        assert got is not None
        assert got.unread == 2 and got.waiting_since == T0 and got.last_message == "什么时候发货"
        assert got.state is ConversationState.WAITING
    with db.session() as s:
        kb = KbRepository(s)
        kb.ensure_standard_categories(shop_id)
        entry = kb.add(shop_id, "物流问题", "什么时候发货", ["亲，48小时内发货"], [], T0)
        repo = ConversationRepository(s)
        reply = repo.add_message(conv.id, Sender.AGENT, "亲，48小时内发货", T0 + timedelta(seconds=30), agent_id=None)
        repo.record_suggestion_use(SuggestionUse(reply.id, entry.id, 0.9, False), T0)
    with db.session() as s:
        repo = ConversationRepository(s)
        got = repo.get(conv.id)
        assert got is not None and got.unread == 0 and got.waiting_since is None
        assert [m.sender for m in repo.messages(conv.id)] == [Sender.CUSTOMER, Sender.CUSTOMER, Sender.AGENT]
        page = repo.messages(conv.id, limit=2)
        assert [m.text for m in page] == ["什么时候发货", "亲，48小时内发货"]
        older = repo.messages(conv.id, before_id=page[0].id)
        assert [m.text for m in older] == ["在吗"]
        # Paging forward again (a chat scrolled far back, then down): the next ones, not the newest.
        first = older[0].id
        assert [m.text for m in repo.messages(conv.id, after_id=first, limit=1, forward=True)] == ["什么时候发货"]
        assert [m.text for m in repo.messages(conv.id, after_id=first, limit=1)] == ["亲，48小时内发货"]
        assert repo.suggestion_uses(conv.id) == [SuggestionUse(page[1].id, entry.id, 0.9, False)]


def test_kb_entries_with_phrasings_and_answers(db: Database, shop_id: int) -> None:
    with db.session() as s:
        repo = KbRepository(s)
        repo.ensure_standard_categories(shop_id)
        entry = repo.add(
            shop_id,
            "物流问题",
            "什么时候发货",
            ["亲，付款后48小时内发货哦"],
            [
                Phrasing("啥时候能发", core_words=("发",)),
                Phrasing("发货 多久", kind=PhrasingKind.KEYWORD),
                Phrasing("不用发货了", negative=True),
            ],
            T0,
        )
        repo.count_hit(entry.id)
    with db.session() as s:
        repo = KbRepository(s)
        assert repo.categories(shop_id)[0] == "聊天互动"
        got = repo.get(entry.id)
        assert got is not None
        assert got.category == "物流问题" and got.hits == 1 and got.answer.startswith("亲")
        assert [p.text for p in got.phrasings] == ["啥时候能发", "发货 多久", "不用发货了"]
        assert got.phrasings[0].core_words == ("发",)
        assert got.phrasings[1].kind is PhrasingKind.KEYWORD
        assert got.phrasings[2].negative


def test_kb_hits_in_batches_skip_deleted_entries(db: Database, shop_id: int) -> None:
    day = T0.date()
    with db.session() as s:
        repo = KbRepository(s)
        repo.ensure_standard_categories(shop_id)
        kept = repo.add(shop_id, "物流问题", "什么时候发货", ["48小时内"], [], T0)
        gone = repo.add(shop_id, "物流问题", "发什么快递", ["中通"], [], T0)
        repo.count_hit(kept.id, day)
    with db.session() as s:
        s.execute(delete(KbEntryRow).where(KbEntryRow.id == gone.id))
    with db.session() as s:
        KbRepository(s).count_hits({(kept.id, day): 3, (kept.id, day + timedelta(days=1)): 2, (gone.id, day): 5})
    with db.session() as s:
        got = KbRepository(s).get(kept.id)
        assert got is not None and got.hits == 6
        by_day = dict(s.execute(select(KbHitDayRow.day, KbHitDayRow.hits).where(KbHitDayRow.entry_id == kept.id)).all())
        assert by_day == {day: 4, day + timedelta(days=1): 2}
        assert s.scalar(select(func.count()).select_from(KbHitDayRow).where(KbHitDayRow.entry_id == gone.id)) == 0


def test_orders_with_items_and_logistics(db: Database, shop_id: int) -> None:
    customer = _customer(db, shop_id)
    with db.session() as s:
        repo = OrderRepository(s)
        repo.add_product(
            shop_id,
            Product(0, "D001", "碎花连衣裙", "连衣裙", 19900, "棉", ("S", "M"), ("红", "蓝"), (("版型", "修身"),)),
        )
        repo.add_order(
            shop_id,
            Order(
                id=0,
                order_no="3001",
                customer_id=customer.id,
                state=OrderState.SHIPPED,
                total_cents=19900,
                created_at=T0,
                carrier="中通",
                tracking_no="ZT1",
                items=(OrderItem("D001", "碎花连衣裙", "M", "蓝", 1, 19900),),
                logistics=(
                    LogisticsEvent(T0 + timedelta(hours=5), "运输中"),
                    LogisticsEvent(T0 + timedelta(hours=1), "已揽收"),
                ),
            ),
        )
    with db.session() as s:
        repo = OrderRepository(s)
        order = repo.by_number("3001")
        assert order is not None and order.state is OrderState.SHIPPED
        assert [e.description for e in order.logistics] == ["已揽收", "运输中"]  # oldest first
        assert order.items[0].color == "蓝"
        assert repo.products(shop_id)[0].attributes == (("版型", "修身"),)
        assert [o.order_no for o in repo.for_customer(customer.id)] == ["3001"]


def test_quick_phrase_pools(db: Database, shop_id: int) -> None:
    with db.session() as s:
        agents = ShopRepository(s).agents(shop_id)
        other = ShopRepository(s).add_agent(shop_id, "xiaoli", "小李")
        repo = QuickPhraseRepository(s)
        repo.add(shop_id, PhrasePool.SHOP, "欢迎", "hy", "亲，在的～")
        repo.add(shop_id, PhrasePool.PERSONAL, "个人", "wd", "我的短语", agent_id=agents[0].id)
        repo.add(shop_id, PhrasePool.PERSONAL, "个人", "ta", "别人的短语", agent_id=other.id)
    with db.session() as s:
        texts = [p.text for p in QuickPhraseRepository(s).visible_to(shop_id, agents[0].id)]
        assert sorted(texts) == sorted(["亲，在的～", "我的短语"])


def test_failed_unit_of_work_leaves_nothing(db: Database, shop_id: int) -> None:
    with pytest.raises(RuntimeError), db.session() as s:
        CustomerRepository(s).add(shop_id, Customer(id=0, nick="半截客户"))
        raise RuntimeError("crash mid-write")
    with db.session() as s:
        assert CustomerRepository(s).by_nick(shop_id, "半截客户") is None
