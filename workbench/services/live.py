"""Simulated customers as a live channel: the simulator decides what they say; we persist it.

The UI calls `tick`, `spawn` and `agent_replied` from its single write worker, so this object is
only ever used from one thread at a time.

The reception bot works here too (`ReceptionBot`): each new customer is routed by the reception
mode and 分流 (to the bot, a colleague or the 待接待 queue); in bot-served chats the bot answers
every customer message or hands off to 待接待 with the reason; simulated colleagues answer theirs.
The bot needs the KB matcher: `set_matcher(matcher)` (until then humans get every customer). A
small order-event generator moves the shop's orders along, triggers the auto messages and has
buyers review what they received (`take_new_reviews`); a simulated 职业差评师 then comes to the
desk asking for money. New customers of the bot sometimes click a welcome-card question.
"""

from __future__ import annotations

import logging
import random
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError

from workbench.channels.scenarios import Scenario
from workbench.channels.simulator import CardClick, CustomerArrived, CustomerLeft, CustomerSaid, Simulator
from workbench.domain.aftersales import Case
from workbench.domain.auto_messages import AutoKind, AutoRule, OrderEvent
from workbench.domain.bot import CardQuestion
from workbench.domain.conversations import Conversation, ConversationState, Message, validate_message_text
from workbench.domain.customers import Customer
from workbench.domain.errors import DomainError
from workbench.domain.orders import Order, format_yuan, short_title
from workbench.domain.satisfaction import plausible_rating
from workbench.services.auto_messages import AutoMessageService, OrderEventSimulator, PostedReview
from workbench.services.bot import BotOutcome, NewCustomer, ReceptionBot
from workbench.services.reception import ReceptionService
from workbench.storage.db import Database
from workbench.storage.repositories.aftersales import AftersalesRepository
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.orders import OrderRepository

if TYPE_CHECKING:
    from workbench.kb.matcher import Matcher

log = logging.getLogger(__name__)

RATING_DELAY_S = 6.0  # a buyer reads the 邀请评价 card and taps an answer (simulated seconds)
RATING_READS = 200  # the last messages a simulated buyer remembers when rating a chat
AUTO_SCAN_SECONDS = 10.0  # 自动催付 / 延迟发货 are checked this often (monotonic seconds)
RAISES_PROBLEM = ("aftersales", "complaint")  # scenario kinds a buyer raises once per order
PRO_SCENARIO = "professional_bad_reviewer"  # what a simulated 职业差评师 says after the review

LEFT_NOTES = {
    "satisfied": "买家已离开（问题已解决）",
    "unsatisfied": "买家已离开（不满意）",
    "ignored": "买家已离开（久等未回复）",
}


@dataclass(frozen=True, slots=True)
class ChannelUpdate:
    """What changed in one conversation during a tick."""

    conversation_id: int
    customer_id: int
    messages: tuple[Message, ...] = ()
    arrived: bool = False
    left: str = ""  # the reason when the customer left
    by_bot: bool = False  # the bot serves this conversation (full-auto)
    handoff_reason: str = ""  # the bot handed the chat to 待接待 (a HandoffReason value)
    assigned_agent_id: int | None = None  # 分流 gave the chat to this agent


class SimulatedChannel:
    """Built by the composition root (`workbench.composition.build_channel`) with its parts."""

    def __init__(
        self,
        db: Database,
        shop_id: int,
        reception: ReceptionService,
        simulator: Simulator,
        rng: random.Random,
        *,
        bot: ReceptionBot,
        auto_messages: AutoMessageService,
        order_events: OrderEventSimulator,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.shop_id = shop_id
        self.reception = reception
        self.simulator = simulator
        self.rng = rng
        self.monotonic = monotonic
        self.bot = bot
        self.auto_messages = auto_messages
        self.order_events = order_events
        self._events_rng = random.Random(rng.getrandbits(64))
        self._next_order_event: float | None = None
        self._next_scan: float | None = None
        self._visitor_conv: dict[str, int] = {}
        self._conv_visitor: dict[int, str] = {}
        self._visitor_customer: dict[str, int] = {}
        self._cast: list[Customer] | None = None
        self._orders: list[Order] = []
        # Orders a buyer already raised a problem about (a case on it, or a scenario of this run): a
        # returning buyer does not open the same exchange or complaint again on them.
        self._raised: set[str] = set()
        self._reserved: set[int] = set()  # customers given to buyers whose arrival is not applied yet
        self._new_reviews: list[PostedReview] = []
        self._paused_at: float | None = None  # the monotonic time the shop was paused at
        self._paused_for = 0.0  # the paused time so far: the buyers never live through it
        # Chats whose buyer came while nobody could take them and has not written yet: the 忙碌 auto
        # reply answers their first line.
        self._busy_due: set[int] = set()
        # invited chats -> when their buyer answers (monotonic) and who the buyer is
        self._ratings_due: dict[int, tuple[float, int]] = {}
        self._rating_rng = random.Random(rng.getrandbits(64))
        # Lab control from elsewhere (a student's own shop on a class server: the teacher starts the
        # exercise): while it says no, no tick brings anybody.
        self.gate: Callable[[], bool] | None = None

    # -- the cast -----------------------------------------------------------------------------

    def _load_cast(self) -> None:
        if self._cast is not None:
            return
        with self.db.session() as s:
            self._cast = CustomerRepository(s).some(self.shop_id)
            self._orders = OrderRepository(s).recent(self.shop_id)
            self._raised = AftersalesRepository(s).order_numbers(self.shop_id)

    def context_for(self, scenario: Scenario) -> Mapping[str, str]:
        """A real customer (not already chatting) and, if the scenario needs one, a fitting order."""
        self._load_cast()
        busy = set(self._visitor_customer.values()) | self._reserved
        order: Order | None = None
        if scenario.order_state:
            fitting = [o for o in self._orders if o.state.value in scenario.order_state and o.customer_id not in busy]
            if scenario.kind in RAISES_PROBLEM:
                fitting = [o for o in fitting if o.order_no not in self._raised]
            if scenario.product_hint:
                hinted = [o for o in fitting if any(h in i.title for i in o.items for h in scenario.product_hint)]
                fitting = hinted or fitting
            if fitting:
                order = self.rng.choice(fitting)
        cast = self._cast or []
        if order is not None:
            customer = next((c for c in cast if c.id == order.customer_id), None)
        else:
            free = [c for c in cast if c.id not in busy]
            customer = self.rng.choice(free) if free else None
        ctx: dict[str, str] = {}
        if customer is not None:
            # Taken until the arrival is applied: two buyers arriving in one tick are never one customer
            # (they would share a chat, and one of them lose it when the other left).
            self._reserved.add(customer.id)
            ctx["customer_id"] = str(customer.id)
            ctx["买家昵称"] = customer.nick
        if order is not None:
            ctx.update(_order_context(order))
            if scenario.kind in RAISES_PROBLEM:
                self._raised.add(order.order_no)
        return ctx

    # -- driving ------------------------------------------------------------------------------

    def set_matcher(self, matcher: Matcher | None) -> None:
        """Hand the bot the KB matcher (the window's); without one the bot takes no customers."""
        self.bot.set_matcher(matcher)

    def reload_settings(self) -> None:
        """Bot settings, accounts or the KB changed: use them from the next message on."""
        self.bot.refresh(force=True)

    # -- the shop's clock ----------------------------------------------------------------------

    def now(self) -> float:
        """The buyers' time: monotonic seconds less the time the shop was paused (frozen while paused),
        so the simulator never replays a pause: no buyer arrives, nudges or gives up for it."""
        wall = self._paused_at if self._paused_at is not None else self.monotonic()
        return wall - self._paused_for

    def pause(self) -> None:
        """模拟客户进店 off (or writes failing): the buyers' time stands still until `resume`. A buyer
        brought meanwhile (`spawn`) comes with their opening and carries on once the shop resumes."""
        if self._paused_at is None:
            self._paused_at = self.monotonic()

    def resume(self) -> None:
        if self._paused_at is not None:
            self._paused_for += max(0.0, self.monotonic() - self._paused_at)
            self._paused_at = None

    @property
    def paused(self) -> bool:
        return self._paused_at is not None

    def tick(self) -> list[ChannelUpdate]:
        if self.gate is not None and not self.gate():
            return []
        now = self.now()
        self.bot.refresh()
        updates = self._apply(self.simulator.tick(now))
        return _merge_updates(updates + self._background(now) + self._answer_ratings(now))

    def spawn(self, scenario_id: str | None = None) -> list[ChannelUpdate]:
        """One customer now (the toolbar's button), then whatever is due (nobody while the gate is shut)."""
        if self.gate is not None and not self.gate():
            return []
        now = self.now()
        self.bot.refresh()
        self.simulator.start_visitor(now, scenario_id=scenario_id)
        return self._apply(self.simulator.tick(now))

    def agent_replied(self, conversation_id: int, text: str) -> None:
        # An agent writing in a bot-served chat (or a colleague's) takes it over.
        self.bot.release(conversation_id)
        self.bot.colleagues.forget(conversation_id)
        visitor = self._conv_visitor.get(conversation_id)
        if visitor is not None:
            self.simulator.agent_replied(visitor, text, self.now())

    def rating_invited(self, conversation_id: int) -> None:
        """The agent sent the 邀请评价 card: the buyer answers it a little later (at the simulator's
        speed), even after leaving, as a buyer rates from the order page. Only the simulated buyers'
        chats: a real buyer answers for themselves."""
        if conversation_id in self._conv_visitor:
            due = self.now() + RATING_DELAY_S / self.simulator.speed
            self._ratings_due[conversation_id] = (due, self._customer_of(conversation_id))

    def _answer_ratings(self, now: float) -> list[ChannelUpdate]:
        """The buyers whose answer is due rate the chat as it went (see `plausible_rating`)."""
        updates = []
        for conv_id, (due, customer_id) in list(self._ratings_due.items()):
            if due > now:
                continue
            del self._ratings_due[conv_id]
            try:
                history = self.reception.messages(conv_id, limit=RATING_READS)
                rating = plausible_rating(history, self._rating_rng)
                answer = self.reception.buyer_rates(conv_id, rating)
            except DomainError as exc:
                log.warning("the buyer of chat %d could not rate it: %s", conv_id, exc)
                continue
            if answer is not None:
                updates.append(ChannelUpdate(conv_id, customer_id, messages=(answer,)))
        return updates

    def forget(self, conversation_id: int) -> None:
        """The agent ended the chat: the simulated customer goes away quietly."""
        self.bot.forget(conversation_id)
        self.bot.colleagues.forget(conversation_id)
        self._busy_due.discard(conversation_id)
        self._conv_visitor.pop(conversation_id, None)
        # Every buyer in this chat goes (one, unless a buyer came back to it while still mapped).
        for visitor in [v for v, c in self._visitor_conv.items() if c == conversation_id]:
            self._visitor_conv.pop(visitor, None)
            self._visitor_customer.pop(visitor, None)
            self.simulator.remove_visitor(visitor)

    def set_rate(self, per_minute: float) -> None:
        self.simulator.set_rate(per_minute)

    def use_scenarios(self, scenarios: Sequence[Scenario], seed: int) -> None:
        """An exercise's buyers from now on (lab control): only `scenarios`, drawn with `seed`, so every
        student meets the same buyers in the same order. The buyers in the shop now go quietly; their
        chats stay as they are."""
        old = self.simulator
        for conv_id in self.conversation_ids():
            self.forget(conv_id)
        self.rng = random.Random(seed)
        self._events_rng = random.Random(self.rng.getrandbits(64))
        self.simulator = Simulator(
            scenarios,
            rng=random.Random(self.rng.getrandbits(64)),
            arrivals_per_minute=old.rate,
            patience_scale=old.patience_scale,
            max_active=old.max_active,
            speed=old.speed,
            context_provider=self.context_for,
        )

    def conversation_of(self, visitor_id: str) -> int | None:
        """The chat of a simulated customer still in the shop."""
        return self._visitor_conv.get(visitor_id)

    def conversation_ids(self) -> tuple[int, ...]:
        """The chats of the simulated customers still in the shop."""
        return tuple(self._conv_visitor)

    def leave_bot_chats(self, note: str, reason: str) -> list[int]:
        """The customers the bot is serving leave now (the feed stops): each chat ends with `note`.
        Chats with a human are left as they are: the desk keeps them and ends them as usual."""
        left = []
        for conv_id in self.conversation_ids():
            if self.bot.is_bot(conv_id):
                try:
                    self.reception.end_with_note(conv_id, note, reason)
                except DomainError as exc:
                    log.warning("could not end the chat %d: %s", conv_id, exc)
                    continue
                left.append(conv_id)
            self.forget(conv_id)
        return left

    def _apply(self, events: Sequence[object]) -> list[ChannelUpdate]:
        updates: dict[int, ChannelUpdate] = {}

        def merge(conv_id: int, **changes: object) -> None:
            old = updates.get(conv_id) or ChannelUpdate(conv_id, self._customer_of(conv_id))
            updates[conv_id] = _combine(old, ChannelUpdate(conv_id, old.customer_id, **changes))  # type: ignore[arg-type]

        now = self.now()
        clicked: set[str] = set()  # visitors whose welcome-card click replaced their opening here
        stored: set[int] = set()  # indexes of opening messages stored with their chat's arrival
        # Customer messages wait here until the end of the events, then they are stored together, one
        # transaction per batch, the bot's chats answered (see `ReceptionBot.answer_many`), the others
        # left for their agent. Only events of the same chat must not overtake them (an arrival of the
        # same buyer, the buyer leaving): each chat's messages keep their order, the order its buyer
        # sees; other chats are independent.
        to_bot: list[tuple[int, str, str]] = []  # (conversation, visitor, text)
        waiting_chats: set[int] = set()
        waiting_customers: set[int] = set()

        def answer_waiting() -> None:
            for conv_id, outcome in self._bot_answers(to_bot, now):
                merge(conv_id, **outcome)
            to_bot.clear()
            waiting_chats.clear()
            waiting_customers.clear()

        for index, event in enumerate(events):
            if isinstance(event, CustomerArrived):
                customer_id = self._customer_for(event.context)
                if customer_id is None:
                    continue
                if customer_id in waiting_customers:
                    answer_waiting()
                opening = next(
                    (
                        (i, e)
                        for i, e in enumerate(events[index + 1 :], index + 1)
                        if isinstance(e, CustomerSaid) and e.visitor_id == event.visitor_id
                    ),
                    None,
                )
                conv, routed, said, busy = self._arrive(
                    customer_id, event.scenario_id, opening[1].text if opening else ""
                )
                if said is not None and opening is not None:
                    stored.add(opening[0])
                self._visitor_conv[event.visitor_id] = conv.id
                self._conv_visitor[conv.id] = event.visitor_id
                self._visitor_customer[event.visitor_id] = customer_id
                merge(
                    conv.id,
                    arrived=True,
                    messages=(routed.messages if routed else ())
                    + ((said,) if said else ())
                    + ((busy,) if busy else ()),
                    by_bot=bool(routed and routed.by_bot),
                    assigned_agent_id=routed.agent.id if routed and routed.agent else None,
                )
                if busy is not None:  # the buyer reads the 忙碌 auto reply to their opening
                    self.simulator.agent_replied(event.visitor_id, busy.text, now)
                click = self._card_click(event.visitor_id, now) if routed and routed.by_bot else None
                if click is not None:
                    clicked.add(event.visitor_id)
                    outcome = self._bot_hears(conv.id, event.visitor_id, click.text, now)
                    if outcome is not None:
                        merge(conv.id, **_bot_changes(outcome))
            elif isinstance(event, CustomerSaid):
                if index in stored:
                    continue  # stored with the chat itself
                if event.opening and event.visitor_id in clicked:
                    continue  # the card click took the place of these (or they come again later)
                conv_id = self._visitor_conv.get(event.visitor_id)
                if conv_id is None:
                    continue
                to_bot.append((conv_id, event.visitor_id, event.text))
                waiting_chats.add(conv_id)
                waiting_customers.add(self._customer_of(conv_id))
            elif isinstance(event, CustomerLeft):
                conv_id = self._visitor_conv.get(event.visitor_id)
                if conv_id is None:
                    continue
                if conv_id in waiting_chats:
                    answer_waiting()
                updates.setdefault(conv_id, ChannelUpdate(conv_id, self._customer_of(conv_id)))
                note_text = LEFT_NOTES.get(event.reason, LEFT_NOTES["ignored"])
                if self.bot.is_bot(conv_id):  # nobody but the bot was with the buyer: the chat ends
                    note = self.reception.end_with_note(conv_id, note_text, event.reason)
                else:  # the agent's (or the queue's): it stays open; the agent may still write
                    note = self.reception.buyer_left(conv_id, note_text)
                self.forget(conv_id)
                merge(conv_id, messages=(note,), left=event.reason)
        answer_waiting()
        self._reserved.clear()  # the arrivals are in `_visitor_customer` now
        return list(updates.values())

    def _bot_answers(self, waiting: list[tuple[int, str, str]], now: float) -> list[tuple[int, dict[str, object]]]:
        """The bot answers the messages of its chats in batches (`ReceptionBot.answer_many`); each
        customer reads the reply once its batch is stored. Messages of chats the bot handed off
        meanwhile go in the same batches, stored for the agent (a simulated colleague answers them
        in a while). Returns (conversation, changes), each chat's in order."""
        out: list[tuple[int, dict[str, object]]] = []
        rest = deque(waiting)
        size = self.bot.batch_messages
        while rest:
            batch = [rest.popleft() for _ in range(min(len(rest), size))]
            try:
                outcomes = self.bot.answer_many([(c, t) for c, _, t in batch])
            except (DomainError, IntegrityError) as exc:
                # Rolled back (a refused text, a chat deleted meanwhile): the rest one by one, so only
                # the refused message is lost.
                if len(batch) == 1:
                    log.warning("simulated message refused: %s", exc)
                else:
                    rest.extendleft(reversed(batch))
                    size = 1
                continue
            for (conv_id, visitor_id, text), outcome in zip(batch, outcomes, strict=False):
                if outcome.replies:
                    self.simulator.agent_replied(visitor_id, "\n".join(outcome.replies), now)
                    out.append((conv_id, _bot_changes(outcome)))
                elif outcome.decision is None and not self.bot.is_bot(conv_id):  # the agent's
                    self.bot.colleagues.customer_said(conv_id, text, now, self.simulator.speed)
                    busy = self._busy_reply(conv_id) if conv_id in self._busy_due else None
                    if busy is not None:
                        self.simulator.agent_replied(visitor_id, busy.text, now)
                    out.append((conv_id, {"messages": outcome.messages + ((busy,) if busy else ())}))
                else:
                    out.append((conv_id, _bot_changes(outcome)))
            rest.extendleft(reversed(batch[len(outcomes) :]))  # the batch closed early: next time
        return out

    def _arrive(
        self, customer_id: int, scenario_id: str, first_text: str
    ) -> tuple[Conversation, NewCustomer | None, Message | None, Message | None]:
        """A customer comes in, all in one transaction: the chat (or the customer's open one), who
        serves it, and its first message — the bot's welcome card or a colleague's greeting, else the
        customer's own first line (returned third; None when it comes later, as in a chat the customer
        had open already) and, when nobody can take the buyer, the shop's 忙碌 auto reply to it
        (fourth; when the first line comes later, the reply answers it then). A failure (a full disk)
        leaves no chat behind, never one without its first message."""
        try:
            first_text = validate_message_text(first_text) if first_text else ""
        except DomainError as exc:
            log.warning("simulated message refused: %s", exc)
            first_text = ""
        conv: Conversation | None = None
        try:
            with self.db.session() as s:
                conv, created = self.reception.arrive_in(s, customer_id, scenario_id)
                fresh = conv.state is ConversationState.WAITING and conv.agent_id is None
                fresh = fresh and not self.bot.is_bot(conv.id)
                routed = self.bot.new_customer(s, conv.id, first_text) if fresh else None
                said = busy = None
                if created and first_text and not (routed and routed.messages):
                    said = self.reception.customer_says_in(s, conv.id, first_text)
                if routed is not None and routed.unattended and said is not None:
                    busy = self.auto_messages.busy_reply_in(s, conv.id, customer_id, self._busy_rule())
        except BaseException:
            if conv is not None:  # rolled back: the bot and colleagues must not keep a claim on its id
                self.bot.forget(conv.id)
                self.bot.colleagues.forget(conv.id)
            raise
        if routed is not None and routed.unattended and said is None and created:
            self._busy_due.add(conv.id)  # once per chat: a buyer back in their open chat was told already
        return conv, routed, said, busy

    def _busy_rule(self) -> AutoRule:
        return self.bot.config.rules[AutoKind.BUSY]

    def _busy_reply(self, conv_id: int) -> Message | None:
        """The 忙碌 auto reply to the first line of a buyer who came while nobody could take them,
        unless an agent has taken the chat meanwhile."""
        self._busy_due.discard(conv_id)
        conv = self.reception.get(conv_id)
        if conv is None or conv.state is not ConversationState.WAITING or conv.agent_id is not None:
            return None
        return self.auto_messages.busy_reply(conv_id, conv.customer_id, self._busy_rule())

    def _bot_hears(self, conv_id: int, visitor_id: str, text: str, now: float) -> BotOutcome | None:
        """A customer message in a bot-served chat: the bot answers (or hands off); the customer reads it."""
        try:
            outcome = self.bot.answer(conv_id, text)
        except DomainError as exc:
            log.warning("simulated message refused: %s", exc)
            return None
        if outcome.replies:
            self.simulator.agent_replied(visitor_id, "\n".join(outcome.replies), now)
        return outcome

    # -- welcome-card clicks ------------------------------------------------------------------

    def _card_click(self, visitor_id: str, now: float) -> CardClick | None:
        """The customer saw the bot's welcome card: maybe they click one of its questions."""
        card = self.bot.welcome_card(self.reception.clock())
        if not card.questions:
            return None
        own = self._own_question(self.simulator.opening_of(visitor_id), card.questions)
        return self.simulator.card_shown(visitor_id, [q.question for q in card.questions], now, own=own)

    def _own_question(self, opening: tuple[str, ...], questions: tuple[CardQuestion, ...]) -> int | None:
        """The card question that asks what the opening asks: the KB maps both to the same entry."""
        matcher = self.bot.matcher
        if matcher is None or not opening:
            return None
        asked = matcher.answer(opening[-1])  # the last message carries the question ("在吗", "…")
        if asked.best is None or asked.kind.value == "fallback":
            return None
        for index, question in enumerate(questions):
            entry_id = question.entry_id
            if entry_id is None:
                found = matcher.answer(question.question).best
                entry_id = found.entry_id if found is not None else None
            if entry_id == asked.best.entry_id:
                return index
        return None

    # -- colleagues, the capacity rule, order events and auto messages -------------------------

    def _background(self, now: float) -> list[ChannelUpdate]:
        updates: list[ChannelUpdate] = []
        bot = self.bot
        for conv_id, agent_id, text in bot.colleagues.due(now):
            reply = bot.colleague_reply(text)
            try:
                message = self.reception.agent_sends(conv_id, agent_id, reply)
            except DomainError as exc:  # the chat ended meanwhile
                log.debug("colleague reply dropped: %s", exc)
                bot.colleagues.forget(conv_id)
                continue
            visitor = self._conv_visitor.get(conv_id)
            if visitor is not None:
                self.simulator.agent_replied(visitor, reply, now)
            updates.append(ChannelUpdate(conv_id, self._customer_of(conv_id), (message,)))
        routing = bot.config.routing
        if routing.enabled and routing.auto_suspend:
            bot.routing.apply_capacity(routing)
        updates += self._order_tick(now)
        return updates

    def take_new_reviews(self) -> list[PostedReview]:
        """Reviews simulated buyers posted since the last call (for a review list to show them)."""
        posted, self._new_reviews = self._new_reviews, []
        return posted

    def _order_tick(self, now: float) -> list[ChannelUpdate]:
        config = self.bot.config
        rules = config.rules
        results = []
        # The simulated shop's orders move on (and buyers review them) whether or not any auto
        # message rule is on: 评价管理 practice needs new reviews too. 0 events a minute stops it.
        if config.order_events_per_min > 0:
            rate = config.order_events_per_min * self.simulator.speed / 60.0
            if self._next_order_event is None:
                self._next_order_event = now + self._events_rng.expovariate(rate)
            events: list[OrderEvent] = []
            while self._next_order_event <= now and len(events) < 20:
                event = self.order_events.next_event()
                if event is not None:
                    events.append(event)
                self._next_order_event += self._events_rng.expovariate(rate)
            if self._next_order_event <= now:  # far behind (a long pause): start afresh
                self._next_order_event = now + self._events_rng.expovariate(rate)
            if events and any(r.enabled for r in rules.values()):
                results.append(self.auto_messages.handle(events))
            self._reviews_posted(now)
        else:
            self._next_order_event = None
        if self._next_scan is None or now >= self._next_scan:
            self._next_scan = now + AUTO_SCAN_SECONDS
            if any(rules[k].enabled for k in (AutoKind.UNPAID, AutoKind.DELAYED)):
                results.append(self.auto_messages.run_due())
        updates = []
        for result in results:
            for message in result.messages:
                updates.append(
                    ChannelUpdate(message.conversation_id, self._customer_of(message.conversation_id), (message,))
                )
        return updates

    def _reviews_posted(self, now: float) -> None:
        posted = self.order_events.take_reviews()
        self._new_reviews += posted
        for review in posted:
            if review.professional:
                self._extortion_chat(review.case, now)

    def _extortion_chat(self, case: Case, now: float) -> None:
        """A 职业差评师 contacts the shop soon after the bad review, hinting "给钱删评" (教材 5.3)."""
        if self.simulator.rate <= 0 or PRO_SCENARIO not in {s.id for s in self.simulator.scenarios}:
            return  # the teacher lets customers in by hand only
        if case.customer_id in self._visitor_customer.values():
            return
        with self.db.session() as s:
            customer = CustomerRepository(s).get(case.customer_id)
            order = OrderRepository(s).by_number(case.order_no)
        if customer is None or order is None:
            return
        ctx = {"customer_id": str(customer.id), "买家昵称": customer.nick, **_order_context(order)}
        self.simulator.start_visitor(now, PRO_SCENARIO, ctx)

    def _customer_of(self, conversation_id: int) -> int:
        visitor = self._conv_visitor.get(conversation_id)
        return self._visitor_customer.get(visitor, 0) if visitor else 0

    def _customer_for(self, context: Mapping[str, str]) -> int | None:
        raw = context.get("customer_id")
        if raw and raw.isdigit():
            return int(raw)
        self._load_cast()
        return self._cast[0].id if self._cast else None


def _order_context(order: Order) -> dict[str, str]:
    """The scenario placeholders an order fills."""
    ctx = {"order_id": str(order.id), "订单号": order.order_no, "金额": format_yuan(order.total_cents).lstrip("¥")}
    if order.items:
        item = order.items[0]
        ctx.update({"商品": short_title(item.title), "颜色": item.color, "尺码": item.size})
    if order.tracking_no:
        ctx.update({"快递": order.carrier, "运单号": order.tracking_no})
    return ctx


def _bot_changes(outcome: BotOutcome) -> dict[str, object]:
    return {
        "messages": outcome.messages,
        "by_bot": outcome.handoff is None,
        "handoff_reason": outcome.handoff.value if outcome.handoff else "",
        "assigned_agent_id": outcome.agent.id if outcome.agent else None,
    }


def _combine(old: ChannelUpdate, new: ChannelUpdate) -> ChannelUpdate:
    return ChannelUpdate(
        old.conversation_id,
        old.customer_id or new.customer_id,
        old.messages + new.messages,
        old.arrived or new.arrived,
        new.left or old.left,
        new.by_bot if (new.messages or new.arrived) else old.by_bot,
        new.handoff_reason or old.handoff_reason,
        new.assigned_agent_id if new.assigned_agent_id is not None else old.assigned_agent_id,
    )


def _merge_updates(updates: list[ChannelUpdate]) -> list[ChannelUpdate]:
    """One update per conversation, in first-seen order."""
    merged: dict[int, ChannelUpdate] = {}
    for update in updates:
        old = merged.get(update.conversation_id)
        merged[update.conversation_id] = update if old is None else _combine(old, update)
    return list(merged.values())
