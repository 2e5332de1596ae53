"""After-sales services over a real database (SQLite and PostgreSQL): cases, workflow, complaints,
disputes, reviews, evidence, drafts, search and reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from workbench.domain.aftersales import (
    AftersalesReason,
    AppealRecord,
    AppealState,
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
    FormInvalid,
    HandlingStep,
    HandlingStepKind,
    Payer,
    PlatformState,
    Rating,
    RefundType,
    ReviewDetails,
    ServiceDetails,
    ServiceRequest,
    TransitionInput,
)
from workbench.domain.case_texts import return_instructions_text
from workbench.domain.complaints import ComplaintForm, DisputeForm
from workbench.domain.conversations import Sender
from workbench.domain.customers import Customer
from workbench.domain.errors import DomainError
from workbench.domain.orders import LogisticsEvent, Order, OrderItem, OrderState, Product
from workbench.services.aftersales import AftersalesService, CaseFilter
from workbench.services.reviews import ReviewService
from workbench.storage.db import Database
from workbench.storage.repositories.aftersales import AftersalesRepository
from workbench.storage.repositories.conversations import ConversationRepository
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.orders import OrderRepository
from workbench.storage.repositories.shops import ShopRepository

T0 = datetime(2026, 11, 11, 10, 0)
ORDER_NO = "4514022714985939628"
OLD_NO = "2178273423898242257"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Shop:
    db: Database
    shop_id: int
    customer_id: int
    other_id: int
    new_account_id: int
    clock: Clock
    service: AftersalesService
    reviews: ReviewService
    evidence_dir: Path


@pytest.fixture
def shop(db: Database, tmp_path: Path) -> Shop:
    with db.session() as s:
        shops = ShopRepository(s)
        shop = shops.add(
            "南栀女装旗舰店", "服饰", {"return_address": "南栀售后组，0571-86620318，浙江省杭州市余杭区龙潭路18号"}
        )
        shops.add_agent(shop.id, "xiaozhao", "小赵")
        customers = CustomerRepository(s)
        zhang = customers.add(
            shop.id,
            Customer(
                id=0, nick="小鹿乱撞77", name="张女士", credit_level="3钻", registered_at=T0 - timedelta(days=2900)
            ),
        )
        other = customers.add(shop.id, Customer(id=0, nick="momo酱", credit_level="4钻"))
        wind = customers.add(
            shop.id,
            Customer(
                id=0, nick="路过的风2023", credit_level="2心", registered_at=T0 - timedelta(days=38), bad_review_count=4
            ),
        )
        orders = OrderRepository(s)
        orders.add_product(
            shop.id, Product(0, "NZ-LYQ-001", "南栀 法式碎花茶歇连衣裙女 V领收腰", "连衣裙", 19900, material="雪纺")
        )
        for number, customer, signed_days, total in (
            (ORDER_NO, zhang.id, 2, 17900),
            (OLD_NO, zhang.id, 120, 10800),
            ("9000000000000000001", wind.id, 5, 4900),
        ):
            signed = T0 - timedelta(days=signed_days)
            orders.add_order(
                shop.id,
                Order(
                    id=0, order_no=number, customer_id=customer, state=OrderState.SIGNED, total_cents=total,
                    created_at=signed - timedelta(days=3), paid_at=signed - timedelta(days=3),
                    shipped_at=signed - timedelta(days=2), signed_at=signed, carrier="中通", tracking_no="ZT123456789",
                    items=(OrderItem("NZ-LYQ-001", "南栀 法式碎花茶歇连衣裙女 V领收腰", "L", "蓝色碎花", 1, total),),
                    logistics=(LogisticsEvent(signed, "【宁波市】已签收，签收人：本人"),),
                ),
            )  # fmt: skip
        ids = (shop.id, zhang.id, other.id, wind.id)
    clock = Clock()
    evidence = tmp_path / "evidence"
    return Shop(
        db, *ids, clock, AftersalesService(db, ids[0], clock, evidence), ReviewService(db, ids[0], clock), evidence
    )


def exchange_request(shop: Shop, **changes: object) -> ServiceRequest:
    base = ServiceRequest(
        kind=CaseKind.EXCHANGE,
        customer_id=shop.customer_id,
        order_no=ORDER_NO,
        reason=AftersalesReason.NOT_AS_DESCRIBED,
        description="颜色和图片上的不太一样，而且有点大",
        items=("法式碎花茶歇连衣裙（蓝色碎花/L）×1",),
        exchange_wish="米白 M码",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_the_textbook_exchange_from_request_to_done(shop: Shop) -> None:
    svc = shop.service
    check = svc.check(exchange_request(shop))
    assert check.errors == () and check.verdict.eligible and check.order is not None
    assert check.verdict.shipping_payer is Payer.SELLER  # colour differs from the photos: the shop's fault
    case = svc.open_case(exchange_request(shop), "小赵")
    assert case.case_no == f"HH261111{case.id:04d}"
    assert (case.kind, case.state, case.customer_nick) == (CaseKind.EXCHANGE, CaseState.REQUESTED, "小鹿乱撞77")
    assert case.due_at == T0 + timedelta(hours=48)
    assert isinstance(case.details, ServiceDetails) and case.details.policy.eligible

    text = svc.return_instructions(case.id)
    assert "南栀售后组" in text and ORDER_NO in text and case.case_no in text and "米白 M码" in text
    assert "店铺承担" in text

    steps = [
        (CaseState.REVIEWING, TransitionInput()),
        (CaseState.AWAITING_RETURN, TransitionInput(reason="审核通过")),
        (CaseState.RETURN_SHIPPED, TransitionInput(carrier="圆通", tracking_no="YT1234567890")),
        (CaseState.RECEIVED, TransitionInput()),
        (CaseState.REPLACEMENT_SHIPPED, TransitionInput(carrier="中通", tracking_no="ZT9988776655")),
        (CaseState.COMPLETED, TransitionInput(reason="买家收到新裙子，很满意")),
    ]
    for to, data in steps:
        shop.clock.advance(hours=3)
        case = svc.transition(case.id, to, data, "小赵")
        assert case.state is to
    assert isinstance(case.details, ServiceDetails)
    assert (case.details.return_tracking_no, case.details.outbound_tracking_no) == ("YT1234567890", "ZT9988776655")
    assert case.due_at is None and case.is_final
    file = svc.case_file(case.id)
    assert [e.action for e in file.events][:2] == [EventAction.CREATED, EventAction.POLICY]
    moves = [(e.from_state, e.to_state) for e in file.events if e.action is EventAction.TRANSITION]
    assert moves[0] == (CaseState.REQUESTED, CaseState.REVIEWING)
    assert moves[-1] == (CaseState.REPLACEMENT_SHIPPED, CaseState.COMPLETED)
    assert "政策检查：符合" in file.events[1].text
    assert file.events[-1].text == "买家收到新裙子，很满意"


def test_invalid_form_and_transitions_are_refused_and_change_nothing(shop: Shop) -> None:
    svc = shop.service
    with pytest.raises(FormInvalid) as bad:
        svc.open_case(exchange_request(shop, order_no="", exchange_wish=""), "小赵")
    assert {(e.field, e.code) for e in bad.value.errors} == {("order_no", "required"), ("exchange_wish", "required")}
    assert svc.search(CaseFilter()).total == 0
    case = svc.open_case(exchange_request(shop), "小赵")
    with pytest.raises(DomainError) as jump:
        svc.transition(case.id, CaseState.COMPLETED, TransitionInput(), "小赵")
    assert jump.value.code == "case.transition_invalid"
    with pytest.raises(DomainError) as why:
        svc.transition(case.id, CaseState.REJECTED, TransitionInput(), "小赵")
    assert why.value.code == "case.reason_required"
    rejected = svc.transition(case.id, CaseState.REJECTED, TransitionInput(reason="已超过换货期限"), "小赵")
    assert rejected.state is CaseState.REJECTED and rejected.is_final
    assert svc.case_file(case.id).events[-1].text == "已超过换货期限"


def test_refund_amount_is_capped_by_the_order_and_a_second_case_is_flagged(shop: Shop) -> None:
    svc = shop.service
    refund = ServiceRequest(
        kind=CaseKind.REFUND, customer_id=shop.customer_id, order_no=ORDER_NO, reason=AftersalesReason.QUALITY,
        description="领口开线", refund_type=RefundType.RETURN_REFUND, amount_cents=17900, items=("裙子",),
    )  # fmt: skip
    case = svc.open_case(refund, "小赵")
    assert case.subtype == "return_refund" and case.amount_cents == 17900
    second = svc.check(refund)
    assert second.verdict.finding("open_case_exists") is not None
    for to in (CaseState.REVIEWING, CaseState.AWAITING_RETURN):
        svc.transition(case.id, to, TransitionInput(reason="同意"), "小赵")
    svc.transition(case.id, CaseState.RECEIVED, TransitionInput(), "小赵")
    with pytest.raises(DomainError) as high:
        svc.transition(case.id, CaseState.REFUNDED, TransitionInput(amount_cents=17901), "小赵")
    assert high.value.code == "case.amount_too_high"
    done = svc.transition(case.id, CaseState.REFUNDED, TransitionInput(amount_cents=17900), "小赵")
    assert isinstance(done.details, ServiceDetails) and done.details.refunded_cents == 17900
    assert "退款 ¥179.00 已原路退回" in svc.progress_text(case.id)


def test_repair_out_of_warranty_is_quoted_to_the_buyer(shop: Shop) -> None:
    svc = shop.service
    repair = ServiceRequest(
        kind=CaseKind.REPAIR, customer_id=shop.customer_id, order_no=OLD_NO, reason=AftersalesReason.QUALITY,
        description="拉链坏了", items=("外套",),
    )  # fmt: skip
    case = svc.open_case(repair, "小赵")
    assert isinstance(case.details, ServiceDetails)
    assert case.details.policy.repair_payer is Payer.BUYER
    assert case.details.policy.finding("out_of_warranty") is not None
    svc.transition(case.id, CaseState.REVIEWING, TransitionInput(), "小赵")
    quoted = svc.transition(case.id, CaseState.QUOTED, TransitionInput(amount_cents=2500), "小赵")
    assert quoted.details.repair_fee_cents == 2500  # type: ignore[union-attr]
    text = return_instructions_text(quoted, svc.policy())
    assert "维修费用 ¥25.00" in text and "由买家承担" in text


def complaint_form(shop: Shop, **changes: object) -> ComplaintForm:
    base = ComplaintForm(
        customer_id=shop.customer_id,
        type=ComplaintType.DAMAGED,
        description="洗了一次就掉色，领口开线",
        order_no=ORDER_NO,
        demand="退货退款",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_normal_complaint_is_handled_step_by_step(shop: Shop) -> None:
    svc = shop.service
    case = svc.file_complaint(complaint_form(shop), "小赵")
    assert (case.kind, case.state, case.flagged, case.risk_score) == (CaseKind.COMPLAINT, CaseState.OPEN, False, 0)
    handling = svc.transition(case.id, CaseState.HANDLING, TransitionInput(), "小赵")
    assert isinstance(handling.details, ComplaintDetails) and handling.details.step(HandlingStepKind.LISTEN).done
    follow = T0 + timedelta(days=2)
    form = complaint_form(
        shop,
        steps=(
            HandlingStep(HandlingStepKind.LISTEN, True),
            HandlingStep(HandlingStepKind.APOLOGISE, True, "代表店铺道歉"),
            HandlingStep(HandlingStepKind.SOLUTION, True, "退货退款，运费我们出"),
            HandlingStep(HandlingStepKind.COMPENSATION, True),
        ),
        compensation=CompensationKind.COUPON,
        compensation_cents=1000,
        follow_up_at=follow,
    )
    shop.clock.advance(hours=1)
    updated = svc.update_complaint(case.id, form, "小赵")
    d = updated.details
    assert isinstance(d, ComplaintDetails)
    assert [s.done for s in d.steps] == [True, True, True, True, False]
    assert d.step(HandlingStepKind.LISTEN).at == T0  # kept from when it was first ticked
    assert d.step(HandlingStepKind.APOLOGISE).at == T0 + timedelta(hours=1)
    assert updated.due_at == follow
    assert "完成「致歉」" in svc.case_file(case.id).events[-1].text
    reminders = svc.reminders(timedelta(days=3))
    assert [(r.case_id, r.label, r.overdue) for r in reminders] == [(case.id, "回访", False)]
    resolved = svc.transition(case.id, CaseState.RESOLVED, TransitionInput(reason="买家接受退货退款"), "小赵")
    done = svc.transition(resolved.id, CaseState.COMPLETED, TransitionInput(), "小赵")
    assert done.details.step(HandlingStepKind.FOLLOW_UP).done and done.due_at is None  # type: ignore[union-attr]


def test_malicious_complaint_signals_suggest_and_the_agent_decides(shop: Shop) -> None:
    svc = shop.service
    form = complaint_form(
        shop,
        customer_id=shop.new_account_id,
        order_no="9000000000000000001",
        type=ComplaintType.NOT_AS_DESCRIBED,
        description="根本没收到货，你们就是黑店",
        demand="十倍赔偿",
        demand_cents=49000,
    )
    first = svc.file_complaint(replace(form, description="完全是假货，垃圾"), "小赵")
    svc.file_complaint(replace(form, description="破了个洞，赔钱", type=ComplaintType.DAMAGED), "小赵")
    risk = svc.complaint_signals(shop.new_account_id, form.order_no, form.description + form.demand, form.type, 49000)
    hits = {s.code for s in risk.hits}
    assert {"exaggerated", "contradicts_records", "repeated", "unreasonable_demand", "complaint_history"} <= hits
    case = svc.file_complaint(form, "小赵")
    assert not case.flagged  # the program only suggests: the form said "normal"
    assert case.risk_score == risk.score
    svc.transition(case.id, CaseState.HANDLING, TransitionInput(), "小赵")
    with pytest.raises(DomainError) as not_flagged:
        svc.transition(case.id, CaseState.APPEALING, TransitionInput(reason="恶意投诉"), "小赵")
    assert not_flagged.value.code == "case.appeal_needs_flag"
    with pytest.raises(DomainError):
        svc.set_flag(case.id, True, "", "小赵")
    flagged = svc.set_flag(case.id, True, "买家拒绝提供照片并索要十倍赔偿", "小赵")
    assert flagged.flagged and flagged.details.nature is ComplaintNature.MALICIOUS  # type: ignore[union-attr]
    appealing = svc.transition(case.id, CaseState.APPEALING, TransitionInput(reason="提交聊天记录申诉"), "小赵")
    assert appealing.details.appeal.state is AppealState.SUBMITTED  # type: ignore[union-attr]
    assert first.id != case.id


def test_dispute_with_platform_intervention_and_deadlines(shop: Shop) -> None:
    svc = shop.service
    form = DisputeForm(
        customer_id=shop.customer_id, cause=DisputeCause.NOT_RECEIVED, description="物流三天不动，买家申请平台介入",
        order_no=ORDER_NO, asked="全额退款", asked_cents=17900,
    )  # fmt: skip
    case = svc.open_dispute(form, "小赵")
    assert case.state is CaseState.NEGOTIATING
    assert isinstance(case.details, DisputeDetails)
    assert [d.label for d in case.details.deadlines] == ["回应买家"]
    assert case.due_at == T0 + timedelta(hours=48)
    platform = svc.transition(case.id, CaseState.PLATFORM, TransitionInput(), "王静")
    assert isinstance(platform.details, DisputeDetails) and platform.details.platform is PlatformState.INTERVENED
    assert platform.due_at == T0 + timedelta(hours=48)  # the earliest open deadline still leads
    edited = replace(
        form,
        platform=PlatformState.INTERVENED,
        deadlines=(
            Deadline("回应买家", T0 + timedelta(hours=48), True),
            Deadline("举证截止", T0 + timedelta(hours=72)),
        ),
    )
    updated = svc.update_dispute(case.id, edited, "王静")
    assert updated.due_at == T0 + timedelta(hours=72)
    shop.clock.advance(hours=80)
    overdue = svc.reminders()
    assert [(r.label, r.overdue) for r in overdue] == [("举证截止", True)]
    submitted = svc.transition(case.id, CaseState.EVIDENCE_SUBMITTED, TransitionInput(), "王静")
    assert submitted.due_at is None
    ruled = svc.transition(case.id, CaseState.RULED, TransitionInput(reason="平台判定支持卖家"), "王静")
    assert ruled.details.agreed == "平台判定支持卖家"  # type: ignore[union-attr]


def test_reviews_reply_risk_and_the_negative_review_workflow(shop: Shop) -> None:
    reviews = shop.reviews
    good = reviews.add(shop.customer_id, ORDER_NO, Rating.GOOD, "面料很舒服，颜色也好看", images=2)
    assert (good.kind, good.state, good.subtype) == (CaseKind.REVIEW, CaseState.PENDING, "good")
    suggestions = reviews.suggestions(good.id)
    assert len(suggestions) == 3 and all("小鹿乱撞77" in s for s in suggestions) and "2张" in suggestions[0]
    replied = reviews.reply(good.id, suggestions[0], "小赵")
    assert replied.state is CaseState.REPLIED and isinstance(replied.details, ReviewDetails)
    assert replied.details.reply == suggestions[0]
    with pytest.raises(DomainError) as empty:
        reviews.reply(good.id, "  ", "小赵")
    assert empty.value.code == "review.reply_empty"

    with shop.db.session() as s:
        convs = ConversationRepository(s)
        conv = convs.create(shop.shop_id, shop.new_account_id, T0)
        convs.add_message(conv.id, Sender.CUSTOMER, "转我50块钱，不然差评加投诉", T0)
    reviews.add(shop.new_account_id, "9000000000000000001", Rating.BAD, "垃圾质量，千万别买，后悔死了！！！")
    bad = reviews.add(shop.new_account_id, "9000000000000000001", Rating.BAD, "垃圾，千万别买，后悔死了")
    risk = reviews.assess(bad.id, "小赵")
    assert {"new_account", "no_history", "similar_wording", "emotional_vague", "money_request"} <= {
        s.code for s in risk.hits
    }
    stored = shop.service.get(bad.id)
    assert stored is not None and stored.risk_score == risk.score and not stored.flagged
    assert stored.details.signals == risk.signals  # type: ignore[union-attr]
    reviews.reply(bad.id, "您好，想了解一下具体是哪里不满意", "小赵")
    assert shop.service.get(bad.id).state is CaseState.PENDING  # type: ignore[union-attr]
    with pytest.raises(DomainError) as must_flag:
        shop.service.transition(bad.id, CaseState.APPEALING, TransitionInput(reason="恶意差评"), "小赵")
    assert must_flag.value.code == "case.appeal_needs_flag"

    genuine = reviews.add(shop.customer_id, ORDER_NO, Rating.BAD, "洗了一次就起球")
    for to, why in ((CaseState.CONTACTED, ""), (CaseState.RESOLVED, "换新"), (CaseState.FOLLOWED_UP, "")):
        case = shop.service.transition(genuine.id, to, TransitionInput(reason=why), "小赵")
        if to is CaseState.RESOLVED:
            assert case.due_at == T0 + timedelta(days=3)
    assert case.state is CaseState.FOLLOWED_UP and case.due_at is None
    stats = reviews.stats()
    assert (stats.total, stats.good, stats.bad, stats.neutral) == (4, 1, 3, 0)
    assert [c.id for c in reviews.find(rating=Rating.GOOD)] == [good.id]


def test_several_files_are_attached_all_or_none(shop: Shop, tmp_path: Path) -> None:
    svc = shop.service
    case = svc.file_complaint(complaint_form(shop), "小赵")
    photo = tmp_path / "污渍.jpg"
    photo.write_bytes(b"\xff\xd8\xff stain photo")
    before = svc.case_file(case.id)
    with pytest.raises(DomainError) as missing:
        svc.attach_files(case.id, [photo, tmp_path / "nope.png"], "小赵")
    assert missing.value.code == "evidence.not_a_file"
    after = svc.case_file(case.id)
    assert after.evidence == before.evidence and after.events == before.events  # the photo was not attached alone
    receipt = tmp_path / "快递单.pdf"
    receipt.write_bytes(b"%PDF-1.4 receipt")
    attached = svc.attach_files(case.id, [photo, receipt], "小赵")
    assert [e.kind for e in attached] == [EvidenceKind.IMAGE, EvidenceKind.FILE]
    assert len(svc.case_file(case.id).evidence) == len(before.evidence) + 2


def test_evidence_files_are_stored_once_by_content_hash(shop: Shop, tmp_path: Path) -> None:
    svc = shop.service
    case = svc.file_complaint(complaint_form(shop), "小赵")
    photo = tmp_path / "照片.JPG"
    photo.write_bytes(b"\xff\xd8\xff fake jpeg bytes")
    copy = tmp_path / "same.jpg"
    copy.write_bytes(photo.read_bytes())
    first = svc.attach_file(case.id, photo, "小赵")
    again = svc.attach_file(case.id, copy, "小赵")
    assert first.id == again.id and first.kind is EvidenceKind.IMAGE
    assert len(first.sha256) == 64
    stored = svc.evidence_path(first)
    assert stored is not None and stored.read_bytes() == photo.read_bytes()
    assert stored.parent.parent == shop.evidence_dir and stored.name.startswith(first.sha256)
    other = svc.file_complaint(complaint_form(shop, description="另一单也坏了"), "小赵")
    svc.attach_file(other.id, copy, "小赵")
    assert [p for p in shop.evidence_dir.rglob("*") if p.is_file()] == [stored]
    with pytest.raises(DomainError) as missing:
        svc.attach_file(case.id, tmp_path / "nope.png", "小赵")
    assert missing.value.code == "evidence.not_a_file"

    order_snapshot = svc.attach_order(case.id, "小赵")
    logistics = svc.attach_order(case.id, "小赵", logistics=True)
    assert ORDER_NO in order_snapshot.text and "已签收" in logistics.text
    svc.remove_evidence(case.id, first.id, "小赵")
    assert stored.exists()  # still used by the other complaint
    packet = svc.packet(other.id, actor="小赵")
    assert packet.shop_name == "南栀女装旗舰店" and packet.file_path(first.sha256) == stored
    svc.remove_evidence(other.id, svc.case_file(other.id).evidence[0].id, "小赵")
    assert not stored.exists()


def test_chat_messages_become_evidence_once(shop: Shop) -> None:
    with shop.db.session() as s:
        convs = ConversationRepository(s)
        conv = convs.create(shop.shop_id, shop.customer_id, T0)
        m1 = convs.add_message(conv.id, Sender.CUSTOMER, "颜色和图片不一样", T0)
        m2 = convs.add_message(conv.id, Sender.AGENT, "非常抱歉", T0, None)
    case = shop.service.file_complaint(complaint_form(shop, conversation_id=conv.id), "小赵")
    added = shop.service.attach_messages(case.id, [m1.id, m2.id], "小赵")
    assert [(e.kind, e.text, e.source_id) for e in added] == [
        (EvidenceKind.MESSAGE, "颜色和图片不一样", m1.id),
        (EvidenceKind.MESSAGE, "非常抱歉", m2.id),
    ]
    assert "小鹿乱撞77" in added[0].title and "客服" in added[1].title
    assert shop.service.attach_messages(case.id, [m1.id], "小赵") == []
    assert shop.service.case_file(case.id).open_conversation_id == conv.id


def test_search_by_words_kind_state_and_customer(shop: Shop) -> None:
    svc = shop.service
    exchange = svc.open_case(exchange_request(shop), "小赵")
    complaint = svc.file_complaint(complaint_form(shop), "小赵")
    shop.reviews.add(shop.new_account_id, "9000000000000000001", Rating.BAD, "垃圾")
    assert svc.search(CaseFilter(query="张女士")).total == 2  # the customer's name
    assert [c.id for c in svc.search(CaseFilter(query=exchange.case_no.lower())).cases] == [exchange.id]
    assert [c.id for c in svc.search(CaseFilter(query="掉色 开线")).cases] == [complaint.id]
    assert svc.search(CaseFilter(query="100%_")).total == 0
    assert [c.id for c in svc.search(CaseFilter(kinds=(CaseKind.COMPLAINT,))).cases] == [complaint.id]
    assert svc.search(CaseFilter(states=(CaseState.REQUESTED,))).total == 1
    assert {c.id for c in svc.of_customer(shop.customer_id)} == {exchange.id, complaint.id}
    page = svc.search(CaseFilter(), limit=2, offset=2)
    assert (len(page.cases), page.total) == (1, 3)
    svc.transition(exchange.id, CaseState.REJECTED, TransitionInput(reason="不符合"), "小赵")
    assert svc.search(CaseFilter(open_only=True)).total == 2
    counts = svc.counts()
    assert list(counts) == ["return", "exchange", "refund", "repair", "complaint", "dispute", "review"]
    assert counts["exchange"] == {"rejected": 1} and counts["complaint"] == {"open": 1} and counts["return"] == {}


def test_drafts_are_committed_and_read_back_by_a_new_instance(shop: Shop) -> None:
    shop.service.save_draft("complaint:new:1", {"description": "洗了一次就掉色", "type": "damaged"})
    shop.service.save_draft("complaint:new:1", {"description": "洗了一次就掉色，领口开线", "type": "damaged"})
    fresh = AftersalesService(Database(shop.db.url), shop.shop_id, shop.clock)
    draft = fresh.draft("complaint:new:1")
    assert draft is not None and draft.payload == {"description": "洗了一次就掉色，领口开线", "type": "damaged"}
    assert [d.key for d in fresh.drafts("complaint:")] == ["complaint:new:1"]
    fresh.discard_draft("complaint:new:1")
    assert shop.service.draft("complaint:new:1") is None
    fresh.db.dispose()


def test_a_draft_survives_the_process_being_killed(shop: Shop) -> None:
    """A process saves a draft and is killed at once (SIGKILL on POSIX); the draft is there after."""
    code = (
        "import os, signal, sys\n"
        "from workbench.storage.db import Database\n"
        "from workbench.services.aftersales import AftersalesService\n"
        f"svc = AftersalesService(Database({shop.db.url!r}), {shop.shop_id})\n"
        "svc.save_draft('dispute:new:7', {'description': '没收到货，要求平台介入', 'asked': '全额退款'})\n"
        "os.kill(os.getpid(), getattr(signal, 'SIGKILL', signal.SIGTERM))\n"
    )
    root = Path(__file__).resolve().parents[3]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
    assert result.returncode != 0  # it did not exit normally
    draft = shop.service.draft("dispute:new:7")
    assert draft is not None and draft.payload["description"] == "没收到货，要求平台介入"


def test_repository_rejects_unknown_fields(shop: Shop) -> None:
    case = shop.service.file_complaint(complaint_form(shop), "小赵")
    with shop.db.session() as s, pytest.raises(ValueError):
        AftersalesRepository(s).update(case.id, T0, colour="red")


def test_appeal_record_on_the_complaint_form(shop: Shop) -> None:
    svc = shop.service
    form = complaint_form(shop, nature=ComplaintNature.MALICIOUS, appeal=AppealRecord(AppealState.SUBMITTED, "SS123"))
    case = svc.file_complaint(form, "小赵")
    assert case.flagged
    assert case.details.appeal.submitted_at == T0  # type: ignore[union-attr]
    json.dumps(svc.counts())
