"""The program's checks of a student's work: one named check per kind of rubric item.

An exercise file names a check in an AUTO rubric item (`"check": "welcome_config"`) with its settings
(`"params"`). A check reads the database (never writes it) and returns an `ItemResult` whose `why` a
student understands ("昵称已修改 ✓ · 卡片问题 6/5 ✓") and whose `evidence` names what it found (a
setting, a knowledge entry, a message, a case).

Partial credit: an item made of n equal sub-checks scores `points × passed ÷ n`, rounded down; the
item is `passed` only when every sub-check passed (full points). Each check says below how it splits.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

from workbench.domain.bot import ReceptionMode
from workbench.domain.exercises import ItemResult, RubricItem
from workbench.domain.kb_admin import KnowledgeEntry
from workbench.storage.db import Database
from workbench.storage.repositories.bot import BotRepository
from workbench.storage.repositories.kb_admin import KbAdminRepository

OK = "✓"
NO = "✗"
STANDARD_SECTIONS = ("聊天互动", "商品问题", "活动优惠", "购买操作", "物流问题", "售后问题")


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What a check looks at: the shop, the moment of the check, and whose seat's chats and cases
    count (the student's agent id)."""

    db: Database
    shop_id: int
    now: datetime
    agent_id: int


@dataclass(frozen=True, slots=True)
class Check:
    """A named check: `run` scores an item, `validate` says what is wrong with an item's params
    (None: nothing)."""

    run: Callable[[CheckContext, RubricItem], ItemResult]
    validate: Callable[[Mapping[str, object]], str | None]
    description: str


@dataclass(frozen=True, slots=True)
class Part:
    """One sub-check of an item: its line in `why` and whether it passed."""

    label: str
    passed: bool


def proportional(maximum: int, passed: int, total: int) -> int:
    """Points for `passed` of `total` equal sub-checks, rounded down (all of them: `maximum`)."""
    if total <= 0:
        return 0
    return maximum if passed >= total else maximum * passed // total


def _result(item: RubricItem, parts: Sequence[Part], evidence: Sequence[str] = (), note: str = "") -> ItemResult:
    passed = sum(1 for p in parts if p.passed)
    points = proportional(item.points, passed, len(parts))
    why = " · ".join(f"{p.label} {OK if p.passed else NO}" for p in parts)
    if note:
        why += f" · {note}"
    return ItemResult(item.id, item.title, points, item.points, passed == len(parts), why, tuple(evidence))


# -- params helpers -----------------------------------------------------------------------------------


def _no_params(params: Mapping[str, object]) -> str | None:
    return f"不需要参数 (no params expected: {', '.join(sorted(params))})" if params else None


def _int_param(params: Mapping[str, object], key: str, default: int) -> int:
    value = params.get(key, default)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _texts_param(params: Mapping[str, object], key: str, default: Sequence[str]) -> tuple[str, ...]:
    value = params.get(key)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(str(v) for v in value)
    return tuple(default)


def _validate(
    params: Mapping[str, object], ints: Sequence[str] = (), texts: Sequence[str] = (), strings: Sequence[str] = ()
) -> str | None:
    """None when every key is one of `ints` (integers >= 1), `texts` (non-empty lists of strings) or
    `strings` (strings), else what is wrong."""
    for key, value in params.items():
        if key in ints:
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                return f"{key} 必须是正整数 (a positive integer)"
        elif key in texts:
            if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
                return f"{key} 必须是非空的文本列表 (a non-empty list of strings)"
        elif key in strings:
            if not isinstance(value, str):
                return f"{key} 必须是文本 (a string)"
        else:
            return f"未知参数 {key} (unknown param)"
    return None


# -- 项目4 任务1: 店小蜜 ---------------------------------------------------------------------------------


def check_welcome(ctx: CheckContext, item: RubricItem) -> ItemResult:
    """完成专业欢迎语配置 (表4-1 第1行): four equal sub-checks — the nickname changed from the shop's
    starting one, the welcome text of the default period changed, at least `min_cards` (5) card
    questions added by hand, and 转人工 set up (keywords or N misses, with a success prompt)."""
    min_cards = _int_param(item.params, "min_cards", 5)
    with ctx.db.session() as s:
        repo = BotRepository(s)
        welcome = repo.config(ctx.shop_id).bot.welcome
        transfer = repo.config(ctx.shop_id).bot.transfer
        start = repo.defaults(ctx.shop_id).bot.welcome
    cards = len(welcome.card_questions)
    transfer_on = bool(transfer.keywords or transfer.max_misses) and bool(transfer.success_prompt.strip())
    parts = [
        Part("昵称已修改" if welcome.nickname != start.nickname else f"昵称未修改 (仍是 {start.nickname})",
             welcome.nickname != start.nickname),
        Part("默认欢迎语已修改" if welcome.default_text != start.default_text else "默认欢迎语未修改",
             welcome.default_text != start.default_text),
        Part(f"卡片问题 {cards}/{min_cards}", cards >= min_cards),
        Part(f"转人工 (关键词 {len(transfer.keywords)} 个, 连续 {transfer.max_misses} 次未答)", transfer_on),
    ]  # fmt: skip
    evidence = [f"昵称: {welcome.nickname}", f"默认欢迎语: {welcome.default_text}"]
    evidence += [f"卡片问题 {i}: {q.question}" for i, q in enumerate(welcome.card_questions, 1)]
    evidence.append(f"转人工关键词: {'、'.join(transfer.keywords)}")
    return _result(item, parts, evidence)


_demo_answers: dict[str, tuple[str, ...]] | None = None


def starter_answers() -> dict[str, tuple[str, ...]]:
    """The demo shop's knowledge as shipped (question → answers): an entry whose answers still equal
    these has not been edited."""
    global _demo_answers
    if _demo_answers is None:
        raw = json.loads(resources.files("workbench.assets.demo").joinpath("kb.json").read_text(encoding="utf-8"))
        _demo_answers = {str(e["question"]): tuple(str(a) for a in e.get("answers", ())) for e in raw}
    return _demo_answers


def answer_edited(entry: KnowledgeEntry, starter: Mapping[str, tuple[str, ...]]) -> bool:
    """Whether the shop wrote this entry's answers itself: a pack entry the shop changed (the pack
    link's `edited`), a starter entry whose answers differ from the shipped ones, or an entry the shop
    created (with an answer)."""
    answers = tuple(a.text for a in entry.answers if a.text.strip())
    if not answers:
        return False
    if entry.pack is not None:
        return entry.pack.edited
    if entry.question in starter:
        return answers != starter[entry.question]
    return True


def check_kb_sections(ctx: CheckContext, item: RubricItem) -> ItemResult:
    """完成专业问答知识配置 (表4-1 第2行): in each of the six sections, `per_section` (10) answers
    edited. Points in proportion to the edited answers counted (at most `per_section` a section):
    40 × Σ min(edited, 10) ÷ 60, rounded down; passed when every section has its 10."""
    sections = _texts_param(item.params, "sections", STANDARD_SECTIONS)
    per = _int_param(item.params, "per_section", 10)
    with ctx.db.session() as s:
        entries = KbAdminRepository(s).entries(ctx.shop_id, ctx.now.date())
    starter = starter_answers()
    edited: dict[str, list[KnowledgeEntry]] = {name: [] for name in sections}
    custom_with_core: list[KnowledgeEntry] = []
    for entry in entries:
        if entry.category in edited and answer_edited(entry, starter):
            edited[entry.category].append(entry)
        if entry.custom and any(p.core_words for p in entry.phrasings):
            custom_with_core.append(entry)
    done = [name for name in sections if len(edited[name]) >= per]
    missing = [f"{name} {len(edited[name])}/{per}" for name in sections if len(edited[name]) < per]
    counted = sum(min(len(edited[name]), per) for name in sections)
    total = per * len(sections)
    points = item.points if counted >= total else item.points * counted // total
    passed = len(done) == len(sections)
    why = f"{len(sections)} 个版块各 {per} 条答案已编辑 → {len(done)}/{len(sections)} {OK if passed else NO}"
    if missing:
        why += f" (缺: {', '.join(missing)})"
    if custom_with_core:
        why += f" · 自定义问题 {len(custom_with_core)} 条 (含划词)"
    evidence = [f"{name}: " + "、".join(f"#{e.id} {e.question}" for e in edited[name][:per]) for name in sections]
    evidence += [
        f"自定义问题 #{e.id} {e.question} (划词: {'、'.join(w for p in e.phrasings for w in p.core_words)})"
        for e in custom_with_core
    ]
    return ItemResult(item.id, item.title, points, item.points, passed, why, tuple(evidence))


def check_routing_auto(ctx: CheckContext, item: RubricItem) -> ItemResult:
    """完成账号分流及全自动模式设置 (表4-1 第3行): two equal sub-checks — 分流 on with at least one
    sub-account that may take customers (分流权限), and the reception mode 全自动."""
    with ctx.db.session() as s:
        repo = BotRepository(s)
        config = repo.config(ctx.shop_id)
        accounts = [a for a in repo.sub_accounts(ctx.shop_id) if a.can_route and not a.simulated]
    routing_on = config.routing.enabled and bool(accounts)
    if routing_on:
        routing_label = f"分流已开启 ({len(accounts)} 个子账号有分流权限)"
    elif config.routing.enabled:
        routing_label = "分流已开启, 但没有子账号有分流权限"
    else:
        routing_label = "分流未开启"
    auto = config.bot.reception.mode is ReceptionMode.AUTO
    parts = [Part(routing_label, routing_on), Part("全自动已开启" if auto else "全自动未开启", auto)]
    evidence = [f"分流: {'开' if config.routing.enabled else '关'}", f"接待模式: {config.bot.reception.mode.value}"]
    evidence += [f"子账号 {a.username} ({a.display_name}) 分流权限" for a in accounts]
    return _result(item, parts, evidence)


CHECKS: dict[str, Check] = {
    "welcome_config": Check(
        check_welcome, lambda p: _validate(p, ints=("min_cards",)), "昵称、默认欢迎语、卡片问题、转人工"
    ),
    "kb_sections_edited": Check(
        check_kb_sections,
        lambda p: _validate(p, ints=("per_section",), texts=("sections",)),
        "各版块已编辑的答案条数",
    ),
    "routing_and_auto": Check(check_routing_auto, _no_params, "子账号分流、全自动接待"),
}
