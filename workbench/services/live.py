"""Simulated customers as a live channel: the simulator decides what they say; we persist it.

The UI calls `tick`, `spawn` and `agent_replied` from its single write worker, so this object is
only ever used from one thread at a time.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from workbench.channels.scenarios import Scenario, load_scenarios
from workbench.channels.simulator import CustomerArrived, CustomerLeft, CustomerSaid, Simulator
from workbench.domain.conversations import Message
from workbench.domain.customers import Customer
from workbench.domain.errors import DomainError
from workbench.domain.orders import Order, format_yuan
from workbench.services.reception import ReceptionService
from workbench.services.workspace import Workspace
from workbench.storage.db import Database
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.orders import OrderRepository

log = logging.getLogger(__name__)

LEFT_NOTES = {
    "satisfied": "买家已离开（问题已解决）",
    "unsatisfied": "买家已离开（不满意）",
    "ignored": "买家久等未回复，已离开",
}


@dataclass(frozen=True, slots=True)
class ChannelUpdate:
    """What changed in one conversation during a tick."""

    conversation_id: int
    customer_id: int
    messages: tuple[Message, ...] = ()
    arrived: bool = False
    left: str = ""  # the reason when the customer left


def short_title(title: str) -> str:
    """How a customer names a product: "南栀 纯棉衬衫式连衣裙 长款系带…" → "纯棉衬衫式连衣裙"."""
    parts = title.split()
    return parts[1] if len(parts) > 2 else title


class SimulatedChannel:
    def __init__(
        self,
        db: Database,
        shop_id: int,
        reception: ReceptionService,
        simulator: Simulator,
        rng: random.Random,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.shop_id = shop_id
        self.reception = reception
        self.simulator = simulator
        self.rng = rng
        self.monotonic = monotonic
        self._visitor_conv: dict[str, int] = {}
        self._conv_visitor: dict[int, str] = {}
        self._visitor_customer: dict[str, int] = {}
        self._cast: list[Customer] | None = None
        self._orders: list[Order] = []

    @classmethod
    def create(
        cls, ws: Workspace, *, rate_per_min: float = 1.5, speed: float = 1.0, seed: int | None = None
    ) -> SimulatedChannel:
        rng = random.Random(seed)
        channel: SimulatedChannel

        def context(scenario: Scenario) -> Mapping[str, str]:
            return channel.context_for(scenario)

        simulator = Simulator(
            load_scenarios(),
            rng=rng,
            arrivals_per_minute=rate_per_min,
            speed=speed,
            context_provider=context,
        )
        channel = cls(ws.db, ws.shop.id, ws.reception, simulator, rng)
        return channel

    # -- the cast -----------------------------------------------------------------------------

    def _load_cast(self) -> None:
        if self._cast is not None:
            return
        with self.db.session() as s:
            self._cast = CustomerRepository(s).some(self.shop_id)
            self._orders = OrderRepository(s).recent(self.shop_id)

    def context_for(self, scenario: Scenario) -> Mapping[str, str]:
        """A real customer (not already chatting) and, if the scenario needs one, a fitting order."""
        self._load_cast()
        busy = set(self._visitor_customer.values())
        order: Order | None = None
        if scenario.order_state:
            fitting = [o for o in self._orders if o.state.value in scenario.order_state and o.customer_id not in busy]
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
            ctx["customer_id"] = str(customer.id)
            ctx["买家昵称"] = customer.nick
        if order is not None:
            ctx["order_id"] = str(order.id)
            ctx["订单号"] = order.order_no
            ctx["金额"] = format_yuan(order.total_cents).lstrip("¥")
            if order.items:
                item = order.items[0]
                ctx.update({"商品": short_title(item.title), "颜色": item.color, "尺码": item.size})
            if order.tracking_no:
                ctx.update({"快递": order.carrier, "运单号": order.tracking_no})
        return ctx

    # -- driving ------------------------------------------------------------------------------

    def tick(self) -> list[ChannelUpdate]:
        return self._apply(self.simulator.tick(self.monotonic()))

    def spawn(self, scenario_id: str | None = None) -> list[ChannelUpdate]:
        """One customer now (the toolbar's button), then whatever is due."""
        now = self.monotonic()
        self.simulator.start_visitor(now, scenario_id=scenario_id)
        return self._apply(self.simulator.tick(now))

    def agent_replied(self, conversation_id: int, text: str) -> None:
        visitor = self._conv_visitor.get(conversation_id)
        if visitor is not None:
            self.simulator.agent_replied(visitor, text, self.monotonic())

    def forget(self, conversation_id: int) -> None:
        """The agent ended the chat: the simulated customer goes away quietly."""
        visitor = self._conv_visitor.pop(conversation_id, None)
        if visitor is not None:
            self._visitor_conv.pop(visitor, None)
            self._visitor_customer.pop(visitor, None)
            self.simulator.remove_visitor(visitor)

    def set_rate(self, per_minute: float) -> None:
        self.simulator.set_rate(per_minute)

    def _apply(self, events: list[object]) -> list[ChannelUpdate]:
        updates: dict[int, ChannelUpdate] = {}

        def merge(conv_id: int, **changes: object) -> None:
            old = updates.get(conv_id) or ChannelUpdate(conv_id, self._customer_of(conv_id))
            fields = {
                "messages": old.messages + tuple(changes.get("messages", ())),  # type: ignore[arg-type]
                "arrived": old.arrived or bool(changes.get("arrived")),
                "left": str(changes.get("left") or old.left),
            }
            updates[conv_id] = ChannelUpdate(conv_id, old.customer_id, **fields)  # type: ignore[arg-type]

        for event in events:
            if isinstance(event, CustomerArrived):
                customer_id = self._customer_for(event.context)
                if customer_id is None:
                    continue
                conv = self.reception.customer_arrives(customer_id, event.scenario_id)
                self._visitor_conv[event.visitor_id] = conv.id
                self._conv_visitor[conv.id] = event.visitor_id
                self._visitor_customer[event.visitor_id] = customer_id
                merge(conv.id, arrived=True)
            elif isinstance(event, CustomerSaid):
                conv_id = self._visitor_conv.get(event.visitor_id)
                if conv_id is None:
                    continue
                try:
                    message = self.reception.customer_says(conv_id, event.text)
                except DomainError as exc:
                    log.warning("simulated message refused: %s", exc)
                    continue
                merge(conv_id, messages=(message,))
            elif isinstance(event, CustomerLeft):
                conv_id = self._visitor_conv.get(event.visitor_id)
                if conv_id is None:
                    continue
                updates.setdefault(conv_id, ChannelUpdate(conv_id, self._customer_of(conv_id)))
                self.forget(conv_id)
                note = self.reception.system_note(conv_id, LEFT_NOTES.get(event.reason, LEFT_NOTES["ignored"]))
                self.reception.end(conv_id, event.reason)
                merge(conv_id, messages=(note,), left=event.reason)
        return list(updates.values())

    def _customer_of(self, conversation_id: int) -> int:
        visitor = self._conv_visitor.get(conversation_id)
        return self._visitor_customer.get(visitor, 0) if visitor else 0

    def _customer_for(self, context: Mapping[str, str]) -> int | None:
        raw = context.get("customer_id")
        if raw and raw.isdigit():
            return int(raw)
        self._load_cast()
        return self._cast[0].id if self._cast else None
