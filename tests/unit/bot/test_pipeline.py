"""Full-auto reception at volume, through the live path (channel → reception bot → database): every
message is stored with its reply in arrival order, batches are transactions that aggregate 热度
exactly, and a lone message is answered at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest
from sqlalchemy import event, func, select

from tests.unit.storage.conftest import db_url  # noqa: F401  (SQLite and PostgreSQL)
from workbench.channels.scenarios import select_scenarios
from workbench.channels.scripted import ScriptedBuyers
from workbench.composition import build_channel, open_workspace
from workbench.domain.bot import AutoStrategy, BotChatState, HandoffReason, ReceptionConfig, ReceptionMode
from workbench.domain.conversations import ConversationState, Sender
from workbench.kb.matcher import Matcher
from workbench.services.bot import answered_entry
from workbench.services.live import SimulatedChannel
from workbench.services.workspace import Workspace
from workbench.storage.repositories.bot import BotRepository
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.tables import ConversationRow, KbEntryRow, MessageRow
from workbench.storage.tables_kb_admin import KbHitDayRow

pytestmark = pytest.mark.usefixtures("jieba_ready")


def full_auto(ws: Workspace, customers: int, *, batch: int) -> tuple[SimulatedChannel, ScriptedBuyers, list[int]]:
    """The shop in full-auto (机器人优先), a channel as the composition root builds it with scripted
    buyers, and `customers` buyers arrived (each served by the bot); returns the chats' ids in order."""
    ws.bot.save_reception(ReceptionConfig(mode=ReceptionMode.AUTO, strategy=AutoStrategy.BOT_FIRST))
    with ws.db.session() as s:
        ids = CustomerRepository(s).ids(ws.shop.id)
        busy = BotRepository(s).open_conversation_of(ids)
    free = [c for c in ids if c not in busy][:customers]
    assert len(free) == customers
    buyers = ScriptedBuyers(select_scenarios(()))
    clock = [0.0]
    channel = build_channel(ws, source=buyers, bot_batch=batch, monotonic=lambda: clock[0])
    channel.set_matcher(Matcher(ws.kb.entries()))
    for i, customer in enumerate(free):
        buyers.arrive(f"v{i}", customer)
    updates = channel.tick()
    assert all(u.arrived and u.by_bot for u in updates) and len(updates) == customers
    return channel, buyers, [u.conversation_id for u in updates]


class Commits:
    """Counts the committed transactions that stored messages."""

    def __init__(self, ws: Workspace) -> None:
        self.count = 0
        self._wrote = False
        event.listen(ws.db.engine, "before_cursor_execute", self._executed)
        event.listen(ws.db.engine, "commit", self._committed)
        event.listen(ws.db.engine, "rollback", self._rolled_back)

    def _executed(self, _conn: object, _cursor: object, statement: str, *_: object) -> None:
        self._wrote = self._wrote or statement.lstrip().upper().startswith("INSERT INTO MESSAGES")

    def _committed(self, _connection: object) -> None:
        self.count += self._wrote
        self._wrote = False

    def _rolled_back(self, _connection: object) -> None:
        self._wrote = False


def test_every_message_is_stored_with_its_reply_and_hand_offs_stop_the_bot(ws: Workspace) -> None:
    channel, buyers, conv_ids = full_auto(ws, 20, batch=7)
    script = ["在吗", "什么时候发货", "包邮吗", "我要投诉", "人呢？"]
    for text in script:  # every customer says each line, interleaved, all in one tick
        for i in range(len(conv_ids)):
            buyers.say(f"v{i}", text)
    with ws.db.session() as s:
        before = s.scalar(select(func.count()).select_from(MessageRow).where(MessageRow.conversation_id.in_(conv_ids)))
    commits = Commits(ws)
    updates = channel.tick()
    said = len(script) * len(conv_ids)  # the fifth line goes to the agent, in the same kind of batch
    assert commits.count >= said / 7  # batches of at most 7 messages
    assert commits.count < said / 2  # ... but batches
    with ws.db.session() as s:
        stored = s.scalar(select(func.count()).select_from(MessageRow).where(MessageRow.conversation_id.in_(conv_ids)))
        repo = BotRepository(s)
        assert all(repo.handoff_of(c) == (HandoffReason.KEYWORD.value, "投诉") for c in conv_ids)
    assert (stored or 0) - (before or 0) == sum(len(u.messages) for u in updates)
    for conv_id in conv_ids:
        messages = [(m.sender, m.text) for m in ws.reception.messages(conv_id)]
        customer_lines = [t for sender, t in messages if sender is Sender.CUSTOMER]
        assert customer_lines == script  # in order
        after = messages[messages.index((Sender.CUSTOMER, "我要投诉")) :]
        assert [s for s, _ in after] == [Sender.CUSTOMER, Sender.BOT, Sender.SYSTEM, Sender.CUSTOMER]
        conv = ws.reception.get(conv_id)
        assert conv is not None and conv.state is ConversationState.WAITING and conv.last_message == "人呢？"
        assert not channel.bot.is_bot(conv_id)
    # each buyer read a reply to each of its first four lines (the fourth: the hand-off prompt), none to the fifth
    assert all(len(buyers.replies[f"v{i}"]) == 4 for i in range(len(conv_ids)))


def test_direct_answers_count_in_the_entries_heat(ws: Workspace, clock: object) -> None:
    # 热度 counts every use of an entry: the bot's direct answers as well as an agent's adoptions
    channel, buyers, conv_ids = full_auto(ws, 6, batch=4)
    matcher = channel.bot.matcher
    assert matcher is not None
    answered = matcher.answer("什么时候发货")
    assert answered.best is not None
    entry_id = answered.best.entry_id
    today = ws.clock().date()
    before = _heat(ws, entry_id, today)
    for i in range(len(conv_ids)):
        buyers.say(f"v{i}", "什么时候发货")
    for i in range(len(conv_ids)):
        buyers.say(f"v{i}", "在吗")  # greetings: not a use of that entry
    channel.tick()
    total, on_day = _heat(ws, entry_id, today)
    assert (total - before[0], on_day - before[1]) == (len(conv_ids), len(conv_ids))


def test_a_batch_adds_each_entrys_hits_once_with_their_sum(ws: Workspace) -> None:
    # one batch, several answers from the same entries: each entry's total and day count grow by
    # exactly the number of answers it gave, in one statement per table (not one per answer)
    channel, buyers, _ = full_auto(ws, 12, batch=500)
    engine = channel.bot.engine()
    assert engine is not None
    questions = ["什么时候发货", "包邮吗", "什么时候发货", "发什么快递"] * 3
    expected: dict[int, int] = {}
    for question in questions:
        entry_id = answered_entry(engine.reply(BotChatState(), question))
        assert entry_id is not None  # a direct answer from an entry
        expected[entry_id] = expected.get(entry_id, 0) + 1
    assert len(expected) >= 2 and max(expected.values()) >= 2
    today = ws.clock().date()
    before = {e: _heat(ws, e, today) for e in expected}
    for i, question in enumerate(questions):
        buyers.say(f"v{i}", question)
    statements: list[str] = []
    commits = Commits(ws)
    event.listen(ws.db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    updates = channel.tick()
    assert commits.count == 1  # the whole tick's messages: one transaction
    assert all(u.by_bot and [m.sender for m in u.messages] == [Sender.CUSTOMER, Sender.BOT] for u in updates)
    for entry_id, n in expected.items():
        total, on_day = _heat(ws, entry_id, today)
        assert (total - before[entry_id][0], on_day - before[entry_id][1]) == (n, n)
    assert sum("UPDATE kb_entries" in q for q in statements) == 1
    assert sum("INSERT INTO kb_hit_days" in q for q in statements) == 1


def test_a_lone_message_is_answered_in_the_tick_it_arrives(ws: Workspace) -> None:
    # nothing waits for a batch to fill: one message is stored with its reply before the tick returns
    channel, buyers, conv_ids = full_auto(ws, 1, batch=500)
    buyers.say("v0", "什么时候发货", at=0.0)
    updates = channel.tick()
    assert [m.sender for u in updates for m in u.messages] == [Sender.CUSTOMER, Sender.BOT]
    assert len(buyers.replies["v0"]) == 1
    assert [m.sender for m in ws.reception.messages(conv_ids[0])][-2:] == [Sender.CUSTOMER, Sender.BOT]


def test_a_batch_closes_after_its_time_budget(ws: Workspace) -> None:
    # a slow batch closes after `batch_ms` of deciding: the first buyers' replies do not wait for the last
    channel, buyers, conv_ids = full_auto(ws, 5, batch=500)
    channel.bot.batch_ms = 0.0  # every message is over budget: one per transaction
    for i in range(len(conv_ids)):
        buyers.say(f"v{i}", "什么时候发货")
    commits = Commits(ws)
    channel.tick()
    assert commits.count == len(conv_ids)


@pytest.fixture
def any_ws(db_url: str, tmp_path: object) -> Iterator[Workspace]:  # noqa: F811
    """The demo shop on SQLite and on PostgreSQL."""
    workspace = open_workspace(db_url, clock=lambda: datetime(2026, 11, 11, 10, 0, 0))
    yield workspace
    workspace.close()


def test_batched_answers_and_heat_on_both_databases(any_ws: Workspace) -> None:
    channel, buyers, conv_ids = full_auto(any_ws, 8, batch=3)
    matcher = channel.bot.matcher
    assert matcher is not None
    best = matcher.answer("什么时候发货").best
    assert best is not None
    today = any_ws.clock().date()
    before = _heat(any_ws, best.entry_id, today)
    for i in range(len(conv_ids)):
        buyers.say(f"v{i}", "什么时候发货")
        buyers.say(f"v{i}", "我要投诉")
    channel.tick()
    total, on_day = _heat(any_ws, best.entry_id, today)
    assert (total - before[0], on_day - before[1]) == (len(conv_ids), len(conv_ids))
    for conv_id in conv_ids:
        senders = [m.sender for m in any_ws.reception.messages(conv_id)]
        assert senders[-5:] == [Sender.CUSTOMER, Sender.BOT, Sender.CUSTOMER, Sender.BOT, Sender.SYSTEM]
        conv = any_ws.reception.get(conv_id)
        assert conv is not None and conv.state is ConversationState.WAITING


def _heat(ws: Workspace, entry_id: int, day: date) -> tuple[int, int]:
    """(total hits, hits on `day`) of an entry."""
    with ws.db.session() as s:
        total = s.scalar(select(KbEntryRow.hits).where(KbEntryRow.id == entry_id)) or 0
        on_day = s.scalar(select(KbHitDayRow.hits).where(KbHitDayRow.entry_id == entry_id, KbHitDayRow.day == day))
    return total, on_day or 0


def test_a_failed_batch_stores_nothing_of_it_and_the_bot_remembers_nothing(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a crash or error inside a batch's transaction (here: counting 热度, after the messages were
    # written) loses the whole batch: never a buyer message without its reply, and the bot's chat
    # states do not move on, so the same messages can be answered again
    channel, buyers, conv_ids = full_auto(ws, 4, batch=500)
    states = {c: channel.bot._state(c) for c in conv_ids}
    with ws.db.session() as s:
        before = s.scalar(select(func.count()).select_from(MessageRow).where(MessageRow.conversation_id.in_(conv_ids)))

    def fail(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("workbench.storage.repositories.kb.KbRepository.count_hits", fail)
    for i in range(len(conv_ids)):
        buyers.say(f"v{i}", "什么时候发货")
    with pytest.raises(OSError):
        channel.tick()
    with ws.db.session() as s:
        after = s.scalar(select(func.count()).select_from(MessageRow).where(MessageRow.conversation_id.in_(conv_ids)))
    assert after == before
    assert {c: channel.bot._state(c) for c in conv_ids} == states
    assert not buyers.replies  # no buyer read a reply that was not stored
    monkeypatch.undo()
    outcomes = channel.bot.answer_many([(c, "什么时候发货") for c in conv_ids])
    assert [[m.sender for m in o.messages] for o in outcomes] == [[Sender.CUSTOMER, Sender.BOT]] * len(conv_ids)


def test_a_chat_deleted_meanwhile_costs_only_its_own_message(ws: Workspace) -> None:
    # the batch is refused by the database: the others are answered one by one, the deleted one dropped
    channel, buyers, conv_ids = full_auto(ws, 3, batch=10)
    gone = conv_ids[1]
    with ws.db.session() as s:
        for table in reversed(ConversationRow.metadata.sorted_tables):
            fk = [c for c in table.columns if c.name == "conversation_id"]
            if fk and table.name != "conversations":
                s.execute(table.delete().where(fk[0] == gone))
        s.execute(ConversationRow.__table__.delete().where(ConversationRow.id == gone))
    for i in range(len(conv_ids)):
        buyers.say(f"v{i}", "什么时候发货")
    channel.tick()
    for i, conv_id in enumerate(conv_ids):
        if conv_id == gone:
            assert buyers.replies.get(f"v{i}", []) == []
            continue
        lines = [m.text for m in ws.reception.messages(conv_id) if m.sender is Sender.CUSTOMER]
        assert lines[-1] == "什么时候发货" and len(buyers.replies[f"v{i}"]) == 1


def test_a_batch_s_uncertain_messages_are_encoded_in_one_model_call(ws: Workspace) -> None:
    import numpy as np

    from workbench.kb import semantic
    from workbench.kb.semantic import SemanticStage

    class Model:  # a stand-in sentence model: a fixed random unit vector per text; records its calls
        def __init__(self) -> None:
            self.calls: list[list[str]] = []

        def encode(self, texts: list[str]) -> np.ndarray:
            self.calls.append(list(texts))
            rows = [np.random.default_rng(sum(map(ord, t))).standard_normal(semantic.DIM) for t in texts]
            return np.stack([r / np.linalg.norm(r) for r in rows]).astype(np.float32)

    model = Model()
    semantic.set_model(model)
    try:
        channel, buyers, conv_ids = full_auto(ws, 4, batch=500)
        stage = SemanticStage(background=False)
        channel.set_matcher(Matcher(ws.kb.entries(), semantic=stage))
        model.calls.clear()
        lines = ["请问那个啥时候能给我寄出来呀", "衣服洗了会不会缩水变小", "优惠券到底从哪里领取呢"]
        lines.append("尺码应该怎么挑选比较好")
        for i, line in enumerate(lines):
            buyers.say(f"v{i}", line)
        channel.tick()
        assert stage.asked >= 2  # the semantic stage scored these messages...
        assert len(model.calls) == 1 and len(model.calls[0]) >= 2  # ...encoded together in one call
        for i, conv_id in enumerate(conv_ids):  # and every message was answered and stored
            stored = [m.sender for m in ws.reception.messages(conv_id)][-2:]
            assert stored[0] is Sender.CUSTOMER and len(buyers.replies[f"v{i}"]) == 1
    finally:
        semantic.set_model(None)
