"""客服绩效's chat days (`contact_days`): a row per chat, day and side — the buyer's counted messages,
or one agent's replies — written with each message (`record`, called by
`ConversationRepository.add_message` and the bot's hand-offs) and recounted from the messages by
`rebuild` (the same definition as migration 0018's backfill)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, delete, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from workbench.storage.dialects import upsert_insert
from workbench.storage.tables import ConversationRow, MessageRow
from workbench.storage.tables_bot import BotConversationRow
from workbench.storage.tables_reception import ContactDayRow

_TABLE = ContactDayRow.__table__
_UPSERTS: dict[str, Executable] = {}


def backfill_sql(pg: bool, where: str = "") -> str:
    """INSERT the chat days found in the messages (`where`: an extra condition on the chat `c`): the
    counted buyer messages (no bot, or from the hand-off on) and the agent messages, per chat, day,
    side and agent, with the newest message by (created_at, id) and the replies' suggestion use."""
    day = "CAST(m.created_at AS DATE)" if pg else "date(m.created_at)"
    return f"""
        INSERT INTO contact_days (shop_id, conversation_id, customer_id, day, sender, agent_key, messages,
                                  first_at, last_at, last_id, as_is, edited)
        WITH hm AS (
            SELECT m.id, m.conversation_id, m.sender, m.created_at, {day} AS day,
                   CASE WHEN m.sender = 'agent' THEN COALESCE(m.agent_id, 0) ELSE 0 END AS agent_key,
                   c.shop_id, c.customer_id,
                   CASE WHEN u.id IS NOT NULL AND NOT u.edited THEN 1 ELSE 0 END AS as_is,
                   CASE WHEN u.id IS NOT NULL AND u.edited THEN 1 ELSE 0 END AS edited
            FROM messages m
            JOIN conversations c ON c.id = m.conversation_id
            LEFT JOIN bot_conversations b ON b.conversation_id = c.id
            LEFT JOIN suggestion_uses u ON u.message_id = m.id AND m.sender = 'agent'
            WHERE m.sender IN ('customer', 'agent') {where}
              AND (m.sender = 'agent' OR b.conversation_id IS NULL
                   OR (b.handed_off_at IS NOT NULL AND m.created_at >= b.handed_off_at))
        ),
        ranked AS (
            SELECT hm.*, ROW_NUMBER() OVER (PARTITION BY conversation_id, day, sender, agent_key
                                            ORDER BY created_at DESC, id DESC) AS newest
            FROM hm
        )
        SELECT MAX(shop_id), conversation_id, MAX(customer_id), day, sender, agent_key, COUNT(DISTINCT id),
               MIN(created_at), MAX(created_at), MAX(CASE WHEN newest = 1 THEN id END), SUM(as_is), SUM(edited)
        FROM ranked
        GROUP BY conversation_id, day, sender, agent_key
    """


def _upsert(dialect: str) -> Executable:
    """INSERT … ON CONFLICT that adds one message to its chat day (SQLite, PostgreSQL): built once per
    dialect and reused (executemany for a batch)."""
    statement = _UPSERTS.get(dialect)
    if statement is not None:
        return statement
    insert = upsert_insert(dialect)
    # Bind names differ from the column names: SQLAlchemy reserves those for VALUES / SET.
    stmt = insert(_TABLE).values(
        shop_id=bindparam("b_shop"),
        conversation_id=bindparam("b_chat"),
        customer_id=bindparam("b_customer"),
        day=bindparam("b_day"),
        sender=bindparam("b_sender"),
        agent_key=bindparam("b_agent"),
        messages=1,
        first_at=bindparam("b_at"),
        last_at=bindparam("b_at"),
        last_id=bindparam("b_id"),
        as_is=0,
        edited=0,
    )
    new, old = stmt.excluded, _TABLE.c
    newer = (new.last_at > old.last_at) | ((new.last_at == old.last_at) & (new.last_id > old.last_id))
    statement = stmt.on_conflict_do_update(
        index_elements=[old.shop_id, old.day, old.conversation_id, old.sender, old.agent_key],
        set_={
            "messages": old.messages + 1,
            "first_at": case((new.first_at < old.first_at, new.first_at), else_=old.first_at),
            "last_at": case((newer, new.last_at), else_=old.last_at),
            "last_id": case((newer, new.last_id), else_=old.last_id),
        },
    )
    _UPSERTS[dialect] = statement
    return statement


class ContactDayRepository:
    def __init__(self, s: Session) -> None:
        self.s = s

    def record(
        self,
        conversation_id: int,
        message_id: int,
        sender: str,
        at: datetime,
        agent_id: int | None,
        shop_id: int,
        customer_id: int,
    ) -> None:
        """The message `message_id` (just added) joins its chat day: an agent message always, a buyer
        message if it counts (no bot in the chat, or the bot handed it off at or before `at`)."""
        if sender == "customer":
            handed = self.s.execute(
                select(BotConversationRow.handed_off_at).where(BotConversationRow.conversation_id == conversation_id)
            ).first()
            if handed is not None and (handed[0] is None or at < handed[0]):
                return
        elif sender != "agent":
            return
        self.record_counted([(conversation_id, message_id, sender, at, agent_id, shop_id, customer_id)])

    def record_counted(self, messages: Sequence[tuple[int, int, str, datetime, int | None, int, int]]) -> None:
        """Messages already known to count, as (chat, message id, sender, at, agent, shop, customer)."""
        if not messages:
            return
        rows: list[dict[str, Any]] = [
            {
                "b_shop": shop,
                "b_chat": chat,
                "b_customer": customer,
                "b_day": at.date(),
                "b_sender": sender,
                "b_agent": (agent or 0) if sender == "agent" else 0,
                "b_at": at,
                "b_id": mid,
            }
            for chat, mid, sender, at, agent, shop, customer in messages
        ]
        self.s.execute(_upsert(self.s.get_bind().dialect.name), rows)

    def record_turns(self, turns: Sequence[tuple[int, int | None, datetime]]) -> None:
        """The bot's batch just stored these buyer messages as (chat, message id — None if not returned —,
        at), after its hand-offs: those that count (no bot row, or handed off at or before the message)
        join their chat days. One read of the batch's chats; a message id not returned is looked up
        (only for the few that count: a hand-off's own question)."""
        if not turns:
            return
        c, b = ConversationRow, BotConversationRow
        chats = {
            chat: (shop, customer, bot is not None, handed)
            for chat, shop, customer, bot, handed in self.s.execute(
                select(c.id, c.shop_id, c.customer_id, b.conversation_id, b.handed_off_at)
                .outerjoin(b, b.conversation_id == c.id)
                .where(c.id.in_({chat for chat, _, _ in turns}))
            )
        }
        counted: list[tuple[int, int, str, datetime, int | None, int, int]] = []
        for chat, mid, at in turns:
            if chat not in chats:
                continue
            shop, customer, has_bot, handed = chats[chat]
            if has_bot and (handed is None or at < handed):
                continue
            if mid is None:
                mid = self.s.execute(
                    select(MessageRow.id)
                    .where(
                        MessageRow.conversation_id == chat, MessageRow.sender == "customer", MessageRow.created_at == at
                    )
                    .order_by(MessageRow.id.desc())
                    .limit(1)
                ).scalar_one()
            counted.append((chat, mid, "customer", at, None, shop, customer))
        self.record_counted(counted)

    def record_suggestion(self, message_id: int, edited: bool) -> None:
        """The agent reply `message_id` was sent from a suggestion (as is, or `edited`)."""
        found = self.s.execute(
            select(MessageRow.conversation_id, MessageRow.created_at, MessageRow.agent_id).where(
                MessageRow.id == message_id, MessageRow.sender == "agent"
            )
        ).first()
        if found is None:
            return
        chat, at, agent = found
        column = _TABLE.c.edited if edited else _TABLE.c.as_is
        self.s.execute(
            update(_TABLE)
            .where(
                _TABLE.c.conversation_id == chat,
                _TABLE.c.day == at.date(),
                _TABLE.c.sender == "agent",
                _TABLE.c.agent_key == (agent or 0),
            )
            .values({column: column + 1})
        )

    def rebuild(self, shop_id: int) -> int:
        """Recount the shop's chat days from its messages (for messages written around `add_message`,
        e.g. bulk imports); returns the number of rows."""
        pg = self.s.get_bind().dialect.name == "postgresql"
        self.s.execute(delete(_TABLE).where(_TABLE.c.shop_id == shop_id))
        self.s.execute(text(backfill_sql(pg, "AND c.shop_id = :shop")), {"shop": shop_id})
        return int(
            self.s.execute(select(text("COUNT(*)")).select_from(_TABLE).where(_TABLE.c.shop_id == shop_id)).scalar_one()
        )


__all__ = ("ContactDayRepository", "backfill_sql")
