"""Auto messages (跟单 / 店小秘) on order events, 批量发消息, the log of what was sent, and a small
generator of order events on the shop's data for the simulated channel."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from workbench.domain.aftersales import Case, Rating, ReviewDetails
from workbench.domain.auto_messages import (
    MAX_BULK_RECIPIENTS,
    AutoKind,
    AutoLogEntry,
    AutoRule,
    BulkTarget,
    LogStatus,
    OrderEvent,
    OrderEventKind,
    check_rule,
    check_template,
    plan_unpaid,
    render,
)
from workbench.domain.conversations import Message
from workbench.domain.customers import Customer
from workbench.domain.errors import DomainError
from workbench.domain.identity import Actor, Permission
from workbench.domain.orders import LogisticsEvent, Order, OrderItem, OrderState, short_title
from workbench.domain.reviews import SMALL_ORDER_CENTS
from workbench.services.access import require
from workbench.services.clock import Clock, system_clock
from workbench.services.notifications import Topic
from workbench.services.reviews import (
    ProfessionalScript,
    ReviewScript,
    add_review,
    assess_review,
    compose_review,
    load_review_script,
    review_kind,
)
from workbench.storage.db import Database
from workbench.storage.repositories.aftersales import AftersalesRepository
from workbench.storage.repositories.bot import BotRepository, OrderFacts
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.orders import OrderRepository
from workbench.storage.tables import LogisticsEventRow, ShopRow

SHIP_PROMISE = "48小时"
EVENT_KINDS = {
    OrderEventKind.PAID: AutoKind.PAID,
    OrderEventKind.SHIPPED: AutoKind.SHIPPED,
}
# 物流公司 as customers know them, with a tracking-number prefix and digits after it.
CARRIERS = (("中通快递", "78", 12), ("圆通速递", "YT", 13), ("韵达快递", "43", 13), ("顺丰速运", "SF", 13))
BULK_KINDS = ("all", "tag", "order_state", "vip", "member_level")


@dataclass(frozen=True, slots=True)
class AutoResult:
    """What one pass sent or skipped (log rows) and the chat messages it added to open chats."""

    log: tuple[AutoLogEntry, ...] = ()
    messages: tuple[Message, ...] = ()

    @property
    def sent(self) -> int:
        return sum(1 for e in self.log if e.status is LogStatus.SENT)

    @property
    def skipped(self) -> int:
        return sum(1 for e in self.log if e.status is LogStatus.SKIPPED)


@dataclass(slots=True)
class _Outbox:
    """Rows for the log: (kind, customer id, order no, text, status, reason)."""

    rows: list[tuple[AutoKind, int | None, str, str, LogStatus, str]] = field(default_factory=list)

    def add(self, kind: AutoKind, facts: OrderFacts, text: str, status: LogStatus, reason: str = "") -> None:
        self.rows.append((kind, facts.customer_id, facts.order_no, text, status, reason))


def order_values(facts: OrderFacts, shop_name: str) -> dict[str, str]:
    return {
        "买家昵称": facts.customer_nick,
        "店铺名": shop_name,
        "订单号": facts.order_no,
        "商品": short_title(facts.first_item) if facts.first_item else "宝贝",
        "金额": f"{facts.total_cents / 100:.2f}",
        "物流公司": facts.carrier,
        "运单号": facts.tracking_no,
        "发货时限": SHIP_PROMISE,
    }


class AutoMessageService:
    """Rules, the simulated order-event rate and 批量发消息 need `Permission.CONFIGURE_BOT` (checked for
    `actor`); handling order events is the program's work."""

    def __init__(self, db: Database, shop_id: int, clock: Clock = system_clock, *, actor: Actor) -> None:
        self.db = db
        self.shop_id = shop_id
        self.clock = clock
        self.actor = actor

    # -- rules ----------------------------------------------------------------------------------

    def rules(self) -> dict[AutoKind, AutoRule]:
        with self.db.session() as s:
            return BotRepository(s).config(self.shop_id).rules

    def save_rule(self, rule: AutoRule) -> AutoRule:
        """Check and save a rule; switching it on starts it from now (older orders are left alone)."""
        with self.db.session() as s:
            require(s, self.actor, Permission.CONFIGURE_BOT)
            checked = check_rule(rule)
            repo = BotRepository(s)
            stored = repo.config(self.shop_id)
            before = stored.rules[rule.kind]
            if checked.enabled and (not before.enabled or before.since is None):
                checked = replace(checked, since=self.clock())
            elif not checked.enabled:
                checked = replace(checked, since=None)
            else:
                checked = replace(checked, since=before.since)
            rules = {**stored.rules, rule.kind: checked}
            self.db.notify(s, Topic.BOT)
            return repo.save_config(self.shop_id, replace(stored, rules=rules), self.clock()).rules[rule.kind]

    def order_events_per_min(self) -> float:
        with self.db.session() as s:
            return BotRepository(s).config(self.shop_id).order_events_per_min

    def set_order_events_per_min(self, rate: float) -> float:
        if not 0 <= rate <= 60:
            raise DomainError("rule.events_range", field="order_events_per_min")
        with self.db.session() as s:
            require(s, self.actor, Permission.CONFIGURE_BOT)
            repo = BotRepository(s)
            stored = repo.config(self.shop_id)
            self.db.notify(s, Topic.BOT)
            return repo.save_config(
                self.shop_id, replace(stored, order_events_per_min=rate), self.clock()
            ).order_events_per_min

    # -- the log --------------------------------------------------------------------------------

    def log(self, *, limit: int = 200, before_id: int | None = None) -> list[AutoLogEntry]:
        with self.db.session() as s:
            return BotRepository(s).log(self.shop_id, limit=limit, before_id=before_id)

    def log_count(self) -> int:
        with self.db.session() as s:
            return BotRepository(s).log_count(self.shop_id)

    # -- order events ---------------------------------------------------------------------------

    def handle(self, events: Sequence[OrderEvent]) -> AutoResult:
        """付款消息, 发货提醒 and 好评自动回复 for these events, by the enabled rules."""
        if not events:
            return AutoResult()
        now = self.clock()
        with self.db.session() as s:
            repo = BotRepository(s)
            rules = repo.config(self.shop_id).rules
            shop_name = self._shop_name(s)
            facts = {f.id: f for f in repo.order_facts(self.shop_id, order_ids=[e.order_id for e in events])}
            out = _Outbox()
            for event in events:
                kind = EVENT_KINDS.get(event.kind)
                if event.kind is OrderEventKind.REVIEWED and event.rating == "good":
                    kind = AutoKind.GOOD_REVIEW
                if kind is None:
                    continue
                rule = rules[kind]
                order = facts.get(event.order_id)
                if order is None or not rule.enabled or (rule.since is not None and event.at < rule.since):
                    continue
                if order.order_no in repo.logged_orders(self.shop_id, kind, [order.order_no]):
                    continue
                out.add(kind, order, render(rule.template, order_values(order, shop_name)), LogStatus.SENT)
            return self._deliver(repo, out, now)

    def run_due(self) -> AutoResult:
        """自动催付 and 延迟发货通知 that are due now (each order at most once)."""
        now = self.clock()
        with self.db.session() as s:
            repo = BotRepository(s)
            rules = repo.config(self.shop_id).rules
            shop_name = self._shop_name(s)
            out = _Outbox()
            unpaid = rules[AutoKind.UNPAID]
            if unpaid.enabled:
                orders = repo.order_facts(self.shop_id, states=[OrderState.AWAITING_PAYMENT.value])
                done = repo.logged_orders(self.shop_id, AutoKind.UNPAID, [o.order_no for o in orders])
                for order in orders:
                    due_at = order.created_at + timedelta(minutes=unpaid.delay_minutes)
                    if order.order_no in done or (unpaid.since is not None and due_at < unpaid.since):
                        continue
                    plan = plan_unpaid(
                        unpaid,
                        created_at=order.created_at,
                        total_cents=order.total_cents,
                        bad_reviews=order.bad_reviews,
                        now=now,
                    )
                    if plan.skip_reason:
                        out.add(AutoKind.UNPAID, order, "", LogStatus.SKIPPED, plan.skip_reason)
                    elif plan.due is not None and plan.due <= now:
                        out.add(
                            AutoKind.UNPAID,
                            order,
                            render(unpaid.template, order_values(order, shop_name)),
                            LogStatus.SENT,
                        )
            delayed = rules[AutoKind.DELAYED]
            if delayed.enabled:
                orders = repo.order_facts(self.shop_id, states=[OrderState.AWAITING_SHIPMENT.value])
                done = repo.logged_orders(self.shop_id, AutoKind.DELAYED, [o.order_no for o in orders])
                for order in orders:
                    paid = order.paid_at or order.created_at
                    overdue_at = paid + timedelta(minutes=delayed.delay_minutes)
                    if order.order_no in done or overdue_at > now:
                        continue
                    if delayed.since is not None and overdue_at < delayed.since:
                        continue
                    out.add(
                        AutoKind.DELAYED,
                        order,
                        render(delayed.template, order_values(order, shop_name)),
                        LogStatus.SENT,
                    )
            return self._deliver(repo, out, now)

    # -- 批量发消息 -------------------------------------------------------------------------------

    def bulk_options(self) -> tuple[list[str], list[str]]:
        """The shop's tag names and member levels (what 批量发消息 can target besides the rest)."""
        with self.db.session() as s:
            repo = BotRepository(s)
            return repo.tag_names(self.shop_id), repo.member_levels(self.shop_id)

    def bulk_recipients(self, target: BulkTarget) -> list[tuple[int, str]]:
        if target.kind not in BULK_KINDS:
            raise DomainError("bulk.bad_target", field="target")
        with self.db.session() as s:
            return BotRepository(s).bulk_recipients(self.shop_id, target.kind, target.value, MAX_BULK_RECIPIENTS + 1)

    def bulk_send(self, target: BulkTarget, template: str) -> AutoResult:
        """Send a template to every customer of a group (at most MAX_BULK_RECIPIENTS), all or nothing."""
        with self.db.session() as s:
            require(s, self.actor, Permission.CONFIGURE_BOT)
        text = check_template(template, AutoKind.BULK)
        recipients = self.bulk_recipients(target)
        if not recipients:
            raise DomainError("bulk.nobody", field="target")
        if len(recipients) > MAX_BULK_RECIPIENTS:
            raise DomainError("bulk.too_many", field="target", limit=MAX_BULK_RECIPIENTS)
        now = self.clock()
        with self.db.session() as s:
            repo = BotRepository(s)
            shop_name = self._shop_name(s)
            out = _Outbox()
            for customer_id, nick in recipients:
                body = render(text, {"买家昵称": nick, "店铺名": shop_name})
                out.rows.append((AutoKind.BULK, customer_id, "", body, LogStatus.SENT, ""))
            return self._deliver(repo, out, now)

    # -- 忙碌自动回复 ----------------------------------------------------------------------------

    def busy_reply_in(self, s: Session, conversation_id: int, customer_id: int, rule: AutoRule) -> Message | None:
        """The shop's 忙碌 auto reply to a buyer no agent can take now, in the caller's transaction `s`:
        logged and put in the chat as the bot. None when the rule is off."""
        if rule.kind is not AutoKind.BUSY or not rule.enabled:
            return None
        repo = BotRepository(s)
        now = self.clock()
        text = render(
            rule.template, {"买家昵称": repo.nicks([customer_id]).get(customer_id, ""), "店铺名": self._shop_name(s)}
        )
        repo.add_log(self.shop_id, [(AutoKind.BUSY, customer_id, "", text, LogStatus.SENT, "", conversation_id)], now)
        message = repo.add_bot_messages([(conversation_id, text)], now)[0]
        self.db.notify(s, Topic.CONVERSATIONS, conversation_id)
        return message

    def busy_reply(self, conversation_id: int, customer_id: int, rule: AutoRule) -> Message | None:
        """`busy_reply_in` in a transaction of its own."""
        with self.db.session() as s:
            return self.busy_reply_in(s, conversation_id, customer_id, rule)

    # -- helpers --------------------------------------------------------------------------------

    def _shop_name(self, s: object) -> str:
        from sqlalchemy.orm import Session

        assert isinstance(s, Session)
        shop = s.get(ShopRow, self.shop_id)
        return shop.name if shop else ""

    def _deliver(self, repo: BotRepository, out: _Outbox, now: datetime) -> AutoResult:
        """Log every row; a sent message also goes into the buyer's open chat, if any, as the bot."""
        if not out.rows:
            return AutoResult()
        open_chats = repo.open_conversation_of(r[1] for r in out.rows if r[1] is not None and r[4] is LogStatus.SENT)
        into_chat: list[tuple[int, str]] = []
        rows: list[tuple[AutoKind, int | None, str, str, LogStatus, str, int | None]] = []
        for kind, customer_id, order_no, text, status, reason in out.rows:
            conv_id = open_chats.get(customer_id) if customer_id is not None and status is LogStatus.SENT else None
            if conv_id is not None:
                into_chat.append((conv_id, text))
            rows.append((kind, customer_id, order_no, text, status, reason, conv_id))
        ids = repo.add_log(self.shop_id, rows, now)
        messages = repo.add_bot_messages(into_chat, now)
        for conversation_id, _text in into_chat:
            self.db.notify(repo.s, Topic.CONVERSATIONS, conversation_id)
        nicks = repo.nicks(r[1] for r in rows if r[1] is not None)
        log = tuple(
            AutoLogEntry(i, kind, cid, nicks.get(cid, "") if cid else "", order_no, text, status, reason, now, conv)
            for i, (kind, cid, order_no, text, status, reason, conv) in zip(ids, rows, strict=True)
        )
        return AutoResult(log, tuple(messages))


# -- the order-event generator -------------------------------------------------------------------

# Relative chances of each event. At the default 2 events a minute about one in six is a review
# (确认收货 and a review), a new one every 3–4 minutes; 签收 keeps pace with them so the supply of
# signed orders does not run dry after the demo's few.
EVENT_WEIGHTS = (
    (OrderEventKind.CREATED, 3),
    (OrderEventKind.PAID, 3),
    (OrderEventKind.SHIPPED, 3),
    (OrderEventKind.SIGNED, 2),
    (OrderEventKind.REVIEWED, 2),
)


@dataclass(frozen=True, slots=True)
class PostedReview:
    """A review a simulated buyer posted; `professional`: written by a simulated 职业差评师."""

    case: Case
    professional: bool = False


class OrderEventSimulator:
    """Moves the shop's orders along as a live shop would: new orders are placed (some left unpaid
    for a while), paid, shipped with a carrier and tracking number, signed for, and received
    (确认收货) with a review — mostly good, some 中评/差评 that say what went wrong, and now and
    then one from a 职业差评师 (a new account, by the review mix in `assets/simulator/reviews.json`)."""

    def __init__(
        self, db: Database, shop_id: int, clock: Clock, rng: random.Random, script: ReviewScript | None = None
    ) -> None:
        self.db = db
        self.shop_id = shop_id
        self.clock = clock
        self.rng = rng
        self._script = script
        self._posted: list[PostedReview] = []

    @property
    def script(self) -> ReviewScript:
        if self._script is None:
            self._script = load_review_script()
        return self._script

    def take_reviews(self) -> list[PostedReview]:
        """The reviews posted since the last call, oldest first."""
        posted, self._posted = self._posted, []
        return posted

    def next_event(self) -> OrderEvent | None:
        kinds = [k for k, _ in EVENT_WEIGHTS]
        weights = [w for _, w in EVENT_WEIGHTS]
        for kind in self.rng.choices(kinds, weights=weights, k=len(kinds)) + kinds:
            event = self._make(kind)
            if event is not None:
                return event
        return None

    def _make(self, kind: OrderEventKind) -> OrderEvent | None:
        now = self.clock()
        with self.db.session() as s:
            repo = BotRepository(s)
            if kind is OrderEventKind.CREATED:
                return self._new_order(s, now)
            if kind is OrderEventKind.REVIEWED:
                return self._review(s, repo, now)
            source = {
                OrderEventKind.PAID: OrderState.AWAITING_PAYMENT,
                OrderEventKind.SHIPPED: OrderState.AWAITING_SHIPMENT,
                OrderEventKind.SIGNED: OrderState.SHIPPED,
            }[kind]
            candidates = repo.order_facts(self.shop_id, states=[source.value])
            if not candidates:
                return None
            order = self.rng.choice(candidates[-50:])  # the newer ones, as a live shop works through them
            if kind is OrderEventKind.PAID:
                repo.set_order_state(order.id, OrderState.AWAITING_SHIPMENT.value, now, paid_at=now)
            elif kind is OrderEventKind.SHIPPED:
                carrier, prefix, digits = self.rng.choice(CARRIERS)
                tracking = prefix + "".join(str(self.rng.randrange(10)) for _ in range(digits))
                repo.set_order_state(
                    order.id, OrderState.SHIPPED.value, now, shipped_at=now, carrier=carrier, tracking_no=tracking
                )
                s.add(
                    LogisticsEventRow(order_id=order.id, at=now, description=f"【{carrier}】商家已发货，包裹等待揽收")
                )
            else:
                repo.set_order_state(order.id, OrderState.SIGNED.value, now, signed_at=now)
                s.add(LogisticsEventRow(order_id=order.id, at=now, description="您的快件已签收，感谢使用"))
            return OrderEvent(kind, order.id, order.order_no, order.customer_id, now)

    def _review(self, s: object, repo: BotRepository, now: datetime) -> OrderEvent | None:
        """A buyer confirms receipt (交易成功) and reviews the order."""
        from sqlalchemy.orm import Session

        assert isinstance(s, Session)
        script = self.script
        who = review_kind(script, self.rng)
        order: Order | None
        if who == "professional":
            order = self._professional_order(s, now, script.professional)
        else:
            candidates = repo.order_facts(self.shop_id, states=[OrderState.SIGNED.value])
            order = OrderRepository(s).get(self.rng.choice(candidates[-50:]).id) if candidates else None
        if order is None:
            return None
        item = order.items[0] if order.items else None
        values = {
            "商品": short_title(item.title) if item else "",
            "颜色": item.color if item else "",
            "尺码": (item.size if item.size.endswith("码") else item.size + "码") if item and item.size else "",
            "快递": order.carrier,
        }
        review = compose_review(script, who, self.rng, values)
        repo.set_order_state(order.id, OrderState.COMPLETED.value, now)
        if review.rating is Rating.BAD:
            repo.add_bad_review(order.customer_id)
        case = add_review(
            s, self.shop_id, order.customer_id, order.order_no, review.rating, review.text, review.images, now
        )
        if review.rating is not Rating.GOOD:
            # Keep the first 职业差评师 check with every negative review, as the demo's have.
            assert isinstance(case.details, ReviewDetails)
            risk = assess_review(s, self.shop_id, case, now)
            case = AftersalesRepository(s).update(
                case.id, case.updated_at, details=replace(case.details, signals=risk.signals), risk_score=risk.score
            )
        self.db.notify(s, Topic.CASES, case.id)
        self._posted.append(PostedReview(case, who == "professional"))
        return OrderEvent(
            OrderEventKind.REVIEWED, order.id, order.order_no, order.customer_id, now, review.rating.value
        )

    def _professional_order(self, s: object, now: datetime, pro: ProfessionalScript) -> Order | None:
        """A 职业差评师's fresh account (小号) and the small order it placed a few days ago, now signed.

        The textbook's marks are all in the data: registered days ago, a 1–2心 record, many bad
        reviews elsewhere (the platform's count), a cheap item. Their chat asking for money, if they
        come to the desk, is the channel's part."""
        from sqlalchemy.orm import Session

        assert isinstance(s, Session)
        orders = OrderRepository(s)
        customers = CustomerRepository(s)
        products = orders.products(self.shop_id)
        if not products:
            return None
        cheap = [p for p in products if p.price_cents < SMALL_ORDER_CENTS] or [
            min(products, key=lambda p: p.price_cents)
        ]
        product = self.rng.choice(cheap)
        nick = self.rng.choice(pro.nicks)
        while customers.by_nick(self.shop_id, nick) is not None:  # every 小号 is a new account
            nick = f"{self.rng.choice(pro.nicks)}{self.rng.randrange(10, 1000)}"
        registered = now - timedelta(days=self.rng.randint(*pro.account_age_days), hours=self.rng.randrange(24))
        customer = customers.add(
            self.shop_id,
            Customer(
                id=0,
                nick=nick,
                credit_level=self.rng.choice(pro.credit_levels),
                traffic_source="站内免费",
                member_level="普通会员",
                registered_at=registered,
                bad_review_count=self.rng.randint(*pro.bad_reviews_elsewhere),
            ),
        )
        created = now - timedelta(days=self.rng.randint(*pro.order_age_days), hours=self.rng.randrange(12))
        shipped = created + timedelta(days=1)
        signed = now - timedelta(hours=self.rng.randint(2, 20))
        carrier, prefix, digits = self.rng.choice(CARRIERS)
        item = OrderItem(
            product.sku,
            product.title,
            self.rng.choice(product.sizes) if product.sizes else "",
            self.rng.choice(product.colors) if product.colors else "",
            1,
            product.price_cents,
        )
        return orders.add_order(
            self.shop_id,
            Order(
                id=0,
                order_no=self._order_no(orders),
                customer_id=customer.id,
                state=OrderState.SIGNED,
                total_cents=product.price_cents,
                created_at=created,
                paid_at=created + timedelta(minutes=self.rng.randint(1, 20)),
                shipped_at=shipped,
                signed_at=signed,
                carrier=carrier,
                tracking_no=prefix + "".join(str(self.rng.randrange(10)) for _ in range(digits)),
                items=(item,),
                logistics=(
                    LogisticsEvent(shipped, f"【{carrier}】商家已发货，包裹等待揽收"),
                    LogisticsEvent(signed, "您的快件已签收，感谢使用"),
                ),
            ),
        )

    def _order_no(self, orders: OrderRepository) -> str:
        while True:
            order_no = str(self.rng.randrange(10**17, 10**18))
            if orders.by_number(order_no) is None:
                return order_no

    def _new_order(self, s: object, now: datetime) -> OrderEvent | None:
        from sqlalchemy.orm import Session

        assert isinstance(s, Session)
        orders = OrderRepository(s)
        products = orders.products(self.shop_id)
        customer_ids = CustomerRepository(s).ids(self.shop_id)
        if not products or not customer_ids:
            return None
        product = self.rng.choice(products)
        customer_id = self.rng.choice(customer_ids)
        order_no = self._order_no(orders)
        created = now - timedelta(minutes=self.rng.randrange(0, 45))  # placed a little while ago
        quantity = 1 if self.rng.random() < 0.85 else 2
        item = OrderItem(
            product.sku,
            product.title,
            self.rng.choice(product.sizes) if product.sizes else "",
            self.rng.choice(product.colors) if product.colors else "",
            quantity,
            product.price_cents,
        )
        saved = orders.add_order(
            self.shop_id,
            Order(
                id=0,
                order_no=order_no,
                customer_id=customer_id,
                state=OrderState.AWAITING_PAYMENT,
                total_cents=product.price_cents * quantity,
                created_at=created,
                items=(item,),
            ),
        )
        return OrderEvent(OrderEventKind.CREATED, saved.id, saved.order_no, customer_id, created)
