"""Malicious-complaint signals, the 职业差评师 risk score and personalised review replies."""

from __future__ import annotations

from datetime import datetime, timedelta

from workbench.domain.aftersales import ComplaintType, Rating, RiskLevel
from workbench.domain.complaints import (
    ComplaintFacts,
    EarlierComplaint,
    complaint_signals,
    similarity,
    suggests_malicious,
)
from workbench.domain.orders import Order, OrderState
from workbench.domain.reviews import ReviewContext, ReviewerFacts, aspects_of, reviewer_risk, suggest_replies

NOW = datetime(2026, 11, 11, 12, 0)


def signed_order(total: int = 13900) -> Order:
    return Order(
        id=1,
        order_no="1",
        customer_id=1,
        state=OrderState.SIGNED,
        total_cents=total,
        created_at=NOW - timedelta(days=5),
        paid_at=NOW - timedelta(days=5),
        shipped_at=NOW - timedelta(days=4, hours=20),
        signed_at=NOW - timedelta(days=2),
    )


def test_a_plain_complaint_raises_no_signal() -> None:
    risk = complaint_signals(
        ComplaintFacts("衬衫领口有一处开线，想换一件", ComplaintType.DAMAGED, order=signed_order())
    )
    assert risk.hits == ()
    assert risk.score == 0 and risk.level is RiskLevel.LOW
    assert {s.code for s in risk.signals} == {
        "exaggerated",
        "contradicts_records",
        "repeated",
        "unreasonable_demand",
        "complaint_history",
        "refund_history",
        "review_history",
    }


def test_each_malicious_mark_is_found_with_its_reason() -> None:
    earlier = (
        EarlierComplaint(ComplaintType.NOT_AS_DESCRIBED, "和描述完全不符，根本就是假货", NOW - timedelta(days=20)),
        EarlierComplaint(ComplaintType.DAMAGED, "破了个洞", NOW - timedelta(days=10)),
    )
    risk = complaint_signals(
        ComplaintFacts(
            "根本没收到货，你们就是黑店，要求十倍赔偿",
            ComplaintType.NOT_AS_DESCRIBED,
            demand_cents=139000,
            order=signed_order(),
            earlier=earlier,
            refund_count=3,
            bad_review_count=4,
        )
    )
    hits = {s.code: s for s in risk.hits}
    assert set(hits) == {
        "exaggerated",
        "contradicts_records",
        "repeated",
        "unreasonable_demand",
        "complaint_history",
        "refund_history",
        "review_history",
    }
    assert "黑店" in hits["exaggerated"].param("words")
    assert hits["contradicts_records"].param("fact") == "signed"
    assert hits["repeated"].param("count") == "1"
    assert hits["unreasonable_demand"].param("reason") == "over_paid"
    assert hits["complaint_history"].param("count") == "2"
    assert risk.score == 100 and risk.level is RiskLevel.HIGH and suggests_malicious(risk)


def test_late_shipping_claim_against_a_parcel_shipped_in_time() -> None:
    risk = complaint_signals(
        ComplaintFacts("发货太慢了，迟迟不发", ComplaintType.LATE_SHIPPING, order=signed_order(), ship_within_hours=48)
    )
    hit = next(s for s in risk.hits if s.code == "contradicts_records")
    assert (hit.param("fact"), hit.param("value")) == ("shipped_in_time", "4")
    assert not suggests_malicious(risk)  # one mark is not enough to suggest anything


def test_similarity_ignores_punctuation() -> None:
    assert similarity("垃圾，千万别买！", "垃圾 千万别买") == 1.0
    assert similarity("", "x") == 0.0
    assert similarity("面料很舒服", "快递太慢了") < 0.3


def facts(**changes: object) -> ReviewerFacts:
    base = dict(
        text="面料舒服，尺码合适",
        rating=Rating.GOOD,
        registered_at=NOW - timedelta(days=3000),
        credit_level="4钻",
        orders_with_shop=6,
        order_total_cents=19900,
        bad_review_count=0,
        other_reviews=(),
        customer_messages=("什么时候发货",),
        now=NOW,
    )
    base.update(changes)
    return ReviewerFacts(**base)  # type: ignore[arg-type]


def test_a_genuine_unhappy_customer_scores_low() -> None:
    risk = reviewer_risk(facts(text="洗了一次就起球，袖口开线了", rating=Rating.BAD))
    assert risk.score == 0 and risk.level is RiskLevel.LOW


def test_the_textbook_professional_bad_reviewer_scores_high_with_reasons() -> None:
    risk = reviewer_risk(
        facts(
            text="垃圾，千万别买，后悔死了",
            rating=Rating.BAD,
            registered_at=NOW - timedelta(days=38),
            credit_level="2心",
            orders_with_shop=6,
            order_total_cents=4900,
            bad_review_count=4,
            other_reviews=("太差了，质量垃圾，千万别买！！！", "垃圾，千万别买，后悔死了！"),
            customer_messages=("差评看到了吧？", "不用退换，给我转30块钱，我就删评改好评"),
        )
    )
    hits = {s.code: s for s in risk.hits}
    assert set(hits) == {
        "new_account",
        "no_history",
        "similar_wording",
        "emotional_vague",
        "money_request",
        "many_bad_reviews",
        "small_order",
    }
    assert hits["new_account"].param("days") == "38"
    assert hits["no_history"].param("credit") == "2心"
    assert hits["money_request"].param("quote") == "不用退换，给我转30块钱，我就删评改好评"
    assert "垃圾" in hits["emotional_vague"].param("words")
    assert risk.score == 100 and risk.level is RiskLevel.HIGH


def test_specific_complaints_are_not_counted_as_vague_emotion() -> None:
    risk = reviewer_risk(facts(text="太差了，洗了一次就掉色，领口开线", rating=Rating.BAD))
    assert "emotional_vague" not in {s.code for s in risk.hits}


def test_replies_draw_on_what_each_review_says() -> None:
    fabric = suggest_replies(ReviewContext(Rating.GOOD, "面料很舒服，手感好", "lily", "真丝缎面衬衫女", shop="南栀"))
    delivery = suggest_replies(ReviewContext(Rating.GOOD, "物流很快，包装用心", "amy", "真丝缎面衬衫女", shop="南栀"))
    assert len(fabric) == 3 and len(set(fabric)) == 3
    assert all("lily" in r for r in fabric)
    assert any("面料" in r for r in fabric) and not any("面料" in r for r in delivery)
    assert any("物流" in r for r in delivery) and any("包装" in r for r in delivery)
    assert set(fabric).isdisjoint(delivery)


def test_photos_and_long_reviews_get_their_own_thanks() -> None:
    long_text = "纠结了很久才下单，" * 8
    replies = suggest_replies(ReviewContext(Rating.GOOD, long_text, "lily", "羊毛大衣", images=3))
    assert all("3张" in r for r in replies)
    assert all("长评" in r for r in replies)


def test_negative_replies_apologise_for_the_specific_problem_and_never_accuse() -> None:
    replies = suggest_replies(ReviewContext(Rating.BAD, "洗了一次就起球，袖口开线", "七七", "卫衣"))
    assert all("抱歉" in r for r in replies)
    assert any("起球" in r for r in replies)
    for reply in replies:
        assert not any(word in reply for word in ("差评师", "恶意", "敲诈", "骗"))
    vague = suggest_replies(ReviewContext(Rating.BAD, "垃圾，千万别买", "路过的风", "T恤"))
    assert any("具体" in r for r in vague)


def test_aspects() -> None:
    assert aspects_of("颜色好看，快递很快，有线头") == ("colour", "delivery", "defect")


def test_a_thin_fabric_is_answered_about_the_fabric_and_no_reply_claims_a_call_not_made() -> None:
    replies = suggest_replies(ReviewContext(Rating.NEUTRAL, "整体一般，就是有点薄", "小鹿", "针织开衫"))
    assert any("面料" in r for r in replies)
    bad = suggest_replies(ReviewContext(Rating.BAD, "洗了一次就起球", "七七", "卫衣"))
    assert not any("已经主动联系" in r for r in bad)  # the agent has not called yet when the reply is drafted
