"""Reception (接待): customers arrive, talk, are served by an agent and leave."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workbench.domain.cards import Satisfaction, rating_answer_text
from workbench.domain.conversations import (
    Conversation,
    ConversationState,
    EarlierVisit,
    Message,
    Sender,
    SuggestionUse,
    Transfer,
    clean_transfer_note,
    may_hand_over,
    may_see,
    may_work_on,
    validate_message_text,
)
from workbench.domain.errors import DomainError
from workbench.domain.identity import PROGRAM, Actor, Permission, Role, allows
from workbench.domain.routing import ReceptionGroup, SubAccount, pick_agent
from workbench.domain.shops import AgentStatus
from workbench.services.access import current_role
from workbench.services.clock import Clock, system_clock
from workbench.services.notifications import Topic
from workbench.storage.db import Database
from workbench.storage.repositories.conversation_actions import ConversationActionRepository
from workbench.storage.repositories.conversations import ConversationRepository
from workbench.storage.repositories.drafts import DraftRepository
from workbench.storage.repositories.kb import KbRepository

OPEN_STATES = (ConversationState.WAITING, ConversationState.ACTIVE)
ENDED_SHOWN = 100
EARLIER_VISITS = 20  # a returning buyer's earlier chats listed above the current one, newest

# What the buyer reads in the chat (stored text, in the shop's language like the bot's answers).
TRANSFERRED_TO_AGENT = "已为您转接客服{name}，请稍候"
TRANSFERRED_TO_GROUP = "已为您转接{group}，请稍候"
RATING_INVITATION = "【邀请评价】亲，感谢您的咨询！请为客服{name}本次的服务打分：非常满意 / 满意 / 一般 / 不满意"


@dataclass(frozen=True, slots=True)
class UsedSuggestion:
    """The KB suggestion an agent started from, to record adoption and whether it was edited."""

    entry_id: int
    score: float
    original_text: str


def longest_waiting_first(waiting: list[Conversation]) -> list[Conversation]:
    """待接待 is a queue: the buyer who has waited longest on top, a new buyer joins at the end (and
    so never pushes down the rows the agent is looking at)."""
    return sorted(waiting, key=lambda c: (c.waiting_since or c.started_at, c.id))


@dataclass(frozen=True, slots=True)
class SatisfactionSummary:
    """How many buyers gave each rating, best first; `rate` is the share satisfied (满意 or better)."""

    counts: tuple[tuple[Satisfaction, int], ...]

    @property
    def answered(self) -> int:
        return sum(n for _, n in self.counts)

    @property
    def rate(self) -> float | None:
        good = sum(n for r, n in self.counts if r in (Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED))
        return good / self.answered if self.answered else None


@dataclass(frozen=True, slots=True)
class ConversationLists:
    waiting: tuple[Conversation, ...]
    active: tuple[Conversation, ...]
    ended: tuple[Conversation, ...]


@dataclass(frozen=True, slots=True)
class TransferTargets:
    """Whom a chat can be handed to: the colleagues (with their status and open chats) and the groups."""

    agents: tuple[SubAccount, ...]
    groups: tuple[ReceptionGroup, ...]


@dataclass(frozen=True, slots=True)
class TransferResult:
    """A 转交 that was made: the record, the chat as it is now, and the line the buyer was sent.
    `to_name` is the agent who has it now, or the group when its 分流 found nobody free."""

    transfer: Transfer
    conversation: Conversation
    to_name: str
    buyer_line: Message


class ReceptionService:
    """Every write says which conversation it changed (`Topic.CONVERSATIONS`), in its transaction:
    desks re-read it once it is committed.

    `actor` is the desk's user: reading or writing one conversation checks they may
    (workbench.domain.conversations `may_see` / `may_work_on` / `may_hand_over`), in the transaction
    that does it. The program itself (`PROGRAM`: the buyers' feed, the bot, the simulated colleagues)
    may do anything. Accepting and handing over are guarded UPDATEs: of two desks racing for the same
    chat exactly one wins, the other gets ``conversation.taken`` / ``conversation.changed``."""

    def __init__(self, db: Database, shop_id: int, clock: Clock = system_clock, *, actor: Actor = PROGRAM) -> None:
        self.db = db
        self.shop_id = shop_id
        self.clock = clock
        self.actor = actor

    def for_program(self) -> ReceptionService:
        """The same service acting as the program (the buyers' feed and the bot, not a desk's user)."""
        return ReceptionService(self.db, self.shop_id, self.clock)

    # -- who may ----------------------------------------------------------------------------------

    def _role(self, s: Session) -> Role:
        role = current_role(s, self.actor)
        if role is None:  # the user was removed on another desk
            raise DomainError("permission.denied", permission=Permission.SUPERVISE.value, role="")
        return role

    def _open(self, s: Session, conversation_id: int, *, work: bool = False) -> tuple[Conversation, Role]:
        """The conversation, if the actor may see it (and with `work`, work on it), and their role;
        DomainError ``conversation.missing`` / ``conversation.forbidden`` otherwise."""
        conv = ConversationRepository(s).get(conversation_id)
        if conv is None:
            raise DomainError("conversation.missing")
        role = self._role(s)
        if self.actor.is_program:
            return conv, role
        allowed = may_work_on(role, self.actor.user_id, conv) if work else may_see(role, self.actor.user_id, conv)
        if not allowed:
            raise DomainError("conversation.forbidden", conversation=conversation_id)
        return conv, role

    def lists(self) -> ConversationLists:
        with self.db.session() as s:
            repo = ConversationRepository(s)
            open_ = repo.in_states(self.shop_id, OPEN_STATES, limit=1000)
            ended = repo.in_states(self.shop_id, (ConversationState.ENDED,), limit=ENDED_SHOWN)
        return ConversationLists(
            waiting=tuple(longest_waiting_first([c for c in open_ if c.state is ConversationState.WAITING])),
            active=tuple(c for c in open_ if c.state is ConversationState.ACTIVE),
            ended=tuple(ended),
        )

    def desk_lists(self, agent_id: int) -> ConversationLists:
        """What one user's desk lists: 待接待 not assigned or assigned to them, 接待中 their own, and the
        shop's 已结束; chats the bot is serving (full-auto) and colleagues' chats are left out.
        As the user's role decides (workbench.domain.identity): a teacher's desk lists every seat's
        chats, a student's 已结束 only their own."""
        from workbench.storage.repositories.accounts import AccountRepository
        from workbench.storage.repositories.bot import BotRepository

        with self.db.session() as s:
            repo = ConversationRepository(s)
            role = AccountRepository(s).role_of(agent_id) or Role.AGENT
            everyone = allows(role, Permission.SEE_ALL_SEATS)
            # Not the colleagues' chats: read only this desk's and the unassigned ones (a teacher: all).
            if everyone:
                open_ = repo.in_states(self.shop_id, OPEN_STATES, limit=1000)
            else:
                open_ = repo.open_for_desk(self.shop_id, agent_id, limit=1000)
            ended = repo.in_states(self.shop_id, (ConversationState.ENDED,), limit=ENDED_SHOWN)
            bot = BotRepository(s).bot_owned(self.shop_id)
            actions = ConversationActionRepository(s)
            marks = actions.marks(agent_id, [c.id for c in (*open_, *ended)])
            transfers = actions.latest_transfers([c.id for c in open_])
            drafts = DraftRepository(s).texts(agent_id, [c.id for c in (*open_, *ended)])
            names = {u.id: u.display_name for u in AccountRepository(s).users(self.shop_id)}

        def shown(c: Conversation) -> Conversation:
            """The row as this desk lists it: its 置顶 / 星标, the agent's 草稿, and the 转交 note when it
            was handed to this agent (or to a group whose 分流 found nobody free, for whoever takes it)."""
            pinned, starred = marks.get(c.id, (False, False))
            draft = drafts.get(c.id, "")
            t = transfers.get(c.id)
            note = by = ""
            for_me = t is not None and (t.to_agent_id == agent_id or (t.to_agent_id is None and c.agent_id is None))
            if t is not None and for_me and c.state is not ConversationState.ENDED:
                note, by = t.note, names.get(t.by_agent_id or 0, "")
            if not (pinned or starred or note or by or draft):
                return c
            return replace(c, pinned=pinned, starred=starred, transfer_note=note, transferred_by=by, draft=draft)

        def pinned_first(convs: list[Conversation]) -> tuple[Conversation, ...]:
            # 置顶 chats lead their group; otherwise the order stays the database's (newest first)
            rows = [shown(c) for c in convs]
            return tuple([c for c in rows if c.pinned] + [c for c in rows if not c.pinned])

        waiting = [c for c in open_ if c.state is ConversationState.WAITING and c.id not in bot]
        return ConversationLists(
            waiting=pinned_first(longest_waiting_first(waiting)),
            active=pinned_first(
                [
                    c
                    for c in open_
                    if c.state is ConversationState.ACTIVE and (everyone or c.agent_id == agent_id) and c.id not in bot
                ]
            ),
            ended=pinned_first(
                list(ended)
                if allows(role, Permission.SEE_SHOP_HISTORY)
                else [c for c in ended if c.agent_id == agent_id]
            ),
        )

    def get(self, conversation_id: int) -> Conversation | None:
        """The conversation (None when there is none); ``conversation.forbidden`` when the actor may
        not see it (a 学生 asking for another seat's chat)."""
        with self.db.session() as s:
            try:
                return self._open(s, conversation_id)[0]
            except DomainError as exc:
                if exc.code == "conversation.missing":
                    return None
                raise

    def messages(
        self,
        conversation_id: int,
        *,
        before_id: int | None = None,
        after_id: int | None = None,
        limit: int = 200,
        forward: bool = False,
    ) -> list[Message]:
        """The newest `limit` messages, oldest first: older than `before_id` (paging back), or newer
        than `after_id` (what arrived since the last one shown). `forward`: the first `limit` after
        `after_id` (paging forward, when a chat scrolled far back is scrolled down again)."""
        with self.db.session() as s:
            self._open(s, conversation_id)
            return ConversationRepository(s).messages(
                conversation_id, before_id=before_id, after_id=after_id, limit=limit, forward=forward
            )

    def earlier_visits(self, conversation_id: int, limit: int = EARLIER_VISITS) -> list[EarlierVisit]:
        """The buyer's earlier conversations this user may read, newest first (千牛 shows them above
        the current chat): a returning buyer does not start blank."""
        with self.db.session() as s:
            conv, role = self._open(s, conversation_id)
            repo = ConversationRepository(s)
            visits = repo.earlier_visits(conv.customer_id, conversation_id, limit)
            if self.actor.is_program or allows(role, Permission.SUPERVISE) or allows(role, Permission.SEE_ALL_SEATS):
                return visits  # sees every chat: no need to read each one
            user = self.actor.user_id
            return [
                v
                for v in visits
                if self.actor.is_program or ((c := repo.get(v.conversation_id)) is not None and may_see(role, user, c))
            ]

    def chat_of_customer(self, customer_id: int) -> int | None:
        """The buyer's live chat (else their latest) this user may read: what a complaint or dispute
        form offers as evidence when it was not opened from the chat itself."""
        with self.db.session() as s:
            conv = ConversationRepository(s).latest_for_customer(customer_id)
            if conv is None:
                return None
            if not self.actor.is_program and not may_see(self._role(s), self.actor.user_id, conv):
                return None
            return conv.id

    def customer_arrives(self, customer_id: int, scenario_id: str = "", first_text: str = "") -> Conversation:
        """Open a conversation in 待接待, or reuse the customer's open one. With `first_text`, the
        customer's first message is stored in the same transaction: a chat never exists without it."""
        if first_text:
            first_text = validate_message_text(first_text)
        with self.db.session() as s:
            conv, _ = self.arrive_in(s, customer_id, scenario_id)
            if first_text:
                self.customer_says_in(s, conv.id, first_text)
        return conv

    def arrive_in(self, s: Session, customer_id: int, scenario_id: str = "") -> tuple[Conversation, bool]:
        """In the caller's transaction: the customer's open conversation, or a new one in 待接待
        (True when it is new). The caller stores its first message in the same transaction."""
        repo = ConversationRepository(s)
        existing = repo.open_for_customer(customer_id)
        if existing is not None:
            return existing, False
        conv = repo.create(self.shop_id, customer_id, self.clock(), scenario_id)
        self.db.notify(s, Topic.CONVERSATIONS, conv.id)
        return conv, True

    def customer_says(self, conversation_id: int, text: str) -> Message:
        text = validate_message_text(text)
        with self.db.session() as s:
            message = self.customer_says_in(s, conversation_id, text)
        return message

    def customer_says_in(self, s: Session, conversation_id: int, text: str) -> Message:
        """In the caller's transaction: store a customer message (`text` already validated)."""
        repo = ConversationRepository(s)
        conv = repo.get(conversation_id)
        if conv is None:
            raise DomainError("conversation.missing")
        if conv.state is ConversationState.ENDED:  # a customer writing again reopens the chat
            repo.set_state(conversation_id, ConversationState.WAITING, self.clock())
        message = repo.add_message(conversation_id, Sender.CUSTOMER, text, self.clock())
        self.db.notify(s, Topic.CONVERSATIONS, conversation_id)
        return message

    def accept(self, conversation_id: int, agent_id: int) -> Conversation:
        """接入: a 待接待 chat becomes `agent_id`'s 接待中. Guarded in the database: of two desks
        accepting the same buyer at once exactly one wins; the other gets ``conversation.taken``
        (naming who has it). Accepting one's own 接待中 chat again changes nothing."""
        with self.db.session() as s:
            conv, _ = self._open(s, conversation_id, work=True)
            self._claim(s, conv, agent_id)
            result = ConversationRepository(s).get(conversation_id)
            self.db.notify(s, Topic.CONVERSATIONS, conversation_id)
        assert result is not None
        return result

    def _claim(self, s: Session, conv: Conversation, agent_id: int, *, writing: bool = False) -> None:
        """Make `conv` (as read in `s`: 待接待, or the bot's) `agent_id`'s 接待中, or say who beat them to it."""
        repo = ConversationRepository(s)
        # 待接待, or 接待中 with nobody (the bot serving it: an agent writing in takes it over)
        if conv.state is ConversationState.WAITING or (
            conv.state is ConversationState.ACTIVE and conv.agent_id is None
        ):
            if repo.move_if(
                conv.id,
                state=conv.state,
                agent_id=conv.agent_id,
                new_state=ConversationState.ACTIVE,
                new_agent_id=agent_id,
            ):
                return
            now = repo.get(conv.id)  # another desk changed it between our read and our update
            assert now is not None
            conv = now
        if conv.state is ConversationState.ACTIVE and conv.agent_id == agent_id:
            return
        if conv.state is ConversationState.ENDED:
            raise DomainError("conversation.ended")
        if writing and conv.state is ConversationState.ACTIVE and self._may_supervise(s):
            return  # a supervisor writing into an agent's chat (the chat stays that agent's)
        raise DomainError("conversation.taken", agent=self._name(s, conv.agent_id))

    def _may_supervise(self, s: Session) -> bool:
        return self.actor.is_program or allows(self._role(s), Permission.SUPERVISE)

    def _name(self, s: Session, agent_id: int | None) -> str:
        from workbench.storage.repositories.accounts import AccountRepository

        user = AccountRepository(s).user(agent_id) if agent_id is not None else None
        return user.display_name if user is not None else ""

    def agent_sends(
        self,
        conversation_id: int,
        agent_id: int,
        text: str,
        suggestion: UsedSuggestion | None = None,
        *,
        clear_draft: bool = False,
    ) -> Message:
        """Validate and persist an agent reply; record which KB entry it came from. With `clear_draft`
        (the reply is the composer's) the agent's 草稿 in the chat goes with it, in the same transaction."""
        text = validate_message_text(text)
        now = self.clock()
        with self.db.session() as s:
            repo = ConversationRepository(s)
            conv, _ = self._open(s, conversation_id, work=True)
            if conv.state is ConversationState.ENDED:
                raise DomainError("conversation.ended")
            if self.actor.is_program:  # the program's colleagues and bot: as they routed it
                if conv.state is ConversationState.WAITING:
                    repo.set_state(conversation_id, ConversationState.ACTIVE, now, agent_id=agent_id)
            else:
                self._claim(s, conv, agent_id, writing=True)  # replying to a 待接待 buyer accepts them, guarded
            message = repo.add_message(conversation_id, Sender.AGENT, text, now, agent_id)
            if clear_draft:
                DraftRepository(s).delete(conversation_id, agent_id)
            if suggestion is not None:
                edited = text != suggestion.original_text.strip()
                repo.record_suggestion_use(
                    SuggestionUse(message.id, suggestion.entry_id, suggestion.score, edited), now
                )
                KbRepository(s).count_hit(suggestion.entry_id, now.date())
            self.db.notify(s, Topic.CONVERSATIONS, conversation_id)
        return message

    def system_note(self, conversation_id: int, text: str) -> Message:
        with self.db.session() as s:
            message = ConversationRepository(s).add_message(conversation_id, Sender.SYSTEM, text, self.clock())
            self.db.notify(s, Topic.CONVERSATIONS, conversation_id)
        return message

    def end_with_note(self, conversation_id: int, note: str, reason: str) -> Message:
        """End the conversation with a system note saying why, in one transaction: a chat is never
        left open with the note, nor ended without it."""
        now = self.clock()
        with self.db.session() as s:
            self._open(s, conversation_id, work=True)
            repo = ConversationRepository(s)
            message = repo.add_message(conversation_id, Sender.SYSTEM, note, now)
            repo.set_state(conversation_id, ConversationState.ENDED, now, reason=reason)
            self.db.notify(s, Topic.CONVERSATIONS, conversation_id)
        return message

    def buyer_left(self, conversation_id: int, note: str) -> Message:
        """The buyer went away: a system line says so, and the chat stays open for the agent, who may
        still write (the buyer reads it as an offline message on coming back). It ends by the agent or
        when it has been quiet long enough (`end_idle`)."""
        with self.db.session() as s:
            self._open(s, conversation_id)
            message = ConversationRepository(s).add_message(conversation_id, Sender.SYSTEM, note, self.clock())
            self.db.notify(s, Topic.CONVERSATIONS, conversation_id)
        return message

    def end_idle(self, quiet_for: timedelta, reason: str = "idle") -> list[int]:
        """End the shop's open chats (waiting or with an agent) in which nobody wrote for `quiet_for`;
        returns their ids. Each is ended by a guarded update: a message arriving meanwhile keeps it open."""
        now = self.clock()
        before = now - quiet_for
        ended: list[int] = []
        with self.db.session() as s:
            repo = ConversationRepository(s)
            for conv_id in repo.quiet_since(self.shop_id, before):
                if repo.end_if_quiet(conv_id, before, now, reason):
                    ended.append(conv_id)
                    self.db.notify(s, Topic.CONVERSATIONS, conv_id)
        return ended

    def end(self, conversation_id: int, reason: str) -> None:
        with self.db.session() as s:
            self._open(s, conversation_id, work=True)
            ConversationRepository(s).set_state(conversation_id, ConversationState.ENDED, self.clock(), reason=reason)
            self.db.notify(s, Topic.CONVERSATIONS, conversation_id)

    def mark_read(self, conversation_id: int) -> None:
        with self.db.session() as s:
            self._open(s, conversation_id)
            ConversationRepository(s).mark_read(conversation_id)
            self.db.notify(s, Topic.CONVERSATIONS, conversation_id)

    # -- 转交 ---------------------------------------------------------------------------------------

    def transfer_targets(self) -> TransferTargets:
        """The colleagues a chat can go to (real accounts, not 离线; each with status and open chats;
        the actor left out) and the shop's reception groups."""
        from workbench.storage.repositories.bot import BotRepository

        with self.db.session() as s:
            repo = BotRepository(s)
            accounts = repo.sub_accounts(self.shop_id)
            groups = repo.groups(self.shop_id)
        agents = tuple(
            a
            for a in accounts
            if a.id != self.actor.user_id and not a.simulated and a.status is not AgentStatus.OFFLINE
        )
        return TransferTargets(agents, tuple(groups))

    def transfer_to_agent(
        self, conversation_id: int, to_agent_id: int, note: str = "", *, seen: Conversation | None = None
    ) -> TransferResult:
        """转交 an open chat to a colleague, with a note for them: it waits in their 待接待 with the
        note and its whole history, the buyer is told (a system line), the transfer is recorded.

        Allowed to the chat's current agent and to supervisors (``conversation.forbidden`` otherwise).
        The colleague must be a real account of the shop, not 离线 (``transfer.target_*``). Guarded by
        the holder read: if another desk accepted or handed it over meanwhile, nothing changes and
        ``conversation.changed`` says so. `seen` is the chat as the desk showed it when the user chose:
        a chat accepted or handed over since is not handed over from under them either."""
        from workbench.storage.repositories.bot import BotRepository

        note = clean_transfer_note(note)
        with self.db.session() as s:
            conv = self._transferable(s, conversation_id, seen)
            target = next((a for a in BotRepository(s).sub_accounts(self.shop_id) if a.id == to_agent_id), None)
            if target is None:
                raise DomainError("transfer.target_missing")
            if target.simulated:
                raise DomainError("transfer.target_simulated", agent=target.display_name)
            if target.status is AgentStatus.OFFLINE:
                raise DomainError("transfer.target_offline", agent=target.display_name)
            if target.id == conv.agent_id:
                raise DomainError("transfer.same_agent", agent=target.display_name)
            line = TRANSFERRED_TO_AGENT.format(name=target.display_name)
            return self._hand_over(s, conv, target.id, None, note, line, target.display_name)

    def transfer_to_group(
        self, conversation_id: int, group_id: int, note: str = "", *, seen: Conversation | None = None
    ) -> TransferResult:
        """转交 an open chat to a reception group: the group's 分流 (the shop's strategy among its
        available members, the current agent left out) picks who gets it; when nobody in the group is
        free it goes back to the shop's 待接待 queue, with the note for whoever takes it. Guarded as
        `transfer_to_agent`."""
        from workbench.storage.repositories.bot import BotRepository

        note = clean_transfer_note(note)
        with self.db.session() as s:
            conv = self._transferable(s, conversation_id, seen)
            bots = BotRepository(s)
            group = next((g for g in bots.groups(self.shop_id) if g.id == group_id), None)
            if group is None:
                raise DomainError("transfer.group_missing")
            accounts = [a for a in bots.sub_accounts(self.shop_id) if a.id != conv.agent_id]
            config = bots.config(self.shop_id).routing
            only_group = replace(config, by_group=True, overflow=False)
            picked = pick_agent(accounts, only_group, conv.agent_id or 0, "", [replace(group, keywords=())])
            target = next((a for a in accounts if a.id == picked.agent_id), None)
            if target is not None:
                line = TRANSFERRED_TO_AGENT.format(name=target.display_name)
                return self._hand_over(s, conv, target.id, group.id, note, line, target.display_name)
            line = TRANSFERRED_TO_GROUP.format(group=group.name)
            return self._hand_over(s, conv, None, group.id, note, line, group.name)

    def _transferable(self, s: Session, conversation_id: int, seen: Conversation | None) -> Conversation:
        """The chat as the guarded UPDATE expects it: as read now, and as `seen` (when given)."""
        conv, role = self._open(s, conversation_id)
        if conv.state is ConversationState.ENDED:
            raise DomainError("conversation.ended")
        if not self.actor.is_program and not may_hand_over(role, self.actor.user_id, conv):
            raise DomainError("conversation.forbidden", conversation=conversation_id)
        if seen is not None and (seen.state, seen.agent_id) != (conv.state, conv.agent_id):
            raise DomainError("conversation.changed")
        return conv

    def _hand_over(
        self,
        s: Session,
        conv: Conversation,
        to_agent_id: int | None,
        to_group_id: int | None,
        note: str,
        buyer_line: str,
        to_name: str,
    ) -> TransferResult:
        """The guarded move to (待接待, the new agent), the record, the buyer's line and the change
        notice, all in the caller's transaction."""
        repo = ConversationRepository(s)
        moved = repo.move_if(
            conv.id,
            state=conv.state,
            agent_id=conv.agent_id,
            new_state=ConversationState.WAITING,
            new_agent_id=to_agent_id,
        )
        if not moved:
            raise DomainError("conversation.changed")
        now = self.clock()
        transfer = ConversationActionRepository(s).add_transfer(
            conv.id,
            by_agent_id=None if self.actor.is_program else self.actor.user_id,
            from_agent_id=conv.agent_id,
            to_agent_id=to_agent_id,
            to_group_id=to_group_id,
            note=note,
            at=now,
        )
        message = repo.add_message(conv.id, Sender.SYSTEM, buyer_line, now)
        repo.start_waiting(conv.id, now)  # the buyer now waits for the new agent
        self.db.notify(s, Topic.CONVERSATIONS, conv.id)
        self.db.notify(s, Topic.AGENTS)  # open chats per agent changed (the pickers show them)
        after = repo.get(conv.id)
        assert after is not None
        return TransferResult(transfer, after, to_name, message)

    def transfers(self, conversation_id: int) -> list[Transfer]:
        """Every 转交 of a conversation, oldest first."""
        with self.db.session() as s:
            self._open(s, conversation_id)
            return ConversationActionRepository(s).transfers(conversation_id)

    # -- 置顶, 星标, 邀请评价 --------------------------------------------------------------------------

    def set_pinned(self, conversation_id: int, pinned: bool) -> None:
        """置顶 for this desk's user (each agent orders their own list): pinned chats lead their group."""
        self._mark(conversation_id, pinned=pinned)

    def set_starred(self, conversation_id: int, starred: bool) -> None:
        """星标 for this desk's user: a star in the row (and the list can show only starred chats)."""
        self._mark(conversation_id, starred=starred)

    def _mark(self, conversation_id: int, *, pinned: bool | None = None, starred: bool | None = None) -> None:
        if self.actor.is_program:
            raise DomainError("conversation.forbidden", conversation=conversation_id)  # marks are a user's
        with self.db.session() as s:
            self._open(s, conversation_id)
            ConversationActionRepository(s).set_mark(
                conversation_id, self.actor.user_id, self.clock(), pinned=pinned, starred=starred
            )
            self.db.notify(s, Topic.CONVERSATIONS, conversation_id)

    def invite_rating(self, conversation_id: int) -> Message:
        """邀请评价: send the buyer the rating card (a system card line in the chat) and record the
        invitation, once per conversation: a second one raises ``rating.already_invited``."""
        now = self.clock()
        try:
            with self.db.session() as s:
                conv, _ = self._open(s, conversation_id, work=True)
                actions = ConversationActionRepository(s)
                if actions.invited(conversation_id):
                    raise DomainError("rating.already_invited")
                by = None if self.actor.is_program else self.actor.user_id
                name = self._name(s, conv.agent_id or by)
                text = RATING_INVITATION.format(name=name)
                message = ConversationRepository(s).add_message(conversation_id, Sender.SYSTEM, text, now)
                actions.add_invitation(conversation_id, by, message.id, now)
                self.db.notify(s, Topic.CONVERSATIONS, conversation_id)
        except IntegrityError as exc:  # another desk invited at the same moment: its invitation stands
            raise DomainError("rating.already_invited") from exc
        return message

    def rating_invited(self, conversation_id: int) -> bool:
        with self.db.session() as s:
            self._open(s, conversation_id)
            return ConversationActionRepository(s).invited(conversation_id)

    def buyer_rates(self, conversation_id: int, rating: Satisfaction) -> Message | None:
        """The buyer answers the 邀请评价 card: the rating is stored with the invitation (the reports
        count it) and shown in the chat as the buyer's card. None when the chat was never invited or
        was rated already (the first answer stands)."""
        with self.db.session() as s:
            now = self.clock()
            if not ConversationActionRepository(s).rate(conversation_id, rating.value, now):
                return None
            message = ConversationRepository(s).add_message(
                conversation_id, Sender.SYSTEM, rating_answer_text(rating), now
            )
            self.db.notify(s, Topic.CONVERSATIONS, conversation_id)
            return message

    def satisfaction(self, since: datetime | None = None, agent_id: int | None = None) -> SatisfactionSummary:
        """The buyers' answers to 邀请评价 (since a time, for one agent): the reports' 满意度."""
        with self.db.session() as s:
            counts = ConversationActionRepository(s).ratings(since, agent_id)
        return SatisfactionSummary(tuple((r, counts.get(r.value, 0)) for r in Satisfaction))

    def suggestion_uses(self, conversation_id: int) -> list[SuggestionUse]:
        with self.db.session() as s:
            return ConversationRepository(s).suggestion_uses(conversation_id)
