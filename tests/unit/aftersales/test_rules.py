"""Domain rules: workflows, transition checks, the policy check and form validation."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from workbench.domain.aftersales import (
    FINAL_STATES,
    INITIAL_STATE,
    AftersalesPolicy,
    AftersalesReason,
    AppealRecord,
    AppealState,
    CaseKind,
    CaseState,
    CompensationKind,
    ComplaintDetails,
    ComplaintType,
    Deadline,
    DisputeCause,
    DisputeDetails,
    FindingLevel,
    HandlingStep,
    HandlingStepKind,
    Payer,
    PlatformState,
    Rating,
    RefundType,
    ReviewDetails,
    RiskAssessment,
    RiskSignal,
    ServiceDetails,
    ServiceRequest,
    TransitionInput,
    case_number,
    check_policy,
    check_transition,
    details_from_json,
    is_final,
    next_states,
    states_of,
    to_jsonable,
    transition_needs,
    validate_service_request,
    workflow,
)
from workbench.domain.case_texts import policy_summary, readable_signals_line, signals_summary
from workbench.domain.complaints import (
    ComplaintForm,
    DisputeForm,
    validate_complaint,
    validate_dispute,
)
from workbench.domain.errors import DomainError
from workbench.domain.orders import LogisticsEvent, Order, OrderItem, OrderState

NOW = datetime(2026, 11, 11, 12, 0)
POLICY = AftersalesPolicy(no_reason_excluded_categories=("内衣",), return_address="杭州市余杭区龙潭路18号")
CATEGORIES = {"NZ-LYQ-001": "连衣裙", "BRA-1": "内衣"}


def order(
    *,
    signed_days: float | None = 3,
    shipped: bool = True,
    state: OrderState = OrderState.SIGNED,
    sku: str = "NZ-LYQ-001",
    total: int = 19900,
    customer_id: int = 7,
) -> Order:
    signed = NOW - timedelta(days=signed_days) if signed_days is not None else None
    shipped_at = (signed or NOW) - timedelta(days=2) if shipped else None
    return Order(
        id=1,
        order_no="1234567890123456789",
        customer_id=customer_id,
        state=state,
        total_cents=total,
        created_at=NOW - timedelta(days=30),
        paid_at=NOW - timedelta(days=30),
        shipped_at=shipped_at,
        signed_at=signed,
        items=(OrderItem(sku, "南栀 法式碎花茶歇连衣裙女", "L", "蓝色碎花", 1, total),),
        logistics=(LogisticsEvent(signed, "已签收"),) if signed else (),
    )


def request(
    kind: CaseKind = CaseKind.RETURN, reason: AftersalesReason | None = AftersalesReason.NO_REASON, **kw: object
) -> ServiceRequest:
    base = ServiceRequest(
        kind=kind,
        customer_id=7,
        order_no="1234567890123456789",
        reason=reason,
        description="尺码偏大，想退",
        items=("法式碎花茶歇连衣裙（蓝色碎花/L）×1",),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


# -- workflows -----------------------------------------------------------------------------------


def test_the_textbook_return_path_is_allowed_step_by_step() -> None:
    path = [
        CaseState.REQUESTED,
        CaseState.REVIEWING,
        CaseState.AWAITING_RETURN,
        CaseState.RETURN_SHIPPED,
        CaseState.RECEIVED,
        CaseState.REFUNDED,
        CaseState.COMPLETED,
    ]
    for current, to in itertools.pairwise(path):
        assert to in next_states(CaseKind.RETURN, "", current)
    assert is_final(CaseKind.RETURN, "", CaseState.COMPLETED)


def test_an_exchange_ends_with_the_new_item_sent() -> None:
    assert CaseState.REPLACEMENT_SHIPPED in next_states(CaseKind.EXCHANGE, "", CaseState.RECEIVED)
    assert CaseState.REPLACEMENT_SHIPPED not in next_states(CaseKind.RETURN, "", CaseState.RECEIVED)


def test_refund_only_skips_the_parcel() -> None:
    flow = workflow(CaseKind.REFUND, RefundType.REFUND_ONLY)
    assert flow[CaseState.REVIEWING] == (CaseState.REFUNDED, CaseState.REJECTED, CaseState.CANCELLED)
    assert CaseState.AWAITING_RETURN in workflow(CaseKind.REFUND, RefundType.RETURN_REFUND)[CaseState.REVIEWING]


def test_final_states_are_exactly_the_states_no_workflow_leaves() -> None:
    finals = set()
    for kind in CaseKind:
        for subtype in ("", RefundType.REFUND_ONLY.value):
            for state in states_of(kind, subtype):
                if is_final(kind, subtype, state):
                    finals.add(state)
                else:
                    assert state not in FINAL_STATES, (kind, state)
    assert finals == set(FINAL_STATES)


def test_every_state_is_reachable_from_the_start() -> None:
    for kind in CaseKind:
        assert states_of(kind)[0] is INITIAL_STATE[kind]
    assert set(states_of(CaseKind.REFUND)) >= {CaseState.REFUNDED, CaseState.AWAITING_RETURN}


def test_invalid_transition_raises_with_a_code() -> None:
    with pytest.raises(DomainError) as info:
        check_transition(CaseKind.RETURN, "", CaseState.REQUESTED, CaseState.REFUNDED)
    assert info.value.code == "case.transition_invalid"
    assert info.value.params == {"from_state": "requested", "to_state": "refunded"}
    with pytest.raises(DomainError):
        check_transition(CaseKind.RETURN, "", CaseState.COMPLETED, CaseState.REVIEWING)


def test_rejecting_needs_a_reason() -> None:
    with pytest.raises(DomainError) as info:
        check_transition(CaseKind.RETURN, "", CaseState.REVIEWING, CaseState.REJECTED, TransitionInput(reason="  \n "))
    assert (info.value.code, info.value.field) == ("case.reason_required", "reason")
    ok = check_transition(
        CaseKind.RETURN, "", CaseState.REVIEWING, CaseState.REJECTED, TransitionInput(reason=" 超过七天 ")
    )
    assert ok.reason == "超过七天"
    with pytest.raises(DomainError) as long:
        check_transition(CaseKind.RETURN, "", CaseState.REVIEWING, CaseState.REJECTED, TransitionInput("字" * 501))
    assert long.value.code == "case.reason_too_long"


def test_shipping_needs_a_tracking_number_and_refunds_an_amount_within_the_order() -> None:
    with pytest.raises(DomainError) as info:
        check_transition(CaseKind.RETURN, "", CaseState.AWAITING_RETURN, CaseState.RETURN_SHIPPED)
    assert info.value.code == "case.tracking_required"
    with pytest.raises(DomainError) as bad:
        check_transition(
            CaseKind.RETURN,
            "",
            CaseState.AWAITING_RETURN,
            CaseState.RETURN_SHIPPED,
            TransitionInput(tracking_no="寄了"),
        )
    assert bad.value.code == "case.tracking_invalid"
    shipped = check_transition(
        CaseKind.RETURN,
        "",
        CaseState.AWAITING_RETURN,
        CaseState.RETURN_SHIPPED,
        TransitionInput(carrier="中通", tracking_no=" 7310 0000 1234 "),
    )
    assert shipped.tracking_no == "731000001234"
    full_width = TransitionInput(carrier="顺丰", tracking_no="ＳＦ１２３４５６７８")  # typed with a Chinese IME
    ok = check_transition(CaseKind.RETURN, "", CaseState.AWAITING_RETURN, CaseState.RETURN_SHIPPED, full_width)
    assert ok.tracking_no == "SF12345678"
    with pytest.raises(DomainError) as words:  # letters of any script pass isalnum(); a waybill is ASCII
        check_transition(
            CaseKind.RETURN, "", CaseState.AWAITING_RETURN, CaseState.RETURN_SHIPPED,
            TransitionInput(tracking_no="顺丰快递已经寄出"),
        )  # fmt: skip
    assert words.value.code == "case.tracking_invalid"
    with pytest.raises(DomainError) as none:
        check_transition(CaseKind.RETURN, "", CaseState.RECEIVED, CaseState.REFUNDED, TransitionInput())
    assert none.value.code == "case.amount_required"
    with pytest.raises(DomainError) as high:
        check_transition(
            CaseKind.RETURN, "", CaseState.RECEIVED, CaseState.REFUNDED, TransitionInput(amount_cents=20000),
            amount_limit_cents=19900,
        )  # fmt: skip
    assert (high.value.code, high.value.params["limit"]) == ("case.amount_too_high", 19900)
    assert transition_needs(CaseState.REJECTED) == {"reason"}
    assert transition_needs(CaseState.REFUNDED) == {"amount"}
    assert transition_needs(CaseState.COMPLETED) == frozenset()


def test_case_numbers_name_kind_day_and_id() -> None:
    assert case_number(CaseKind.EXCHANGE, datetime(2026, 11, 11, 9, 0), 42) == "HH2611110042"


# -- policy ----------------------------------------------------------------------------------------


def test_no_reason_return_within_seven_days_is_eligible_and_the_buyer_pays_postage() -> None:
    verdict = check_policy(request(), order(signed_days=3), CATEGORIES, POLICY, NOW)
    assert verdict.eligible
    window = verdict.finding("no_reason_window")
    assert window is not None and window.level is FindingLevel.OK
    assert (window.param("days"), window.param("limit")) == ("3", "7")
    assert verdict.shipping_payer is Payer.BUYER
    assert verdict.finding("freight_insurance") is not None


def test_no_reason_after_seven_days_fails_with_the_day_count() -> None:
    verdict = check_policy(request(), order(signed_days=7.5), CATEGORIES, POLICY, NOW)
    assert not verdict.eligible
    window = verdict.finding("no_reason_window")
    assert window is not None and window.level is FindingLevel.FAIL and window.param("days") == "8"
    exactly = check_policy(request(), order(signed_days=7), CATEGORIES, POLICY, NOW)
    assert exactly.eligible


def test_excluded_categories_and_worn_goods_are_not_no_reason() -> None:
    verdict = check_policy(request(), order(sku="BRA-1"), CATEGORIES, POLICY, NOW)
    excluded = verdict.finding("no_reason_excluded")
    assert excluded is not None and excluded.param("categories") == "内衣" and not verdict.eligible
    worn = check_policy(request(goods_intact=False), order(), CATEGORIES, POLICY, NOW)
    assert "goods_not_intact" in worn.codes() and not worn.eligible


def test_quality_problems_have_the_shop_pay_even_after_seven_days() -> None:
    verdict = check_policy(request(reason=AftersalesReason.QUALITY), order(signed_days=20), CATEGORIES, POLICY, NOW)
    assert verdict.eligible
    assert verdict.shipping_payer is Payer.SELLER
    assert "no_reason_window" not in verdict.codes()


def test_returns_need_a_delivered_parcel_and_refund_only_a_parcel_not_received() -> None:
    unshipped = check_policy(
        request(), order(signed_days=None, shipped=False, state=OrderState.AWAITING_SHIPMENT), CATEGORIES, POLICY, NOW
    )
    assert not unshipped.eligible and unshipped.suggestion == "refund_only"
    in_transit = check_policy(request(), order(signed_days=None, state=OrderState.SHIPPED), CATEGORIES, POLICY, NOW)
    assert "not_signed_yet" in in_transit.codes()
    refund = request(
        CaseKind.REFUND, AftersalesReason.NO_REASON, refund_type=RefundType.REFUND_ONLY, amount_cents=19900
    )
    after = check_policy(refund, order(), CATEGORIES, POLICY, NOW)
    assert not after.eligible and after.suggestion == "return_refund"
    missing = check_policy(replace(refund, reason=AftersalesReason.NOT_RECEIVED), order(), CATEGORIES, POLICY, NOW)
    assert missing.finding("signed_but_not_received") is not None
    over = check_policy(
        replace(refund, reason=AftersalesReason.MISSING_ITEM, amount_cents=30000), order(), CATEGORIES, POLICY, NOW
    )
    assert "amount_over_paid" in over.codes() and not over.eligible


def test_repairs_in_warranty_are_free_out_of_warranty_or_broken_by_the_buyer_are_not() -> None:
    repair = request(CaseKind.REPAIR, AftersalesReason.QUALITY)
    inside = check_policy(repair, order(signed_days=30), CATEGORIES, POLICY, NOW)
    assert inside.repair_payer is Payer.SELLER and inside.shipping_payer is Payer.SELLER
    assert inside.finding("in_warranty") is not None
    outside = check_policy(repair, order(signed_days=400), CATEGORIES, POLICY, NOW)
    assert outside.eligible  # out of warranty can still be repaired — at the buyer's cost
    assert outside.repair_payer is Payer.BUYER and outside.finding("out_of_warranty") is not None
    broken = check_policy(
        replace(repair, reason=AftersalesReason.HUMAN_DAMAGE), order(signed_days=10), CATEGORIES, POLICY, NOW
    )
    assert broken.repair_payer is Payer.BUYER
    tailor = check_policy(replace(repair, self_repaired=True), order(signed_days=10), CATEGORIES, POLICY, NOW)
    assert tailor.repair_payer is Payer.NEGOTIATE


def test_an_open_case_on_the_same_order_is_a_warning() -> None:
    verdict = check_policy(request(), order(), CATEGORIES, POLICY, NOW, open_cases_on_order=1)
    warn = verdict.finding("open_case_exists")
    assert warn is not None and warn.level is FindingLevel.WARN and verdict.eligible


def test_policy_from_shop_settings() -> None:
    policy = AftersalesPolicy.from_settings(
        {"return_address": "仓库", "aftersales_policy": {"no_reason_days": 15, "warranty_days": 180}}
    )
    assert (policy.no_reason_days, policy.warranty_days, policy.return_address) == (15, 180, "仓库")
    assert AftersalesPolicy.from_settings({}).no_reason_days == 7
    assert AftersalesPolicy.from_settings({"aftersales_policy": {"no_reason_days": "x"}}).no_reason_days == 7


# -- forms -----------------------------------------------------------------------------------------


def test_service_form_lists_every_problem_with_its_field() -> None:
    errors = validate_service_request(request(CaseKind.REFUND, None, order_no=" ", description="", items=()), None)
    assert {(e.field, e.code) for e in errors} == {
        ("order_no", "required"),
        ("reason", "required"),
        ("description", "required"),
        ("refund_type", "required"),
        ("amount", "amount_required"),
    }
    assert validate_service_request(request(), order()) == []
    foreign = validate_service_request(request(), order(customer_id=8))
    assert [(e.field, e.code) for e in foreign] == [("order_no", "order_foreign")]
    missing = validate_service_request(request(), None)
    assert missing[0].code == "order_missing" and missing[0].param("order_no") == "1234567890123456789"
    wish = validate_service_request(request(CaseKind.EXCHANGE), order())
    assert [(e.field, e.code) for e in wish] == [("exchange_wish", "required")]
    wrong = validate_service_request(request(CaseKind.REPAIR, AftersalesReason.NO_REASON), order())
    assert [(e.field, e.code) for e in wrong] == [("reason", "invalid")]
    short = validate_service_request(request(description="退"), order())
    assert [(e.field, e.code) for e in short] == [("description", "too_short")]
    too_much = validate_service_request(
        request(CaseKind.REFUND, AftersalesReason.QUALITY, refund_type=RefundType.REFUND_ONLY, amount_cents=20000),
        order(),
    )
    assert [(e.field, e.code, e.param("limit")) for e in too_much] == [("amount", "amount_too_high", "19900")]


def test_complaint_form_rules() -> None:
    form = ComplaintForm(customer_id=7, type=ComplaintType.DAMAGED, description="", order_no="")
    codes = {(e.field, e.code) for e in validate_complaint(form, None)}
    assert codes == {("order_no", "required"), ("description", "required")}
    service = replace(form, type=ComplaintType.SLOW_RESPONSE, description="客服一直不回")
    assert validate_complaint(service, None) == []  # a service complaint may have no order
    coupon = replace(service, compensation=CompensationKind.COUPON)
    assert [(e.field, e.code) for e in validate_complaint(coupon, None)] == [("compensation_amount", "amount_required")]
    ticked = replace(service, steps=(HandlingStep(HandlingStepKind.COMPENSATION, True),))
    assert [(e.field, e.code) for e in validate_complaint(ticked, None)] == [("compensation", "required")]
    solved = replace(service, steps=(HandlingStep(HandlingStepKind.SOLUTION, True),))
    assert [(e.field, e.code) for e in validate_complaint(solved, None)] == [("follow_up_at", "follow_up_needed")]
    assert validate_complaint(replace(solved, follow_up_at=NOW + timedelta(days=1)), None) == []
    appeal = replace(service, appeal=AppealRecord(AppealState.SUBMITTED))
    fields = {(e.field, e.code) for e in validate_complaint(appeal, None)}
    assert fields == {("appeal_state", "appeal_needs_malicious"), ("appeal_reference", "required")}
    refund = replace(
        form,
        description="衣服破了",
        order_no="1",
        compensation=CompensationKind.PARTIAL_REFUND,
        compensation_cents=30000,
    )
    assert [(e.field, e.code) for e in validate_complaint(refund, order())] == [
        ("compensation_amount", "amount_too_high")
    ]


def test_dispute_form_rules() -> None:
    form = DisputeForm(customer_id=7, cause=None, description="没收到货", order_no="")
    codes = {(e.field, e.code) for e in validate_dispute(form, None)}
    assert codes == {("cause", "required"), ("order_no", "required"), ("asked", "required")}
    ok = replace(form, cause=DisputeCause.NOT_RECEIVED, order_no="1", asked="全额退款")
    assert validate_dispute(ok, order()) == []
    money = replace(ok, cause=DisputeCause.SHIPPING_FEE)
    assert [(e.field, e.code) for e in validate_dispute(money, order())] == [("asked_amount", "amount_required")]
    rows = replace(ok, deadlines=(Deadline("举证截止", NOW), Deadline(" ", NOW)))
    bad = validate_dispute(rows, order())
    assert [(e.field, e.code, e.param("row")) for e in bad] == [("deadlines", "deadline_label", "2")]
    ruled = replace(ok, platform=PlatformState.RULED_SELLER)
    assert [(e.field, e.code) for e in validate_dispute(ruled, order())] == [("agreed", "ruling_required")]


# -- storage form ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "details",
    [
        ServiceDetails(
            reason=AftersalesReason.QUALITY,
            refund_type=RefundType.RETURN_REFUND,
            items=("a", "b"),
            policy=check_policy(request(), order(), CATEGORIES, POLICY, NOW),
        ),
        ComplaintDetails(
            type=ComplaintType.BAD_ATTITUDE,
            steps=(HandlingStep(HandlingStepKind.LISTEN, True, "听完了", NOW),),
            follow_up_at=NOW,
            signals=(RiskSignal("repeated", 20, True, (("count", "2"),)),),
            appeal=AppealRecord(AppealState.SUBMITTED, "SS1", NOW, "说明"),
        ),
        DisputeDetails(cause=DisputeCause.INVOICE, deadlines=(Deadline("举证截止", NOW, True),)),
        ReviewDetails(rating=Rating.BAD, text="太差了", images=2, replied_at=NOW),
    ],
    ids=lambda d: type(d).__name__,
)
def test_details_round_trip_through_json(details: object) -> None:
    kind = {
        "ServiceDetails": CaseKind.REFUND,
        "ComplaintDetails": CaseKind.COMPLAINT,
        "DisputeDetails": CaseKind.DISPUTE,
        "ReviewDetails": CaseKind.REVIEW,
    }[type(details).__name__]
    assert details_from_json(kind, to_jsonable(details)) == details


def test_older_and_newer_records_still_read() -> None:
    read = details_from_json(CaseKind.REVIEW, {"rating": "neutral", "text": "还行", "future_field": 1})
    assert isinstance(read, ReviewDetails) and read.rating is Rating.NEUTRAL and read.images == 0
    with pytest.raises(ValueError):
        details_from_json(CaseKind.REVIEW, {"rating": "excellent"})


def test_every_kind_is_checked_against_the_shops_period_for_its_reason() -> None:
    # 仅退款 of ¥359 for a quality problem on an order signed 277 days ago: past the 质量问题期.
    late_refund = request(
        CaseKind.REFUND, AftersalesReason.QUALITY, refund_type=RefundType.REFUND_ONLY, amount_cents=35900
    )
    verdict = check_policy(late_refund, order(signed_days=277, total=35900), CATEGORIES, POLICY, NOW)
    window = verdict.finding("quality_window")
    assert not verdict.eligible
    assert window is not None and window.level is FindingLevel.FAIL
    assert (window.param("days"), window.param("limit")) == ("277", str(POLICY.quality_days))
    assert "质量问题期" in policy_summary(verdict)
    # An exchange (wrong size sent, or 不合适) after 176 days: past the 换货期 and the 质量问题期.
    exchange = request(CaseKind.EXCHANGE, AftersalesReason.OTHER, exchange_wish="换M码")
    late_exchange = check_policy(exchange, order(signed_days=176), CATEGORIES, POLICY, NOW)
    assert not late_exchange.eligible
    assert late_exchange.finding("exchange_window") is not None
    assert "换货期" in policy_summary(late_exchange)
    wrong_item = check_policy(
        replace(exchange, reason=AftersalesReason.WRONG_ITEM), order(signed_days=176), CATEGORIES, POLICY, NOW
    )
    assert not wrong_item.eligible and "quality_window" in wrong_item.codes()
    # Within the periods the same requests pass, with the day count as the reason.
    assert check_policy(late_refund, order(signed_days=20, total=35900), CATEGORIES, POLICY, NOW).eligible
    in_time = check_policy(exchange, order(signed_days=10), CATEGORIES, POLICY, NOW)
    ok = in_time.finding("exchange_window")
    assert in_time.eligible and ok is not None and ok.level is FindingLevel.OK and ok.param("days") == "10"
    # 仅退款 for a parcel that never arrived is not about a period after signing.
    lost = replace(late_refund, reason=AftersalesReason.NOT_RECEIVED)
    assert "quality_window" not in check_policy(lost, order(signed_days=277), CATEGORIES, POLICY, NOW).codes()


def test_the_shops_periods_come_from_its_settings() -> None:
    policy = AftersalesPolicy.from_settings({"aftersales_policy": {"exchange_days": 30, "quality_days": 180}})
    assert (policy.exchange_days, policy.quality_days) == (30, 180)
    assert (AftersalesPolicy().exchange_days, AftersalesPolicy().quality_days) == (15, 90)


def test_the_timeline_names_the_signals_that_hit_never_their_codes() -> None:
    risk = RiskAssessment(
        (
            RiskSignal("unreasonable_demand", 20, True, ()),
            RiskSignal("repeated", 20, True, ()),
            RiskSignal("new_account", 10, False, ()),
        )
    )
    line = signals_summary(risk)
    assert line == "程序检查恶意投诉信号：40 分（仅供参考）；命中 无理要求、频繁投诉同一问题"
    assert not re.search(r"[a-z_]{4,}", line)
    # A line stored before (with the codes) reads the same in the timeline.
    assert readable_signals_line("程序检查恶意投诉信号：40 分（仅供参考）；命中 unreasonable_demand, repeated") == line
    assert readable_signals_line("程序检查恶意投诉信号：0 分（仅供参考）；未发现").endswith("未发现")
