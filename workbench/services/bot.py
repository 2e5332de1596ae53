"""The reception bot (店小蜜) at work: its settings, the engine that answers one customer message,
and the desk-side helper the simulated channel uses (routing, welcome card, hand-offs, colleagues,
and full-auto answers stored in batched transactions)."""

from __future__ import annotations

import logging
import random
import time as _time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from workbench.domain.auto_messages import AutoKind
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
from workbench.domain.conversations import Message, Sender, validate_message_text
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
from workbench.storage.repositories.presence import PresenceRepository

if TYPE_CHECKING:
    from workbench.kb.matcher import Matcher

log = logging.getLogger(__name__)

# Full-auto answers are stored in batches (one transaction each): a batch closes after this many
# messages or once deciding it took this long, whichever comes first. Nothing waits for a batch to
# fill: a lone message is stored at once; under load the messages that queued meanwhile go together.
BATCH_MESSAGES = 200
BATCH_MS = 40.0
# More customer messages than this waiting at once (about 100 a second at the desk's half-second tick)
# are a backlog: they are matched without the semantic stage (see `ReceptionBot.answer_many`).
SEMANTIC_BACKLOG = 50


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

    def prefetch(self, asked: Sequence[tuple[BotChatState, str]]) -> int:
        """Before replying to these messages one by one: the ones the matcher will read (not an
        option's number, not a card question) have their uncertain readings encoded by the sentence
        model in one call (see `Matcher.prefetch`). Returns how many readings that was."""
        texts = [
            text
            for state, text in asked
            if chosen_option(text, state) is None
            and not (self.card_answers and normalise_question(text) in self.card_answers)
        ]
        return self.matcher.prefetch(texts) if texts else 0

    def reply(self, state: BotChatState, text: str, semantic: bool = True) -> BotDecision:
        """The bot's decision on `text`; `semantic` False matches with the lexical stage alone."""
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
            outcome = self.matcher.answer(text, semantic=semantic)
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
    # Nobody can take the buyer now (every agent 挂起 or 离线, or 分流 found nobody free): the shop's
    # 忙碌 auto reply is due. Only worked out while that reply is switched on.
    unattended: bool = False


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

    def __init__(
        self,
        db: Database,
        shop_id: int,
        clock: Clock,
        rng: random.Random,
        *,
        batch_messages: int = BATCH_MESSAGES,
        batch_ms: float = BATCH_MS,
    ) -> None:
        self.db = db
        self.shop_id = shop_id
        self.clock = clock
        self.batch_messages = max(1, batch_messages)
        self.batch_ms = batch_ms
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
        self._hot_questions: list[CardQuestion] | None = None  # read once per tick (see `refresh`)
        self._tick_accounts: list[SubAccount] | None = None  # who is online, for hand-offs: once per tick
        # The agent of the single-seat desk this channel runs in (None: a team's feed, which is no desk;
        # the desks on its server are known by their heartbeats).
        self.desk_agent_id: int | None = None

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
        """Re-read settings, the KB's answers and flags if anything changed; True if it did. The
        channel calls it at every tick: the welcome card's hot questions are read again too."""
        self._hot_questions = None
        self._tick_accounts = None
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
        reception = cfg.bot.reception
        humans = False  # whether agents could take the customer: asked only when the strategy needs it
        if reception.mode is ReceptionMode.AUTO and reception.strategy is not AutoStrategy.BOT_FIRST:
            accounts = self.routing.accounts()
            humans = any(a.status is AgentStatus.ONLINE for a in accounts)
            if reception.strategy is AutoStrategy.MIXED:
                humans = any(a.available for a in accounts) if routing.enabled else humans
        arrivals = self._arrivals
        self._arrivals += 1
        if self.matcher is not None and bot_takes(cfg.bot.reception, humans, arrivals):
            return NewCustomer(True, None, self._take(s, conversation_id))
        busy_reply = cfg.rules[AutoKind.BUSY].enabled
        if not routing.enabled:
            return NewCustomer(False, None, unattended=busy_reply and not self._someone_at_a_desk())
        _, account = self.routing.route(first_text, config=routing)
        if account is None:
            return NewCustomer(False, None, unattended=busy_reply)
        return NewCustomer(False, account, self._assign(s, conversation_id, account))

    def _someone_at_a_desk(self) -> bool:
        """分流 off: whether an agent is 在线 at an open desk to see a new buyer in the shared 待接待 —
        this single-seat desk's agent, or on a team server one whose desk beats. Accounts nobody works
        at (the demo's colleagues, who are 在线 in the database) do not count."""
        with self.db.session() as s:
            at_desk = PresenceRepository(s).live_agents(self.shop_id, self.routing.offline_after_s)
            accounts = BotRepository(s).sub_accounts(self.shop_id)
        if self.desk_agent_id is not None:
            at_desk.add(self.desk_agent_id)
        return any(a.status is AgentStatus.ONLINE and a.id in at_desk and not a.simulated for a in accounts)

    def welcome_card(self, at: datetime) -> WelcomeCard:
        """The card a new customer of the bot sees at `at` (its hot questions read once per tick:
        many buyers arriving together see the same card, and it costs one query)."""
        if self._hot_questions is None:
            self._hot_questions = self.service.hot_questions()
        return welcome_card(self.config.bot.welcome, at.time(), self._hot_questions)

    def _take(self, s: Session, conversation_id: int) -> tuple[Message, ...]:
        now = self.clock()
        card = self.welcome_card(now)
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
        return self.answer_many([(conversation_id, text)])[0]

    def answer_many(self, messages: Sequence[tuple[int, str]]) -> list[BotOutcome]:
        """Customer messages in bot-served chats, (conversation, text) in arrival order: decide each
        reply, then store the batch in one transaction — every customer message with its reply or
        hand-off, the bot's counters and the 热度 of the entries answered (aggregated per entry and day).

        A message of a chat the bot does not serve (any more) is checked as an agent's chat's customer
        messages are (DomainError when refused: nothing of the batch is stored) and stored for the
        agent, unanswered (its outcome has no replies and no decision).

        The batch closes after `batch_messages` messages or `batch_ms` of deciding, whichever comes
        first, and before a message of a chat this batch handed off (its agent's greeting comes
        first); with routing on, also right after a hand-off (the next hand-off's routing must see
        this one's assignment). Returns the outcomes of that prefix of `messages`, never an empty
        list; the caller calls again with the rest. Nothing waits for more messages: a lone one is
        stored at once. The bot's memory (chat states, served chats) changes only once the
        transaction committed, so a failed batch can be tried again."""
        if not messages:
            return []
        now = self.clock()
        engine = self.engine()
        routing_on = self.config.routing.enabled
        # A backlog (a flood of buyers, a desk catching up) is answered by the lexical stage alone, so
        # every buyer's reply stays prompt; at a shop's usual pace each message also gets the
        # semantic stage (about 2–3 ms a message where the lexical stage is unsure).
        semantic = len(messages) <= SEMANTIC_BACKLOG
        started = _time.perf_counter()
        budget = self.batch_ms / 1000.0
        states: dict[int, BotChatState] = {}  # this batch's chat states, kept once it commits
        handed: set[int] = set()
        turns: list[BotTurn] = []
        planned: list[tuple[tuple[str, ...], BotDecision | None, SubAccount | None]] = []

        def read_accounts() -> list[SubAccount]:  # read once per tick (see `refresh`), at its first hand-off
            if self._tick_accounts is None:
                self._tick_accounts = self.routing.accounts()
            return self._tick_accounts

        if semantic and engine is not None and len(messages) > 1:
            # one model call for the whole batch's uncertain messages instead of one per message
            engine.prefetch(
                [
                    (self._states.get(c, BotChatState()), text)
                    for c, text in messages[: self.batch_messages]
                    if self.is_bot(c)
                ]
            )
        for conversation_id, text in messages:
            if turns and (
                len(turns) >= self.batch_messages
                or conversation_id in handed
                or (routing_on and handed)
                or _time.perf_counter() - started >= budget
            ):
                break
            if not self.is_bot(conversation_id):  # the agent's chat: stored for the agent
                turns.append(BotTurn(conversation_id, now, validate_message_text(text)))
                planned.append(((), None, None))
                continue
            state = states.get(conversation_id)
            if state is None:
                state = self._state(conversation_id)
            if engine is None:  # no matcher yet: the message waits, unanswered
                turns.append(BotTurn(conversation_id, now, text, (), state))
                planned.append(((), None, None))
                continue
            decision = engine.reply(state, text, semantic)
            if decision.action is BotAction.HANDOFF:
                turn, prompt, account = self._handoff_turn(conversation_id, now, text, decision, read_accounts)
                handed.add(conversation_id)
                turns.append(turn)
                planned.append(((prompt,), decision, account))
                continue
            states[conversation_id] = decision.state
            turns.append(
                BotTurn(
                    conversation_id,
                    now,
                    text,
                    ((Sender.BOT, decision.text),),
                    decision.state,
                    answered_entry=answered_entry(decision),
                    action=decision.action.value,
                    shop_id=self.shop_id,
                    entry_id=decision.entry_id,
                    score=decision.score,
                )
            )
            planned.append(((decision.text,), decision, None))
        colleagues = [(turn.conversation_id, account) for turn, (_, _, account) in zip(turns, planned, strict=True)]
        try:
            with self.db.session() as s:  # the whole batch, hand-offs and colleagues taking chats: one transaction
                stored = BotRepository(s).persist_turns(turns)
                for conversation_id in dict.fromkeys(turn.conversation_id for turn in turns):
                    self.db.notify(s, Topic.CONVERSATIONS, conversation_id)
                for i, (conversation_id, account) in enumerate(colleagues):
                    if account is not None and account.simulated:
                        stored[i] = (*stored[i], self.colleagues.take(s, conversation_id, account))
        except BaseException:
            for conversation_id, account in colleagues:
                if account is not None and account.simulated:
                    self.colleagues.forget(conversation_id)
            raise
        self._states.update(states)
        for conversation_id in handed:
            self.forget(conversation_id)
        outcomes = []
        for messages_stored, (replies, decided, account) in zip(stored, planned, strict=True):
            reason = decided.reason if decided is not None and decided.action is BotAction.HANDOFF else None
            outcomes.append(BotOutcome(messages_stored, replies, decided, reason, account))
        return outcomes

    def _handoff_turn(
        self,
        conversation_id: int,
        now: datetime,
        text: str,
        decision: BotDecision,
        accounts: Callable[[], list[SubAccount]],
    ) -> tuple[BotTurn, str, SubAccount | None]:
        """The hand-off of a chat to 待接待 (or to the agent routing found): the turn to store, the
        prompt the customer reads, and the account that gets the chat. `accounts` reads the
        sub-accounts (their status: is anybody online to take it over?)."""
        assert decision.reason is not None
        cfg = self.config
        rules = cfg.bot.transfer
        account = self._handoff_target(cfg.routing, text)
        humans = account is not None or (
            not cfg.routing.enabled and any(a.status is AgentStatus.ONLINE for a in accounts())
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
            action=decision.action.value,
            shop_id=self.shop_id,
            entry_id=decision.entry_id,
            score=decision.score,
        )
        return turn, prompt, account

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
