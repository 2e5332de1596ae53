"""After-sales cases of the demo shop: every kind in several states, with their timelines.

Called by :func:`workbench.demo.seeding._seed` in the same session as the rest of the demo shop
(all or nothing). The cases follow the demo orders: an order 退款中 has an open refund or return,
a closed order with a refund has a finished one. Around them: exchanges, repairs in and out of
warranty, normal and malicious complaints, disputes with deadlines, and reviews — including the
textbook's 职业差评师 (路过的风2023), whose chat asking for money is kept as evidence.
Everything follows from the demo shop's seed and time, so the same demo gives the same cases, and
every step is checked against the workflows (a seeding mistake fails loudly).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from workbench.demo.content import DemoOrder, DemoShop
from workbench.domain.aftersales import (
    INITIAL_STATE,
    AftersalesPolicy,
    AftersalesReason,
    AppealRecord,
    AppealState,
    Case,
    CaseKind,
    CaseState,
    CompensationKind,
    ComplaintDetails,
    ComplaintNature,
    ComplaintType,
    Deadline,
    DisputeCause,
    DisputeDetails,
    EventAction,
    EvidenceKind,
    HandlingStep,
    HandlingStepKind,
    PlatformState,
    Rating,
    RefundType,
    ReviewDetails,
    ServiceDetails,
    ServiceRequest,
    TransitionInput,
    check_policy,
    check_transition,
    summary_line,
)
from workbench.domain.case_rules import apply_transition, case_due_at
from workbench.domain.case_texts import policy_summary, transition_text
from workbench.domain.complaints import ComplaintFacts, EarlierComplaint, complaint_signals
from workbench.domain.conversations import ConversationState, Message, Sender
from workbench.domain.orders import LogisticsEvent, Order, OrderItem, OrderState
from workbench.domain.reviews import ReviewContext, suggest_replies
from workbench.services.orders import logistics_text, order_card_text
from workbench.services.reviews import add_review, assess_review, short_product
from workbench.storage.repositories.aftersales import AftersalesRepository, CaseFilter
from workbench.storage.repositories.conversations import ConversationRepository
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.shops import ShopRepository

PRO_REVIEWER = "路过的风2023"
KEEP_FREE = ("小鹿乱撞77",)  # the textbook's 张女士: her exchange is played live from the chat

_QUALITY_WORDS = ("质量问题",)
_NO_REASON_WORDS = ("尺码不合适", "不喜欢", "尺码偏大", "面料和预期不一样", "拍错", "不想要")


def policy_settings(demo: DemoShop) -> dict[str, Any]:
    """The demo shop's after-sales rules for the shop settings (``aftersales_policy``)."""
    p = demo.shop.policies
    return {
        "no_reason_days": p.no_reason_days,
        "warranty_days": p.warranty_days,
        "no_reason_return_shipping": p.no_reason_return_shipping,
        "quality_return_shipping": p.quality_return_shipping,
        "freight_insurance": p.freight_insurance,
        "refund_review_hours": p.refund_review_hours,
        "ship_within_hours": p.ship_within_hours,
        "no_reason_excluded_categories": ["内衣", "袜子", "定制"],
    }


@dataclass(frozen=True, slots=True)
class Step:
    to: CaseState
    at: datetime
    reason: str = ""
    carrier: str = ""
    tracking_no: str = ""
    amount_cents: int | None = None
    actor: str = ""


def item_label(order: Order) -> tuple[str, ...]:
    return tuple(f"{short_product(i.title)}（{i.color}/{i.size}）×{i.quantity}" for i in order.items)


class _Seeder:
    def __init__(self, s: Session, shop_id: int, demo: DemoShop) -> None:
        self.s = s
        self.shop_id = shop_id
        self.demo = demo
        self.now = demo.now
        self.rng = random.Random(demo.seed * 7 + 6)
        self.repo = AftersalesRepository(s)
        self.customers = CustomerRepository(s)
        self.agents = tuple(a.display_name for a in demo.agents)
        self.policy = AftersalesPolicy.from_settings(
            {"aftersales_policy": policy_settings(demo), "return_address": demo.shop.return_address.line}
        )
        self.categories = {p.sku: p.category for p in demo.products}
        self.ids = {c.nick: c.id for c in self.customers.some(shop_id, limit=100_000)}
        self.used: set[str] = set()  # orders that already have a case (besides reviews)
        self.order_cache: dict[str, Order] = {}
        self.demo_orders = {o.order_no: o for o in demo.orders}

    # -- helpers ------------------------------------------------------------------------------

    def agent(self) -> str:
        return self.rng.choice(self.agents[:3])

    def order(self, number: str) -> Order:
        """The stored order, as the demo data describes it (no query per order)."""
        if number not in self.order_cache:
            d = self.demo_orders[number]
            self.order_cache[number] = Order(
                id=0, order_no=d.order_no, customer_id=self.ids[d.customer_nick], state=d.state,
                total_cents=d.total_cents, created_at=d.created_at, paid_at=d.paid_at, shipped_at=d.shipped_at,
                signed_at=d.signed_at, address=d.address.line, carrier=d.carrier, tracking_no=d.tracking_no,
                memo=d.memo, flag=d.flag,
                items=tuple(OrderItem(i.sku, i.title, i.size, i.color, i.quantity, i.price_cents) for i in d.items),
                logistics=tuple(LogisticsEvent(e.at, e.description) for e in d.logistics),
            )  # fmt: skip
        return self.order_cache[number]

    def between(self, start: datetime, end: datetime, fraction: float) -> datetime:
        span = max(end - start, timedelta(minutes=1))
        return (start + span * fraction).replace(second=0, microsecond=0)

    def make(
        self,
        kind: CaseKind,
        subtype: str,
        customer_id: int,
        order_no: str,
        created: datetime,
        description: str,
        details: Any,
        steps: Sequence[Step] = (),
        *,
        amount_cents: int = 0,
        flagged: bool = False,
        risk_score: int = 0,
        conversation_id: int | None = None,
        actor: str = "",
        policy_note: str = "",
    ) -> Case:
        """A case and its timeline; every step is checked against the workflow."""
        actor = actor or self.agent()
        state = INITIAL_STATE[kind]
        case = self.repo.add(
            self.shop_id,
            kind=kind,
            subtype=subtype,
            state=state,
            customer_id=customer_id,
            order_no=order_no,
            conversation_id=conversation_id,
            summary=summary_line(description),
            description=description,
            amount_cents=amount_cents,
            details=details,
            at=created,
            actor=actor,
            flagged=flagged,
            risk_score=risk_score,
        )
        # The timeline is written with the update at the end (one statement for all its events).
        self.repo.queue_event(case.id, created, EventAction.CREATED, description, actor, to_state=state)
        if policy_note:
            self.repo.queue_event(case.id, created, EventAction.POLICY, policy_note, actor)
        limit = self.order(order_no).total_cents if order_no else None
        for step in steps:
            assert step.at <= self.now, (case.case_no, step)
            data = check_transition(
                case.kind,
                case.subtype,
                case.state,
                step.to,
                TransitionInput(step.reason, step.carrier, step.tracking_no, step.amount_cents),
                amount_limit_cents=limit,
            )
            details = apply_transition(case, step.to, data, step.at)
            self.repo.queue_event(
                case.id,
                step.at,
                EventAction.TRANSITION,
                transition_text(data, step.to),
                step.actor or actor,
                from_state=case.state,
                to_state=step.to,
            )
            case = replace(case, state=step.to, details=details)
        last = steps[-1].at if steps else created
        due = case_due_at(kind, case.state, case.details, created, self.policy)
        return self.repo.update(case.id, last, state=case.state, details=case.details, due_at=due)

    def service_case(
        self,
        kind: CaseKind,
        order: Order,
        reason: AftersalesReason,
        created: datetime,
        description: str,
        steps: Sequence[Step],
        *,
        refund_type: RefundType | None = None,
        amount_cents: int = 0,
        exchange_wish: str = "",
        goods_intact: bool = True,
    ) -> Case:
        request = ServiceRequest(
            kind=kind,
            customer_id=order.customer_id,
            order_no=order.order_no,
            reason=reason,
            description=description,
            refund_type=refund_type,
            amount_cents=amount_cents or None,
            items=item_label(order),
            exchange_wish=exchange_wish,
            goods_intact=goods_intact,
        )
        verdict = check_policy(request, order, self.categories, self.policy, created)
        details = ServiceDetails(
            reason=reason,
            refund_type=refund_type,
            items=item_label(order),
            exchange_wish=exchange_wish,
            goods_intact=goods_intact,
            policy=verdict,
        )
        subtype = refund_type.value if kind is CaseKind.REFUND and refund_type else reason.value
        self.used.add(order.order_no)
        return self.make(
            kind,
            subtype,
            order.customer_id,
            order.order_no,
            created,
            description,
            details,
            steps,
            amount_cents=amount_cents,
            policy_note=policy_summary(verdict),
        )

    # -- cases that follow the demo orders ----------------------------------------------------

    def from_orders(self) -> None:
        for demo_order in self.demo.orders:
            if not demo_order.refund_type or demo_order.refund_requested_at is None:
                continue
            if demo_order.customer_nick in KEEP_FREE:
                continue
            self.from_refund(demo_order)

    def from_refund(self, d: DemoOrder) -> None:
        order = self.order(d.order_no)
        requested = d.refund_requested_at
        assert requested is not None
        reason_text = d.refund_reason
        end = d.closed_at or self.now
        open_ = d.state is OrderState.REFUNDING
        a = self.agent()

        def at(fraction: float) -> datetime:
            return self.between(requested, end, fraction)

        if d.refund_type == "仅退款":
            if "少件" in reason_text or "漏发" in reason_text:
                reason = AftersalesReason.MISSING_ITEM
            elif "拒收" in reason_text:
                reason = AftersalesReason.OTHER
            elif order.shipped_at is None:
                reason = AftersalesReason.NOT_SHIPPED
            else:
                reason = AftersalesReason.OTHER
            description = f"买家申请仅退款：{reason_text}"
            if reason is AftersalesReason.OTHER and "拒收" in reason_text:
                description = "买家拒收快件，退回件入库后办理退款"
            steps: list[Step] = []
            if open_:
                if self.now - requested > timedelta(hours=2):
                    steps.append(Step(CaseState.REVIEWING, at(0.3), actor=a))
            else:
                steps += [
                    Step(CaseState.REVIEWING, at(0.2), actor=a),
                    Step(CaseState.REFUNDED, at(0.6), "核实无误，原路退款", amount_cents=d.refund_cents, actor=a),
                    Step(CaseState.COMPLETED, at(1.0), "退款成功，交易关闭", actor=a),
                ]
            self.service_case(
                CaseKind.REFUND,
                order,
                reason,
                requested,
                description,
                steps,
                refund_type=RefundType.REFUND_ONLY,
                amount_cents=d.refund_cents,
            )
            return

        # 退货退款: quality problems are refunds with a return; the rest are returns.
        quality = any(w in reason_text for w in _QUALITY_WORDS)
        kind = CaseKind.REFUND if quality else CaseKind.RETURN
        if quality:
            reason = AftersalesReason.QUALITY
        elif "颜色" in reason_text:
            reason = AftersalesReason.NOT_AS_DESCRIBED
        else:
            reason = AftersalesReason.NO_REASON
        description = f"买家申请退货退款：{reason_text}"
        steps = []
        approve = "审核通过，已发送寄回地址"
        if open_:
            elapsed = self.now - requested
            if d.return_tracking_no:
                steps += [
                    Step(CaseState.REVIEWING, at(0.1), actor=a),
                    Step(CaseState.AWAITING_RETURN, at(0.25), approve, actor=a),
                    Step(
                        CaseState.RETURN_SHIPPED,
                        at(0.7),
                        "买家已寄回",
                        carrier=d.return_carrier,
                        tracking_no=d.return_tracking_no,
                        actor=a,
                    ),
                ]
            elif elapsed > timedelta(hours=3):
                steps += [
                    Step(CaseState.REVIEWING, at(0.2), actor=a),
                    Step(CaseState.AWAITING_RETURN, at(0.5), approve, actor=a),
                ]
            elif elapsed > timedelta(hours=1):
                steps.append(Step(CaseState.REVIEWING, at(0.5), actor=a))
        else:
            steps += [
                Step(CaseState.REVIEWING, at(0.03), actor=a),
                Step(CaseState.AWAITING_RETURN, at(0.06), approve, actor=a),
                Step(
                    CaseState.RETURN_SHIPPED,
                    at(0.2),
                    "买家已寄回",
                    carrier=d.return_carrier or "中通",
                    tracking_no=d.return_tracking_no or "73100000000001",
                ),
                Step(CaseState.RECEIVED, at(0.6), "仓库已签收，商品完好、吊牌在", actor="王静"),
                Step(CaseState.REFUNDED, at(0.9), "验货通过，原路退款", amount_cents=d.refund_cents, actor="王静"),
                Step(CaseState.COMPLETED, at(1.0), "退货退款成功，交易关闭", actor="王静"),
            ]
        self.service_case(
            kind,
            order,
            reason,
            requested,
            description,
            steps,
            refund_type=RefundType.RETURN_REFUND if kind is CaseKind.REFUND else None,
            amount_cents=d.refund_cents,
        )

    # -- exchanges and repairs ------------------------------------------------------------------

    def pool(self, *, min_days: float, max_days: float, categories: Sequence[str] = ()) -> list[DemoOrder]:
        """Delivered orders without a case, signed between `min_days` and `max_days` ago."""
        found = []
        for d in self.demo.orders:
            if d.state not in (OrderState.SIGNED, OrderState.COMPLETED) or d.signed_at is None or d.refund_type:
                continue
            if d.order_no in self.used or d.customer_nick in (*KEEP_FREE, PRO_REVIEWER):
                continue
            age = (self.now - d.signed_at) / timedelta(days=1)
            if not min_days <= age <= max_days:
                continue
            if categories and not any(self.categories.get(i.sku) in categories for i in d.items):
                continue
            found.append(d)
        return found

    def take(self, orders: list[DemoOrder]) -> Order | None:
        """One of `orders` at random, no longer free for another case (None when none is left)."""
        while orders:
            d = self.rng.choice(orders)
            orders.remove(d)
            if d.order_no not in self.used:
                self.used.add(d.order_no)
                return self.order(d.order_no)
        return None

    def exchanges(self) -> None:
        self._plans(
            CaseKind.EXCHANGE,
            (
                ("recent", CaseState.REQUESTED, AftersalesReason.NOT_AS_DESCRIBED, "颜色和详情页差别挺大，实物偏灰"),
                ("recent", CaseState.AWAITING_RETURN, AftersalesReason.NO_REASON, "尺码偏大，想换小一码"),
                ("recent", CaseState.RETURN_SHIPPED, AftersalesReason.WRONG_ITEM, "拍的M码，收到是L码，发错了"),
                ("old", CaseState.REPLACEMENT_SHIPPED, AftersalesReason.NO_REASON, "穿着偏紧，想换大一码"),
                ("old", CaseState.COMPLETED, AftersalesReason.NOT_AS_DESCRIBED, "颜色和图片不一样，想换别的颜色"),
                ("old", CaseState.REJECTED, AftersalesReason.NO_REASON, "不太喜欢这个颜色，想换一个"),
            ),
        )

    def returns(self) -> None:
        """Returns in the states the demo orders may not produce on a given day."""
        self._plans(
            CaseKind.RETURN,
            (
                ("recent", CaseState.REQUESTED, AftersalesReason.NO_REASON, "上身效果不好，吊牌都在，想七天无理由退货"),
                ("recent", CaseState.REVIEWING, AftersalesReason.NOT_AS_DESCRIBED, "面料和详情页写的不一样，想退"),
                ("recent", CaseState.RECEIVED, AftersalesReason.NO_REASON, "不喜欢，退掉"),
                ("old", CaseState.REJECTED, AftersalesReason.NO_REASON, "买大了，想退"),
            ),
        )

    def _plans(self, kind: CaseKind, plans: Sequence[tuple[str, CaseState, AftersalesReason, str]]) -> None:
        recent = self.pool(min_days=1.5, max_days=6.5)
        old = self.pool(min_days=15, max_days=80)
        for age, final, reason, text in plans:
            source = recent if age == "recent" else old
            order = self.take(source)
            if order is None:
                continue
            assert order.signed_at is not None
            item = order.items[0]
            wish = self._wish(item.sku, item.color, item.size, reason) if kind is CaseKind.EXCHANGE else ""
            late = final is CaseState.REJECTED
            if late:  # asked long after the 7 days: refused with the reason
                created = order.signed_at + timedelta(days=12, hours=3)
            elif age == "recent":
                created = self.between(order.signed_at, self.now, 0.4)
            else:
                created = order.signed_at + timedelta(days=2, hours=5)
            a = self.agent()

            def at(fraction: float, start: datetime = created, recent: bool = age == "recent") -> datetime:
                end = self.now if recent else min(start + timedelta(days=8), self.now)
                return self.between(start, end, fraction)

            path = [
                Step(CaseState.REVIEWING, at(0.1), actor=a),
                Step(CaseState.AWAITING_RETURN, at(0.2), "审核通过，已发送寄回地址和注意事项", actor=a),
                Step(CaseState.RETURN_SHIPPED, at(0.5), "买家已寄回", carrier="圆通", tracking_no=self._tracking("YT")),
                Step(CaseState.RECEIVED, at(0.65), "仓库已签收退回件", actor="王静"),
            ]
            if kind is CaseKind.EXCHANGE:
                path.append(
                    Step(
                        CaseState.REPLACEMENT_SHIPPED, at(0.8), f"新商品已发出：{wish}", carrier="中通",
                        tracking_no=self._tracking("ZT"), actor=a,
                    )
                )  # fmt: skip
            else:
                path.append(Step(CaseState.REFUNDED, at(0.8), "验货通过，原路退款", amount_cents=order.total_cents))
            path.append(Step(CaseState.COMPLETED, at(1.0), "买家确认，售后完成", actor=a))
            if late:
                why = "签收已超过七天无理由期限，且非质量问题；已向买家说明并建议咨询其他尺码"
                steps = [path[0], Step(CaseState.REJECTED, at(0.3), why, actor=a)]
            else:
                steps = path[: [CaseState.REQUESTED, *(p.to for p in path)].index(final)]
            self.service_case(kind, order, reason, created, text, steps, exchange_wish=wish)

    def _wish(self, sku: str, color: str, size: str, reason: AftersalesReason) -> str:
        product = next(p for p in self.demo.products if p.sku == sku)
        sizes = list(product.sizes)
        if reason is AftersalesReason.NOT_AS_DESCRIBED and len(product.colors) > 1:
            other = next(c for c in product.colors if c != color)
            return f"{other} {size}码"
        if size in sizes and len(sizes) > 1:
            i = sizes.index(size)
            new = sizes[i - 1] if i > 0 else sizes[i + 1]
            return f"{color} {new}码"
        return f"{color} {size}码"

    def _tracking(self, prefix: str) -> str:
        return prefix + "".join(str(self.rng.randint(0, 9)) for _ in range(12))

    def repairs(self) -> None:
        coats = ("外套", "卫衣", "针织衫")
        in_warranty = self.pool(min_days=20, max_days=80, categories=coats)
        expired = self.pool(min_days=120, max_days=600, categories=coats)
        plans = (
            (in_warranty, CaseState.REPAIRING, AftersalesReason.QUALITY, "拉链头脱落，拉不上了"),
            (in_warranty, CaseState.REQUESTED, AftersalesReason.QUALITY, "袖口缝线开了一段"),
            (in_warranty, CaseState.COMPLETED, AftersalesReason.QUALITY, "扣子掉了一颗，备用扣也没有"),
            (expired, CaseState.QUOTED, AftersalesReason.QUALITY, "去年买的外套，拉链坏了，想修一下"),
            (expired, CaseState.AWAITING_RETURN, AftersalesReason.HUMAN_DAMAGE, "不小心勾破了一个洞，能补吗"),
            (in_warranty, CaseState.REJECTED, AftersalesReason.HUMAN_DAMAGE, "自己改短了袖子，现在想改回去"),
        )
        for source, final, reason, text in plans:
            order = self.take(source)
            if order is None:
                continue
            assert order.signed_at is not None
            created = self.now - timedelta(days=self.rng.randint(2, 9), hours=self.rng.randint(1, 8))
            if final is CaseState.REQUESTED:
                created = self.now - timedelta(hours=self.rng.randint(2, 20))
            a = self.agent()

            def at(fraction: float, start: datetime = created) -> datetime:
                return self.between(start, self.now - timedelta(hours=1), fraction)

            paid = (
                reason is AftersalesReason.HUMAN_DAMAGE or (self.now - order.signed_at).days > self.policy.warranty_days
            )
            steps = [Step(CaseState.REVIEWING, at(0.05), actor=a)]
            if final is CaseState.REJECTED:
                steps.append(
                    Step(
                        CaseState.REJECTED, at(0.2), "衣物已被买家自行剪改，工厂无法恢复原样，建议到裁缝店处理", actor=a
                    )
                )
            elif final is not CaseState.REQUESTED:
                if paid:
                    fee = 2500 if reason is AftersalesReason.QUALITY else 3000
                    steps.append(
                        Step(
                            CaseState.QUOTED,
                            at(0.15),
                            "已过质保期/人为损坏，维修费用由买家承担",
                            amount_cents=fee,
                            actor=a,
                        )
                    )
                steps.append(Step(CaseState.AWAITING_RETURN, at(0.25), "已发送寄回地址", actor=a))
                steps += [
                    Step(
                        CaseState.RETURN_SHIPPED,
                        at(0.4),
                        "买家已寄回",
                        carrier="韵达",
                        tracking_no=self._tracking("YD"),
                    ),
                    Step(CaseState.RECEIVED, at(0.5), "已收到，送工厂维修", actor="王静"),
                    Step(CaseState.REPAIRING, at(0.55), "工厂维修中，预计3天", actor="王静"),
                    Step(
                        CaseState.REPAIRED_SHIPPED,
                        at(0.8),
                        "修好寄回",
                        carrier="中通",
                        tracking_no=self._tracking("ZT"),
                        actor=a,
                    ),
                    Step(CaseState.COMPLETED, at(1.0), "买家确认修好了", actor=a),
                ]
                cut = [s.to for s in steps].index(final) + 1 if final in [s.to for s in steps] else len(steps)
                steps = steps[:cut]
            if final is CaseState.REQUESTED:
                steps = []
            self.service_case(CaseKind.REPAIR, order, reason, created, text, steps)

    # -- conversations kept as evidence ---------------------------------------------------------

    def conversation(
        self, customer_id: int, start: datetime, lines: Sequence[tuple[Sender, str]], agent_id: int | None
    ) -> tuple[int, list[int]]:
        convs = ConversationRepository(self.s)
        conv = convs.create(self.shop_id, customer_id, start, "")
        ids = []
        at = start
        for sender, text in lines:
            at += timedelta(minutes=self.rng.randint(1, 3))
            message = convs.add_message(
                conv.id, sender, text, at, agent_id if sender is Sender.AGENT else None, count_unread=False
            )
            ids.append(message.id)
        convs.set_state(
            conv.id, ConversationState.ENDED, at + timedelta(minutes=2), agent_id=agent_id, reason="unsatisfied"
        )
        return conv.id, ids

    # -- complaints -----------------------------------------------------------------------------

    def complaints(self, agent_id: int | None) -> None:
        pro = self.ids.get(PRO_REVIEWER)
        completed = self.pool(min_days=3, max_days=60)
        # A normal product complaint, being handled.
        if (order := self.take(completed)) is not None:
            self._complaint(
                order,
                ComplaintType.DAMAGED,
                "洗了一次就掉色，还把白T恤染了，领口也开线了",
                "退货退款，运费你们出",
                CaseState.HANDLING,
                steps=(HandlingStepKind.LISTEN, HandlingStepKind.APOLOGISE),
                created=self.now - timedelta(hours=5),
            )
        # A service complaint resolved with a coupon; the follow-up is due tomorrow.
        if (order := self.take(completed)) is not None:
            self._complaint(
                order,
                ComplaintType.BAD_ATTITUDE,
                "下单前客服说送收纳袋，收到什么都没有，问了两次都没人理",
                "把赠品补上",
                CaseState.RESOLVED,
                steps=(
                    HandlingStepKind.LISTEN,
                    HandlingStepKind.APOLOGISE,
                    HandlingStepKind.SOLUTION,
                    HandlingStepKind.COMPENSATION,
                ),
                compensation=(CompensationKind.COUPON, 1000, "10元无门槛券，并补发收纳袋"),
                follow_up=self.now + timedelta(hours=20),
                created=self.now - timedelta(days=1, hours=3),
                resolution="补发收纳袋并送10元无门槛券，买家接受",
            )
        # Late shipping: genuine (paid more than 48 hours ago, still not shipped).
        late = next((o for o in self.demo.orders if o.customer_nick == "一颗酸橙" and o.paid_at), None)
        if late is not None:
            self._complaint(
                self.order(late.order_no),
                ComplaintType.LATE_SHIPPING,
                "付款两天多了还没发货，周末要穿的",
                "今天必须发出",
                CaseState.OPEN,
                created=self.now - timedelta(hours=1),
            )
        # A normal complaint handled end to end.
        if (order := self.take(completed)) is not None:
            self._complaint(
                order,
                ComplaintType.WRONG_SIZE_COLOUR,
                "拍的杏色收到是白色，等着穿很着急",
                "尽快换成杏色",
                CaseState.COMPLETED,
                steps=tuple(HandlingStepKind),
                compensation=(CompensationKind.SHIPPING, 1200, "补偿来回运费"),
                follow_up=self.now - timedelta(days=2),
                created=self.now - timedelta(days=6),
                resolution="顺丰加急补发杏色，补偿运费12元",
            )
        # The 职业差评师 also complains: two earlier complaints, and a malicious one now under appeal.
        if pro is None:
            return
        his = [self.order(o.order_no) for o in self.demo.orders_of(PRO_REVIEWER)]
        done = [o for o in his if o.state is OrderState.COMPLETED]
        if len(done) >= 2:
            for order, kind, text, days in (
                (done[0], ComplaintType.NOT_AS_DESCRIBED, "T恤和描述完全不符，根本就是假货，要求三倍赔偿", 24),
                (done[1], ComplaintType.DAMAGED, "衣服破了个洞，垃圾质量，赔钱", 17),
            ):
                self._complaint(
                    order,
                    kind,
                    text,
                    "赔偿",
                    CaseState.COMPLETED,
                    created=self.now - timedelta(days=days),
                    steps=(HandlingStepKind.LISTEN,),
                    malicious=True,
                    resolution="买家未提供照片，平台判定投诉不成立",
                )
        refunding = next((o for o in his if o.state is OrderState.REFUNDING), None)
        if refunding is None:
            return
        start = self.now - timedelta(days=1, hours=6)
        conv_id, message_ids = self.conversation(
            pro,
            start,
            (
                (Sender.CUSTOMER, "你家衬衫质量太差了，全是污渍，根本没法穿"),
                (Sender.AGENT, "亲，非常抱歉给您带来不好的体验，方便拍张照片给我们看看是哪里有污渍吗？"),
                (Sender.CUSTOMER, "拍什么照片，我没空，你们自己的东西自己不清楚吗？"),
                (Sender.CUSTOMER, "直说吧，转我50块钱，这事就算了，不然差评加投诉"),
                (Sender.AGENT, "亲，我们不能私下转账。如果商品有质量问题，可以为您办理退货退款，来回运费由我们承担。"),
                (Sender.CUSTOMER, "不给是吧？我有好几个号，信不信全给你们刷差评"),
                (Sender.AGENT, "聊天记录我们会保存，如果是恶意评价或投诉，我们会向平台申诉。"),
            ),
            agent_id,
        )
        case = self._complaint(
            refunding,
            ComplaintType.NOT_AS_DESCRIBED,
            "衬衫全是污渍，根本没法穿，你们就是黑店",
            "十倍赔偿，不给钱就差评加投诉",
            CaseState.APPEALING,
            created=start + timedelta(minutes=30),
            steps=(HandlingStepKind.LISTEN, HandlingStepKind.APOLOGISE),
            malicious=True,
            conversation_id=conv_id,
            demand_cents=refunding.total_cents * 10,
            appeal=AppealRecord(
                AppealState.SUBMITTED,
                "SS2611230087",
                start + timedelta(hours=3),
                "买家拒绝提供照片，在聊天中索要50元，不给就差评加投诉；已提交聊天记录和订单信息",
            ),
        )
        self._evidence(case, refunding, message_ids, start + timedelta(hours=2))

    def _complaint(
        self,
        order: Order,
        type_: ComplaintType,
        text: str,
        demand: str,
        final: CaseState,
        *,
        created: datetime,
        steps: Sequence[HandlingStepKind] = (),
        compensation: tuple[CompensationKind, int, str] = (CompensationKind.NONE, 0, ""),
        follow_up: datetime | None = None,
        resolution: str = "",
        malicious: bool = False,
        conversation_id: int | None = None,
        demand_cents: int = 0,
        appeal: AppealRecord | None = None,
    ) -> Case:
        self.used.add(order.order_no)
        customer = self.customers.get(order.customer_id)
        earlier = tuple(
            EarlierComplaint(c.details.type, c.description, c.created_at)
            for c in self.repo.of_customer(order.customer_id, (CaseKind.COMPLAINT,))
            if isinstance(c.details, ComplaintDetails)
        )
        signals = complaint_signals(
            ComplaintFacts(
                text=text + "\n" + demand,
                type=type_,
                demand_cents=demand_cents,
                order=order,
                ship_within_hours=self.policy.ship_within_hours,
                earlier=earlier,
                refund_count=customer.refund_count if customer else 0,
                bad_review_count=customer.bad_review_count if customer else 0,
            )
        )
        a = self.agent()
        span = (created, min(self.now, created + timedelta(days=4)))

        def at(fraction: float) -> datetime:
            return self.between(span[0], span[1], fraction)

        done = [
            HandlingStep(k, True, _STEP_NOTES[k], at(0.05 + 0.1 * i))
            for i, k in enumerate(HandlingStepKind)
            if k in steps
        ]
        details = ComplaintDetails(
            type=type_,
            demand=demand,
            demand_cents=demand_cents,
            nature=ComplaintNature.MALICIOUS if malicious else ComplaintNature.NORMAL,
            signals=signals.signals,
            steps=tuple(next((s for s in done if s.step is k), HandlingStep(k)) for k in HandlingStepKind),
            compensation=compensation[0],
            compensation_cents=compensation[1],
            compensation_note=compensation[2],
            follow_up_at=follow_up,
            appeal=AppealRecord(),
        )
        path: list[Step] = []
        if final is not CaseState.OPEN:
            path.append(Step(CaseState.HANDLING, at(0.02), actor=a))
        if final is CaseState.RESOLVED:
            path.append(Step(CaseState.RESOLVED, at(0.5), resolution, actor=a))
        if final is CaseState.COMPLETED and malicious:
            path += [
                Step(CaseState.APPEALING, at(0.3), "买家拒绝提供凭证并索要赔偿，已向平台提交申诉", actor=a),
                Step(CaseState.COMPLETED, at(0.9), resolution, actor="王静"),
            ]
        elif final is CaseState.COMPLETED:
            path += [
                Step(CaseState.RESOLVED, at(0.4), resolution, actor=a),
                Step(CaseState.COMPLETED, at(0.95), "回访：买家表示满意", actor=a),
            ]
        if final is CaseState.APPEALING:
            path.append(Step(CaseState.APPEALING, at(0.6), appeal.note if appeal else "已向平台申诉", actor=a))
        case = self.make(
            CaseKind.COMPLAINT,
            type_.value,
            order.customer_id,
            order.order_no,
            created,
            text,
            details,
            path,
            amount_cents=demand_cents,
            flagged=malicious,
            risk_score=signals.score,
            conversation_id=conversation_id,
            actor=a,
        )
        if appeal is not None and isinstance(case.details, ComplaintDetails):
            case = self.repo.update(case.id, case.updated_at, details=replace(case.details, appeal=appeal))
        return case

    def _evidence(self, case: Case, order: Order, message_ids: Sequence[int], at: datetime) -> None:
        a = case.created_by
        convs = ConversationRepository(self.s)
        assert case.conversation_id is not None
        messages: Sequence[Message] = convs.messages(case.conversation_id)
        by_id = {m.id: m for m in messages}
        for mid in message_ids:
            m = by_id[mid]
            if m.sender is not Sender.CUSTOMER:
                continue
            self.repo.add_evidence(
                case.id,
                EvidenceKind.MESSAGE,
                f"{m.created_at:%Y-%m-%d %H:%M:%S} {case.customer_nick}",
                at,
                a,
                text=m.text,
                source_id=m.id,
            )
        self.repo.add_evidence(
            case.id, EvidenceKind.ORDER, f"订单快照 {order.order_no}", at, a, text=order_card_text(order)
        )
        if order.tracking_no:
            lines = [logistics_text(order)] + [f"{e.at:%Y-%m-%d %H:%M} {e.description}" for e in order.logistics]
            self.repo.add_evidence(
                case.id,
                EvidenceKind.LOGISTICS,
                f"物流轨迹 {order.carrier} {order.tracking_no}",
                at,
                a,
                text="\n".join(lines),
            )
        self.repo.add_event(case.id, at, EventAction.EVIDENCE, "添加聊天记录、订单快照和物流轨迹", a)

    # -- disputes -------------------------------------------------------------------------------

    def disputes(self) -> None:
        stalled = next(
            (o for o in self.demo.orders if o.customer_nick == "七七很忙" and o.state is OrderState.SHIPPED), None
        )
        if stalled is not None:
            order = self.order(stalled.order_no)
            created = self.now - timedelta(days=1, hours=4)
            case = self._dispute(
                order,
                DisputeCause.NOT_RECEIVED,
                "物流三天没有更新，买家申请退款未果，申请平台介入",
                "全额退款",
                order.total_cents,
                created,
                [Step(CaseState.PLATFORM, created + timedelta(hours=6), actor="王静")],
                deadlines=(Deadline("举证截止", self.now + timedelta(hours=20)),),
            )
            self.repo.add_event(case.id, created + timedelta(hours=7), EventAction.EVIDENCE, "添加物流轨迹", "王静")
            self.repo.add_evidence(
                case.id,
                EvidenceKind.LOGISTICS,
                f"物流轨迹 {order.carrier} {order.tracking_no}",
                created + timedelta(hours=7),
                "王静",
                text="\n".join(
                    [logistics_text(order), *(f"{e.at:%Y-%m-%d %H:%M} {e.description}" for e in order.logistics)]
                ),
            )
        momo = next(
            (o for o in self.demo.orders if o.customer_nick == "momo酱" and o.state is OrderState.REFUNDING), None
        )
        if momo is not None:
            order = self.order(momo.order_no)
            self._dispute(
                order,
                DisputeCause.REFUND_AMOUNT,
                "买家认为退款应包含运费险理赔外的来回运费",
                "退款加退回运费12元",
                1200,
                self.now - timedelta(hours=10),
                [],
                deadlines=(Deadline("回应买家", self.now + timedelta(hours=30)),),
            )
        old = self.pool(min_days=20, max_days=120)
        plans = (
            (DisputeCause.SHIPPING_FEE, "退货运费谁出有分歧", "店铺承担退货运费", CaseState.COMPLETED, 1000),
            (DisputeCause.QUALITY, "买家称衣服起球，要求全额退款不退货", "全额退款不退货", CaseState.RULED, 0),
            (DisputeCause.NOT_AS_DESCRIBED, "买家称面料与描述不符", "退货退款", CaseState.EVIDENCE_SUBMITTED, 0),
            (DisputeCause.INVOICE, "买家要求开具专用发票", "开具增值税专用发票", CaseState.CANCELLED, 0),
        )
        for cause, text, asked, final, cents in plans:
            taken = self.take(old)
            if taken is None:
                break
            order = taken
            created = self.now - timedelta(days=self.rng.randint(3, 10))
            at = [self.between(created, self.now - timedelta(hours=2), f) for f in (0.1, 0.3, 0.6, 0.9)]
            steps: list[Step] = []
            if final is CaseState.COMPLETED:
                steps = [Step(CaseState.AGREED, at[1], "协商一致：店铺补偿运费10元"), Step(CaseState.COMPLETED, at[2])]
            elif final is CaseState.RULED:
                steps = [
                    Step(CaseState.PLATFORM, at[0]),
                    Step(CaseState.EVIDENCE_SUBMITTED, at[1], actor="王静"),
                    Step(CaseState.RULED, at[2], "平台判定：买家照片不能证明质量问题，支持卖家", actor="王静"),
                ]
            elif final is CaseState.EVIDENCE_SUBMITTED:
                steps = [Step(CaseState.PLATFORM, at[0]), Step(CaseState.EVIDENCE_SUBMITTED, at[2], actor="王静")]
            elif final is CaseState.CANCELLED:
                steps = [Step(CaseState.CANCELLED, at[1], "店铺只开电子普通发票，买家撤销纠纷")]
            platform = {
                CaseState.RULED: PlatformState.RULED_SELLER,
                CaseState.EVIDENCE_SUBMITTED: PlatformState.EVIDENCE_SUBMITTED,
            }.get(final, PlatformState.NONE)
            self._dispute(order, cause, text, asked, cents or order.total_cents, created, steps, platform=platform)

    def _dispute(
        self,
        order: Order,
        cause: DisputeCause,
        text: str,
        asked: str,
        asked_cents: int,
        created: datetime,
        steps: Sequence[Step],
        *,
        deadlines: tuple[Deadline, ...] = (),
        platform: PlatformState = PlatformState.NONE,
    ) -> Case:
        self.used.add(order.order_no)
        details = DisputeDetails(
            cause=cause,
            asked=asked,
            asked_cents=asked_cents,
            deadlines=deadlines or (Deadline("回应买家", created + timedelta(hours=48), done=bool(steps)),),
        )
        case = self.make(
            CaseKind.DISPUTE,
            cause.value,
            order.customer_id,
            order.order_no,
            created,
            text,
            details,
            steps,
            amount_cents=asked_cents,
        )
        if platform is not PlatformState.NONE and isinstance(case.details, DisputeDetails):
            case = self.repo.update(case.id, case.updated_at, details=replace(case.details, platform=platform))
        return case

    # -- reviews --------------------------------------------------------------------------------

    def reviews(self, agent_id: int | None) -> None:
        finished = [
            d
            for d in self.demo.orders
            if d.state is OrderState.COMPLETED and d.finished_at is not None and d.customer_nick not in (PRO_REVIEWER,)
        ]
        finished.sort(key=lambda d: d.finished_at or self.now, reverse=True)
        recent = finished[:60]
        self.rng.shuffle(recent)
        bad_states = [CaseState.PENDING, CaseState.CONTACTED, CaseState.RESOLVED, CaseState.FOLLOWED_UP]
        made = 0
        for d in recent[:36]:
            roll = self.rng.random()
            rating = Rating.GOOD if roll < 0.72 else Rating.NEUTRAL if roll < 0.84 else Rating.BAD
            order = self.order(d.order_no)
            item = order.items[0]
            text = self._review_text(rating, item.color, item.size, d.customer_nick == "lily_0521")
            images = self.rng.choice((0, 0, 0, 1, 2, 3)) if rating is Rating.GOOD else self.rng.choice((0, 0, 1))
            assert d.finished_at is not None
            posted = min(d.finished_at + timedelta(hours=self.rng.randint(1, 30)), self.now - timedelta(minutes=30))
            case = add_review(self.s, self.shop_id, order.customer_id, order.order_no, rating, text, images, posted)
            age = self.now - posted
            if rating is Rating.BAD:
                target = bad_states[made % len(bad_states)]
                made += 1
                self._work_bad_review(case, target, posted)
            elif age > timedelta(days=2) and self.rng.random() < 0.75:
                self._reply(case, posted + timedelta(hours=self.rng.randint(1, 20)))
        self._lily()
        self._pro_reviews(agent_id)

    def _review_text(self, rating: Rating, colour: str, size: str, long: bool) -> str:
        values = {"颜色": colour, "尺码": size}
        rng = self.rng
        if long:
            return _LONG_GOOD.format(**values)
        if rating is Rating.GOOD:
            aspects = rng.sample(sorted(_GOOD_PARTS), rng.randint(2, 3))
            parts = [rng.choice(_GOOD_PARTS[a]) for a in aspects]
            ending = rng.choice(_GOOD_ENDINGS)
            text = "，".join([*parts, ending] if ending else parts)
        elif rating is Rating.NEUTRAL:
            ending = rng.choice(_NEUTRAL_ENDINGS)
            parts = [rng.choice(_NEUTRAL_OPENINGS), rng.choice(_NEUTRAL_PROBLEMS)]
            text = "，".join([*parts, ending] if ending else parts)
        else:
            text = "，".join([rng.choice(_BAD_DEFECTS), rng.choice(_BAD_CONTEXT)])
        return text.format(**values)

    def _reply(self, case: Case, at: datetime) -> Case:
        assert isinstance(case.details, ReviewDetails)
        customer = self.customers.get(case.customer_id)
        d = case.details
        reply = suggest_replies(
            ReviewContext(
                d.rating,
                d.text,
                customer.nick if customer else "",
                short_product(d.product_title),
                d.product_spec,
                images=d.images,
                shop=self.demo.shop.name,
            )
        )[self.rng.randint(0, 2) % 3 if d.rating is Rating.GOOD else 0]
        a = self.agent()
        changes: dict[str, Any] = {"details": replace(d, reply=reply, replied_at=min(at, self.now))}
        moves = case.state is CaseState.PENDING and d.rating is not Rating.BAD
        if moves:
            changes["state"] = CaseState.REPLIED
        updated = self.repo.update(case.id, min(at, self.now), **changes)
        self.repo.add_event(
            case.id,
            min(at, self.now),
            EventAction.REPLY,
            reply,
            a,
            from_state=case.state if moves else None,
            to_state=CaseState.REPLIED if moves else None,
        )
        return updated

    def _work_bad_review(self, case: Case, target: CaseState, posted: datetime) -> None:
        a = self.agent()
        end = self.now - timedelta(minutes=10)

        def at(f: float) -> datetime:
            return self.between(posted, end, f)

        steps = [
            Step(CaseState.CONTACTED, at(0.2), "旺旺联系买家，了解差评原因并道歉", actor=a),
            Step(CaseState.RESOLVED, at(0.5), "为买家办理退货退款，运费由店铺承担", actor=a),
            Step(CaseState.FOLLOWED_UP, at(0.9), "回访：买家表示满意，已追加评论说明处理结果", actor=a),
        ]
        order_of = (CaseState.PENDING, CaseState.CONTACTED, CaseState.RESOLVED, CaseState.FOLLOWED_UP)
        path = steps[: order_of.index(target)]
        if target is not CaseState.PENDING:
            case = self._reply(case, at(0.3))
        self._walk(case, path)

    def _walk(self, case: Case, path: Sequence[Step]) -> Case:
        for step in path:
            data = check_transition(
                case.kind,
                case.subtype,
                case.state,
                step.to,
                TransitionInput(step.reason, amount_cents=step.amount_cents),
            )
            details = apply_transition(case, step.to, data, step.at)
            self.repo.queue_event(
                case.id,
                step.at,
                EventAction.TRANSITION,
                transition_text(data, step.to),
                step.actor or self.agent(),
                from_state=case.state,
                to_state=step.to,
            )
            due = case_due_at(case.kind, step.to, details, case.created_at, self.policy)
            case = self.repo.update(case.id, step.at, state=step.to, details=details, due_at=due)
        return case

    def _lily(self) -> None:
        """A long review with photos from a loyal customer, waiting for a personal reply."""
        lily = [d for d in self.demo.orders_of("lily_0521") if d.state is OrderState.COMPLETED and d.finished_at]
        if not lily:
            return
        d = max(lily, key=lambda o: o.finished_at or self.now)
        order = self.order(d.order_no)
        item = order.items[0]
        assert d.finished_at is not None
        posted = min(d.finished_at + timedelta(hours=3), self.now - timedelta(hours=1))
        add_review(
            self.s,
            self.shop_id,
            order.customer_id,
            order.order_no,
            Rating.GOOD,
            _LONG_GOOD.format(颜色=item.color, 尺码=item.size),
            3,
            posted,
        )

    def _pro_reviews(self, agent_id: int | None) -> None:
        """路过的风2023: small orders, the same vague bad review each time, then money in the chat."""
        pro = self.ids.get(PRO_REVIEWER)
        if pro is None:
            return
        his = [d for d in self.demo.orders_of(PRO_REVIEWER) if d.state is OrderState.COMPLETED and d.signed_at]
        texts = ("垃圾，千万别买，后悔死了", "太差了，质量垃圾，千万别买！！！", "垃圾质量，别买，后悔死了！！！")
        cases = []
        for i, d in enumerate(his[-3:]):
            assert d.signed_at is not None
            posted = min(d.signed_at + timedelta(days=1, hours=2), self.now - timedelta(hours=30))
            if i == 2:
                posted = self.now - timedelta(hours=26)
            order = self.order(d.order_no)
            cases.append(add_review(self.s, self.shop_id, pro, order.order_no, Rating.BAD, texts[i % 3], 0, posted))
        if not cases:
            return
        start = self.now - timedelta(hours=25)
        conv_id, message_ids = self.conversation(
            pro,
            start,
            (
                (Sender.CUSTOMER, "差评看到了吧？"),
                (Sender.AGENT, "亲，看到了，非常抱歉。方便说一下具体是哪里有问题吗？可以给您退换。"),
                (Sender.CUSTOMER, "不用退换，给我转30块钱，我就删评改好评"),
                (Sender.AGENT, "亲，我们不会私下转账。如果商品确实有问题，我们会按平台规则为您处理。"),
                (Sender.CUSTOMER, "那差评就一直挂着吧，我还有别的号"),
            ),
            agent_id,
        )
        a = self.agent()
        # The first was removed on appeal; the second is being handled; the newest is under appeal now.
        first = self.repo.update(cases[0].id, cases[0].updated_at, flagged=True)
        self._walk(
            first,
            [
                Step(
                    CaseState.APPEALING,
                    first.created_at + timedelta(hours=5),
                    "评价内容无具体问题，疑似恶意评价",
                    actor=a,
                ),
                Step(
                    CaseState.APPEAL_UPHELD,
                    first.created_at + timedelta(days=3),
                    "平台审核通过，评价已屏蔽",
                    actor="王静",
                ),
            ],
        )
        if len(cases) > 2:
            self._walk(
                cases[1],
                [
                    Step(
                        CaseState.CONTACTED,
                        cases[1].created_at + timedelta(hours=3),
                        "联系买家询问具体问题，买家不回复",
                        actor=a,
                    )
                ],
            )
        newest = cases[-1]
        newest = self.repo.update(newest.id, newest.updated_at, conversation_id=conv_id, flagged=True)
        self.repo.add_event(
            newest.id,
            start + timedelta(minutes=20),
            EventAction.NOTE,
            "客服标记为疑似职业差评师：买家在聊天中以删评为条件索要30元",
            a,
        )
        self._walk(
            newest,
            [
                Step(
                    CaseState.APPEALING,
                    start + timedelta(minutes=40),
                    "买家以删差评为条件索要钱财，提交聊天记录申诉",
                    actor=a,
                )
            ],
        )
        order = self.order(newest.order_no)
        self._evidence(self.repo.get(newest.id) or newest, order, message_ids, start + timedelta(minutes=35))
        for case in cases:
            fresh = self.repo.get(case.id)
            assert fresh is not None and isinstance(fresh.details, ReviewDetails)
            risk = assess_review(self.s, self.shop_id, fresh, self.now)
            self.repo.update(
                case.id, fresh.updated_at, details=replace(fresh.details, signals=risk.signals), risk_score=risk.score
            )

    def bad_review_risk(self) -> None:
        """Keep the last risk check with every negative review (as if the agent had opened each)."""
        for case in self.repo.search(self.shop_id, _REVIEW_FILTER, limit=10_000):
            if not isinstance(case.details, ReviewDetails) or case.details.signals:
                continue
            risk = assess_review(self.s, self.shop_id, case, self.now)
            self.repo.update(
                case.id, case.updated_at, details=replace(case.details, signals=risk.signals), risk_score=risk.score
            )


_REVIEW_FILTER = CaseFilter(kinds=(CaseKind.REVIEW,), subtypes=(Rating.BAD.value, Rating.NEUTRAL.value))

_STEP_NOTES = {
    HandlingStepKind.LISTEN: "耐心听买家说完，确认问题和诉求",
    HandlingStepKind.APOLOGISE: "代表店铺道歉",
    HandlingStepKind.SOLUTION: "给出处理方案",
    HandlingStepKind.COMPENSATION: "补偿已发放",
    HandlingStepKind.FOLLOW_UP: "回访确认买家满意",
}

# Reviews are put together from fragments (two customers rarely write the same sentence).
_GOOD_PARTS: dict[str, tuple[str, ...]] = {
    "fabric": ("面料摸起来很舒服", "料子软软的，不扎人", "面料有垂感，很有质感", "布料透气，穿着不闷"),
    "fit": ("{尺码}码刚好合身", "版型很显瘦", "尺码标准，按平时的码拍就行", "上身效果比图片还好"),
    "colour": ("{颜色}很显白", "颜色和图片一样，没有色差", "{颜色}很耐看，好搭配"),
    "delivery": ("物流很快，第二天就到了", "发货速度快", "快递直接送上门，很方便"),
    "service": ("客服小姐姐很耐心，帮我推荐了尺码", "客服回复很快"),
    "package": ("包装很用心", "包装干净整洁，还送了发圈"),
    "quality": ("做工精细，没有线头", "洗了一次也没有掉色", "质量对得起价格"),
    "price": ("性价比很高", "活动价很划算"),
}
_GOOD_ENDINGS = ("会回购的", "已经推荐给同事了", "很满意", "下次还来", "老公说好看哈哈", "")
_NEUTRAL_OPENINGS = ("衣服还行", "款式可以", "整体一般", "还凑合")
_NEUTRAL_PROBLEMS = ("就是有点薄", "颜色比图片暗一点", "尺码偏大", "物流有点慢，等了五天", "有几个线头，自己剪了")
_NEUTRAL_ENDINGS = ("凑合穿吧", "希望改进", "")
_BAD_DEFECTS = (
    "洗了一次就起球了",
    "袖口开线了",
    "收到有污渍，领口发黄",
    "拉链拉不上",
    "掉色严重，把白T染了",
    "色差很大，图片是{颜色}，收到偏灰",
    "尺码严重偏小，平时穿M，这个{尺码}都紧",
)
_BAD_CONTEXT = ("穿了两次就这样", "客服回复也慢", "退货还要自己出运费", "跟详情页说的不一样", "这个价格不值")
_LONG_GOOD = (
    "纠结了很久才下单，收到后真的惊喜。{颜色}比图片上还要温柔一点，面料是软糯的那种，不扎人，{尺码}码我身高165体重93斤"
    "穿刚好，腰线位置很准，上身显得很精神。包装也很仔细，还有一张手写的感谢卡，客服回复很快，帮我推荐了尺码，"
    "整体购物体验很好，会回购其他颜色。"
)


def seed_demo_aftersales(s: Session, shop_id: int, demo: DemoShop) -> None:
    """Store the after-sales policy in the shop settings and create the demo cases (same session)."""
    repo = AftersalesRepository(s)
    repo.merge_shop_settings(shop_id, {"aftersales_policy": policy_settings(demo)})
    agents = ShopRepository(s).agents(shop_id)
    agent_id = agents[0].id if agents else None
    with s.no_autoflush:  # the repositories flush what they write; no extra flush before each query
        seeder = _Seeder(s, shop_id, demo)
        seeder.from_orders()
        seeder.exchanges()
        seeder.returns()
        seeder.repairs()
        seeder.complaints(agent_id)
        seeder.disputes()
        seeder.reviews(agent_id)
        seeder.bad_review_risk()
