"""Auto-message templates, placeholders, quiet hours and the 自动催付 plan."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from workbench.domain.auto_messages import (
    DEFAULT_TEMPLATES,
    AutoKind,
    AutoRule,
    after_quiet_hours,
    check_rule,
    check_template,
    placeholders_for,
    plan_unpaid,
    render,
)
from workbench.domain.errors import DomainError


@pytest.mark.parametrize("kind", list(AutoKind))
def test_the_default_templates_are_valid(kind: AutoKind) -> None:
    assert check_template(DEFAULT_TEMPLATES[kind], kind) == DEFAULT_TEMPLATES[kind]


@pytest.mark.parametrize(
    ("template", "kind", "code", "name"),
    [
        ("亲爱的{买家名字}，您好", AutoKind.PAID, "template.unknown_placeholder", "买家名字"),
        ("您的运单号 {运单号}", AutoKind.PAID, "template.unavailable_placeholder", "运单号"),
        ("订单 {订单号} 已收到", AutoKind.BULK, "template.unavailable_placeholder", "订单号"),
        ("你好 {买家昵称", AutoKind.PAID, "template.braces", None),
        ("你好 {{买家昵称}}", AutoKind.PAID, "template.braces", None),
        ("   ", AutoKind.SHIPPED, "template.empty", None),
        ("长" * 301, AutoKind.SHIPPED, "template.too_long", None),
    ],
)
def test_bad_templates_name_the_problem(template: str, kind: AutoKind, code: str, name: str | None) -> None:
    with pytest.raises(DomainError) as info:
        check_template(template, kind)
    assert info.value.code == code and info.value.field == "template"
    assert info.value.params.get("name") == name


def test_render_fills_known_values_and_never_leaves_braces() -> None:
    assert render("{买家昵称}，{运单号}", {"买家昵称": "小鹿"}) == "小鹿，"
    assert "运单号" in placeholders_for(AutoKind.SHIPPED) and "运单号" not in placeholders_for(AutoKind.UNPAID)


def test_quiet_hours_move_a_message_to_their_end() -> None:
    assert after_quiet_hours(datetime(2026, 1, 1, 23, 10), time(22), time(8)) == datetime(2026, 1, 2, 8, 0)
    assert after_quiet_hours(datetime(2026, 1, 2, 6, 0), time(22), time(8)) == datetime(2026, 1, 2, 8, 0)
    assert after_quiet_hours(datetime(2026, 1, 2, 9, 0), time(22), time(8)) == datetime(2026, 1, 2, 9, 0)
    assert after_quiet_hours(datetime(2026, 1, 2, 12, 30), time(12), time(14)) == datetime(2026, 1, 2, 14, 0)


def test_unpaid_plan_skips_small_orders_and_bad_reviewers_and_waits_out_the_delay() -> None:
    rule = AutoRule(AutoKind.UNPAID, True, "x", delay_minutes=30, min_amount_cents=5000, skip_bad_reviewers=True)
    placed = datetime(2026, 1, 1, 10, 0)
    small = plan_unpaid(rule, created_at=placed, total_cents=4999, bad_reviews=0, now=placed)
    assert small.skip_reason == "订单金额低于 50.00 元"
    bad = plan_unpaid(rule, created_at=placed, total_cents=9900, bad_reviews=1, now=placed)
    assert bad.skip_reason == "买家有过差评，不催付"
    ok = plan_unpaid(rule, created_at=placed, total_cents=9900, bad_reviews=0, now=placed)
    assert ok.due == datetime(2026, 1, 1, 10, 30) and not ok.skip_reason
    late = plan_unpaid(rule, created_at=datetime(2026, 1, 1, 21, 50), total_cents=9900, bad_reviews=0, now=placed)
    assert late.due == datetime(2026, 1, 2, 8, 0)


def test_rules_are_checked() -> None:
    with pytest.raises(DomainError) as info:
        check_rule(AutoRule(AutoKind.UNPAID, True, "x", delay_minutes=-1))
    assert info.value.field == "delay_minutes"
    with pytest.raises(DomainError) as quiet:
        check_rule(AutoRule(AutoKind.UNPAID, True, "x", quiet_start=time(1), quiet_end=time(1)))
    assert quiet.value.field == "quiet_hours"
