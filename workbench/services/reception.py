"""Reception (接待): customers arrive, talk, are served by an agent and leave."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from workbench.domain.conversations import (
    Conversation,
    ConversationState,
    Message,
    Sender,
    SuggestionUse,
    validate_message_text,
)
from workbench.domain.errors import DomainError
from workbench.domain.identity import Permission, Role, allows
from workbench.services.clock import Clock, system_clock
from workbench.services.notifications import Topic
from workbench.storage.db import Database
from workbench.storage.repositories.conversations import ConversationRepository
from workbench.storage.repositories.kb import KbRepository

OPEN_STATES = (ConversationState.WAITING, ConversationState.ACTIVE)
ENDED_SHOWN = 100


@dataclass(frozen=True, slots=True)
class UsedSuggestion:
    """The KB suggestion an agent started from, to record adoption and whether it was edited."""

    entry_id: int
    score: float
    original_text: str


@dataclass(frozen=True, slots=True)
class ConversationLists:
    waiting: tuple[Conversation, ...]
    active: tuple[Conversation, ...]
    ended: tuple[Conversation, ...]


class ReceptionService:
    """Every write says which conversation it changed (`Topic.CONVERSATIONS`), in its transaction:
    desks re-read it once it is committed."""

    def __init__(self, db: Database, shop_id: int, clock: Clock = system_clock) -> None:
        self.db = db
        self.shop_id = shop_id
        self.clock = clock

    def lists(self) -> ConversationLists:
        with self.db.session() as s:
            repo = ConversationRepository(s)
            open_ = repo.in_states(self.shop_id, OPEN_STATES, limit=1000)
            ended = repo.in_states(self.shop_id, (ConversationState.ENDED,), limit=ENDED_SHOWN)
        return ConversationLists(
            waiting=tuple(c for c in open_ if c.state is ConversationState.WAITING),
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
        return ConversationLists(
            waiting=tuple(c for c in open_ if c.state is ConversationState.WAITING and c.id not in bot),
            active=tuple(
                c
                for c in open_
                if c.state is ConversationState.ACTIVE and (everyone or c.agent_id == agent_id) and c.id not in bot
            ),
            ended=tuple(ended)
            if allows(role, Permission.SEE_SHOP_HISTORY)
            else tuple(c for c in ended if c.agent_id == agent_id),
        )

    def get(self, conversation_id: int) -> Conversation | None:
        with self.db.session() as s:
            return ConversationRepository(s).get(conversation_id)

    def messages(
        self, conversation_id: int, *, before_id: int | None = None, after_id: int | None = None, limit: int = 200
    ) -> list[Message]:
        """The newest `limit` messages, oldest first: older than `before_id` (paging back), or newer
        than `after_id` (what arrived since the last one shown)."""
        with self.db.session() as s:
            return ConversationRepository(s).messages(
                conversation_id, before_id=before_id, after_id=after_id, limit=limit
            )

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
        with self.db.session() as s:
            repo = ConversationRepository(s)
            conv = repo.get(conversation_id)
            if conv is None:
                raise DomainError("conversation.missing")
            if conv.state is ConversationState.WAITING:  # guarded: of desks racing for a buyer, one gets it
                repo.accept_waiting(conversation_id, agent_id)
            result = repo.get(conversation_id)
            self.db.notify(s, Topic.CONVERSATIONS, conversation_id)
        assert result is not None
        return result

    def agent_sends(
        self, conversation_id: int, agent_id: int, text: str, suggestion: UsedSuggestion | None = None
    ) -> Message:
        """Validate and persist an agent reply; record which KB entry it came from."""
        text = validate_message_text(text)
        now = self.clock()
        with self.db.session() as s:
            repo = ConversationRepository(s)
            conv = repo.get(conversation_id)
            if conv is None:
                raise DomainError("conversation.missing")
            if conv.state is ConversationState.ENDED:
                raise DomainError("conversation.ended")
            if conv.state is ConversationState.WAITING:
                repo.set_state(conversation_id, ConversationState.ACTIVE, now, agent_id=agent_id)
            message = repo.add_message(conversation_id, Sender.AGENT, text, now, agent_id)
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
            repo = ConversationRepository(s)
            message = repo.add_message(conversation_id, Sender.SYSTEM, note, now)
            repo.set_state(conversation_id, ConversationState.ENDED, now, reason=reason)
            self.db.notify(s, Topic.CONVERSATIONS, conversation_id)
        return message

    def end(self, conversation_id: int, reason: str) -> None:
        with self.db.session() as s:
            ConversationRepository(s).set_state(conversation_id, ConversationState.ENDED, self.clock(), reason=reason)
            self.db.notify(s, Topic.CONVERSATIONS, conversation_id)

    def mark_read(self, conversation_id: int) -> None:
        with self.db.session() as s:
            ConversationRepository(s).mark_read(conversation_id)
            self.db.notify(s, Topic.CONVERSATIONS, conversation_id)

    def suggestion_uses(self, conversation_id: int) -> list[SuggestionUse]:
        with self.db.session() as s:
            return ConversationRepository(s).suggestion_uses(conversation_id)
