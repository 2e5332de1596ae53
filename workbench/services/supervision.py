"""The supervisor's view (主管 / 课堂): every live chat across the desks, every agent's load, and taking
over (接管) or reassigning (改派) a chat.

Every call needs `Permission.SUPERVISE` (owner, supervisor, teacher), checked in its own unit of work
against the role the database holds now. A move is guarded by what the supervisor saw (`Seen`): if an
agent accepted, a colleague transferred or the bot handed off meanwhile, the move is refused with
``supervision.changed`` and nothing is written. A move writes its system line in the chat and says on
the hub which chat changed (the desks re-read it), in the same transaction.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from workbench.domain.conversations import ConversationState, Sender
from workbench.domain.errors import DomainError
from workbench.domain.identity import Actor, Permission
from workbench.domain.shops import AgentStatus
from workbench.domain.supervision import LiveChat, Overview, Seen, reassign_note, takeover_note
from workbench.services.access import require
from workbench.services.clock import Clock, system_clock
from workbench.services.notifications import Topic
from workbench.storage.db import Database
from workbench.storage.repositories.conversations import ConversationRepository
from workbench.storage.repositories.supervision import SupervisionRepository


class SupervisionService:
    def __init__(self, db: Database, shop_id: int, clock: Clock = system_clock, *, actor: Actor) -> None:
        self.db = db
        self.shop_id = shop_id
        self.clock = clock
        self.actor = actor

    def overview(self) -> Overview:
        """Every live chat (longest wait first) and every agent, as the database has them now."""
        with self.db.session() as s:
            require(s, self.actor, Permission.SUPERVISE)
            repo = SupervisionRepository(s)
            chats = repo.live_chats(self.shop_id)
            agents = repo.agent_loads(self.shop_id)
        return Overview(as_of=self.clock(), chats=tuple(chats), agents=tuple(agents))

    def take_over(self, conversation_id: int, seen: Seen) -> LiveChat:
        """The chat is the supervisor's own from now on, in reception (接待中) at their desk."""
        return self._move(conversation_id, seen, self.actor.user_id, takeover=True)

    def reassign(self, conversation_id: int, agent_id: int, seen: Seen) -> LiveChat:
        """Give the chat to another agent: a waiting chat waits in their queue, a served one is theirs to
        go on with (a bot-served one too: the bot stops). Not to an agent who is 离线."""
        return self._move(conversation_id, seen, agent_id, takeover=False)

    def _move(self, conversation_id: int, seen: Seen, agent_id: int, *, takeover: bool) -> LiveChat:
        with self.db.session() as s:
            require(s, self.actor, Permission.SUPERVISE)
            repo = SupervisionRepository(s)
            agents = {a.id: a for a in repo.agent_loads(self.shop_id)}
            supervisor, target = agents.get(self.actor.user_id), agents.get(agent_id)
            if target is None:
                raise DomainError("agent.missing")
            if not takeover and target.status is AgentStatus.OFFLINE:
                raise DomainError("supervision.agent_offline", agent=target.display_name)
            if seen.agent_id == agent_id and not seen.bot:
                raise DomainError("supervision.same_agent", agent=target.display_name)
            # Taken over: the supervisor serves it now. Reassigned: a waiting chat stays waiting (in the
            # new agent's queue), a served one stays served (by the new agent).
            state = ConversationState.ACTIVE if takeover or seen.bot else seen.state
            if not repo.move(self.shop_id, conversation_id, seen, agent_id, state):
                raise self._why_not(s, conversation_id)
            by = supervisor.display_name if supervisor is not None else ""
            note = takeover_note(by) if takeover else reassign_note(by, target.display_name)
            ConversationRepository(s).add_message(conversation_id, Sender.SYSTEM, note, self.clock())
            self.db.notify(s, Topic.CONVERSATIONS, conversation_id)
            for changed in {seen.agent_id, agent_id} - {None}:  # their open-chat counts changed
                assert changed is not None
                self.db.notify(s, Topic.AGENTS, changed)
            moved = repo.live_chat(self.shop_id, conversation_id)
        assert moved is not None
        return moved

    def _why_not(self, s: Session, conversation_id: int) -> DomainError:
        """The move's guard did not hold: the chat is gone, ended, or no longer as the supervisor saw it."""
        conv = ConversationRepository(s).get(conversation_id)
        if conv is None:
            return DomainError("conversation.missing")
        if conv.state is ConversationState.ENDED:
            return DomainError("conversation.ended")
        return DomainError("supervision.changed", state=conv.state.value, agent_id=conv.agent_id or 0)
