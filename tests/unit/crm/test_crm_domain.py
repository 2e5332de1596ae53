"""Customer-management rules without a database: filters, RFM scores and segments, templates."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.domain.crm import (
    CustomerFilter,
    FollowUpRule,
    RfmSettings,
    RuleTrigger,
    Segment,
    TagMatch,
    TimelineEvent,
    TimelineKind,
    clean_color,
    clean_group_name,
    clean_template,
    credit_tier,
    member_level_for,
    placeholders_in,
    render_care,
    rfm_scores,
    segment_of,
    sorted_timeline,
)
from workbench.domain.errors import DomainError

NOW = datetime(2026, 6, 1, 12, 0)
S = RfmSettings()


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@pytest.mark.parametrize(
    ("last", "orders", "cents", "segment"),
    [
        (None, 0, 0, Segment.NONE),
        (ago(200), 9, 900_000, Segment.CHURNED),  # big spender gone quiet: churned is churned
        (ago(100), 5, 500_000, Segment.AT_RISK),
        (ago(10), 3, 80_000, Segment.HIGH_VALUE),
        (ago(10), 3, 79_999, Segment.POTENTIAL),
        (ago(10), 2, 900_000, Segment.POTENTIAL),
        (ago(5), 1, 10_000, Segment.NEW),
        (ago(89.9), 1, 10_000, Segment.NEW),
        (ago(90), 1, 10_000, Segment.NEW),  # exactly at the edge is still within
        (ago(90.01), 1, 10_000, Segment.AT_RISK),
        (ago(180), 2, 10_000, Segment.AT_RISK),
        (ago(180.01), 2, 10_000, Segment.CHURNED),
    ],
)
def test_segments(last: datetime | None, orders: int, cents: int, segment: Segment) -> None:
    assert segment_of(last, orders, cents, NOW, S) is segment


def test_new_customer_window_is_configurable() -> None:
    settings = RfmSettings(new_days=30)
    assert segment_of(ago(40), 1, 100, NOW, settings) is Segment.POTENTIAL
    assert segment_of(ago(20), 1, 100, NOW, settings) is Segment.NEW


def test_rfm_scores() -> None:
    assert rfm_scores(None, 0, 0, NOW, S) == (0, 0, 0)
    assert rfm_scores(ago(1), 8, 300_000, NOW, S) == (5, 5, 5)
    assert rfm_scores(ago(31), 1, 29_999, NOW, S) == (4, 1, 1)
    assert rfm_scores(ago(100), 2, 30_000, NOW, S) == (3, 2, 2)
    assert rfm_scores(ago(200), 3, 80_000, NOW, S) == (2, 3, 3)
    assert rfm_scores(ago(400), 5, 150_000, NOW, S) == (1, 4, 4)


@given(
    days=st.floats(min_value=0, max_value=800),
    orders=st.integers(min_value=1, max_value=20),
    cents=st.integers(min_value=0, max_value=2_000_000),
)
def test_scores_are_in_range_and_monotonic(days: float, orders: int, cents: int) -> None:
    r, f, m = rfm_scores(ago(days), orders, cents, NOW, S)
    assert 1 <= r <= 5 and 1 <= f <= 5 and 1 <= m <= 5
    r2, f2, m2 = rfm_scores(ago(days / 2), orders + 1, cents + 1000, NOW, S)
    assert r2 >= r and f2 >= f and m2 >= m


def test_settings_validate_and_round_trip() -> None:
    custom = RfmSettings(recency_days=(7, 14, 28, 56), at_risk_days=45, churned_days=120).validated()
    assert RfmSettings.from_json(custom.to_json()) == custom
    assert RfmSettings.from_json("not json") == RfmSettings()
    assert RfmSettings.from_json('{"recency_days": [5, 4, 3, 2]}') == RfmSettings()  # invalid → defaults
    for bad, code in (
        (RfmSettings(recency_days=(30, 30, 90, 180)), "rfm.recency"),
        (RfmSettings(frequency_orders=(1, 2, 3)), "rfm.frequency"),
        (RfmSettings(monetary_cents=(0, 1, 2, 3)), "rfm.monetary"),
        (RfmSettings(at_risk_days=180, churned_days=180), "rfm.churn_days"),
        (RfmSettings(new_days=0), "rfm.new_days"),
        (RfmSettings(level_cents=(300, 200, 100)), "rfm.levels"),
        (RfmSettings(high_value_orders=0), "rfm.high_value"),
    ):
        with pytest.raises(DomainError) as info:
            bad.validated()
        assert info.value.code == code


def test_member_levels() -> None:
    assert [member_level_for(c, S) for c in (0, 49_999, 50_000, 150_000, 299_999, 300_000)] == [
        "普通会员", "普通会员", "银卡", "金卡", "金卡", "钻石",
    ]  # fmt: skip


def test_filter_json_round_trip_and_normalisation() -> None:
    f = CustomerFilter(
        search="  小鹿   同学 ",
        tag_ids=(3, 1, 3),
        tag_match=TagMatch.ALL,
        levels=("金卡",),
        segments=(Segment.NEW, Segment.AT_RISK),
        vip88=False,
        credit_tiers=("钻",),
        last_order_from=date(2026, 1, 1),
        min_spent_cents=100,
        group_id=None,
    ).validated()
    assert f.search == "小鹿 同学" and f.tag_ids == (1, 3)
    assert CustomerFilter.from_json(f.to_json()) == f
    assert CustomerFilter.from_json("{}") == CustomerFilter()
    assert CustomerFilter().to_dict() == {}
    assert f.needs_stats() and not CustomerFilter(tag_ids=(1,)).needs_stats()
    assert f.with_tag_merged([3], 7).tag_ids == (1, 7)
    assert f.without_tags([1]).tag_ids == (3,)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ('{"segments": ["vip"]}', "filter.invalid"),
        ('{"tag_match": "some"}', "filter.invalid"),
        ('{"last_order_from": "yesterday"}', "filter.invalid"),
        ('{"min_spent_cents": 10, "max_spent_cents": 5}', "filter.spent_range"),
        ('{"min_orders": -1}', "filter.orders_range"),
        ('{"last_order_from": "2026-05-02", "last_order_to": "2026-05-01"}', "filter.date_range"),
        ('{"credit_tiers": ["银"]}', "filter.invalid"),
        ("[1, 2]", "filter.invalid"),
        ("{", "filter.invalid"),
    ],
)
def test_bad_saved_filters_are_refused(data: str, code: str) -> None:
    with pytest.raises(DomainError) as info:
        CustomerFilter.from_json(data)
    assert info.value.code == code


def test_credit_tiers() -> None:
    assert [credit_tier(x) for x in ("3钻", "2金冠", "5冠", "1心", "钻", "VIP", "")] == [
        "钻", "金冠", "冠", "心", "", "", "",
    ]  # fmt: skip


def test_care_templates() -> None:
    text = "亲爱的{买家昵称}，您的订单{订单号}已签收，{店铺}感谢您！"
    assert placeholders_in(text) == ("买家昵称", "订单号", "店铺")
    assert render_care(text, {"买家昵称": "小鹿", "订单号": "123", "店铺": "优衣阁"}) == (
        "亲爱的小鹿，您的订单123已签收，优衣阁感谢您！"
    )
    assert render_care("{买家昵称}您好", {}) == "您好"
    assert clean_template("  签收 关怀 ", f" {text} ") == ("签收 关怀", text)
    with pytest.raises(DomainError) as info:
        clean_template("x", "{优惠券}")
    assert info.value.code == "template.placeholder" and info.value.params == {"name": "优惠券"}


def test_names_colours_and_rules() -> None:
    assert clean_color("#1677FF") == "#1677ff"
    assert clean_group_name("  高价值  客户 ") == "高价值 客户"
    for fn, arg, code in (
        (clean_color, "blue", "tag.color"),
        (clean_group_name, " ", "group.empty"),
        (clean_group_name, "很" * 21, "group.too_long"),
    ):
        with pytest.raises(DomainError) as info:
            fn(arg)
        assert info.value.code == code
    with pytest.raises(DomainError) as info:
        FollowUpRule(0, "回访", RuleTrigger.SIGNED, 3, 1, None).validated()
    assert info.value.code == "rule.days"


def test_timeline_is_newest_first_and_capped() -> None:
    events = [TimelineEvent(ago(i % 5), TimelineKind.NOTE, str(i)) for i in range(10)]
    ordered = sorted_timeline(events, limit=6)
    assert len(ordered) == 6
    assert [e.at for e in ordered] == sorted((e.at for e in ordered), reverse=True)
    assert [e.title for e in ordered[:2]] == ["0", "5"]  # equal times keep their given order
