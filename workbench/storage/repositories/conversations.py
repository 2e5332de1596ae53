"""Conversations, messages and suggestion use."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.orm import Session

from workbench.domain.conversations import (
    Conversation,
    ConversationState,
    EarlierVisit,
    Message,
    Sender,
    SuggestionUse,
)
from workbench.storage.repositories.contact_days import ContactDayRepository
from workbench.storage.repositories.response_runs import ResponseRunRepository
from workbench.storage.tables import ConversationRow, CustomerRow, MessageRow, SuggestionUseRow

PREVIEW_LENGTH = 60


def _conversation(row: ConversationRow, customer: CustomerRow) -> Conversation:
    return Conversation(
        id=row.id,
        customer_id=row.customer_id,
        customer_nick=customer.nick,
        state=ConversationState(row.state),
        agent_id=row.agent_id,
        started_at=row.started_at,
        last_message_at=row.last_message_at,
        waiting_since=row.waiting_since,
        unread=row.unread,
        scenario_id=row.scenario_id,
        end_reason=row.end_reason,
        last_message=row.last_message,
        credit_level=customer.credit_level,
        is_88vip=customer.is_88vip,
        member_level=customer.member_level,
    )


def _message(row: MessageRow) -> Message:
    return Message(
        id=row.id,
        conversation_id=row.conversation_id,
        sender=Sender(row.sender),
        text=row.text,
        created_at=row.created_at,
        agent_id=row.agent_id,
    )


class ConversationRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def _select(self) -> Select[ConversationRow, CustomerRow]:
        return select(ConversationRow, CustomerRow).join(CustomerRow, CustomerRow.id == ConversationRow.customer_id)

    def get(self, conversation_id: int) -> Conversation | None:
        found = self.s.execute(self._select().where(ConversationRow.id == conversation_id)).first()
        return _conversation(*found) if found else None

    def in_states(self, shop_id: int, states: tuple[ConversationState, ...], limit: int = 200) -> list[Conversation]:
        """Open conversations newest first; ended ones are capped to the most recent `limit`."""
        query = (
            self._select()
            .where(ConversationRow.shop_id == shop_id, ConversationRow.state.in_([s.value for s in states]))
            .order_by(ConversationRow.last_message_at.desc(), ConversationRow.id.desc())
            .limit(limit)
        )
        return [_conversation(c, cu) for c, cu in self.s.execute(query)]

    def scenario_chats(
        self, shop_id: int, agent_id: int, scenario_ids: Sequence[str], limit: int = 500
    ) -> list[Conversation]:
        """The simulated customers of `scenario_ids` that one agent served (the chat is theirs, or they
        wrote in it), oldest first: what a classroom exercise's check looks at."""
        if not scenario_ids:
            return []
        wrote = select(MessageRow.id).where(
            MessageRow.conversation_id == ConversationRow.id, MessageRow.agent_id == agent_id
        )
        query = (
            self._select()
            .where(
                ConversationRow.shop_id == shop_id,
                ConversationRow.scenario_id.in_(list(scenario_ids)),
                or_(ConversationRow.agent_id == agent_id, wrote.exists()),
            )
            .order_by(ConversationRow.started_at, ConversationRow.id)
            .limit(limit)
        )
        return [_conversation(c, cu) for c, cu in self.s.execute(query)]

    def open_for_desk(self, shop_id: int, agent_id: int, limit: int = 1000) -> list[Conversation]:
        """What one agent's desk lists of the open conversations, newest first: 待接待 nobody has or
        assigned to the agent, and the agent's own 接待中 (colleagues' chats are not even read)."""
        waiting = ConversationRow.state == ConversationState.WAITING.value
        active = ConversationRow.state == ConversationState.ACTIVE.value
        query = (
            self._select()
            .where(
                ConversationRow.shop_id == shop_id,
                or_(
                    and_(waiting, or_(ConversationRow.agent_id.is_(None), ConversationRow.agent_id == agent_id)),
                    and_(active, ConversationRow.agent_id == agent_id),
                ),
            )
            .order_by(ConversationRow.last_message_at.desc(), ConversationRow.id.desc())
            .limit(limit)
        )
        return [_conversation(c, cu) for c, cu in self.s.execute(query)]

    def open_for_customer(self, customer_id: int) -> Conversation | None:
        found = self.s.execute(
            self._select()
            .where(
                ConversationRow.customer_id == customer_id,
                ConversationRow.state != ConversationState.ENDED.value,
            )
            .order_by(ConversationRow.id.desc())
        ).first()
        return _conversation(*found) if found else None

    def latest_for_customer(self, customer_id: int) -> Conversation | None:
        """The customer's open chat, else their newest one."""
        found = self.open_for_customer(customer_id)
        if found is not None:
            return found
        row = self.s.execute(
            self._select().where(ConversationRow.customer_id == customer_id).order_by(ConversationRow.id.desc())
        ).first()
        return _conversation(*row) if row else None

    def create(self, shop_id: int, customer_id: int, at: datetime, scenario_id: str = "") -> Conversation:
        row = ConversationRow(
            shop_id=shop_id,
            customer_id=customer_id,
            state=ConversationState.WAITING.value,
            scenario_id=scenario_id,
            started_at=at,
            last_message_at=at,
            waiting_since=None,
            unread=0,
        )
        self.s.add(row)
        self.s.flush()
        conv = self.get(row.id)
        assert conv is not None
        return conv

    def add_message(
        self,
        conversation_id: int,
        sender: Sender,
        text: str,
        at: datetime,
        agent_id: int | None = None,
        *,
        count_unread: bool = True,
    ) -> Message:
        row = MessageRow(
            conversation_id=conversation_id, sender=sender.value, text=text, created_at=at, agent_id=agent_id
        )
        self.s.add(row)
        conv = self.s.get_one(ConversationRow, conversation_id)
        conv.last_message_at = at
        if sender is not Sender.SYSTEM:
            conv.last_message = text[:PREVIEW_LENGTH]
        if sender is Sender.CUSTOMER:
            if conv.waiting_since is None:
                conv.waiting_since = at
            if count_unread:
                conv.unread += 1
        elif sender in (Sender.AGENT, Sender.BOT):
            conv.waiting_since = None
            conv.unread = 0
        self.s.flush()
        if sender is Sender.AGENT:  # 客服绩效's answered run, in the reply's transaction
            ResponseRunRepository(self.s).record_reply(
                conversation_id, row.id, at, agent_id, conv.shop_id, conv.customer_id
            )
        if sender in (Sender.AGENT, Sender.CUSTOMER):  # and its chat day
            ContactDayRepository(self.s).record(
                conversation_id, row.id, sender.value, at, agent_id, conv.shop_id, conv.customer_id
            )
        return _message(row)

    def messages(
        self,
        conversation_id: int,
        *,
        before_id: int | None = None,
        after_id: int | None = None,
        limit: int = 200,
        forward: bool = False,
    ) -> list[Message]:
        """The newest `limit` messages (older than `before_id` when paging back, newer than `after_id`
        when catching up), oldest first. `forward`: the first `limit` after `after_id` instead (paging
        forward). Keyset paging on (conversation_id, id): no OFFSET, the same cost on every page."""
        query = select(MessageRow).where(MessageRow.conversation_id == conversation_id)
        if before_id is not None:
            query = query.where(MessageRow.id < before_id)
        if after_id is not None:
            query = query.where(MessageRow.id > after_id)
        if forward:
            return [_message(r) for r in self.s.scalars(query.order_by(MessageRow.id).limit(limit))]
        rows = list(self.s.scalars(query.order_by(MessageRow.id.desc()).limit(limit)))
        rows.reverse()
        return [_message(r) for r in rows]

    def earlier_visits(self, customer_id: int, before_id: int, limit: int) -> list[EarlierVisit]:
        """The customer's conversations before `before_id`, newest first, with their message counts."""
        # Counted per listed chat through the messages' index (never a scan of every message).
        count = (
            select(func.count())
            .select_from(MessageRow)
            .where(MessageRow.conversation_id == ConversationRow.id)
            .scalar_subquery()
        )
        query = (
            select(ConversationRow.id, ConversationRow.started_at, ConversationRow.last_message_at, count)
            .where(ConversationRow.customer_id == customer_id, ConversationRow.id < before_id)
            .order_by(ConversationRow.id.desc())
            .limit(limit)
        )
        return [EarlierVisit(cid, started, last, int(n)) for cid, started, last, n in self.s.execute(query) if n]

    def message_count(self, conversation_id: int) -> int:
        return (
            self.s.scalar(
                select(func.count()).select_from(MessageRow).where(MessageRow.conversation_id == conversation_id)
            )
            or 0
        )

    def set_state(
        self,
        conversation_id: int,
        state: ConversationState,
        at: datetime,
        *,
        agent_id: int | None = None,
        reason: str = "",
    ) -> None:
        conv = self.s.get_one(ConversationRow, conversation_id)
        conv.state = state.value
        if agent_id is not None:
            conv.agent_id = agent_id
        if state is ConversationState.ENDED:
            conv.ended_at = at
            conv.end_reason = reason
            conv.waiting_since = None
        self.s.flush()

    def quiet_since(self, shop_id: int, before: datetime, limit: int = 500) -> list[int]:
        """The shop's open chats (waiting or active) whose newest message is older than `before`."""
        open_states = (ConversationState.WAITING.value, ConversationState.ACTIVE.value)
        return list(
            self.s.scalars(
                select(ConversationRow.id)
                .where(
                    ConversationRow.shop_id == shop_id,
                    ConversationRow.state.in_(open_states),
                    ConversationRow.last_message_at < before,
                )
                .order_by(ConversationRow.last_message_at)
                .limit(limit)
            )
        )

    def end_if_quiet(self, conversation_id: int, before: datetime, at: datetime, reason: str) -> bool:
        """End the chat if it is still open and quiet since `before`: one guarded UPDATE, so a message
        written meanwhile (by the buyer or an agent at another desk) keeps it open."""
        open_states = (ConversationState.WAITING.value, ConversationState.ACTIVE.value)
        result = self.s.execute(
            update(ConversationRow)
            .where(
                ConversationRow.id == conversation_id,
                ConversationRow.state.in_(open_states),
                ConversationRow.last_message_at < before,
            )
            .values(state=ConversationState.ENDED.value, ended_at=at, end_reason=reason, waiting_since=None)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    def assign_waiting(self, conversation_id: int, agent_id: int) -> bool:
        """Give a 待接待 conversation that nobody has to `agent_id`, as one guarded UPDATE: when desks
        race for the same buyer exactly one of them gets it (True); the others change nothing."""
        result = self.s.execute(
            update(ConversationRow)
            .where(
                ConversationRow.id == conversation_id,
                ConversationRow.state == ConversationState.WAITING.value,
                ConversationRow.agent_id.is_(None),
            )
            .values(agent_id=agent_id)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    def move_if(
        self,
        conversation_id: int,
        *,
        state: ConversationState,
        agent_id: int | None,
        new_state: ConversationState,
        new_agent_id: int | None,
    ) -> bool:
        """Move the conversation to (`new_state`, `new_agent_id`) only if it is still in (`state`,
        `agent_id`) as the caller read it: one guarded UPDATE, so of two desks accepting or handing
        over the same chat at once exactly one succeeds (True); the other changes nothing."""
        holder = ConversationRow.agent_id.is_(None) if agent_id is None else ConversationRow.agent_id == agent_id
        result = self.s.execute(
            update(ConversationRow)
            .where(ConversationRow.id == conversation_id, ConversationRow.state == state.value, holder)
            .values(state=new_state.value, agent_id=new_agent_id)
            .execution_options(synchronize_session=False)
        )
        self.s.expire_all()  # rows read before in this session show what the database holds now
        return bool(getattr(result, "rowcount", 0) == 1)

    def start_waiting(self, conversation_id: int, at: datetime) -> None:
        """The buyer waits from `at` unless they were waiting already (an unanswered message)."""
        conv = self.s.get_one(ConversationRow, conversation_id)
        if conv.waiting_since is None:
            conv.waiting_since = at
        self.s.flush()

    def mark_read(self, conversation_id: int) -> None:
        self.s.execute(update(ConversationRow).where(ConversationRow.id == conversation_id).values(unread=0))

    def record_suggestion_use(self, use: SuggestionUse, at: datetime) -> None:
        self.s.add(
            SuggestionUseRow(
                message_id=use.message_id,
                entry_id=use.entry_id,
                score=use.score,
                edited=use.edited,
                created_at=at,
            )
        )
        ContactDayRepository(self.s).record_suggestion(use.message_id, use.edited)
        self.s.flush()

    def suggestion_uses(self, conversation_id: int) -> list[SuggestionUse]:
        rows = self.s.scalars(
            select(SuggestionUseRow)
            .join(MessageRow, MessageRow.id == SuggestionUseRow.message_id)
            .where(MessageRow.conversation_id == conversation_id)
            .order_by(SuggestionUseRow.id)
        )
        return [SuggestionUse(r.message_id, r.entry_id or 0, r.score, r.edited) for r in rows]
