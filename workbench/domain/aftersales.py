"""After-sales cases (售后): returns, exchanges, refunds, repairs, complaints, disputes and reviews.

Every case is one record with a kind, a state and kind-specific details. This module holds the
rules that do not need a database:

* the status workflows (a transition table per kind; an invalid transition raises ``DomainError``
  with a code; some transitions need a reason, a tracking number or an amount);
* the shop's after-sales policy (7-day no-reason returns and excluded categories, warranty, who pays
  the shipping or the repair) and the policy check of a request, which returns its reasons;
* validation of the request forms (every problem at once, each naming its field);
* the details of each kind as frozen dataclasses, and their JSON form for storage.

Complaint and dispute rules live in :mod:`workbench.domain.complaints`, review rules (reply
suggestions, the 职业差评师 risk score) in :mod:`workbench.domain.reviews`, what a transition changes
and a case's due date in :mod:`workbench.domain.case_rules`, the texts of a case's timeline and of
the messages to the customer in :mod:`workbench.domain.case_texts`.
"""

from __future__ import annotations

import dataclasses
import types
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum, StrEnum
from typing import TYPE_CHECKING, Any, TypeVar, Union, get_args, get_origin, get_type_hints

from workbench.domain.errors import DomainError
from workbench.domain.orders import Order
from workbench.domain.text import clean_text as clean_typed_text

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

MAX_REASON_LENGTH = 500
MAX_DESCRIPTION_LENGTH = 2000
MAX_SUMMARY_LENGTH = 200
MAX_SHORT_TEXT = 200
MIN_DESCRIPTION_LENGTH = 4


# ---------------------------------------------------------------------------------------- kinds


class CaseKind(StrEnum):
    RETURN = "return"  # 退货
    EXCHANGE = "exchange"  # 换货
    REFUND = "refund"  # 退款 (仅退款 / 退货退款)
    REPAIR = "repair"  # 维修
    COMPLAINT = "complaint"  # 客户投诉
    DISPUTE = "dispute"  # 纠纷
    REVIEW = "review"  # 评价


SERVICE_KINDS: tuple[CaseKind, ...] = (CaseKind.RETURN, CaseKind.EXCHANGE, CaseKind.REFUND, CaseKind.REPAIR)

# Case numbers: a prefix per kind, the day and the record id (TH2511110042).
CASE_PREFIX: dict[CaseKind, str] = {
    CaseKind.RETURN: "TH",
    CaseKind.EXCHANGE: "HH",
    CaseKind.REFUND: "TK",
    CaseKind.REPAIR: "WX",
    CaseKind.COMPLAINT: "TS",
    CaseKind.DISPUTE: "JF",
    CaseKind.REVIEW: "PJ",
}


def case_number(kind: CaseKind, created_at: datetime, case_id: int) -> str:
    return f"{CASE_PREFIX[kind]}{created_at:%y%m%d}{case_id:04d}"


class CaseState(StrEnum):
    # returns, exchanges, refunds, repairs
    REQUESTED = "requested"  # 已申请
    REVIEWING = "reviewing"  # 审核中
    QUOTED = "quoted"  # 待确认费用 (repair out of warranty)
    AWAITING_RETURN = "awaiting_return"  # 待寄回
    RETURN_SHIPPED = "return_shipped"  # 买家已寄回
    RECEIVED = "received"  # 已收货
    REFUNDED = "refunded"  # 已退款
    REPLACEMENT_SHIPPED = "replacement_shipped"  # 换新已发出
    REPAIRING = "repairing"  # 维修中
    REPAIRED_SHIPPED = "repaired_shipped"  # 修好已寄回
    # complaints
    OPEN = "open"  # 待处理
    HANDLING = "handling"  # 处理中
    RESOLVED = "resolved"  # 已解决
    APPEALING = "appealing"  # 平台申诉中
    # disputes
    NEGOTIATING = "negotiating"  # 协商中
    PLATFORM = "platform"  # 平台介入
    EVIDENCE_SUBMITTED = "evidence_submitted"  # 已举证
    AGREED = "agreed"  # 已达成一致
    RULED = "ruled"  # 平台已判定
    # reviews
    PENDING = "pending"  # 待处理
    REPLIED = "replied"  # 已回复
    CONTACTED = "contacted"  # 已联系买家
    FOLLOWED_UP = "followed_up"  # 已回访
    APPEAL_UPHELD = "appeal_upheld"  # 申诉成功
    APPEAL_REJECTED = "appeal_rejected"  # 申诉未通过
    # shared ends
    COMPLETED = "completed"  # 已完成
    REJECTED = "rejected"  # 已拒绝
    CANCELLED = "cancelled"  # 已撤销


class RefundType(StrEnum):
    REFUND_ONLY = "refund_only"  # 仅退款
    RETURN_REFUND = "return_refund"  # 退货退款


class AftersalesReason(StrEnum):
    """Why the buyer asks (the reason decides the policy: no-reason window, who pays)."""

    NO_REASON = "no_reason"  # 七天无理由（不喜欢、尺码不合适）
    QUALITY = "quality"  # 质量问题
    NOT_AS_DESCRIBED = "not_as_described"  # 与描述不符（色差、材质）
    WRONG_ITEM = "wrong_item"  # 发错货（颜色、尺码、款式）
    DAMAGED = "damaged"  # 运输破损
    MISSING_ITEM = "missing_item"  # 少件 / 漏发
    NOT_RECEIVED = "not_received"  # 未收到货
    NOT_SHIPPED = "not_shipped"  # 未发货，不想要了
    HUMAN_DAMAGE = "human_damage"  # 人为损坏 (repair)
    OTHER = "other"


# Reasons offered per kind, in menu order.
REASONS_BY_KIND: dict[CaseKind, tuple[AftersalesReason, ...]] = {
    CaseKind.RETURN: (
        AftersalesReason.NO_REASON,
        AftersalesReason.QUALITY,
        AftersalesReason.NOT_AS_DESCRIBED,
        AftersalesReason.WRONG_ITEM,
        AftersalesReason.DAMAGED,
        AftersalesReason.OTHER,
    ),
    CaseKind.EXCHANGE: (
        AftersalesReason.NO_REASON,
        AftersalesReason.NOT_AS_DESCRIBED,
        AftersalesReason.WRONG_ITEM,
        AftersalesReason.QUALITY,
        AftersalesReason.DAMAGED,
        AftersalesReason.OTHER,
    ),
    CaseKind.REFUND: (
        AftersalesReason.NOT_SHIPPED,
        AftersalesReason.NOT_RECEIVED,
        AftersalesReason.MISSING_ITEM,
        AftersalesReason.QUALITY,
        AftersalesReason.NOT_AS_DESCRIBED,
        AftersalesReason.WRONG_ITEM,
        AftersalesReason.DAMAGED,
        AftersalesReason.NO_REASON,
        AftersalesReason.OTHER,
    ),
    CaseKind.REPAIR: (AftersalesReason.QUALITY, AftersalesReason.HUMAN_DAMAGE, AftersalesReason.OTHER),
}

# Reasons where the shop is at fault (it pays the shipping both ways).
SELLER_FAULT_REASONS = frozenset(
    {
        AftersalesReason.QUALITY,
        AftersalesReason.NOT_AS_DESCRIBED,
        AftersalesReason.WRONG_ITEM,
        AftersalesReason.DAMAGED,
        AftersalesReason.MISSING_ITEM,
    }
)


class Payer(StrEnum):
    BUYER = "buyer"  # 买家承担
    SELLER = "seller"  # 店铺承担
    NEGOTIATE = "negotiate"  # 双方协商
    NONE = "none"  # 不涉及


# ----------------------------------------------------------------------------------- workflows

_S = CaseState

_RETURN_FLOW: dict[CaseState, tuple[CaseState, ...]] = {
    _S.REQUESTED: (_S.REVIEWING, _S.REJECTED, _S.CANCELLED),
    _S.REVIEWING: (_S.AWAITING_RETURN, _S.REJECTED, _S.CANCELLED),
    _S.AWAITING_RETURN: (_S.RETURN_SHIPPED, _S.RECEIVED, _S.CANCELLED),
    _S.RETURN_SHIPPED: (_S.RECEIVED,),
    _S.RECEIVED: (_S.REFUNDED, _S.REJECTED),  # rejected: the goods came back worn or damaged
    _S.REFUNDED: (_S.COMPLETED,),
}
_EXCHANGE_FLOW: dict[CaseState, tuple[CaseState, ...]] = {
    _S.REQUESTED: (_S.REVIEWING, _S.REJECTED, _S.CANCELLED),
    _S.REVIEWING: (_S.AWAITING_RETURN, _S.REJECTED, _S.CANCELLED),
    _S.AWAITING_RETURN: (_S.RETURN_SHIPPED, _S.RECEIVED, _S.CANCELLED),
    _S.RETURN_SHIPPED: (_S.RECEIVED,),
    _S.RECEIVED: (_S.REPLACEMENT_SHIPPED, _S.REFUNDED, _S.REJECTED),  # refunded: out of stock
    _S.REPLACEMENT_SHIPPED: (_S.COMPLETED,),
    _S.REFUNDED: (_S.COMPLETED,),
}
_REFUND_ONLY_FLOW: dict[CaseState, tuple[CaseState, ...]] = {
    _S.REQUESTED: (_S.REVIEWING, _S.REJECTED, _S.CANCELLED),
    _S.REVIEWING: (_S.REFUNDED, _S.REJECTED, _S.CANCELLED),
    _S.REFUNDED: (_S.COMPLETED,),
}
_REPAIR_FLOW: dict[CaseState, tuple[CaseState, ...]] = {
    _S.REQUESTED: (_S.REVIEWING, _S.REJECTED, _S.CANCELLED),
    _S.REVIEWING: (_S.QUOTED, _S.AWAITING_RETURN, _S.REJECTED, _S.CANCELLED),
    _S.QUOTED: (_S.AWAITING_RETURN, _S.CANCELLED),  # cancelled: the buyer declines the fee
    _S.AWAITING_RETURN: (_S.RETURN_SHIPPED, _S.RECEIVED, _S.CANCELLED),
    _S.RETURN_SHIPPED: (_S.RECEIVED,),
    _S.RECEIVED: (_S.REPAIRING, _S.REJECTED),
    _S.REPAIRING: (_S.REPAIRED_SHIPPED,),
    _S.REPAIRED_SHIPPED: (_S.COMPLETED,),
}
_COMPLAINT_FLOW: dict[CaseState, tuple[CaseState, ...]] = {
    _S.OPEN: (_S.HANDLING, _S.CANCELLED),
    _S.HANDLING: (_S.RESOLVED, _S.APPEALING, _S.CANCELLED),
    _S.RESOLVED: (_S.COMPLETED, _S.HANDLING),  # back to handling: the buyer is not satisfied
    _S.APPEALING: (_S.COMPLETED, _S.HANDLING),
}
_DISPUTE_FLOW: dict[CaseState, tuple[CaseState, ...]] = {
    _S.NEGOTIATING: (_S.AGREED, _S.PLATFORM, _S.CANCELLED),
    _S.PLATFORM: (_S.EVIDENCE_SUBMITTED, _S.AGREED, _S.RULED),
    _S.EVIDENCE_SUBMITTED: (_S.RULED, _S.AGREED),
    _S.RULED: (_S.APPEALING, _S.COMPLETED),
    _S.APPEALING: (_S.RULED, _S.COMPLETED),
    _S.AGREED: (_S.COMPLETED,),
}
_REVIEW_FLOW: dict[CaseState, tuple[CaseState, ...]] = {
    _S.PENDING: (_S.REPLIED, _S.CONTACTED, _S.APPEALING),
    _S.REPLIED: (_S.CONTACTED, _S.APPEALING),
    _S.CONTACTED: (_S.RESOLVED, _S.APPEALING),
    _S.RESOLVED: (_S.FOLLOWED_UP,),
    _S.APPEALING: (_S.APPEAL_UPHELD, _S.APPEAL_REJECTED),
    _S.APPEAL_REJECTED: (_S.CONTACTED,),
}

INITIAL_STATE: dict[CaseKind, CaseState] = {
    CaseKind.RETURN: _S.REQUESTED,
    CaseKind.EXCHANGE: _S.REQUESTED,
    CaseKind.REFUND: _S.REQUESTED,
    CaseKind.REPAIR: _S.REQUESTED,
    CaseKind.COMPLAINT: _S.OPEN,
    CaseKind.DISPUTE: _S.NEGOTIATING,
    CaseKind.REVIEW: _S.PENDING,
}

# Target states that need something typed in.
NEEDS_REASON = frozenset({_S.REJECTED, _S.APPEALING, _S.RULED, _S.AGREED, _S.RESOLVED})
NEEDS_TRACKING = frozenset({_S.RETURN_SHIPPED, _S.REPLACEMENT_SHIPPED, _S.REPAIRED_SHIPPED})
NEEDS_AMOUNT = frozenset({_S.REFUNDED, _S.QUOTED})


# States no workflow leaves (lists split open from closed cases on these).
FINAL_STATES = frozenset({_S.COMPLETED, _S.REJECTED, _S.CANCELLED, _S.FOLLOWED_UP, _S.APPEAL_UPHELD})


def workflow(kind: CaseKind, subtype: str = "") -> Mapping[CaseState, tuple[CaseState, ...]]:
    """The transition table of a kind (a refund's depends on 仅退款 / 退货退款)."""
    match kind:
        case CaseKind.RETURN:
            return _RETURN_FLOW
        case CaseKind.EXCHANGE:
            return _EXCHANGE_FLOW
        case CaseKind.REFUND:
            return _REFUND_ONLY_FLOW if subtype == RefundType.REFUND_ONLY else _RETURN_FLOW
        case CaseKind.REPAIR:
            return _REPAIR_FLOW
        case CaseKind.COMPLAINT:
            return _COMPLAINT_FLOW
        case CaseKind.DISPUTE:
            return _DISPUTE_FLOW
        case CaseKind.REVIEW:
            return _REVIEW_FLOW
    raise ValueError(kind)  # pragma: no cover - exhaustive


def states_of(kind: CaseKind, subtype: str = "") -> tuple[CaseState, ...]:
    """Every state a case of this kind can be in, in workflow order."""
    flow = workflow(kind, subtype)
    seen: list[CaseState] = [INITIAL_STATE[kind]]
    for state in seen:
        for nxt in flow.get(state, ()):
            if nxt not in seen:
                seen.append(nxt)
    if kind is CaseKind.REFUND and not subtype:  # both refund workflows
        for state in states_of(kind, RefundType.REFUND_ONLY):
            if state not in seen:
                seen.append(state)
    return tuple(seen)


def next_states(kind: CaseKind, subtype: str, state: CaseState) -> tuple[CaseState, ...]:
    return workflow(kind, subtype).get(state, ())


def is_final(kind: CaseKind, subtype: str, state: CaseState) -> bool:
    return not next_states(kind, subtype, state)


def transition_needs(to: CaseState) -> frozenset[str]:
    """The inputs a move to `to` needs: "reason", "tracking_no", "amount"."""
    needs = set()
    if to in NEEDS_REASON:
        needs.add("reason")
    if to in NEEDS_TRACKING:
        needs.add("tracking_no")
    if to in NEEDS_AMOUNT:
        needs.add("amount")
    return frozenset(needs)


@dataclass(frozen=True, slots=True)
class TransitionInput:
    """What the agent typed when moving a case on."""

    reason: str = ""
    carrier: str = ""
    tracking_no: str = ""
    amount_cents: int | None = None


def check_transition(
    kind: CaseKind,
    subtype: str,
    current: CaseState,
    to: CaseState,
    data: TransitionInput = TransitionInput(),
    *,
    amount_limit_cents: int | None = None,
) -> TransitionInput:
    """The cleaned input if `current → to` is allowed; DomainError (with a code and field) if not."""
    if to not in next_states(kind, subtype, current):
        raise DomainError("case.transition_invalid", from_state=current.value, to_state=to.value)
    reason = clean_text(data.reason)
    if to in NEEDS_REASON and not reason:
        raise DomainError("case.reason_required", field="reason", to_state=to.value)
    if len(reason) > MAX_REASON_LENGTH:
        raise DomainError("case.reason_too_long", field="reason", limit=MAX_REASON_LENGTH)
    # full-width letters and digits typed with a Chinese input method count as their plain forms
    tracking = unicodedata.normalize("NFKC", data.tracking_no).strip().replace(" ", "")
    carrier = data.carrier.strip()
    if to in NEEDS_TRACKING:
        if not tracking:
            raise DomainError("case.tracking_required", field="tracking_no")
        if not (tracking.isascii() and tracking.isalnum()) or not 6 <= len(tracking) <= 30:
            raise DomainError("case.tracking_invalid", field="tracking_no")
    amount = data.amount_cents
    if to in NEEDS_AMOUNT:
        if amount is None or amount <= 0:
            raise DomainError("case.amount_required", field="amount")
        if to is CaseState.REFUNDED and amount_limit_cents is not None and amount > amount_limit_cents:
            raise DomainError("case.amount_too_high", field="amount", limit=amount_limit_cents)
    return TransitionInput(reason=reason, carrier=carrier, tracking_no=tracking, amount_cents=amount)


# --------------------------------------------------------------------------------- risk signals


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True, slots=True)
class RiskSignal:
    """One thing the program noticed: a stable code, its weight and the facts behind it.

    `hit` says whether it applies to this case; signals that do not apply are kept so the agent
    sees what was checked. `params` fill the translated reason text (e.g. ``days=38``).
    """

    code: str
    weight: int
    hit: bool
    params: tuple[tuple[str, str], ...] = ()

    def param(self, name: str) -> str:
        return next((v for k, v in self.params if k == name), "")


@dataclass(frozen=True, slots=True)
class RiskAssessment:
    """A score 0–100 from the signals that hit. A suggestion for the agent, never a verdict."""

    signals: tuple[RiskSignal, ...] = ()

    @property
    def score(self) -> int:
        return min(100, sum(s.weight for s in self.signals if s.hit))

    @property
    def hits(self) -> tuple[RiskSignal, ...]:
        return tuple(s for s in self.signals if s.hit)

    @property
    def level(self) -> RiskLevel:
        score = self.score
        if score >= 60:
            return RiskLevel.HIGH
        if score >= 30:
            return RiskLevel.MEDIUM
        return RiskLevel.LOW


def signal_params(**params: object) -> tuple[tuple[str, str], ...]:
    return tuple((k, str(v)) for k, v in params.items())


# ---------------------------------------------------------------------------- case details


class AppealState(StrEnum):
    NONE = "none"  # 未申诉
    PREPARING = "preparing"  # 准备材料
    SUBMITTED = "submitted"  # 已提交
    UPHELD = "upheld"  # 申诉成功
    REJECTED = "rejected"  # 申诉驳回


@dataclass(frozen=True, slots=True)
class AppealRecord:
    """A platform appeal (平台申诉): its state, the platform's reference number, when and what."""

    state: AppealState = AppealState.NONE
    reference: str = ""
    submitted_at: datetime | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class PolicyFinding:
    """One rule checked against a request: ok, a warning, a failure or plain information."""

    code: str
    level: FindingLevel
    params: tuple[tuple[str, str], ...] = ()

    def param(self, name: str) -> str:
        return next((v for k, v in self.params if k == name), "")


class FindingLevel(StrEnum):
    OK = "ok"
    INFO = "info"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True, slots=True)
class PolicyVerdict:
    """The outcome of a policy check: eligible unless a finding failed; who pays and why."""

    findings: tuple[PolicyFinding, ...] = ()
    shipping_payer: Payer = Payer.NONE
    repair_payer: Payer = Payer.NONE
    suggestion: str = ""  # e.g. "refund_only" when a return does not fit but a refund does

    @property
    def eligible(self) -> bool:
        return not any(f.level is FindingLevel.FAIL for f in self.findings)

    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.findings)

    def finding(self, code: str) -> PolicyFinding | None:
        return next((f for f in self.findings if f.code == code), None)


@dataclass(frozen=True, slots=True)
class ServiceDetails:
    """退货 / 换货 / 退款 / 维修."""

    reason: AftersalesReason = AftersalesReason.OTHER
    refund_type: RefundType | None = None
    items: tuple[str, ...] = ()
    exchange_wish: str = ""  # 想换的颜色 / 尺码
    goods_intact: bool = True  # 吊牌完好、未洗涤未穿着
    self_repaired: bool = False  # sent to a tailor without asking the shop first
    return_carrier: str = ""
    return_tracking_no: str = ""
    outbound_carrier: str = ""  # the replacement or the repaired item going back
    outbound_tracking_no: str = ""
    refunded_cents: int = 0
    repair_fee_cents: int = 0
    policy: PolicyVerdict = field(default_factory=PolicyVerdict)


class ComplaintCategory(StrEnum):
    PRODUCT = "product"  # 商品质量投诉
    SERVICE = "service"  # 服务质量投诉


class ComplaintType(StrEnum):
    # 商品质量
    NOT_AS_DESCRIBED = "not_as_described"  # 与描述不符
    DAMAGED = "damaged"  # 商品损坏
    MALFUNCTION = "malfunction"  # 功能失效
    WRONG_SIZE_COLOUR = "wrong_size_colour"  # 尺寸颜色错误
    PRODUCT_OTHER = "product_other"  # 其他
    # 服务质量
    SLOW_RESPONSE = "slow_response"  # 响应不及时
    LATE_SHIPPING = "late_shipping"  # 发货延迟
    COMPLEX_RETURNS = "complex_returns"  # 退换货流程复杂
    BAD_ATTITUDE = "bad_attitude"  # 售后态度不佳
    SERVICE_OTHER = "service_other"  # 其他


COMPLAINT_TYPES: dict[ComplaintCategory, tuple[ComplaintType, ...]] = {
    ComplaintCategory.PRODUCT: (
        ComplaintType.NOT_AS_DESCRIBED,
        ComplaintType.DAMAGED,
        ComplaintType.MALFUNCTION,
        ComplaintType.WRONG_SIZE_COLOUR,
        ComplaintType.PRODUCT_OTHER,
    ),
    ComplaintCategory.SERVICE: (
        ComplaintType.SLOW_RESPONSE,
        ComplaintType.LATE_SHIPPING,
        ComplaintType.COMPLEX_RETURNS,
        ComplaintType.BAD_ATTITUDE,
        ComplaintType.SERVICE_OTHER,
    ),
}


def category_of(kind: ComplaintType) -> ComplaintCategory:
    return next(c for c, kinds in COMPLAINT_TYPES.items() if kind in kinds)


class ComplaintNature(StrEnum):
    NORMAL = "normal"  # 正常投诉
    MALICIOUS = "malicious"  # 恶意投诉 (the agent's decision)


class HandlingStepKind(StrEnum):
    LISTEN = "listen"  # 倾听
    APOLOGISE = "apologise"  # 致歉
    SOLUTION = "solution"  # 方案
    COMPENSATION = "compensation"  # 补偿
    FOLLOW_UP = "follow_up"  # 跟进


HANDLING_STEPS: tuple[HandlingStepKind, ...] = tuple(HandlingStepKind)


@dataclass(frozen=True, slots=True)
class HandlingStep:
    step: HandlingStepKind
    done: bool = False
    note: str = ""
    at: datetime | None = None


class CompensationKind(StrEnum):
    NONE = "none"  # 无
    COUPON = "coupon"  # 优惠券
    PARTIAL_REFUND = "partial_refund"  # 部分退款
    SHIPPING = "shipping"  # 运费补偿
    GIFT = "gift"  # 赠品 / 补发
    POINTS = "points"  # 积分
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class ComplaintDetails:
    type: ComplaintType = ComplaintType.PRODUCT_OTHER
    demand: str = ""  # what the customer asks for
    demand_cents: int = 0
    nature: ComplaintNature = ComplaintNature.NORMAL
    signals: tuple[RiskSignal, ...] = ()  # what the program found when the agent last checked
    steps: tuple[HandlingStep, ...] = ()
    compensation: CompensationKind = CompensationKind.NONE
    compensation_cents: int = 0
    compensation_note: str = ""
    follow_up_at: datetime | None = None
    appeal: AppealRecord = field(default_factory=AppealRecord)

    @property
    def category(self) -> ComplaintCategory:
        return category_of(self.type)

    def step(self, kind: HandlingStepKind) -> HandlingStep:
        return next((s for s in self.steps if s.step is kind), HandlingStep(kind))


class DisputeCause(StrEnum):
    NOT_RECEIVED = "not_received"  # 未收到货
    NOT_AS_DESCRIBED = "not_as_described"  # 货不对板
    QUALITY = "quality"  # 质量问题
    REFUND_AMOUNT = "refund_amount"  # 退款金额
    SHIPPING_FEE = "shipping_fee"  # 运费
    INVOICE = "invoice"  # 发票
    OTHER = "other"


class PlatformState(StrEnum):
    NONE = "none"  # 未介入
    REQUESTED = "requested"  # 买家已申请介入
    INTERVENED = "intervened"  # 平台已介入
    EVIDENCE_SUBMITTED = "evidence_submitted"  # 已提交凭证
    RULED_BUYER = "ruled_buyer"  # 判定支持买家
    RULED_SELLER = "ruled_seller"  # 判定支持卖家


@dataclass(frozen=True, slots=True)
class Deadline:
    """A date the shop must act by (举证截止, 响应时限); `done` once handled."""

    label: str
    due_at: datetime
    done: bool = False


@dataclass(frozen=True, slots=True)
class DisputeDetails:
    cause: DisputeCause = DisputeCause.OTHER
    asked: str = ""  # the outcome the buyer asks for
    asked_cents: int = 0
    agreed: str = ""  # the outcome agreed (or ruled)
    agreed_cents: int = 0
    platform: PlatformState = PlatformState.NONE
    appeal: AppealRecord = field(default_factory=AppealRecord)
    deadlines: tuple[Deadline, ...] = ()

    def next_deadline(self) -> Deadline | None:
        open_ = [d for d in self.deadlines if not d.done]
        return min(open_, key=lambda d: d.due_at) if open_ else None


class Rating(StrEnum):
    GOOD = "good"  # 好评
    NEUTRAL = "neutral"  # 中评
    BAD = "bad"  # 差评


@dataclass(frozen=True, slots=True)
class ReviewDetails:
    rating: Rating = Rating.GOOD
    text: str = ""
    product_title: str = ""
    product_spec: str = ""  # 颜色 / 尺码
    images: int = 0  # photos attached to the review
    reply: str = ""
    replied_at: datetime | None = None
    follow_up_at: datetime | None = None
    appeal: AppealRecord = field(default_factory=AppealRecord)
    signals: tuple[RiskSignal, ...] = ()  # the last 职业差评师 check


Details = ServiceDetails | ComplaintDetails | DisputeDetails | ReviewDetails

DETAILS_TYPE: dict[CaseKind, type[Any]] = {
    CaseKind.RETURN: ServiceDetails,
    CaseKind.EXCHANGE: ServiceDetails,
    CaseKind.REFUND: ServiceDetails,
    CaseKind.REPAIR: ServiceDetails,
    CaseKind.COMPLAINT: ComplaintDetails,
    CaseKind.DISPUTE: DisputeDetails,
    CaseKind.REVIEW: ReviewDetails,
}


# ------------------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Case:
    id: int
    case_no: str
    kind: CaseKind
    subtype: str  # refund type, complaint type, dispute cause, review rating, or the reason
    state: CaseState
    customer_id: int
    customer_nick: str
    order_no: str
    conversation_id: int | None
    summary: str
    description: str
    amount_cents: int  # asked for: refund, compensation, dispute amount
    flagged: bool  # the agent judged it malicious / a professional bad reviewer
    risk_score: int  # the program's last suggestion (0–100)
    due_at: datetime | None  # next deadline or follow-up
    created_at: datetime
    updated_at: datetime
    created_by: str
    details: Details

    @property
    def is_final(self) -> bool:
        return is_final(self.kind, self.subtype, self.state)

    def next_states(self) -> tuple[CaseState, ...]:
        return next_states(self.kind, self.subtype, self.state)


class EventAction(StrEnum):
    CREATED = "created"
    TRANSITION = "transition"
    NOTE = "note"
    UPDATED = "updated"  # form details changed
    EVIDENCE = "evidence"
    MESSAGE = "message"  # text sent to the customer
    REPLY = "reply"  # public reply to a review
    POLICY = "policy"
    SIGNALS = "signals"


@dataclass(frozen=True, slots=True)
class CaseEvent:
    id: int
    case_id: int
    at: datetime
    action: EventAction
    from_state: CaseState | None
    to_state: CaseState | None
    text: str
    actor: str


class EvidenceKind(StrEnum):
    MESSAGE = "message"  # a chat message
    ORDER = "order"  # an order snapshot
    LOGISTICS = "logistics"  # the logistics trace
    FILE = "file"  # an attached file (content-addressed)
    IMAGE = "image"  # an attached picture (content-addressed)
    NOTE = "note"  # the agent's written statement


@dataclass(frozen=True, slots=True)
class Evidence:
    id: int
    case_id: int
    kind: EvidenceKind
    title: str
    text: str
    sha256: str
    file_name: str
    size: int
    mime: str
    source_id: int | None  # message id for chat messages
    added_at: datetime
    added_by: str


@dataclass(frozen=True, slots=True)
class Draft:
    """An unsaved form, kept as the agent types (JSON payload)."""

    key: str
    payload: Mapping[str, Any]
    updated_at: datetime


# ------------------------------------------------------------------------------ form checks


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    code: str
    params: tuple[tuple[str, str], ...] = ()

    def param(self, name: str) -> str:
        return next((v for k, v in self.params if k == name), "")


class FormInvalid(DomainError):
    """A form has problems; `errors` lists each with its field."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        first = errors[0] if errors else FieldError("", "form.invalid")
        super().__init__("form.invalid", field=first.field, count=len(errors))
        self.errors = tuple(errors)


def raise_if(errors: Sequence[FieldError]) -> None:
    if errors:
        raise FormInvalid(errors)


def clean_text(text: str) -> str:
    """Made storable (`workbench.domain.text`), outer blanks removed; inner line breaks kept."""
    return "\n".join(line.rstrip() for line in clean_typed_text(text).splitlines())


def check_text(
    errors: list[FieldError],
    name: str,
    text: str,
    *,
    required: bool = False,
    limit: int = MAX_DESCRIPTION_LENGTH,
    minimum: int = 0,
) -> str:
    cleaned = clean_text(text)
    if required and not cleaned:
        errors.append(FieldError(name, "required"))
    elif minimum and len(cleaned) < minimum:
        errors.append(FieldError(name, "too_short", signal_params(minimum=minimum)))
    elif len(cleaned) > limit:
        errors.append(FieldError(name, "too_long", signal_params(limit=limit, length=len(cleaned))))
    return cleaned


@dataclass(frozen=True, slots=True)
class ServiceRequest:
    """A 退货 / 换货 / 退款 / 维修 application as the agent fills it in."""

    kind: CaseKind
    customer_id: int
    order_no: str
    reason: AftersalesReason | None
    description: str
    refund_type: RefundType | None = None
    amount_cents: int | None = None
    items: tuple[str, ...] = ()
    exchange_wish: str = ""
    goods_intact: bool = True
    self_repaired: bool = False
    conversation_id: int | None = None


def validate_service_request(request: ServiceRequest, order: Order | None) -> list[FieldError]:
    """Every problem of the form at once (the UI shows each beside its field).

    `order` is the order found for `request.order_no` (None if none was found or none typed)."""
    errors: list[FieldError] = []
    if request.kind not in SERVICE_KINDS:
        errors.append(FieldError("kind", "invalid"))
        return errors
    if not request.order_no.strip():
        errors.append(FieldError("order_no", "required"))
    elif order is None:
        errors.append(FieldError("order_no", "order_missing", signal_params(order_no=request.order_no.strip())))
    elif request.customer_id and order.customer_id != request.customer_id:
        errors.append(FieldError("order_no", "order_foreign"))
    if request.reason is None:
        errors.append(FieldError("reason", "required"))
    elif request.reason not in REASONS_BY_KIND[request.kind]:
        errors.append(FieldError("reason", "invalid"))
    check_text(errors, "description", request.description, required=True, minimum=MIN_DESCRIPTION_LENGTH)
    if request.kind is CaseKind.REFUND:
        if request.refund_type is None:
            errors.append(FieldError("refund_type", "required"))
        if request.amount_cents is None or request.amount_cents <= 0:
            errors.append(FieldError("amount", "amount_required"))
        elif order is not None and request.amount_cents > order.total_cents:
            errors.append(FieldError("amount", "amount_too_high", signal_params(limit=order.total_cents)))
    if request.kind is CaseKind.EXCHANGE:
        check_text(errors, "exchange_wish", request.exchange_wish, required=True, limit=MAX_SHORT_TEXT)
    if order is not None and order.items and not request.items:
        errors.append(FieldError("items", "required"))
    return errors


# ------------------------------------------------------------------------------------- policy


@dataclass(frozen=True, slots=True)
class AftersalesPolicy:
    """The shop's rules (shop settings → ``aftersales_policy``; defaults are the usual Taobao ones)."""

    no_reason_days: int = 7  # 七天无理由: returns and exchanges for any reason
    no_reason_excluded_categories: tuple[str, ...] = ("内衣", "袜子", "定制")
    warranty_days: int = 90  # 质保期: free repair of workmanship faults
    exchange_days: int = 15  # 换货期: an exchange for a reason that is not the shop's fault
    quality_days: int = 90  # 质量问题期: return, refund or exchange for a fault of the goods or the shop
    no_reason_return_shipping: Payer = Payer.BUYER
    quality_return_shipping: Payer = Payer.SELLER
    freight_insurance: bool = True
    refund_review_hours: int = 48
    ship_within_hours: int = 48
    return_address: str = ""

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> AftersalesPolicy:
        raw = settings.get("aftersales_policy") or {}
        base = cls(return_address=str(settings.get("return_address", "")))
        if not isinstance(raw, Mapping):
            return base
        try:
            return from_jsonable(cls, {**to_jsonable(base), **raw})
        except (TypeError, ValueError):
            return base


def _days_since(then: datetime, now: datetime) -> int:
    """Whole days started since `then` (a parcel signed 30 hours ago: day 2)."""
    return max(0, (now - then) // timedelta(days=1)) + (1 if (now - then) % timedelta(days=1) else 0)


def check_policy(
    request: ServiceRequest,
    order: Order | None,
    categories: Mapping[str, str],
    policy: AftersalesPolicy,
    now: datetime,
    *,
    open_cases_on_order: int = 0,
) -> PolicyVerdict:
    """Check a request against the shop's policy; every finding carries its reason.

    `categories` maps the order's SKUs to product categories (for excluded categories). The check
    suggests; the agent still decides whether to accept a request the policy does not cover."""
    findings: list[PolicyFinding] = []
    kind, reason = request.kind, request.reason
    if order is None or reason is None or kind not in SERVICE_KINDS:
        return PolicyVerdict()

    def add(code: str, level: FindingLevel, **params: object) -> None:
        findings.append(PolicyFinding(code, level, signal_params(**params)))

    shipped = order.shipped_at is not None
    signed = order.signed_at
    days = _days_since(signed, now) if signed else 0
    needs_goods_back = kind in (CaseKind.RETURN, CaseKind.EXCHANGE, CaseKind.REPAIR) or (
        kind is CaseKind.REFUND and request.refund_type is RefundType.RETURN_REFUND
    )
    suggestion = ""

    # 1. Where the order is.
    if order.state.value in ("待付款", "交易关闭"):
        add("order_state", FindingLevel.FAIL, state=order.state.value)
    elif needs_goods_back and not shipped:
        add("not_shipped_yet", FindingLevel.FAIL)
        suggestion = RefundType.REFUND_ONLY.value
    elif needs_goods_back and signed is None:
        add("not_signed_yet", FindingLevel.FAIL)
    elif kind is CaseKind.REFUND and request.refund_type is RefundType.REFUND_ONLY:
        if signed is not None and reason in (AftersalesReason.NO_REASON, AftersalesReason.NOT_AS_DESCRIBED):
            add("refund_only_needs_return", FindingLevel.FAIL)
            suggestion = RefundType.RETURN_REFUND.value
        elif reason is AftersalesReason.NOT_RECEIVED and signed is not None:
            add("signed_but_not_received", FindingLevel.WARN, signed=f"{signed:%Y-%m-%d %H:%M}")
        elif reason is AftersalesReason.NOT_SHIPPED and shipped:
            add("already_shipped", FindingLevel.WARN)
        elif not shipped:
            add("refund_before_shipping", FindingLevel.OK)
    else:
        add("order_state", FindingLevel.OK, state=order.state.value)

    # 2. The 7-day no-reason window, excluded categories and the goods' condition.
    if reason is AftersalesReason.NO_REASON and needs_goods_back and kind is not CaseKind.REPAIR and signed:
        excluded = sorted({categories.get(i.sku, "") for i in order.items} & set(policy.no_reason_excluded_categories))
        if excluded:
            add("no_reason_excluded", FindingLevel.FAIL, categories="、".join(excluded))
        if days <= policy.no_reason_days:
            add("no_reason_window", FindingLevel.OK, days=days, limit=policy.no_reason_days)
        else:
            add("no_reason_window", FindingLevel.FAIL, days=days, limit=policy.no_reason_days)
        if request.goods_intact:
            add("goods_intact", FindingLevel.OK)
        else:
            add("goods_not_intact", FindingLevel.FAIL)
    elif reason in SELLER_FAULT_REASONS and kind is not CaseKind.REPAIR:
        add("seller_fault", FindingLevel.OK, reason=reason.value)
    # Every kind has its period after signing, whatever the order state says: a fault of the goods
    # within the 质量问题期, an exchange for another reason within the 换货期 (repairs: the 质保期 below).
    if signed is not None and kind is not CaseKind.REPAIR:
        if reason in SELLER_FAULT_REASONS:
            level = FindingLevel.OK if days <= policy.quality_days else FindingLevel.FAIL
            add("quality_window", level, days=days, limit=policy.quality_days)
        elif kind is CaseKind.EXCHANGE and reason is not AftersalesReason.NO_REASON:
            level = FindingLevel.OK if days <= policy.exchange_days else FindingLevel.FAIL
            add("exchange_window", level, days=days, limit=policy.exchange_days)

    # 3. Warranty and who pays the repair.
    repair_payer = Payer.NONE
    if kind is CaseKind.REPAIR:
        within = signed is not None and days <= policy.warranty_days
        if request.self_repaired:
            add("self_repaired", FindingLevel.WARN)
            repair_payer = Payer.NEGOTIATE
        elif reason is AftersalesReason.HUMAN_DAMAGE:
            add("human_damage", FindingLevel.INFO)
            repair_payer = Payer.BUYER
        elif within:
            add("in_warranty", FindingLevel.OK, days=days, limit=policy.warranty_days)
            repair_payer = Payer.SELLER
        else:
            add("out_of_warranty", FindingLevel.INFO, days=days, limit=policy.warranty_days)
            repair_payer = Payer.BUYER

    # 4. Who pays the return shipping, and why.
    shipping_payer = Payer.NONE
    if needs_goods_back and shipped:
        if kind is CaseKind.REPAIR:
            shipping_payer = repair_payer
        elif reason in SELLER_FAULT_REASONS:
            shipping_payer = policy.quality_return_shipping
        else:
            shipping_payer = policy.no_reason_return_shipping
        add("shipping_payer", FindingLevel.INFO, payer=shipping_payer.value, reason=reason.value)
        if shipping_payer is Payer.BUYER and policy.freight_insurance and kind is not CaseKind.REPAIR:
            add("freight_insurance", FindingLevel.INFO)

    # 5. Amount and duplicates.
    if kind is CaseKind.REFUND and request.amount_cents:
        if request.amount_cents > order.total_cents:
            add("amount_over_paid", FindingLevel.FAIL, limit=order.total_cents)
        else:
            add("amount_within_paid", FindingLevel.OK, limit=order.total_cents)
    if open_cases_on_order:
        add("open_case_exists", FindingLevel.WARN, count=open_cases_on_order)
    return PolicyVerdict(tuple(findings), shipping_payer, repair_payer, suggestion)


# ------------------------------------------------------------------------ JSON (storage form)


def to_jsonable(value: Any) -> Any:
    """Dataclasses, enums, datetimes and tuples as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, tuple | list):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    return value


def _convert(tp: Any, raw: Any) -> Any:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(tp) if a is not type(None)]
        if raw is None:
            return None
        last: Exception | None = None
        for option in options:
            try:
                return _convert(option, raw)
            except (TypeError, ValueError) as exc:
                last = exc
        raise ValueError(f"cannot read {raw!r} as {tp}") from last
    if origin is tuple:
        args = get_args(tp)
        if not isinstance(raw, list | tuple):
            raise TypeError(f"expected a list, got {raw!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], v) for v in raw)
        return tuple(_convert(a, v) for a, v in zip(args, raw, strict=True))
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(raw, Mapping):
            raise TypeError(f"expected an object for {tp.__name__}")
        return from_jsonable(tp, raw)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(raw)
    if tp is datetime:
        if not isinstance(raw, str):
            raise TypeError(f"expected a timestamp, got {raw!r}")
        return datetime.fromisoformat(raw)
    if tp is bool:
        if not isinstance(raw, bool):
            raise TypeError(f"expected true/false, got {raw!r}")
        return raw
    if tp is int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise TypeError(f"expected an integer, got {raw!r}")
        return raw
    if tp is str:
        if not isinstance(raw, str):
            raise TypeError(f"expected text, got {raw!r}")
        return raw
    if tp is Any:
        return raw
    raise TypeError(f"unsupported type {tp}")  # pragma: no cover - only our own dataclasses come here


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _hints(cls: type[Any]) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = get_type_hints(cls)
    return _HINTS[cls]


_D = TypeVar("_D", bound="DataclassInstance")


def from_jsonable(cls: type[_D], data: Mapping[str, Any]) -> _D:
    """Build dataclass `cls` from `to_jsonable` output; missing keys take their defaults, unknown keys
    are ignored (older and newer records still read)."""
    hints = _hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = _convert(hints[f.name], data[f.name])
    return cls(**kwargs)


def details_from_json(kind: CaseKind, data: Mapping[str, Any]) -> Details:
    details: Details = from_jsonable(DETAILS_TYPE[kind], data)
    return details


def summary_line(text: str, limit: int = 60) -> str:
    """The first line of `text`, shortened to `limit` characters."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first if len(first) <= limit else first[: limit - 1] + "…"


def join_items(items: Iterable[str]) -> str:
    return "；".join(items)


def items_refund_cents(order: Order, picked: Iterable[int]) -> int:
    """What the buyer paid for the picked items (indexes into `order.items`): their share of what the
    order cost, discount included, so that returning one item of several does not refund the whole
    order. Nothing or everything picked: the order's total."""
    chosen = {n for n in picked if 0 <= n < len(order.items)}
    subtotal = sum(i.price_cents * i.quantity for i in order.items)
    part = sum(order.items[n].price_cents * order.items[n].quantity for n in chosen)
    if not subtotal or not 0 < part < subtotal:
        return order.total_cents
    return min(order.total_cents, round(order.total_cents * part / subtotal))
