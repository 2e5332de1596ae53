"""Customer complaints (客户投诉) and disputes (纠纷): form checks and the malicious-complaint signals.

The textbook (5.4) tells normal complaints (a real fault of the goods or the service) from malicious
ones by their marks: exaggerated or false claims, the same complaint again and again, unreasonable
demands, and a history of complaints or refunds. :func:`complaint_signals` checks each mark and says
why it applies; the agent decides. Nothing here accuses anyone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from difflib import SequenceMatcher

from workbench.domain.aftersales import (
    MAX_REASON_LENGTH,
    MAX_SHORT_TEXT,
    MIN_DESCRIPTION_LENGTH,
    AppealRecord,
    AppealState,
    CompensationKind,
    ComplaintCategory,
    ComplaintNature,
    ComplaintType,
    Deadline,
    DisputeCause,
    FieldError,
    HandlingStep,
    HandlingStepKind,
    PlatformState,
    RiskAssessment,
    RiskSignal,
    category_of,
    check_text,
    signal_params,
)
from workbench.domain.orders import Order

MALICIOUS_SUGGESTION_SCORE = 50  # from this score on, the form suggests "suspected malicious"
SIMILAR_TEXT_RATIO = 0.5
MAX_DEADLINES = 8

# Words that overstate (夸大): several of them, or one of the strong ones, in one complaint.
EXAGGERATIONS = (
    "全部", "完全", "根本", "从来", "所有", "一点都", "一次都", "最差", "最烂", "垃圾", "烂透", "无数次",
    "几十次", "上百", "永远",
)  # fmt: skip
STRONG_EXAGGERATIONS = ("骗子", "黑店", "假货", "毁容", "住院", "中毒", "诈骗", "害死")
# Demands beyond making good the loss (无理要求).
UNREASONABLE_DEMANDS = (
    "十倍", "三倍", "百倍", "精神损失", "精神赔偿", "误工费", "转我", "给我转", "私下", "红包", "封口费",
    "不给钱", "给钱就", "赔我", "现金",
)  # fmt: skip
NOT_RECEIVED_WORDS = ("没收到", "未收到", "没有收到", "没到货", "没送到", "收不到")
LATE_SHIPPING_WORDS = ("发货慢", "不发货", "发货延迟", "迟迟不发", "一直不发", "还没发货")


def _normalise(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def similarity(a: str, b: str) -> float:
    """How alike two texts read, 0..1 (punctuation and spaces ignored)."""
    na, nb = _normalise(a), _normalise(b)
    if not na or not nb:
        return 0.0
    return SequenceMatcher(None, na, nb, autojunk=False).ratio()


@dataclass(frozen=True, slots=True)
class EarlierComplaint:
    type: ComplaintType
    text: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ComplaintFacts:
    """What the program knows when it checks a complaint."""

    text: str
    type: ComplaintType | None = None
    demand_cents: int = 0
    order: Order | None = None
    ship_within_hours: int = 48
    earlier: tuple[EarlierComplaint, ...] = ()
    refund_count: int = 0
    bad_review_count: int = 0


def _found(text: str, words: Sequence[str]) -> list[str]:
    return [w for w in words if w in text]


def complaint_signals(facts: ComplaintFacts) -> RiskAssessment:
    """The malicious-complaint marks of the textbook, each with its weight and the facts behind it."""
    text = facts.text
    signals: list[RiskSignal] = []

    # 1. Exaggerated or false claims.
    strong = _found(text, STRONG_EXAGGERATIONS)
    words = _found(text, EXAGGERATIONS)
    hit = bool(strong) or len(words) >= 2
    signals.append(RiskSignal("exaggerated", 20, hit, signal_params(words="、".join((strong + words)[:5]))))

    # 2. Claims the records contradict.
    order = facts.order
    contradiction = ""
    when = ""
    if order is not None:
        if order.signed_at is not None and _found(text, NOT_RECEIVED_WORDS):
            contradiction, when = "signed", f"{order.signed_at:%Y-%m-%d %H:%M}"
        elif (
            (facts.type is ComplaintType.LATE_SHIPPING or _found(text, LATE_SHIPPING_WORDS))
            and order.paid_at is not None
            and order.shipped_at is not None
            and order.shipped_at - order.paid_at <= timedelta(hours=facts.ship_within_hours)
        ):
            hours = int((order.shipped_at - order.paid_at) / timedelta(hours=1))
            contradiction, when = "shipped_in_time", str(hours)
    signals.append(
        RiskSignal("contradicts_records", 25, bool(contradiction), signal_params(fact=contradiction, value=when))
    )

    # 3. The same complaint again.
    same = [e for e in facts.earlier if e.type is facts.type or similarity(e.text, text) >= SIMILAR_TEXT_RATIO]
    signals.append(RiskSignal("repeated", 20, bool(same), signal_params(count=len(same))))

    # 4. Unreasonable demands.
    demands = _found(text, UNREASONABLE_DEMANDS)
    over = order is not None and facts.demand_cents > order.total_cents
    reason = "over_paid" if over else ("words" if demands else "")
    signals.append(
        RiskSignal(
            "unreasonable_demand",
            20,
            bool(reason),
            signal_params(
                reason=reason,
                words="、".join(demands[:4]),
                demand=facts.demand_cents,
                paid=order.total_cents if order else 0,
            ),
        )
    )

    # 5. A history of complaints or refunds.
    signals.append(
        RiskSignal("complaint_history", 15, len(facts.earlier) >= 2, signal_params(count=len(facts.earlier)))
    )
    signals.append(RiskSignal("refund_history", 10, facts.refund_count >= 3, signal_params(count=facts.refund_count)))
    signals.append(
        RiskSignal("review_history", 10, facts.bad_review_count >= 2, signal_params(count=facts.bad_review_count))
    )
    return RiskAssessment(tuple(signals))


def suggests_malicious(assessment: RiskAssessment) -> bool:
    return assessment.score >= MALICIOUS_SUGGESTION_SCORE


# ------------------------------------------------------------------------------------ complaint


@dataclass(frozen=True, slots=True)
class ComplaintForm:
    """The complaint form as filled in (new or an existing complaint being updated)."""

    customer_id: int
    type: ComplaintType | None
    description: str
    order_no: str = ""
    conversation_id: int | None = None
    demand: str = ""
    demand_cents: int = 0
    nature: ComplaintNature = ComplaintNature.NORMAL
    steps: tuple[HandlingStep, ...] = ()
    compensation: CompensationKind = CompensationKind.NONE
    compensation_cents: int = 0
    compensation_note: str = ""
    follow_up_at: datetime | None = None
    appeal: AppealRecord = field(default_factory=AppealRecord)


AMOUNT_COMPENSATIONS = frozenset({CompensationKind.COUPON, CompensationKind.PARTIAL_REFUND, CompensationKind.SHIPPING})


def validate_order_link(
    errors: list[FieldError], order_no: str, order: Order | None, customer_id: int, *, required: bool
) -> None:
    if not order_no.strip():
        if required:
            errors.append(FieldError("order_no", "required"))
    elif order is None:
        errors.append(FieldError("order_no", "order_missing", signal_params(order_no=order_no.strip())))
    elif customer_id and order.customer_id != customer_id:
        errors.append(FieldError("order_no", "order_foreign"))


def validate_appeal(errors: list[FieldError], appeal: AppealRecord) -> None:
    filed = appeal.state in (AppealState.SUBMITTED, AppealState.UPHELD, AppealState.REJECTED)
    if filed and not appeal.reference.strip():
        errors.append(FieldError("appeal_reference", "required"))
    check_text(errors, "appeal_note", appeal.note, limit=MAX_REASON_LENGTH)
    if len(appeal.reference) > 40:
        errors.append(FieldError("appeal_reference", "too_long", signal_params(limit=40, length=len(appeal.reference))))


def validate_complaint(form: ComplaintForm, order: Order | None) -> list[FieldError]:
    """Every problem of the complaint form, each naming its field."""
    errors: list[FieldError] = []
    if form.customer_id <= 0:
        errors.append(FieldError("customer", "required"))
    if form.type is None:
        errors.append(FieldError("type", "required"))
    product = form.type is not None and category_of(form.type) is ComplaintCategory.PRODUCT
    # A complaint about the goods is about an order; one about service may not be.
    validate_order_link(errors, form.order_no, order, form.customer_id, required=product)
    check_text(errors, "description", form.description, required=True, minimum=MIN_DESCRIPTION_LENGTH)
    check_text(errors, "demand", form.demand, limit=MAX_SHORT_TEXT)
    if form.demand_cents < 0:
        errors.append(FieldError("demand_amount", "negative"))
    if form.compensation in AMOUNT_COMPENSATIONS and form.compensation_cents <= 0:
        errors.append(FieldError("compensation_amount", "amount_required"))
    if form.compensation_cents < 0:
        errors.append(FieldError("compensation_amount", "negative"))
    if (
        form.compensation is CompensationKind.PARTIAL_REFUND
        and order is not None
        and form.compensation_cents > order.total_cents
    ):
        errors.append(FieldError("compensation_amount", "amount_too_high", signal_params(limit=order.total_cents)))
    check_text(errors, "compensation_note", form.compensation_note, limit=MAX_SHORT_TEXT)
    steps = {s.step: s for s in form.steps}
    for step in form.steps:
        check_text(errors, f"step_{step.step.value}", step.note, limit=MAX_REASON_LENGTH)
    if steps.get(HandlingStepKind.COMPENSATION, HandlingStep(HandlingStepKind.COMPENSATION)).done and (
        form.compensation is CompensationKind.NONE
    ):
        errors.append(FieldError("compensation", "required"))
    # Once a solution is offered, plan when to check back with the customer (全程跟进).
    solution = steps.get(HandlingStepKind.SOLUTION)
    follow_up = steps.get(HandlingStepKind.FOLLOW_UP)
    if solution is not None and solution.done and not (follow_up and follow_up.done) and form.follow_up_at is None:
        errors.append(FieldError("follow_up_at", "follow_up_needed"))
    if form.nature is ComplaintNature.NORMAL and form.appeal.state is not AppealState.NONE:
        errors.append(FieldError("appeal_state", "appeal_needs_malicious"))
    validate_appeal(errors, form.appeal)
    return errors


def complete_steps(
    steps: Sequence[HandlingStep], previous: Sequence[HandlingStep], now: datetime
) -> tuple[HandlingStep, ...]:
    """All five handling steps in order; a step newly ticked gets `now` as its time."""
    before = {s.step: s for s in previous}
    given = {s.step: s for s in steps}
    out = []
    for kind in HandlingStepKind:
        step = given.get(kind, HandlingStep(kind))
        old = before.get(kind)
        at = step.at
        if step.done and at is None:
            at = old.at if old is not None and old.done and old.at is not None else now
        if not step.done:
            at = None
        out.append(HandlingStep(kind, step.done, step.note.strip(), at))
    return tuple(out)


# -------------------------------------------------------------------------------------- dispute


@dataclass(frozen=True, slots=True)
class DisputeForm:
    customer_id: int
    cause: DisputeCause | None
    description: str
    order_no: str = ""
    conversation_id: int | None = None
    asked: str = ""
    asked_cents: int = 0
    agreed: str = ""
    agreed_cents: int = 0
    platform: PlatformState = PlatformState.NONE
    appeal: AppealRecord = field(default_factory=AppealRecord)
    deadlines: tuple[Deadline, ...] = ()


MONEY_CAUSES = frozenset({DisputeCause.REFUND_AMOUNT, DisputeCause.SHIPPING_FEE})


def validate_dispute(form: DisputeForm, order: Order | None) -> list[FieldError]:
    errors: list[FieldError] = []
    if form.customer_id <= 0:
        errors.append(FieldError("customer", "required"))
    if form.cause is None:
        errors.append(FieldError("cause", "required"))
    validate_order_link(errors, form.order_no, order, form.customer_id, required=True)
    check_text(errors, "description", form.description, required=True, minimum=MIN_DESCRIPTION_LENGTH)
    check_text(errors, "asked", form.asked, required=True, limit=MAX_SHORT_TEXT)
    check_text(errors, "agreed", form.agreed, limit=MAX_SHORT_TEXT)
    if form.cause in MONEY_CAUSES and form.asked_cents <= 0:
        errors.append(FieldError("asked_amount", "amount_required"))
    for name, cents in (("asked_amount", form.asked_cents), ("agreed_amount", form.agreed_cents)):
        if cents < 0:
            errors.append(FieldError(name, "negative"))
        elif order is not None and cents > order.total_cents:
            errors.append(FieldError(name, "amount_too_high", signal_params(limit=order.total_cents)))
    if len(form.deadlines) > MAX_DEADLINES:
        errors.append(FieldError("deadlines", "too_many", signal_params(limit=MAX_DEADLINES)))
    for i, deadline in enumerate(form.deadlines, 1):
        if not deadline.label.strip():
            errors.append(FieldError("deadlines", "deadline_label", signal_params(row=i)))
        elif len(deadline.label) > 40:
            errors.append(FieldError("deadlines", "deadline_label_long", signal_params(row=i, limit=40)))
    if form.platform in (PlatformState.RULED_BUYER, PlatformState.RULED_SELLER) and not form.agreed.strip():
        errors.append(FieldError("agreed", "ruling_required"))
    validate_appeal(errors, form.appeal)
    return errors


def default_deadlines(platform: PlatformState, now: datetime) -> tuple[Deadline, ...]:
    """The usual time limits: answer the buyer within 48 h; once the platform steps in, 72 h to
    submit evidence (举证)."""
    if platform in (PlatformState.REQUESTED, PlatformState.INTERVENED):
        return (Deadline("举证截止", now + timedelta(hours=72)),)
    return (Deadline("回应买家", now + timedelta(hours=48)),)


@dataclass(frozen=True, slots=True)
class Reminder:
    """A deadline or follow-up that is due soon or overdue."""

    case_id: int
    case_no: str
    label: str
    due_at: datetime
    overdue: bool


def reminder_for(due_at: datetime | None, now: datetime, window: timedelta) -> bool | None:
    """None if nothing is due within `window`; else whether it is overdue."""
    if due_at is None or due_at > now + window:
        return None
    return due_at < now
