"""第5章 售后服务: scored on what happened in the chats and cases of the student's seat, with evidence."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from tests.unit.exercises.conftest import NOW
from workbench.domain.aftersales import AftersalesReason, CaseKind, ComplaintNature, ComplaintType, ServiceRequest
from workbench.domain.complaints import ComplaintForm
from workbench.domain.conversations import ConversationState, Sender
from workbench.domain.exercises import ExerciseResult, ItemResult
from workbench.services.workspace import Workspace
from workbench.storage.repositories.conversations import ConversationRepository
from workbench.storage.tables import AgentRow, OrderRow


def item(result: ExerciseResult, item_id: str) -> ItemResult:
    return next(i for i in result.items if i.id == item_id)


def seat(ws: Workspace, username: str) -> int:
    with ws.db.session() as s:
        return s.scalars(select(AgentRow.id).where(AgentRow.username == username)).one()


def signed_orders(ws: Workspace, n: int) -> list[tuple[int, str]]:
    """(customer id, order no) of `n` signed orders of different customers."""
    with ws.db.session() as s:
        rows = s.execute(
            select(OrderRow.customer_id, OrderRow.order_no).where(OrderRow.state == "已签收").order_by(OrderRow.id)
        ).all()
    picked: dict[int, str] = {}
    for customer_id, order_no in rows:
        picked.setdefault(customer_id, order_no)
    return list(picked.items())[:n]


def chat(
    ws: Workspace,
    agent_id: int,
    customer_id: int,
    scenario: str,
    start: datetime,
    lines: list[tuple[Sender, str, int]],
    *,
    ended: bool,
) -> int:
    """A simulated customer's chat as the simulator and the desk leave it: (sender, text, seconds after start)."""
    with ws.db.session() as s:
        repo = ConversationRepository(s)
        conversation = repo.create(ws.shop.id, customer_id, start, scenario)
        repo.set_state(conversation.id, ConversationState.ACTIVE, start, agent_id=agent_id)
        for sender, text, seconds in lines:
            mine = agent_id if sender is Sender.AGENT else None
            repo.add_message(conversation.id, sender, text, start + timedelta(seconds=seconds), mine)
        if ended:
            repo.set_state(conversation.id, ConversationState.ENDED, start + timedelta(minutes=5), reason="satisfied")
        return conversation.id


def test_a_fresh_seat_has_nothing_to_show(ws: Workspace) -> None:
    result = ws.exercises.check("ch5-aftersales", agent_id=seat(ws, "xiaozhao"))
    assert [(i.id, i.points, i.why) for i in result.items[:5]] == [
        ("response", 0, "还没有接待本练习的客户 ✗"),
        ("forms", 0, " · ".join(f"{s} 未接待 ✗" for s in ws.exercises.exercise("ch5-aftersales").scenarios)),
        (
            "classify",
            0,
            "quality_complaint 未接待 ✗ · malicious_complaint 未接待 ✗ · professional_bad_reviewer 未接待 ✗",
        ),
        ("deadlines", 0, "还没有售后单 ✗"),
        ("closing", 0, "还没有结束的会话 ✗"),
    ]


def test_the_seats_chats_and_cases_are_scored_with_their_evidence(ws: Workspace) -> None:
    zhao = seat(ws, "xiaozhao")
    (zhang, zhang_order), (quality, quality_order), (angry, angry_order) = signed_orders(ws, 3)
    t0 = NOW - timedelta(hours=1)
    exchange_chat = chat(
        ws, zhao, zhang, "exchange_colour_size", t0,
        [
            (Sender.CUSTOMER, "你好，我收到的裙子颜色和图片上的不太一样，而且有点大，我想换货", 0),
            (Sender.AGENT, "非常理解您的感受，麻烦您提供一下订单号，我马上为您处理", 30),
            (Sender.CUSTOMER, "好的", 60),
            (Sender.AGENT, "新裙子明天发出，感谢您的耐心，祝您生活愉快～", 120),
        ],
        ended=True,
    )  # fmt: skip
    quality_chat = chat(
        ws, zhao, quality, "quality_complaint", t0 + timedelta(minutes=10),
        [
            (Sender.CUSTOMER, "衣服洗一次就掉色起球，还染了别的衣服！", 0),
            (Sender.AGENT, "亲，非常抱歉，麻烦拍张照片给我看看", 95),
            (Sender.AGENT, "已登记", 200),
        ],
        ended=True,
    )  # fmt: skip
    chat(
        ws, zhao, angry, "malicious_complaint", t0 + timedelta(minutes=20),
        [
            (Sender.CUSTOMER, "全是线头，黑店！十倍赔偿！", 0),
            (Sender.AGENT, "亲，请您提供照片凭证，我们按规则处理", 20),
        ],
        ended=False,
    )  # fmt: skip
    exchange = ws.aftersales.open_case(
        ServiceRequest(
            CaseKind.EXCHANGE, zhang, zhang_order, AftersalesReason.NO_REASON, "颜色有差异、尺码偏大",
            items=(ws.orders.by_number(zhang_order).items[0].sku,),  # type: ignore[union-attr]
            exchange_wish="米白 M", conversation_id=exchange_chat,
        ),
        actor="xiaozhao",
    )  # fmt: skip
    product = ws.aftersales.file_complaint(
        ComplaintForm(quality, ComplaintType.NOT_AS_DESCRIBED, "洗后掉色起球", quality_order, quality_chat),
        actor="xiaozhao",
    )
    malicious = ws.aftersales.file_complaint(
        ComplaintForm(
            angry, ComplaintType.PRODUCT_OTHER, "夸大其词，只要十倍赔偿", angry_order, nature=ComplaintNature.MALICIOUS
        ),
        actor="xiaozhao",
    )

    result = ws.exercises.check("ch5-aftersales", agent_id=zhao)

    response = item(result, "response")
    assert (response.points, response.passed) == (10, False)  # 2 of 3 chats answered within 60 s: 15 × 2 ÷ 3
    assert (
        response.why
        == f"#{exchange_chat} 30 秒 ✓ · #{quality_chat} 95 秒 ✗ · #{quality_chat + 1} 20 秒 ✓ · 要求 ≤60 秒"
    )
    assert response.evidence[0].startswith(f"会话 #{exchange_chat} (")
    assert "首次响应 30 秒 (≤60) — 消息 #" in response.evidence[0]
    assert response.evidence[0].endswith("「非常理解您的感受，麻烦您提供一下订单号，我马上为您处理」")

    forms = item(result, "forms")
    assert forms.points == 10  # 3 of 6 scenarios: 20 × 3 ÷ 6
    assert forms.why.startswith(
        "exchange_colour_size 换货单 ✓ · refund_no_reason 未接待 ✗ · quality_complaint 投诉单 ✓"
    )
    assert f"{exchange.case_no} 换货单" in forms.evidence[0]

    classify = item(result, "classify")
    assert classify.points == 10  # 2 of 3
    assert classify.why == (
        "quality_complaint 商品质量投诉 (正常投诉) ✓ · malicious_complaint 恶意投诉 ✓ · "
        "professional_bad_reviewer 未接待 ✗"
    )
    assert any(product.case_no in e and "未标记恶意" in e for e in classify.evidence)
    assert any(malicious.case_no in e and "已标记恶意" in e for e in classify.evidence)

    closing = item(result, "closing")
    assert (closing.points, closing.why) == (7, f"#{exchange_chat} ✓ · #{quality_chat} ✗")  # 15 × 1 ÷ 2
    assert closing.evidence[1].endswith("「已登记」 ✗")

    deadlines = item(result, "deadlines")
    assert deadlines.why.count("✓") + deadlines.why.count("✗") == 3  # one part per case
    assert {exchange.case_no, product.case_no, malicious.case_no} <= {e.split(" ")[0] for e in deadlines.evidence}


def test_a_case_past_its_deadline_counts_against_the_seat(ws: Workspace) -> None:
    zhao = seat(ws, "xiaozhao")
    ((customer, order_no),) = signed_orders(ws, 1)
    conversation = chat(
        ws, zhao, customer, "quality_complaint", NOW - timedelta(days=3),
        [(Sender.CUSTOMER, "掉色了", 0), (Sender.AGENT, "抱歉，我来处理", 10)],
        ended=False,
    )  # fmt: skip
    late = ws.aftersales.file_complaint(
        ComplaintForm(
            customer, ComplaintType.NOT_AS_DESCRIBED, "洗后掉色严重", order_no, conversation,
            follow_up_at=NOW - timedelta(days=1),
        ),
        actor="xiaozhao",
    )  # fmt: skip
    deadlines = item(ws.exercises.check("ch5-aftersales", agent_id=zhao), "deadlines")
    assert (deadlines.points, deadlines.why) == (0, f"{late.case_no} ✗")
    assert deadlines.evidence[0].startswith(f"{late.case_no} 投诉单 ") and ": 已超时 " in deadlines.evidence[0]


def test_another_seats_chats_do_not_count(ws: Workspace) -> None:
    ((customer, _order),) = signed_orders(ws, 1)
    chat(
        ws, seat(ws, "xiaolin"), customer, "exchange_colour_size", NOW - timedelta(minutes=30),
        [(Sender.CUSTOMER, "想换货", 0), (Sender.AGENT, "好的亲", 5)],
        ended=False,
    )  # fmt: skip
    result = ws.exercises.check("ch5-aftersales", agent_id=seat(ws, "xiaozhao"))
    assert item(result, "response").why == "还没有接待本练习的客户 ✗"
