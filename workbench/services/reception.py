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
from workbench.services.notifications import Hub, Topic
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
    def __init__(self, db: Database, shop_id: int, clock: Clock = system_clock, hub: Hub | None = None) -> None:
        self.db = db
        self.shop_id = shop_id
        self.clock = clock
        self.hub = hub or Hub()

    def changed(self, conversation_id: int) -> None:
        """After the commit: desks re-read this conversation (for callers that wrote in their own
        transaction with the `*_in` methods)."""
        self.hub.publish(Topic.CONVERSATIONS, conversation_id)

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

        lists = self.lists()
        with self.db.session() as s:
            bot = BotRepository(s).bot_owned(self.shop_id)
            role = AccountRepository(s).role_of(agent_id) or Role.AGENT
        everyone = allows(role, Permission.SEE_ALL_SEATS)
        return ConversationLists(
            waiting=tuple(c for c in lists.waiting if (everyone or c.agent_id in (None, agent_id)) and c.id not in bot),
            active=tuple(c for c in lists.active if (everyone or c.agent_id == agent_id) and c.id not in bot),
            ended=lists.ended
            if allows(role, Permission.SEE_SHOP_HISTORY)
            else tuple(c for c in lists.ended if c.agent_id == agent_id),
        )

    def get(self, conversation_id: int) -> Conversation | None:
        with self.db.session() as s:
            return ConversationRepository(s).get(conversation_id)

    def messages(self, conversation_id: int, *, before_id: int | None = None, limit: int = 200) -> list[Message]:
        with self.db.session() as s:
            return ConversationRepository(s).messages(conversation_id, before_id=before_id, limit=limit)

    def customer_arrives(self, customer_id: int, scenario_id: str = "", first_text: str = "") -> Conversation:
        """Open a conversation in 待接待, or reuse the customer's open one. With `first_text`, the
        customer's first message is stored in the same transaction: a chat never exists without it."""
        if first_text:
            first_text = validate_message_text(first_text)
        with self.db.session() as s:
            conv, _ = self.arrive_in(s, customer_id, scenario_id)
            if first_text:
                self.customer_says_in(s, conv.id, first_text)
        self.changed(conv.id)
        return conv

    def arrive_in(self, s: Session, customer_id: int, scenario_id: str = "") -> tuple[Conversation, bool]:
        """In the caller's transaction: the customer's open conversation, or a new one in 待接待
        (True when it is new). The caller stores its first message in the same transaction."""
        repo = ConversationRepository(s)
        existing = repo.open_for_customer(customer_id)
        if existing is not None:
            return existing, False
        return repo.create(self.shop_id, customer_id, self.clock(), scenario_id), True

    def customer_says(self, conversation_id: int, text: str) -> Message:
        text = validate_message_text(text)
        with self.db.session() as s:
            message = self.customer_says_in(s, conversation_id, text)
        self.changed(conversation_id)
        return message

    def customer_says_in(self, s: Session, conversation_id: int, text: str) -> Message:
        """In the caller's transaction: store a customer message (`text` already validated)."""
        repo = ConversationRepository(s)
        conv = repo.get(conversation_id)
        if conv is None:
            raise DomainError("conversation.missing")
        if conv.state is ConversationState.ENDED:  # a customer writing again reopens the chat
            repo.set_state(conversation_id, ConversationState.WAITING, self.clock())
        return repo.add_message(conversation_id, Sender.CUSTOMER, text, self.clock())

    def accept(self, conversation_id: int, agent_id: int) -> Conversation:
        with self.db.session() as s:
            repo = ConversationRepository(s)
            conv = repo.get(conversation_id)
            if conv is None:
                raise DomainError("conversation.missing")
            if conv.state is ConversationState.WAITING:
                repo.set_state(conversation_id, ConversationState.ACTIVE, self.clock(), agent_id=agent_id)
            result = repo.get(conversation_id)
        assert result is not None
        self.changed(conversation_id)
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
        self.changed(conversation_id)
        return message

    def system_note(self, conversation_id: int, text: str) -> Message:
        with self.db.session() as s:
            message = ConversationRepository(s).add_message(conversation_id, Sender.SYSTEM, text, self.clock())
        self.changed(conversation_id)
        return message

    def end_with_note(self, conversation_id: int, note: str, reason: str) -> Message:
        """End the conversation with a system note saying why, in one transaction: a chat is never
        left open with the note, nor ended without it."""
        now = self.clock()
        with self.db.session() as s:
            repo = ConversationRepository(s)
            message = repo.add_message(conversation_id, Sender.SYSTEM, note, now)
            repo.set_state(conversation_id, ConversationState.ENDED, now, reason=reason)
        self.changed(conversation_id)
        return message

    def end(self, conversation_id: int, reason: str) -> None:
        with self.db.session() as s:
            ConversationRepository(s).set_state(conversation_id, ConversationState.ENDED, self.clock(), reason=reason)
        self.changed(conversation_id)

    def mark_read(self, conversation_id: int) -> None:
        with self.db.session() as s:
            ConversationRepository(s).mark_read(conversation_id)
        self.changed(conversation_id)

    def suggestion_uses(self, conversation_id: int) -> list[SuggestionUse]:
        with self.db.session() as s:
            return ConversationRepository(s).suggestion_uses(conversation_id)
