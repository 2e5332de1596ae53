"""The batched full-auto pipeline stores every message with its reply, in arrival order."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from workbench.domain.bot import BotChatState, BotSettings, HandoffReason
from workbench.domain.conversations import ConversationState, Sender
from workbench.kb.matcher import Matcher
from workbench.services.bot import AutoReplyPipeline, BotEngine, load_kb_snapshot
from workbench.services.workspace import Workspace
from workbench.storage.repositories.bot import BotRepository
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.tables import KbEntryRow, MessageRow
from workbench.storage.tables_kb_admin import KbHitDayRow

pytestmark = pytest.mark.usefixtures("jieba_ready")


def test_every_message_is_stored_with_its_reply_and_hand_offs_stop_the_bot(ws: Workspace) -> None:
    now = datetime(2026, 11, 11, 10, 0)
    with ws.db.session() as s:
        customers = CustomerRepository(s).ids(ws.shop.id)[:20]
    conv_ids = []
    for customer in customers:
        conv = ws.reception.customer_arrives(customer, "bench")
        with ws.db.session() as s:
            BotRepository(s).take(conv.id, now)
        conv_ids.append(conv.id)
    engine = BotEngine(BotSettings(), Matcher(ws.kb.entries()), load_kb_snapshot(ws.db, ws.shop.id))
    pipeline = AutoReplyPipeline(ws.db, engine, clock=lambda: now, batch_size=7, max_pending=60)
    pipeline.start({c: BotChatState() for c in conv_ids})
    script = ["在吗", "什么时候发货", "包邮吗", "我要投诉", "人呢？"]
    for text in script:  # every customer says each line, interleaved
        pipeline.submit_many([(c, text) for c in conv_ids[:10]])
        for c in conv_ids[10:]:
            pipeline.submit(c, text)
    stats = pipeline.close()
    assert stats.messages == len(script) * len(conv_ids)
    assert stats.handoffs == len(conv_ids) and stats.batches > 1
    assert len(stats.latencies_ms or []) == stats.messages
    with ws.db.session() as s:
        stored = s.scalar(select(func.count()).select_from(MessageRow).where(MessageRow.conversation_id.in_(conv_ids)))
        repo = BotRepository(s)
        assert all(repo.handoff_of(c) == (HandoffReason.KEYWORD.value, "投诉") for c in conv_ids)
    assert stored == stats.stored
    for conv_id in conv_ids:
        messages = [(m.sender, m.text) for m in ws.reception.messages(conv_id)]
        customer_lines = [t for sender, t in messages if sender is Sender.CUSTOMER]
        assert customer_lines == script  # in order
        after = messages[messages.index((Sender.CUSTOMER, "我要投诉")) :]
        assert [s for s, _ in after] == [Sender.CUSTOMER, Sender.BOT, Sender.SYSTEM, Sender.CUSTOMER]
        conv = ws.reception.get(conv_id)
        assert conv is not None and conv.state is ConversationState.WAITING and conv.last_message == "人呢？"


def test_direct_answers_count_in_the_entries_heat(ws: Workspace) -> None:
    # 热度 counts every use of an entry: the bot's direct answers as well as an agent's adoptions
    now = datetime(2026, 11, 11, 10, 0)
    with ws.db.session() as s:
        customers = CustomerRepository(s).ids(ws.shop.id)[:6]
    conv_ids = []
    for customer in customers:
        conv = ws.reception.customer_arrives(customer, "bench")
        with ws.db.session() as s:
            BotRepository(s).take(conv.id, now)
        conv_ids.append(conv.id)
    matcher = Matcher(ws.kb.entries())
    answered = matcher.answer("什么时候发货")
    assert answered.best is not None
    entry_id = answered.best.entry_id
    before = _heat(ws, entry_id, now.date())
    engine = BotEngine(BotSettings(), matcher, load_kb_snapshot(ws.db, ws.shop.id))
    pipeline = AutoReplyPipeline(ws.db, engine, clock=lambda: now, batch_size=4, max_pending=60)
    pipeline.start({c: BotChatState() for c in conv_ids})
    pipeline.submit_many([(c, "什么时候发货") for c in conv_ids])
    pipeline.submit_many([(c, "在吗") for c in conv_ids])  # greetings: not a use of that entry
    stats = pipeline.close()
    assert stats.answered >= len(conv_ids)
    total, today = _heat(ws, entry_id, now.date())
    assert (total - before[0], today - before[1]) == (len(conv_ids), len(conv_ids))


def _heat(ws: Workspace, entry_id: int, day: date) -> tuple[int, int]:
    """(total hits, hits on `day`) of an entry."""
    with ws.db.session() as s:
        total = s.scalar(select(KbEntryRow.hits).where(KbEntryRow.id == entry_id)) or 0
        on_day = s.scalar(select(KbHitDayRow.hits).where(KbHitDayRow.entry_id == entry_id, KbHitDayRow.day == day))
    return total, on_day or 0
