"""Customer relationship management (客户运营): filters, RFM segments, groups, follow-ups, care messages.

Plain dataclasses and rules, no I/O. Storage turns filters into SQL; the same rules are written here
in Python (``rfm_scores``, ``segment_of``) so tests can check the SQL against them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Any

from workbench.domain.customers import Tag
from workbench.domain.errors import DomainError
from workbench.domain.orders import OrderState
from workbench.domain.text import clean_line, clean_search, clean_text

# Values stored on customers (the platform's own words).
TRAFFIC_SOURCES: tuple[str, ...] = ("站内免费", "站内付费", "自主访问", "站外")
MEMBER_LEVELS: tuple[str, ...] = ("普通会员", "银卡", "金卡", "钻石")
CREDIT_TIERS: tuple[str, ...] = ("心", "钻", "冠", "金冠")
GENDERS: tuple[str, ...] = ("女", "男")
VIP_TAG = "88VIP"

# Orders that count as a purchase for RFM: paid and not closed or being refunded.
PURCHASE_STATES: tuple[OrderState, ...] = (
    OrderState.AWAITING_SHIPMENT,
    OrderState.SHIPPED,
    OrderState.SIGNED,
    OrderState.COMPLETED,
)

MAX_GROUP_NAME = 20
MAX_TEMPLATE_NAME = 20
MAX_TEMPLATE_TEXT = 500
MAX_RULE_NAME = 30
MAX_FOLLOWUP_NOTE = 500
MAX_CARE_RECIPIENTS = 5000
MAX_PREFERENCE_FIELD = 50
MAX_NAME_LENGTH = 60
MAX_CITY_LENGTH = 40

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class Segment(StrEnum):
    """RFM segments, best first; NONE is a customer who never bought."""

    HIGH_VALUE = "high_value"  # 高价值
    POTENTIAL = "potential"  # 潜力
    NEW = "new"  # 新客
    AT_RISK = "at_risk"  # 流失预警
    CHURNED = "churned"  # 已流失
    NONE = "none"  # 未购买


class TagMatch(StrEnum):
    ANY = "any"  # has at least one of the tags
    ALL = "all"  # has every tag
    NONE = "none"  # has none of the tags


class SortKey(StrEnum):
    """Sortable columns of the customer list; each is backed by an index."""

    ID = "id"  # newest customers first when descending
    NICK = "nick"
    ORDERS = "orders"
    SPENT = "spent"
    LAST_ORDER = "last_order"


# -------------------------------------------------------------------------------------------- filters


def _ids(values: Any) -> tuple[int, ...]:
    return tuple(sorted({int(v) for v in values or ()}))


def _strs(values: Any) -> tuple[str, ...]:
    return tuple(sorted({str(v) for v in values or ()}))


@dataclass(frozen=True, slots=True)
class CustomerFilter:
    """What the customer list shows. Empty fields do not filter. Saved as JSON by dynamic groups."""

    search: str = ""  # nick, name or phone (digits)
    tag_ids: tuple[int, ...] = ()
    tag_match: TagMatch = TagMatch.ANY
    levels: tuple[str, ...] = ()
    segments: tuple[Segment, ...] = ()
    sources: tuple[str, ...] = ()
    vip88: bool | None = None
    credit_tiers: tuple[str, ...] = ()
    last_order_from: date | None = None
    last_order_to: date | None = None  # inclusive
    min_spent_cents: int | None = None
    max_spent_cents: int | None = None
    min_orders: int | None = None
    max_orders: int | None = None
    group_id: int | None = None  # members of a static group

    def is_empty(self) -> bool:
        return self == CustomerFilter()

    def needs_stats(self) -> bool:
        """Whether the filter looks at order statistics (segment, spend, order count, last order)."""
        return bool(
            self.segments
            or self.last_order_from
            or self.last_order_to
            or self.min_spent_cents is not None
            or self.max_spent_cents is not None
            or self.min_orders is not None
            or self.max_orders is not None
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value in (None, "", ()) or (f.name == "tag_match" and value is TagMatch.ANY):
                continue
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = [str(v) if isinstance(v, StrEnum) else v for v in value]
            elif isinstance(value, StrEnum):
                value = value.value
            out[f.name] = value
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CustomerFilter:
        """Read a saved filter; unknown keys are ignored, bad values raise DomainError("filter.invalid")."""
        try:

            def opt_int(key: str) -> int | None:
                value = data.get(key)
                return None if value is None or value == "" else int(value)

            def opt_date(key: str) -> date | None:
                value = data.get(key)
                return date.fromisoformat(value) if value else None

            vip = data.get("vip88")
            return cls(
                search=str(data.get("search", "")),
                tag_ids=_ids(data.get("tag_ids")),
                tag_match=TagMatch(data.get("tag_match", TagMatch.ANY.value)),
                levels=_strs(data.get("levels")),
                segments=tuple(sorted({Segment(v) for v in data.get("segments") or ()})),
                sources=_strs(data.get("sources")),
                vip88=None if vip is None else bool(vip),
                credit_tiers=_strs(data.get("credit_tiers")),
                last_order_from=opt_date("last_order_from"),
                last_order_to=opt_date("last_order_to"),
                min_spent_cents=opt_int("min_spent_cents"),
                max_spent_cents=opt_int("max_spent_cents"),
                min_orders=opt_int("min_orders"),
                max_orders=opt_int("max_orders"),
                group_id=opt_int("group_id"),
            ).validated()
        except (TypeError, ValueError) as exc:
            raise DomainError("filter.invalid", detail=str(exc)) from exc

    @classmethod
    def from_json(cls, text: str) -> CustomerFilter:
        try:
            data = json.loads(text or "{}")
        except ValueError as exc:
            raise DomainError("filter.invalid", detail=str(exc)) from exc
        if not isinstance(data, dict):
            raise DomainError("filter.invalid", detail="not an object")
        return cls.from_dict(data)

    def validated(self) -> CustomerFilter:
        """Normalised copy (sorted, de-duplicated); raises DomainError for impossible ranges."""
        for low, high, code in (
            (self.min_spent_cents, self.max_spent_cents, "filter.spent_range"),
            (self.min_orders, self.max_orders, "filter.orders_range"),
        ):
            if (low is not None and low < 0) or (high is not None and high < 0):
                raise DomainError(code)
            if low is not None and high is not None and low > high:
                raise DomainError(code)
        if self.last_order_from and self.last_order_to and self.last_order_from > self.last_order_to:
            raise DomainError("filter.date_range")
        bad_tiers = set(self.credit_tiers) - set(CREDIT_TIERS)
        if bad_tiers:
            raise DomainError("filter.invalid", detail=f"credit tiers {sorted(bad_tiers)}")
        return replace(
            self,
            search=clean_search(self.search),
            tag_ids=_ids(self.tag_ids),
            levels=_strs(self.levels),
            segments=tuple(sorted(set(self.segments))),
            sources=_strs(self.sources),
            credit_tiers=_strs(self.credit_tiers),
        )

    def without_tags(self, removed: Sequence[int]) -> CustomerFilter:
        return replace(self, tag_ids=tuple(t for t in self.tag_ids if t not in set(removed)))

    def with_tag_merged(self, sources: Sequence[int], target: int) -> CustomerFilter:
        if not set(sources) & set(self.tag_ids):
            return self
        return replace(self, tag_ids=_ids([target if t in set(sources) else t for t in self.tag_ids]))


@dataclass(frozen=True, slots=True)
class Selection:
    """Which customers a bulk action applies to: explicit ids, or everyone matching a filter."""

    ids: tuple[int, ...] = ()
    filter: CustomerFilter | None = None

    @classmethod
    def of(cls, ids: Sequence[int]) -> Selection:
        return cls(ids=tuple(dict.fromkeys(int(i) for i in ids)))

    @classmethod
    def matching(cls, customer_filter: CustomerFilter) -> Selection:
        return cls(filter=customer_filter)

    def is_empty(self) -> bool:
        return self.filter is None and not self.ids


def credit_tier(level: str) -> str:
    """3钻 → 钻, 2金冠 → 金冠; "" when unknown."""
    level = level.strip()
    for tier in sorted(CREDIT_TIERS, key=len, reverse=True):
        if level.endswith(tier) and level[: -len(tier)].isdigit():
            return tier
    return ""


# ------------------------------------------------------------------------------------------- RFM


def _ascending(values: Sequence[int], code: str) -> tuple[int, ...]:
    out = tuple(int(v) for v in values)
    if len(out) != 4 or any(v <= 0 for v in out) or any(a >= b for a, b in pairwise(out)):
        raise DomainError(code)
    return out


@dataclass(frozen=True, slots=True)
class RfmSettings:
    """Thresholds for RFM scores (1–5), segments and member levels; a shop can change them.

    recency_days      R = 5 when the last purchase is within recency_days[0] days, 4 within [1], …, else 1
    frequency_orders  F = 1 below frequency_orders[0] purchases, 2 from [0], 3 from [1], 4 from [2], 5 from [3]
    monetary_cents    M likewise by total spend
    new_days          a one-purchase customer within this many days is 新客 (otherwise 潜力 or worse)
    at_risk_days      no purchase for longer than this: 流失预警
    churned_days      no purchase for longer than this: 已流失
    high_value_orders, high_value_cents   both reached (and still active): 高价值
    level_cents       member levels (MEMBER_LEVELS[1:]) reached by total spend
    """

    recency_days: tuple[int, ...] = (30, 90, 180, 365)
    frequency_orders: tuple[int, ...] = (2, 3, 5, 8)
    monetary_cents: tuple[int, ...] = (30_000, 80_000, 150_000, 300_000)
    new_days: int = 90
    at_risk_days: int = 90
    churned_days: int = 180
    high_value_orders: int = 3
    high_value_cents: int = 80_000
    level_cents: tuple[int, ...] = (50_000, 150_000, 300_000)

    def validated(self) -> RfmSettings:
        recency = _ascending(self.recency_days, "rfm.recency")
        frequency = _ascending(self.frequency_orders, "rfm.frequency")
        monetary = _ascending(self.monetary_cents, "rfm.monetary")
        levels = tuple(int(v) for v in self.level_cents)
        if len(levels) != len(MEMBER_LEVELS) - 1 or any(v <= 0 for v in levels) or list(levels) != sorted(set(levels)):
            raise DomainError("rfm.levels")
        if not 0 < self.at_risk_days < self.churned_days:
            raise DomainError("rfm.churn_days")
        if not 0 < self.new_days <= self.churned_days:
            raise DomainError("rfm.new_days")
        if self.high_value_orders < 1 or self.high_value_cents < 1:
            raise DomainError("rfm.high_value")
        return replace(
            self, recency_days=recency, frequency_orders=frequency, monetary_cents=monetary, level_cents=levels
        )

    def to_dict(self) -> dict[str, Any]:
        return {f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v for f in fields(self)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> RfmSettings:
        """Saved settings; missing keys keep their defaults, broken text gives the defaults."""
        try:
            data = json.loads(text or "{}")
            known = {f.name for f in fields(cls)}
            values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known}
            return cls(**values).validated()
        except (ValueError, TypeError, DomainError):
            return cls()


def _score_up(value: int, thresholds: Sequence[int]) -> int:
    """1 below thresholds[0], 2 from thresholds[0], … 5 from thresholds[3]."""
    return 1 + sum(1 for t in thresholds if value >= t)


def recency_score(last_order_at: datetime | None, now: datetime, settings: RfmSettings) -> int:
    if last_order_at is None:
        return 0
    for score, days in zip((5, 4, 3, 2), settings.recency_days, strict=True):
        if last_order_at >= now - timedelta(days=days):
            return score
    return 1


def rfm_scores(
    last_order_at: datetime | None, order_count: int, total_cents: int, now: datetime, settings: RfmSettings
) -> tuple[int, int, int]:
    """(R, F, M), each 1–5; (0, 0, 0) for a customer who never bought."""
    if order_count <= 0 or last_order_at is None:
        return (0, 0, 0)
    return (
        recency_score(last_order_at, now, settings),
        _score_up(order_count, settings.frequency_orders),
        _score_up(total_cents, settings.monetary_cents),
    )


def segment_of(
    last_order_at: datetime | None, order_count: int, total_cents: int, now: datetime, settings: RfmSettings
) -> Segment:
    """The customer's segment; the storage layer computes the same in SQL."""
    if order_count <= 0 or last_order_at is None:
        return Segment.NONE
    if last_order_at < now - timedelta(days=settings.churned_days):
        return Segment.CHURNED
    if last_order_at < now - timedelta(days=settings.at_risk_days):
        return Segment.AT_RISK
    if order_count >= settings.high_value_orders and total_cents >= settings.high_value_cents:
        return Segment.HIGH_VALUE
    if order_count == 1 and last_order_at >= now - timedelta(days=settings.new_days):
        return Segment.NEW
    return Segment.POTENTIAL


def member_level_for(total_cents: int, settings: RfmSettings) -> str:
    level = MEMBER_LEVELS[0]
    for name, threshold in zip(MEMBER_LEVELS[1:], settings.level_cents, strict=True):
        if total_cents >= threshold:
            level = name
    return level


# ---------------------------------------------------------------------------------- list and profile


@dataclass(frozen=True, slots=True)
class TagRef:
    id: int
    name: str
    color: str


@dataclass(frozen=True, slots=True)
class CustomerStats:
    order_count: int = 0
    total_cents: int = 0
    first_order_at: datetime | None = None
    last_order_at: datetime | None = None
    r: int = 0
    f: int = 0
    m: int = 0
    segment: Segment = Segment.NONE

    @property
    def average_cents(self) -> int:
        return self.total_cents // self.order_count if self.order_count else 0


@dataclass(frozen=True, slots=True)
class CustomerListItem:
    """One row of the customer list. The phone is masked here: the full number never reaches a list."""

    id: int
    nick: str
    name: str
    phone_masked: str
    gender: str
    city: str
    credit_level: str
    is_88vip: bool
    traffic_source: str
    member_level: str
    points: int
    registered_at: datetime | None
    stats: CustomerStats
    tags: tuple[TagRef, ...] = ()


@dataclass(frozen=True, slots=True)
class CustomerExtras:
    """Preferences kept by the shop beyond the platform's profile (风格, 尺码, body data, birthday)."""

    style: str = ""
    size: str = ""
    height_cm: int | None = None
    weight_jin: int | None = None
    birthday: date | None = None


@dataclass(frozen=True, slots=True)
class ProfileEdit:
    """Editable profile fields; None leaves a field unchanged."""

    name: str | None = None
    phone: str | None = None
    gender: str | None = None
    city: str | None = None
    traffic_source: str | None = None
    member_level: str | None = None
    points: int | None = None
    preferences: str | None = None
    style: str | None = None
    size: str | None = None
    height_cm: int | None = None
    weight_jin: int | None = None
    birthday: date | None = None

    def validated(self) -> ProfileEdit:
        """The edit with its typed texts cleaned (`workbench.domain.text`), or the first problem."""
        edit = replace(
            self,
            name=_clean_optional(self.name, "name"),
            city=_clean_optional(self.city, "city"),
            style=_clean_optional(self.style, "style"),
            size=_clean_optional(self.size, "size"),
            preferences=None if self.preferences is None else clean_text(self.preferences, field="preferences"),
        )
        if edit.phone is not None and edit.phone and not re.fullmatch(r"1\d{10}", edit.phone.strip()):
            raise DomainError("customer.phone", field="phone")
        if edit.traffic_source not in (None, "", *TRAFFIC_SOURCES):
            raise DomainError("customer.source", field="traffic_source")
        if edit.member_level not in (None, "", *MEMBER_LEVELS):
            raise DomainError("customer.level", field="member_level")
        if edit.points is not None and edit.points < 0:
            raise DomainError("customer.points", field="points")
        if edit.gender not in (None, "", *GENDERS):
            raise DomainError("customer.gender", field="gender")
        for name, limit in (
            ("style", MAX_PREFERENCE_FIELD),
            ("size", MAX_PREFERENCE_FIELD),
            ("name", MAX_NAME_LENGTH),  # the database columns' widths: PostgreSQL refuses longer text
            ("city", MAX_CITY_LENGTH),
        ):
            value = getattr(edit, name)
            if value is not None and len(value) > limit:
                raise DomainError("customer.too_long", field=name, limit=limit)
        for name, low, high in (("height_cm", 50, 250), ("weight_jin", 20, 400)):
            value = getattr(edit, name)
            if value is not None and not low <= value <= high:
                raise DomainError("customer.body", field=name, low=low, high=high)
        return replace(edit, phone=edit.phone.strip() if edit.phone is not None else None)


def _clean_optional(value: str | None, field: str) -> str | None:
    return None if value is None else clean_line(value, field=field)


class TimelineKind(StrEnum):
    REGISTERED = "registered"  # platform account registered
    ORDER = "order"  # 下单
    PAID = "paid"
    SHIPPED = "shipped"
    SIGNED = "signed"
    REFUND = "refund"  # order in 退款中
    CLOSED = "closed"
    CHAT = "chat"  # a conversation
    NOTE = "note"
    TAG = "tag"
    FOLLOWUP = "followup"  # scheduled
    CARE = "care"  # a care message was sent
    FOLLOWUP_DONE = "followup_done"
    CASE = "case"  # after-sales case (from another module)
    REVIEW = "review"  # review (from another module)


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """One thing that happened to a customer. ``params`` fill the UI's translated sentence."""

    at: datetime
    kind: TimelineKind
    title: str = ""  # order no, tag name, note text, …
    detail: str = ""
    ref_id: int = 0
    params: tuple[tuple[str, str], ...] = ()

    def param(self, key: str) -> str:
        return next((v for k, v in self.params if k == key), "")


MAX_TIMELINE = 300


def sorted_timeline(events: Sequence[TimelineEvent], limit: int = MAX_TIMELINE) -> tuple[TimelineEvent, ...]:
    """Newest first (stable for equal times: the given order), at most ``limit`` events."""
    ordered = sorted(enumerate(events), key=lambda pair: (pair[1].at, -pair[0]), reverse=True)
    return tuple(e for _, e in ordered[:limit])


@dataclass(frozen=True, slots=True)
class ChatSummary:
    id: int
    started_at: datetime
    last_message_at: datetime
    state: str
    last_message: str
    message_count: int


# ------------------------------------------------------------------------------------- tags, groups


@dataclass(frozen=True, slots=True)
class TagUsage:
    """A library tag and how many customers carry it. Official entries have ``id`` 0 when they are
    derived from customer fields (88VIP, credit tiers) rather than stored tags."""

    id: int
    name: str
    color: str
    group: str
    official: bool
    count: int


def is_official_tag(tag: Tag | TagUsage | str) -> bool:
    """Whether the platform sets this tag, so no agent may add it to or remove it from a customer by hand.

    Official are 88VIP, the credit tiers (心 钻 冠 金冠) and levels (3钻, 1金冠 …), whatever their spacing
    or letter case, and any tag the shop's library flags ``official``. A bare name is judged by its
    name; a library tag by its name and its flag.
    """
    name = tag if isinstance(tag, str) else tag.name
    if not isinstance(tag, str) and tag.official:
        return True
    compact = "".join(name.split())
    return compact.casefold() == VIP_TAG.casefold() or compact in CREDIT_TIERS or bool(credit_tier(compact))


def check_tag_assignable(tag: Tag | TagUsage | str) -> None:
    """Raise ``tag.official`` for a tag an agent may not add or remove (see ``is_official_tag``).

    Services call it to enforce the rule; widgets call it to refuse beside the field before any write.
    """
    if is_official_tag(tag):
        name = tag if isinstance(tag, str) else tag.name
        raise DomainError("tag.official", field="tag", name=" ".join(name.split()))


def clean_color(color: str) -> str:
    color = color.strip()
    if not _COLOR.match(color):
        raise DomainError("tag.color", field="color", color=color)
    return color.lower()


def clean_group_name(name: str) -> str:
    name = clean_line(name, field="name")
    if not name:
        raise DomainError("group.empty", field="name")
    if len(name) > MAX_GROUP_NAME:
        raise DomainError("group.too_long", field="name", limit=MAX_GROUP_NAME)
    return name


class GroupKind(StrEnum):
    FILTER = "filter"  # 动态分组: a saved filter, members follow the data
    STATIC = "static"  # 静态分组: customers put in by hand


@dataclass(frozen=True, slots=True)
class CustomerGroup:
    id: int
    name: str
    kind: GroupKind
    filter: CustomerFilter
    created_at: datetime
    note: str = ""

    def customer_filter(self) -> CustomerFilter:
        """The list filter that shows the group's customers."""
        if self.kind is GroupKind.STATIC:
            return CustomerFilter(group_id=self.id)
        return self.filter


# ----------------------------------------------------------------------------------------- follow-ups


class RuleTrigger(StrEnum):
    SIGNED = "signed"  # N–M days after the parcel was signed for (签收后关怀)
    AT_RISK = "at_risk"  # customers in 流失预警 not contacted for M days (召回)


class FollowUpStatus(StrEnum):
    PENDING = "pending"  # 待回访
    SENT = "sent"  # care message sent, outcome not yet recorded
    DONE = "done"  # 已完成 (outcome recorded)
    CANCELLED = "cancelled"


class FollowUpOutcome(StrEnum):
    SATISFIED = "satisfied"  # 满意
    NEUTRAL = "neutral"  # 一般
    UNSATISFIED = "unsatisfied"  # 不满意 (needs after-sales attention)
    REPURCHASE = "repurchase"  # 有复购意向
    NO_REPLY = "no_reply"  # 未回复 / 联系不上


class FollowUpSource(StrEnum):
    RULE = "rule"
    MANUAL = "manual"
    CARE = "care"  # a care message sent from the list


class FollowUpView(StrEnum):
    DUE = "due"  # pending and due by the end of today (incl. overdue)
    OVERDUE = "overdue"  # pending and due before today
    UPCOMING = "upcoming"  # pending, due after today
    AWAITING = "awaiting"  # care message sent, outcome missing
    DONE = "done"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class CareTemplate:
    id: int
    name: str
    text: str


@dataclass(frozen=True, slots=True)
class FollowUpRule:
    id: int
    name: str
    trigger: RuleTrigger
    min_days: int
    max_days: int
    template_id: int | None
    enabled: bool = True

    def validated(self) -> FollowUpRule:
        name = clean_line(self.name, field="name")
        if not name:
            raise DomainError("rule.empty", field="name")
        if len(name) > MAX_RULE_NAME:
            raise DomainError("rule.too_long", field="name", limit=MAX_RULE_NAME)
        if not 0 <= self.min_days <= self.max_days or self.max_days > 365:
            raise DomainError("rule.days", field="days")
        return replace(self, name=name)


@dataclass(frozen=True, slots=True)
class FollowUp:
    id: int
    customer_id: int
    customer_nick: str
    phone_masked: str
    due_at: datetime
    status: FollowUpStatus
    source: FollowUpSource
    reason: str = ""
    order_id: int | None = None
    order_no: str = ""
    rule_id: int | None = None
    template_id: int | None = None
    message: str = ""
    sent_at: datetime | None = None
    outcome: FollowUpOutcome | None = None
    outcome_note: str = ""
    done_at: datetime | None = None
    agent: str = ""
    created_at: datetime | None = None

    def is_overdue(self, now: datetime) -> bool:
        return self.status is FollowUpStatus.PENDING and self.due_at.date() < now.date()


PLACEHOLDERS: tuple[str, ...] = ("买家昵称", "姓名", "订单号", "商品", "店铺", "会员等级", "积分")


def placeholders_in(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.group(1) for m in _PLACEHOLDER.finditer(text)))


def clean_template(name: str, text: str) -> tuple[str, str]:
    name = clean_line(name, field="name")
    text = clean_text(text, field="text")
    if not name:
        raise DomainError("template.empty_name", field="name")
    if len(name) > MAX_TEMPLATE_NAME:
        raise DomainError("template.name_too_long", field="name", limit=MAX_TEMPLATE_NAME)
    if not text:
        raise DomainError("template.empty", field="text")
    if len(text) > MAX_TEMPLATE_TEXT:
        raise DomainError("template.too_long", field="text", limit=MAX_TEMPLATE_TEXT)
    unknown = [p for p in placeholders_in(text) if p not in PLACEHOLDERS]
    if unknown:
        raise DomainError("template.placeholder", field="text", name=unknown[0])
    return name, text


def render_care(text: str, values: Mapping[str, str]) -> str:
    """Fill {买家昵称}-style placeholders; a missing value becomes empty, never a raw brace."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), text).strip()


# ------------------------------------------------------------------------------------------ dashboard


@dataclass(frozen=True, slots=True)
class SegmentStat:
    segment: Segment
    customers: int
    total_cents: int
    orders: int


@dataclass(frozen=True, slots=True)
class SourceStat:
    source: str
    customers: int
    buyers: int
    repeat_buyers: int

    @property
    def repurchase_rate(self) -> float:
        return self.repeat_buyers / self.buyers if self.buyers else 0.0


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Segment and source counts for the 会员分层 page."""

    computed_at: datetime | None
    customers: int
    buyers: int
    repeat_buyers: int
    total_cents: int
    orders: int
    segments: tuple[SegmentStat, ...]
    sources: tuple[SourceStat, ...]
    levels: tuple[tuple[str, int], ...]
    settings: RfmSettings = field(default_factory=RfmSettings)

    @property
    def repurchase_rate(self) -> float:
        """Share of buyers with two or more purchases (复购率)."""
        return self.repeat_buyers / self.buyers if self.buyers else 0.0

    def segment_count(self, segment: Segment) -> int:
        return next((s.customers for s in self.segments if s.segment is segment), 0)


# ---------------------------------------------------------------------------------------- import


@dataclass(frozen=True, slots=True)
class ImportIssue:
    """A problem on one line of an import file (line 1 is the header)."""

    line: int
    code: str
    column: str = ""
    value: str = ""
    other_line: int = 0


class ImportFailed(DomainError):
    """The file was not imported; ``issues`` say where and why (nothing was written)."""

    def __init__(self, issues: Sequence[ImportIssue]) -> None:
        super().__init__("import.failed", count=len(issues))
        self.issues = tuple(issues)


class MergePolicy(StrEnum):
    SKIP = "skip"  # keep the existing customer / order untouched
    FILL = "fill"  # fill the existing record's empty fields from the file
    OVERWRITE = "overwrite"  # the file's non-empty values replace the existing ones
