"""The 数据中心's translated texts: each figure's one-line definition (the same sentences as
`workbench.domain.reports.DEFINITIONS`, written here for lupdate) and the hand-off reasons."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from workbench.domain.bot import HandoffReason
from workbench.ui.labels import Labels


def performance_definitions() -> list[str]:
    return [
        QCoreApplication.translate(
            "ReportTexts", "咨询人数：在所选时段内向人工客服发过消息的买家数（机器人接待、未转人工的不算）"
        ),
        QCoreApplication.translate("ReportTexts", "接待人数：在所选时段内该客服回复过的买家数"),
        QCoreApplication.translate(
            "ReportTexts", "首次响应时间：每个对话中买家（转人工的对话自转人工起）首条待回复消息到客服首次回复的秒数"
        ),
        QCoreApplication.translate(
            "ReportTexts", "平均响应时间：买家每一轮连续消息的第一条到客服回复的秒数，取平均值与中位数"
        ),
        QCoreApplication.translate("ReportTexts", "回复率：该客服对话中咨询过的买家里，得到人工回复的比例"),
        QCoreApplication.translate(
            "ReportTexts", "3 分钟未回复：买家一轮消息 3 分钟内没有得到人工回复的次数，及其占全部待回复轮次的比例"
        ),
        QCoreApplication.translate(
            "ReportTexts", "询单转化率：咨询过的买家中，在首次咨询后 24 小时内下单（订单表中的真实订单）的比例"
        ),
        QCoreApplication.translate(
            "ReportTexts", "满意度：买家回答了的邀请评价中“非常满意”和“满意”所占的比例（没有回答时显示为空）"
        ),
        QCoreApplication.translate(
            "ReportTexts", "建议采用：人工回复中直接采用、修改后采用智能辅助建议的条数，及未使用建议的回复条数"
        ),
        QCoreApplication.translate(
            "ReportTexts", "售后工单：该客服在时段内新建的售后工单数、结案数，以及建单后 48 小时内结案的数量"
        ),
    ]


def bot_definitions() -> list[str]:
    return [
        QCoreApplication.translate(
            "ReportTexts", "接待方式：时段内开始的对话：机器人接待（含后来转人工的）与仅人工接待"
        ),
        QCoreApplication.translate(
            "ReportTexts", "全自动接待占比：机器人从头到尾独自接待、没有转人工的对话占全部对话的比例"
        ),
        QCoreApplication.translate(
            "ReportTexts", "解决率：机器人接待的对话中，没有转人工且 10 分钟内没有重复提问的比例"
        ),
        QCoreApplication.translate(
            "ReportTexts",
            "转人工率：机器人接待的对话中转给人工的比例，按原因：关键词、负面情绪、重复提问、无法回答、需人工",
        ),
        QCoreApplication.translate("ReportTexts", "热门问题：机器人直接回答次数最多的知识条目，附一条买家原话"),
        QCoreApplication.translate(
            "ReportTexts",
            "未解决问题：机器人无法回答、只给出“你可能想问”而买家没有选择、或因无法回答/重复提问转人工的买家消息",
        ),
    ]


def _reason_texts() -> dict[str, str]:
    return {
        HandoffReason.KEYWORD.value: QCoreApplication.translate("ReportTexts", "转人工关键词"),
        HandoffReason.EMOTION.value: QCoreApplication.translate("ReportTexts", "负面情绪"),
        HandoffReason.REPEAT.value: QCoreApplication.translate("ReportTexts", "重复提问"),
        HandoffReason.MISSES.value: QCoreApplication.translate("ReportTexts", "无法回答"),
        HandoffReason.NEEDS_HUMAN.value: QCoreApplication.translate("ReportTexts", "需人工处理"),
    }


reason_label: Labels[str] = Labels(
    _reason_texts, fallback=lambda value: value or QCoreApplication.translate("ReportTexts", "其他")
)
