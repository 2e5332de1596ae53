"""客服绩效's answered runs (`response_runs`): a row per run of buyer messages answered by an agent,
written with the reply (`record_reply`, called by `ConversationRepository.add_message`) and recounted
from the messages by `rebuild` (the same definition as migration 0017's backfill)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from workbench.storage.tables import MessageRow
from workbench.storage.tables_bot import BotConversationRow
from workbench.storage.tables_reception import ResponseRunRow

# how many of a chat's newest messages are read at a time while looking back for the agent's last one
_PAGE = 50


def backfill_sql(pg: bool, where: str = "") -> str:
    """INSERT every answered run found in the messages (`where`: an extra condition on the chat `c`).
    Messages in (created_at, id) order per chat; a buyer message counts once a human serves the chat
    (no bot, or from the hand-off on); a run is the counted buyer messages after an agent message, up
    to and with the next agent message (the rows with the same running count of agent messages before
    them)."""
    secs = (
        "EXTRACT(EPOCH FROM (a.created_at - g.started_at))"
        if pg
        else "ROUND((julianday(a.created_at) - julianday(g.started_at)) * 86400.0, 3)"
    )
    day = "CAST(a.created_at AS DATE)" if pg else "date(a.created_at)"
    return f"""
        INSERT INTO response_runs (shop_id, conversation_id, customer_id, agent_id, started_at, replied_at,
                                   replied_day, reply_message_id, response_s)
        WITH hm AS (
            SELECT m.id, m.conversation_id, m.sender, m.created_at, c.shop_id, c.customer_id
            FROM messages m
            JOIN conversations c ON c.id = m.conversation_id
            LEFT JOIN bot_conversations b ON b.conversation_id = c.id
            WHERE m.sender IN ('customer', 'agent') {where}
              AND (m.sender = 'agent' OR b.conversation_id IS NULL
                   OR (b.handed_off_at IS NOT NULL AND m.created_at >= b.handed_off_at))
        ),
        counted AS (
            SELECT hm.*,
                   COALESCE(SUM(CASE WHEN sender = 'agent' THEN 1 ELSE 0 END) OVER (
                       PARTITION BY conversation_id ORDER BY created_at, id
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS k
            FROM hm
        ),
        grouped AS (
            SELECT conversation_id, MAX(shop_id) AS shop_id, MAX(customer_id) AS customer_id,
                   MIN(CASE WHEN sender = 'customer' THEN created_at END) AS started_at,
                   MIN(CASE WHEN sender = 'agent' THEN id END) AS reply_id
            FROM counted GROUP BY conversation_id, k
        )
        SELECT g.shop_id, g.conversation_id, g.customer_id, a.agent_id, g.started_at, a.created_at, {day}, a.id,
               {secs}
        FROM grouped g JOIN messages a ON a.id = g.reply_id
        WHERE g.started_at IS NOT NULL
    """


def link_sql(where: str = "") -> str:
    """Set each run's `prev_replied_at`: the reply of the run before it in its chat (`where`: an extra
    condition on the runs, e.g. their shop)."""
    return f"""
        UPDATE response_runs SET prev_replied_at = p.prev
        FROM (SELECT id, LAG(replied_at) OVER (PARTITION BY conversation_id ORDER BY replied_at, reply_message_id)
                     AS prev
              FROM response_runs WHERE 1 = 1 {where}) p
        WHERE p.id = response_runs.id AND p.prev IS NOT NULL
    """


class ResponseRunRepository:
    def __init__(self, s: Session) -> None:
        self.s = s

    def record_reply(
        self, conversation_id: int, message_id: int, at: datetime, agent_id: int | None, shop_id: int, customer_id: int
    ) -> None:
        """The agent message `message_id` (just added, the chat's newest) ends the run of counted buyer
        messages since the agent's previous message, if there is one: write its row. Looks back from
        the newest message by id (live messages are appended in time order)."""
        bot = self.s.execute(
            select(BotConversationRow.handed_off_at).where(BotConversationRow.conversation_id == conversation_id)
        ).first()
        handed: datetime | None = None if bot is None else bot[0]
        started: datetime | None = None
        before = message_id
        while True:
            page = self.s.execute(
                select(MessageRow.id, MessageRow.sender, MessageRow.created_at)
                .where(MessageRow.conversation_id == conversation_id, MessageRow.id < before)
                .order_by(MessageRow.id.desc())
                .limit(_PAGE)
            ).all()
            for _mid, sender, created in page:
                if sender == "agent":
                    break
                if sender == "customer" and (bot is None or (handed is not None and created >= handed)):
                    started = created if started is None else min(started, created)
            else:
                if len(page) == _PAGE:
                    before = page[-1][0]
                    continue
            break
        if started is None:
            return
        # live replies are appended: the chat's newest run so far is the one before this
        previous = self.s.execute(
            select(func.max(ResponseRunRow.replied_at)).where(ResponseRunRow.conversation_id == conversation_id)
        ).scalar_one()
        self.s.execute(
            insert(ResponseRunRow).values(
                shop_id=shop_id,
                conversation_id=conversation_id,
                customer_id=customer_id,
                agent_id=agent_id,
                started_at=started,
                replied_at=at,
                replied_day=at.date(),
                reply_message_id=message_id,
                response_s=round((at - started).total_seconds(), 3),
                prev_replied_at=previous,
            )
        )

    def rebuild(self, shop_id: int) -> int:
        """Recount the shop's runs from its messages (for messages written around `add_message`, e.g.
        bulk imports); returns the number of rows."""
        pg = self.s.get_bind().dialect.name == "postgresql"
        table = ResponseRunRow.__table__
        self.s.execute(delete(table).where(table.c.shop_id == shop_id))
        self.s.execute(text(backfill_sql(pg, "AND c.shop_id = :shop")), {"shop": shop_id})
        self.s.execute(text(link_sql("AND shop_id = :shop")), {"shop": shop_id})
        return int(
            self.s.execute(select(text("COUNT(*)")).select_from(table).where(table.c.shop_id == shop_id)).scalar_one()
        )


__all__ = ("ResponseRunRepository", "backfill_sql", "link_sql")
