"""Full-auto reception at volume: receive → match → answer or hand off → persist both messages.

An industry pack (服饰 by default, from workbench/assets/packs) is the knowledge base. Thousands
of simulated customers, each in a conversation the bot serves, send messages drawn from the pack's
phrasings plus chatter the KB cannot answer, transfer keywords and angry messages. They go through
`AutoReplyPipeline`, the same code the bot uses: a matcher thread runs `BotEngine` (matcher,
emotion detector, transfer rules, per-conversation state), a writer thread stores each customer
message with the bot's reply (or the hand-off prompt, the system note and the move to 待接待) in
batched transactions on SQLite (WAL, synchronous=NORMAL, one commit per batch).

messages_per_s counts customer messages whose message and reply are committed, over the wall
time from the first submit to the last commit. p99_ms is the time from a message's submit to the
commit that stored it. Without --rate the customers send as fast as the pipeline takes them, in
bursts of 50 (a bounded queue of a few hundred messages applies back-pressure): that measures the
sustained maximum, and p99 then includes the time spent queueing behind the others. --rate N
paces the arrivals at N messages per second instead (p99 at that load). At the end every row is
counted in the database; a missing one fails the run.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

OFF_TOPIC = (
    "哈哈哈",
    "嗯嗯",
    "我再想想",
    "你是机器人吗",
    "今天天气不错",
    "asdfgh",
    "1234",
    "这个和那个哪个好",
    "帮我看看这个链接",
    "我朋友也买了",
)
TRANSFER = ("转人工", "我要找人工客服", "我要投诉", "给你差评")
ANGRY = ("你们这什么破服务，气死我了！！", "骗子店铺，垃圾质量", "等了半天没人理，太过分了")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


CHUNK = 50  # messages a busy channel takes in at once when customers send as fast as they are served
PREFIXES = ("", "", "亲，", "你好，", "请问", "在吗 ")
SUFFIXES = ("", "", "？", "呀", "啊", "呢", "哈")


def _noisy(text: str, rng: random.Random) -> str:
    """A customer's own wording of a KB question: greetings, particles, now and then a dropped character."""
    text = text.rstrip("？?")
    if len(text) > 4 and rng.random() < 0.15:
        cut = rng.randrange(1, len(text) - 1)
        text = text[:cut] + text[cut + 1 :]
    return rng.choice(PREFIXES) + text + rng.choice(SUFFIXES)


def _scripts(pack_entries: list[Any], rng: random.Random, total: int) -> list[list[str]]:
    """What each customer will say: 3-9 messages, mostly the pack's questions in their own words
    (3 % of them about things that need a human), some chatter the KB cannot answer (never twice in
    a row), and for some a last message that asks for a human or is angry. After a hand-off the
    customer's further messages are stored for the agent without a bot reply."""

    def wordings(entries: list[Any]) -> list[str]:
        return [e.question for e in entries] + [p.text for e in entries for p in e.phrasings if not p.negative]

    pool = wordings([e for e in pack_entries if not e.needs_human])
    human = wordings([e for e in pack_entries if e.needs_human]) or pool
    scripts: list[list[str]] = []
    count = 0
    while count < total:
        length = min(rng.randint(3, 9), total - count)
        lines: list[str] = []
        for i in range(length):
            last = i == length - 1
            if last and rng.random() < 0.12:
                lines.append(rng.choice(TRANSFER + ANGRY))
            elif rng.random() < 0.12 and not (lines and lines[-1] in OFF_TOPIC):
                lines.append(rng.choice(OFF_TOPIC))
            else:
                lines.append(_noisy(rng.choice(human if rng.random() < 0.03 else pool), rng))
        scripts.append(lines)
        count += length
    return scripts


def run(
    messages: int = 30_000,
    customers: int = 5_000,
    *,
    batch: int = 500,
    max_pending: int = 200,
    rate: float = 0.0,
    pack_id: str = "apparel",
    seed: int = 1,
) -> dict[str, float | str]:
    from sqlalchemy import func, insert, select

    from workbench.domain.bot import BotChatState, BotSettings, ReceptionConfig, ReceptionMode
    from workbench.domain.kb import KbEntry
    from workbench.domain.packs import load_pack
    from workbench.kb import tokenizer
    from workbench.kb.matcher import Matcher
    from workbench.services.bot import AutoReplyPipeline, BotEngine, load_kb_snapshot
    from workbench.storage.db import Database, sqlite_url
    from workbench.storage.repositories.bot import OWNER_BOT
    from workbench.storage.repositories.kb import KbRepository
    from workbench.storage.repositories.shops import ShopRepository
    from workbench.storage.tables import ConversationRow, CustomerRow, MessageRow
    from workbench.storage.tables_bot import BotConversationRow

    rng = random.Random(seed)
    pack = load_pack(pack_id)
    scripts = _scripts(list(pack.entries), rng, messages)
    # Many customers talking at once: `customers` chats are open together; when one has said all
    # its lines the next customer arrives. Each message goes to one of the open chats at random.
    order: list[int] = []
    open_chats = list(range(min(customers, len(scripts))))
    next_chat = len(open_chats)
    said = [0] * len(scripts)
    while open_chats:
        k = rng.randrange(len(open_chats))
        chat = open_chats[k]
        order.append(chat)
        said[chat] += 1
        if said[chat] == len(scripts[chat]):
            if next_chat < len(scripts):
                open_chats[k] = next_chat
                next_chat += 1
            else:
                open_chats[k] = open_chats[-1]
                open_chats.pop()
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        tokenizer.set_cache_dir(Path(tmp) / "jieba")
        tokenizer.ensure_loaded()
        db = Database(sqlite_url(Path(tmp) / "bench.sqlite3"))
        db.migrate()
        now = datetime(2026, 11, 11, 0, 0, 0)
        # -- set-up (not timed): the shop, the pack as its KB, customers and bot-served chats ----
        with db.session() as s:
            shop = ShopRepository(s).add("压测旗舰店", pack.name, {"bot_nickname": "小蜜"})
            ShopRepository(s).add_agent(shop.id, "agent", "客服")
            kb = KbRepository(s)
            kb.ensure_standard_categories(shop.id)
            entries: list[KbEntry] = []
            for e in pack.entries:
                saved = kb.add(
                    shop.id, e.category, e.question, list(e.answers), list(e.phrasings), now, needs_human=e.needs_human
                )
                entries.append(saved)
            s.execute(
                insert(CustomerRow),
                [
                    {"shop_id": shop.id, "nick": f"buyer{i:05d}", "name": "", "phone": "", "gender": "", "city": "",
                     "credit_level": "", "is_88vip": False, "traffic_source": "", "member_level": "", "points": 0,
                     "preferences": "", "refund_count": 0, "bad_review_count": 0}
                    for i in range(len(scripts))
                ],
            )  # fmt: skip
            customer_ids = list(s.scalars(select(CustomerRow.id).where(CustomerRow.shop_id == shop.id)))
            s.execute(
                insert(ConversationRow),
                [
                    {"shop_id": shop.id, "customer_id": c, "agent_id": None, "state": "active", "scenario_id": "bench",
                     "started_at": now, "last_message_at": now, "waiting_since": None, "unread": 0, "end_reason": "",
                     "last_message": ""}
                    for c in customer_ids
                ],
            )  # fmt: skip
            conv_ids = list(s.scalars(select(ConversationRow.id).where(ConversationRow.shop_id == shop.id)))
            s.execute(
                insert(BotConversationRow),
                [{"conversation_id": c, "owner": OWNER_BOT, "misses": 0, "last_key": "", "repeats": 0, "turns": 0,
                  "handoff_reason": "", "handoff_detail": "", "started_at": now} for c in conv_ids],
            )  # fmt: skip
        matcher = Matcher(entries)
        matcher.match("预热")
        settings = BotSettings(reception=ReceptionConfig(mode=ReceptionMode.AUTO))
        engine = BotEngine(settings, matcher, load_kb_snapshot(db, shop.id))
        position = [0] * len(scripts)
        targets: list[int] = []
        texts: list[str] = []
        for chat in order:
            targets.append(conv_ids[chat])
            texts.append(scripts[chat][position[chat]])
            position[chat] += 1

        with db.session() as s:
            before = s.scalar(select(func.count()).select_from(MessageRow)) or 0
        pipeline = AutoReplyPipeline(db, engine, clock=lambda: now, batch_size=batch, max_pending=max_pending)
        pipeline.start({c: BotChatState() for c in conv_ids})
        started = time.perf_counter()
        messages_in = list(zip(targets, texts, strict=True))
        if rate > 0:
            # Arrivals paced at `rate`: every millisecond or so, whatever has arrived is taken in.
            sent = 0
            while sent < len(messages_in):
                due = min(len(messages_in), int((time.perf_counter() - started) * rate) + 1)
                if due > sent:
                    pipeline.submit_many(messages_in[sent:due])
                    sent = due
                else:
                    time.sleep(0.001)
        else:
            for i in range(0, len(messages_in), CHUNK):
                pipeline.submit_many(messages_in[i : i + CHUNK])
        stats = pipeline.close()
        elapsed = time.perf_counter() - started
        with db.session() as s:
            stored = (s.scalar(select(func.count()).select_from(MessageRow)) or 0) - before
            waiting = (
                s.scalar(select(func.count()).select_from(ConversationRow).where(ConversationRow.state == "waiting"))
                or 0
            )
        db.dispose()
    if stored != stats.stored or stats.messages != messages:
        raise RuntimeError(f"lost messages: {stats.messages}/{messages} processed, {stored}/{stats.stored} rows stored")
    latencies = stats.latencies_ms or [0.0]
    return {
        "messages_per_s": round(stats.messages / elapsed, 1),
        "p99_ms": round(_percentile(latencies, 0.99), 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "messages": stats.messages,
        "rows_stored": stored,
        "answered": stats.answered,
        "clarified": stats.clarified,
        "fallbacks": stats.fallbacks,
        "handoffs": stats.handoffs,
        "to_agents": stats.messages - stats.answered - stats.clarified - stats.fallbacks - stats.handoffs,
        "handed_off_chats": waiting,
        "batches": stats.batches,
        "seconds": round(elapsed, 2),
        "kb": f"{pack.id}-{pack.version} ({len(pack.entries)} entries)",
        "customers": len(scripts),
        "open_at_once": min(customers, len(scripts)),
    }
