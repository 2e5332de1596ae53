"""The 数据中心's reads: every figure an aggregate in SQL over indexed time ranges (SQLite and
PostgreSQL, window functions on both), returning plain rows. `workbench.services.reports` turns them
into the domain's reports; `NaiveReports` there is the load-everything baseline the tests and the
benchmark compare with."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, DateTime, bindparam, delete, insert, text
from sqlalchemy.orm import Session

from workbench.domain.reports import CASE_CLOSE_HOURS, LATE_REPLY_S, REPEAT_WINDOW_S, UnresolvedMessage
from workbench.storage.tables_bot import TrainingDecisionRow

# a buyer message `m` counts once a human serves its chat: no bot row `b`, or from the bot's hand-off on
_COUNTED = "(b.conversation_id IS NULL OR (b.handed_off_at IS NOT NULL AND m.created_at >= b.handed_off_at))"


_SNAPSHOT_ID = re.compile(r"^[0-9A-Fa-f]+(-[0-9A-Fa-f]+)+$")


class ReportsRepository:
    def __init__(self, s: Session, snapshot: str | None = None) -> None:
        """`snapshot` (PostgreSQL): read what another transaction sees (`export_snapshot`), so a
        report read on two connections at once is one consistent state."""
        self.s = s
        self.pg = s.get_bind().dialect.name == "postgresql"
        if self.pg:
            if snapshot is not None:
                if not _SNAPSHOT_ID.match(snapshot):
                    raise ValueError(f"not a snapshot id: {snapshot!r}")
                s.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
                s.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
            # PostgreSQL's JIT compiles these plans for seconds (their correlated look-ups are costed
            # per row) to save milliseconds: off for this transaction
            s.execute(text("SET LOCAL jit = off"))

    def export_snapshot(self) -> str | None:
        """PostgreSQL: make this transaction repeatable-read (call it before any read) and return the id
        of its snapshot for another connection's `ReportsRepository(…, snapshot=…)`, valid while this
        transaction lasts. SQLite: None (each connection reads the newest commit when it starts)."""
        if not self.pg:
            return None
        self.s.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        return str(self.s.execute(text("SELECT pg_export_snapshot()")).scalar_one())

    # -- dialect pieces ------------------------------------------------------------------------------

    def _secs(self, later: str, earlier: str) -> str:
        if self.pg:
            return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"
        # julianday's floating point is off by microseconds: rounded to the millisecond
        return f"ROUND((julianday({later}) - julianday({earlier})) * 86400.0, 3)"

    def _day(self, column: str) -> str:
        return f"CAST({column} AS DATE)" if self.pg else f"date({column})"

    def _rows(self, sql: str, params: dict[str, Any]) -> Sequence[Any]:
        # datetimes bound as the DateTime type: stored and compared in the same form on both backends;
        # a list is an IN list (`IN :name`)
        typed = [
            bindparam(k, type_=DateTime() if isinstance(v, datetime) else Date())
            for k, v in params.items()
            if isinstance(v, date) and f":{k}" in sql
        ]
        lists: list[Any] = [bindparam(k, expanding=True) for k, v in params.items() if isinstance(v, list)]
        return self.s.execute(text(sql).bindparams(*typed, *lists), params).all()

    # -- 客服绩效 ---------------------------------------------------------------------------------------

    def _floor(self, column: str) -> str:
        """The whole seconds below a time in seconds (a response-time histogram's bucket)."""
        if self.pg:
            return f"CAST(FLOOR({column}) AS INTEGER)"
        return f"(CAST({column} AS INTEGER) - ({column} < CAST({column} AS INTEGER)))"

    # the answered runs of the range that began in it (those that began before are `runs_begun_before`)
    _RUNS = """FROM response_runs r
               WHERE r.shop_id = :shop AND r.replied_day >= :first AND r.replied_day <= :last
                 AND r.started_at >= :start"""
    # a run is its chat's first of the range when the chat's previous run was answered before the range
    _FIRST = "CASE WHEN r.prev_replied_at IS NULL OR r.prev_replied_at < :start THEN 1 ELSE 0 END"

    def run_histogram(
        self, shop: int, start: datetime, end: datetime
    ) -> tuple[list[tuple[int | None, int | None, int, int, int, float, int]], list[int]]:
        """The range's answered runs that began in it, counted per (the agent who answered — None:
        unknown —, the chat's agent when that is unknown, whole seconds to the answer, first run of its
        chat in the range): (agent, chat agent, seconds, first, runs, their seconds summed, of them over
        3 minutes); and the chats whose run answered in the range began before it (for
        `runs_begun_before`). Read from `ix_response_runs_shop_day` alone (the chat's agent only for
        runs with no known answering agent)."""
        bucket = self._floor("r.response_s")
        sql = f"""
            SELECT r.agent_id,
                   CASE WHEN r.agent_id IS NULL
                        THEN (SELECT c.agent_id FROM conversations c WHERE c.id = r.conversation_id) END,
                   {bucket}, {self._FIRST}, CASE WHEN r.started_at < :start THEN r.conversation_id END,
                   COUNT(*), SUM(r.response_s), SUM(CASE WHEN r.response_s > {LATE_REPLY_S} THEN 1 ELSE 0 END)
            FROM response_runs r
            WHERE r.shop_id = :shop AND r.replied_day >= :first AND r.replied_day <= :last
            GROUP BY 1, 2, 3, 4, 5
        """
        counted: list[tuple[int | None, int | None, int, int, int, float, int]] = []
        before: list[int] = []
        for who, chat_agent, b, first, chat, n, total, late in self._rows(sql, self._days(shop, start, end)):
            if chat is None:
                counted.append((who, chat_agent, int(b), int(first), int(n), float(total), int(late)))
            else:
                before.append(int(chat))
        return counted, before

    def run_values(
        self, shop: int, start: datetime, end: datetime, buckets: Sequence[int]
    ) -> list[tuple[int | None, int, float]]:
        """(agent, first, seconds) of the range's runs that began in it with their whole seconds in
        `buckets` (to find a median inside its bucket)."""
        if not buckets:
            return []
        bucket = self._floor("r.response_s")
        sql = f"SELECT r.agent_id, {self._FIRST}, r.response_s {self._RUNS} AND {bucket} IN :buckets"
        params = {**self._days(shop, start, end), "buckets": list(buckets)}
        return [(who, int(first), float(secs)) for who, first, secs in self._rows(sql, params)]

    def run_days(self, shop: int, start: datetime, end: datetime) -> list[tuple[date, int, float]]:
        """Per day of the answer: (day, runs that began in the range, their seconds summed), in the
        index's day order (no sort)."""
        sql = f"SELECT r.replied_day, COUNT(*), SUM(r.response_s) {self._RUNS} GROUP BY r.replied_day"
        return [(as_date(d), int(n), float(total)) for d, n, total in self._rows(sql, self._days(shop, start, end))]

    def runs_begun_before(
        self, shop: int, start: datetime, end: datetime, chats: Sequence[int]
    ) -> tuple[list[tuple[int | None, int | None, float, date]], list[tuple[int | None, float]]]:
        """The runs of `chats` answered in the range that began before it (one per chat), each starting at
        its first counted buyer message in the range: (agent, the chat's agent, seconds, the answer's
        day). A run with no buyer message in the range is not the range's; the chat's next run answered
        in the range is then its first: those come second, as (that run's agent, seconds)."""
        if not chats:
            return [], []
        params = {**self._days(shop, start, end), "chats": list(chats)}
        head = f"""(SELECT MIN(m.created_at) FROM messages m
                    LEFT JOIN bot_conversations b ON b.conversation_id = m.conversation_id
                    WHERE m.conversation_id = r.conversation_id AND m.sender = 'customer'
                      AND m.created_at >= :start
                      AND (m.created_at < r.replied_at OR (m.created_at = r.replied_at AND m.id < r.reply_message_id))
                      AND {_COUNTED})"""
        sql = f"""
            SELECT x.agent_id, c.agent_id, {self._secs("x.replied_at", "x.run_start")}, x.replied_at, n.agent_id,
                   n.response_s
            FROM (SELECT r.conversation_id, r.agent_id, r.replied_at, {head} AS run_start FROM response_runs r
                  WHERE r.conversation_id IN :chats AND r.replied_at >= :start AND r.replied_at < :end
                    AND r.started_at < :start) x
            JOIN conversations c ON c.id = x.conversation_id
            LEFT JOIN response_runs n ON x.run_start IS NULL AND n.conversation_id = x.conversation_id
                                     AND n.prev_replied_at = x.replied_at AND n.replied_at < :end
        """
        began: list[tuple[int | None, int | None, float, date]] = []
        firsts_after: list[tuple[int | None, float]] = []
        for who, chat_agent, secs, replied, next_who, next_secs in self._rows(sql, params):
            if secs is not None:
                began.append((who, chat_agent, float(secs), as_date(replied)))
            elif next_secs is not None:
                firsts_after.append((next_who, float(next_secs)))
        return began, firsts_after

    def open_runs(self, shop: int, start: datetime, end: datetime) -> list[tuple[int, int | None, datetime]]:
        """The runs still open at the range's end: (conversation, the chat's agent, the run's first
        counted buyer message in the range) for each chat whose newest counted buyer message of the
        range has no reply after it before the end. The candidates come from the chat days (a day's
        newest buyer message with no later reply in the range, ties kept); their messages decide."""
        # in two steps: the planners cannot know how few the candidates are
        params = self._days(shop, start, end)
        candidates = [
            int(cid)
            for (cid,) in self._rows(
                """SELECT DISTINCT d.conversation_id FROM contact_days d
                   WHERE d.shop_id = :shop AND d.day >= :first AND d.day <= :last AND d.sender = 'customer'
                     AND NOT EXISTS (
                         SELECT 1 FROM contact_days a
                         WHERE a.conversation_id = d.conversation_id AND a.day >= d.day AND a.day <= :last
                           AND a.sender = 'agent' AND a.last_at > d.last_at
                     )""",
                params,
            )
        ]
        if not candidates:
            return []
        sql = f"""
            SELECT m.conversation_id, MAX(c.agent_id), MIN(m.created_at)
            FROM messages m
            JOIN conversations c ON c.id = m.conversation_id
            LEFT JOIN bot_conversations b ON b.conversation_id = c.id
            WHERE m.conversation_id IN :chats AND m.created_at >= :start AND m.created_at < :end
              AND m.sender = 'customer' AND {_COUNTED}
              AND NOT EXISTS (
                  SELECT 1 FROM messages a
                  WHERE a.conversation_id = m.conversation_id AND a.sender = 'agent' AND a.created_at < :end
                    AND (a.created_at > m.created_at OR (a.created_at = m.created_at AND a.id > m.id))
              )
            GROUP BY m.conversation_id
        """
        return [
            (int(cid), agent, _as_datetime(first_at))
            for cid, agent, first_at in self._rows(sql, {**params, "chats": candidates})
        ]

    @staticmethod
    def _p(shop: int, start: datetime, end: datetime, now: datetime | None = None) -> dict[str, Any]:
        p: dict[str, Any] = {"shop": shop, "start": start, "end": end}
        if now is not None:
            p["now"] = now
        return p

    def _days(self, shop: int, start: datetime, end: datetime) -> dict[str, Any]:
        """`_p` with the range's first and last day (the chat days' keys)."""
        return {**self._p(shop, start, end), "first": start.date(), "last": (end - timedelta(days=1)).date()}

    def buyers(self, shop: int, start: datetime, end: datetime) -> list[tuple[int | None, int, int, int]]:
        """Per chat agent: (agent, 咨询人数, of them replied to in that chat, of them ordered within 24 h
        of their first question in the range). Agent None is the shop (each buyer once)."""
        within = (
            "o.created_at > f.first_at AND o.created_at <= f.first_at + INTERVAL '1 day'"
            if self.pg
            else "o.created_at > f.first_at AND julianday(o.created_at) <= julianday(f.first_at) + 1"
        )
        # one statement over the chat days: the pairs (chat agent, buyer) once, the shop's buyers from them
        sql = f"""
            WITH per AS MATERIALIZED (
                SELECT c.agent_id AS who, d.customer_id,
                       MIN(CASE WHEN d.sender = 'customer' THEN d.first_at END) AS first_at,
                       MAX(CASE WHEN d.sender = 'agent' THEN 1 ELSE 0 END) AS replied
                FROM contact_days d JOIN conversations c ON c.id = d.conversation_id
                WHERE d.shop_id = :shop AND d.day >= :first AND d.day <= :last
                GROUP BY c.agent_id, d.customer_id
            ),
            f AS MATERIALIZED (
                SELECT who, customer_id, first_at, replied FROM per WHERE first_at IS NOT NULL AND who IS NOT NULL
                UNION ALL
                SELECT -1, customer_id, MIN(first_at), MAX(replied) FROM per
                GROUP BY customer_id HAVING MIN(first_at) IS NOT NULL
            ),
            -- each (buyer, first question) once, joined to the orders (PostgreSQL hashes them; probing
            -- the orders' index per row took twice as long there)
            conv AS (
                SELECT DISTINCT f.customer_id, f.first_at FROM f
                JOIN orders o ON o.customer_id = f.customer_id AND {within}
            )
            SELECT f.who, COUNT(*), SUM(f.replied), COUNT(conv.customer_id)
            FROM f LEFT JOIN conv ON conv.customer_id = f.customer_id AND conv.first_at = f.first_at
            GROUP BY f.who
        """
        return [
            (None if who == -1 else int(who), int(asked), int(replied or 0), int(converted or 0))
            for who, asked, replied, converted in self._rows(sql, self._days(shop, start, end))
        ]

    def agent_replies(
        self, shop: int, start: datetime, end: datetime
    ) -> tuple[list[tuple[int | None, int, int, int, int]], int]:
        """From the chat days: per agent (None: unknown), (agent, 接待人数 — distinct buyers they sent a
        message to —, replies with a suggestion as is, edited, replies without a suggestion); and the
        shop's 接待人数."""
        base = """FROM contact_days WHERE shop_id = :shop AND day >= :first AND day <= :last AND sender = 'agent'"""
        params = self._days(shop, start, end)
        per = self._rows(
            f"""SELECT agent_key, COUNT(DISTINCT customer_id), SUM(as_is), SUM(edited), SUM(messages - as_is - edited)
                {base} GROUP BY agent_key""",
            params,
        )
        total = self._rows(f"SELECT COUNT(DISTINCT customer_id) {base}", params)
        rows = [(int(who) or None, int(n), int(a or 0), int(b or 0), int(c or 0)) for who, n, a, b, c in per]
        return rows, int(total[0][0])

    def invitations(
        self, shop: int, start: datetime, end: datetime, satisfied: Sequence[str]
    ) -> list[tuple[int | None, int, int, int]]:
        """Per inviting agent: (邀请评价 sent in the range, of them answered, answered with one of
        `satisfied`)."""
        names = ", ".join(f":ok{i}" for i in range(len(satisfied))) or "'-'"
        sql = f"""
            SELECT r.agent_id, COUNT(*), COUNT(r.rating),
                   SUM(CASE WHEN r.rating IN ({names}) THEN 1 ELSE 0 END)
            FROM rating_invitations r JOIN conversations c ON c.id = r.conversation_id
            WHERE c.shop_id = :shop AND r.created_at >= :start AND r.created_at < :end GROUP BY r.agent_id
        """
        params = {**self._p(shop, start, end), **{f"ok{i}": v for i, v in enumerate(satisfied)}}
        return [(who, int(n), int(rated or 0), int(ok or 0)) for who, n, rated, ok in self._rows(sql, params)]

    def cases(
        self, shop: int, start: datetime, end: datetime, final_states: Sequence[str]
    ) -> list[tuple[str, int, int, int]]:
        """Per creator (the case's `created_by`): (creator, opened in the range, closed in the range —
        in a final state, last changed in the range —, of them closed within 48 h of opening)."""
        if not final_states:
            final_states = ("-",)
        names = ", ".join(f":s{i}" for i in range(len(final_states)))
        hours = self._secs("updated_at", "created_at")
        sql = f"""
            SELECT created_by,
                   SUM(CASE WHEN created_at >= :start AND created_at < :end THEN 1 ELSE 0 END),
                   SUM(CASE WHEN state IN ({names}) AND updated_at >= :start AND updated_at < :end THEN 1 ELSE 0 END),
                   SUM(CASE WHEN state IN ({names}) AND updated_at >= :start AND updated_at < :end
                            AND {hours} <= {CASE_CLOSE_HOURS * 3600} THEN 1 ELSE 0 END)
            FROM aftersales_cases
            WHERE shop_id = :shop AND ((created_at >= :start AND created_at < :end)
                                       OR (updated_at >= :start AND updated_at < :end))
            GROUP BY created_by
        """
        params = {**self._p(shop, start, end), **{f"s{i}": s for i, s in enumerate(final_states)}}
        return [(who or "", int(a or 0), int(b or 0), int(c or 0)) for who, a, b, c in self._rows(sql, params)]

    def performance_days(self, shop: int, start: datetime, end: datetime) -> list[tuple[date, int, int]]:
        """Per day: (day, 咨询人数, 接待人数), from the chat days (in their key's day order)."""
        sql = """SELECT day, COUNT(DISTINCT CASE WHEN sender = 'customer' THEN customer_id END),
                        COUNT(DISTINCT CASE WHEN sender = 'agent' THEN customer_id END)
                 FROM contact_days WHERE shop_id = :shop AND day >= :first AND day <= :last GROUP BY day"""
        return [
            (as_date(d), int(asked), int(received))
            for d, asked, received in self._rows(sql, self._days(shop, start, end))
        ]

    # -- 店小蜜数据 ---------------------------------------------------------------------------------------

    def bot_chats(self, shop: int, start: datetime, end: datetime) -> list[tuple[date, str, int, int, int, int, int]]:
        """The conversations started in the range by day and hand-off reason ('' if none): (day, reason,
        conversations, bot, full-auto, solved — full-auto with no question again within 10 minutes —,
        handed off). One pass; the totals, reasons and days are sums of these rows."""
        gap = self._secs("r.created_at", "r.prev_at")
        sql = f"""
            WITH r AS (
                SELECT br.conversation_id, br.created_at,
                       LAG(br.created_at) OVER (PARTITION BY br.conversation_id, br.text ORDER BY br.id) AS prev_at
                FROM bot_replies br
                WHERE br.shop_id = :shop AND br.created_at >= :start AND br.created_at < :end
            ),
            chats AS (
                SELECT c.started_at,
                       CASE WHEN b.conversation_id IS NULL THEN 0 ELSE 1 END AS bot,
                       CASE WHEN b.conversation_id IS NOT NULL AND b.handed_off_at IS NULL
                            THEN 1 ELSE 0 END AS full_auto,
                       CASE WHEN b.handed_off_at IS NOT NULL THEN 1 ELSE 0 END AS handed,
                       CASE WHEN b.conversation_id IS NOT NULL AND b.handed_off_at IS NULL
                                 AND c.id NOT IN (SELECT r.conversation_id FROM r
                                                  WHERE r.prev_at IS NOT NULL AND r.conversation_id IS NOT NULL
                                                    AND {gap} <= {REPEAT_WINDOW_S})
                            THEN 1 ELSE 0 END AS solved,
                       COALESCE(b.handoff_reason, '') AS reason
                FROM conversations c
                LEFT JOIN bot_conversations b ON b.conversation_id = c.id
                WHERE c.shop_id = :shop AND c.started_at >= :start AND c.started_at < :end
            )
            SELECT {self._day("started_at")}, reason, COUNT(*), SUM(bot), SUM(full_auto), SUM(solved), SUM(handed)
            FROM chats GROUP BY {self._day("started_at")}, reason
        """
        return [
            (as_date(d), str(reason), int(n), int(b or 0), int(f or 0), int(s or 0), int(h or 0))
            for d, reason, n, b, f, s, h in self._rows(sql, self._p(shop, start, end))
        ]

    def bot_actions(self, shop: int, start: datetime, end: datetime) -> dict[str, int]:
        sql = """SELECT action, COUNT(*) FROM bot_replies
                 WHERE shop_id = :shop AND created_at >= :start AND created_at < :end GROUP BY action"""
        return {str(a): int(n) for a, n in self._rows(sql, self._p(shop, start, end))}

    def top_answered(self, shop: int, start: datetime, end: datetime, limit: int) -> list[tuple[int, str, int, str]]:
        """(entry id, its question, answers, one customer message) for the entries the bot answered most."""
        sql = """
            WITH t AS (
                SELECT entry_id, COUNT(*) AS n, MIN(text) AS example FROM bot_replies
                WHERE shop_id = :shop AND created_at >= :start AND created_at < :end
                  AND action = 'answer' AND entry_id IS NOT NULL
                GROUP BY entry_id ORDER BY COUNT(*) DESC, entry_id LIMIT :limit
            )
            SELECT t.entry_id, COALESCE(e.question, ''), t.n, t.example
            FROM t LEFT JOIN kb_entries e ON e.id = t.entry_id ORDER BY t.n DESC, t.entry_id
        """
        params = {**self._p(shop, start, end), "limit": limit}
        return [(int(e), str(q), int(n), str(x)) for e, q, n, x in self._rows(sql, params)]

    def unresolved(self, shop: int, start: datetime, end: datetime, limit: int) -> list[UnresolvedMessage]:
        """The newest `limit` messages the bot did not resolve (see `BOT_DEFINITIONS["unresolved"]`):
        a fallback, a 你可能想问 not followed by an answer in the chat, a hand-off for misses or a repeat."""
        sql = """
            WITH r AS (
                SELECT id, conversation_id, created_at, text, action, reason,
                       LEAD(action) OVER (PARTITION BY conversation_id ORDER BY id) AS next_action
                FROM bot_replies
                WHERE shop_id = :shop AND created_at >= :start AND created_at < :end
            )
            SELECT id, conversation_id, created_at, text,
                   CASE WHEN action IN ('clarify', 'fallback') THEN action ELSE 'handoff' END
            FROM r
            WHERE action = 'fallback'
               OR (action = 'clarify' AND (next_action IS NULL OR next_action <> 'answer'))
               OR (action = 'handoff' AND reason IN ('misses', 'repeat'))
            ORDER BY id DESC LIMIT :limit
        """
        params = {**self._p(shop, start, end), "limit": limit}
        return [
            UnresolvedMessage(int(i), int(c), _as_datetime(at), str(t), str(w))
            for i, c, at, t, w in self._rows(sql, params)
        ]

    # -- the 训练 loop's decisions -----------------------------------------------------------------------

    def decisions(self, shop: int) -> dict[str, str]:
        rows = self._rows("SELECT cluster_key, decision FROM training_decisions WHERE shop_id = :shop", {"shop": shop})
        return {str(k): str(d) for k, d in rows}

    def decide(self, shop: int, key: str, decision: str, entry_id: int | None, at: datetime) -> None:
        """Record (or replace) the decision on the cluster `key`."""
        table = TrainingDecisionRow.__table__
        self.s.execute(delete(table).where(table.c.shop_id == shop, table.c.cluster_key == key[:200]))
        self.s.execute(
            insert(table).values(
                shop_id=shop, cluster_key=key[:200], decision=decision, entry_id=entry_id, created_at=at
            )
        )

    # -- the naive baseline's reads (everything of the range, no aggregation) -----------------------------

    def raw(self, shop: int, start: datetime, end: datetime) -> dict[str, list[tuple[Any, ...]]]:
        """Every row the reports look at, for the load-everything-into-Python baseline."""
        p = self._p(shop, start, end)
        moments = {"messages": (4,), "bot": (1,), "conversations": (1,), "orders": (1,), "replies": (2,)}
        found = self._raw(p)
        return {
            name: [
                tuple(_as_datetime(v) if i in moments[name] and v is not None else v for i, v in enumerate(row))
                for row in rows
            ]
            for name, rows in found.items()
        }

    def _raw(self, p: dict[str, Any]) -> dict[str, list[tuple[Any, ...]]]:
        return {
            "messages": [
                tuple(r)
                for r in self._rows(
                    """SELECT m.id, m.conversation_id, m.sender, m.agent_id, m.created_at, c.customer_id, c.agent_id
                       FROM messages m JOIN conversations c ON c.id = m.conversation_id
                       WHERE c.shop_id = :shop AND m.created_at >= :start AND m.created_at < :end""",
                    p,
                )
            ],
            "bot": [
                tuple(r)
                for r in self._rows(
                    """SELECT b.conversation_id, b.handed_off_at, b.handoff_reason FROM bot_conversations b
                       JOIN conversations c ON c.id = b.conversation_id WHERE c.shop_id = :shop""",
                    p,
                )
            ],
            "conversations": [
                tuple(r)
                for r in self._rows(
                    """SELECT id, started_at FROM conversations
                       WHERE shop_id = :shop AND started_at >= :start AND started_at < :end""",
                    p,
                )
            ],
            "orders": [
                tuple(r) for r in self._rows("SELECT customer_id, created_at FROM orders WHERE shop_id = :shop", p)
            ],
            "replies": [
                tuple(r)
                for r in self._rows(
                    """SELECT id, conversation_id, created_at, text, action, reason, entry_id FROM bot_replies
                       WHERE shop_id = :shop AND created_at >= :start AND created_at < :end""",
                    p,
                )
            ],
        }


def as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))
