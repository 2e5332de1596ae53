"""The bot's rules as plain data: welcome config and card, transfer decisions, who serves a customer."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

import pytest

from workbench.domain.bot import (
    MAX_CARD_QUESTIONS,
    SMART_PREDICTED,
    AutoStrategy,
    BotAction,
    BotChatState,
    BotSettings,
    CardMode,
    CardQuestion,
    HandoffReason,
    MatchKind,
    MatchView,
    QuickButton,
    ReceptionConfig,
    ReceptionMode,
    TransferRules,
    WelcomeConfig,
    WelcomePeriod,
    bot_takes,
    clean_keywords,
    clean_transfer,
    clean_welcome,
    decide,
    handoff_note,
    normalise_question,
    parse_hhmm,
    transfer_problems,
    welcome_card,
    welcome_problems,
)
from workbench.domain.errors import DomainError
from workbench.domain.kb import Suggestion

SHIP = Suggestion(1, "什么时候发货", "付款后48小时内发货", 0.9)
SIZE = Suggestion(2, "拍错尺码了怎么改", "亲，未发货前可以改", 0.88)
CARE = Suggestion(3, "衣服怎么洗", "建议手洗", 0.6)


def view(kind: MatchKind, best: Suggestion | None = None, *options: Suggestion, human: bool = False) -> MatchView:
    return MatchView(kind, best, tuple(options), human)


# -- welcome ------------------------------------------------------------------------------------


def test_welcome_text_follows_the_custom_periods_including_past_midnight() -> None:
    cfg = WelcomeConfig(
        nickname="小栀",
        default_text="白天好",
        periods=(WelcomePeriod(time(22, 0), time(8, 0), "夜深了"), WelcomePeriod(time(12, 0), time(13, 0), "午休")),
    )
    assert cfg.text_at(time(23, 30)) == "夜深了"
    assert cfg.text_at(time(7, 59)) == "夜深了"
    assert cfg.text_at(time(8, 0)) == "白天好"
    assert cfg.text_at(time(12, 30)) == "午休"
    assert cfg.text_at(time(13, 0)) == "白天好"


def test_welcome_problems_name_their_fields() -> None:
    cfg = WelcomeConfig(
        nickname=" ",
        default_text="x" * 301,
        periods=(
            WelcomePeriod(time(9), time(9), "空"),
            WelcomePeriod(time(20), time(2), "晚上"),
            WelcomePeriod(time(1), time(3), "凌晨"),
        ),
        card_mode=CardMode.SMART,
        card_questions=(CardQuestion("包邮吗"), CardQuestion("包邮吗"), CardQuestion(" ")),
        quick_buttons=(QuickButton(""), QuickButton("一个很长很长的按钮名字")),
    )
    found = {(p.code, p.field) for p in welcome_problems(cfg)}
    assert found == {
        ("bot.nickname_empty", "nickname"),
        ("bot.text_too_long", "default_text"),
        ("bot.period_empty", "periods.0"),
        ("bot.period_overlap", "periods.2"),
        ("bot.question_duplicate", "card_questions.1"),
        ("bot.question_empty", "card_questions.2"),
        ("bot.button_empty", "quick_buttons.0"),
        ("bot.button_too_long", "quick_buttons.1"),
    }


def test_manual_card_needs_questions_and_clean_welcome_strips() -> None:
    with pytest.raises(DomainError) as info:
        clean_welcome(WelcomeConfig(card_mode=CardMode.MANUAL))
    assert info.value.code == "bot.manual_card_empty" and info.value.field == "card_questions"
    cleaned = clean_welcome(
        WelcomeConfig(nickname=" 小栀 ", default_text=" 你好 ", quick_buttons=(QuickButton(" 查物流 "),))
    )
    assert (cleaned.nickname, cleaned.default_text, cleaned.quick_buttons[0].label) == ("小栀", "你好", "查物流")
    too_many = WelcomeConfig(card_questions=tuple(CardQuestion(f"问题{i}") for i in range(MAX_CARD_QUESTIONS + 1)))
    assert any(p.code == "bot.too_many_questions" for p in welcome_problems(too_many))


def test_times_parse_with_field_names() -> None:
    assert parse_hhmm("8:05", "start") == time(8, 5)
    assert parse_hhmm("24:00", "end") == time(0, 0)
    with pytest.raises(DomainError) as info:
        parse_hhmm("25:00", "periods.1.start")
    assert info.value.code == "bot.bad_time" and info.value.field == "periods.1.start"


def test_smart_card_adds_hot_questions_after_the_shops_own() -> None:
    own = (CardQuestion("支持七天无理由吗", 7), CardQuestion("包邮吗", 8))
    hot = [CardQuestion("包邮吗", 8), CardQuestion("什么时候发货", 1), CardQuestion("发什么快递", 2),
           CardQuestion("怎么退货", 3), CardQuestion("有优惠券吗", 4)]  # fmt: skip
    smart = welcome_card(
        WelcomeConfig(nickname="小栀", default_text="我是{机器人昵称}", card_questions=own), time(10), hot
    )
    assert smart.text == "我是小栀"
    assert [q.question for q in smart.questions] == [
        "支持七天无理由吗",
        "包邮吗",
        "什么时候发货",
        "发什么快递",
        "怎么退货",
    ]
    assert smart.predicted == (False, False, True, True, True)
    assert sum(smart.predicted) == SMART_PREDICTED
    manual = welcome_card(WelcomeConfig(card_mode=CardMode.MANUAL, card_questions=own), time(10), hot)
    assert [q.question for q in manual.questions] == ["支持七天无理由吗", "包邮吗"]
    message = replace(manual, buttons=(QuickButton("查物流"), QuickButton("转人工"))).as_message()
    assert message.splitlines()[1:] == ["猜你想问：", "1. 支持七天无理由吗", "2. 包邮吗", "快捷入口：查物流 | 转人工"]


# -- transfer rules --------------------------------------------------------------------------------


def test_keywords_are_cleaned_and_checked() -> None:
    assert clean_keywords("人工, 投诉，差评、人工  12315") == ("人工", "投诉", "差评", "12315")
    rules = clean_transfer(TransferRules(keywords=("人工", " 人工 ", "投诉")))
    assert rules.keywords == ("人工", "投诉")
    problems = transfer_problems(TransferRules(keywords=("一二三四五六七八九十一",), max_misses=11, repeat_limit=1))
    assert {p.field for p in problems} == {"keywords", "max_misses", "repeat_limit"}


def test_keyword_hands_off_before_anything_else() -> None:
    d = decide(BotSettings(), BotChatState(), "我要投诉你们", view(MatchKind.DIRECT, SHIP), emotion_score=0.9)
    assert d.action is BotAction.HANDOFF and d.reason is HandoffReason.KEYWORD and d.detail == "投诉"


def test_negative_emotion_hands_off_when_on_and_above_the_threshold() -> None:
    settings = BotSettings()
    d = decide(settings, BotChatState(), "气死了", view(MatchKind.FALLBACK), 0.7, ("气死",))
    assert (d.action, d.reason, d.detail) == (BotAction.HANDOFF, HandoffReason.EMOTION, "气死")
    calm = decide(settings, BotChatState(), "什么时候发货", view(MatchKind.DIRECT, SHIP), 0.5)
    assert calm.action is BotAction.ANSWER
    off = replace(settings, transfer=replace(settings.transfer, on_negative_emotion=False))
    assert decide(off, BotChatState(), "气死了", view(MatchKind.DIRECT, SHIP), 0.9).action is BotAction.ANSWER


def test_entries_that_need_a_human_hand_off_unless_switched_off() -> None:
    settings = BotSettings()
    d = decide(settings, BotChatState(), "尺码拍错了", view(MatchKind.DIRECT, SIZE, human=True))
    assert (d.action, d.reason, d.detail, d.entry_id) == (
        BotAction.HANDOFF,
        HandoffReason.NEEDS_HUMAN,
        SIZE.question,
        2,
    )
    off = replace(settings, transfer=replace(settings.transfer, honour_needs_human=False))
    assert decide(off, BotChatState(), "尺码拍错了", view(MatchKind.DIRECT, SIZE, human=True)).text == SIZE.answer


def test_consecutive_misses_hand_off_at_n_and_a_match_resets_them() -> None:
    settings = BotSettings(transfer=TransferRules(max_misses=3, repeat_limit=0))
    state = BotChatState()
    first = decide(settings, state, "啊啊啊", view(MatchKind.FALLBACK))
    assert first.action is BotAction.FALLBACK and first.state.misses == 1
    assert "没太明白" in first.text and "{" not in first.text
    second = decide(settings, first.state, "哦哦哦", view(MatchKind.FALLBACK))
    assert second.action is BotAction.FALLBACK and second.state.misses == 2
    answered = decide(settings, second.state, "什么时候发货", view(MatchKind.DIRECT, SHIP))
    assert answered.action is BotAction.ANSWER and answered.state.misses == 0
    s = answered.state
    for _ in range(2):
        s = decide(settings, s, "嗯？", view(MatchKind.FALLBACK)).state
    third = decide(settings, s, "你说啥", view(MatchKind.FALLBACK))
    assert (third.action, third.reason, third.detail) == (BotAction.HANDOFF, HandoffReason.MISSES, "3")
    off = BotSettings(transfer=TransferRules(max_misses=0, repeat_limit=0))
    s = BotChatState()
    for _ in range(20):
        d = decide(off, s, "？？", view(MatchKind.FALLBACK))
        assert d.action is BotAction.FALLBACK
        s = d.state


def test_the_same_question_repeated_hands_off() -> None:
    settings = BotSettings(transfer=TransferRules(repeat_limit=3, max_misses=0))
    s = BotChatState()
    for expected in (BotAction.ANSWER, BotAction.ANSWER):
        d = decide(settings, s, "什么时候发货", view(MatchKind.DIRECT, SHIP))
        assert d.action is expected
        s = d.state
    assert s.repeats == 2 and s.last_key == "e:1"
    d = decide(settings, s, "到底哪天发", view(MatchKind.DIRECT, SHIP))  # other words, same entry
    assert (d.action, d.reason, d.detail) == (BotAction.HANDOFF, HandoffReason.REPEAT, SHIP.question)
    # another question in between starts the count again
    s = decide(settings, BotChatState(), "什么时候发货", view(MatchKind.DIRECT, SHIP)).state
    s = decide(settings, s, "怎么洗", view(MatchKind.DIRECT, CARE)).state
    assert decide(settings, s, "什么时候发货", view(MatchKind.DIRECT, SHIP)).action is BotAction.ANSWER
    # unmatched text repeated word for word counts too
    s = BotChatState()
    for _ in range(2):
        s = decide(settings, s, "改好了吗？", view(MatchKind.FALLBACK)).state
    assert decide(settings, s, "改好了吗", view(MatchKind.FALLBACK)).reason is HandoffReason.REPEAT


def test_clarify_lists_the_options_and_remembers_them() -> None:
    d = decide(BotSettings(), BotChatState(), "怎么弄", view(MatchKind.CLARIFY, SHIP, SHIP, CARE))
    assert d.action is BotAction.CLARIFY
    assert d.text.splitlines()[1:] == ["1. 什么时候发货", "2. 衣服怎么洗"]
    assert d.state.options == (1, 3)


def test_bot_name_is_filled_in_answers_and_prompts() -> None:
    settings = BotSettings(welcome=WelcomeConfig(nickname="小栀"))
    hello = Suggestion(9, "你好", "我是{机器人昵称}", 1.0)
    assert decide(settings, BotChatState(), "你好", view(MatchKind.DIRECT, hello)).text == "我是小栀"


def test_handoff_notes_say_why() -> None:
    assert (
        handoff_note(HandoffReason.KEYWORD, "投诉", "小林")
        == "机器人转人工：买家消息含转人工关键词「投诉」，已分配给 小林"
    )
    assert "连续 2 条" in handoff_note(HandoffReason.MISSES, "2")
    assert normalise_question("改好了吗？ ") == normalise_question("改好了吗")


# -- who serves a new customer ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "strategy", "humans", "expected"),
    [
        (ReceptionMode.OFF, AutoStrategy.BOT_FIRST, False, False),
        (ReceptionMode.ASSIST, AutoStrategy.BOT_FIRST, False, False),
        (ReceptionMode.AUTO, AutoStrategy.BOT_FIRST, True, True),
        (ReceptionMode.AUTO, AutoStrategy.HUMAN_FIRST, True, False),
        (ReceptionMode.AUTO, AutoStrategy.HUMAN_FIRST, False, True),
        (ReceptionMode.AUTO, AutoStrategy.MIXED, False, True),
    ],
)
def test_who_serves_by_mode_and_strategy(
    mode: ReceptionMode, strategy: AutoStrategy, humans: bool, expected: bool
) -> None:
    assert bot_takes(ReceptionConfig(mode=mode, strategy=strategy), humans, 0) is expected


@pytest.mark.parametrize("share", [0, 10, 30, 50, 75, 100])
def test_mixed_gives_the_bot_its_share_evenly(share: int) -> None:
    cfg = ReceptionConfig(mode=ReceptionMode.AUTO, strategy=AutoStrategy.MIXED, bot_share=share)
    picks = [bot_takes(cfg, True, n) for n in range(100)]
    assert sum(picks) == share
    assert sum(picks[:10]) == share // 10  # spread out, not all at the start
