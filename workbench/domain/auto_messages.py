"""Auto messages (跟单 / 店小秘): messages sent to buyers on order events, their templates and rules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum

from workbench.domain.errors import DomainError
from workbench.domain.text import clean_text

MAX_TEMPLATE = 300
MAX_DELAY_MINUTES = 7 * 24 * 60
MAX_BULK_RECIPIENTS = 500


class AutoKind(StrEnum):
    PAID = "paid"  # 付款消息
    SHIPPED = "shipped"  # 发货提醒
    UNPAID = "unpaid"  # 自动催付
    DELAYED = "delayed"  # 延迟发货通知
    GOOD_REVIEW = "good_review"  # 好评自动回复
    BULK = "bulk"  # 批量发消息
    BUSY = "busy"  # 忙碌自动回复: to a new buyer while no agent can take them (all 挂起 or 离线)


class OrderEventKind(StrEnum):
    CREATED = "created"  # a new order, not paid yet
    PAID = "paid"
    SHIPPED = "shipped"
    SIGNED = "signed"
    REVIEWED = "reviewed"


class LogStatus(StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"


# Every placeholder a template may use, and which kinds of message can fill it.
ORDER_KINDS = frozenset({AutoKind.PAID, AutoKind.SHIPPED, AutoKind.UNPAID, AutoKind.DELAYED, AutoKind.GOOD_REVIEW})
PLACEHOLDERS: dict[str, frozenset[AutoKind]] = {
    "买家昵称": frozenset(AutoKind),
    "店铺名": frozenset(AutoKind),
    "订单号": ORDER_KINDS,
    "商品": ORDER_KINDS,
    "金额": ORDER_KINDS,
    "物流公司": frozenset({AutoKind.SHIPPED}),
    "运单号": frozenset({AutoKind.SHIPPED}),
    "发货时限": frozenset({AutoKind.PAID, AutoKind.DELAYED}),
}
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
# Example values for previewing a template (店铺名 comes from the shop).
SAMPLE_VALUES: dict[str, str] = {
    "买家昵称": "tb_小鹿同学",
    "订单号": "2026111112345678",
    "商品": "法式碎花连衣裙",
    "金额": "199.00",
    "物流公司": "中通快递",
    "运单号": "78123456789012",
    "发货时限": "48小时",
}


@dataclass(frozen=True, slots=True)
class AutoRule:
    kind: AutoKind
    enabled: bool = False
    template: str = ""
    delay_minutes: int = 0  # 自动催付: minutes after the order was placed
    min_amount_cents: int = 0  # 自动催付: only orders of at least this amount
    skip_bad_reviewers: bool = True  # 自动催付: not to buyers who left a bad review before
    quiet_enabled: bool = True  # 自动催付: nothing during quiet hours; sent when they end
    quiet_start: time = time(22, 0)
    quiet_end: time = time(8, 0)
    since: datetime | None = None  # when it was switched on: older orders are left alone


DEFAULT_TEMPLATES: dict[AutoKind, str] = {
    AutoKind.PAID: (
        "亲爱的{买家昵称}，您在{店铺名}拍下的{商品}已付款成功（订单号 {订单号}），我们会在{发货时限}内为您发货～"
    ),
    AutoKind.SHIPPED: "亲，您的{商品}已经发货啦！{物流公司}，运单号 {运单号}，请留意查收哦～",
    AutoKind.UNPAID: "亲，您拍下的{商品}还没有付款哦，库存紧张，付款后我们会尽快为您发货～",
    AutoKind.DELAYED: "亲，非常抱歉，您的订单 {订单号} 因备货原因会晚一些发货，我们会尽快安排，给您添麻烦了～",
    AutoKind.GOOD_REVIEW: "感谢{买家昵称}的好评！您的满意是我们最大的动力，期待您再次光临{店铺名}～",
    AutoKind.BULK: "亲爱的{买家昵称}，{店铺名}上新啦，老顾客专享满199减20，欢迎回来逛逛～",
    AutoKind.BUSY: "亲，客服暂时忙碌，请您稍候，我们会尽快回复您～您也可以先把问题留言给我们哦",
}
# On unless the shop switches them off: a buyer nobody can take is told so, as 千牛 does by default.
ON_BY_DEFAULT = frozenset({AutoKind.BUSY})


def default_rules() -> dict[AutoKind, AutoRule]:
    return {
        kind: AutoRule(
            kind, enabled=kind in ON_BY_DEFAULT, template=text, delay_minutes=30 if kind is AutoKind.UNPAID else 0
        )
        for kind, text in DEFAULT_TEMPLATES.items()
    }


@dataclass(frozen=True, slots=True)
class OrderEvent:
    kind: OrderEventKind
    order_id: int
    order_no: str
    customer_id: int
    at: datetime
    rating: str = ""  # REVIEWED: "good" / "neutral" / "bad"


@dataclass(frozen=True, slots=True)
class AutoLogEntry:
    """One auto message, sent or skipped (with the reason)."""

    id: int
    kind: AutoKind
    customer_id: int | None
    customer_nick: str
    order_no: str
    text: str
    status: LogStatus
    reason: str
    at: datetime
    conversation_id: int | None = None


@dataclass(frozen=True, slots=True)
class BulkTarget:
    """Who 批量发消息 goes to: everyone, a tag, buyers with an order in a state, 88VIP, a member level."""

    kind: str  # "all" | "tag" | "order_state" | "vip" | "member_level"
    value: str = ""


@dataclass(frozen=True, slots=True)
class Planned:
    """What a rule makes of an event: a text to send at `due`, or a skip with its reason."""

    kind: AutoKind
    text: str = ""
    due: datetime | None = None
    skip_reason: str = ""
    values: Mapping[str, str] = field(default_factory=dict)


def sample_values(shop_name: str) -> dict[str, str]:
    """Example values for previewing a template in the shop's name."""
    return {**SAMPLE_VALUES, "店铺名": shop_name}


def check_template(template: str, kind: AutoKind) -> str:
    """Strip and check a template; unknown or unavailable placeholders are errors naming them."""
    text = clean_text(template, field="template")
    if not text:
        raise DomainError("template.empty", field="template")
    if len(text) > MAX_TEMPLATE:
        raise DomainError("template.too_long", field="template", length=len(text), limit=MAX_TEMPLATE)
    depth = 0
    for ch in text:
        depth += 1 if ch == "{" else -1 if ch == "}" else 0
        if depth < 0 or depth > 1:
            raise DomainError("template.braces", field="template")
    if depth:
        raise DomainError("template.braces", field="template")
    for name in PLACEHOLDER.findall(text):
        if name not in PLACEHOLDERS:
            raise DomainError("template.unknown_placeholder", field="template", name=name)
        if kind not in PLACEHOLDERS[name]:
            raise DomainError("template.unavailable_placeholder", field="template", name=name)
    return text


def placeholders_for(kind: AutoKind) -> tuple[str, ...]:
    return tuple(name for name, kinds in PLACEHOLDERS.items() if kind in kinds)


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill {placeholders}; a missing value leaves an empty string, never the braces."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), template)


def check_rule(rule: AutoRule) -> AutoRule:
    text = check_template(rule.template, rule.kind)
    if not 0 <= rule.delay_minutes <= MAX_DELAY_MINUTES:
        raise DomainError("rule.delay_range", field="delay_minutes", limit=MAX_DELAY_MINUTES)
    if rule.min_amount_cents < 0:
        raise DomainError("rule.amount_negative", field="min_amount")
    if rule.quiet_enabled and rule.quiet_start == rule.quiet_end:
        raise DomainError("rule.quiet_empty", field="quiet_hours")
    return AutoRule(
        rule.kind, rule.enabled, text, rule.delay_minutes, rule.min_amount_cents, rule.skip_bad_reviewers,
        rule.quiet_enabled, rule.quiet_start, rule.quiet_end, rule.since,
    )  # fmt: skip


def in_quiet_hours(t: time, start: time, end: time) -> bool:
    if start <= end:
        return start <= t < end
    return t >= start or t < end


def after_quiet_hours(at: datetime, start: time, end: time) -> datetime:
    """`at`, or the end of the quiet hours it falls in."""
    if not in_quiet_hours(at.time(), start, end):
        return at
    day = at.date() if at.time() < end else at.date() + timedelta(days=1)
    return datetime.combine(day, end)


def plan_unpaid(rule: AutoRule, *, created_at: datetime, total_cents: int, bad_reviews: int, now: datetime) -> Planned:
    """自动催付 for an unpaid order: skipped for small amounts and past bad reviewers; due `delay`
    after the order was placed, moved past the quiet hours."""
    if total_cents < rule.min_amount_cents:
        return Planned(AutoKind.UNPAID, skip_reason=f"订单金额低于 {rule.min_amount_cents / 100:.2f} 元")
    if rule.skip_bad_reviewers and bad_reviews > 0:
        return Planned(AutoKind.UNPAID, skip_reason="买家有过差评，不催付")
    due = created_at + timedelta(minutes=rule.delay_minutes)
    if rule.quiet_enabled:
        due = after_quiet_hours(max(due, now), rule.quiet_start, rule.quiet_end)
    return Planned(AutoKind.UNPAID, due=due)
