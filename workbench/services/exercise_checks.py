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

from workbench.domain.aftersales import Case, CaseKind, ComplaintType, DisputeDetails, category_of
from workbench.domain.auto_messages import DEFAULT_TEMPLATES, AutoKind, LogStatus
from workbench.domain.bot import ReceptionMode
from workbench.domain.conversations import Conversation, ConversationState, Message, Sender
from workbench.domain.crm import FollowUpStatus
from workbench.domain.exercises import ItemResult, RubricItem
from workbench.domain.kb_admin import KnowledgeEntry
from workbench.storage.db import Database
from workbench.storage.repositories.aftersales import AftersalesRepository
from workbench.storage.repositories.bot import BotRepository
from workbench.storage.repositories.conversations import ConversationRepository
from workbench.storage.repositories.exercise_reads import ExerciseReadRepository
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
    scenarios: tuple[str, ...] = ()  # the exercise's simulated customers
    since: datetime | None = None  # customer-management work counts after this (None: the shop's set-up)


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


def _validate_map(params: Mapping[str, object], key: str, allowed: set[str]) -> str | None:
    """`key` must be a non-empty object of scenario id → one of `allowed`."""
    extra = sorted(set(params) - {key})
    if extra:
        return f"未知参数 {extra[0]} (unknown param)"
    value = params.get(key)
    if not isinstance(value, dict) or not value:
        return f"{key} 必须是非空对象: 场景 id → 值 (a non-empty object: scenario id → value)"
    for scenario, wanted in value.items():
        if not isinstance(wanted, str) or not set(wanted.split("|")) <= allowed:
            return f"{key}.{scenario} 必须是 {' | '.join(sorted(allowed))} 之一"
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


# -- 店小秘-style auto messages (项目4 平台拓展) ------------------------------------------------------------

AUTO_NAMES = {
    AutoKind.PAID: "付款消息",
    AutoKind.SHIPPED: "发货提醒",
    AutoKind.UNPAID: "自动催付",
    AutoKind.DELAYED: "延迟发货",
    AutoKind.GOOD_REVIEW: "自动评价",
    AutoKind.BULK: "批量发消息",
}


def check_auto_messages(ctx: CheckContext, item: RubricItem) -> ItemResult:
    """店小秘 智能客服: for each kind in `kinds` two equal sub-checks — the rule is on, and its template
    was changed from the program's default; for each kind in `sent`, one sub-check — at least one such
    message was sent (the auto-message log)."""
    kinds = [AutoKind(k) for k in _texts_param(item.params, "kinds", ())]
    sent_kinds = [AutoKind(k) for k in _texts_param(item.params, "sent", ())]
    with ctx.db.session() as s:
        repo = BotRepository(s)
        rules = repo.config(ctx.shop_id).rules
        log = repo.log(ctx.shop_id, limit=1000) if sent_kinds else []
    parts, evidence = [], []
    for kind in kinds:
        rule = rules[kind]
        edited = rule.template.strip() != DEFAULT_TEMPLATES[kind].strip()
        parts.append(Part(f"{AUTO_NAMES[kind]}已开启" if rule.enabled else f"{AUTO_NAMES[kind]}未开启", rule.enabled))
        parts.append(Part(f"{AUTO_NAMES[kind]}模板已修改" if edited else f"{AUTO_NAMES[kind]}模板未修改", edited))
        evidence.append(f"{AUTO_NAMES[kind]}: {'开' if rule.enabled else '关'} · {rule.template}")
    for kind in sent_kinds:
        sent = [e for e in log if e.kind is kind and e.status is LogStatus.SENT]
        parts.append(Part(f"{AUTO_NAMES[kind]}已发送 {len(sent)} 条", bool(sent)))
        evidence += [f"{AUTO_NAMES[kind]} #{e.id} → {e.customer_nick}: {e.text}" for e in sent[:5]]
    return _result(item, parts, evidence)


def _validate_auto(params: Mapping[str, object]) -> str | None:
    problem = _validate(params, texts=("kinds", "sent"))
    if problem:
        return problem
    known = {k.value for k in AutoKind}
    for key in ("kinds", "sent"):
        value = params.get(key, [])
        for k in value if isinstance(value, list) else []:
            if k not in known:
                return f"{key}: 未知的消息类型 {k} (one of {', '.join(sorted(known))})"
    if not params.get("kinds") and not params.get("sent"):
        return "需要 kinds 或 sent (kinds or sent needed)"
    return None


# -- 项目4 任务3 会员管理 and 第7章 客户关系管理: work done since the exercise began ------------------------


def work_since(ctx: CheckContext) -> datetime | None:
    """From when the student's customer-management work counts: the exercise's start when the caller
    knows it, else the shop's set-up (so the demo shop's own tags, groups and follow-ups do not count)."""
    if ctx.since is not None:
        return ctx.since
    with ctx.db.session() as s:
        return ExerciseReadRepository(s).setup_time(ctx.shop_id)


def _count_part(label: str, have: int, need: int) -> Part:
    return Part(f"{label} {have}/{need}", have >= need)


def check_tags(ctx: CheckContext, item: RubricItem) -> ItemResult:
    """客户标签: two equal sub-checks — at least `customers` (5) customers given a tag, with at least
    `tags` (2) different tags."""
    need_customers = _int_param(item.params, "customers", 5)
    need_tags = _int_param(item.params, "tags", 2)
    since = work_since(ctx)
    with ctx.db.session() as s:
        given = ExerciseReadRepository(s).tags_given(ctx.shop_id, since)
    customers = {g.customer_id for g in given}
    tags = {g.tag for g in given}
    parts = [
        _count_part("已打标签的客户", len(customers), need_customers),
        _count_part("使用的标签", len(tags), need_tags),
    ]
    evidence = [f"{g.nick}: {g.tag} ({g.at:%m-%d %H:%M})" for g in given[:20]]
    return _result(item, parts, evidence)


def check_notes_groups(ctx: CheckContext, item: RubricItem) -> ItemResult:
    """客户备注及分组: two equal sub-checks — at least `notes` (3) customer notes written, and at least
    one customer group made (a hand-picked group with members, or a filter group)."""
    need_notes = _int_param(item.params, "notes", 3)
    since = work_since(ctx)
    with ctx.db.session() as s:
        repo = ExerciseReadRepository(s)
        notes = repo.notes(ctx.shop_id, since)
        groups = [g for g in repo.groups(ctx.shop_id, since) if g.kind == "filter" or g.members > 0]
    parts = [_count_part("客户备注", len(notes), need_notes), _count_part("客户分组", len(groups), 1)]
    evidence = [f"备注 #{n.id} {n.nick}: {n.text}" for n in notes[:10]]
    evidence += [f"分组 {g.name} ({'条件' if g.kind == 'filter' else f'{g.members} 人'})" for g in groups]
    return _result(item, parts, evidence)


def check_followups(ctx: CheckContext, item: RubricItem) -> ItemResult:
    """客户回访: two equal sub-checks — at least `done` (3) follow-ups completed with an outcome, and
    at least one of them with a note of what the customer said."""
    need = _int_param(item.params, "done", 3)
    since = work_since(ctx)
    with ctx.db.session() as s:
        followups = ExerciseReadRepository(s).followups(ctx.shop_id, since)
    done = [f for f in followups if f.status == FollowUpStatus.DONE.value and f.outcome and f.done_at]
    noted = [f for f in done if f.outcome_note.strip()]
    parts = [_count_part("已完成回访", len(done), need), _count_part("回访记录了客户反馈", len(noted), 1)]
    evidence = [f"回访 #{f.id} {f.nick}: {f.outcome} {f.outcome_note}".rstrip() for f in done[:10]]
    return _result(item, parts, evidence)


SEGMENT_NAMES = {
    "high_value": "高价值",
    "potential": "潜力",
    "new": "新客",
    "at_risk": "流失预警",
    "churned": "已流失",
    "none": "未购买",
}


def check_rfm_groups(ctx: CheckContext, item: RubricItem) -> ItemResult:
    """RFM 客户分层: two equal sub-checks — the RFM scores are computed (the customer list shows each
    customer's segment), and the student made a customer group by RFM segment."""
    since = work_since(ctx)
    with ctx.db.session() as s:
        repo = ExerciseReadRepository(s)
        computed = repo.rfm_computed_at(ctx.shop_id)
        counts = repo.segment_counts(ctx.shop_id)
        groups = [g for g in repo.groups(ctx.shop_id, since) if g.kind == "filter" and g.filter.get("segments")]
    parts = [
        Part("RFM 已计算" if computed else "RFM 未计算", computed is not None),
        _count_part("按分层建立的分组", len(groups), 1),
    ]
    evidence = [" · ".join(f"{SEGMENT_NAMES.get(k, k)} {n}" for k, n in sorted(counts.items()))]
    evidence += [
        f"分组 {g.name}: {', '.join(SEGMENT_NAMES.get(str(x), str(x)) for x in _as_list(g.filter.get('segments')))}"
        for g in groups
    ]
    return _result(item, parts, evidence)


def _as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else []


def check_care_messages(ctx: CheckContext, item: RubricItem) -> ItemResult:
    """关怀消息: two equal sub-checks — at least `sent` (3) care messages sent, and at least one to a
    customer of the `segments` that need it most (流失预警 / 已流失 by default)."""
    need = _int_param(item.params, "sent", 3)
    segments = _texts_param(item.params, "segments", ("at_risk", "churned"))
    since = work_since(ctx)
    with ctx.db.session() as s:
        followups = ExerciseReadRepository(s).followups(ctx.shop_id, since)
    sent = [
        f for f in followups if f.message.strip() and f.sent_at is not None and (since is None or f.sent_at > since)
    ]
    targeted = [f for f in sent if f.segment in segments]
    names = "/".join(SEGMENT_NAMES.get(x, x) for x in segments)
    parts = [_count_part("已发送关怀消息", len(sent), need), _count_part(f"发给{names}客户", len(targeted), 1)]
    evidence = [f"回访 #{f.id} → {f.nick} ({SEGMENT_NAMES.get(f.segment, f.segment)}): {f.message}" for f in sent[:10]]
    return _result(item, parts, evidence)


# -- 第5章 售后服务: what happened in the chats and cases of the student's seat --------------------------


@dataclass(frozen=True, slots=True)
class ServedChat:
    """One simulated customer of the exercise that the student served: the chat, its messages and the
    after-sales cases opened for that customer since the chat began (or linked to it)."""

    chat: Conversation
    messages: tuple[Message, ...]
    cases: tuple[Case, ...]

    @property
    def label(self) -> str:
        return f"会话 #{self.chat.id} ({self.chat.customer_nick}, {self.chat.scenario_id})"


def served_chats(ctx: CheckContext) -> list[ServedChat]:
    with ctx.db.session() as s:
        chats = ConversationRepository(s).scenario_chats(ctx.shop_id, ctx.agent_id, ctx.scenarios)
        conversations = ConversationRepository(s)
        cases = AftersalesRepository(s)
        served = []
        for chat in chats:
            mine = [
                c
                for c in cases.of_customer(chat.customer_id)
                if c.conversation_id == chat.id or (c.conversation_id is None and c.created_at >= chat.started_at)
            ]
            served.append(ServedChat(chat, tuple(conversations.messages(chat.id, limit=1000)), tuple(mine)))
    return served


def _quote(message: Message) -> str:
    text = message.text if len(message.text) <= 30 else message.text[:30] + "…"
    return f"消息 #{message.id} 「{text}」"


def _nothing_served(item: RubricItem) -> ItemResult:
    return ItemResult(item.id, item.title, 0, item.points, False, "还没有接待本练习的客户 ✗")


def check_first_response(ctx: CheckContext, item: RubricItem) -> ItemResult:
    """首次响应及时: in every served chat the student's first reply came within `max_seconds` of the
    customer's first message. Equal share per chat."""
    limit = _int_param(item.params, "max_seconds", 60)
    served = served_chats(ctx)
    if not served:
        return _nothing_served(item)
    parts, evidence = [], []
    for one in served:
        asked = next((m for m in one.messages if m.sender is Sender.CUSTOMER), None)
        reply = next(
            (
                m
                for m in one.messages
                if m.sender is Sender.AGENT and m.agent_id == ctx.agent_id and asked and m.id > asked.id
            ),
            None,
        )
        if asked is None or reply is None:
            parts.append(Part(f"#{one.chat.id} 未回复", False))
            evidence.append(f"{one.label}: 没有客服回复")
            continue
        seconds = int((reply.created_at - asked.created_at).total_seconds())
        parts.append(Part(f"#{one.chat.id} {seconds} 秒", seconds <= limit))
        evidence.append(f"{one.label}: 首次响应 {seconds} 秒 (≤{limit}) — {_quote(reply)}")
    return _result(item, parts, evidence, note=f"要求 ≤{limit} 秒")


def _scenario_map(item: RubricItem, key: str) -> dict[str, str]:
    raw = item.params.get(key)
    return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


KIND_NAMES = {
    CaseKind.RETURN: "退货单",
    CaseKind.EXCHANGE: "换货单",
    CaseKind.REFUND: "退款单",
    CaseKind.REPAIR: "维修单",
    CaseKind.COMPLAINT: "投诉单",
    CaseKind.DISPUTE: "纠纷单",
    CaseKind.REVIEW: "评价",
}


def check_case_forms(ctx: CheckContext, item: RubricItem) -> ItemResult:
    """使用正确的售后单: for every scenario in `forms` (scenario id → case kind, or kinds joined by "|"),
    the customer of that
    scenario got a case of that kind. Equal share per scenario; a scenario not yet met counts ✗."""
    forms = _scenario_map(item, "forms")
    served = served_chats(ctx)
    parts, evidence = [], []
    for scenario, kinds_raw in forms.items():
        kinds = [CaseKind(k) for k in kinds_raw.split("|")]
        wanted = "或".join(KIND_NAMES[k] for k in kinds)
        chats = [one for one in served if one.chat.scenario_id == scenario]
        found = [c for one in chats for c in one.cases if c.kind in kinds]
        if not chats:
            parts.append(Part(f"{scenario} 未接待", False))
            continue
        parts.append(Part(f"{scenario} {wanted}", bool(found)))
        if found:
            evidence.append(f"{chats[0].label}: {found[0].case_no} {KIND_NAMES[found[0].kind]}")
        else:
            used = "、".join(f"{c.case_no} {KIND_NAMES[c.kind]}" for one in chats for c in one.cases) or "没有售后单"
            evidence.append(f"{chats[0].label}: 应使用{wanted}, 实际: {used}")
    return _result(item, parts, evidence)


def _classified(case: Case, expected: str) -> bool:
    if expected == "professional":  # the review itself, or the complaint they threatened, marked malicious
        return case.kind in (CaseKind.REVIEW, CaseKind.COMPLAINT) and case.flagged
    if case.kind is not CaseKind.COMPLAINT:
        return False
    if expected == "malicious":
        return case.flagged
    try:
        category = category_of(ComplaintType(case.subtype))
    except ValueError:
        return False
    return not case.flagged and category.value == expected


CLASS_NAMES = {
    "product": "商品质量投诉 (正常投诉)",
    "service": "服务质量投诉 (正常投诉)",
    "malicious": "恶意投诉",
    "professional": "职业差评师",
}


def check_complaint_class(ctx: CheckContext, item: RubricItem) -> ItemResult:
    """投诉分类正确: for every scenario in `expected` (scenario id → product | service | malicious |
    professional) the case was classified that way: a complaint of a 商品质量 / 服务质量 type not marked
    malicious, a complaint marked 恶意投诉, or a review marked as a 职业差评师's. Equal share per scenario."""
    expected = _scenario_map(item, "expected")
    served = served_chats(ctx)
    parts, evidence = [], []
    for scenario, want in expected.items():
        chats = [one for one in served if one.chat.scenario_id == scenario]
        cases = [c for one in chats for c in one.cases if c.kind in (CaseKind.COMPLAINT, CaseKind.REVIEW)]
        right = [c for c in cases if _classified(c, want)]
        if not chats:
            parts.append(Part(f"{scenario} 未接待", False))
            continue
        parts.append(Part(f"{scenario} {CLASS_NAMES[want]}", bool(right)))
        shown = right[0] if right else (cases[0] if cases else None)
        if shown is None:
            evidence.append(f"{chats[0].label}: 没有投诉单或评价记录")
        else:
            flag = "已标记恶意" if shown.flagged else "未标记恶意"
            evidence.append(f"{chats[0].label}: {shown.case_no} {KIND_NAMES[shown.kind]} {shown.subtype} {flag}")
    return _result(item, parts, evidence)


def check_deadlines(ctx: CheckContext, item: RubricItem) -> ItemResult:
    """按时处理: every case of the served customers is either finished or not past its deadline (a
    dispute's platform deadlines included). Equal share per case."""
    cases = {c.id: c for one in served_chats(ctx) for c in one.cases}
    if not cases:
        return ItemResult(item.id, item.title, 0, item.points, False, "还没有售后单 ✗")
    parts, evidence = [], []
    for case in cases.values():
        late: list[str] = []
        if not case.is_final and case.due_at is not None and case.due_at < ctx.now:
            late.append(f"{case.due_at:%m-%d %H:%M}")
        if isinstance(case.details, DisputeDetails):
            late += [
                f"{d.label} {d.due_at:%m-%d %H:%M}" for d in case.details.deadlines if not d.done and d.due_at < ctx.now
            ]
        parts.append(Part(case.case_no, not late))
        evidence.append(
            f"{case.case_no} {KIND_NAMES[case.kind]} {case.state.value}"
            + (f": 已超时 {'、'.join(late)}" if late else ": 按时")
        )
    return _result(item, parts, evidence)


def check_polite_closing(ctx: CheckContext, item: RubricItem) -> ItemResult:
    """礼貌结束: in every served chat that has ended, the student's last message says goodbye politely
    (one of `words`). Equal share per ended chat."""
    words = _texts_param(item.params, "words", POLITE_WORDS)
    ended = [one for one in served_chats(ctx) if one.chat.state is ConversationState.ENDED]
    if not ended:
        return ItemResult(item.id, item.title, 0, item.points, False, "还没有结束的会话 ✗")
    parts, evidence = [], []
    for one in ended:
        last = next(
            (m for m in reversed(one.messages) if m.sender is Sender.AGENT and m.agent_id == ctx.agent_id), None
        )
        polite = last is not None and any(w in last.text for w in words)
        parts.append(Part(f"#{one.chat.id}", polite))
        evidence.append(f"{one.label}: " + (_quote(last) if last else "客服没有发过消息") + (" ✓" if polite else " ✗"))
    return _result(item, parts, evidence)


POLITE_WORDS = ("感谢", "谢谢", "祝您", "再见", "欢迎再来", "欢迎下次", "随时联系", "随时找我", "生活愉快", "购物愉快")


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
    "auto_messages": Check(check_auto_messages, _validate_auto, "店小秘: 自动消息的开启、模板和发送"),
    "customer_tags": Check(check_tags, lambda p: _validate(p, ints=("customers", "tags")), "给客户打标签"),
    "notes_and_groups": Check(check_notes_groups, lambda p: _validate(p, ints=("notes",)), "客户备注和客户分组"),
    "followups_done": Check(check_followups, lambda p: _validate(p, ints=("done",)), "完成客户回访并记录结果"),
    "rfm_groups": Check(check_rfm_groups, _no_params, "RFM 分层和按分层建立分组"),
    "care_messages": Check(
        check_care_messages, lambda p: _validate(p, ints=("sent",), texts=("segments",)), "发送关怀消息"
    ),
    "first_response": Check(check_first_response, lambda p: _validate(p, ints=("max_seconds",)), "首次响应时间"),
    "case_forms": Check(
        check_case_forms, lambda p: _validate_map(p, "forms", {k.value for k in CaseKind}), "售后单类型"
    ),
    "complaint_class": Check(
        check_complaint_class, lambda p: _validate_map(p, "expected", set(CLASS_NAMES)), "投诉与差评的分类"
    ),
    "deadlines": Check(check_deadlines, _no_params, "售后单是否按时处理"),
    "polite_closing": Check(check_polite_closing, lambda p: _validate(p, texts=("words",)), "礼貌结束会话"),
}
