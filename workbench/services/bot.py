"""The reception bot (店小蜜) at work: its settings, the engine that answers one customer message,
the desk-side helper the simulated channel uses (routing, welcome card, hand-offs, colleagues), and
a batched full-auto pipeline (match in one thread, persist in batched transactions in another)."""

from __future__ import annotations

import logging
import queue
import random
import threading
import time as _time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from workbench.domain.bot import (
    MAX_CARD_QUESTIONS,
    AutoStrategy,
    BotAction,
    BotChatState,
    BotDecision,
    BotSettings,
    CardQuestion,
    HandoffReason,
    MatchKind,
    MatchView,
    ReceptionConfig,
    ReceptionMode,
    TransferRules,
    WelcomeCard,
    WelcomeConfig,
    bot_takes,
    chosen_option,
    clean_reception,
    clean_transfer,
    clean_welcome,
    decide,
    fill_bot_name,
    handoff_note,
    normalise_question,
    welcome_card,
)
from workbench.domain.conversations import Message, Sender
from workbench.domain.emotion import EmotionDetector, default_detector
from workbench.domain.identity import PROGRAM, Actor, Permission
from workbench.domain.kb import Suggestion
from workbench.domain.routing import RoutingConfig, SubAccount
from workbench.domain.shops import AgentStatus
from workbench.services.access import require
from workbench.services.clock import Clock, system_clock
from workbench.services.notifications import Topic
from workbench.services.routing import RoutingService, SimulatedColleagues
from workbench.storage.db import Database
from workbench.storage.repositories.bot import BotRepository, BotTurn, StoredConfig

if TYPE_CHECKING:
    from workbench.kb.matcher import Matcher

log = logging.getLogger(__name__)


# -- settings ------------------------------------------------------------------------------------


class BotService:
    """Reads and saves the bot's settings (welcome, transfer rules, reception mode); saving needs
    `Permission.CONFIGURE_BOT` (checked for `actor`)."""

    def __init__(self, db: Database, shop_id: int, clock: Clock = system_clock, *, actor: Actor) -> None:
        self.db = db
        self.shop_id = shop_id
        self.clock = clock
        self.actor = actor

    def config(self) -> StoredConfig:
        with self.db.session() as s:
            return BotRepository(s).config(self.shop_id)

    def settings(self) -> BotSettings:
        return self.config().bot

    def version(self) -> int:
        with self.db.session() as s:
            return BotRepository(s).version(self.shop_id)

    def _check(self) -> None:
        with self.db.session() as s:
            require(s, self.actor, Permission.CONFIGURE_BOT)

    def _save(self, change: Callable[[BotSettings], BotSettings]) -> BotSettings:
        with self.db.session() as s:
            require(s, self.actor, Permission.CONFIGURE_BOT)
            repo = BotRepository(s)
            stored = repo.config(self.shop_id)
            self.db.notify(s, Topic.BOT)
            return repo.save_config(self.shop_id, replace(stored, bot=change(stored.bot)), self.clock()).bot

    def save_welcome(self, welcome: WelcomeConfig) -> BotSettings:
        self._check()  # before the form's checks: a user who may not save hears that first
        cleaned = clean_welcome(welcome)
        return self._save(lambda b: replace(b, welcome=cleaned))

    def save_transfer(self, rules: TransferRules) -> BotSettings:
        self._check()
        cleaned = clean_transfer(rules)
        return self._save(lambda b: replace(b, transfer=cleaned))

    def save_reception(self, reception: ReceptionConfig) -> BotSettings:
        self._check()
        cleaned = clean_reception(reception)
        return self._save(lambda b: replace(b, reception=cleaned))

    def hot_questions(self, limit: int = MAX_CARD_QUESTIONS) -> list[CardQuestion]:
        """The KB's most-asked questions (热度), hottest first: what 智能预测 puts on the card."""
        with self.db.session() as s:
            rows = BotRepository(s).hot_questions(self.shop_id, limit)
        return [CardQuestion(q, entry_id, "") for entry_id, q, _ in rows]

    def welcome_card(self, welcome: WelcomeConfig | None = None, at: datetime | None = None) -> WelcomeCard:
        """The card a customer sees (for the saved or an edited configuration)."""
        cfg = welcome or self.settings().welcome
        moment = at or self.clock()
        return welcome_card(cfg, moment.time(), self.hot_questions())

    def stats(self) -> dict[str, int]:
        with self.db.session() as s:
            return BotRepository(s).stats(self.shop_id)


# -- the engine ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KbSnapshot:
    answers: dict[int, tuple[str, str]]  # entry id → (question, answer)
    needs_human: frozenset[int]


class BotEngine:
    """Answers one customer message by the settings: the matcher's verdict, the emotion detector
    and the transfer rules (pure computation, no database; thread-safe as the matcher is)."""

    def __init__(
        self,
        settings: BotSettings,
        matcher: Matcher,
        kb: KbSnapshot,
        emotion: EmotionDetector | None = None,
    ) -> None:
        self.settings = settings
        self.matcher = matcher
        self.kb = kb
        self.emotion = emotion or default_detector()
        # card questions the shop answered itself: a click on one gets that answer, not the KB's
        self.card_answers = {
            normalise_question(q.question): q for q in settings.welcome.card_questions if q.answer.strip()
        }

    def reply(self, state: BotChatState, text: str) -> BotDecision:
        picked = chosen_option(text, state)
        card = self.card_answers.get(normalise_question(text)) if self.card_answers else None
        view: MatchView
        best: Suggestion | None
        if picked is not None and picked in self.kb.answers:
            question, answer = self.kb.answers[picked]
            best = Suggestion(picked, question, answer, 1.0)
            view = MatchView(MatchKind.DIRECT, best, (), picked in self.kb.needs_human)
        elif card is not None:
            entry_id = card.entry_id or 0  # 0: no KB entry behind it (nothing to count in 热度)
            best = Suggestion(entry_id, card.question, card.answer, 1.0)
            view = MatchView(MatchKind.DIRECT, best, (), entry_id in self.kb.needs_human)
        else:
            outcome = self.matcher.answer(text)
            best = outcome.best
            view = MatchView(
                MatchKind(outcome.kind.value),
                best,
                outcome.options,
                best is not None and best.entry_id in self.kb.needs_human,
            )
        score: float = 0.0
        words: tuple[str, ...] = ()
        if self.settings.transfer.on_negative_emotion:
            found = self.emotion.score(text)
            score, words = found.score, found.words
        return decide(self.settings, state, text, view, score, words)


def answered_entry(decision: BotDecision) -> int | None:
    """The entry a direct answer came from (a use for 热度, like an agent's adopted suggestion)."""
    return decision.entry_id or None if decision.action is BotAction.ANSWER else None


def load_kb_snapshot(db: Database, shop_id: int) -> KbSnapshot:
    with db.session() as s:
        answers, human = BotRepository(s).kb_snapshot(shop_id)
    return KbSnapshot(answers, frozenset(human))


# -- the bot at a desk (used by the simulated channel) -----------------------------------------------


@dataclass(frozen=True, slots=True)
class NewCustomer:
    """Who serves a new customer, and the first messages (welcome card or a colleague's greeting)."""

    by_bot: bool
    agent: SubAccount | None
    messages: tuple[Message, ...] = ()


@dataclass(frozen=True, slots=True)
class BotOutcome:
    """One customer message in a bot-served chat: every stored message (the customer's first), the
    texts the customer reads, and the hand-off if there was one."""

    messages: tuple[Message, ...]
    replies: tuple[str, ...]
    decision: BotDecision | None = None
    handoff: HandoffReason | None = None
    agent: SubAccount | None = None


class ReceptionBot:
    """The bot and 分流 on a live channel: decides who serves each new customer, answers customers
    in bot-served chats, hands off to 待接待 with the reason, and lets simulated colleagues work.

    Used from one thread (the channel's). Settings are re-read when their version changes."""

    def __init__(self, db: Database, shop_id: int, clock: Clock, rng: random.Random) -> None:
        self.db = db
        self.shop_id = shop_id
        self.clock = clock
        # The program's own use: it reads the settings and routes, and changes no setup.
        self.service = BotService(db, shop_id, clock, actor=PROGRAM)
        self.routing = RoutingService(db, shop_id, clock, actor=PROGRAM)
        self.colleagues = SimulatedColleagues(db, shop_id, clock, rng)
        self.matcher: Matcher | None = None
        self._version = -1
        self._config: StoredConfig | None = None
        self._engine: BotEngine | None = None
        self._kb: KbSnapshot | None = None
        self._states: dict[int, BotChatState] = {}
        self._bot_convs: set[int] | None = None
        self._arrivals = 0

    # -- configuration ---------------------------------------------------------------------------

    def set_matcher(self, matcher: Matcher | None) -> None:
        self.matcher = matcher
        self._engine = None

    @property
    def config(self) -> StoredConfig:
        if self._config is None:
            self.refresh()
        assert self._config is not None
        return self._config

    def refresh(self, *, force: bool = False) -> bool:
        """Re-read settings, the KB's answers and flags if anything changed; True if it did."""
        version = self.service.version()
        if version == self._version and not force and self._config is not None:
            return False
        self._version = version
        self._config = self.service.config()
        self._kb = load_kb_snapshot(self.db, self.shop_id)
        self._engine = None
        if self._bot_convs is None:
            with self.db.session() as s:
                self._bot_convs = BotRepository(s).bot_owned(self.shop_id)
        return True

    def reload_kb(self) -> None:
        """The knowledge base changed (needs-human flags, answers): take the new snapshot."""
        self._kb = load_kb_snapshot(self.db, self.shop_id)
        self._engine = None

    def engine(self) -> BotEngine | None:
        if self.matcher is None:
            return None
        if self._engine is None:
            cfg = self.config
            assert self._kb is not None
            self._engine = BotEngine(cfg.bot, self.matcher, self._kb)
        return self._engine

    @property
    def auto_mode(self) -> bool:
        return self.config.bot.reception.mode is ReceptionMode.AUTO

    # -- conversations ---------------------------------------------------------------------------

    def is_bot(self, conversation_id: int) -> bool:
        if self._bot_convs is None:
            self.refresh(force=True)
        assert self._bot_convs is not None
        return conversation_id in self._bot_convs

    def new_customer(self, s: Session, conversation_id: int, first_text: str = "") -> NewCustomer:
        """Route a new customer: to the bot (full-auto, by strategy) or to an agent (分流). The writes
        (the bot's welcome card, a colleague's greeting, the assignment) go in the caller's transaction
        `s`, the one that creates the chat; if it fails, the caller calls `forget`."""
        cfg = self.config
        routing = cfg.routing
        accounts = self.routing.accounts()
        humans = any(a.status is AgentStatus.ONLINE for a in accounts)
        if cfg.bot.reception.strategy is AutoStrategy.MIXED:
            humans = any(a.available for a in accounts) if routing.enabled else humans
        arrivals = self._arrivals
        self._arrivals += 1
        if self.matcher is not None and bot_takes(cfg.bot.reception, humans, arrivals):
            return NewCustomer(True, None, self._take(s, conversation_id))
        if not routing.enabled:
            return NewCustomer(False, None)
        _, account = self.routing.route(first_text, config=routing)
        if account is None:
            return NewCustomer(False, None)
        return NewCustomer(False, account, self._assign(s, conversation_id, account))

    def _take(self, s: Session, conversation_id: int) -> tuple[Message, ...]:
        now = self.clock()
        card = self.service.welcome_card(self.config.bot.welcome, now)
        repo = BotRepository(s)
        repo.take(conversation_id, now)
        stored = repo.persist_turns(
            [BotTurn(conversation_id, now, "", ((Sender.BOT, card.as_message()),), BotChatState())]
        )
        self.db.notify(s, Topic.CONVERSATIONS, conversation_id)
        assert self._bot_convs is not None
        self._bot_convs.add(conversation_id)
        self._states[conversation_id] = BotChatState()
        return stored[0]

    def _assign(self, s: Session, conversation_id: int, account: SubAccount) -> tuple[Message, ...]:
        if account.simulated:
            return (self.colleagues.take(s, conversation_id, account),)
        self.routing.assign_in(s, conversation_id, account.id)
        return ()

    def answer(self, conversation_id: int, text: str) -> BotOutcome:
        """A customer message in a bot-served chat: store it with the bot's answer, or hand off."""
        now = self.clock()
        engine = self.engine()
        if engine is None:  # no matcher yet: the message waits, unanswered
            with self.db.session() as s:
                stored = BotRepository(s).persist_turns(
                    [BotTurn(conversation_id, now, text, (), self._state(conversation_id))]
                )
                self.db.notify(s, Topic.CONVERSATIONS, conversation_id)
            return BotOutcome(stored[0], ())
        state = self._state(conversation_id)
        decision = engine.reply(state, text)
        if decision.action is not BotAction.HANDOFF:
            self._states[conversation_id] = decision.state
            with self.db.session() as s:
                stored = BotRepository(s).persist_turns(
                    [
                        BotTurn(
                            conversation_id,
                            now,
                            text,
                            ((Sender.BOT, decision.text),),
                            decision.state,
                            answered_entry=answered_entry(decision),
                        )
                    ]
                )
                self.db.notify(s, Topic.CONVERSATIONS, conversation_id)
            return BotOutcome(stored[0], (decision.text,), decision)
        return self._hand_off(conversation_id, now, text, decision)

    def _hand_off(self, conversation_id: int, now: datetime, text: str, decision: BotDecision) -> BotOutcome:
        assert decision.reason is not None
        cfg = self.config
        rules = cfg.bot.transfer
        account = self._handoff_target(cfg.routing, text)
        humans = account is not None or (
            not cfg.routing.enabled and any(a.status is AgentStatus.ONLINE for a in self.routing.accounts())
        )
        nickname = cfg.bot.welcome.nickname
        if humans:
            prompt = fill_bot_name(rules.success_prompt, nickname)
            note = handoff_note(decision.reason, decision.detail, account.display_name if account else "")
        else:
            prompt = fill_bot_name(rules.failure_prompt, nickname)
            note = handoff_note(decision.reason, decision.detail) + "（暂无客服在线，已留言待接待）"
        assign = account.id if account is not None and not account.simulated else None
        turn = BotTurn(
            conversation_id,
            now,
            text,
            ((Sender.BOT, prompt), (Sender.SYSTEM, note)),
            decision.state,
            decision.reason,
            decision.detail,
            assign,
        )
        try:
            with self.db.session() as s:  # the hand-off and a colleague taking the chat: one transaction
                stored = BotRepository(s).persist_turns([turn])[0]
                self.db.notify(s, Topic.CONVERSATIONS, conversation_id)
                if account is not None and account.simulated:
                    stored = (*stored, self.colleagues.take(s, conversation_id, account))
        except BaseException:
            self.colleagues.forget(conversation_id)
            raise
        self.forget(conversation_id)
        return BotOutcome(stored, (prompt,), decision, decision.reason, account)

    def _handoff_target(self, routing: RoutingConfig, text: str) -> SubAccount | None:
        if not routing.enabled:
            return None
        _, account = self.routing.route(text, config=routing)
        return account

    def release(self, conversation_id: int) -> None:
        """An agent wrote in a bot-served chat: the agent serves it from now on."""
        if not self.is_bot(conversation_id):
            return
        with self.db.session() as s:
            BotRepository(s).release(conversation_id)
            self.db.notify(s, Topic.CONVERSATIONS, conversation_id)
        self.forget(conversation_id)

    def forget(self, conversation_id: int) -> None:
        self._states.pop(conversation_id, None)
        if self._bot_convs is not None:
            self._bot_convs.discard(conversation_id)

    def _state(self, conversation_id: int) -> BotChatState:
        state = self._states.get(conversation_id)
        if state is None:
            with self.db.session() as s:
                state = BotRepository(s).bot_states([conversation_id]).get(conversation_id, BotChatState())
            self._states[conversation_id] = state
        return state

    # -- simulated colleagues --------------------------------------------------------------------

    def colleague_reply(self, customer_text: str) -> str:
        """What a scripted colleague answers: the KB's answer when it is sure, else a holding line."""
        if self.matcher is not None:
            outcome = self.matcher.answer(customer_text.splitlines()[-1] if customer_text else "")
            if outcome.best is not None and outcome.kind.value != MatchKind.FALLBACK.value:
                return outcome.best.answer
        return self.colleagues.fallback()


# -- the batched full-auto pipeline ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Incoming:
    conversation_id: int
    text: str


_Done = tuple[BotTurn, BotAction | None]


@dataclass(slots=True)
class PipelineStats:
    messages: int = 0  # customer messages stored with their outcome
    stored: int = 0  # rows written to messages (customer + bot + notes)
    answered: int = 0
    clarified: int = 0
    fallbacks: int = 0
    handoffs: int = 0
    batches: int = 0
    latencies_ms: list[float] | None = None


class AutoReplyPipeline:
    """Full-auto at volume: customer messages come in (`submit` one, or `submit_many` as a channel
    receives a burst); a matcher thread decides each reply in arrival order, keeping each
    conversation's bot state; a writer thread persists customer message, reply and hand-off in
    batched transactions (up to `batch_size` messages, one commit each).

    Messages move between the threads in chunks, so queue hand-overs cost little per message; the
    queues are bounded (back-pressure on `submit`). Latency is measured from submit to the commit
    that stored the message and its reply.
    """

    def __init__(
        self,
        db: Database,
        engine: BotEngine,
        *,
        clock: Clock = system_clock,
        batch_size: int = 500,
        max_pending: int = 1000,
    ) -> None:
        self.db = db
        self.engine = engine
        self.clock = clock
        self.batch_size = batch_size
        slots = max(2, max_pending // 50)  # chunks of about 50 messages in flight
        self._in: queue.Queue[tuple[list[_Incoming], float] | None] = queue.Queue(slots)
        self._out: queue.Queue[tuple[list[_Done], float] | None] = queue.Queue(slots)
        self._states: dict[int, BotChatState] = {}
        self._human: set[int] = set()
        self.stats = PipelineStats(latencies_ms=[])
        self._errors: list[BaseException] = []
        self._matcher_thread = threading.Thread(target=self._match_loop, name="autoreply-match", daemon=True)
        self._writer_thread = threading.Thread(target=self._write_loop, name="autoreply-write", daemon=True)

    def start(self, bot_conversations: dict[int, BotChatState] | None = None) -> None:
        self._states.update(bot_conversations or {})
        self._matcher_thread.start()
        self._writer_thread.start()

    def submit(self, conversation_id: int, text: str) -> None:
        self.submit_many([(conversation_id, text)])

    def submit_many(self, messages: list[tuple[int, str]]) -> None:
        """Messages received together, in order; blocks while the queue is full (back-pressure)."""
        if messages:
            self._in.put(([_Incoming(c, t) for c, t in messages], _time.perf_counter()))

    def close(self) -> PipelineStats:
        """Finish everything submitted, stop the threads and return the numbers."""
        self._in.put(None)
        self._matcher_thread.join()
        self._writer_thread.join()
        if self._errors:
            raise self._errors[0]
        return self.stats

    def _match_loop(self) -> None:
        try:
            settings = self.engine.settings
            nickname = settings.welcome.nickname
            success = fill_bot_name(settings.transfer.success_prompt, nickname)
            reply = self.engine.reply
            states, human = self._states, self._human
            while True:
                chunk = self._in.get()
                if chunk is None:
                    break
                items, received = chunk
                now = self.clock()
                done: list[_Done] = []
                for item in items:
                    cid = item.conversation_id
                    if cid in human:  # handed off already: stored for the agent, no bot reply
                        done.append((BotTurn(cid, now, item.text), None))
                        continue
                    decision = reply(states.get(cid) or BotChatState(), item.text)
                    if decision.action is BotAction.HANDOFF:
                        assert decision.reason is not None
                        human.add(cid)
                        states.pop(cid, None)
                        replies = (
                            (Sender.BOT, success),
                            (Sender.SYSTEM, handoff_note(decision.reason, decision.detail)),
                        )
                        turn = BotTurn(cid, now, item.text, replies, decision.state, decision.reason, decision.detail)
                    else:
                        states[cid] = decision.state
                        turn = BotTurn(
                            cid,
                            now,
                            item.text,
                            ((Sender.BOT, decision.text),),
                            decision.state,
                            answered_entry=answered_entry(decision),
                        )
                    done.append((turn, decision.action))
                self._out.put((done, received))
        except BaseException as exc:  # surfaced by close()
            self._errors.append(exc)
        finally:
            self._out.put(None)

    def _write_loop(self) -> None:
        stats = self.stats
        latencies = stats.latencies_ms
        assert latencies is not None
        finished = False
        try:
            while not finished:
                first = self._out.get()
                if first is None:
                    break
                chunks = [first]
                size = len(first[0])
                while size < self.batch_size:
                    try:
                        nxt = self._out.get_nowait()
                    except queue.Empty:
                        break
                    if nxt is None:
                        finished = True
                        break
                    chunks.append(nxt)
                    size += len(nxt[0])
                turns = [turn for done, _ in chunks for turn, _ in done]
                with self.db.session() as s:
                    BotRepository(s).persist_turns(turns, returning=False)
                    for turn in turns:  # a big batch is said as "several conversations"
                        self.db.notify(s, Topic.CONVERSATIONS, turn.conversation_id)
                committed = _time.perf_counter()
                stats.batches += 1
                for done, received in chunks:
                    latency = (committed - received) * 1000.0
                    for turn, action in done:
                        latencies.append(latency)
                        stats.messages += 1
                        stats.stored += (1 if turn.customer_text else 0) + len(turn.replies)
                        if action is BotAction.ANSWER:
                            stats.answered += 1
                        elif action is BotAction.CLARIFY:
                            stats.clarified += 1
                        elif action is BotAction.FALLBACK:
                            stats.fallbacks += 1
                        elif action is BotAction.HANDOFF:
                            stats.handoffs += 1
        except BaseException as exc:
            self._errors.append(exc)
            while not finished and self._out.get() is not None:  # let the matcher finish
                pass
