"""Full-auto reception at volume, through the program's own path: buyer message → channel → reception
bot (matcher, emotion, transfer rules) → database, as `workbench.composition` builds it for a desk or
the team feed (`build_workspace`, `build_channel`); answers are stored in batched transactions
(`ReceptionBot.answer_many`).

Set-up (not timed): a SQLite database (WAL, synchronous=NORMAL, as a desk's) with a shop whose KB is
an industry pack (服饰 by default), a customer for every buyer, and the shop in full-auto (机器人优先).
The first `customers` buyers come in through the channel (each chat created with the bot's welcome
card, one transaction per buyer, as always) before the clock starts.

What is timed: scripted buyers (`workbench.channels.scripted`) stand where the scenario simulator
stands; everything after them is the program's code. Each buyer says 3-9 lines, mostly the pack's
questions in its own words (greetings, particles, a product, a dropped character: every message of
the run is distinct), some chatter the KB cannot answer, and for some a last line that asks for a
human or is angry; after a hand-off the buyer's lines go to the agent. `customers` chats are open at
once; when a buyer has said all its lines the next one arrives (its chat created in the timed part;
`arrivals_timed` says how many). By default (5,000) every buyer of a 30,000-message run is in the
shop when the clock starts: the figure is the message path's; a smaller --customers adds arrivals.
The channel is ticked continuously (as a push channel would deliver; the desk's timer and the team
feed tick every 0.5 s for human-paced buyers, which adds up to that to a reply).

Without --rate the buyers send as fast as the channel takes them: every tick takes in up to 500 lines
(a busy channel's inbox), so `msg_per_s` is the sustained maximum (buyer messages whose message and
reply are stored, over the wall time) and `p99_reply_ms` runs from the tick that took a line in to
its reply stored. With --rate N the lines are due at N per second and `p99_reply_ms` runs from the
moment a line is due (waiting for the next tick included) to its reply stored (the channel passes the
reply to the buyer after the commit). Excluded: the UI, the network, jieba's and the matcher's start-up.

Checked afterwards in the database (a failure stops the run): every chat holds exactly its buyer's
lines, in order, each answered by exactly one reply (a hand-off: prompt and note) until the hand-off
and none after it; every entry's 热度 grew by the number of direct answers it gave, counted by
replaying the same chats through the bot's decision rules (`BotEngine`) outside the timed part.

Baselines, measured in the same run on fresh chats: `per_message_msg_per_s`, the same channel and bot
with one message per transaction (the commit pattern the live path had before batching; its statements
are the reused ones, so it is if anything faster than the old code), and `engine_msg_per_s`, the bot's
decisions alone (matcher, emotion, rules; no database): the ceiling.
"""

from __future__ import annotations

import cProfile
import random
import statistics
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
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
    "这个和那个哪个好",
    "帮我看看这个链接",
    "我朋友也买了",
)
TRANSFER = ("转人工", "我要找人工客服", "我要投诉", "给你差评")
ANGRY = ("你们这什么破服务，气死我了！！", "骗子店铺，垃圾质量", "等了半天没人理，太过分了")
PREFIXES = ("", "", "亲，", "你好，", "请问", "在吗 ", "老板，", "客服，", "hi ", "您好，请问")
SUFFIXES = ("", "", "？", "呀", "啊", "呢", "哈", "？？", "~", "。")
PRODUCTS = ("连衣裙", "牛仔裤", "阔腿裤", "T恤", "卫衣", "开衫", "大衣", "羽绒服", "外套", "衬衫")
BURST = 500  # lines a tick takes in when buyers send as fast as the channel takes them
BASELINE_SHARE = 10  # the per-message baseline runs on 1/10 of the messages (it is slow)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def _variant(text: str, rng: random.Random) -> str:
    """A buyer's own wording of a KB question: greeting, particles, now and then a product named or
    a character dropped."""
    text = text.rstrip("？?")
    if len(text) > 4 and rng.random() < 0.15:
        cut = rng.randrange(1, len(text) - 1)
        text = text[:cut] + text[cut + 1 :]
    if rng.random() < 0.3:
        text = f"这件{rng.choice(PRODUCTS)}{text}"
    return rng.choice(PREFIXES) + text + rng.choice(SUFFIXES)


def _scripts(pack_entries: list[Any], rng: random.Random, total: int) -> list[list[str]]:
    """What each buyer will say: 3-9 lines, every line of the run distinct (see the module doc)."""

    def wordings(entries: list[Any]) -> list[str]:
        return [e.question for e in entries] + [p.text for e in entries for p in e.phrasings if not p.negative]

    pool = wordings([e for e in pack_entries if not e.needs_human])
    human = wordings([e for e in pack_entries if e.needs_human]) or pool
    seen: set[str] = set()

    def fresh(make: Any) -> str:
        for _ in range(30):
            line: str = make()
            if line not in seen:
                break
        else:  # crowded: a number makes it new (an order or a size the buyer mentions)
            line = f"{make()} {rng.randrange(10_000, 99_999)}"
        seen.add(line)
        return line

    scripts: list[list[str]] = []
    count = 0
    while count < total:
        length = min(rng.randint(3, 9), total - count)
        lines: list[str] = []
        for i in range(length):
            last = i == length - 1
            if last and rng.random() < 0.12:
                lines.append(fresh(lambda: rng.choice(TRANSFER + ANGRY) + rng.choice(SUFFIXES)))
            elif rng.random() < 0.12 and not (lines and lines[-1] in OFF_TOPIC):
                lines.append(fresh(lambda: rng.choice(PREFIXES) + rng.choice(OFF_TOPIC) + rng.choice(SUFFIXES)))
            else:
                source = human if rng.random() < 0.03 else pool
                lines.append(fresh(lambda src=source: _variant(rng.choice(src), rng)))
        scripts.append(lines)
        count += length
    return scripts


def _order(scripts: list[list[str]], open_at_once: int, rng: random.Random) -> list[int]:
    """Which chat says its next line, message by message: `open_at_once` chats talk together; when one
    has said all its lines, the next buyer takes its place."""
    order: list[int] = []
    open_chats = list(range(min(open_at_once, len(scripts))))
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
    return order


@dataclass
class Phase:
    """One timed run of buyers through a channel."""

    messages: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # the process's CPU time: robust to other programs on a busy machine
    latencies_ms: list[float] = field(default_factory=list)
    conversations: dict[int, int] = field(default_factory=dict)  # script index → conversation id
    batches: int = 0


def _run_phase(
    ws: Any,
    matcher: Any,
    scripts: list[list[str]],
    customer_ids: list[int],
    open_at_once: int,
    rng: random.Random,
    *,
    rate: float,
    batch: int,
    profiler: cProfile.Profile | None = None,
) -> Phase:
    from sqlalchemy import event

    from workbench.channels.scenarios import select_scenarios
    from workbench.channels.scripted import ScriptedBuyers
    from workbench.composition import build_channel

    buyers = ScriptedBuyers(select_scenarios(()), clock=time.perf_counter)
    channel = build_channel(ws, source=buyers, bot_batch=batch, monotonic=time.perf_counter)
    channel.set_matcher(matcher)
    order = _order(scripts, open_at_once, rng)
    first_line: dict[int, int] = {}
    for k, chat in enumerate(order):
        first_line.setdefault(chat, k)
    # The first `open_at_once` buyers are in the shop before the clock starts.
    for chat in range(min(open_at_once, len(scripts))):
        buyers.arrive(f"b{chat}", customer_ids[chat], at=0.0)
    channel.tick()
    buyers.per_tick = 0 if rate > 0 else BURST
    phase = Phase()
    commits = [0]

    def committed(_connection: object) -> None:
        commits[0] += 1

    event.listen(ws.db.engine, "commit", committed)
    start = time.perf_counter() + 0.05
    due: dict[str, deque[float]] = {}
    position = [0] * len(scripts)
    for k, chat in enumerate(order):
        at = start + (k / rate if rate > 0 else 0.0)
        visitor = f"b{chat}"
        if chat >= open_at_once and k == first_line[chat]:
            buyers.arrive(visitor, customer_ids[chat], at=at)  # the next buyer comes as the line is due
        buyers.say(visitor, scripts[chat][position[chat]], at=at)
        position[chat] += 1
        due.setdefault(visitor, deque()).append(at)
    while time.perf_counter() < start:
        time.sleep(0.001)
    cpu_start = time.process_time()
    if profiler is not None:
        profiler.enable()
    while buyers.pending:
        channel.tick()
        if buyers.pending and rate > 0:
            time.sleep(0.0005)
    phase.seconds = time.perf_counter() - start
    phase.cpu_seconds = time.process_time() - cpu_start
    if profiler is not None:
        profiler.disable()
    event.remove(ws.db.engine, "commit", committed)
    phase.batches = commits[0]
    # From the moment the line was due (offered rate) or taken in by the channel (as fast as it takes them)
    entered_at = due if rate > 0 else buyers.taken
    for visitor, replies in buyers.replies.items():
        entered = entered_at.get(visitor)
        if entered is None:
            continue
        for _, stored_at in replies:
            phase.latencies_ms.append((stored_at - entered.popleft()) * 1000.0)
    phase.messages = len(order)
    for chat in range(len(scripts)):
        conv_id = channel.conversation_of(f"b{chat}")
        if conv_id is None:
            raise RuntimeError(f"buyer {chat} has no chat")
        phase.conversations[chat] = conv_id
    return phase


def _verify(
    ws: Any, engine: Any, scripts: list[list[str]], phase: Phase, hits_before: dict[int, int]
) -> dict[str, int]:
    """Check the database against the scripts; returns the counts checked (raises on a mismatch)."""
    from sqlalchemy import select

    from workbench.domain.bot import BotAction, BotChatState
    from workbench.domain.conversations import Sender
    from workbench.services.bot import answered_entry
    from workbench.storage.tables import KbEntryRow, MessageRow

    expected_hits: dict[int, int] = {}
    checked = replies = handoffs = 0
    with ws.db.session() as s:
        rows: dict[int, list[tuple[str, str]]] = {}
        wanted = list(phase.conversations.values())
        for i in range(0, len(wanted), 500):
            query = (
                select(MessageRow.conversation_id, MessageRow.sender, MessageRow.text)
                .where(MessageRow.conversation_id.in_(wanted[i : i + 500]))
                .order_by(MessageRow.id)
            )
            for conv_id, sender, text in s.execute(query):
                rows.setdefault(conv_id, []).append((sender, text))
        hits_after = dict(s.execute(select(KbEntryRow.id, KbEntryRow.hits)).tuples().all())
    for chat, lines in enumerate(scripts):
        conv_id = phase.conversations[chat]
        stored = rows.get(conv_id, [])
        if not stored or stored[0][0] != Sender.BOT.value:
            raise RuntimeError(f"chat {conv_id}: no welcome card first")
        got = stored[1:]
        expect: list[str] = []  # the senders, replayed through the bot's rules
        state: BotChatState | None = BotChatState()
        for line in lines:
            expect.append(Sender.CUSTOMER.value)
            if state is None:  # handed off: the agent's
                continue
            # the bot's decision with the semantic stage, or without it where the message came in a
            # backlog (see `SEMANTIC_BACKLOG`): the stored reply must be one of the two
            at = len(expect)
            options = [engine.reply(state, line, semantic) for semantic in (True, False)]
            decision = next((d for d in options if _stored_as(d, got[at : at + 2])), options[0])
            if decision.action is BotAction.HANDOFF:
                expect += [Sender.BOT.value, Sender.SYSTEM.value]
                state = None
                handoffs += 1
            else:
                expect.append(Sender.BOT.value)
                state = decision.state
                entry = answered_entry(decision)
                if entry is not None:
                    expected_hits[entry] = expected_hits.get(entry, 0) + 1
            replies += 1
        if [sender for sender, _ in got] != expect:
            raise RuntimeError(f"chat {conv_id}: stored {[x for x, _ in got]}, expected {expect}")
        if [text for sender, text in got if sender == Sender.CUSTOMER.value] != lines:
            raise RuntimeError(f"chat {conv_id}: the buyer's lines are not stored once each, in order")
        checked += len(lines)
    for entry_id, after in hits_after.items():
        if after - hits_before.get(entry_id, 0) != expected_hits.get(entry_id, 0):
            raise RuntimeError(
                f"entry {entry_id}: 热度 grew by {after - hits_before.get(entry_id, 0)}, "
                f"expected {expected_hits.get(entry_id, 0)}"
            )
    return {
        "messages_checked": checked,
        "replies_checked": replies,
        "handoffs_checked": handoffs,
        "hits_checked": sum(expected_hits.values()),
        "entries_checked": len(hits_after),
    }


def _stored_as(decision: Any, stored: list[tuple[str, str]]) -> bool:
    """Whether the rows stored after a buyer's line are this decision's (its reply, or a hand-off)."""
    from workbench.domain.bot import BotAction
    from workbench.domain.conversations import Sender

    if decision.action is BotAction.HANDOFF:
        return [sender for sender, _ in stored] == [Sender.BOT.value, Sender.SYSTEM.value]
    return bool(stored) and stored[0] == (Sender.BOT.value, decision.text)


def _hits(ws: Any) -> dict[int, int]:
    from sqlalchemy import select

    from workbench.storage.tables import KbEntryRow

    with ws.db.session() as s:
        return dict(s.execute(select(KbEntryRow.id, KbEntryRow.hits)).tuples().all())


def run(
    messages: int = 30_000,
    customers: int = 5_000,
    *,
    rate: float = 0.0,
    batch: int | None = None,
    baseline: bool = True,
    pack_id: str = "apparel",
    seed: int = 1,
    profile: str = "",
) -> dict[str, float | int | str]:
    from sqlalchemy import insert

    from workbench.composition import build_workspace, open_database
    from workbench.domain.bot import AutoStrategy, ReceptionConfig, ReceptionMode
    from workbench.domain.identity import Role
    from workbench.domain.packs import load_pack
    from workbench.kb import tokenizer
    from workbench.services.bot import BATCH_MESSAGES
    from workbench.storage.db import sqlite_url
    from workbench.storage.repositories.kb import KbRepository
    from workbench.storage.repositories.shops import ShopRepository
    from workbench.storage.tables import CustomerRow

    batch = batch or BATCH_MESSAGES
    rng = random.Random(seed)
    pack = load_pack(pack_id)
    scripts = _scripts(list(pack.entries), rng, messages)
    base_scripts = _scripts(list(pack.entries), rng, max(500, messages // BASELINE_SHARE)) if baseline else []
    distinct = len({line for lines in scripts + base_scripts for line in lines})
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        tokenizer.set_cache_dir(Path(tmp) / "jieba")
        tokenizer.ensure_loaded()
        db = open_database(sqlite_url(Path(tmp) / "bench.sqlite3"), seed_demo=False)
        now = datetime.now()
        with db.session() as s:  # the shop, its owner, the pack as its KB, the customers
            shops = ShopRepository(s)
            shop = shops.add("压测旗舰店", pack.name, {"bot_nickname": "小蜜"})
            shops.add_agent(shop.id, "owner", "店主", role=Role.OWNER.value)
            kb = KbRepository(s)
            kb.ensure_standard_categories(shop.id)
            for e in pack.entries:
                kb.add(
                    shop.id, e.category, e.question, list(e.answers), list(e.phrasings), now, needs_human=e.needs_human
                )
            total = len(scripts) + len(base_scripts)
            s.execute(
                insert(CustomerRow),
                [
                    {"shop_id": shop.id, "nick": f"buyer{i:05d}", "name": "", "phone": "", "gender": "", "city": "",
                     "credit_level": "", "is_88vip": False, "traffic_source": "", "member_level": "", "points": 0,
                     "preferences": "", "refund_count": 0, "bad_review_count": 0}
                    for i in range(total)
                ],
            )  # fmt: skip
        # the KB cache dir as the desk has it: the matcher gets its semantic stage
        ws = build_workspace(db, kb_cache_dir=Path(tmp) / "kb")
        try:
            ws.bot.save_reception(ReceptionConfig(mode=ReceptionMode.AUTO, strategy=AutoStrategy.BOT_FIRST))
            customer_ids = _customers(ws)
            matcher = ws.matcher.build()
            stage = matcher.semantic
            if stage is not None:  # the desk's state once started: the model loaded, the KB encoded
                stage.idle.wait(600)
            asked_before = stage.asked if stage is not None else 0
            calls_before = stage.encode_calls if stage is not None else 0
            result: dict[str, float | int | str] = {}
            hits_before = _hits(ws)
            profiler = cProfile.Profile() if profile else None
            main = _run_phase(
                ws, matcher, scripts, customer_ids[: len(scripts)], customers, rng, rate=rate, batch=batch,
                profiler=profiler,
            )  # fmt: skip
            if profiler is not None:
                profiler.dump_stats(profile)
            # counted before the check below, which replays every line through the bot again
            scored = (stage.asked if stage is not None else 0) - asked_before
            model_calls = (stage.encode_calls if stage is not None else 0) - calls_before
            engine = _engine(ws, matcher)
            checked = _verify(ws, engine, scripts, main, hits_before)
            latencies = main.latencies_ms or [0.0]
            result.update(
                {
                    "msg_per_s": round(main.messages / main.seconds, 1),
                    "msg_per_cpu_s": round(main.messages / main.cpu_seconds, 1),
                    "semantic_stage": "ready" if stage is not None and stage.ready else "off",
                    # readings of messages (as typed, repaired, each clause) the sentence model scored;
                    # the rest: the lexical stage was sure, or they came in a backlog (`SEMANTIC_BACKLOG`)
                    "semantic_scored": scored,
                    # calls of the sentence model for those readings (a batch's are encoded together)
                    "semantic_model_calls": model_calls,
                    "p99_reply_ms": round(_percentile(latencies, 0.99), 1),
                    "p50_reply_ms": round(statistics.median(latencies), 1),
                    "max_reply_ms": round(max(latencies), 1),
                    "offered_per_s": rate if rate > 0 else "all at once",
                    "messages": main.messages,
                    "distinct_messages": distinct,
                    **checked,
                    "transactions": main.batches,
                    "batch_limit": batch,
                    "seconds": round(main.seconds, 2),
                    "cpu_seconds": round(main.cpu_seconds, 2),
                }
            )
            if baseline:
                hits_before = _hits(ws)
                per_message = _run_phase(
                    ws,
                    matcher,
                    base_scripts,
                    customer_ids[len(scripts) :],
                    min(customers, len(base_scripts)),
                    rng,
                    rate=0.0,
                    batch=1,
                )
                _verify(ws, engine, base_scripts, per_message, hits_before)
                texts = [line for lines in scripts for line in lines]
                started, cpu_started = time.perf_counter(), time.process_time()
                _replay_engine(engine, scripts)
                engine_s, engine_cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
                result.update(
                    {
                        "per_message_msg_per_s": round(per_message.messages / per_message.seconds, 1),
                        "per_message_msg_per_cpu_s": round(per_message.messages / per_message.cpu_seconds, 1),
                        "per_message_messages": per_message.messages,
                        "engine_msg_per_s": round(len(texts) / engine_s, 1),
                        "engine_msg_per_cpu_s": round(len(texts) / engine_cpu_s, 1),
                        "speedup_vs_per_message": round(
                            (main.messages / main.seconds) / (per_message.messages / per_message.seconds), 2
                        ),
                        "cpu_speedup_vs_per_message": round(
                            (main.messages / main.cpu_seconds) / (per_message.messages / per_message.cpu_seconds), 2
                        ),
                    }
                )
            result.update(
                {
                    "kb": f"{pack.id}-{pack.version} ({len(pack.entries)} entries)",
                    "buyers": len(scripts),
                    "open_at_once": min(customers, len(scripts)),
                    "arrivals_timed": max(0, len(scripts) - customers),
                    "path": "scripted buyers -> SimulatedChannel.tick -> ReceptionBot.answer_many -> SQLite",
                }
            )
        finally:
            ws.close()
    return result


def _customers(ws: Any) -> list[int]:
    from workbench.storage.repositories.customers import CustomerRepository

    with ws.db.session() as s:
        return CustomerRepository(s).ids(ws.shop.id)


def _engine(ws: Any, matcher: Any) -> Any:
    """The bot's decision rules with the shop's settings and KB, as the live bot has them."""
    from workbench.services.bot import BotEngine, load_kb_snapshot

    return BotEngine(ws.bot.settings(), matcher, load_kb_snapshot(ws.db, ws.shop.id))


def _replay_engine(engine: Any, scripts: list[list[str]]) -> None:
    """The bot's decisions alone for every chat (the ceiling: no channel, no database)."""
    from workbench.domain.bot import BotAction, BotChatState

    for lines in scripts:
        state = BotChatState()
        for line in lines:
            decision = engine.reply(state, line)
            if decision.action is BotAction.HANDOFF:
                break
            state = decision.state
