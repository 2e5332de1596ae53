"""The customer simulator: scripted customers arrive, talk, wait, nudge and leave.

Clock-driven and deterministic: given the same `random.Random` seed and the same sequence of calls
(with the same `now` values) it produces the same events, however coarsely the caller ticks. It never
sleeps and never reads a clock; the caller passes monotonic seconds as `now`.

Typical use (the UI drives it from a timer, a service persists the messages)::

    sim = Simulator(load_scenarios(), rng=random.Random(), arrivals_per_minute=2.0)
    for event in sim.tick(time.monotonic()):
        ...  # CustomerArrived / CustomerSaid / CustomerLeft
    sim.agent_replied(visitor_id, text, time.monotonic())
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from workbench.channels.scenarios import (
    HOLD_GREET,
    HOLD_WAIT,
    Scenario,
    Variant,
    fill_placeholders,
)

LeaveReason = Literal["satisfied", "unsatisfied", "ignored"]
VisitorState = Literal["typing", "waiting", "thinking", "leaving"]
ContextProvider = Callable[[Scenario], Mapping[str, str] | None]

# Human-like timings in seconds at speed 1 (all divided by `speed`).
READ_DELAY = (1.0, 3.0)  # before the customer starts answering an agent reply
READ_PER_CHAR = 0.03
READ_CAP = 3.0
TYPE_DELAY = (1.0, 2.5)  # typing one message
TYPE_PER_CHAR = 0.2
TYPE_CAP = 10.0
LINGER = (2.0, 5.0)  # between a customer's last words and leaving
WAIT_HOLD_FACTOR = 2.0  # "稍等，我查一下" buys the agent twice the patience

# Welcome-card clicks (欢迎语卡片). A customer whose own question is on the card mostly clicks it
# rather than type it; others now and then click one out of curiosity, read the answer, then ask
# their own question. Top questions get more clicks, as on a real card.
CARD_CLICK_OWN = 0.6
CARD_CLICK_BROWSE = 0.12
CARD_READ = (2.0, 5.0)  # reading the bot's answer to a click before typing one's own question

SIZES: tuple[str, ...] = ("XS", "S", "M", "L", "XL", "XXL", "XXXL")
NICKNAMES: tuple[str, ...] = (
    "小雨点点",
    "tb_橘子汽水",
    "晴天的猫",
    "阿紫的衣橱",
    "lily_2019",
    "momo酱",
    "不吃香菜的兔子",
    "江南小鹿",
    "wang_xiaomei",
    "柠檬不萌",
    "一只小胖橘",
    "秋天的第一杯奶茶",
)
PRODUCTS: tuple[str, ...] = (
    "法式碎花连衣裙",
    "高腰直筒牛仔裤",
    "冰丝垂感阔腿裤",
    "纯棉圆领短袖T恤",
    "加绒连帽卫衣",
    "羊毛混纺针织开衫",
    "双面呢大衣",
    "连帽短款羽绒服",
    "复古牛仔外套",
    "雪纺衬衫",
)
COLORS: tuple[str, ...] = ("米白", "黑色", "雾霾蓝", "杏色", "燕麦色", "酒红", "藏青", "浅灰")
CARRIERS: tuple[tuple[str, str, int], ...] = (  # name, tracking-number prefix, digits after it
    ("中通快递", "78", 12),
    ("圆通速递", "YT", 13),
    ("韵达快递", "43", 13),
    ("申通快递", "77", 13),
    ("顺丰速运", "SF", 13),
    ("极兔速递", "JT", 13),
)


@dataclass(frozen=True, slots=True)
class CustomerArrived:
    visitor_id: str
    scenario_id: str
    scenario_title: str
    context: Mapping[str, str]  # read-only: placeholders plus whatever the provider returned
    at: float = 0.0  # simulation time of the event


@dataclass(frozen=True, slots=True)
class CustomerSaid:
    visitor_id: str
    text: str
    at: float = 0.0
    opening: bool = False  # one of the customer's first messages (a card click may replace them)


@dataclass(frozen=True, slots=True)
class CardClick:
    """A welcome-card question the customer clicked: it is sent as the question's own text.

    `instead_of_opening`: the customer's own question was on the card, so the click replaces the
    opening (drop its messages); otherwise the opening follows once the customer read the answer.
    """

    visitor_id: str
    text: str
    instead_of_opening: bool


@dataclass(frozen=True, slots=True)
class CustomerLeft:
    visitor_id: str
    reason: LeaveReason
    at: float = 0.0
    end_step: str = ""  # the scenario's end step; "" when the customer gave up or was ignored


SimEvent = CustomerArrived | CustomerSaid | CustomerLeft


@dataclass(frozen=True, slots=True)
class ActiveVisitor:
    """A snapshot of one customer still in the shop."""

    visitor_id: str
    scenario_id: str
    step_id: str
    arrived_at: float
    state: VisitorState  # typing a message / waiting for the agent / reading a reply / leaving
    waiting_since: float | None  # when the message the agent has not answered yet was sent
    nudges: int  # "在吗？" sent since the agent last replied


def product_kind(product: str) -> tuple[str, str]:
    """The measure word and the plain name a buyer uses for `product`: (条, 裙子), (条, 裤子), (件, 衣服)."""
    if "裙" in product:
        return "条", "裙子"
    if "裤" in product:
        return "条", "裤子"
    return "件", "衣服"


def default_context(scenario: Scenario, rng: random.Random) -> dict[str, str]:
    """Plausible values for every built-in placeholder, overlaid with the scenario's own defaults."""
    carrier, prefix, digits = rng.choice(CARRIERS)
    size = rng.randrange(1, 5)
    color, new_color = rng.sample(COLORS, 2)
    products = [p for p in PRODUCTS if any(h in p for h in scenario.product_hint)] or list(PRODUCTS)
    context = {
        "买家昵称": rng.choice(NICKNAMES),
        "订单号": str(rng.randrange(10**17, 10**18)),
        "商品": rng.choice(products),
        "颜色": color,
        "新颜色": new_color,
        "尺码": SIZES[size],
        "新尺码": SIZES[size - 1],
        "快递": carrier,
        "运单号": prefix + "".join(str(rng.randrange(10)) for _ in range(digits)),
        "金额": str(rng.randrange(59, 400)),
    }
    context.update(scenario.defaults)
    measure, kind = product_kind(context["商品"])
    context.setdefault("量词", measure)
    context.setdefault("品类", kind)
    return context


@dataclass(frozen=True, slots=True)
class _Action:
    kind: Literal["say", "patience", "respond", "leave"]
    visitor_id: str
    text: str = ""
    token: int = -1
    reason: LeaveReason = "ignored"
    end_step: str = ""
    opening: bool = False


@dataclass(slots=True)
class _Visitor:
    id: str
    scenario: Scenario
    context: Mapping[str, str]
    arrived_at: float
    step_id: str
    ready_at: float = 0.0  # when the customer's last queued message goes out
    waiting_since: float | None = None
    nudges: int = 0
    turns: int = 0
    repeats: int = 0
    leaving: bool = False
    patience_factor: float = 1.0
    token: int = 0  # bumped on every state change; stale patience/respond timers are dropped
    pending: list[str] = field(default_factory=list)
    opening: Variant = ()  # the opening variant picked on arrival
    card_seen: bool = False
    opening_dropped: bool = False  # a card click replaced (or postponed) the opening's messages
    click_answer_due: bool = False  # the next reply answers a curiosity click: read, not routed
    last_said: Variant = ()  # the step line the customer said last: asked again, they word it otherwise


class Simulator:
    """Plays scripted customers against a human agent.

    * Customers arrive as a Poisson process of `arrivals_per_minute` (0 = only `start_visitor`);
      an arrival while `max_active` customers are present is skipped.
    * Each plays a scenario chosen by weight; `context_provider(scenario)` may supply the buyer and
      order (e.g. {"买家昵称", "订单号", "商品", "customer_id", "order_id"}), else built-in defaults.
    * A customer answers an agent reply after reading and typing delays divided by `speed`; the
      branch is chosen on the agent's text (all replies since the customer last spoke).
    * Unanswered for the step's patience (× `patience_scale` ÷ `speed`), the customer nudges
      ("在吗？") up to the scenario's `max_nudges` times, then leaves with reason "ignored".
    * A satisfied or unsatisfied customer says the end step's line, lingers a moment and leaves.

    Not thread-safe: drive it from one thread (the UI timer or a single worker).
    """

    def __init__(
        self,
        scenarios: Sequence[Scenario],
        *,
        rng: random.Random | None = None,
        arrivals_per_minute: float = 1.0,
        patience_scale: float = 1.0,
        max_active: int = 8,
        speed: float = 1.0,
        context_provider: ContextProvider | None = None,
    ) -> None:
        if not scenarios:
            raise ValueError("the simulator needs at least one scenario")
        by_id: dict[str, Scenario] = {}
        for scenario in scenarios:
            if scenario.id in by_id:
                raise ValueError(f"duplicate scenario id '{scenario.id}'")
            by_id[scenario.id] = scenario
        _check_rate(arrivals_per_minute)
        _check_positive("patience_scale", patience_scale)
        _check_positive("speed", speed)
        if max_active < 1:
            raise ValueError("max_active must be at least 1")
        base = rng if rng is not None else random.Random()
        # Separate streams: arrival times do not depend on how conversations go.
        self._arrival_rng = random.Random(base.getrandbits(64))
        self._rng = random.Random(base.getrandbits(64))
        self._scenarios = tuple(scenarios)
        self._by_id = by_id
        self._weights = [s.weight for s in self._scenarios]
        self._rate = float(arrivals_per_minute)
        self._patience_scale = float(patience_scale)
        self._speed = float(speed)
        self._max_active = max_active
        self._provider = context_provider
        self._now: float | None = None
        self._next_arrival = math.inf
        self._queue: list[tuple[float, int, _Action]] = []
        self._seq = itertools.count()
        self._visitors: dict[str, _Visitor] = {}
        self._outbox: list[SimEvent] = []
        self._count = 0

    # ---------------------------------------------------------------------------------- public API

    @property
    def scenarios(self) -> tuple[Scenario, ...]:
        return self._scenarios

    @property
    def rate(self) -> float:
        return self._rate

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def max_active(self) -> int:
        return self._max_active

    @property
    def patience_scale(self) -> float:
        return self._patience_scale

    def tick(self, now: float) -> list[SimEvent]:
        """Run everything due up to `now` and return the events, oldest first.

        Also returns events that became due during earlier `agent_replied`/`start_visitor` calls.
        A `now` earlier than a previous one is treated as the previous one.
        """
        self._advance(now)
        events, self._outbox = self._outbox, []
        return events

    def agent_replied(self, visitor_id: str, text: str, now: float) -> bool:
        """Feed an agent reply; False if the customer has left, is leaving or the text is blank."""
        t = self._advance(now)
        visitor = self._visitors.get(visitor_id)
        if visitor is None or visitor.leaving or not text.strip():
            return False
        if visitor.click_answer_due:  # the answer to a curiosity click: the own question is on its way
            visitor.click_answer_due = False
            return True
        visitor.pending.append(text)
        visitor.nudges = 0
        visitor.waiting_since = None
        visitor.token += 1
        read = self._rng.uniform(*READ_DELAY) + min(READ_PER_CHAR * len(text), READ_CAP)
        due = max(t, visitor.ready_at) + read / self._speed
        self._push(due, _Action("respond", visitor.id, token=visitor.token))
        return True

    def start_visitor(
        self, now: float, scenario_id: str | None = None, context: Mapping[str, str] | None = None
    ) -> str:
        """Start one customer now (ignores `max_active`) and return its visitor id.

        `scenario_id` None picks one by weight; `context` overrides the provider and the defaults.
        The CustomerArrived and opening CustomerSaid events come with the next `tick`.
        """
        if scenario_id is not None and scenario_id not in self._by_id:
            raise ValueError(f"unknown scenario id '{scenario_id}'")
        t = self._advance(now)
        return self._begin(t, scenario_id, context)

    def remove_visitor(self, visitor_id: str) -> bool:
        """Forget a customer without an event (the agent closed the conversation); False if unknown.

        What the customer was still typing goes with them: their messages not yet handed out by `tick`
        (an `agent_replied` call moves the clock too) are dropped, never delivered to a closed chat."""
        self._outbox = [e for e in self._outbox if not (isinstance(e, CustomerSaid) and e.visitor_id == visitor_id)]
        return self._visitors.pop(visitor_id, None) is not None

    def opening_of(self, visitor_id: str) -> tuple[str, ...]:
        """The customer's opening messages (filled), () if unknown."""
        visitor = self._visitors.get(visitor_id)
        return tuple(fill_placeholders(m, visitor.context) for m in visitor.opening) if visitor is not None else ()

    def card_shown(
        self, visitor_id: str, questions: Sequence[str], now: float, *, own: int | None = None
    ) -> CardClick | None:
        """The bot greeted this new customer with a welcome card: maybe the customer clicks a question.

        `own` is the index of the card question that asks what the customer's opening asks (the
        caller knows the KB). Call it once, right after the arrival; None means no click. On a click
        the caller sends `text` as the customer's message and drops the opening messages (flagged
        `opening`) it still holds from this tick; the simulator drops the rest. A curiosity click's
        answer (the next `agent_replied`) is read without moving the scenario on, and the opening
        follows after reading and typing delays.
        """
        t = self._advance(now)
        visitor = self._visitors.get(visitor_id)
        if visitor is None or visitor.leaving or visitor.card_seen or not questions:
            return None
        visitor.card_seen = True
        if own is not None and 0 <= own < len(questions):
            if self._rng.random() >= CARD_CLICK_OWN:
                return None
            visitor.opening_dropped = True
            return CardClick(visitor.id, questions[own], True)
        if self._rng.random() >= CARD_CLICK_BROWSE:
            return None
        picked = self._rng.choices(questions, weights=[1.0 / (i + 1) for i in range(len(questions))])[0]
        visitor.opening_dropped = True
        visitor.click_answer_due = True
        visitor.ready_at = t
        self._say(visitor, visitor.opening, t + self._rng.uniform(*CARD_READ) / self._speed, type_first=True)
        self._wait(visitor)
        return CardClick(visitor.id, picked, False)

    def active_visitors(self) -> tuple[ActiveVisitor, ...]:
        now = self._now if self._now is not None else 0.0
        out = []
        for v in self._visitors.values():
            state: VisitorState
            if v.leaving:
                state = "leaving"
            elif v.pending:
                state = "thinking"
            elif v.ready_at > now:
                state = "typing"
            else:
                state = "waiting"
            out.append(ActiveVisitor(v.id, v.scenario.id, v.step_id, v.arrived_at, state, v.waiting_since, v.nudges))
        return tuple(out)

    def set_rate(self, arrivals_per_minute: float) -> None:
        """Change the arrival rate; the next arrival is redrawn from the last known time."""
        _check_rate(arrivals_per_minute)
        self._rate = float(arrivals_per_minute)
        if self._now is not None:
            self._schedule_arrival(self._now)

    def set_speed(self, speed: float) -> None:
        """Change how fast customers read, type and lose patience (from their next action on)."""
        _check_positive("speed", speed)
        self._speed = float(speed)

    def set_patience_scale(self, patience_scale: float) -> None:
        _check_positive("patience_scale", patience_scale)
        self._patience_scale = float(patience_scale)

    # ------------------------------------------------------------------------------------ the clock

    def _advance(self, now: float) -> float:
        if not math.isfinite(now):
            raise ValueError("now must be a finite number of seconds")
        if self._now is None:
            self._now = now
            self._schedule_arrival(now)
        now = max(now, self._now)
        while True:
            due_action = self._queue[0][0] if self._queue else math.inf
            if min(due_action, self._next_arrival) > now:
                break
            if due_action <= self._next_arrival:
                t, _, action = heapq.heappop(self._queue)
                self._now = t
                self._run(action, t)
            else:
                t = self._next_arrival
                self._now = t
                if len(self._visitors) < self._max_active:
                    self._begin(t, None, None)
                self._schedule_arrival(t)
        self._now = now
        return now

    def _schedule_arrival(self, t: float) -> None:
        self._next_arrival = t + self._arrival_rng.expovariate(self._rate / 60.0) if self._rate > 0 else math.inf

    def _push(self, t: float, action: _Action) -> None:
        heapq.heappush(self._queue, (t, next(self._seq), action))

    def _run(self, action: _Action, t: float) -> None:
        visitor = self._visitors.get(action.visitor_id)
        if visitor is None:  # left or ended by the agent
            return
        if action.kind == "say":
            if action.opening and visitor.opening_dropped:
                return
            self._outbox.append(CustomerSaid(visitor.id, action.text, at=t, opening=action.opening))
        elif action.kind == "leave":
            del self._visitors[visitor.id]
            self._outbox.append(CustomerLeft(visitor.id, action.reason, at=t, end_step=action.end_step))
        elif action.token != visitor.token or visitor.leaving:
            return  # a timer that a later reply or state change made obsolete
        elif action.kind == "patience":
            self._on_patience(visitor, t)
        else:
            self._on_respond(visitor, t)

    # -------------------------------------------------------------------------------- the customers

    def _begin(self, t: float, scenario_id: str | None, context: Mapping[str, str] | None) -> str:
        if scenario_id is None:
            scenario = self._rng.choices(self._scenarios, weights=self._weights)[0]
        else:
            scenario = self._by_id[scenario_id]
        ctx = self._context_for(scenario, context)
        self._count += 1
        visitor = _Visitor(f"v{self._count}", scenario, ctx, arrived_at=t, step_id=scenario.start)
        self._visitors[visitor.id] = visitor
        self._outbox.append(CustomerArrived(visitor.id, scenario.id, scenario.title, ctx, at=t))
        visitor.opening = self._rng.choice(scenario.opening)
        visitor.last_said = visitor.opening
        self._say(visitor, visitor.opening, t, type_first=False, opening=True)
        self._wait(visitor)
        return visitor.id

    def _context_for(self, scenario: Scenario, explicit: Mapping[str, str] | None) -> Mapping[str, str]:
        context = default_context(scenario, self._rng)
        supplied: dict[str, str] = {}
        for source in (self._provider(scenario) if self._provider is not None else None, explicit):
            # Blank values (an order item without a colour, say) keep the default.
            supplied.update({str(k): str(v) for k, v in (source or {}).items() if str(v).strip()})
        context.update(supplied)
        # The textbook's exchange: the new size is one smaller than the (too big) one bought.
        size = context.get("尺码", "").upper()
        if "新尺码" not in supplied and "尺码" in supplied and size in SIZES[1:]:
            context["新尺码"] = SIZES[SIZES.index(size) - 1]
        if "新颜色" not in supplied and context.get("新颜色") == context.get("颜色"):
            context["新颜色"] = next(c for c in COLORS if c != context.get("颜色"))
        # "想换一条" of a jacket reads wrong: the measure word and the kind follow the product bought.
        measure, kind = product_kind(context.get("商品", ""))
        for key, value in (("量词", measure), ("品类", kind)):
            if key not in supplied:
                context[key] = value
        return MappingProxyType(context)

    def _say(self, visitor: _Visitor, variant: Variant, t: float, *, type_first: bool, opening: bool = False) -> None:
        """Queue the messages of one variant, each after its typing time; the first at `t` unless typed."""
        at = t
        for index, template in enumerate(variant):
            text = fill_placeholders(template, visitor.context)
            if index > 0 or type_first:
                at += self._typing(text)
            self._push(at, _Action("say", visitor.id, text=text, opening=opening))
        visitor.ready_at = max(visitor.ready_at, at)

    def _typing(self, text: str) -> float:
        return (self._rng.uniform(*TYPE_DELAY) + min(TYPE_PER_CHAR * len(text), TYPE_CAP)) / self._speed

    def _patience(self, visitor: _Visitor) -> float:
        step = visitor.scenario.step(visitor.step_id)
        base = step.patience if step.patience is not None else visitor.scenario.patience
        return base * visitor.patience_factor * self._patience_scale / self._speed

    def _wait(self, visitor: _Visitor, factor: float = 1.0) -> None:
        """The customer has spoken and now waits for the agent."""
        visitor.token += 1
        visitor.patience_factor = factor
        visitor.waiting_since = visitor.ready_at
        self._push(visitor.ready_at + self._patience(visitor), _Action("patience", visitor.id, token=visitor.token))

    def _on_patience(self, visitor: _Visitor, t: float) -> None:
        scenario = visitor.scenario
        if visitor.nudges < scenario.max_nudges:
            visitor.nudges += 1
            step = scenario.step(visitor.step_id)
            self._say(visitor, (self._rng.choice(step.nudges or scenario.nudges),), t, type_first=False)
            visitor.token += 1
            self._push(t + self._patience(visitor), _Action("patience", visitor.id, token=visitor.token))
            return
        parting = (self._rng.choice(scenario.ignored),) if scenario.ignored else ()
        self._finish(visitor, t, parting, "ignored", "", linger=False)

    def _on_respond(self, visitor: _Visitor, t: float) -> None:
        scenario = visitor.scenario
        text = "\n".join(visitor.pending)
        visitor.pending.clear()
        route = scenario.route(visitor.step_id, text)
        visitor.turns += 1
        if route.hold is None:
            visitor.repeats = visitor.repeats + 1 if route.goto == visitor.step_id else 0
        if visitor.turns > scenario.max_turns or visitor.repeats > scenario.max_repeats:
            give_up = (self._rng.choice(scenario.give_up),) if scenario.give_up else ()
            self._finish(visitor, t, give_up, "unsatisfied", "", linger=True)
            return
        if route.hold == HOLD_WAIT:
            if scenario.hold_acks:
                self._say(visitor, (self._rng.choice(scenario.hold_acks),), t, type_first=True)
            visitor.ready_at = max(visitor.ready_at, t)
            self._wait(visitor, WAIT_HOLD_FACTOR)
            return
        if route.hold == HOLD_GREET:
            visitor.ready_at = max(visitor.ready_at, t)
            self._wait(visitor)
            return
        visitor.step_id = route.goto
        step = scenario.step(route.goto)
        # Sent back to a step (the agent missed the point), a buyer asks again in other words, never
        # the very message of a few seconds ago, when the step has other words.
        others = [v for v in step.say if v != visitor.last_said] or list(step.say)
        variant = self._rng.choice(others)
        visitor.last_said = variant
        if step.end is not None:
            self._finish(visitor, t, variant, step.end, step.id, linger=True)
        else:
            self._say(visitor, variant, t, type_first=True)
            self._wait(visitor)

    def _finish(
        self, visitor: _Visitor, t: float, variant: Variant, reason: LeaveReason, end_step: str, *, linger: bool
    ) -> None:
        visitor.leaving = True
        visitor.token += 1
        visitor.ready_at = max(visitor.ready_at, t)
        if variant:
            self._say(visitor, variant, t, type_first=linger)
        at = visitor.ready_at + (self._rng.uniform(*LINGER) / self._speed if linger else 0.0)
        self._push(at, _Action("leave", visitor.id, reason=reason, end_step=end_step))


def _check_rate(rate: float) -> None:
    if not (math.isfinite(rate) and rate >= 0):
        raise ValueError("arrivals_per_minute must be a finite number >= 0")


def _check_positive(name: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number")
