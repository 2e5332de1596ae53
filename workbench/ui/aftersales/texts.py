"""How after-sales things read on screen: translated names of kinds, states, reasons, policy findings,
risk signals, form fields and errors. The domain holds codes; this module turns them into text."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from workbench.domain.aftersales import (
    AftersalesReason,
    AppealState,
    CaseKind,
    CaseState,
    CompensationKind,
    ComplaintCategory,
    ComplaintNature,
    ComplaintType,
    DisputeCause,
    EventAction,
    EvidenceKind,
    FieldError,
    FindingLevel,
    FormInvalid,
    HandlingStepKind,
    Payer,
    PlatformState,
    PolicyFinding,
    Rating,
    RefundType,
    RiskLevel,
    RiskSignal,
)
from workbench.domain.case_rules import FOLLOW_UP_LABEL, REVIEW_DEADLINE_LABEL
from workbench.domain.conversations import Sender
from workbench.domain.errors import DomainError
from workbench.domain.orders import format_yuan
from workbench.ui.errors import error_text
from workbench.ui.labels import Labels
from workbench.ui.theme import RoleColours, hex_colour


def _kind_texts() -> dict[CaseKind, str]:
    return {
        CaseKind.RETURN: QCoreApplication.translate("Aftersales", "退货"),
        CaseKind.EXCHANGE: QCoreApplication.translate("Aftersales", "换货"),
        CaseKind.REFUND: QCoreApplication.translate("Aftersales", "退款"),
        CaseKind.REPAIR: QCoreApplication.translate("Aftersales", "维修"),
        CaseKind.COMPLAINT: QCoreApplication.translate("Aftersales", "投诉"),
        CaseKind.DISPUTE: QCoreApplication.translate("Aftersales", "纠纷"),
        CaseKind.REVIEW: QCoreApplication.translate("Aftersales", "评价"),
    }


kind_label = Labels(_kind_texts)


KIND_COLORS = RoleColours(
    {
        CaseKind.RETURN: "case_kind_return",
        CaseKind.EXCHANGE: "case_kind_exchange",
        CaseKind.REFUND: "case_kind_refund",
        CaseKind.REPAIR: "case_kind_repair",
        CaseKind.COMPLAINT: "case_kind_complaint",
        CaseKind.DISPUTE: "case_kind_dispute",
        CaseKind.REVIEW: "case_kind_review",
    }
)


def _state_texts() -> dict[CaseState, str]:
    return {
        CaseState.REQUESTED: QCoreApplication.translate("CaseState", "已申请"),
        CaseState.REVIEWING: QCoreApplication.translate("CaseState", "审核中"),
        CaseState.QUOTED: QCoreApplication.translate("CaseState", "待确认费用"),
        CaseState.AWAITING_RETURN: QCoreApplication.translate("CaseState", "待寄回"),
        CaseState.RETURN_SHIPPED: QCoreApplication.translate("CaseState", "买家已寄回"),
        CaseState.RECEIVED: QCoreApplication.translate("CaseState", "已收货"),
        CaseState.REFUNDED: QCoreApplication.translate("CaseState", "已退款"),
        CaseState.REPLACEMENT_SHIPPED: QCoreApplication.translate("CaseState", "换新已发出"),
        CaseState.REPAIRING: QCoreApplication.translate("CaseState", "维修中"),
        CaseState.REPAIRED_SHIPPED: QCoreApplication.translate("CaseState", "修好已寄回"),
        CaseState.OPEN: QCoreApplication.translate("CaseState", "待处理"),
        CaseState.HANDLING: QCoreApplication.translate("CaseState", "处理中"),
        CaseState.RESOLVED: QCoreApplication.translate("CaseState", "已解决"),
        CaseState.APPEALING: QCoreApplication.translate("CaseState", "平台申诉中"),
        CaseState.NEGOTIATING: QCoreApplication.translate("CaseState", "协商中"),
        CaseState.PLATFORM: QCoreApplication.translate("CaseState", "平台介入"),
        CaseState.EVIDENCE_SUBMITTED: QCoreApplication.translate("CaseState", "已举证"),
        CaseState.AGREED: QCoreApplication.translate("CaseState", "已达成一致"),
        CaseState.RULED: QCoreApplication.translate("CaseState", "平台已判定"),
        CaseState.PENDING: QCoreApplication.translate("CaseState", "待处理"),
        CaseState.REPLIED: QCoreApplication.translate("CaseState", "已回复"),
        CaseState.CONTACTED: QCoreApplication.translate("CaseState", "已联系买家"),
        CaseState.FOLLOWED_UP: QCoreApplication.translate("CaseState", "已回访"),
        CaseState.APPEAL_UPHELD: QCoreApplication.translate("CaseState", "申诉成功"),
        CaseState.APPEAL_REJECTED: QCoreApplication.translate("CaseState", "申诉未通过"),
        CaseState.COMPLETED: QCoreApplication.translate("CaseState", "已完成"),
        CaseState.REJECTED: QCoreApplication.translate("CaseState", "已拒绝"),
        CaseState.CANCELLED: QCoreApplication.translate("CaseState", "已撤销"),
    }


state_label = Labels(_state_texts)


def _action_texts() -> dict[CaseState, str]:
    """The buttons that move a case into each state; a state without its own shows its name."""
    return {
        CaseState.REVIEWING: QCoreApplication.translate("CaseAction", "开始审核"),
        CaseState.QUOTED: QCoreApplication.translate("CaseAction", "报维修费"),
        CaseState.AWAITING_RETURN: QCoreApplication.translate("CaseAction", "审核通过，待寄回"),
        CaseState.RETURN_SHIPPED: QCoreApplication.translate("CaseAction", "登记买家寄回"),
        CaseState.RECEIVED: QCoreApplication.translate("CaseAction", "确认收到退回件"),
        CaseState.REFUNDED: QCoreApplication.translate("CaseAction", "退款"),
        CaseState.REPLACEMENT_SHIPPED: QCoreApplication.translate("CaseAction", "发出换新"),
        CaseState.REPAIRING: QCoreApplication.translate("CaseAction", "开始维修"),
        CaseState.REPAIRED_SHIPPED: QCoreApplication.translate("CaseAction", "修好寄回"),
        CaseState.HANDLING: QCoreApplication.translate("CaseAction", "开始处理"),
        CaseState.RESOLVED: QCoreApplication.translate("CaseAction", "已解决"),
        CaseState.APPEALING: QCoreApplication.translate("CaseAction", "平台申诉"),
        CaseState.PLATFORM: QCoreApplication.translate("CaseAction", "平台介入"),
        CaseState.EVIDENCE_SUBMITTED: QCoreApplication.translate("CaseAction", "已提交凭证"),
        CaseState.AGREED: QCoreApplication.translate("CaseAction", "达成一致"),
        CaseState.RULED: QCoreApplication.translate("CaseAction", "登记平台判定"),
        CaseState.CONTACTED: QCoreApplication.translate("CaseAction", "已联系买家"),
        CaseState.FOLLOWED_UP: QCoreApplication.translate("CaseAction", "已回访"),
        CaseState.APPEAL_UPHELD: QCoreApplication.translate("CaseAction", "申诉成功"),
        CaseState.APPEAL_REJECTED: QCoreApplication.translate("CaseAction", "申诉未通过"),
        CaseState.COMPLETED: QCoreApplication.translate("CaseAction", "完成"),
        CaseState.REJECTED: QCoreApplication.translate("CaseAction", "拒绝"),
        CaseState.CANCELLED: QCoreApplication.translate("CaseAction", "撤销"),
        CaseState.REPLIED: QCoreApplication.translate("CaseAction", "回复"),
    }


action_label = Labels(_action_texts, fallback=state_label)


# A case state's colour says where it stands: waiting, in progress, goods moving, done well,
# escalated to the platform, appealed, or closed.
_GREEN, _BLUE, _ORANGE, _RED, _GREY, _PURPLE, _CYAN = (
    "case_state_success",
    "case_state_progress",
    "case_state_pending",
    "case_state_escalated",
    "case_state_closed",
    "case_state_appeal",
    "case_state_transit",
)
STATE_COLORS = RoleColours(
    {
        CaseState.REQUESTED: _ORANGE,
        CaseState.REVIEWING: _BLUE,
        CaseState.QUOTED: _ORANGE,
        CaseState.AWAITING_RETURN: _BLUE,
        CaseState.RETURN_SHIPPED: _CYAN,
        CaseState.RECEIVED: _CYAN,
        CaseState.REFUNDED: _GREEN,
        CaseState.REPLACEMENT_SHIPPED: _GREEN,
        CaseState.REPAIRING: _CYAN,
        CaseState.REPAIRED_SHIPPED: _GREEN,
        CaseState.OPEN: _ORANGE,
        CaseState.HANDLING: _BLUE,
        CaseState.RESOLVED: _GREEN,
        CaseState.APPEALING: _PURPLE,
        CaseState.NEGOTIATING: _ORANGE,
        CaseState.PLATFORM: _RED,
        CaseState.EVIDENCE_SUBMITTED: _PURPLE,
        CaseState.AGREED: _GREEN,
        CaseState.RULED: _PURPLE,
        CaseState.PENDING: _ORANGE,
        CaseState.REPLIED: _GREEN,
        CaseState.CONTACTED: _BLUE,
        CaseState.FOLLOWED_UP: _GREEN,
        CaseState.APPEAL_UPHELD: _GREEN,
        CaseState.APPEAL_REJECTED: _GREY,
        CaseState.COMPLETED: _GREY,
        CaseState.REJECTED: _GREY,
        CaseState.CANCELLED: _GREY,
    }
)


def state_color(state: CaseState) -> str:
    return STATE_COLORS.get(state) or hex_colour(_GREY)


def _reason_texts() -> dict[AftersalesReason, str]:
    return {
        AftersalesReason.NO_REASON: QCoreApplication.translate("Aftersales", "七天无理由（不喜欢、尺码不合适）"),
        AftersalesReason.QUALITY: QCoreApplication.translate("Aftersales", "质量问题"),
        AftersalesReason.NOT_AS_DESCRIBED: QCoreApplication.translate("Aftersales", "与描述不符（色差、材质）"),
        AftersalesReason.WRONG_ITEM: QCoreApplication.translate("Aftersales", "发错货（颜色、尺码、款式）"),
        AftersalesReason.DAMAGED: QCoreApplication.translate("Aftersales", "运输破损"),
        AftersalesReason.MISSING_ITEM: QCoreApplication.translate("Aftersales", "少件 / 漏发"),
        AftersalesReason.NOT_RECEIVED: QCoreApplication.translate("Aftersales", "未收到货"),
        AftersalesReason.NOT_SHIPPED: QCoreApplication.translate("Aftersales", "未发货，不想要了"),
        AftersalesReason.HUMAN_DAMAGE: QCoreApplication.translate("Aftersales", "人为损坏"),
        AftersalesReason.OTHER: QCoreApplication.translate("Aftersales", "其他"),
    }


reason_label = Labels(_reason_texts)


def _reason_short_texts() -> dict[AftersalesReason, str]:
    """The reason in a few words (inside a sentence)."""
    return {
        AftersalesReason.NO_REASON: QCoreApplication.translate("Aftersales", "七天无理由"),
        AftersalesReason.QUALITY: QCoreApplication.translate("Aftersales", "质量问题"),
        AftersalesReason.NOT_AS_DESCRIBED: QCoreApplication.translate("Aftersales", "与描述不符"),
        AftersalesReason.WRONG_ITEM: QCoreApplication.translate("Aftersales", "发错货"),
        AftersalesReason.DAMAGED: QCoreApplication.translate("Aftersales", "运输破损"),
        AftersalesReason.MISSING_ITEM: QCoreApplication.translate("Aftersales", "少件漏发"),
        AftersalesReason.NOT_RECEIVED: QCoreApplication.translate("Aftersales", "未收到货"),
        AftersalesReason.NOT_SHIPPED: QCoreApplication.translate("Aftersales", "未发货"),
        AftersalesReason.HUMAN_DAMAGE: QCoreApplication.translate("Aftersales", "人为损坏"),
        AftersalesReason.OTHER: QCoreApplication.translate("Aftersales", "其他原因"),
    }


reason_short = Labels(_reason_short_texts)


def _refund_type_texts() -> dict[RefundType, str]:
    return {
        RefundType.REFUND_ONLY: QCoreApplication.translate("Aftersales", "仅退款"),
        RefundType.RETURN_REFUND: QCoreApplication.translate("Aftersales", "退货退款"),
    }


refund_type_label = Labels(_refund_type_texts)


def _payer_texts() -> dict[Payer, str]:
    return {
        Payer.BUYER: QCoreApplication.translate("Aftersales", "买家承担"),
        Payer.SELLER: QCoreApplication.translate("Aftersales", "店铺承担"),
        Payer.NEGOTIATE: QCoreApplication.translate("Aftersales", "双方协商"),
        Payer.NONE: QCoreApplication.translate("Aftersales", "不涉及"),
    }


payer_label = Labels(_payer_texts)


def _complaint_category_texts() -> dict[ComplaintCategory, str]:
    return {
        ComplaintCategory.PRODUCT: QCoreApplication.translate("Aftersales", "商品质量"),
        ComplaintCategory.SERVICE: QCoreApplication.translate("Aftersales", "服务质量"),
    }


complaint_category_label = Labels(_complaint_category_texts)


def _complaint_type_texts() -> dict[ComplaintType, str]:
    return {
        ComplaintType.NOT_AS_DESCRIBED: QCoreApplication.translate("Aftersales", "与描述不符"),
        ComplaintType.DAMAGED: QCoreApplication.translate("Aftersales", "商品损坏"),
        ComplaintType.MALFUNCTION: QCoreApplication.translate("Aftersales", "功能失效"),
        ComplaintType.WRONG_SIZE_COLOUR: QCoreApplication.translate("Aftersales", "尺寸颜色错误"),
        ComplaintType.PRODUCT_OTHER: QCoreApplication.translate("Aftersales", "其他商品问题"),
        ComplaintType.SLOW_RESPONSE: QCoreApplication.translate("Aftersales", "响应不及时"),
        ComplaintType.LATE_SHIPPING: QCoreApplication.translate("Aftersales", "发货延迟"),
        ComplaintType.COMPLEX_RETURNS: QCoreApplication.translate("Aftersales", "退换货流程复杂"),
        ComplaintType.BAD_ATTITUDE: QCoreApplication.translate("Aftersales", "售后态度不佳"),
        ComplaintType.SERVICE_OTHER: QCoreApplication.translate("Aftersales", "其他服务问题"),
    }


complaint_type_label = Labels(_complaint_type_texts)


def _nature_texts() -> dict[ComplaintNature, str]:
    return {
        ComplaintNature.NORMAL: QCoreApplication.translate("Aftersales", "正常投诉"),
        ComplaintNature.MALICIOUS: QCoreApplication.translate("Aftersales", "疑似恶意投诉"),
    }


nature_label = Labels(_nature_texts)


def _step_texts() -> dict[HandlingStepKind, str]:
    return {
        HandlingStepKind.LISTEN: QCoreApplication.translate("Aftersales", "倾听"),
        HandlingStepKind.APOLOGISE: QCoreApplication.translate("Aftersales", "致歉"),
        HandlingStepKind.SOLUTION: QCoreApplication.translate("Aftersales", "方案"),
        HandlingStepKind.COMPENSATION: QCoreApplication.translate("Aftersales", "补偿"),
        HandlingStepKind.FOLLOW_UP: QCoreApplication.translate("Aftersales", "跟进"),
    }


step_label = Labels(_step_texts)


def _step_hint_texts() -> dict[HandlingStepKind, str]:
    return {
        HandlingStepKind.LISTEN: QCoreApplication.translate("Aftersales", "让买家说完，确认问题和诉求"),
        HandlingStepKind.APOLOGISE: QCoreApplication.translate("Aftersales", "真诚道歉，不推卸责任"),
        HandlingStepKind.SOLUTION: QCoreApplication.translate("Aftersales", "给出退换、维修或补发方案"),
        HandlingStepKind.COMPENSATION: QCoreApplication.translate("Aftersales", "合理补偿：优惠券、运费、部分退款"),
        HandlingStepKind.FOLLOW_UP: QCoreApplication.translate("Aftersales", "按约定时间回访，确认买家满意"),
    }


step_hint = Labels(_step_hint_texts)


def _compensation_texts() -> dict[CompensationKind, str]:
    return {
        CompensationKind.NONE: QCoreApplication.translate("Aftersales", "无"),
        CompensationKind.COUPON: QCoreApplication.translate("Aftersales", "优惠券"),
        CompensationKind.PARTIAL_REFUND: QCoreApplication.translate("Aftersales", "部分退款"),
        CompensationKind.SHIPPING: QCoreApplication.translate("Aftersales", "运费补偿"),
        CompensationKind.GIFT: QCoreApplication.translate("Aftersales", "赠品 / 补发"),
        CompensationKind.POINTS: QCoreApplication.translate("Aftersales", "积分"),
        CompensationKind.OTHER: QCoreApplication.translate("Aftersales", "其他"),
    }


compensation_label = Labels(_compensation_texts)


def _dispute_cause_texts() -> dict[DisputeCause, str]:
    return {
        DisputeCause.NOT_RECEIVED: QCoreApplication.translate("Aftersales", "未收到货"),
        DisputeCause.NOT_AS_DESCRIBED: QCoreApplication.translate("Aftersales", "货不对板"),
        DisputeCause.QUALITY: QCoreApplication.translate("Aftersales", "质量问题"),
        DisputeCause.REFUND_AMOUNT: QCoreApplication.translate("Aftersales", "退款金额"),
        DisputeCause.SHIPPING_FEE: QCoreApplication.translate("Aftersales", "运费"),
        DisputeCause.INVOICE: QCoreApplication.translate("Aftersales", "发票"),
        DisputeCause.OTHER: QCoreApplication.translate("Aftersales", "其他"),
    }


dispute_cause_label = Labels(_dispute_cause_texts)


def _platform_texts() -> dict[PlatformState, str]:
    return {
        PlatformState.NONE: QCoreApplication.translate("Aftersales", "平台未介入"),
        PlatformState.REQUESTED: QCoreApplication.translate("Aftersales", "买家已申请介入"),
        PlatformState.INTERVENED: QCoreApplication.translate("Aftersales", "平台已介入"),
        PlatformState.EVIDENCE_SUBMITTED: QCoreApplication.translate("Aftersales", "已提交凭证"),
        PlatformState.RULED_BUYER: QCoreApplication.translate("Aftersales", "判定支持买家"),
        PlatformState.RULED_SELLER: QCoreApplication.translate("Aftersales", "判定支持卖家"),
    }


platform_label = Labels(_platform_texts)


def _appeal_state_texts() -> dict[AppealState, str]:
    return {
        AppealState.NONE: QCoreApplication.translate("Aftersales", "未申诉"),
        AppealState.PREPARING: QCoreApplication.translate("Aftersales", "准备材料"),
        AppealState.SUBMITTED: QCoreApplication.translate("Aftersales", "已提交"),
        AppealState.UPHELD: QCoreApplication.translate("Aftersales", "申诉成功"),
        AppealState.REJECTED: QCoreApplication.translate("Aftersales", "申诉驳回"),
    }


appeal_state_label = Labels(_appeal_state_texts)


def _rating_texts() -> dict[Rating, str]:
    return {
        Rating.GOOD: QCoreApplication.translate("Aftersales", "好评"),
        Rating.NEUTRAL: QCoreApplication.translate("Aftersales", "中评"),
        Rating.BAD: QCoreApplication.translate("Aftersales", "差评"),
    }


rating_label = Labels(_rating_texts)


RATING_COLORS = RoleColours({Rating.GOOD: "rating_good", Rating.NEUTRAL: "rating_neutral", Rating.BAD: "rating_bad"})


def _risk_level_texts() -> dict[RiskLevel, str]:
    return {
        RiskLevel.LOW: QCoreApplication.translate("Aftersales", "低"),
        RiskLevel.MEDIUM: QCoreApplication.translate("Aftersales", "中"),
        RiskLevel.HIGH: QCoreApplication.translate("Aftersales", "高"),
    }


risk_level_label = Labels(_risk_level_texts)


RISK_ROLES = {RiskLevel.LOW: "risk_low", RiskLevel.MEDIUM: "risk_medium", RiskLevel.HIGH: "risk_high"}
RISK_COLORS = RoleColours(RISK_ROLES)


def _event_texts() -> dict[EventAction, str]:
    return {
        EventAction.CREATED: QCoreApplication.translate("Aftersales", "创建"),
        EventAction.TRANSITION: QCoreApplication.translate("Aftersales", "状态变更"),
        EventAction.NOTE: QCoreApplication.translate("Aftersales", "备注"),
        EventAction.UPDATED: QCoreApplication.translate("Aftersales", "更新记录"),
        EventAction.EVIDENCE: QCoreApplication.translate("Aftersales", "证据"),
        EventAction.MESSAGE: QCoreApplication.translate("Aftersales", "发送给买家"),
        EventAction.REPLY: QCoreApplication.translate("Aftersales", "回复评价"),
        EventAction.POLICY: QCoreApplication.translate("Aftersales", "政策检查"),
        EventAction.SIGNALS: QCoreApplication.translate("Aftersales", "风险信号"),
    }


event_label = Labels(_event_texts)


def _reminder_texts() -> dict[str, str]:
    """A reminder's label in the UI language: the service's own labels are translated; a dispute
    deadline's label is the text the agent gave it and shows as it is."""
    return {
        FOLLOW_UP_LABEL: QCoreApplication.translate("Aftersales", "回访"),
        REVIEW_DEADLINE_LABEL: QCoreApplication.translate("Aftersales", "审核时限"),
    }


reminder_text = Labels(_reminder_texts, fallback=str)


def _evidence_kind_texts() -> dict[EvidenceKind, str]:
    return {
        EvidenceKind.MESSAGE: QCoreApplication.translate("Aftersales", "聊天记录"),
        EvidenceKind.ORDER: QCoreApplication.translate("Aftersales", "订单快照"),
        EvidenceKind.LOGISTICS: QCoreApplication.translate("Aftersales", "物流轨迹"),
        EvidenceKind.FILE: QCoreApplication.translate("Aftersales", "文件"),
        EvidenceKind.IMAGE: QCoreApplication.translate("Aftersales", "图片"),
        EvidenceKind.NOTE: QCoreApplication.translate("Aftersales", "情况说明"),
    }


evidence_kind_label = Labels(_evidence_kind_texts)


def _sender_texts() -> dict[Sender, str]:
    """Who wrote a chat message, in an evidence list (the buyer shows by nick where it is known)."""
    return {
        Sender.CUSTOMER: QCoreApplication.translate("Evidence", "买家"),
        Sender.AGENT: QCoreApplication.translate("Evidence", "客服"),
        Sender.BOT: QCoreApplication.translate("Evidence", "机器人"),
        Sender.SYSTEM: QCoreApplication.translate("Evidence", "系统"),
    }


sender_label = Labels(_sender_texts)


# -- policy findings and risk signals ---------------------------------------------------------------


def finding_text(f: PolicyFinding) -> str:
    p = dict(f.params)
    match f.code:
        case "order_state":
            return QCoreApplication.translate("Policy", "订单状态：{state}").format(state=p.get("state", ""))
        case "not_shipped_yet":
            return QCoreApplication.translate("Policy", "订单还没发货，不用寄回：建议改为「仅退款」。")
        case "not_signed_yet":
            return QCoreApplication.translate("Policy", "包裹还没签收：签收后才能寄回（或让买家拒收）。")
        case "refund_only_needs_return":
            return QCoreApplication.translate("Policy", "已签收的商品要先寄回：建议改为「退货退款」。")
        case "signed_but_not_received":
            return QCoreApplication.translate("Policy", "物流显示 {signed} 已签收，请先和买家核实签收情况。").format(
                signed=p.get("signed", "")
            )
        case "already_shipped":
            return QCoreApplication.translate("Policy", "订单已发货：可拦截快递或请买家拒收。")
        case "refund_before_shipping":
            return QCoreApplication.translate("Policy", "未发货的订单可以直接退款。")
        case "no_reason_excluded":
            return QCoreApplication.translate("Policy", "「{categories}」类商品不支持七天无理由退换。").format(
                categories=p.get("categories", "")
            )
        case "no_reason_window":
            if f.level is FindingLevel.OK:
                template = QCoreApplication.translate("Policy", "签收第 {days} 天，在七天无理由期限（{limit} 天）内。")
                return template.format(days=p.get("days", ""), limit=p.get("limit", ""))
            template = QCoreApplication.translate("Policy", "签收第 {days} 天，已超过七天无理由期限（{limit} 天）。")
            return template.format(days=p.get("days", ""), limit=p.get("limit", ""))
        case "quality_window" | "exchange_window":
            quality = f.code == "quality_window"
            if f.level is FindingLevel.OK:
                template = (
                    QCoreApplication.translate("Policy", "签收第 {days} 天，在质量问题期（{limit} 天）内。")
                    if quality
                    else QCoreApplication.translate("Policy", "签收第 {days} 天，在换货期（{limit} 天）内。")
                )
            else:
                template = (
                    QCoreApplication.translate("Policy", "签收第 {days} 天，已超过质量问题期（{limit} 天）。")
                    if quality
                    else QCoreApplication.translate("Policy", "签收第 {days} 天，已超过换货期（{limit} 天）。")
                )
            return template.format(days=p.get("days", ""), limit=p.get("limit", ""))
        case "goods_intact":
            return QCoreApplication.translate("Policy", "商品完好、吊牌在，不影响二次销售。")
        case "goods_not_intact":
            return QCoreApplication.translate("Policy", "商品已洗涤、穿着或吊牌已拆：不符合七天无理由。")
        case "seller_fault":
            return QCoreApplication.translate("Policy", "属于商品问题（{reason}），由店铺负责，不受七天限制。").format(
                reason=reason_short(AftersalesReason(p.get("reason", "other")))
            )
        case "self_repaired":
            return QCoreApplication.translate("Policy", "买家未联系店铺就自行维修：维修费用由双方协商确定。")
        case "human_damage":
            return QCoreApplication.translate("Policy", "人为损坏：无论是否在质保期内，维修费用由买家承担。")
        case "in_warranty":
            template = QCoreApplication.translate(
                "Policy", "签收第 {days} 天，在 {limit} 天质保期内：维修和运费由店铺承担。"
            )
            return template.format(days=p.get("days", ""), limit=p.get("limit", ""))
        case "out_of_warranty":
            template = QCoreApplication.translate(
                "Policy", "签收第 {days} 天，已过 {limit} 天质保期：维修费用由买家承担。"
            )
            return template.format(days=p.get("days", ""), limit=p.get("limit", ""))
        case "shipping_payer":
            return QCoreApplication.translate("Policy", "寄回运费：{payer}（原因：{reason}）").format(
                payer=payer_label(Payer(p.get("payer", "none"))),
                reason=reason_short(AftersalesReason(p.get("reason", "other"))),
            )
        case "freight_insurance":
            return QCoreApplication.translate("Policy", "订单有运费险：买家寄出后可申请理赔。")
        case "amount_over_paid":
            return QCoreApplication.translate("Policy", "退款金额超过实付款 {limit}。").format(
                limit=format_yuan(int(p.get("limit", "0")))
            )
        case "amount_within_paid":
            return QCoreApplication.translate("Policy", "退款金额不超过实付款 {limit}。").format(
                limit=format_yuan(int(p.get("limit", "0")))
            )
        case "open_case_exists":
            template = QCoreApplication.translate("Policy", "这笔订单已有 {count} 个未完结的售后单，注意不要重复处理。")
            return template.format(count=p.get("count", ""))
    return f.code


def signal_name(s: RiskSignal) -> str:
    return {
        "exaggerated": QCoreApplication.translate("Signals", "投诉内容夸大或虚假"),
        "contradicts_records": QCoreApplication.translate("Signals", "说法与订单记录不符"),
        "repeated": QCoreApplication.translate("Signals", "频繁投诉同一问题"),
        "unreasonable_demand": QCoreApplication.translate("Signals", "无理要求"),
        "complaint_history": QCoreApplication.translate("Signals", "有多次投诉记录"),
        "refund_history": QCoreApplication.translate("Signals", "退款记录多"),
        "review_history": QCoreApplication.translate("Signals", "有多次差评记录"),
        "new_account": QCoreApplication.translate("Signals", "账号注册时间短"),
        "no_history": QCoreApplication.translate("Signals", "无历史购物记录"),
        "similar_wording": QCoreApplication.translate("Signals", "评价内容与其他差评雷同"),
        "emotional_vague": QCoreApplication.translate("Signals", "情绪化，缺乏具体问题描述"),
        "money_request": QCoreApplication.translate("Signals", "在聊天中暗示给钱删评"),
        "many_bad_reviews": QCoreApplication.translate("Signals", "多次给出差评"),
        "small_order": QCoreApplication.translate("Signals", "小额购买"),
    }.get(s.code, s.code)


def signal_reason(s: RiskSignal) -> str:
    """Why the signal applies (or what was checked when it does not)."""
    p = dict(s.params)
    if not s.hit:
        return QCoreApplication.translate("Signals", "未发现")
    match s.code:
        case "exaggerated":
            return QCoreApplication.translate("Signals", "用词：{words}").format(words=p.get("words", ""))
        case "contradicts_records":
            if p.get("fact") == "signed":
                return QCoreApplication.translate("Signals", "说没收到货，物流显示 {value} 已签收").format(
                    value=p.get("value", "")
                )
            return QCoreApplication.translate("Signals", "说发货慢，实际付款后 {value} 小时内已发货").format(
                value=p.get("value", "")
            )
        case "repeated":
            return QCoreApplication.translate("Signals", "此前有 {count} 次同类投诉").format(count=p.get("count", ""))
        case "unreasonable_demand":
            if p.get("reason") == "over_paid":
                return QCoreApplication.translate("Signals", "要求 {demand}，超过实付 {paid}").format(
                    demand=format_yuan(int(p.get("demand", "0"))), paid=format_yuan(int(p.get("paid", "0")))
                )
            return QCoreApplication.translate("Signals", "用词：{words}").format(words=p.get("words", ""))
        case "complaint_history":
            return QCoreApplication.translate("Signals", "此前投诉 {count} 次").format(count=p.get("count", ""))
        case "refund_history":
            return QCoreApplication.translate("Signals", "退款 {count} 次").format(count=p.get("count", ""))
        case "review_history" | "many_bad_reviews":
            return QCoreApplication.translate("Signals", "差评 {count} 次").format(count=p.get("count", ""))
        case "new_account":
            return QCoreApplication.translate("Signals", "注册 {days} 天").format(days=p.get("days", ""))
        case "no_history":
            return QCoreApplication.translate("Signals", "信用等级 {credit}，平台交易很少").format(
                credit=p.get("credit", "")
            )
        case "similar_wording":
            return QCoreApplication.translate("Signals", "与 {count} 条差评内容相近").format(count=p.get("count", ""))
        case "emotional_vague":
            return QCoreApplication.translate("Signals", "情绪用词：{words}；没有说明具体问题").format(
                words=p.get("words", "")
            )
        case "money_request":
            return QCoreApplication.translate("Signals", "聊天原话：「{quote}」").format(quote=p.get("quote", ""))
        case "small_order":
            return QCoreApplication.translate("Signals", "订单金额 ¥{amount}").format(amount=p.get("amount", ""))
    return ""


# -- forms ----------------------------------------------------------------------------------------


def field_label(name: str) -> str:
    labels = {
        "kind": QCoreApplication.translate("Fields", "售后类型"),
        "customer": QCoreApplication.translate("Fields", "客户"),
        "order_no": QCoreApplication.translate("Fields", "订单号"),
        "reason": QCoreApplication.translate("Fields", "原因"),
        "description": QCoreApplication.translate("Fields", "问题描述"),
        "refund_type": QCoreApplication.translate("Fields", "退款类型"),
        "amount": QCoreApplication.translate("Fields", "金额"),
        "items": QCoreApplication.translate("Fields", "售后商品"),
        "exchange_wish": QCoreApplication.translate("Fields", "想换的颜色 / 尺码"),
        "type": QCoreApplication.translate("Fields", "投诉类型"),
        "demand": QCoreApplication.translate("Fields", "客户诉求"),
        "demand_amount": QCoreApplication.translate("Fields", "诉求金额"),
        "compensation": QCoreApplication.translate("Fields", "补偿方式"),
        "compensation_amount": QCoreApplication.translate("Fields", "补偿金额"),
        "compensation_note": QCoreApplication.translate("Fields", "补偿说明"),
        "follow_up_at": QCoreApplication.translate("Fields", "回访时间"),
        "appeal_state": QCoreApplication.translate("Fields", "申诉状态"),
        "appeal_reference": QCoreApplication.translate("Fields", "申诉单号"),
        "appeal_note": QCoreApplication.translate("Fields", "申诉说明"),
        "cause": QCoreApplication.translate("Fields", "纠纷原因"),
        "asked": QCoreApplication.translate("Fields", "买家要求"),
        "asked_amount": QCoreApplication.translate("Fields", "要求金额"),
        "agreed": QCoreApplication.translate("Fields", "约定 / 判定结果"),
        "agreed_amount": QCoreApplication.translate("Fields", "约定金额"),
        "deadlines": QCoreApplication.translate("Fields", "时限"),
        "tracking_no": QCoreApplication.translate("Fields", "运单号"),
        "reply": QCoreApplication.translate("Fields", "回复"),
        "note": QCoreApplication.translate("Fields", "备注"),
        "file": QCoreApplication.translate("Fields", "文件"),
    }
    if name.startswith("step_"):
        return step_label(HandlingStepKind(name.removeprefix("step_")))
    return labels.get(name, name)


def field_error_text(e: FieldError, label: str = "") -> str:
    """The field's name (as the form calls it) and what is wrong: "订单号：必填"."""
    p = dict(e.params)
    match e.code:
        case "required":
            problem = QCoreApplication.translate("Fields", "必填")
        case "too_short":
            problem = QCoreApplication.translate("Fields", "至少写 {minimum} 个字").format(minimum=p.get("minimum", ""))
        case "too_long":
            problem = QCoreApplication.translate("Fields", "最多 {limit} 个字（现在 {length} 个）").format(
                limit=p.get("limit", ""), length=p.get("length", "")
            )
        case "order_missing":
            template = QCoreApplication.translate("Fields", "没有找到订单 {order_no}")
            problem = template.format(order_no=p.get("order_no", ""))
        case "order_foreign":
            problem = QCoreApplication.translate("Fields", "这笔订单不属于当前客户")
        case "invalid":
            problem = QCoreApplication.translate("Fields", "这一项不适用于所选的售后类型")
        case "amount_required":
            problem = QCoreApplication.translate("Fields", "请填写大于 0 的金额")
        case "amount_too_high":
            problem = QCoreApplication.translate("Fields", "不能超过实付款 {limit}").format(
                limit=format_yuan(int(p.get("limit", "0")))
            )
        case "negative":
            problem = QCoreApplication.translate("Fields", "金额不能为负")
        case "follow_up_needed":
            problem = QCoreApplication.translate("Fields", "给出方案后请约定回访时间")
        case "appeal_needs_malicious":
            problem = QCoreApplication.translate("Fields", "只有判定为疑似恶意投诉时才走平台申诉")
        case "too_many":
            problem = QCoreApplication.translate("Fields", "最多 {limit} 条").format(limit=p.get("limit", ""))
        case "deadline_label":
            problem = QCoreApplication.translate("Fields", "第 {row} 条缺少名称").format(row=p.get("row", ""))
        case "deadline_label_long":
            problem = QCoreApplication.translate("Fields", "第 {row} 条名称最多 {limit} 个字").format(
                row=p.get("row", ""), limit=p.get("limit", "")
            )
        case "ruling_required":
            problem = QCoreApplication.translate("Fields", "平台已判定时请写明判定结果")
        case _:
            problem = e.code
    template = QCoreApplication.translate("Fields", "{field}：{problem}")
    return template.format(field=label or field_label(e.field), problem=problem)


def aftersales_error_text(exc: BaseException) -> str:
    """A sentence for an after-sales error code; other errors as the rest of the program shows them."""
    if isinstance(exc, FormInvalid):
        return QCoreApplication.translate("Aftersales", "表单还有 {count} 处需要修改。").format(count=len(exc.errors))
    if isinstance(exc, DomainError):
        p = exc.params
        match exc.code:
            case "case.transition_invalid":
                return QCoreApplication.translate("Aftersales", "不能从「{from_state}」变为「{to_state}」。").format(
                    from_state=state_label(CaseState(p["from_state"])), to_state=state_label(CaseState(p["to_state"]))
                )
            case "case.reason_required":
                return QCoreApplication.translate("Aftersales", "请写明原因（会记录在工单的时间线上）。")
            case "case.reason_too_long":
                return QCoreApplication.translate("Aftersales", "原因最多 {limit} 个字。").format(**p)
            case "case.tracking_required":
                return QCoreApplication.translate("Aftersales", "请填写运单号。")
            case "case.tracking_invalid":
                return QCoreApplication.translate("Aftersales", "运单号应为 6–30 位字母或数字。")
            case "case.amount_required":
                return QCoreApplication.translate("Aftersales", "请填写大于 0 的金额。")
            case "case.amount_too_high":
                return QCoreApplication.translate("Aftersales", "金额不能超过实付款 {limit}。").format(
                    limit=format_yuan(int(p["limit"]))
                )
            case "case.appeal_needs_flag":
                return QCoreApplication.translate(
                    "Aftersales", "平台申诉前请先由客服判断并标记为疑似恶意（写明依据）；程序的评分只是参考。"
                )
            case "case.flag_reason_required":
                return QCoreApplication.translate("Aftersales", "请写明判断依据。")
            case "case.missing":
                return QCoreApplication.translate("Aftersales", "找不到该工单，可能已被删除。")
            case "case.wrong_kind":
                return QCoreApplication.translate("Aftersales", "该工单类型不支持此操作。")
            case "case.no_order":
                return QCoreApplication.translate("Aftersales", "该工单没有关联订单。")
            case "review.reply_required":
                return QCoreApplication.translate("Aftersales", "请先写好回复内容再发布。")
            case "review.reply_empty":
                return QCoreApplication.translate("Aftersales", "回复不能为空。")
            case "review.reply_too_long":
                template = QCoreApplication.translate("Aftersales", "回复最多 {limit} 个字（现在 {length} 个）。")
                return template.format(**p)
            case "evidence.not_a_file":
                return QCoreApplication.translate("Aftersales", "「{name}」不是文件。").format(**p)
            case "evidence.too_large":
                template = QCoreApplication.translate("Aftersales", "「{name}」太大，证据文件最大 {limit_mb} MB。")
                return template.format(**p)
            case "evidence.link":
                template = QCoreApplication.translate(
                    "Aftersales", "「{name}」是一个链接（快捷方式），不能作为证据。请选择它指向的原文件。"
                )
                return template.format(**p)
            case "evidence.type_unsupported":
                template = QCoreApplication.translate(
                    "Aftersales",
                    "「{name}」不是可作为证据的文件：只能添加图片（JPG、PNG、GIF、BMP、WebP）、PDF 或纯文本。",
                )
                return template.format(**p)
            case "evidence.type_mismatch":
                template = QCoreApplication.translate(
                    "Aftersales", "「{name}」的内容与文件扩展名不符（扩展名是{claimed}，内容是{actual}），未添加。"
                )
                return template.format(
                    name=p["name"], claimed=_file_family(p["claimed"]), actual=_file_family(p["actual"])
                )
            case "evidence.unreadable":
                return QCoreApplication.translate("Aftersales", "无法读取「{name}」：{reason}").format(**p)
            case "evidence.no_storage":
                return QCoreApplication.translate("Aftersales", "没有设置证据存放目录。")
            case "evidence.missing":
                return QCoreApplication.translate("Aftersales", "该证据已被移除。")
    return error_text(exc)


def _file_family(family: str) -> str:
    match family:
        case "image":
            return QCoreApplication.translate("Aftersales", "图片")
        case "pdf":
            return QCoreApplication.translate("Aftersales", "PDF")
        case "text":
            return QCoreApplication.translate("Aftersales", "文本")
    return family


def money(cents: int) -> str:
    return format_yuan(cents)
