"""The simulated shop's buyers review what they received (5.3 评价管理): mostly good, some 中评/差评
that say what went wrong, and rarely a 职业差评师 whose record and chat the risk score catches."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import timedelta

import pytest

from tests.unit.bot.conftest import FakeClock
from workbench.composition import build_channel
from workbench.domain.aftersales import CaseKind, Rating, RiskLevel
from workbench.domain.auto_messages import ORDER_KINDS
from workbench.domain.conversations import Sender
from workbench.domain.orders import OrderState
from workbench.domain.reviews import emotional_words, is_specific
from workbench.services.auto_messages import OrderEventSimulator, PostedReview
from workbench.services.live import PRO_SCENARIO
from workbench.services.reviews import (
    REVIEW_KINDS,
    ReviewScript,
    ReviewService,
    compose_review,
    load_review_script,
    parse_review_script,
    review_script_file,
)
from workbench.services.workspace import Workspace
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.orders import OrderRepository

SCRIPT = load_review_script()


def only(kind: str) -> ReviewScript:
    return replace(SCRIPT, mix=tuple((k, 1.0 if k == kind else 0.0) for k in REVIEW_KINDS))


def assess_level(ws: Workspace, review: PostedReview) -> RiskLevel:
    return ReviewService(ws.db, ws.shop.id, ws.clock).assess(review.case.id).level


# -- the texts ---------------------------------------------------------------------------------------


def test_the_review_file_is_checked() -> None:
    data = json.loads(review_script_file().read_text(encoding="utf-8"))
    assert parse_review_script(data) == SCRIPT
    for broken, where in (
        ({**data, "mix": {"good": 1}}, "'mix'"),
        ({**data, "bad": {**data["bad"], "endings": []}}, "'bad.endings'"),
        ({**data, "good": {**data["good"], "endings": ["{店铺}见"]}}, "bad placeholder"),
    ):
        with pytest.raises(ValueError, match=where):
            parse_review_script(broken)


@pytest.mark.parametrize("colour", ["雾霾蓝", ""])
def test_ordinary_reviews_say_what_happened_and_a_professional_never_does(colour: str) -> None:
    rng = random.Random(3)
    values = {"商品": "法式碎花连衣裙", "颜色": colour, "尺码": "M码", "快递": "中通快递"}
    for _ in range(300):
        good = compose_review(SCRIPT, "good", rng, values)
        neutral = compose_review(SCRIPT, "neutral", rng, values)
        bad = compose_review(SCRIPT, "bad", rng, values)
        pro = compose_review(SCRIPT, "professional", rng, values)
        assert (good.rating, neutral.rating, bad.rating, pro.rating) == (
            Rating.GOOD,
            Rating.NEUTRAL,
            Rating.BAD,
            Rating.BAD,
        )
        for review in (good, neutral, bad, pro):
            assert review.text and "{" not in review.text and "}" not in review.text
            assert colour or "雾霾蓝" not in review.text
        assert is_specific(neutral.text) and is_specific(bad.text), (neutral.text, bad.text)
        assert not emotional_words(bad.text)  # a genuine buyer is upset, not abusive
        assert emotional_words(pro.text) and not is_specific(pro.text), pro.text  # 情绪化, 无具体问题
        assert pro.images == 0


# -- the shop --------------------------------------------------------------------------------------


def test_received_orders_get_reviews_with_the_mix_from_the_file(ws: Workspace, clock: FakeClock) -> None:
    events = OrderEventSimulator(ws.db, ws.shop.id, ws.clock, random.Random(21))
    reviewed = []
    posted: list[PostedReview] = []
    for _ in range(700):
        clock.now += timedelta(seconds=30)
        event = events.next_event()
        assert event is not None
        if event.kind.value == "reviewed":
            reviewed.append(event)
        posted += events.take_reviews()
    assert len(posted) == len(reviewed) >= 80  # every 确认收货 comes with one review
    with ws.db.session() as s:
        orders = OrderRepository(s)
        for event, review in zip(reviewed, posted, strict=True):
            order = orders.get(event.order_id)
            assert order is not None and order.state is OrderState.COMPLETED
            assert (review.case.kind, review.case.order_no) == (CaseKind.REVIEW, order.order_no)
            assert review.case.customer_id == order.customer_id == event.customer_id
            assert event.rating == review.case.details.rating.value  # type: ignore[union-attr]
    ratings = [p.case.details.rating for p in posted if not p.professional]  # type: ignore[union-attr]
    share = {r: ratings.count(r) / len(posted) for r in Rating}
    weights = dict(SCRIPT.mix)
    total = sum(weights.values())
    assert abs(share[Rating.GOOD] - weights["good"] / total) < 0.12
    assert share[Rating.NEUTRAL] > 0.03 and share[Rating.BAD] > 0.03
    pros = [p for p in posted if p.professional]
    assert 1 <= len(pros) <= len(posted) * 0.1  # rare, but there
    stored = ReviewService(ws.db, ws.shop.id, ws.clock).find()
    assert {p.case.id for p in posted} <= {c.id for c in stored}


def test_a_classroom_sees_a_review_every_few_minutes_without_any_auto_message_rule(ws: Workspace) -> None:
    t = [0.0]
    channel = build_channel(ws, rate_per_min=0.0, seed=12)
    channel.monotonic = lambda: t[0]
    times: list[float] = []
    for _ in range(90 * 6):  # 90 minutes, a tick every 10 seconds, default 2 order events a minute
        t[0] += 10.0
        channel.tick()
        times += [t[0] / 60.0 for _ in channel.take_new_reviews()]
    # No order-event rule is on (the 忙碌 auto reply, on by default, answers buyers, not orders).
    assert not any(rule.enabled for kind, rule in channel.bot.config.rules.items() if kind in ORDER_KINDS)
    assert 15 <= len(times) <= 45, times  # about one every 3–4 minutes
    for minute in range(0, 90, 5):
        in_window = [x for x in times if minute <= x < minute + 5]
        assert len(in_window) <= 5, f"a flood of reviews at minute {minute}: {times}"
    assert max(b - a for a, b in zip([0.0, *times], [*times, 90.0], strict=True)) < 25


def test_no_order_events_no_reviews(ws: Workspace) -> None:
    from workbench.services.auto_messages import AutoMessageService

    AutoMessageService(ws.db, ws.shop.id, ws.clock, actor=ws.actor).set_order_events_per_min(0)
    t = [0.0]
    channel = build_channel(ws, rate_per_min=0.0, seed=12)
    channel.monotonic = lambda: t[0]
    for _ in range(60):
        t[0] += 30.0
        channel.tick()
    assert channel.take_new_reviews() == []


# -- the 职业差评师 ------------------------------------------------------------------------------------


def test_a_simulated_professional_bad_reviewer_gets_a_high_risk_score(ws: Workspace, clock: FakeClock) -> None:
    events = OrderEventSimulator(ws.db, ws.shop.id, ws.clock, random.Random(5), script=only("professional"))
    pros = []
    for _ in range(60):
        clock.now += timedelta(minutes=1)
        events.next_event()
        pros += events.take_reviews()
    assert len(pros) >= 3
    for review in pros:
        assert review.professional and review.case.details.rating is Rating.BAD  # type: ignore[union-attr]
        with ws.db.session() as s:
            customer = CustomerRepository(s).get(review.case.customer_id)
            order = OrderRepository(s).by_number(review.case.order_no)
        assert customer is not None and order is not None
        assert customer.registered_at is not None and (clock.now - customer.registered_at).days < 90
        assert customer.bad_review_count >= 3
        assert order.signed_at is not None and order.created_at < order.signed_at <= clock.now
        risk = ReviewService(ws.db, ws.shop.id, ws.clock).assess(review.case.id)
        assert risk.level is RiskLevel.HIGH, risk
        hit = {s.code for s in risk.hits}
        assert {"new_account", "no_history", "emotional_vague", "many_bad_reviews"} <= hit
    assert len({p.case.customer_id for p in pros}) == len(pros)  # a new 小号 each time

    # Genuine buyers' bad reviews say what went wrong and come from real records: not flagged high.
    ordinary = OrderEventSimulator(ws.db, ws.shop.id, ws.clock, random.Random(6), script=only("bad"))
    genuine = []
    for _ in range(80):
        clock.now += timedelta(minutes=1)
        ordinary.next_event()
        genuine += ordinary.take_reviews()
    assert len(genuine) >= 8
    levels = [assess_level(ws, r) for r in genuine]
    assert levels.count(RiskLevel.HIGH) == 0, levels


def test_the_professional_comes_to_the_desk_asking_for_money(ws: Workspace, clock: FakeClock) -> None:
    from workbench.services.auto_messages import AutoMessageService

    AutoMessageService(ws.db, ws.shop.id, ws.clock, actor=ws.actor).set_order_events_per_min(30)
    t = [0.0]
    channel = build_channel(ws, rate_per_min=0.01, seed=4)
    channel.monotonic = lambda: t[0]
    channel.order_events = OrderEventSimulator(
        ws.db, ws.shop.id, ws.clock, random.Random(8), script=only("professional")
    )
    review = None
    conv_id = None
    for _ in range(600):
        t[0] += 1.0
        for update in channel.tick():
            if review is not None and update.arrived and update.customer_id == review.case.customer_id:
                conv_id = update.conversation_id
        review = review or next(iter(channel.take_new_reviews()), None)
        if conv_id is not None:
            break
    assert review is not None and conv_id is not None, "the 职业差评师 never came to the desk"
    conv = ws.reception.get(conv_id)
    assert conv is not None and conv.scenario_id == PRO_SCENARIO
    channel.agent_replied(conv_id, "亲，我们核实一下情况")
    said = []
    for _ in range(60):
        t[0] += 1.0
        for update in channel.tick():
            said += [
                m.text for m in update.messages if m.sender is Sender.CUSTOMER and update.conversation_id == conv_id
            ]
    risk = ReviewService(ws.db, ws.shop.id, ws.clock).assess(review.case.id)
    assert "money_request" in {s.code for s in risk.hits}, said
    assert risk.score >= 90
