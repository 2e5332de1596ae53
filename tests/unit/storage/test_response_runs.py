"""客服绩效's answered runs (`response_runs`): written with the agent's reply, the same rows as the
recount from the messages, backfilled by migration 0017; the report built from them equals the naive
load-everything version (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from alembic import command
from sqlalchemy import select

from tests.unit.storage.test_reports import NOW, RANGE, Log, fixed_log
from workbench.domain.conversations import Sender
from workbench.domain.reports import DateRange
from workbench.services.reports import NaiveReports, ReportsService
from workbench.storage.db import Database, _alembic_config
from workbench.storage.repositories.conversations import ConversationRepository
from workbench.storage.repositories.response_runs import ResponseRunRepository
from workbench.storage.repositories.shops import ShopRepository
from workbench.storage.tables_bot import BotConversationRow
from workbench.storage.tables_reception import ResponseRunRow

T0 = datetime(2026, 5, 2, 23, 59)


def _runs(db: Database) -> list[tuple[Any, ...]]:
    t = ResponseRunRow
    with db.session() as s:
        rows = s.execute(
            select(t.conversation_id, t.agent_id, t.started_at, t.replied_at, t.reply_message_id, t.response_s)
        ).all()
    return sorted((cid, agent, start, replied, mid, round(secs, 3)) for cid, agent, start, replied, mid, secs in rows)


def _links(db: Database) -> list[tuple[Any, ...]]:
    """Each run's answer day and its chat's previous run's answer."""
    t = ResponseRunRow
    with db.session() as s:
        return sorted(tuple(r) for r in s.execute(select(t.reply_message_id, t.replied_day, t.prev_replied_at)))


def test_replies_write_their_runs_as_the_recount_finds_them(db: Database) -> None:
    with db.session() as s:
        shops = ShopRepository(s)
        shop = shops.add("店", "服饰").id
        a = shops.add_agent(shop, "xiaozhao", "小赵").id
        b = shops.add_agent(shop, "xiaoqian", "小钱").id
        log = Log(s, shop)
        buyers = [log.customer() for _ in range(3)]
        convs = ConversationRepository(s)
        # chat 1: a run of two answered by 小赵 across midnight, his follow-up (no run), a run 小钱 answers,
        # then a question nobody answered yet
        k1 = convs.create(shop, buyers[0], T0).id
        convs.add_message(k1, Sender.CUSTOMER, "在吗", T0)
        convs.add_message(k1, Sender.CUSTOMER, "有货吗", T0 + timedelta(seconds=20))
        r1 = convs.add_message(k1, Sender.AGENT, "有的", T0 + timedelta(seconds=80), a).id
        convs.add_message(k1, Sender.AGENT, "还有别的吗", T0 + timedelta(seconds=90), a)
        convs.add_message(k1, Sender.SYSTEM, "转交给小钱", T0 + timedelta(seconds=100))
        convs.add_message(k1, Sender.CUSTOMER, "发什么快递", T0 + timedelta(seconds=200))
        r2 = convs.add_message(k1, Sender.AGENT, "中通", T0 + timedelta(seconds=260), b).id
        convs.add_message(k1, Sender.CUSTOMER, "好的", T0 + timedelta(seconds=400))
        # chat 2: the bot answers, then hands off at +30 s; 小钱 answers the handed-off question 70 s later
        k2 = convs.create(shop, buyers[1], T0).id
        handed = T0 + timedelta(seconds=30)
        s.add(BotConversationRow(conversation_id=k2, owner="human", started_at=T0, handed_off_at=handed))
        convs.add_message(k2, Sender.CUSTOMER, "尺码", T0)
        convs.add_message(k2, Sender.BOT, "请看尺码表", T0)
        convs.add_message(k2, Sender.CUSTOMER, "转人工", T0 + timedelta(seconds=30))
        convs.add_message(k2, Sender.BOT, "正在转接", T0 + timedelta(seconds=30))
        r3 = convs.add_message(k2, Sender.AGENT, "您好", T0 + timedelta(seconds=100), b).id
        # chat 3: the bot alone; an agent's message there answers no human run
        k3 = convs.create(shop, buyers[2], T0).id
        s.add(BotConversationRow(conversation_id=k3, owner="bot", started_at=T0))
        convs.add_message(k3, Sender.CUSTOMER, "包邮吗", T0)
        convs.add_message(k3, Sender.BOT, "包邮", T0)
        convs.add_message(k3, Sender.AGENT, "亲，包邮的", T0 + timedelta(seconds=10), a)
    written = _runs(db)
    assert written == [
        (k1, a, T0, T0 + timedelta(seconds=80), r1, 80.0),
        (k1, b, T0 + timedelta(seconds=200), T0 + timedelta(seconds=260), r2, 60.0),
        (k2, b, T0 + timedelta(seconds=30), T0 + timedelta(seconds=100), r3, 70.0),
    ]
    # each run knows its answer's day and its chat's previous run's answer (chat 1's second run: the first's)
    assert _links(db) == sorted(
        [(r1, date(2026, 5, 3), None), (r2, date(2026, 5, 3), T0 + timedelta(seconds=80)), (r3, date(2026, 5, 3), None)]
    )
    links = _links(db)
    with db.session() as s:
        assert ResponseRunRepository(s).rebuild(shop) == 3
    assert _runs(db) == [(k, who, start, replied, m, secs) for k, who, start, replied, m, secs in written]
    assert _links(db) == links
    # the report from these rows, for a range holding all of it and for the day after midnight alone
    for days in (DateRange(date(2026, 5, 2), date(2026, 5, 3)), DateRange(date(2026, 5, 3), date(2026, 5, 3))):
        report = ReportsService(db, shop, lambda: NOW).performance(days)
        naive = NaiveReports(db, shop, lambda: NOW).performance(days)
        for row in (report.shop, *report.agents):
            want = naive.get(row.agent_id, {})
            for key in ("waits", "late", "response_avg_s", "response_median_s", "first_response_avg_s"):
                assert getattr(row, key) == want.get(key, None if key.endswith("_s") else 0), (days, row.name, key)


def test_migration_0017_backfills_the_runs_of_stored_messages(db_url: str) -> None:
    db = Database(db_url)
    try:
        command.upgrade(_alembic_config(db.engine), "0016_reports_bot_replies")
        shop = fixed_log(db, runs=False)  # the fixed chat log, stored before the table exists
        db.migrate()
        backfilled = _runs(db)
        linked = _links(db)  # 0019: each run's day and its chat's previous answer
        assert [prev is not None for _, _, prev in linked].count(True) == 1
        # 小赵 300 s and 60 s in chat 1, 60 s in chat 2; 小钱 120 s in chat 3, 60 s after the hand-off in chat 5
        assert sorted((who, secs) for _, who, _, _, _, secs in backfilled) == sorted(
            [(shop.a, 300.0), (shop.a, 60.0), (shop.a, 60.0), (shop.b, 120.0), (shop.b, 60.0)]
        )
        with db.session() as s:
            ResponseRunRepository(s).rebuild(shop.id)
        assert _runs(db) == backfilled
        assert _links(db) == linked
        report = ReportsService(db, shop.id, lambda: NOW).performance(RANGE)
        assert (report.shop.response_avg_s, report.shop.first_response_median_s) == (120.0, 90.0)
    finally:
        db.dispose()


def test_a_chat_s_first_run_of_a_range_after_a_run_answered_in_it_that_began_before(db: Database) -> None:
    """A run answered in the range whose buyer messages all came before it is not the range's run; the
    chat's next run is then its first of the range. A run that began before the range with a buyer
    message in it starts at that message and is the first."""
    day = DateRange(date(2026, 5, 2), date(2026, 5, 2))
    midnight = datetime(2026, 5, 2)
    with db.session() as s:
        shops = ShopRepository(s)
        shop = shops.add("店", "服饰").id
        a = shops.add_agent(shop, "xiaozhao", "小赵").id
        log = Log(s, shop)
        convs = ConversationRepository(s)
        # chat 1: asked at 23:59 the day before, answered at 00:01 (not the day's); asked again at 00:10,
        # answered at 00:12 (120 s: the chat's first of the day)
        k1 = convs.create(shop, log.customer(), midnight - timedelta(minutes=1)).id
        convs.add_message(k1, Sender.CUSTOMER, "在吗", midnight - timedelta(minutes=1))
        convs.add_message(k1, Sender.AGENT, "在的", midnight + timedelta(minutes=1), a)
        convs.add_message(k1, Sender.CUSTOMER, "发货了吗", midnight + timedelta(minutes=10))
        convs.add_message(k1, Sender.AGENT, "发了", midnight + timedelta(minutes=12), a)
        # chat 2: asked at 23:58 and at 00:02, answered at 00:05 (180 s from 00:02: the first), then 30 s
        k2 = convs.create(shop, log.customer(), midnight - timedelta(minutes=2)).id
        convs.add_message(k2, Sender.CUSTOMER, "有货吗", midnight - timedelta(minutes=2))
        convs.add_message(k2, Sender.CUSTOMER, "人呢", midnight + timedelta(minutes=2))
        convs.add_message(k2, Sender.AGENT, "有的", midnight + timedelta(minutes=5), a)
        convs.add_message(k2, Sender.CUSTOMER, "好", midnight + timedelta(minutes=6))
        convs.add_message(k2, Sender.AGENT, "嗯", midnight + timedelta(minutes=6, seconds=30), a)
    report = ReportsService(db, shop, lambda: NOW).performance(day)
    agent = report.agents[0]
    assert (agent.waits, agent.late) == (3, 0)
    assert (agent.first_response_avg_s, agent.first_response_median_s) == (150.0, 150.0)
    assert (agent.response_avg_s, agent.response_median_s) == (110.0, 120.0)
    assert report.days[0].response_avg_s == 110.0
    naive = NaiveReports(db, shop, lambda: NOW).performance(day)[a]
    for key in ("waits", "late", "first_response_avg_s", "first_response_median_s", "response_avg_s"):
        assert getattr(agent, key) == naive[key], key
