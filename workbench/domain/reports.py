"""数据中心: the figures of 客服绩效 and 店小蜜数据 as plain values, with the one-line definition of each.

The services compute them (workbench.services.reports) from the stored reception data; the UI shows
`DEFINITIONS` translated (ui/reports/texts.py holds the same sentences for lupdate), the command line
prints them as they are here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from workbench.domain.errors import DomainError

LATE_REPLY_S = 180  # 3 分钟未回复
CONVERSION_WINDOW = timedelta(hours=24)  # 询单转化: an order within 24 h of the first question
REPEAT_WINDOW_S = 600  # 解决率: the same question again within 10 minutes is not solved
CASE_CLOSE_HOURS = 48  # 售后按时结案: closed within 48 h of opening


class Period(StrEnum):
    TODAY = "today"
    YESTERDAY = "yesterday"
    DAYS_7 = "7d"
    DAYS_30 = "30d"
    CUSTOM = "custom"


@dataclass(frozen=True, slots=True)
class DateRange:
    """Whole days, `first` to `last` inclusive (the reports read [first 00:00, last+1 00:00))."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise DomainError("reports.range_reversed", field="to")
        if (self.last - self.first).days > 366:
            raise DomainError("reports.range_too_long", field="to")

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time())

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time())

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    @classmethod
    def of(cls, period: Period, today: date) -> DateRange:
        if period is Period.YESTERDAY:
            day = today - timedelta(days=1)
            return cls(day, day)
        if period is Period.DAYS_7:
            return cls(today - timedelta(days=6), today)
        if period is Period.DAYS_30:
            return cls(today - timedelta(days=29), today)
        return cls(today, today)


def ratio(part: int, whole: int) -> float | None:
    """part / whole, None when nothing to divide by (the UI shows "—", not 0 %)."""
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True, slots=True)
class AgentPerformance:
    """客服绩效 of one agent (agent_id None: the whole shop)."""

    agent_id: int | None
    name: str
    asked: int = 0  # 咨询人数
    received: int = 0  # 接待人数
    replied_buyers: int = 0  # buyers of the agent's chats who got a reply (回复率's numerator)
    first_response_avg_s: float | None = None
    first_response_median_s: float | None = None
    response_avg_s: float | None = None
    response_median_s: float | None = None
    waits: int = 0  # customer message runs waiting for a human
    late: int = 0  # of them: not answered within 3 minutes
    converted: int = 0  # buyers who ordered within 24 h of asking
    invitations: int = 0  # 邀请评价 cards sent
    rated: int = 0  # invitations the buyer answered
    satisfied: int = 0
    suggestions_as_is: int = 0
    suggestions_edited: int = 0
    replies_without_suggestion: int = 0
    cases_opened: int = 0
    cases_closed: int = 0
    cases_closed_in_time: int = 0

    @property
    def reply_rate(self) -> float | None:
        return ratio(self.replied_buyers, self.asked)

    @property
    def late_rate(self) -> float | None:
        return ratio(self.late, self.waits)

    @property
    def conversion_rate(self) -> float | None:
        return ratio(self.converted, self.asked)

    @property
    def satisfaction(self) -> float | None:
        return ratio(self.satisfied, self.rated)

    def as_dict(self) -> dict[str, object]:
        return {
            "agent_id": self.agent_id,
            "name": self.name,
            "asked": self.asked,
            "received": self.received,
            "first_response_avg_s": self.first_response_avg_s,
            "first_response_median_s": self.first_response_median_s,
            "response_avg_s": self.response_avg_s,
            "response_median_s": self.response_median_s,
            "reply_rate": self.reply_rate,
            "late": self.late,
            "late_rate": self.late_rate,
            "converted": self.converted,
            "conversion_rate": self.conversion_rate,
            "invitations": self.invitations,
            "rated": self.rated,
            "satisfaction": self.satisfaction,
            "suggestions_as_is": self.suggestions_as_is,
            "suggestions_edited": self.suggestions_edited,
            "replies_without_suggestion": self.replies_without_suggestion,
            "cases_opened": self.cases_opened,
            "cases_closed": self.cases_closed,
            "cases_closed_in_time": self.cases_closed_in_time,
        }


@dataclass(frozen=True, slots=True)
class DayPerformance:
    day: date
    asked: int
    received: int
    response_avg_s: float | None
    late: int


@dataclass(frozen=True, slots=True)
class PerformanceReport:
    range: DateRange
    shop: AgentPerformance
    agents: tuple[AgentPerformance, ...]
    days: tuple[DayPerformance, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "from": self.range.first.isoformat(),
            "to": self.range.last.isoformat(),
            "shop": self.shop.as_dict(),
            "agents": [a.as_dict() for a in self.agents],
            "days": [
                {
                    "day": d.day.isoformat(),
                    "asked": d.asked,
                    "received": d.received,
                    "response_avg_s": d.response_avg_s,
                    "late": d.late,
                }
                for d in self.days
            ],
            "definitions": {key: text for key, (_, text) in DEFINITIONS.items()},
        }


@dataclass(frozen=True, slots=True)
class BotDay:
    day: date
    conversations: int
    bot: int
    full_auto: int
    solved: int
    handed_off: int


@dataclass(frozen=True, slots=True)
class TopQuestion:
    entry_id: int | None
    question: str  # the entry's standard question
    answered: int  # messages the bot answered with it
    example: str  # one customer message it answered


@dataclass(frozen=True, slots=True)
class BotReport:
    range: DateRange
    conversations: int  # started in the range
    bot: int  # the bot took them (全自动 or until a hand-off)
    full_auto: int  # the bot served them to the end (no hand-off)
    solved: int  # full_auto and no question repeated within 10 minutes
    handed_off: int
    reasons: dict[str, int]  # HandoffReason value → hand-offs
    actions: dict[str, int]  # BotAction value → customer messages
    top: tuple[TopQuestion, ...]
    days: tuple[BotDay, ...] = field(default=())

    @property
    def human_only(self) -> int:
        return self.conversations - self.bot

    @property
    def full_auto_share(self) -> float | None:
        return ratio(self.full_auto, self.conversations)

    @property
    def solve_rate(self) -> float | None:
        return ratio(self.solved, self.bot)

    @property
    def handoff_rate(self) -> float | None:
        return ratio(self.handed_off, self.bot)

    def as_dict(self) -> dict[str, object]:
        return {
            "from": self.range.first.isoformat(),
            "to": self.range.last.isoformat(),
            "conversations": self.conversations,
            "by_mode": {"bot": self.bot, "full_auto": self.full_auto, "human_only": self.human_only},
            "full_auto_share": self.full_auto_share,
            "solved": self.solved,
            "solve_rate": self.solve_rate,
            "handed_off": self.handed_off,
            "handoff_rate": self.handoff_rate,
            "handoff_reasons": self.reasons,
            "messages_by_action": self.actions,
            "top_questions": [
                {"entry_id": t.entry_id, "question": t.question, "answered": t.answered, "example": t.example}
                for t in self.top
            ],
            "days": [
                {
                    "day": d.day.isoformat(),
                    "conversations": d.conversations,
                    "bot": d.bot,
                    "full_auto": d.full_auto,
                    "solved": d.solved,
                    "handed_off": d.handed_off,
                }
                for d in self.days
            ],
            "definitions": {key: text for key, (_, text) in BOT_DEFINITIONS.items()},
        }


@dataclass(frozen=True, slots=True)
class UnresolvedMessage:
    """A customer message the bot did not resolve: `why` is fallback, clarify (你可能想问 the buyer
    ignored) or handoff (transferred for misses or a repeated question)."""

    id: int
    conversation_id: int
    at: datetime
    text: str
    why: str


# key → (label, one-line definition); the command line prints these, the UI its translated copy
DEFINITIONS: dict[str, tuple[str, str]] = {
    "asked": ("咨询人数", "在所选时段内向人工客服发过消息的买家数（机器人接待、未转人工的不算）"),
    "received": ("接待人数", "在所选时段内该客服回复过的买家数"),
    "first_response": ("首次响应时间", "每个对话中买家（转人工的对话自转人工起）首条待回复消息到客服首次回复的秒数"),
    "response": ("平均响应时间", "买家每一轮连续消息的第一条到客服回复的秒数，取平均值与中位数"),
    "reply_rate": ("回复率", "该客服对话中咨询过的买家里，得到人工回复的比例"),
    "late": ("3 分钟未回复", "买家一轮消息 3 分钟内没有得到人工回复的次数，及其占全部待回复轮次的比例"),
    "conversion": ("询单转化率", "咨询过的买家中，在首次咨询后 24 小时内下单（订单表中的真实订单）的比例"),
    "satisfaction": ("满意度", "买家回答了的邀请评价中“非常满意”和“满意”所占的比例（没有回答时显示为空）"),
    "suggestions": ("建议采用", "人工回复中直接采用、修改后采用智能辅助建议的条数，及未使用建议的回复条数"),
    "cases": ("售后工单", "该客服在时段内新建的售后工单数、结案数，以及建单后 48 小时内结案的数量"),
}

BOT_DEFINITIONS: dict[str, tuple[str, str]] = {
    "by_mode": ("接待方式", "时段内开始的对话：机器人接待（含后来转人工的）与仅人工接待"),
    "full_auto_share": ("全自动接待占比", "机器人从头到尾独自接待、没有转人工的对话占全部对话的比例"),
    "solve_rate": ("解决率", "机器人接待的对话中，没有转人工且 10 分钟内没有重复提问的比例"),
    "handoff_rate": (
        "转人工率",
        "机器人接待的对话中转给人工的比例，按原因：关键词、负面情绪、重复提问、无法回答、需人工",
    ),
    "top": ("热门问题", "机器人直接回答次数最多的知识条目，附一条买家原话"),
    "unresolved": (
        "未解决问题",
        "机器人无法回答、只给出“你可能想问”而买家没有选择、或因无法回答/重复提问转人工的买家消息",
    ),
}
