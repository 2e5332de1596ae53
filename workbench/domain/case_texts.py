"""The texts of an after-sales case: the lines written into its timeline (transitions, the policy
verdict, the complaint signals, changes to a complaint or a dispute) and the messages sent to the
customer (return instructions, progress).

Chinese whatever the UI language: the case record and the customer read Chinese. Pure functions of
domain values, shared by the after-sales service and the demo seeding.
"""

from __future__ import annotations

from workbench.domain.aftersales import (
    FINAL_STATES,
    AftersalesPolicy,
    AppealState,
    Case,
    CaseKind,
    CaseState,
    ComplaintDetails,
    ComplaintNature,
    DisputeDetails,
    Payer,
    PolicyVerdict,
    RefundType,
    RiskAssessment,
    ServiceDetails,
    TransitionInput,
)
from workbench.domain.orders import format_yuan

# How cases are named in messages to customers (customers read Chinese whatever the UI language).
KIND_NAMES: dict[CaseKind, str] = {
    CaseKind.RETURN: "退货",
    CaseKind.EXCHANGE: "换货",
    CaseKind.REFUND: "退款",
    CaseKind.REPAIR: "维修",
    CaseKind.COMPLAINT: "投诉",
    CaseKind.DISPUTE: "纠纷",
    CaseKind.REVIEW: "评价",
}
STATE_NAMES: dict[CaseState, str] = {
    CaseState.REQUESTED: "已提交申请，等待审核",
    CaseState.REVIEWING: "正在审核",
    CaseState.QUOTED: "等待您确认维修费用",
    CaseState.AWAITING_RETURN: "审核通过，等待您寄回商品",
    CaseState.RETURN_SHIPPED: "您已寄回，等待仓库签收",
    CaseState.RECEIVED: "仓库已收到退回的商品，正在处理",
    CaseState.REFUNDED: "已退款",
    CaseState.REPLACEMENT_SHIPPED: "新商品已发出",
    CaseState.REPAIRING: "正在维修",
    CaseState.REPAIRED_SHIPPED: "已修好寄回",
    CaseState.OPEN: "已登记，马上为您处理",
    CaseState.HANDLING: "正在处理",
    CaseState.RESOLVED: "已给出解决方案",
    CaseState.APPEALING: "平台处理中",
    CaseState.NEGOTIATING: "协商中",
    CaseState.PLATFORM: "平台已介入",
    CaseState.EVIDENCE_SUBMITTED: "已提交凭证，等待平台处理",
    CaseState.AGREED: "已达成一致",
    CaseState.RULED: "平台已判定",
    CaseState.PENDING: "待处理",
    CaseState.REPLIED: "已回复",
    CaseState.CONTACTED: "已联系",
    CaseState.FOLLOWED_UP: "已回访",
    CaseState.APPEAL_UPHELD: "已处理",
    CaseState.APPEAL_REJECTED: "已处理",
    CaseState.COMPLETED: "已完成",
    CaseState.REJECTED: "未通过",
    CaseState.CANCELLED: "已撤销",
}
PAYER_PHRASES: dict[Payer, str] = {
    Payer.BUYER: "由买家承担",
    Payer.SELLER: "由店铺承担（寄出时先垫付，把运费凭证发给客服，我们会补给您）",
    Payer.NEGOTIATE: "由双方协商确定",
    Payer.NONE: "不涉及",
}


def transition_text(data: TransitionInput, to: CaseState) -> str:
    parts = []
    if data.reason:
        parts.append(data.reason)
    if data.tracking_no:
        parts.append(f"运单号 {data.carrier} {data.tracking_no}".replace("  ", " "))
    if data.amount_cents:
        parts.append(("维修费用 " if to is CaseState.QUOTED else "金额 ") + format_yuan(data.amount_cents))
    return "；".join(parts)


FINDING_SUMMARY = {
    "order_state": "订单状态：{state}",
    "not_shipped_yet": "订单还没发货，不需要寄回：建议改为仅退款",
    "not_signed_yet": "包裹还没签收：签收后才能寄回",
    "refund_only_needs_return": "已签收的商品需要寄回：建议改为退货退款",
    "signed_but_not_received": "物流显示 {signed} 已签收，请先核实签收情况",
    "already_shipped": "订单已发货：可拦截快递或拒收",
    "refund_before_shipping": "未发货订单可直接退款",
    "no_reason_excluded": "{categories}不支持七天无理由",
    "no_reason_window": "签收第 {days} 天（七天无理由期限 {limit} 天）",
    "quality_window": "签收第 {days} 天（质量问题期 {limit} 天）",
    "exchange_window": "签收第 {days} 天（换货期 {limit} 天）",
    "goods_intact": "商品完好，吊牌在",
    "goods_not_intact": "商品已洗涤、穿着或吊牌已拆，不符合七天无理由",
    "seller_fault": "商品问题由店铺负责",
    "self_repaired": "买家未联系店铺自行维修：费用协商确定",
    "human_damage": "人为损坏：维修费用由买家承担",
    "in_warranty": "签收第 {days} 天，在 {limit} 天质保期内：维修免费",
    "out_of_warranty": "签收第 {days} 天，已过 {limit} 天质保期：维修费用由买家承担",
    "shipping_payer": "寄回运费：{payer}",
    "freight_insurance": "订单有运费险，可申请理赔",
    "amount_over_paid": "退款金额超过实付 {limit}",
    "amount_within_paid": "退款金额不超过实付 {limit}",
    "open_case_exists": "该订单已有 {count} 个未完结的售后单",
}
PAYER_SHORT = {Payer.BUYER: "买家承担", Payer.SELLER: "店铺承担", Payer.NEGOTIATE: "协商", Payer.NONE: "不涉及"}


def policy_summary(verdict: PolicyVerdict) -> str:
    """The verdict in one paragraph for the timeline (Chinese, like the rest of the case record)."""
    lines = []
    for f in verdict.findings:
        params = dict(f.params)
        if "payer" in params:
            params["payer"] = PAYER_SHORT[Payer(params["payer"])]
        if "limit" in params and f.code.startswith("amount"):
            params["limit"] = format_yuan(int(params["limit"]))
        mark = {"ok": "✓", "info": "·", "warn": "!", "fail": "✗"}[f.level.value]
        lines.append(mark + " " + FINDING_SUMMARY.get(f.code, f.code).format(**params))
    head = "政策检查：符合" if verdict.eligible else "政策检查：不符合（客服可说明理由后仍受理）"
    return "\n".join([head, *lines])


SIGNAL_NAMES = {
    "exaggerated": "投诉内容夸大或虚假",
    "contradicts_records": "说法与订单记录不符",
    "repeated": "频繁投诉同一问题",
    "unreasonable_demand": "无理要求",
    "complaint_history": "有多次投诉记录",
    "refund_history": "退款记录多",
    "review_history": "有多次差评记录",
    "new_account": "账号注册时间短",
    "no_history": "无历史购物记录",
    "similar_wording": "评价内容与其他差评雷同",
    "emotional_vague": "情绪化，缺乏具体问题描述",
    "money_request": "在聊天中暗示给钱删评",
    "many_bad_reviews": "多次给出差评",
    "small_order": "小额购买",
}


def signals_summary(risk: RiskAssessment) -> str:
    """The check's line in the timeline: the signals by name, never by code (the record is read by people)."""
    hits = [SIGNAL_NAMES.get(s.code, s.code) for s in risk.hits]
    return f"程序检查恶意投诉信号：{risk.score} 分（仅供参考）" + (f"；命中 {'、'.join(hits)}" if hits else "；未发现")


def readable_signals_line(text: str) -> str:
    """A timeline line stored before the signals were named (…；命中 unreasonable_demand, repeated):
    the same line with their names."""
    head, sep, codes = text.partition("；命中 ")
    if not sep:
        return text
    return head + sep + "、".join(SIGNAL_NAMES.get(c.strip(), c.strip()) for c in codes.replace("、", ",").split(","))


def describe_complaint_changes(
    old: ComplaintDetails, new: ComplaintDetails, was_flagged: bool, nature: ComplaintNature
) -> str:
    notes = []
    names = {"listen": "倾听", "apologise": "致歉", "solution": "方案", "compensation": "补偿", "follow_up": "跟进"}
    for step in new.steps:
        if step.done and not old.step(step.step).done:
            notes.append(f"完成「{names[step.step.value]}」" + (f"：{step.note}" if step.note else ""))
    if (new.compensation, new.compensation_cents) != (old.compensation, old.compensation_cents):
        notes.append(f"补偿：{new.compensation.value} {format_yuan(new.compensation_cents)}")
    if new.follow_up_at != old.follow_up_at and new.follow_up_at is not None:
        notes.append(f"回访时间：{new.follow_up_at:%Y-%m-%d %H:%M}")
    if (nature is ComplaintNature.MALICIOUS) != was_flagged:
        notes.append("客服判定：疑似恶意投诉" if nature is ComplaintNature.MALICIOUS else "客服判定：正常投诉")
    if new.appeal != old.appeal and new.appeal.state is not AppealState.NONE:
        notes.append(f"平台申诉：{new.appeal.state.value} {new.appeal.reference}".strip())
    return "；".join(notes)


def describe_dispute_changes(old: DisputeDetails, new: DisputeDetails) -> str:
    notes = []
    if new.platform is not old.platform:
        notes.append(f"平台状态：{new.platform.value}")
    if new.agreed and new.agreed != old.agreed:
        notes.append(f"约定/判定结果：{new.agreed}")
    if new.deadlines != old.deadlines:
        notes.append(f"时限 {len([d for d in new.deadlines if not d.done])} 个未完成")
    if new.appeal != old.appeal and new.appeal.state is not AppealState.NONE:
        notes.append(f"申诉：{new.appeal.state.value} {new.appeal.reference}".strip())
    return "；".join(notes) or "更新了纠纷记录"


def return_instructions_text(case: Case, policy: AftersalesPolicy) -> str:
    """The message with the return address and what to do (sent into the chat from the case file)."""
    d = case.details
    kind_name = KIND_NAMES[case.kind]
    if isinstance(d, ServiceDetails) and d.refund_type is RefundType.RETURN_REFUND:
        kind_name = "退货退款"
    lines = [f"亲，您的{kind_name}申请（售后单 {case.case_no}）已审核通过，麻烦按下面的方式寄回哦："]
    lines.append(f"寄回地址：{policy.return_address or '请向客服索取'}")
    lines.append("注意事项：")
    lines.append(f"1. 包裹里放一张纸条，写上您的旺旺名、售后单号和订单 {case.order_no}；")
    if case.kind is CaseKind.REPAIR:
        lines.append("2. 请写明故障情况，配件（如腰带、帽子）请一起寄回；")
    else:
        lines.append("2. 吊牌请保留，商品保持完好、干净，不影响二次销售；")
    lines.append("3. 请勿寄到付件；寄出后把快递公司和运单号发给我们，方便及时跟进。")
    payer = PAYER_PHRASES[Payer.NONE]
    if isinstance(d, ServiceDetails):
        payer = PAYER_PHRASES[d.policy.shipping_payer]
        if d.policy.shipping_payer is Payer.BUYER and policy.freight_insurance and case.kind is not CaseKind.REPAIR:
            payer += "；订单有运费险，寄出后可申请理赔"
    lines.append(f"寄回运费：{payer}。")
    if isinstance(d, ServiceDetails):
        if case.kind is CaseKind.EXCHANGE:
            wish = f"（{d.exchange_wish}）" if d.exchange_wish else ""
            lines.append(f"仓库收到退回件后 24 小时内为您发出新商品{wish}，发货后会第一时间告诉您运单号。")
        elif case.kind is CaseKind.REPAIR:
            fee = d.repair_fee_cents
            pay = d.policy.repair_payer
            if pay is Payer.SELLER:
                lines.append("在质保期内，维修费用由店铺承担，修好后包邮寄回给您。")
            elif fee:
                lines.append(f"维修费用 {format_yuan(fee)}，修好后寄回给您。")
            else:
                lines.append("维修费用收到商品检测后再和您确认，确认前不会产生费用。")
        else:
            lines.append(f"仓库收到退回件后 {policy.refund_review_hours} 小时内为您办理退款。")
    return "\n".join(lines)


def progress_text(case: Case) -> str:
    """The case's progress in a sentence for the customer."""
    text = f"亲，您的{KIND_NAMES[case.kind]}（单号 {case.case_no}）目前进度：{STATE_NAMES[case.state]}。"
    d = case.details
    if isinstance(d, ServiceDetails):
        if case.state is CaseState.REPLACEMENT_SHIPPED and d.outbound_tracking_no:
            text += f"新商品的运单号：{d.outbound_carrier} {d.outbound_tracking_no}。"
        elif case.state is CaseState.REPAIRED_SHIPPED and d.outbound_tracking_no:
            text += f"寄回的运单号：{d.outbound_carrier} {d.outbound_tracking_no}。"
        elif case.state is CaseState.REFUNDED and d.refunded_cents:
            text += f"退款 {format_yuan(d.refunded_cents)} 已原路退回，请留意到账。"
        elif case.state is CaseState.QUOTED and d.repair_fee_cents:
            text += f"维修费用 {format_yuan(d.repair_fee_cents)}，您确认后我们就安排。"
    if isinstance(d, ComplaintDetails) and d.follow_up_at is not None and case.state not in FINAL_STATES:
        text += f"我们会在 {d.follow_up_at:%m月%d日} 前再联系您确认结果。"
    return text + "有任何问题随时找我们哦～"
