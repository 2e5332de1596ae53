"""客服绩效's chat days (`contact_days`): written with each message — by the reception's
`add_message`, a suggestion's use and the bot's batches with their hand-offs — they are the rows the
recount from the messages finds; migration 0018 backfills them; the report read from them equals
the naive version (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from alembic import command
from sqlalchemy import select

from tests.unit.storage.test_reports import NOW, RANGE, fixed_log
from workbench.domain.bot import BotChatState, HandoffReason
from workbench.domain.conversations import Sender, SuggestionUse
from workbench.domain.customers import Customer
from workbench.domain.reports import DateRange
from workbench.services.reports import NaiveReports, ReportsService
from workbench.storage.db import Database, _alembic_config
from workbench.storage.repositories.bot import BotRepository, BotTurn
from workbench.storage.repositories.contact_days import ContactDayRepository
from workbench.storage.repositories.conversations import ConversationRepository
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.kb import KbRepository
from workbench.storage.repositories.shops import ShopRepository
from workbench.storage.tables_reception import ContactDayRow

T0 = datetime(2026, 5, 2, 23, 58)


def _days(db: Database) -> list[tuple[Any, ...]]:
    t = ContactDayRow
    with db.session() as s:
        rows = s.execute(
            select(
                t.conversation_id, t.day, t.sender, t.agent_key, t.customer_id, t.messages, t.first_at, t.last_at,
                t.last_id, t.as_is, t.edited,
            )
        ).all()  # fmt: skip
    return sorted(tuple(r) for r in rows)


def test_messages_write_their_chat_days_as_the_recount_finds_them(db: Database) -> None:
    with db.session() as s:
        shops = ShopRepository(s)
        shop = shops.add("店", "服饰").id
        a = shops.add_agent(shop, "xiaozhao", "小赵").id
        b = shops.add_agent(shop, "xiaoqian", "小钱").id
        buyers = [CustomerRepository(s).add(shop, Customer(0, nick)).id for nick in "甲乙丙"]
        kb = KbRepository(s)
        kb.ensure_standard_categories(shop)
        entry = kb.add(shop, kb.categories(shop)[0], "有货吗", ["有的"], [], T0).id
        convs = ConversationRepository(s)
        # chat 1 across midnight: two buyer messages, 小赵 answers from a suggestion, edits the next one,
        # a system note (no row), 小钱 answers after the transfer, the buyer again after midnight
        k1 = convs.create(shop, buyers[0], T0).id
        convs.add_message(k1, Sender.CUSTOMER, "在吗", T0)
        convs.add_message(k1, Sender.CUSTOMER, "有货吗", T0 + timedelta(seconds=20))
        r1 = convs.add_message(k1, Sender.AGENT, "有的", T0 + timedelta(seconds=40), a).id
        convs.record_suggestion_use(SuggestionUse(r1, entry, 0.9, False), T0 + timedelta(seconds=40))
        r2 = convs.add_message(k1, Sender.AGENT, "还有别的吗", T0 + timedelta(seconds=50), a).id
        convs.record_suggestion_use(SuggestionUse(r2, entry, 0.7, True), T0 + timedelta(seconds=50))
        convs.add_message(k1, Sender.SYSTEM, "转交给小钱", T0 + timedelta(seconds=60))
        convs.add_message(k1, Sender.AGENT, "我是小钱", T0 + timedelta(seconds=70), b)
        convs.add_message(k1, Sender.CUSTOMER, "发什么快递", T0 + timedelta(seconds=200))
        # two messages in the same second: the newer by id is the day's last
        convs.add_message(k1, Sender.CUSTOMER, "好的", T0 + timedelta(seconds=200))
        # chat 2: the bot serves it; its messages before the hand-off do not count
        k2 = convs.create(shop, buyers[1], T0).id
        bots = BotRepository(s)
        bots.take(k2, T0)
        # chat 3: the bot serves it and never hands off
        k3 = convs.create(shop, buyers[2], T0).id
        bots.take(k3, T0)
    t1 = T0 + timedelta(seconds=5)
    with db.session() as s:
        BotRepository(s).persist_turns(
            [
                BotTurn(k2, T0, "尺码", ((Sender.BOT, "请看尺码表"),), BotChatState(0, "e:1", 1, (), 1)),
                BotTurn(k3, T0, "包邮吗", ((Sender.BOT, "包邮"),), BotChatState(0, "e:2", 1, (), 1)),
                # the hand-off's own question waits for a human: it counts, as does the next one
                BotTurn(k2, t1, "我要投诉", ((Sender.BOT, "正在转接"),), BotChatState(0, "", 0, (), 2),
                        HandoffReason.KEYWORD, "投诉", b),
                BotTurn(k2, t1 + timedelta(seconds=1), "人呢"),
            ],
            returning=False,
        )  # fmt: skip
    with db.session() as s:
        convs = ConversationRepository(s)
        convs.add_message(k2, Sender.CUSTOMER, "在吗", t1 + timedelta(seconds=30))
        convs.add_message(k2, Sender.AGENT, "您好", t1 + timedelta(seconds=60), b)
        convs.add_message(k3, Sender.CUSTOMER, "谢谢", t1 + timedelta(seconds=60))  # the bot's chat: not counted
    written = _days(db)
    d1, d2 = date(2026, 5, 2), date(2026, 5, 3)
    # (chat, day, side, agent, messages, as is, edited)
    assert [(r[0], r[1], r[2], r[3], r[5], r[9], r[10]) for r in written] == [
        (k1, d1, "agent", a, 2, 1, 1),
        (k1, d1, "agent", b, 1, 0, 0),
        (k1, d1, "customer", 0, 2, 0, 0),
        (k1, d2, "customer", 0, 2, 0, 0),
        (k2, d1, "agent", b, 1, 0, 0),
        (k2, d1, "customer", 0, 3, 0, 0),
    ]
    with db.session() as s:
        assert ContactDayRepository(s).rebuild(shop) == len(written)
    assert _days(db) == written
    # the report from these rows, for both days and for the day after midnight alone
    for days in (DateRange(d1, d2), DateRange(d2, d2)):
        report = ReportsService(db, shop, lambda: NOW).performance(days)
        naive = NaiveReports(db, shop, lambda: NOW).performance(days)
        for row in (report.shop, *report.agents):
            want = naive.get(row.agent_id, {})
            for key in ("asked", "replied_buyers", "received", "waits", "late"):
                assert getattr(row, key) == want.get(key, 0), (days, row.name, key)
        assert (report.shop.suggestions_as_is, report.shop.suggestions_edited) == (
            (1, 1) if days.first == d1 else (0, 0)
        )


def test_migration_0018_backfills_the_chat_days_of_stored_messages(db_url: str) -> None:
    db = Database(db_url)
    try:
        # the fixed chat log, stored before either table exists: 0017 backfills its runs, 0018 its days
        command.upgrade(_alembic_config(db.engine), "0016_reports_bot_replies")
        shop = fixed_log(db, runs=False)
        db.migrate()
        backfilled = _days(db)
        assert backfilled
        with db.session() as s:
            ContactDayRepository(s).rebuild(shop.id)
        assert _days(db) == backfilled
        report = ReportsService(db, shop.id, lambda: NOW).performance(RANGE)
        naive = NaiveReports(db, shop.id, lambda: NOW).performance(RANGE)
        for row in (report.shop, *report.agents):
            want = naive.get(row.agent_id, {})
            for key in ("asked", "replied_buyers", "converted", "received", "waits", "late"):
                assert getattr(row, key) == want.get(key, 0), (row.name, key)
    finally:
        db.dispose()
