"""The simulator scenarios for disputes and malicious complaints, and how the desk's texts move them."""

from __future__ import annotations

from datetime import datetime

from workbench.channels.scenarios import load_scenarios
from workbench.domain.aftersales import (
    AftersalesPolicy,
    AftersalesReason,
    Case,
    CaseKind,
    CaseState,
    FindingLevel,
    Payer,
    PolicyFinding,
    PolicyVerdict,
    ServiceDetails,
)
from workbench.domain.case_texts import return_instructions_text

SCENARIOS = {s.id: s for s in load_scenarios()}
T0 = datetime(2026, 11, 11, 10, 0)


def case(kind: CaseKind, payer: Payer, wish: str = "") -> Case:
    verdict = PolicyVerdict((PolicyFinding("shipping_payer", FindingLevel.INFO),), payer)
    return Case(
        id=1, case_no="HH2611110001", kind=kind, subtype="", state=CaseState.AWAITING_RETURN, customer_id=1,
        customer_nick="小鹿乱撞77", order_no="4514022714985939628", conversation_id=3, summary="", description="",
        amount_cents=0, flagged=False, risk_score=0, due_at=None, created_at=T0, updated_at=T0, created_by="小赵",
        details=ServiceDetails(reason=AftersalesReason.NOT_AS_DESCRIBED, exchange_wish=wish, policy=verdict),
    )  # fmt: skip


def test_malicious_complaint_rewards_standing_firm_not_paying() -> None:
    scenario = SCENARIOS["malicious_complaint"]
    assert scenario.kind == "complaint"
    assert scenario.route("demand", "聊天记录我们已经保存，会按规则向平台申诉").goto == "backs_off"
    assert scenario.route("demand", "好吧，我微信转您").goto == "paid"
    assert scenario.route("demand", "麻烦拍张照片看看具体是哪里").goto == "evasive"
    assert "错误" in scenario.step("paid").note


def test_dispute_scenario_ends_on_the_platform_when_refused() -> None:
    scenario = SCENARIOS["dispute_not_received"]
    assert scenario.route("angry", "这个没办法，只能等").goto == "platform"
    assert scenario.route("angry", "非常抱歉，我马上帮您联系快递核实").goto == "offered"
    assert "登记纠纷" in scenario.step("platform").note


def test_the_return_instructions_answer_the_exchange_customer() -> None:
    """Sent into the chat, the template moves the textbook's 张女士 to the next step."""
    text = return_instructions_text(
        case(CaseKind.EXCHANGE, Payer.SELLER, "米白 M码"), AftersalesPolicy(return_address="杭州")
    )
    scenario = SCENARIOS["exchange_colour_size"]
    assert scenario.route("wish", text).goto == "confirm"
    assert scenario.route("return_info", text).goto == "confirm"


def test_the_return_instructions_answer_the_no_reason_return() -> None:
    text = return_instructions_text(case(CaseKind.RETURN, Payer.BUYER), AftersalesPolicy(return_address="杭州"))
    assert "运费险" in text
    scenario = SCENARIOS["refund_no_reason"]
    assert scenario.route("ask", text).goto == "how"
    assert scenario.route("how", text).goto == "thanks_insurance"
