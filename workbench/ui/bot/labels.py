"""Translated names for the bot's enums and the texts of its error codes."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from workbench.domain.auto_messages import AutoKind, LogStatus
from workbench.domain.bot import AutoStrategy, HandoffReason, ReceptionMode
from workbench.domain.errors import DomainError
from workbench.domain.routing import AgentRole, RoutingStrategy
from workbench.domain.shops import AgentStatus
from workbench.ui.errors import error_text
from workbench.ui.labels import Labels


def _kind_texts() -> dict[AutoKind, str]:
    return {
        AutoKind.PAID: QCoreApplication.translate("BotLabels", "付款消息"),
        AutoKind.SHIPPED: QCoreApplication.translate("BotLabels", "发货提醒"),
        AutoKind.UNPAID: QCoreApplication.translate("BotLabels", "自动催付"),
        AutoKind.DELAYED: QCoreApplication.translate("BotLabels", "延迟发货通知"),
        AutoKind.GOOD_REVIEW: QCoreApplication.translate("BotLabels", "好评自动回复"),
        AutoKind.BULK: QCoreApplication.translate("BotLabels", "批量发消息"),
        AutoKind.BUSY: QCoreApplication.translate("BotLabels", "忙碌自动回复"),
    }


kind_label = Labels(_kind_texts)


def _kind_hint_texts() -> dict[AutoKind, str]:
    return {
        AutoKind.PAID: QCoreApplication.translate("BotLabels", "买家付款后立即发送，告知发货时间。"),
        AutoKind.SHIPPED: QCoreApplication.translate("BotLabels", "订单发货后发送物流公司和运单号。"),
        AutoKind.UNPAID: QCoreApplication.translate(
            "BotLabels", "下单后未付款，在设定的时间后提醒一次；可设最低金额、跳过有差评的买家和免打扰时段。"
        ),
        AutoKind.DELAYED: QCoreApplication.translate("BotLabels", "付款后超过设定时间仍未发货时，主动致歉说明。"),
        AutoKind.GOOD_REVIEW: QCoreApplication.translate("BotLabels", "买家给出好评后发送感谢。"),
        AutoKind.BULK: QCoreApplication.translate("BotLabels", "选择一组客户，一次发送同一条消息。"),
        AutoKind.BUSY: QCoreApplication.translate(
            "BotLabels", "没有客服能接待新进店的买家时（都挂起或离线，或分流找不到空闲客服）自动回复一次。"
        ),
    }


kind_hint = Labels(_kind_hint_texts)


def _status_texts() -> dict[LogStatus, str]:
    return {
        LogStatus.SENT: QCoreApplication.translate("BotLabels", "已发送"),
        LogStatus.SKIPPED: QCoreApplication.translate("BotLabels", "已跳过"),
    }


status_label = Labels(_status_texts)


def _role_texts() -> dict[AgentRole, str]:
    return {
        AgentRole.OWNER: QCoreApplication.translate("BotLabels", "主账号"),
        AgentRole.SUPERVISOR: QCoreApplication.translate("BotLabels", "主管"),
        AgentRole.AGENT: QCoreApplication.translate("BotLabels", "客服"),
        AgentRole.AFTERSALES: QCoreApplication.translate("BotLabels", "售后"),
        AgentRole.TEACHER: QCoreApplication.translate("BotLabels", "教师"),
        AgentRole.STUDENT: QCoreApplication.translate("BotLabels", "学生"),
    }


role_label = Labels(_role_texts)


def _agent_status_texts() -> dict[AgentStatus, str]:
    return {
        AgentStatus.ONLINE: QCoreApplication.translate("BotLabels", "在线"),
        AgentStatus.BUSY: QCoreApplication.translate("BotLabels", "挂起"),
        AgentStatus.OFFLINE: QCoreApplication.translate("BotLabels", "离线"),
    }


agent_status_label = Labels(_agent_status_texts)


def _mode_texts() -> dict[ReceptionMode, str]:
    return {
        ReceptionMode.OFF: QCoreApplication.translate("BotLabels", "关闭"),
        ReceptionMode.ASSIST: QCoreApplication.translate("BotLabels", "智能辅助"),
        ReceptionMode.AUTO: QCoreApplication.translate("BotLabels", "全自动"),
    }


mode_label = Labels(_mode_texts)


def _strategy_texts() -> dict[AutoStrategy, str]:
    return {
        AutoStrategy.HUMAN_FIRST: QCoreApplication.translate("BotLabels", "人工优先"),
        AutoStrategy.BOT_FIRST: QCoreApplication.translate("BotLabels", "机器人优先"),
        AutoStrategy.MIXED: QCoreApplication.translate("BotLabels", "人机混合"),
    }


strategy_label = Labels(_strategy_texts)


def _routing_texts() -> dict[RoutingStrategy, str]:
    return {
        RoutingStrategy.ROUND_ROBIN: QCoreApplication.translate("BotLabels", "轮流分配"),
        RoutingStrategy.LEAST_BUSY: QCoreApplication.translate("BotLabels", "优先分给接待最少的"),
    }


routing_label = Labels(_routing_texts)


def _reason_texts() -> dict[HandoffReason, str]:
    return {
        HandoffReason.KEYWORD: QCoreApplication.translate("BotLabels", "转人工关键词"),
        HandoffReason.MISSES: QCoreApplication.translate("BotLabels", "连续未识别"),
        HandoffReason.REPEAT: QCoreApplication.translate("BotLabels", "重复提问"),
        HandoffReason.EMOTION: QCoreApplication.translate("BotLabels", "负面情绪"),
        HandoffReason.NEEDS_HUMAN: QCoreApplication.translate("BotLabels", "需人工处理的问题"),
    }


reason_label = Labels(_reason_texts)


def bot_error_text(exc: BaseException) -> str:
    """The bot page's errors (welcome, transfer, accounts, groups, templates…); others as usual."""
    if not isinstance(exc, DomainError):
        return error_text(exc)
    p = exc.params
    match exc.code:
        case "bot.nickname_empty":
            return QCoreApplication.translate("BotErrors", "请填写机器人昵称。")
        case "bot.nickname_too_long":
            return QCoreApplication.translate("BotErrors", "昵称最多 {limit} 个字。").format(**p)
        case "bot.text_empty":
            return QCoreApplication.translate("BotErrors", "内容不能为空。")
        case "bot.text_too_long":
            return QCoreApplication.translate("BotErrors", "内容太长：{length} 字，最多 {limit} 字。").format(**p)
        case "bot.bad_time":
            return QCoreApplication.translate("BotErrors", "时间「{value}」无效，请按 时:分 填写，如 08:30。").format(
                **p
            )
        case "bot.period_empty":
            return QCoreApplication.translate("BotErrors", "第 {row} 个时段的开始和结束时间相同。").format(**p)
        case "bot.period_overlap":
            return QCoreApplication.translate("BotErrors", "第 {row} 个时段与前面的时段重叠。").format(**p)
        case "bot.too_many_periods":
            return QCoreApplication.translate("BotErrors", "最多设置 {limit} 个自定义时段。").format(**p)
        case "bot.too_many_questions":
            return QCoreApplication.translate("BotErrors", "卡片问题最多 {limit} 个。").format(**p)
        case "bot.question_empty":
            return QCoreApplication.translate("BotErrors", "第 {row} 个卡片问题是空的。").format(**p)
        case "bot.question_duplicate":
            return QCoreApplication.translate("BotErrors", "卡片问题「{question}」重复了。").format(**p)
        case "bot.manual_card_empty":
            return QCoreApplication.translate("BotErrors", "「全部人工配置」至少要添加一个卡片问题。")
        case "bot.too_many_buttons":
            return QCoreApplication.translate("BotErrors", "快捷按钮最多 {limit} 个。").format(**p)
        case "bot.button_empty":
            return QCoreApplication.translate("BotErrors", "第 {row} 个快捷按钮没有名称。").format(**p)
        case "bot.button_too_long":
            return QCoreApplication.translate("BotErrors", "第 {row} 个快捷按钮名称最多 {limit} 个字。").format(**p)
        case "bot.button_message_too_long":
            return QCoreApplication.translate("BotErrors", "第 {row} 个快捷按钮发送的内容最多 {limit} 个字。").format(
                **p
            )
        case "bot.too_many_keywords":
            return QCoreApplication.translate("BotErrors", "关键词最多 {limit} 个。").format(**p)
        case "bot.keyword_too_long":
            return QCoreApplication.translate("BotErrors", "关键词「{keyword}」太长，最多 {limit} 个字。").format(**p)
        case "bot.misses_range":
            return QCoreApplication.translate("BotErrors", "连续未识别条数应在 0 到 {limit} 之间。").format(**p)
        case "bot.repeat_range":
            return QCoreApplication.translate("BotErrors", "重复次数应为 0（不启用）或 2 到 {limit}。").format(**p)
        case "bot.emotion_range":
            return QCoreApplication.translate("BotErrors", "情绪灵敏度无效。")
        case "bot.share_range":
            return QCoreApplication.translate("BotErrors", "机器人接待比例应在 0 到 100 之间。")
        case "account.username_empty":
            return QCoreApplication.translate("BotErrors", "请填写账号名。")
        case "account.username_too_long":
            return QCoreApplication.translate("BotErrors", "账号名最多 {limit} 个字符。").format(**p)
        case "account.username_chars":
            return QCoreApplication.translate("BotErrors", "账号名只能包含中文、字母、数字和 _ . - :，不能有空格。")
        case "account.username_taken":
            return QCoreApplication.translate("BotErrors", "账号名「{username}」已存在。").format(**p)
        case "account.name_empty":
            return QCoreApplication.translate("BotErrors", "请填写昵称。")
        case "account.name_too_long":
            return QCoreApplication.translate("BotErrors", "昵称最多 {limit} 个字。").format(**p)
        case "account.capacity_range":
            return QCoreApplication.translate("BotErrors", "接待上限应在 {low} 到 {high} 之间。").format(**p)
        case "account.is_desk":
            return QCoreApplication.translate("BotErrors", "不能删除当前登录的账号。")
        case "account.missing":
            return QCoreApplication.translate("BotErrors", "找不到该子账号，可能已被删除。")
        case "group.name_empty":
            return QCoreApplication.translate("BotErrors", "请填写接待组名称。")
        case "group.name_too_long":
            return QCoreApplication.translate("BotErrors", "接待组名称最多 {limit} 个字。").format(**p)
        case "group.name_taken":
            return QCoreApplication.translate("BotErrors", "接待组「{name}」已存在。").format(**p)
        case "group.too_many_keywords":
            return QCoreApplication.translate("BotErrors", "分组关键词最多 {limit} 个。").format(**p)
        case "template.empty":
            return QCoreApplication.translate("BotErrors", "消息模板不能为空。")
        case "template.too_long":
            return QCoreApplication.translate("BotErrors", "模板太长：{length} 字，最多 {limit} 字。").format(**p)
        case "template.braces":
            return QCoreApplication.translate("BotErrors", "花括号不成对，请检查模板里变量的写法。")
        case "template.unknown_placeholder":
            return QCoreApplication.translate("BotErrors", "没有「{name}」这个变量，请从下方按钮插入。").format(**p)
        case "template.unavailable_placeholder":
            return QCoreApplication.translate("BotErrors", "「{name}」不能用在这类消息里。").format(**p)
        case "rule.delay_range":
            return QCoreApplication.translate("BotErrors", "延迟时间应在 0 到 {limit} 分钟之间。").format(**p)
        case "rule.amount_negative":
            return QCoreApplication.translate("BotErrors", "最低金额不能为负数。")
        case "rule.quiet_empty":
            return QCoreApplication.translate("BotErrors", "免打扰的开始和结束时间不能相同。")
        case "rule.events_range":
            return QCoreApplication.translate("BotErrors", "模拟订单事件应在每分钟 0 到 60 个之间。")
        case "bulk.nobody":
            return QCoreApplication.translate("BotErrors", "这组客户里没有人。")
        case "bulk.too_many":
            return QCoreApplication.translate("BotErrors", "一次最多发给 {limit} 位客户，请缩小范围。").format(**p)
        case "bulk.bad_target":
            return QCoreApplication.translate("BotErrors", "请选择要发送的客户组。")
    return error_text(exc)
