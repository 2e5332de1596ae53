"""子账号 and 分流: sub-accounts with roles and the routing permission, reception groups, the routing
of new customers, the capacity rule (automatic 挂起), and simulated colleagues for classrooms.

Changing accounts needs `Permission.MANAGE_USERS` and the right to give the role (see
workbench.domain.identity); groups and the 分流 settings need `Permission.CONFIGURE_BOT`. Routing
itself is the program's work and is not checked."""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session

from workbench.domain.conversations import ConversationState, Message, Sender
from workbench.domain.errors import DomainError
from workbench.domain.identity import Actor, Permission, Role, check_password
from workbench.domain.presence import OFFLINE_AFTER_S
from workbench.domain.routing import (
    AgentRole,
    ReceptionGroup,
    RouteResult,
    RoutingConfig,
    SubAccount,
    capacity_changes,
    check_capacity,
    clean_display_name,
    clean_group_keywords,
    clean_group_name,
    clean_username,
    pick_agent,
)
from workbench.domain.shops import AgentStatus
from workbench.services.access import require, require_manage
from workbench.services.clock import Clock, system_clock
from workbench.services.notifications import Topic
from workbench.services.passwords import hash_password
from workbench.services.presence import sweep_stale_desks
from workbench.storage.db import Database
from workbench.storage.repositories.accounts import AccountRepository
from workbench.storage.repositories.bot import BotRepository
from workbench.storage.repositories.conversations import ConversationRepository


@dataclass(frozen=True, slots=True)
class AccountForm:
    """A sub-account as the 子账号 form edits it."""

    username: str
    display_name: str
    role: AgentRole = AgentRole.AGENT
    can_route: bool = True
    capacity: int = 8
    simulated: bool = False
    group_ids: tuple[int, ...] = ()
    # A new account's initial password (empty: none yet, it cannot log in on a shared database); never
    # shown in a log or a traceback.
    password: str = field(default="", repr=False)


def account_problems(form: AccountForm) -> list[DomainError]:
    problems: list[DomainError] = []
    for check, value in ((clean_username, form.username), (clean_display_name, form.display_name)):
        try:
            check(value)
        except DomainError as exc:
            problems.append(exc)
    try:
        check_capacity(form.capacity)
    except DomainError as exc:
        problems.append(exc)
    if form.password:
        try:
            check_password(form.password, form.username.strip())
        except DomainError as exc:
            problems.append(exc)
    return problems


class RoutingService:
    """Sub-accounts, groups and the 分流 rules of one shop.

    `route` remembers the round-robin position in memory: one desk (the program's channel) routes.
    Before it picks, it sweeps desks whose heartbeat stopped (`OFFLINE_AFTER_S`), so an agent whose
    desk died gets no new buyer. Every write says what it changed (agents, conversations, bot).
    """

    def __init__(
        self,
        db: Database,
        shop_id: int,
        clock: Clock = system_clock,
        *,
        actor: Actor,
        offline_after_s: float = OFFLINE_AFTER_S,
    ) -> None:
        self.db = db
        self.shop_id = shop_id
        self.clock = clock
        self.actor = actor
        self.offline_after_s = offline_after_s
        self._cursor = 0

    # -- reading -------------------------------------------------------------------------------

    def config(self) -> RoutingConfig:
        with self.db.session() as s:
            return BotRepository(s).config(self.shop_id).routing

    def accounts(self) -> list[SubAccount]:
        with self.db.session() as s:
            return BotRepository(s).sub_accounts(self.shop_id)

    def groups(self) -> list[ReceptionGroup]:
        with self.db.session() as s:
            return BotRepository(s).groups(self.shop_id)

    # -- editing -------------------------------------------------------------------------------

    def save_config(self, config: RoutingConfig) -> RoutingConfig:
        with self.db.session() as s:
            require(s, self.actor, Permission.CONFIGURE_BOT)
            repo = BotRepository(s)
            stored = repo.config(self.shop_id)
            self.db.notify(s, Topic.BOT)
            return repo.save_config(self.shop_id, replace(stored, routing=config), self.clock()).routing

    def create_account(self, form: AccountForm) -> SubAccount:
        with self.db.session() as s:
            require_manage(s, self.actor, form.role)
        problems = account_problems(form)
        if problems:
            raise problems[0]
        username = clean_username(form.username)
        password_hash = hash_password(form.password) if form.password else None  # a moment: before the transaction
        with self.db.session() as s:
            require_manage(s, self.actor, form.role)
            repo = BotRepository(s)
            if repo.username_taken(self.shop_id, username):
                raise DomainError("account.username_taken", field="username", username=username)
            agent_id = repo.add_sub_account(
                self.shop_id, username, clean_display_name(form.display_name), form.role, AgentStatus.ONLINE
            )
            self._write_profile(repo, agent_id, form)
            if password_hash is not None:
                AccountRepository(s).set_password_hash(agent_id, password_hash, self.clock())
            repo.bump_version(self.shop_id, self.clock())
            self.db.notify(s, Topic.AGENTS, agent_id)
            return next(a for a in repo.sub_accounts(self.shop_id) if a.id == agent_id)

    def update_account(self, agent_id: int, form: AccountForm) -> SubAccount:
        with self.db.session() as s:
            self._check_manage(s, agent_id, form.role)
        problems = [p for p in account_problems(form) if p.field not in ("username", "password")]
        if problems:
            raise problems[0]
        with self.db.session() as s:
            self._check_manage(s, agent_id, form.role)
            repo = BotRepository(s)
            self._write_profile(repo, agent_id, form)
            repo.bump_version(self.shop_id, self.clock())
            self.db.notify(s, Topic.AGENTS, agent_id)
            return next(a for a in repo.sub_accounts(self.shop_id) if a.id == agent_id)

    def _write_profile(self, repo: BotRepository, agent_id: int, form: AccountForm) -> None:
        known = {g.id for g in repo.groups(self.shop_id)}
        repo.update_sub_account(
            agent_id,
            display_name=clean_display_name(form.display_name),
            role=form.role,
            can_route=form.can_route,
            capacity=check_capacity(form.capacity),
            simulated=form.simulated,
            group_ids=[g for g in form.group_ids if g in known],
        )

    def _check_manage(self, s: Session, agent_id: int, new_role: Role | None = None) -> None:
        """The account exists and the actor may manage it (and give it `new_role`); the shop keeps an owner."""
        accounts = AccountRepository(s)
        target = accounts.user(agent_id)
        if target is None or target.shop_id != self.shop_id:
            raise DomainError("account.missing")
        require_manage(s, self.actor, target.role, new_role)
        others = (u for u in accounts.users(self.shop_id) if u.id != agent_id)
        if target.role is Role.OWNER and new_role is not Role.OWNER and not any(u.role is Role.OWNER for u in others):
            raise DomainError("account.last_owner")

    def set_status(self, agent_id: int, status: AgentStatus) -> SubAccount:
        """在线 / 挂起 / 离线 set by hand (the capacity rule lets go of the account). Users set their own;
        another user's needs the right to manage their account."""
        with self.db.session() as s:
            if agent_id != self.actor.user_id:
                target = AccountRepository(s).user(agent_id)
                if target is None:
                    raise DomainError("account.missing")
                require_manage(s, self.actor, target.role)
            repo = BotRepository(s)
            repo.set_status(agent_id, status, auto_suspended=False)
            repo.bump_version(self.shop_id, self.clock())
            self.db.notify(s, Topic.AGENTS, agent_id)
            return next(a for a in repo.sub_accounts(self.shop_id) if a.id == agent_id)

    def delete_account(self, agent_id: int, desk_agent_id: int) -> None:
        """Remove a sub-account; its open chats go back to 待接待. The desk's own account stays."""
        if agent_id == desk_agent_id:
            raise DomainError("account.is_desk")
        with self.db.session() as s:
            self._check_manage(s, agent_id)
            repo = BotRepository(s)
            conversations = ConversationRepository(s)
            now = self.clock()
            open_states = (ConversationState.WAITING, ConversationState.ACTIVE)
            for conv in conversations.in_states(self.shop_id, open_states, 5000):
                if conv.agent_id == agent_id:
                    conversations.set_state(conv.id, ConversationState.WAITING, now)
                    self.db.notify(s, Topic.CONVERSATIONS, conv.id)
            repo.delete_sub_account(agent_id)
            repo.bump_version(self.shop_id, now)
            self.db.notify(s, Topic.AGENTS, agent_id)

    def save_group(
        self, group_id: int | None, name: str, keywords: Sequence[str], agent_ids: Sequence[int]
    ) -> ReceptionGroup:
        with self.db.session() as s:
            require(s, self.actor, Permission.CONFIGURE_BOT)
        clean = clean_group_name(name)
        words = clean_group_keywords(keywords)
        with self.db.session() as s:
            require(s, self.actor, Permission.CONFIGURE_BOT)
            repo = BotRepository(s)
            if repo.group_name_taken(self.shop_id, clean, group_id):
                raise DomainError("group.name_taken", field="name", name=clean)
            known = {a.id for a in repo.sub_accounts(self.shop_id)}
            saved = repo.save_group(self.shop_id, group_id, clean, words, [a for a in agent_ids if a in known])
            repo.bump_version(self.shop_id, self.clock())
            self.db.notify(s, Topic.BOT)
            return next(g for g in repo.groups(self.shop_id) if g.id == saved)

    def delete_group(self, group_id: int) -> None:
        with self.db.session() as s:
            require(s, self.actor, Permission.CONFIGURE_BOT)
            repo = BotRepository(s)
            repo.delete_group(group_id)
            repo.bump_version(self.shop_id, self.clock())
            self.db.notify(s, Topic.BOT)

    # -- routing ---------------------------------------------------------------------------------

    def route(
        self, first_text: str = "", *, config: RoutingConfig | None = None
    ) -> tuple[RouteResult, SubAccount | None]:
        """Pick the agent for a new customer (not yet assigned); the account is None when nobody is free."""
        sweep_stale_desks(self.db, self.shop_id, self.offline_after_s)
        with self.db.session() as s:
            repo = BotRepository(s)
            cfg = config or repo.config(self.shop_id).routing
            accounts = repo.sub_accounts(self.shop_id)
            groups = repo.groups(self.shop_id)
        result = pick_agent(accounts, cfg, self._cursor, first_text, groups)
        self._cursor = result.cursor
        account = next((a for a in accounts if a.id == result.agent_id), None)
        return result, account

    def assign(self, conversation_id: int, agent_id: int) -> bool:
        """Put a 待接待 conversation nobody has in an agent's queue (not accepted yet). Guarded in the
        database: of several desks assigning the same buyer at once, exactly one succeeds (True)."""
        with self.db.session() as s:
            return self.assign_in(s, conversation_id, agent_id)

    def assign_in(self, s: Session, conversation_id: int, agent_id: int) -> bool:
        """`assign` in the caller's transaction. Guarded in the database: of several desks assigning
        the same buyer at once, exactly one succeeds (True)."""
        assigned = ConversationRepository(s).assign_waiting(conversation_id, agent_id)
        if assigned:
            self.db.notify(s, Topic.CONVERSATIONS, conversation_id)
        return assigned

    def apply_capacity(self, config: RoutingConfig | None = None) -> list[SubAccount]:
        """挂起 agents at capacity and bring back the ones the rule suspended; returns who changed."""
        with self.db.session() as s:
            repo = BotRepository(s)
            cfg = config or repo.config(self.shop_id).routing
            accounts = repo.sub_accounts(self.shop_id)
            changes = capacity_changes(accounts, cfg)
            for agent_id, status, auto in changes:
                repo.set_status(agent_id, status, auto)
                self.db.notify(s, Topic.AGENTS, agent_id)
            if not changes:
                return []
            changed = {c[0] for c in changes}
            return [a for a in repo.sub_accounts(self.shop_id) if a.id in changed]

    def humans_online(self) -> bool:
        """Some agent is 在线 (人工优先 hands new customers to the bot only when none is)."""
        return any(a.status is AgentStatus.ONLINE for a in self.accounts())


# -- simulated colleagues ----------------------------------------------------------------------------

COLLEAGUE_GREETING = "您好，我是{name}，很高兴为您服务～请问有什么可以帮您？"
COLLEAGUE_FALLBACKS = (
    "好的亲，我帮您查一下，请稍等～",
    "亲，这个问题我帮您记下了，马上为您处理～",
    "明白了亲，我这边跟进一下，有结果第一时间回复您～",
)
COLLEAGUE_DELAY = (2.0, 6.0)  # seconds (divided by the channel's speed)


@dataclass(frozen=True, slots=True)
class ColleagueReply:
    conversation_id: int
    agent_id: int
    text: str


class SimulatedColleagues:
    """Classroom colleagues played by the program: they accept the customers routed to them and
    answer each message after a short delay, from the knowledge base when it knows the answer."""

    def __init__(self, db: Database, shop_id: int, clock: Clock, rng: random.Random) -> None:
        self.db = db
        self.shop_id = shop_id
        self.clock = clock
        self.rng = rng
        self._queue: list[tuple[float, int, int, int, str]] = []  # due, seq, conversation, agent, customer text
        self._seq = itertools.count()
        self._owner: dict[int, int] = {}  # conversation → colleague agent id

    def owns(self, conversation_id: int) -> bool:
        return conversation_id in self._owner

    def take(self, s: Session, conversation_id: int, account: SubAccount) -> Message:
        """The colleague accepts the chat and greets the customer, in the caller's transaction `s`
        (the caller calls `forget` if that transaction fails)."""
        self._owner[conversation_id] = account.id
        repo = ConversationRepository(s)
        now = self.clock()
        repo.set_state(conversation_id, ConversationState.ACTIVE, now, agent_id=account.id)
        self.db.notify(s, Topic.CONVERSATIONS, conversation_id)
        text = COLLEAGUE_GREETING.format(name=account.display_name)
        return repo.add_message(conversation_id, Sender.AGENT, text, now, account.id)

    def customer_said(self, conversation_id: int, text: str, now: float, speed: float) -> None:
        agent_id = self._owner.get(conversation_id)
        if agent_id is None:
            return
        due = now + self.rng.uniform(*COLLEAGUE_DELAY) / speed
        heapq.heappush(self._queue, (due, next(self._seq), conversation_id, agent_id, text))

    def forget(self, conversation_id: int) -> None:
        self._owner.pop(conversation_id, None)

    def due(self, now: float) -> list[tuple[int, int, str]]:
        """(conversation, agent, customer text) whose answer is due, oldest first; one per chat."""
        out: dict[int, tuple[int, int, str]] = {}
        while self._queue and self._queue[0][0] <= now:
            _, _, conv_id, agent_id, text = heapq.heappop(self._queue)
            if self._owner.get(conv_id) == agent_id:
                previous = out.get(conv_id)
                joined = f"{previous[2]}\n{text}" if previous else text
                out[conv_id] = (conv_id, agent_id, joined)
        return list(out.values())

    def fallback(self) -> str:
        return self.rng.choice(COLLEAGUE_FALLBACKS)
