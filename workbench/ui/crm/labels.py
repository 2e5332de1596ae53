"""How customer-management values read on screen: translated labels, colours and error texts."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from workbench.domain.crm import (
    CREDIT_TIERS,
    GENDERS,
    MEMBER_LEVELS,
    TRAFFIC_SOURCES,
    FollowUpOutcome,
    FollowUpSource,
    FollowUpStatus,
    FollowUpView,
    GroupKind,
    ImportFailed,
    ImportIssue,
    RuleTrigger,
    Segment,
    TagMatch,
    TimelineEvent,
    TimelineKind,
)
from workbench.domain.errors import DomainError
from workbench.domain.orders import format_yuan
from workbench.ui.errors import error_text
from workbench.ui.labels import Labels
from workbench.ui.theme import RoleColours, hex_colour

# Colours by their theme roles: looking one up gives the current theme's "#rrggbb".
SEGMENT_COLORS = RoleColours(
    {
        Segment.HIGH_VALUE: "segment_high_value",
        Segment.POTENTIAL: "segment_potential",
        Segment.NEW: "segment_new",
        Segment.AT_RISK: "segment_at_risk",
        Segment.CHURNED: "segment_churned",
        Segment.NONE: "segment_none",
    }
)
# the traffic-source chart's series, in order
SOURCE_COLORS = RoleColours(dict(enumerate(("source_1", "source_2", "source_3", "source_4", "source_5"))))
LEVEL_COLORS = RoleColours(
    dict(zip(MEMBER_LEVELS, ("member_level_1", "member_level_2", "member_level_3", "member_level_4"), strict=True))
)
OUTCOME_COLORS = RoleColours(
    {
        FollowUpOutcome.SATISFIED: "outcome_satisfied",
        FollowUpOutcome.REPURCHASE: "outcome_repurchase",
        FollowUpOutcome.NEUTRAL: "outcome_neutral",
        FollowUpOutcome.UNSATISFIED: "outcome_unsatisfied",
        FollowUpOutcome.NO_REPLY: "outcome_no_reply",
    }
)


def level_color(level: str) -> str:
    """A member level's pill colour; an unknown level is grey."""
    return LEVEL_COLORS.get(level) or hex_colour("neutral")


def _segment_texts() -> dict[Segment, str]:
    return {
        Segment.HIGH_VALUE: QCoreApplication.translate("CrmLabels", "高价值"),
        Segment.POTENTIAL: QCoreApplication.translate("CrmLabels", "潜力"),
        Segment.NEW: QCoreApplication.translate("CrmLabels", "新客"),
        Segment.AT_RISK: QCoreApplication.translate("CrmLabels", "流失预警"),
        Segment.CHURNED: QCoreApplication.translate("CrmLabels", "已流失"),
        Segment.NONE: QCoreApplication.translate("CrmLabels", "未购买"),
    }


segment_label = Labels(_segment_texts)


def _segment_hints() -> dict[Segment, str]:
    return {
        Segment.HIGH_VALUE: QCoreApplication.translate("CrmLabels", "买得多、花得多，最近还在买"),
        Segment.POTENTIAL: QCoreApplication.translate("CrmLabels", "近期活跃，还可以买得更多"),
        Segment.NEW: QCoreApplication.translate("CrmLabels", "最近第一次购买"),
        Segment.AT_RISK: QCoreApplication.translate("CrmLabels", "很久没有购买，需要召回"),
        Segment.CHURNED: QCoreApplication.translate("CrmLabels", "超过流失期限没有购买"),
        Segment.NONE: QCoreApplication.translate("CrmLabels", "咨询过但还没有下单"),
    }


segment_hint = Labels(_segment_hints)


def _source_texts() -> dict[str, str]:
    """The stored sources (the platform's words, TRAFFIC_SOURCES) in the UI language."""
    return {
        TRAFFIC_SOURCES[0]: QCoreApplication.translate("CrmLabels", "站内免费"),
        TRAFFIC_SOURCES[1]: QCoreApplication.translate("CrmLabels", "站内付费"),
        TRAFFIC_SOURCES[2]: QCoreApplication.translate("CrmLabels", "自主访问"),
        TRAFFIC_SOURCES[3]: QCoreApplication.translate("CrmLabels", "站外"),
        "": QCoreApplication.translate("CrmLabels", "未知"),
    }


source_label = Labels(_source_texts, fallback=str)  # an unknown stored source shows as stored


def _level_texts() -> dict[str, str]:
    """The stored member levels (MEMBER_LEVELS) in the UI language."""
    return {
        MEMBER_LEVELS[0]: QCoreApplication.translate("CrmLabels", "普通会员"),
        MEMBER_LEVELS[1]: QCoreApplication.translate("CrmLabels", "银卡"),
        MEMBER_LEVELS[2]: QCoreApplication.translate("CrmLabels", "金卡"),
        MEMBER_LEVELS[3]: QCoreApplication.translate("CrmLabels", "钻石"),
        "": QCoreApplication.translate("CrmLabels", "非会员"),
    }


level_label = Labels(_level_texts, fallback=str)


def _tier_texts() -> dict[str, str]:
    """The credit tiers (CREDIT_TIERS) with their glyphs' names."""
    return {
        CREDIT_TIERS[0]: QCoreApplication.translate("CrmLabels", "心（红心）"),
        CREDIT_TIERS[1]: QCoreApplication.translate("CrmLabels", "钻（蓝钻）"),
        CREDIT_TIERS[2]: QCoreApplication.translate("CrmLabels", "冠（皇冠）"),
        CREDIT_TIERS[3]: QCoreApplication.translate("CrmLabels", "金冠"),
    }


tier_label = Labels(_tier_texts, fallback=str)


def _gender_texts() -> dict[str, str]:
    return {
        GENDERS[0]: QCoreApplication.translate("CrmLabels", "女"),
        GENDERS[1]: QCoreApplication.translate("CrmLabels", "男"),
    }


gender_label = Labels(_gender_texts, fallback=str)


def _outcome_texts() -> dict[FollowUpOutcome, str]:
    return {
        FollowUpOutcome.SATISFIED: QCoreApplication.translate("CrmLabels", "满意"),
        FollowUpOutcome.NEUTRAL: QCoreApplication.translate("CrmLabels", "一般"),
        FollowUpOutcome.UNSATISFIED: QCoreApplication.translate("CrmLabels", "不满意"),
        FollowUpOutcome.REPURCHASE: QCoreApplication.translate("CrmLabels", "有复购意向"),
        FollowUpOutcome.NO_REPLY: QCoreApplication.translate("CrmLabels", "未回复"),
    }


outcome_label = Labels(_outcome_texts)


def _status_texts() -> dict[FollowUpStatus, str]:
    return {
        FollowUpStatus.PENDING: QCoreApplication.translate("CrmLabels", "待回访"),
        FollowUpStatus.SENT: QCoreApplication.translate("CrmLabels", "已发送关怀"),
        FollowUpStatus.DONE: QCoreApplication.translate("CrmLabels", "已完成"),
        FollowUpStatus.CANCELLED: QCoreApplication.translate("CrmLabels", "已取消"),
    }


status_label = Labels(_status_texts)


def _source_kind_texts() -> dict[FollowUpSource, str]:
    return {
        FollowUpSource.RULE: QCoreApplication.translate("CrmLabels", "规则"),
        FollowUpSource.MANUAL: QCoreApplication.translate("CrmLabels", "手动"),
        FollowUpSource.CARE: QCoreApplication.translate("CrmLabels", "关怀群发"),
    }


source_kind_label = Labels(_source_kind_texts)


def _view_texts() -> dict[FollowUpView, str]:
    return {
        FollowUpView.DUE: QCoreApplication.translate("CrmLabels", "今日待回访"),
        FollowUpView.OVERDUE: QCoreApplication.translate("CrmLabels", "已逾期"),
        FollowUpView.UPCOMING: QCoreApplication.translate("CrmLabels", "即将到期"),
        FollowUpView.AWAITING: QCoreApplication.translate("CrmLabels", "待记录结果"),
        FollowUpView.DONE: QCoreApplication.translate("CrmLabels", "已完成"),
        FollowUpView.ALL: QCoreApplication.translate("CrmLabels", "全部"),
    }


view_label = Labels(_view_texts)


def _trigger_texts() -> dict[RuleTrigger, str]:
    return {
        RuleTrigger.SIGNED: QCoreApplication.translate("CrmLabels", "签收后"),
        RuleTrigger.AT_RISK: QCoreApplication.translate("CrmLabels", "流失预警客户"),
    }


trigger_label = Labels(_trigger_texts)


def _group_kind_texts() -> dict[GroupKind, str]:
    return {
        GroupKind.FILTER: QCoreApplication.translate("CrmLabels", "动态分组（按条件）"),
        GroupKind.STATIC: QCoreApplication.translate("CrmLabels", "静态分组（手动添加）"),
    }


group_kind_label = Labels(_group_kind_texts)


def _tag_match_texts() -> dict[TagMatch, str]:
    return {
        TagMatch.ANY: QCoreApplication.translate("CrmLabels", "含任一标签"),
        TagMatch.ALL: QCoreApplication.translate("CrmLabels", "含全部标签"),
        TagMatch.NONE: QCoreApplication.translate("CrmLabels", "不含标签"),
    }


tag_match_label = Labels(_tag_match_texts)  # in the filter's summary


def _tag_match_options() -> dict[TagMatch, str]:
    return {
        TagMatch.ANY: QCoreApplication.translate("CrmLabels", "包含任一标签"),
        TagMatch.ALL: QCoreApplication.translate("CrmLabels", "包含全部标签"),
        TagMatch.NONE: QCoreApplication.translate("CrmLabels", "不包含这些标签"),
    }


tag_match_option = Labels(_tag_match_options)  # in the tag menu


def yuan(cents: int) -> str:
    return format_yuan(cents)


def timeline_text(event: TimelineEvent) -> str:
    """One sentence for a timeline entry."""
    total = event.param("total")
    money = format_yuan(int(total)) if total.isdigit() else ""
    match event.kind:
        case TimelineKind.REGISTERED:
            return QCoreApplication.translate("CrmLabels", "注册淘宝账号")
        case TimelineKind.ORDER:
            return QCoreApplication.translate("CrmLabels", "下单 {no} · {title} · {money}").format(
                no=event.title, title=event.detail, money=money
            )
        case TimelineKind.PAID:
            return QCoreApplication.translate("CrmLabels", "付款 {no}").format(no=event.title)
        case TimelineKind.SHIPPED:
            return QCoreApplication.translate("CrmLabels", "发货 {no}").format(no=event.title)
        case TimelineKind.SIGNED:
            return QCoreApplication.translate("CrmLabels", "签收 {no}").format(no=event.title)
        case TimelineKind.REFUND:
            return QCoreApplication.translate("CrmLabels", "申请退款 {no}").format(no=event.title)
        case TimelineKind.CLOSED:
            return QCoreApplication.translate("CrmLabels", "交易关闭 {no}").format(no=event.title)
        case TimelineKind.CHAT:
            return QCoreApplication.translate("CrmLabels", "咨询 {n} 条消息：{last}").format(
                n=event.param("messages") or "0", last=event.title
            )
        case TimelineKind.NOTE:
            return QCoreApplication.translate("CrmLabels", "备注（{author}）：{text}").format(
                author=event.detail, text=event.title
            )
        case TimelineKind.TAG:
            return QCoreApplication.translate("CrmLabels", "打上标签「{tag}」").format(tag=event.title)
        case TimelineKind.FOLLOWUP:
            return QCoreApplication.translate("CrmLabels", "安排回访：{reason}").format(reason=event.title)
        case TimelineKind.CARE:
            return QCoreApplication.translate("CrmLabels", "发送关怀（{agent}）：{text}").format(
                agent=event.detail, text=event.title
            )
        case TimelineKind.FOLLOWUP_DONE:
            outcome = event.param("outcome")
            shown = outcome_label(FollowUpOutcome(outcome)) if outcome else ""
            return (
                QCoreApplication.translate("CrmLabels", "回访完成：{outcome} {note}")
                .format(outcome=shown, note=event.detail)
                .strip()
            )
        case TimelineKind.CASE | TimelineKind.REVIEW:
            return _case_text(event)
    return event.title


def _case_text(event: TimelineEvent) -> str:
    from workbench.domain.aftersales import CaseKind, CaseState
    from workbench.ui.aftersales.texts import kind_label, state_label

    try:
        kind, state = kind_label(CaseKind(event.param("kind"))), state_label(CaseState(event.param("state")))
    except ValueError:
        kind, state = "", ""
    if event.kind is TimelineKind.REVIEW:
        return QCoreApplication.translate("CrmLabels", "评价：{title} · {state}").format(title=event.title, state=state)
    return QCoreApplication.translate("CrmLabels", "{kind} {no}：{title} · {state}").format(
        kind=kind, no=event.param("no"), title=event.title, state=state
    )


def import_issue_text(issue: ImportIssue) -> str:
    """第 3 行 · 手机：… — the line first, so the user can find it in the file."""
    reasons = {
        "import.required": QCoreApplication.translate("CrmLabels", "必填，不能为空"),
        "import.too_long": QCoreApplication.translate("CrmLabels", "内容太长"),
        "import.phone": QCoreApplication.translate("CrmLabels", "不是有效的 11 位手机号"),
        "import.gender": QCoreApplication.translate("CrmLabels", "只能填 男 或 女"),
        "import.credit": QCoreApplication.translate("CrmLabels", "信用等级应写作 3钻、2冠 等"),
        "import.bool": QCoreApplication.translate("CrmLabels", "应填 是 或 否"),
        "import.source": QCoreApplication.translate("CrmLabels", "来源只能是 站内免费、站内付费、自主访问、站外"),
        "import.level": QCoreApplication.translate("CrmLabels", "会员等级只能是 普通会员、银卡、金卡、钻石"),
        "import.number": QCoreApplication.translate("CrmLabels", "应为不小于 0 的整数"),
        "import.points_range": QCoreApplication.translate("CrmLabels", "积分最多 1,000,000,000"),
        "import.quantity_range": QCoreApplication.translate("CrmLabels", "数量最多 100,000"),
        "import.date": QCoreApplication.translate("CrmLabels", "日期格式应为 2024-06-18 或 2024-06-18 14:30"),
        "import.date_range": QCoreApplication.translate("CrmLabels", "日期应在 1990-01-01 到 2100-12-31 之间"),
        "import.text": QCoreApplication.translate("CrmLabels", "含有控制字符或无效字符"),
        "import.stopped": QCoreApplication.translate("CrmLabels", "问题太多，后面的内容没有再检查"),
        "import.tag_too_long": QCoreApplication.translate("CrmLabels", "标签最多 20 个字"),
        "import.tag_official": QCoreApplication.translate("CrmLabels", "官方标签（88VIP、信用等级）不能导入"),
        "import.duplicate_in_file": QCoreApplication.translate("CrmLabels", "与第 {other} 行重复"),
        "import.conflict": QCoreApplication.translate("CrmLabels", "昵称和手机号分别属于两位不同的已有客户"),
        "import.missing_column": QCoreApplication.translate("CrmLabels", "缺少这一列"),
        "import.empty": QCoreApplication.translate("CrmLabels", "文件里没有数据"),
        "import.order_no": QCoreApplication.translate("CrmLabels", "订单号应为 4–30 位数字或字母"),
        "import.state": QCoreApplication.translate("CrmLabels", "不认识的订单状态"),
        "import.money": QCoreApplication.translate("CrmLabels", "金额应为不小于 0 的数字，最多两位小数"),
        "import.money_range": QCoreApplication.translate("CrmLabels", "金额最多 10,000,000.00 元"),
        "import.time_order": QCoreApplication.translate("CrmLabels", "早于下单时间"),
        "import.unknown_customer": QCoreApplication.translate("CrmLabels", "找不到这位客户，请先导入客户"),
        "import.order_other_customer": QCoreApplication.translate("CrmLabels", "这个订单号属于另一位客户"),
    }
    reason = reasons.get(issue.code, issue.code).format(other=issue.other_line)
    where = QCoreApplication.translate("CrmLabels", "第 {line} 行").format(line=issue.line)
    if issue.column:
        where += f" · {issue.column}"
    shown = f"“{issue.value}”" if issue.value else ""
    return f"{where}：{reason} {shown}".rstrip()


def crm_error_text(exc: BaseException) -> str:
    """Translated text for customer-management errors; anything else as the app words it."""
    if isinstance(exc, ImportFailed):
        return QCoreApplication.translate("CrmLabels", "文件有 {n} 处问题，没有导入任何数据。").format(
            n=len(exc.issues)
        )
    if not isinstance(exc, DomainError):
        return error_text(exc)
    p = exc.params
    texts = {
        "tag.exists": QCoreApplication.translate("CrmLabels", "已有标签“{name}”。要把两个标签合成一个，请用“合并”。"),
        "tag.missing": QCoreApplication.translate("CrmLabels", "找不到标签“{name}”。"),
        "tag.color": QCoreApplication.translate("CrmLabels", "颜色应为 #RRGGBB 形式。"),
        "tag.merge_nothing": QCoreApplication.translate("CrmLabels", "请选择要合并进来的其他标签。"),
        "group.empty": QCoreApplication.translate("CrmLabels", "分组名不能为空。"),
        "group.too_long": QCoreApplication.translate("CrmLabels", "分组名最多 {limit} 个字。"),
        "group.exists": QCoreApplication.translate("CrmLabels", "已有分组“{name}”。"),
        "group.missing": QCoreApplication.translate("CrmLabels", "找不到该分组，可能已被删除。"),
        "group.not_static": QCoreApplication.translate(
            "CrmLabels", "动态分组的客户由条件决定，不能手动添加。请选择静态分组。"
        ),
        "group.static": QCoreApplication.translate("CrmLabels", "静态分组没有筛选条件。"),
        "group.nested": QCoreApplication.translate("CrmLabels", "动态分组的条件里不能再包含分组。"),
        "template.empty_name": QCoreApplication.translate("CrmLabels", "请填写话术名称。"),
        "template.name_too_long": QCoreApplication.translate("CrmLabels", "话术名称最多 {limit} 个字。"),
        "template.empty": QCoreApplication.translate("CrmLabels", "话术内容不能为空。"),
        "template.too_long": QCoreApplication.translate("CrmLabels", "话术内容最多 {limit} 个字。"),
        "template.placeholder": QCoreApplication.translate(
            "CrmLabels", "不认识的占位符 {{{name}}}。可用的占位符见内容下方的按钮。"
        ),
        "template.exists": QCoreApplication.translate("CrmLabels", "已有同名话术“{name}”。"),
        "template.missing": QCoreApplication.translate("CrmLabels", "找不到该话术，可能已被删除。"),
        "rule.empty": QCoreApplication.translate("CrmLabels", "请填写规则名称。"),
        "rule.too_long": QCoreApplication.translate("CrmLabels", "规则名称最多 {limit} 个字。"),
        "rule.days": QCoreApplication.translate("CrmLabels", "天数范围不对：开始天数不能大于结束天数，最多 365 天。"),
        "rule.missing": QCoreApplication.translate("CrmLabels", "找不到该规则，可能已被删除。"),
        "followup.missing": QCoreApplication.translate("CrmLabels", "找不到该回访，可能已被删除。"),
        "followup.closed": QCoreApplication.translate("CrmLabels", "该回访已完成或已取消。"),
        "followup.note_too_long": QCoreApplication.translate("CrmLabels", "回访记录最多 {limit} 个字。"),
        "care.nobody": QCoreApplication.translate("CrmLabels", "没有选中任何客户。"),
        "care.too_many": QCoreApplication.translate("CrmLabels", "一次最多给 {limit} 位客户发送关怀消息，请缩小范围。"),
        "customer.phone": QCoreApplication.translate("CrmLabels", "手机号应为 1 开头的 11 位数字。"),
        "customer.source": QCoreApplication.translate("CrmLabels", "请选择客户来源。"),
        "customer.level": QCoreApplication.translate("CrmLabels", "请选择会员等级。"),
        "customer.points": QCoreApplication.translate("CrmLabels", "积分不能为负数。"),
        "customer.gender": QCoreApplication.translate("CrmLabels", "性别只能是 男 或 女。"),
        "customer.too_long": QCoreApplication.translate("CrmLabels", "最多 {limit} 个字。"),
        "customer.body": QCoreApplication.translate("CrmLabels", "请填写 {low}–{high} 之间的数值。"),
        "filter.spent_range": QCoreApplication.translate("CrmLabels", "消费金额范围不对：最小值不能大于最大值。"),
        "filter.orders_range": QCoreApplication.translate("CrmLabels", "订单数范围不对：最小值不能大于最大值。"),
        "filter.date_range": QCoreApplication.translate("CrmLabels", "日期范围不对：开始日期不能晚于结束日期。"),
        "filter.invalid": QCoreApplication.translate("CrmLabels", "筛选条件无法识别。"),
        "rfm.recency": QCoreApplication.translate("CrmLabels", "最近购买天数需要 4 个从小到大的正数。"),
        "rfm.frequency": QCoreApplication.translate("CrmLabels", "购买次数需要 4 个从小到大的正数。"),
        "rfm.monetary": QCoreApplication.translate("CrmLabels", "消费金额需要 4 个从小到大的正数。"),
        "rfm.levels": QCoreApplication.translate("CrmLabels", "会员等级门槛需要 3 个从小到大的正数。"),
        "rfm.churn_days": QCoreApplication.translate("CrmLabels", "流失预警天数应小于流失天数。"),
        "rfm.new_days": QCoreApplication.translate("CrmLabels", "新客天数应大于 0 且不超过流失天数。"),
        "rfm.high_value": QCoreApplication.translate("CrmLabels", "高价值门槛应大于 0。"),
        "import.format": QCoreApplication.translate("CrmLabels", "只能导入 CSV 或 XLSX 文件：{name}"),
        "import.unreadable": QCoreApplication.translate("CrmLabels", "无法读取文件 {name}：{detail}"),
        "import.too_many": QCoreApplication.translate("CrmLabels", "一次最多导入 {limit} 行。"),
        "import.too_big": QCoreApplication.translate("CrmLabels", "文件 {name} 太大，最多 {limit_mb} MB。"),
        "import.line_too_long": QCoreApplication.translate("CrmLabels", "文件 {name} 第 {line} 行太长。"),
        "import.encoding": QCoreApplication.translate(
            "CrmLabels", "无法识别文件 {name} 的编码，请另存为 UTF-8 的 CSV 或 XLSX。"
        ),
        "import.cancelled": QCoreApplication.translate("CrmLabels", "已取消，没有导入任何数据。"),
        "import.gone": QCoreApplication.translate("CrmLabels", "这次检查的结果已失效，请重新检查文件。"),
        "export.write": QCoreApplication.translate("CrmLabels", "无法写入文件 {name}：{detail}"),
        "order.missing": QCoreApplication.translate("CrmLabels", "找不到该订单。"),
    }
    text = texts.get(exc.code)
    if text is None:
        return error_text(exc)
    if exc.code in ("import.unreadable", "export.write") and isinstance(exc.__cause__, OSError):
        p = {**p, "detail": os_error_detail(exc.__cause__, str(p.get("detail", "")))}
    try:
        return text.format(**p)
    except (KeyError, IndexError):
        return text


def os_error_detail(exc: OSError, fallback: str) -> str:
    """The system's own wording of a file error is English on most machines; say the common ones in
    the UI language (a CSV still open in Excel is the usual reason an export cannot be written)."""
    if isinstance(exc, PermissionError):
        return QCoreApplication.translate("CrmLabels", "文件正被其他程序使用或没有权限，如在 Excel 中打开了请先关闭")
    if isinstance(exc, FileNotFoundError):
        return QCoreApplication.translate("CrmLabels", "文件或文件夹不存在")
    return fallback
