"""The reception bot (店小蜜): welcome card, transfer-to-human rules, reception modes, and what the
bot does with one customer message.

Everything here is plain data and rules: no database, no matcher. The service feeds `decide` the
matcher's verdict (as a `MatchView`) and the emotion detector's result.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import time
from enum import StrEnum

from workbench.domain.errors import DomainError
from workbench.domain.kb import Suggestion
from workbench.domain.text import clean_text

MAX_NICKNAME = 12
MAX_WELCOME = 300
MAX_PERIODS = 6
MAX_CARD_QUESTIONS = 8  # questions the shop picks by hand
SMART_PREDICTED = 3  # hot questions 智能预测 adds after the shop's own
MAX_QUICK_BUTTONS = 6
MAX_BUTTON_LABEL = 8
MAX_BUTTON_MESSAGE = 50
MAX_KEYWORDS = 30
MAX_KEYWORD = 10
MAX_PROMPT = 200
MAX_MISSES = 10
MAX_REPEATS = 10

BOT_NAME = "{机器人昵称}"  # placeholder for the bot's nickname in welcome texts, answers and prompts
DEFAULT_KEYWORDS = ("人工", "转人工", "真人", "投诉", "差评", "举报", "12315")


class CardMode(StrEnum):
    SMART = "smart"  # 智能预测+人工配置
    MANUAL = "manual"  # 全部由人工配置


class ReceptionMode(StrEnum):
    OFF = "off"  # 关闭
    ASSIST = "assist"  # 智能辅助: agents answer, the bot suggests
    AUTO = "auto"  # 全自动: the bot answers customers itself


class AutoStrategy(StrEnum):
    HUMAN_FIRST = "human_first"  # 人工优先: the bot only while every agent is 挂起 or offline
    BOT_FIRST = "bot_first"  # 机器人优先: the bot first, hands off on the rules
    MIXED = "mixed"  # 混合: a share of new customers to the bot


class HandoffReason(StrEnum):
    KEYWORD = "keyword"
    MISSES = "misses"
    REPEAT = "repeat"
    EMOTION = "emotion"
    NEEDS_HUMAN = "needs_human"


class BotAction(StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    FALLBACK = "fallback"
    HANDOFF = "handoff"


class MatchKind(StrEnum):
    """The matcher's verdict (the same values as `workbench.kb.matcher.OutcomeKind`)."""

    DIRECT = "direct"
    CLARIFY = "clarify"
    FALLBACK = "fallback"


# -- configuration -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WelcomePeriod:
    """A custom time period with its own welcome text; `end` before `start` runs past midnight."""

    start: time
    end: time
    text: str

    def covers(self, t: time) -> bool:
        if self.start <= self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end


@dataclass(frozen=True, slots=True)
class CardQuestion:
    """A question on the welcome card; `answer` overrides the KB answer when not empty."""

    question: str
    entry_id: int | None = None
    answer: str = ""


@dataclass(frozen=True, slots=True)
class QuickButton:
    """A button under the welcome card; clicking it sends `message` (or the label when empty)."""

    label: str
    message: str = ""

    @property
    def sends(self) -> str:
        return self.message or self.label


@dataclass(frozen=True, slots=True)
class WelcomeConfig:
    nickname: str = "店小蜜"
    default_text: str = "亲，欢迎光临～我是智能客服{机器人昵称}，有什么可以帮您的吗？"
    periods: tuple[WelcomePeriod, ...] = ()
    card_mode: CardMode = CardMode.SMART
    card_questions: tuple[CardQuestion, ...] = ()
    quick_buttons: tuple[QuickButton, ...] = ()

    def text_at(self, t: time) -> str:
        """The welcome text for time of day `t`: the first custom period covering it, else the default."""
        for period in self.periods:
            if period.covers(t):
                return period.text
        return self.default_text


@dataclass(frozen=True, slots=True)
class TransferRules:
    keywords: tuple[str, ...] = DEFAULT_KEYWORDS
    max_misses: int = 2  # N consecutive unmatched messages; 0 = off
    repeat_limit: int = 3  # the same question asked this many times in a row; 0 = off
    on_negative_emotion: bool = True
    emotion_threshold: float = 0.6
    honour_needs_human: bool = True  # KB entries flagged 需要人工 hand off
    success_prompt: str = "亲，正在为您转接人工客服，请稍候～"
    failure_prompt: str = "亲，人工客服暂时不在线，您可以先留言，客服上线后会第一时间回复您～"


@dataclass(frozen=True, slots=True)
class ReceptionConfig:
    mode: ReceptionMode = ReceptionMode.ASSIST
    strategy: AutoStrategy = AutoStrategy.BOT_FIRST
    bot_share: int = 50  # percent of new customers the bot takes in MIXED
    fallback_text: str = "抱歉，{机器人昵称}没太明白您的意思，您可以换个说法，或者回复「人工」转人工客服哦～"
    clarify_text: str = "亲，您是想问下面哪个问题呢？回复序号即可："


@dataclass(frozen=True, slots=True)
class BotSettings:
    welcome: WelcomeConfig = field(default_factory=WelcomeConfig)
    transfer: TransferRules = field(default_factory=TransferRules)
    reception: ReceptionConfig = field(default_factory=ReceptionConfig)
    version: int = 0


EMOTION_LEVELS: tuple[tuple[str, float], ...] = (("high", 0.4), ("medium", 0.6), ("low", 0.8))


# -- validation --------------------------------------------------------------------------------

HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_hhmm(text: str, field_name: str) -> time:
    """ "8:30" / "08:30" → time; "24:00" is midnight. Raises DomainError naming the field."""
    text = text.strip()
    if text == "24:00":
        return time(0, 0)
    found = HHMM.match(text)
    if not found:
        raise DomainError("bot.bad_time", field=field_name, value=text)
    return time(int(found.group(1)), int(found.group(2)))


def format_hhmm(t: time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _period_minutes(p: WelcomePeriod) -> set[int]:
    start, end = _minutes(p.start), _minutes(p.end)
    if start < end:
        return set(range(start, end))
    return set(range(start, 24 * 60)) | set(range(0, end))


def welcome_problems(cfg: WelcomeConfig) -> list[DomainError]:
    """Every problem in a welcome configuration, each naming its field (for inline form errors)."""
    problems: list[DomainError] = []
    nick = cfg.nickname.strip()
    if not nick:
        problems.append(DomainError("bot.nickname_empty", field="nickname"))
    elif len(nick) > MAX_NICKNAME:
        problems.append(DomainError("bot.nickname_too_long", field="nickname", limit=MAX_NICKNAME))
    problems += _text_problems(cfg.default_text, "default_text", MAX_WELCOME)
    if len(cfg.periods) > MAX_PERIODS:
        problems.append(DomainError("bot.too_many_periods", field="periods", limit=MAX_PERIODS))
    taken: set[int] = set()
    for i, period in enumerate(cfg.periods):
        where = f"periods.{i}"
        if period.start == period.end:
            problems.append(DomainError("bot.period_empty", field=where, row=i + 1))
            continue
        minutes = _period_minutes(period)
        if minutes & taken:
            problems.append(DomainError("bot.period_overlap", field=where, row=i + 1))
        taken |= minutes
        problems += _text_problems(period.text, where, MAX_WELCOME)
    if len(cfg.card_questions) > MAX_CARD_QUESTIONS:
        problems.append(DomainError("bot.too_many_questions", field="card_questions", limit=MAX_CARD_QUESTIONS))
    seen: set[str] = set()
    for i, q in enumerate(cfg.card_questions):
        text = q.question.strip()
        if not text:
            problems.append(DomainError("bot.question_empty", field=f"card_questions.{i}", row=i + 1))
        elif text in seen:
            problems.append(DomainError("bot.question_duplicate", field=f"card_questions.{i}", question=text))
        seen.add(text)
    if cfg.card_mode is CardMode.MANUAL and not cfg.card_questions:
        problems.append(DomainError("bot.manual_card_empty", field="card_questions"))
    if len(cfg.quick_buttons) > MAX_QUICK_BUTTONS:
        problems.append(DomainError("bot.too_many_buttons", field="quick_buttons", limit=MAX_QUICK_BUTTONS))
    for i, b in enumerate(cfg.quick_buttons):
        where = f"quick_buttons.{i}"
        if not b.label.strip():
            problems.append(DomainError("bot.button_empty", field=where, row=i + 1))
        elif len(b.label.strip()) > MAX_BUTTON_LABEL:
            problems.append(DomainError("bot.button_too_long", field=where, row=i + 1, limit=MAX_BUTTON_LABEL))
        if len(b.message.strip()) > MAX_BUTTON_MESSAGE:
            problems.append(
                DomainError("bot.button_message_too_long", field=where, row=i + 1, limit=MAX_BUTTON_MESSAGE)
            )
    return problems


def transfer_problems(rules: TransferRules) -> list[DomainError]:
    problems: list[DomainError] = []
    if len(rules.keywords) > MAX_KEYWORDS:
        problems.append(DomainError("bot.too_many_keywords", field="keywords", limit=MAX_KEYWORDS))
    for word in rules.keywords:
        if len(word) > MAX_KEYWORD:
            problems.append(DomainError("bot.keyword_too_long", field="keywords", keyword=word, limit=MAX_KEYWORD))
    if not 0 <= rules.max_misses <= MAX_MISSES:
        problems.append(DomainError("bot.misses_range", field="max_misses", limit=MAX_MISSES))
    if rules.repeat_limit != 0 and not 2 <= rules.repeat_limit <= MAX_REPEATS:
        problems.append(DomainError("bot.repeat_range", field="repeat_limit", limit=MAX_REPEATS))
    if not 0.0 < rules.emotion_threshold <= 1.0:
        problems.append(DomainError("bot.emotion_range", field="emotion_threshold"))
    problems += _text_problems(rules.success_prompt, "success_prompt", MAX_PROMPT)
    problems += _text_problems(rules.failure_prompt, "failure_prompt", MAX_PROMPT)
    return problems


def reception_problems(cfg: ReceptionConfig) -> list[DomainError]:
    problems: list[DomainError] = []
    if not 0 <= cfg.bot_share <= 100:
        problems.append(DomainError("bot.share_range", field="bot_share"))
    problems += _text_problems(cfg.fallback_text, "fallback_text", MAX_PROMPT)
    problems += _text_problems(cfg.clarify_text, "clarify_text", MAX_PROMPT)
    return problems


def _text_problems(text: str, field_name: str, limit: int) -> list[DomainError]:
    cleaned = text.strip()
    if not cleaned:
        return [DomainError("bot.text_empty", field=field_name)]
    if len(cleaned) > limit:
        return [DomainError("bot.text_too_long", field=field_name, length=len(cleaned), limit=limit)]
    return []


def _clean(text: str, field: str) -> str:
    """A text the bot sends: made storable (`workbench.domain.text`), outer blanks removed."""
    return clean_text(text, field=field)


def clean_keywords(raw: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """ "人工, 投诉，差评 人工" → ("人工", "投诉", "差评"): split on commas, 、 and spaces, no repeats."""
    if isinstance(raw, str):
        parts = re.split(r"[,，、;；\s]+", clean_text(raw, multiline=False, field="keywords"))
    else:
        parts = [clean_text(p, multiline=False, field="keywords") for p in raw]
    return tuple(dict.fromkeys(p.strip().lower() for p in parts if p.strip()))


def clean_welcome(cfg: WelcomeConfig) -> WelcomeConfig:
    """Strip the texts and drop blank quick-button messages; raises the first problem if any."""
    cleaned = replace(
        cfg,
        nickname=clean_text(cfg.nickname, multiline=False, field="nickname"),
        default_text=_clean(cfg.default_text, "default_text"),
        periods=tuple(replace(p, text=_clean(p.text, "periods")) for p in cfg.periods),
        card_questions=tuple(
            replace(
                q,
                question=clean_text(q.question, multiline=False, field="card_questions"),
                answer=_clean(q.answer, "card_questions"),
            )
            for q in cfg.card_questions
        ),
        quick_buttons=tuple(
            QuickButton(clean_text(b.label, multiline=False, field="quick_buttons"), _clean(b.message, "quick_buttons"))
            for b in cfg.quick_buttons
        ),
    )
    problems = welcome_problems(cleaned)
    if problems:
        raise problems[0]
    return cleaned


def clean_transfer(rules: TransferRules) -> TransferRules:
    cleaned = replace(
        rules,
        keywords=clean_keywords(rules.keywords),
        success_prompt=_clean(rules.success_prompt, "success_prompt"),
        failure_prompt=_clean(rules.failure_prompt, "failure_prompt"),
    )
    problems = transfer_problems(cleaned)
    if problems:
        raise problems[0]
    return cleaned


def clean_reception(cfg: ReceptionConfig) -> ReceptionConfig:
    cleaned = replace(
        cfg,
        fallback_text=_clean(cfg.fallback_text, "fallback_text"),
        clarify_text=_clean(cfg.clarify_text, "clarify_text"),
    )
    problems = reception_problems(cleaned)
    if problems:
        raise problems[0]
    return cleaned


# -- the welcome card as the customer sees it ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class WelcomeCard:
    nickname: str
    text: str
    questions: tuple[CardQuestion, ...]  # in card order
    predicted: tuple[bool, ...]  # per question: added by 智能预测 (hot), not by the shop
    buttons: tuple[QuickButton, ...]

    def as_message(self) -> str:
        """The card as one chat message (the chat shows plain text)."""
        lines = [self.text]
        if self.questions:
            lines.append("猜你想问：")
            lines += [f"{i}. {q.question}" for i, q in enumerate(self.questions, 1)]
        if self.buttons:
            lines.append("快捷入口：" + " | ".join(b.label for b in self.buttons))
        return "\n".join(lines)


def fill_bot_name(text: str, nickname: str) -> str:
    return text.replace(BOT_NAME, nickname)


def welcome_card(cfg: WelcomeConfig, at: time, hot: list[CardQuestion] | tuple[CardQuestion, ...]) -> WelcomeCard:
    """The card shown at time of day `at`. `hot` are the KB's hottest questions, hottest first."""
    questions = list(cfg.card_questions)
    predicted = [False] * len(questions)
    if cfg.card_mode is CardMode.SMART:
        have = {q.question for q in questions}
        have_ids = {q.entry_id for q in questions if q.entry_id is not None}
        added = 0
        for q in hot:
            if added >= SMART_PREDICTED or len(questions) >= MAX_CARD_QUESTIONS:
                break
            if q.question in have or (q.entry_id is not None and q.entry_id in have_ids):
                continue
            questions.append(q)
            predicted.append(True)
            added += 1
    return WelcomeCard(
        nickname=cfg.nickname,
        text=fill_bot_name(cfg.text_at(at), cfg.nickname),
        questions=tuple(questions),
        predicted=tuple(predicted),
        buttons=cfg.quick_buttons,
    )


# -- one customer message ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MatchView:
    """What the matcher made of a message (from `Matcher.answer`)."""

    kind: MatchKind
    best: Suggestion | None = None
    options: tuple[Suggestion, ...] = ()
    needs_human: bool = False  # the best entry is flagged 需要人工


@dataclass(frozen=True, slots=True)
class BotChatState:
    """What the bot remembers about one conversation between messages."""

    misses: int = 0  # consecutive unmatched messages
    last_key: str = ""  # the last question, as an entry ("e:12") or normalised text ("t:…")
    repeats: int = 0  # how many times in a row `last_key` was asked
    options: tuple[int, ...] = ()  # entry ids of the last "你可能想问" list, for a reply with a number
    turns: int = 0


@dataclass(frozen=True, slots=True)
class BotDecision:
    action: BotAction
    text: str  # what the bot sends ("" never: a hand-off sends the success or failure prompt later)
    state: BotChatState
    reason: HandoffReason | None = None
    detail: str = ""  # the keyword, the words of the emotion, the entry's question…
    entry_id: int | None = None
    score: float = 0.0


_STRIP = re.compile(r"[\s\W_]+", re.UNICODE)
_CHOICE = re.compile(r"^\s*(?:第)?([1-9])(?:个|条)?\s*$")


def normalise_question(text: str) -> str:
    """Lower-case, full-width folded, without spaces and punctuation (for spotting repeats)."""
    return _STRIP.sub("", unicodedata.normalize("NFKC", text).lower())


def keyword_in(text: str, keywords: tuple[str, ...]) -> str:
    """The first transfer keyword the message contains ("" if none)."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return next((k for k in keywords if k and k in folded), "")


def chosen_option(text: str, state: BotChatState) -> int | None:
    """The entry id a reply such as "2" picks from the last clarify list, if any."""
    if not state.options:
        return None
    found = _CHOICE.match(unicodedata.normalize("NFKC", text))
    if not found:
        return None
    index = int(found.group(1)) - 1
    return state.options[index] if index < len(state.options) else None


def decide(
    settings: BotSettings,
    state: BotChatState,
    text: str,
    match: MatchView,
    emotion_score: float = 0.0,
    emotion_words: tuple[str, ...] = (),
) -> BotDecision:
    """What the bot does with one customer message, by the transfer rules, in this order:
    transfer keyword → negative emotion → entry flagged 需要人工 → same question repeated →
    answer (DIRECT) / "你可能想问" (CLARIFY) / fallback text, or hand-off after N misses (FALLBACK).
    """
    rules = settings.transfer
    nickname = settings.welcome.nickname
    turns = state.turns + 1
    word = keyword_in(text, rules.keywords)
    if word:
        return BotDecision(BotAction.HANDOFF, "", replace(state, turns=turns), HandoffReason.KEYWORD, word)
    if rules.on_negative_emotion and emotion_score >= rules.emotion_threshold:
        return BotDecision(
            BotAction.HANDOFF, "", replace(state, turns=turns), HandoffReason.EMOTION, "、".join(emotion_words)
        )

    best = match.best
    key = (
        f"e:{best.entry_id}"
        if match.kind is not MatchKind.FALLBACK and best is not None
        else "t:" + normalise_question(text)
    )
    repeats = state.repeats + 1 if key == state.last_key and key not in ("t:", "") else 1

    if match.kind is not MatchKind.FALLBACK and best is not None:
        if match.kind is MatchKind.DIRECT and match.needs_human and rules.honour_needs_human:
            return BotDecision(
                BotAction.HANDOFF,
                "",
                BotChatState(0, key, repeats, (), turns),
                HandoffReason.NEEDS_HUMAN,
                best.question,
                best.entry_id,
                best.score,
            )
        if rules.repeat_limit and repeats >= rules.repeat_limit:
            return BotDecision(
                BotAction.HANDOFF,
                "",
                BotChatState(0, key, repeats, (), turns),
                HandoffReason.REPEAT,
                best.question,
                best.entry_id,
                best.score,
            )
        if match.kind is MatchKind.DIRECT:
            return BotDecision(
                BotAction.ANSWER,
                fill_bot_name(best.answer, nickname),
                BotChatState(0, key, repeats, (), turns),
                entry_id=best.entry_id,
                score=best.score,
            )
        options = match.options or (best,)
        lines = [fill_bot_name(settings.reception.clarify_text, nickname)]
        lines += [f"{i}. {o.question}" for i, o in enumerate(options, 1)]
        return BotDecision(
            BotAction.CLARIFY,
            "\n".join(lines),
            BotChatState(0, key, repeats, tuple(o.entry_id for o in options), turns),
            entry_id=best.entry_id,
            score=best.score,
        )

    misses = state.misses + 1
    if rules.repeat_limit and repeats >= rules.repeat_limit:
        return BotDecision(
            BotAction.HANDOFF,
            "",
            BotChatState(misses, key, repeats, (), turns),
            HandoffReason.REPEAT,
            text.strip()[:40],
        )
    if rules.max_misses and misses >= rules.max_misses:
        return BotDecision(
            BotAction.HANDOFF, "", BotChatState(0, key, repeats, (), turns), HandoffReason.MISSES, str(misses)
        )
    return BotDecision(
        BotAction.FALLBACK,
        fill_bot_name(settings.reception.fallback_text, nickname),
        BotChatState(misses, key, repeats, (), turns),
    )


def handoff_note(reason: HandoffReason, detail: str, agent_name: str = "") -> str:
    """The system note an agent sees at the top of a handed-off chat (stored as message text)."""
    why = {
        HandoffReason.KEYWORD: f"买家消息含转人工关键词「{detail}」",
        HandoffReason.MISSES: f"机器人连续 {detail} 条消息未能识别",
        HandoffReason.REPEAT: f"买家重复询问同一问题「{detail}」",
        HandoffReason.EMOTION: f"检测到买家负面情绪（{detail}）" if detail else "检测到买家负面情绪",
        HandoffReason.NEEDS_HUMAN: f"问题「{detail}」需要人工处理",
    }[reason]
    target = f"，已分配给 {agent_name}" if agent_name else ""
    return f"机器人转人工：{why}{target}"


def handoff_failed_note(reason: HandoffReason, detail: str) -> str:
    return handoff_note(reason, detail).replace("机器人转人工：", "转人工失败（暂无客服在线）：")


# -- who serves a new customer -------------------------------------------------------------------


def bot_takes(cfg: ReceptionConfig, humans_available: bool, arrivals: int) -> bool:
    """Whether the bot serves a new customer. `arrivals` counts new customers before this one
    (MIXED spreads the bot's share evenly: with 30 %, 3 of every 10 in a steady pattern)."""
    if cfg.mode is not ReceptionMode.AUTO:
        return False
    if cfg.strategy is AutoStrategy.BOT_FIRST:
        return True
    if cfg.strategy is AutoStrategy.HUMAN_FIRST:
        return not humans_available
    if not humans_available:
        return True
    share = max(0, min(100, cfg.bot_share))
    return (arrivals + 1) * share // 100 > arrivals * share // 100
