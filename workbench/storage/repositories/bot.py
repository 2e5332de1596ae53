"""The reception bot's settings, sub-accounts and groups, bot-served conversations (with batched
persistence of the bot's turns), auto-message rules and log, and simulated order events."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import bindparam, case, delete, func, insert, select, update
from sqlalchemy.orm import Session

from workbench.domain.auto_messages import AutoKind, AutoLogEntry, AutoRule, LogStatus, default_rules
from workbench.domain.bot import (
    AutoStrategy,
    BotChatState,
    BotSettings,
    CardMode,
    CardQuestion,
    HandoffReason,
    QuickButton,
    ReceptionConfig,
    ReceptionMode,
    TransferRules,
    WelcomeConfig,
    WelcomePeriod,
    format_hhmm,
    parse_hhmm,
)
from workbench.domain.conversations import ConversationState, Message, Sender
from workbench.domain.routing import (
    DEFAULT_CAPACITY,
    AgentRole,
    ReceptionGroup,
    RoutingConfig,
    RoutingStrategy,
    SubAccount,
)
from workbench.domain.shops import AgentStatus
from workbench.storage.repositories.contact_days import ContactDayRepository
from workbench.storage.repositories.conversations import PREVIEW_LENGTH
from workbench.storage.repositories.customer_stats import CustomerStatsRepository
from workbench.storage.repositories.kb import KbRepository
from workbench.storage.tables import AgentRow, ConversationRow, CustomerRow, MessageRow, OrderRow, ShopRow
from workbench.storage.tables_bot import (
    AgentProfileRow,
    AutoMessageLogRow,
    BotConversationRow,
    BotReplyRow,
    BotSettingsRow,
    ReceptionGroupMemberRow,
    ReceptionGroupRow,
)

OPEN = (ConversationState.WAITING.value, ConversationState.ACTIVE.value)
OWNER_BOT = "bot"
OWNER_HUMAN = "human"
DEFAULT_ORDER_EVENTS_PER_MIN = 2.0


@dataclass(frozen=True, slots=True)
class StoredConfig:
    """Everything kept in the shop's bot_settings row."""

    bot: BotSettings
    routing: RoutingConfig
    rules: dict[AutoKind, AutoRule]
    order_events_per_min: float = DEFAULT_ORDER_EVENTS_PER_MIN


@dataclass(frozen=True, slots=True)
class BotTurn:
    """One customer message in a bot-served conversation and what came of it, ready to persist.

    `customer_text` "" means the customer's message is already stored. `replies` are the bot's
    messages and system notes, in order. A hand-off moves the chat to 待接待 (assigned to
    `assign_to` when routing found an agent)."""

    conversation_id: int
    at: datetime
    customer_text: str
    replies: tuple[tuple[Sender, str], ...] = ()
    state: BotChatState | None = None  # None: the conversation is no longer the bot's
    handoff: HandoffReason | None = None
    handoff_detail: str = ""
    assign_to: int | None = None
    answered_entry: int | None = None  # the KB entry the bot answered with: counted in its 热度
    # what the bot decided (a BotAction value; "" when it did not decide): kept in bot_replies for the reports
    action: str = ""
    shop_id: int = 0
    entry_id: int | None = None  # the entry it answered with or offered first
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """An order with what the auto messages need to know about its buyer."""

    id: int
    order_no: str
    customer_id: int
    customer_nick: str
    bad_reviews: int
    state: str
    total_cents: int
    created_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    carrier: str
    tracking_no: str
    first_item: str = ""
    extra: dict[str, str] = field(default_factory=dict)


# -- settings JSON ---------------------------------------------------------------------------------


def _dump_settings(config: StoredConfig) -> str:
    w, t, r = config.bot.welcome, config.bot.transfer, config.bot.reception
    data: dict[str, Any] = {
        "welcome": {
            "nickname": w.nickname,
            "default_text": w.default_text,
            "periods": [[format_hhmm(p.start), format_hhmm(p.end), p.text] for p in w.periods],
            "card_mode": w.card_mode.value,
            "card_questions": [[q.question, q.entry_id, q.answer] for q in w.card_questions],
            "quick_buttons": [[b.label, b.message] for b in w.quick_buttons],
        },
        "transfer": {**asdict(t), "keywords": list(t.keywords)},
        "reception": {
            "mode": r.mode.value,
            "strategy": r.strategy.value,
            "bot_share": r.bot_share,
            "fallback_text": r.fallback_text,
            "clarify_text": r.clarify_text,
        },
        "routing": {**asdict(config.routing), "strategy": config.routing.strategy.value},
        "rules": {
            kind.value: {
                "enabled": rule.enabled,
                "template": rule.template,
                "delay_minutes": rule.delay_minutes,
                "min_amount_cents": rule.min_amount_cents,
                "skip_bad_reviewers": rule.skip_bad_reviewers,
                "quiet_enabled": rule.quiet_enabled,
                "quiet_start": format_hhmm(rule.quiet_start),
                "quiet_end": format_hhmm(rule.quiet_end),
                "since": rule.since.isoformat() if rule.since else None,
            }
            for kind, rule in config.rules.items()
        },
        "order_events_per_min": config.order_events_per_min,
    }
    return json.dumps(data, ensure_ascii=False)


def _time(raw: Any, default: time) -> time:
    try:
        return parse_hhmm(str(raw), "time")
    except Exception:
        return default


def _load_settings(raw: str, defaults: StoredConfig, version: int) -> StoredConfig:
    data: dict[str, Any] = json.loads(raw or "{}")
    dw, dt, dr = defaults.bot.welcome, defaults.bot.transfer, defaults.bot.reception
    w = data.get("welcome", {})
    welcome = WelcomeConfig(
        nickname=str(w.get("nickname", dw.nickname)),
        default_text=str(w.get("default_text", dw.default_text)),
        periods=tuple(
            WelcomePeriod(_time(p[0], time(0)), _time(p[1], time(0)), str(p[2])) for p in w.get("periods", [])
        )
        if "periods" in w
        else dw.periods,
        card_mode=CardMode(w.get("card_mode", dw.card_mode.value)),
        card_questions=tuple(
            CardQuestion(str(q[0]), int(q[1]) if q[1] is not None else None, str(q[2]))
            for q in w.get("card_questions", [])
        ),
        quick_buttons=tuple(QuickButton(str(b[0]), str(b[1])) for b in w.get("quick_buttons", []))
        if "quick_buttons" in w
        else dw.quick_buttons,
    )
    t = data.get("transfer", {})
    transfer = TransferRules(
        keywords=tuple(t.get("keywords", dt.keywords)),
        max_misses=int(t.get("max_misses", dt.max_misses)),
        repeat_limit=int(t.get("repeat_limit", dt.repeat_limit)),
        on_negative_emotion=bool(t.get("on_negative_emotion", dt.on_negative_emotion)),
        emotion_threshold=float(t.get("emotion_threshold", dt.emotion_threshold)),
        honour_needs_human=bool(t.get("honour_needs_human", dt.honour_needs_human)),
        success_prompt=str(t.get("success_prompt", dt.success_prompt)),
        failure_prompt=str(t.get("failure_prompt", dt.failure_prompt)),
    )
    r = data.get("reception", {})
    reception = ReceptionConfig(
        mode=ReceptionMode(r.get("mode", dr.mode.value)),
        strategy=AutoStrategy(r.get("strategy", dr.strategy.value)),
        bot_share=int(r.get("bot_share", dr.bot_share)),
        fallback_text=str(r.get("fallback_text", dr.fallback_text)),
        clarify_text=str(r.get("clarify_text", dr.clarify_text)),
    )
    ro = data.get("routing", {})
    droute = defaults.routing
    routing = RoutingConfig(
        enabled=bool(ro.get("enabled", droute.enabled)),
        strategy=RoutingStrategy(ro.get("strategy", droute.strategy.value)),
        by_group=bool(ro.get("by_group", droute.by_group)),
        auto_suspend=bool(ro.get("auto_suspend", droute.auto_suspend)),
        overflow=bool(ro.get("overflow", droute.overflow)),
    )
    rules = dict(defaults.rules)
    for key, value in data.get("rules", {}).items():
        try:
            kind = AutoKind(key)
        except ValueError:
            continue
        base = rules[kind]
        since = value.get("since")
        rules[kind] = AutoRule(
            kind=kind,
            enabled=bool(value.get("enabled", base.enabled)),
            template=str(value.get("template", base.template)),
            delay_minutes=int(value.get("delay_minutes", base.delay_minutes)),
            min_amount_cents=int(value.get("min_amount_cents", base.min_amount_cents)),
            skip_bad_reviewers=bool(value.get("skip_bad_reviewers", base.skip_bad_reviewers)),
            quiet_enabled=bool(value.get("quiet_enabled", base.quiet_enabled)),
            quiet_start=_time(value.get("quiet_start"), base.quiet_start),
            quiet_end=_time(value.get("quiet_end"), base.quiet_end),
            since=datetime.fromisoformat(since) if since else None,
        )
    return StoredConfig(
        bot=BotSettings(welcome, transfer, reception, version),
        routing=routing,
        rules=rules,
        order_events_per_min=float(data.get("order_events_per_min", defaults.order_events_per_min)),
    )


def _defaults(shop: ShopRow | None) -> StoredConfig:
    shop_settings: dict[str, Any] = json.loads(shop.settings_json or "{}") if shop else {}
    name = shop.name if shop else ""
    nickname = str(shop_settings.get("bot_nickname") or "店小蜜")
    welcome = WelcomeConfig(
        nickname=nickname,
        default_text=f"亲，欢迎光临{name}～我是智能客服{{机器人昵称}}，有什么可以帮您的吗？"
        if name
        else WelcomeConfig().default_text,
        periods=_night_period(str(shop_settings.get("service_hours") or "")),
        quick_buttons=(
            QuickButton("查订单", "帮我查一下订单"),
            QuickButton("查物流", "我的快递到哪了"),
            QuickButton("退换货", "我想退换货"),
            QuickButton("转人工", "转人工"),
        ),
    )
    return StoredConfig(bot=BotSettings(welcome=welcome), routing=RoutingConfig(), rules=default_rules())


def _night_period(service_hours: str) -> tuple[WelcomePeriod, ...]:
    """ "09:00-24:00" → the hours outside it get a night-time welcome."""
    try:
        start_raw, end_raw = service_hours.split("-")
        start, end = parse_hhmm(start_raw, "service_hours"), parse_hhmm(end_raw, "service_hours")
    except Exception:
        return ()
    if start == end:
        return ()
    text = "亲，现在是非人工服务时间，{机器人昵称}24小时在线为您解答，人工客服上班后会第一时间回复您～"
    return (WelcomePeriod(end, start, text),)


# -- the repository --------------------------------------------------------------------------------


def _sub_account(
    agent: AgentRow, profile: AgentProfileRow | None, groups: tuple[int, ...], open_chats: int
) -> SubAccount:
    try:
        role = AgentRole(agent.role)
    except ValueError:
        role = AgentRole.AGENT
    return SubAccount(
        id=agent.id,
        username=agent.username,
        display_name=agent.display_name,
        role=role,
        status=AgentStatus(agent.status),
        can_route=profile.can_route if profile else True,
        capacity=profile.capacity if profile else DEFAULT_CAPACITY,
        simulated=profile.simulated if profile else False,
        auto_suspended=profile.auto_suspended if profile else False,
        group_ids=groups,
        open_chats=open_chats,
    )


def _log_entry(row: AutoMessageLogRow, nick: str | None) -> AutoLogEntry:
    return AutoLogEntry(
        id=row.id,
        kind=AutoKind(row.kind),
        customer_id=row.customer_id,
        customer_nick=nick or "",
        order_no=row.order_no,
        text=row.text,
        status=LogStatus(row.status),
        reason=row.reason,
        at=row.created_at,
        conversation_id=row.conversation_id,
    )


# -- the bot's turns: statements built once and reused for every batch ------------------------------
# (SQLAlchemy caches their compiled form; building them anew per batch costs more than the batch's rows)

_MESSAGES = MessageRow.__table__
_CONV = ConversationRow.__table__
_BOT_CONV = BotConversationRow.__table__
_INSERT_MESSAGES = insert(_MESSAGES)
_INSERT_BOT_REPLIES = insert(BotReplyRow.__table__)
_INSERT_MESSAGES_RETURNING_IDS = insert(_MESSAGES).returning(_MESSAGES.c.id, sort_by_parameter_order=True)
# Bind names differ from the column names: SQLAlchemy reserves those for VALUES / SET.
_ANSWERED = (
    update(_CONV)
    .where(_CONV.c.id == bindparam("b_id"))
    .values(last_message_at=bindparam("b_at"), last_message=bindparam("b_preview"), waiting_since=None, unread=0)
)
_HANDED_OFF = (
    update(_CONV)
    .where(_CONV.c.id == bindparam("b_id"))
    .values(
        state=ConversationState.WAITING.value,
        agent_id=bindparam("b_agent"),
        last_message_at=bindparam("b_at"),
        last_message=bindparam("b_preview"),
        waiting_since=bindparam("b_at"),
        unread=1,
    )
)
_WAITING = (  # a customer message nobody answered yet (as ConversationRepository.add_message; reopens an ended chat)
    update(_CONV)
    .where(_CONV.c.id == bindparam("b_id"))
    .values(
        state=case(
            (_CONV.c.state == ConversationState.ENDED.value, ConversationState.WAITING.value), else_=_CONV.c.state
        ),
        last_message_at=bindparam("b_at"),
        last_message=bindparam("b_preview"),
        waiting_since=func.coalesce(_CONV.c.waiting_since, bindparam("b_at")),
        unread=_CONV.c.unread + 1,
    )
)
_COUNTERS = (
    update(_BOT_CONV)
    .where(_BOT_CONV.c.conversation_id == bindparam("b_id"))
    .values(
        misses=bindparam("b_misses"),
        last_key=bindparam("b_key"),
        repeats=bindparam("b_repeats"),
        turns=bindparam("b_turns"),
    )
)
_HANDOFFS = (
    update(_BOT_CONV)
    .where(_BOT_CONV.c.conversation_id == bindparam("b_id"))
    .values(
        owner=OWNER_HUMAN,
        handoff_reason=bindparam("b_reason"),
        handoff_detail=bindparam("b_detail"),
        handed_off_at=bindparam("b_at"),
    )
)


class BotRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # -- settings ----------------------------------------------------------------------------

    def config(self, shop_id: int) -> StoredConfig:
        row = self.s.get(BotSettingsRow, shop_id)
        defaults = _defaults(self.s.get(ShopRow, shop_id))
        if row is None:
            return defaults
        return _load_settings(row.settings_json, defaults, row.version)

    def defaults(self, shop_id: int) -> StoredConfig:
        """The settings a shop starts with (before anyone saved any): what "changed" is measured against."""
        return _defaults(self.s.get(ShopRow, shop_id))

    def version(self, shop_id: int) -> int:
        return self.s.scalar(select(BotSettingsRow.version).where(BotSettingsRow.shop_id == shop_id)) or 0

    def save_config(self, shop_id: int, config: StoredConfig, at: datetime) -> StoredConfig:
        row = self.s.get(BotSettingsRow, shop_id)
        if row is None:
            row = BotSettingsRow(shop_id=shop_id, settings_json="{}", version=0, updated_at=at)
            self.s.add(row)
        row.settings_json = _dump_settings(config)
        row.version = (row.version or 0) + 1
        row.updated_at = at
        self.s.flush()
        return self.config(shop_id)

    def bump_version(self, shop_id: int, at: datetime) -> None:
        """Accounts or groups changed: let running channels reload."""
        row = self.s.get(BotSettingsRow, shop_id)
        if row is None:
            self.save_config(shop_id, self.config(shop_id), at)
            return
        row.version = (row.version or 0) + 1
        row.updated_at = at
        self.s.flush()

    # -- sub-accounts and groups -------------------------------------------------------------

    def sub_accounts(self, shop_id: int) -> list[SubAccount]:
        rows = self.s.execute(
            select(AgentRow, AgentProfileRow)
            .outerjoin(AgentProfileRow, AgentProfileRow.agent_id == AgentRow.id)
            .where(AgentRow.shop_id == shop_id)
            .order_by(AgentRow.id)
        ).all()
        members: dict[int, list[int]] = {}
        for group_id, agent_id in self.s.execute(
            select(ReceptionGroupMemberRow.group_id, ReceptionGroupMemberRow.agent_id)
            .join(ReceptionGroupRow, ReceptionGroupRow.id == ReceptionGroupMemberRow.group_id)
            .where(ReceptionGroupRow.shop_id == shop_id)
            .order_by(ReceptionGroupMemberRow.group_id)
        ):
            members.setdefault(agent_id, []).append(group_id)
        counts = self.open_chats(shop_id)
        return [_sub_account(a, p, tuple(members.get(a.id, ())), counts.get(a.id, 0)) for a, p in rows]

    def open_chats(self, shop_id: int) -> dict[int, int]:
        """Open (待接待 assigned + 接待中) conversations per agent."""
        rows = self.s.execute(
            select(ConversationRow.agent_id, func.count())
            .where(
                ConversationRow.shop_id == shop_id,
                ConversationRow.state.in_(OPEN),
                ConversationRow.agent_id.is_not(None),
            )
            .group_by(ConversationRow.agent_id)
        )
        # NULL agents are filtered out above; the test tells the type checker
        return {int(agent_id): int(n) for agent_id, n in rows if agent_id is not None}

    def add_sub_account(
        self, shop_id: int, username: str, display_name: str, role: AgentRole, status: AgentStatus
    ) -> int:
        row = AgentRow(
            shop_id=shop_id, username=username, display_name=display_name, role=role.value, status=status.value
        )
        self.s.add(row)
        self.s.flush()
        return row.id

    def username_taken(self, shop_id: int, username: str, except_id: int | None = None) -> bool:
        query = select(AgentRow.id).where(AgentRow.shop_id == shop_id, AgentRow.username == username)
        if except_id is not None:
            query = query.where(AgentRow.id != except_id)
        return self.s.scalar(query) is not None

    def update_sub_account(
        self,
        agent_id: int,
        *,
        display_name: str,
        role: AgentRole,
        can_route: bool,
        capacity: int,
        simulated: bool,
        group_ids: Sequence[int],
    ) -> None:
        agent = self.s.get_one(AgentRow, agent_id)
        agent.display_name = display_name
        agent.role = role.value
        profile = self.s.get(AgentProfileRow, agent_id)
        if profile is None:
            profile = AgentProfileRow(agent_id=agent_id, auto_suspended=False)
            self.s.add(profile)
        profile.can_route = can_route
        profile.capacity = capacity
        profile.simulated = simulated
        self.s.execute(delete(ReceptionGroupMemberRow).where(ReceptionGroupMemberRow.agent_id == agent_id))
        for group_id in dict.fromkeys(group_ids):
            self.s.add(ReceptionGroupMemberRow(group_id=group_id, agent_id=agent_id))
        self.s.flush()

    def set_status(self, agent_id: int, status: AgentStatus, auto_suspended: bool) -> None:
        agent = self.s.get_one(AgentRow, agent_id)
        agent.status = status.value
        profile = self.s.get(AgentProfileRow, agent_id)
        if profile is None:
            profile = AgentProfileRow(
                agent_id=agent_id, can_route=True, capacity=DEFAULT_CAPACITY, simulated=False, auto_suspended=False
            )
            self.s.add(profile)
        profile.auto_suspended = auto_suspended
        self.s.flush()

    def delete_sub_account(self, agent_id: int) -> None:
        self.s.execute(delete(AgentRow).where(AgentRow.id == agent_id))

    def groups(self, shop_id: int) -> list[ReceptionGroup]:
        rows = list(
            self.s.scalars(
                select(ReceptionGroupRow)
                .where(ReceptionGroupRow.shop_id == shop_id)
                .order_by(ReceptionGroupRow.position, ReceptionGroupRow.id)
            )
        )
        members: dict[int, list[int]] = {}
        if rows:
            for group_id, agent_id in self.s.execute(
                select(ReceptionGroupMemberRow.group_id, ReceptionGroupMemberRow.agent_id)
                .where(ReceptionGroupMemberRow.group_id.in_([r.id for r in rows]))
                .order_by(ReceptionGroupMemberRow.agent_id)
            ):
                members.setdefault(group_id, []).append(agent_id)
        return [
            ReceptionGroup(
                r.id, r.name, tuple(k for k in r.keywords.split("|") if k), tuple(members.get(r.id, ())), r.position
            )
            for r in rows
        ]

    def group_name_taken(self, shop_id: int, name: str, except_id: int | None = None) -> bool:
        query = select(ReceptionGroupRow.id).where(ReceptionGroupRow.shop_id == shop_id, ReceptionGroupRow.name == name)
        if except_id is not None:
            query = query.where(ReceptionGroupRow.id != except_id)
        return self.s.scalar(query) is not None

    def save_group(
        self, shop_id: int, group_id: int | None, name: str, keywords: Sequence[str], agent_ids: Sequence[int]
    ) -> int:
        if group_id is None:
            position = (
                self.s.scalar(select(func.max(ReceptionGroupRow.position)).where(ReceptionGroupRow.shop_id == shop_id))
                or 0
            ) + 1
            row = ReceptionGroupRow(shop_id=shop_id, name=name, keywords="|".join(keywords), position=position)
            self.s.add(row)
            self.s.flush()
        else:
            row = self.s.get_one(ReceptionGroupRow, group_id)
            row.name = name
            row.keywords = "|".join(keywords)
            self.s.execute(delete(ReceptionGroupMemberRow).where(ReceptionGroupMemberRow.group_id == row.id))
        for agent_id in dict.fromkeys(agent_ids):
            self.s.add(ReceptionGroupMemberRow(group_id=row.id, agent_id=agent_id))
        self.s.flush()
        return row.id

    def delete_group(self, group_id: int) -> None:
        self.s.execute(delete(ReceptionGroupRow).where(ReceptionGroupRow.id == group_id))

    # -- bot-served conversations ------------------------------------------------------------

    def take(self, conversation_id: int, at: datetime) -> None:
        """The bot serves this conversation from now on (state 接待中, no agent)."""
        row = self.s.get(BotConversationRow, conversation_id)
        if row is None:
            self.s.add(BotConversationRow(conversation_id=conversation_id, owner=OWNER_BOT, started_at=at))
        else:
            row.owner = OWNER_BOT
        self.s.execute(
            update(ConversationRow)
            .where(ConversationRow.id == conversation_id)
            .values(state=ConversationState.ACTIVE.value, agent_id=None)
        )
        self.s.flush()

    def release(self, conversation_id: int) -> None:
        """An agent took over: the bot stops answering."""
        self.s.execute(
            update(BotConversationRow)
            .where(BotConversationRow.conversation_id == conversation_id)
            .values(owner=OWNER_HUMAN)
        )

    def bot_states(self, conversation_ids: Iterable[int]) -> dict[int, BotChatState]:
        """The bot's memory of the conversations it still serves (others are left out)."""
        ids = list(conversation_ids)
        if not ids:
            return {}
        rows = self.s.scalars(
            select(BotConversationRow).where(
                BotConversationRow.conversation_id.in_(ids), BotConversationRow.owner == OWNER_BOT
            )
        )
        return {r.conversation_id: BotChatState(r.misses, r.last_key, r.repeats, (), r.turns) for r in rows}

    def bot_owned(self, shop_id: int) -> set[int]:
        """Open conversations the bot serves now."""
        return set(
            self.s.scalars(
                select(BotConversationRow.conversation_id)
                .join(ConversationRow, ConversationRow.id == BotConversationRow.conversation_id)
                .where(
                    ConversationRow.shop_id == shop_id,
                    ConversationRow.state.in_(OPEN),
                    BotConversationRow.owner == OWNER_BOT,
                )
            )
        )

    def handoff_of(self, conversation_id: int) -> tuple[str, str] | None:
        """(reason, detail) if the bot handed this conversation off."""
        row = self.s.get(BotConversationRow, conversation_id)
        if row is None or not row.handoff_reason:
            return None
        return row.handoff_reason, row.handoff_detail

    def stats(self, shop_id: int) -> dict[str, int]:
        """Conversations the bot took, still serves, and handed off (all time)."""
        base = (
            select(func.count())
            .select_from(BotConversationRow)
            .join(ConversationRow, ConversationRow.id == BotConversationRow.conversation_id)
            .where(ConversationRow.shop_id == shop_id)
        )
        return {
            "taken": self.s.scalar(base) or 0,
            "serving": self.s.scalar(base.where(BotConversationRow.owner == OWNER_BOT, ConversationRow.state.in_(OPEN)))
            or 0,
            "handed_off": self.s.scalar(base.where(BotConversationRow.handoff_reason != "")) or 0,
        }

    def persist_turns(self, turns: Sequence[BotTurn], *, returning: bool = True) -> list[tuple[Message, ...]]:
        """Store a batch of bot turns with a few multi-row statements: every message (customer and
        bot) is inserted, each conversation's preview, unread count and waiting time updated, the
        bot's counters saved, and hand-offs moved to 待接待. Returns each turn's stored messages
        (with their ids); `returning=False` skips that and returns [] (plain executemany, faster)."""
        if not turns:
            return []
        msg_rows: list[dict[str, Any]] = []
        spans: list[tuple[int, int]] = []
        for turn in turns:
            start = len(msg_rows)
            if turn.customer_text:
                msg_rows.append(
                    {
                        "conversation_id": turn.conversation_id,
                        "sender": Sender.CUSTOMER.value,
                        "text": turn.customer_text,
                        "created_at": turn.at,
                        "agent_id": None,
                    }
                )
            for sender, text in turn.replies:
                msg_rows.append(
                    {
                        "conversation_id": turn.conversation_id,
                        "sender": sender.value,
                        "text": text,
                        "created_at": turn.at,
                        "agent_id": None,
                    }
                )
            spans.append((start, len(msg_rows)))
        ids: list[int] = []
        if msg_rows and not returning:
            self.s.execute(_INSERT_MESSAGES, msg_rows)
        elif msg_rows:
            ids = list(self.s.scalars(_INSERT_MESSAGES_RETURNING_IDS, msg_rows))

        answered: list[dict[str, Any]] = []
        handed: list[dict[str, Any]] = []
        waiting: list[dict[str, Any]] = []
        counters: list[dict[str, Any]] = []
        handoffs: list[dict[str, Any]] = []
        for turn in turns:
            texts = [t for s, t in turn.replies if s is not Sender.SYSTEM]
            preview = (texts[-1] if texts else turn.customer_text)[:PREVIEW_LENGTH]
            params = {"b_id": turn.conversation_id, "b_at": turn.at, "b_preview": preview}
            if turn.handoff is not None:
                handed.append({**params, "b_agent": turn.assign_to})
                handoffs.append(
                    {
                        "b_id": turn.conversation_id,
                        "b_reason": turn.handoff.value,
                        "b_detail": turn.handoff_detail[:120],
                        "b_at": turn.at,
                    }
                )
            elif texts:
                answered.append(params)
            else:
                waiting.append(params)
            if turn.state is not None:
                st = turn.state
                counters.append(
                    {
                        "b_id": turn.conversation_id,
                        "b_misses": st.misses,
                        "b_key": st.last_key[:120],
                        "b_repeats": st.repeats,
                        "b_turns": st.turns,
                    }
                )
        # executemany runs the rows in order: a conversation with two turns in the batch ends with its last.
        if answered:
            self.s.execute(_ANSWERED, answered)
        if handed:
            self.s.execute(_HANDED_OFF, handed)
        if waiting:
            self.s.execute(_WAITING, waiting)
        if counters:
            self.s.execute(_COUNTERS, counters)
        if handoffs:
            self.s.execute(_HANDOFFS, handoffs)
        # 客服绩效's chat days: the buyer messages a human serves (a hand-off's own question, chats without a bot row)
        ContactDayRepository(self.s).record_turns(
            [
                (turn.conversation_id, ids[start] if ids else None, turn.at)
                for (start, _), turn in zip(spans, turns, strict=True)
                if turn.customer_text
            ]
        )
        replies = [
            {
                "shop_id": turn.shop_id,
                "conversation_id": turn.conversation_id,
                "created_at": turn.at,
                "action": turn.action,
                "entry_id": turn.entry_id or None,
                "score": round(turn.score, 4),
                "reason": turn.handoff.value if turn.handoff is not None else "",
                "text": turn.customer_text,
            }
            for turn in turns
            if turn.action and turn.customer_text
        ]
        if replies:
            self.s.execute(_INSERT_BOT_REPLIES, replies)
        hits: dict[tuple[int, date], int] = {}
        for turn in turns:
            if turn.answered_entry is not None:
                key = (turn.answered_entry, turn.at.date())
                hits[key] = hits.get(key, 0) + 1
        if hits:
            KbRepository(self.s).count_hits(hits)
        out: list[tuple[Message, ...]] = []
        if not returning:
            return out
        for (start, end), turn in zip(spans, turns, strict=True):
            out.append(
                tuple(
                    Message(ids[i], turn.conversation_id, Sender(msg_rows[i]["sender"]), msg_rows[i]["text"], turn.at)
                    for i in range(start, end)
                )
            )
        return out

    # -- auto messages -----------------------------------------------------------------------

    def add_log(
        self,
        shop_id: int,
        entries: Sequence[tuple[AutoKind, int | None, str, str, LogStatus, str, int | None]],
        at: datetime,
    ) -> list[int]:
        """Append (kind, customer id, order no, text, status, reason, conversation id) rows."""
        if not entries:
            return []
        log_table = AutoMessageLogRow.__table__
        rows = [
            {
                "shop_id": shop_id,
                "kind": kind.value,
                "customer_id": customer_id,
                "order_no": order_no,
                "text": text,
                "status": status.value,
                "reason": reason[:100],
                "created_at": at,
                "conversation_id": conv_id,
            }
            for kind, customer_id, order_no, text, status, reason, conv_id in entries
        ]
        result = self.s.execute(insert(log_table).returning(log_table.c.id, sort_by_parameter_order=True), rows)
        return [r[0] for r in result]

    def log(self, shop_id: int, *, limit: int = 200, before_id: int | None = None) -> list[AutoLogEntry]:
        """Newest first."""
        query = (
            select(AutoMessageLogRow, CustomerRow.nick)
            .outerjoin(CustomerRow, CustomerRow.id == AutoMessageLogRow.customer_id)
            .where(AutoMessageLogRow.shop_id == shop_id)
        )
        if before_id is not None:
            query = query.where(AutoMessageLogRow.id < before_id)
        rows = self.s.execute(query.order_by(AutoMessageLogRow.id.desc()).limit(limit))
        return [_log_entry(row, nick) for row, nick in rows]

    def log_count(self, shop_id: int) -> int:
        return (
            self.s.scalar(
                select(func.count()).select_from(AutoMessageLogRow).where(AutoMessageLogRow.shop_id == shop_id)
            )
            or 0
        )

    def logged_orders(self, shop_id: int, kind: AutoKind, order_nos: Iterable[str]) -> set[str]:
        """Which of these orders already have a `kind` message in the log (sent or skipped)."""
        nos = list(dict.fromkeys(order_nos))
        if not nos:
            return set()
        return set(
            self.s.scalars(
                select(AutoMessageLogRow.order_no).where(
                    AutoMessageLogRow.shop_id == shop_id,
                    AutoMessageLogRow.kind == kind.value,
                    AutoMessageLogRow.order_no.in_(nos),
                )
            )
        )

    # -- orders for the auto messages and the order-event simulator ---------------------------

    def order_facts(
        self, shop_id: int, *, states: Sequence[str] = (), order_ids: Sequence[int] = ()
    ) -> list[OrderFacts]:
        query = (
            select(OrderRow, CustomerRow.nick, CustomerRow.bad_review_count)
            .join(CustomerRow, CustomerRow.id == OrderRow.customer_id)
            .where(OrderRow.shop_id == shop_id)
        )
        if states:
            query = query.where(OrderRow.state.in_(list(states)))
        if order_ids:
            query = query.where(OrderRow.id.in_(list(order_ids)))
        rows = self.s.execute(query.order_by(OrderRow.created_at, OrderRow.id))
        return [
            OrderFacts(
                id=o.id,
                order_no=o.order_no,
                customer_id=o.customer_id,
                customer_nick=nick,
                bad_reviews=bad or 0,
                state=o.state,
                total_cents=o.total_cents,
                created_at=o.created_at,
                paid_at=o.paid_at,
                shipped_at=o.shipped_at,
                carrier=o.carrier,
                tracking_no=o.tracking_no,
                first_item=o.items[0].title if o.items else "",
            )
            for o, nick, bad in rows
        ]

    def set_order_state(self, order_id: int, state: str, at: datetime, **values: Any) -> None:
        """Move an order on (the simulator's order events): paid_at / shipped_at / signed_at and
        carrier / tracking_no as given."""
        row = self.s.get_one(OrderRow, order_id)
        row.state = state
        for key, value in values.items():
            setattr(row, key, value)
        self.s.flush()
        CustomerStatsRepository(self.s).touch(row.shop_id, [row.customer_id])

    def add_bad_review(self, customer_id: int) -> None:
        self.s.execute(
            update(CustomerRow)
            .where(CustomerRow.id == customer_id)
            .values(bad_review_count=CustomerRow.bad_review_count + 1)
        )

    def open_conversation_of(self, customer_ids: Iterable[int]) -> dict[int, int]:
        """customer id → their open conversation id (the newest)."""
        ids = list(dict.fromkeys(customer_ids))
        if not ids:
            return {}
        rows = self.s.execute(
            select(ConversationRow.customer_id, func.max(ConversationRow.id))
            .where(ConversationRow.customer_id.in_(ids), ConversationRow.state.in_(OPEN))
            .group_by(ConversationRow.customer_id)
        )
        return {int(c): int(v) for c, v in rows}

    def add_bot_messages(self, messages: Sequence[tuple[int, str]], at: datetime) -> list[Message]:
        """Auto messages into open conversations, as the bot (the chat's preview is updated)."""
        if not messages:
            return []
        message_table = MessageRow.__table__
        rows = [
            {"conversation_id": cid, "sender": Sender.BOT.value, "text": text, "created_at": at, "agent_id": None}
            for cid, text in messages
        ]
        insert_returning_ids = insert(message_table).returning(message_table.c.id, sort_by_parameter_order=True)
        ids = [r[0] for r in self.s.execute(insert_returning_ids, rows)]
        conv = ConversationRow.__table__
        self.s.execute(
            update(conv)
            .where(conv.c.id == bindparam("b_id"))
            .values(last_message_at=bindparam("b_at"), last_message=bindparam("b_preview")),
            [{"b_id": cid, "b_at": at, "b_preview": text[:PREVIEW_LENGTH]} for cid, text in messages],
        )
        return [Message(i, cid, Sender.BOT, text, at) for i, (cid, text) in zip(ids, messages, strict=True)]

    def bulk_recipients(self, shop_id: int, kind: str, value: str, limit: int) -> list[tuple[int, str]]:
        """(customer id, nick) of a 批量发消息 target, by id."""
        from workbench.storage.tables import CustomerTagRow, TagRow

        query = select(CustomerRow.id, CustomerRow.nick).where(CustomerRow.shop_id == shop_id)
        if kind == "tag":
            query = query.where(
                CustomerRow.id.in_(
                    select(CustomerTagRow.customer_id)
                    .join(TagRow, TagRow.id == CustomerTagRow.tag_id)
                    .where(TagRow.shop_id == shop_id, TagRow.name == value)
                )
            )
        elif kind == "order_state":
            query = query.where(
                CustomerRow.id.in_(
                    select(OrderRow.customer_id).where(OrderRow.shop_id == shop_id, OrderRow.state == value)
                )
            )
        elif kind == "vip":
            query = query.where(CustomerRow.is_88vip.is_(True))
        elif kind == "member_level":
            query = query.where(CustomerRow.member_level == value)
        elif kind != "all":
            return []
        return [(int(i), str(n)) for i, n in self.s.execute(query.order_by(CustomerRow.id).limit(limit))]

    def tag_names(self, shop_id: int) -> list[str]:
        from workbench.storage.tables import TagRow

        return list(self.s.scalars(select(TagRow.name).where(TagRow.shop_id == shop_id).order_by(TagRow.name)))

    def member_levels(self, shop_id: int) -> list[str]:
        rows = self.s.scalars(
            select(CustomerRow.member_level)
            .where(CustomerRow.shop_id == shop_id, CustomerRow.member_level != "")
            .distinct()
            .order_by(CustomerRow.member_level)
        )
        return list(rows)

    def hot_questions(self, shop_id: int, limit: int) -> list[tuple[int, str, str]]:
        """(entry id, question, first answer) of the enabled entries with the most hits, leaving out
        small talk (聊天互动) and entries that need a human."""
        from workbench.domain.kb import STANDARD_CATEGORIES
        from workbench.storage.tables import KbAnswerRow, KbCategoryRow, KbEntryRow

        first_answer = (
            select(KbAnswerRow.text)
            .where(KbAnswerRow.entry_id == KbEntryRow.id)
            .order_by(KbAnswerRow.position, KbAnswerRow.id)
            .limit(1)
            .scalar_subquery()
        )
        rows = self.s.execute(
            select(KbEntryRow.id, KbEntryRow.question, first_answer)
            .join(KbCategoryRow, KbCategoryRow.id == KbEntryRow.category_id)
            .where(
                KbEntryRow.shop_id == shop_id,
                KbEntryRow.enabled.is_(True),
                KbEntryRow.needs_human.is_(False),
                KbCategoryRow.name != STANDARD_CATEGORIES[0],
            )
            .order_by(KbEntryRow.hits.desc(), KbEntryRow.id)
            .limit(limit)
        )
        return [(int(i), str(q), str(a or "")) for i, q, a in rows]

    def kb_snapshot(self, shop_id: int) -> tuple[dict[int, tuple[str, str]], set[int]]:
        """entry id → (question, first answer) of the enabled entries, and the ids flagged 需要人工."""
        from workbench.storage.tables import KbAnswerRow, KbEntryRow

        answers: dict[int, tuple[str, str]] = {}
        needs_human: set[int] = set()
        rows = self.s.execute(
            select(KbEntryRow.id, KbEntryRow.question, KbEntryRow.needs_human).where(
                KbEntryRow.shop_id == shop_id, KbEntryRow.enabled.is_(True)
            )
        ).all()
        first: dict[int, str] = {}
        if rows:
            for entry_id, text in self.s.execute(
                select(KbAnswerRow.entry_id, KbAnswerRow.text)
                .join(KbEntryRow, KbEntryRow.id == KbAnswerRow.entry_id)
                .where(KbEntryRow.shop_id == shop_id)
                .order_by(KbAnswerRow.entry_id, KbAnswerRow.position.desc(), KbAnswerRow.id.desc())
            ):
                first[int(entry_id)] = str(text)  # the last one written per entry is position 0
        for entry_id, question, human in rows:
            answers[int(entry_id)] = (str(question), first.get(int(entry_id), ""))
            if human:
                needs_human.add(int(entry_id))
        return answers, needs_human

    def nicks(self, customer_ids: Iterable[int]) -> dict[int, str]:
        ids = list(dict.fromkeys(customer_ids))
        if not ids:
            return {}
        return {
            int(i): str(n)
            for i, n in self.s.execute(select(CustomerRow.id, CustomerRow.nick).where(CustomerRow.id.in_(ids)))
        }
