"""数据中心: 客服绩效 and 店小蜜数据 computed from the stored reception data (SQL aggregates, see
`workbench.storage.repositories.reports`), and `NaiveReports`, the obvious load-everything version the
tests compare with and the benchmark times against."""

from __future__ import annotations

import math
import statistics
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from workbench.domain.aftersales import CaseKind, is_final, states_of
from workbench.domain.cards import Satisfaction
from workbench.domain.reports import (
    CONVERSION_WINDOW,
    LATE_REPLY_S,
    REPEAT_WINDOW_S,
    AgentPerformance,
    BotDay,
    BotReport,
    DateRange,
    DayPerformance,
    PerformanceReport,
    TopQuestion,
    UnresolvedMessage,
)
from workbench.services.clock import Clock, system_clock
from workbench.storage.db import Database
from workbench.storage.repositories.reports import ReportsRepository
from workbench.storage.repositories.shops import ShopRepository

A = TypeVar("A")
B = TypeVar("B")

TOP_QUESTIONS = 10
# the answers to 邀请评价 that count as satisfied (满意度 = these / answered)
SATISFIED = (Satisfaction.VERY_SATISFIED.value, Satisfaction.SATISFIED.value)


def final_case_states() -> tuple[str, ...]:
    """Every state in which some kind of case is closed (its workflow goes nowhere from there)."""
    out: dict[str, None] = {}
    for kind in CaseKind:
        for subtype in ("", "refund_only"):
            for state in states_of(kind, subtype):
                if is_final(kind, subtype, state):
                    out[state.value] = None
    return tuple(out)


class ReportsService:
    """The reports of one shop (reading only; any user who sees the 数据中心 may read them)."""

    def __init__(self, db: Database, shop_id: int, clock: Clock = system_clock) -> None:
        self.db = db
        self.shop_id = shop_id
        self.clock = clock

    def today(self) -> date:
        return self.clock().date()

    def performance(self, days: DateRange) -> PerformanceReport:
        shop, start, end, now = self.shop_id, days.start, days.end, self.clock()

        def runs_part(repo: ReportsRepository) -> tuple[Any, ...]:
            return _Runs(repo, shop, start, end), repo.open_runs(shop, start, end)

        def contacts_part(repo: ReportsRepository) -> tuple[Any, ...]:
            return (
                repo.buyers(shop, start, end),
                repo.agent_replies(shop, start, end),
                repo.invitations(shop, start, end, SATISFIED),
                repo.cases(shop, start, end, final_case_states()),
                repo.performance_days(shop, start, end),
                {a.id: (a.username, a.display_name) for a in ShopRepository(repo.s).agents(shop)},
            )

        (runs, still_open), contacts = _read_in_two(self.db, runs_part, contacts_part)
        buyers, (replies, shop_received), invitations, cases, day_rows, agents = contacts
        by_name = {name: aid for aid, names in agents.items() for name in names}
        figures: dict[int | None, dict[str, Any]] = defaultdict(dict)
        response_days = runs.into(figures, still_open, now)
        for who, asked, replied, converted in buyers:
            _add(figures, who, asked=asked, replied_buyers=replied, converted=converted)
        _add(figures, None, received=shop_received)
        for who, received, as_is, edited, without in replies:
            if who is not None:
                _add(figures, who, received=received)
            for key in _with_shop(who):
                _add(
                    figures, key, suggestions_as_is=as_is, suggestions_edited=edited, replies_without_suggestion=without
                )
        for who, n, rated, satisfied in invitations:
            for key in _with_shop(who):
                _add(figures, key, invitations=n, rated=rated, satisfied=satisfied)
        for creator, opened, closed, in_time in cases:
            for key in _with_shop(by_name.get(creator)):
                _add(figures, key, cases_opened=opened, cases_closed=closed, cases_closed_in_time=in_time)
        rows = [AgentPerformance(aid, display, **figures.get(aid, {})) for aid, (_, display) in sorted(agents.items())]
        shop_row = AgentPerformance(None, "全店", **figures.get(None, {}))
        by_day = {d: (a, r) for d, a, r in day_rows}
        trend = tuple(DayPerformance(d, *by_day.get(d, (0, 0)), response_days.get(d), late=0) for d in days.days())
        return PerformanceReport(days, shop_row, tuple(rows), trend)

    def bot(self, days: DateRange) -> BotReport:
        shop, start, end = self.shop_id, days.start, days.end
        with self.db.session() as s:
            repo = ReportsRepository(s)
            chats = repo.bot_chats(shop, start, end)
            actions = repo.bot_actions(shop, start, end)
            top = repo.top_answered(shop, start, end, TOP_QUESTIONS)
        totals = [0, 0, 0, 0, 0]  # conversations, bot, full-auto, solved, handed off
        reasons: dict[str, int] = defaultdict(int)
        by_day: dict[date, list[int]] = {}
        for day, reason, *counts in chats:
            day_counts = by_day.setdefault(day, [0, 0, 0, 0, 0])
            for i, c in enumerate(counts):
                totals[i] += c
                day_counts[i] += c
            if counts[4]:
                reasons[reason] += counts[4]
        n, bot, full, solved, handed = totals
        trend = tuple(BotDay(d, *by_day.get(d, (0, 0, 0, 0, 0))) for d in days.days())
        return BotReport(
            days, n, bot, full, solved, handed, dict(reasons), actions, tuple(TopQuestion(*t) for t in top), trend
        )

    def unresolved(self, days: DateRange, limit: int = 5000) -> list[UnresolvedMessage]:
        with self.db.session() as s:
            return ReportsRepository(s).unresolved(self.shop_id, days.start, days.end, limit)


_second_reader: ThreadPoolExecutor | None = None
_second_reader_lock = threading.Lock()


def _read_in_two(
    db: Database, here: Callable[[ReportsRepository], A], there: Callable[[ReportsRepository], B]
) -> tuple[A, B]:
    """`here` on this thread and `there` on a second connection at the same time (the database works
    on both halves of a report at once: on two cores, half the wait). On PostgreSQL both read one
    snapshot; on SQLite each half reads the newest commit when it starts (a message committed in
    between may show in one half only)."""
    global _second_reader
    with _second_reader_lock:
        if _second_reader is None:
            _second_reader = ThreadPoolExecutor(max_workers=2, thread_name_prefix="reports")
        pool = _second_reader
    with db.session() as s:
        repo = ReportsRepository(s)
        snapshot = repo.export_snapshot()

        def read_there() -> B:
            with db.session() as other:
                return there(ReportsRepository(other, snapshot=snapshot))

        future = pool.submit(read_there)
        try:
            mine = here(repo)
        finally:
            # the snapshot lives as long as this transaction: wait for the other half in any case
            futures_wait([future])
    return mine, future.result()


class _Spread:
    """Response times of one group (one agent's or the shop's; all runs or each chat's first) as counts
    per whole second, and the exact times known outside those counts."""

    def __init__(self) -> None:
        self.n = 0
        self.total = 0.0
        self.buckets: dict[int, int] = defaultdict(int)
        self.extra: list[float] = []

    def add(self, bucket: int, n: int, total: float) -> None:
        self.n += n
        self.total += total
        self.buckets[bucket] += n

    def add_exact(self, secs: float) -> None:
        self.add(math.floor(secs), 1, secs)
        self.extra.append(secs)

    def middle_buckets(self) -> list[tuple[int, int]]:
        """(bucket, rank inside it) of the one or two middle times."""
        ranks = sorted({(self.n - 1) // 2, self.n // 2})
        out: list[tuple[int, int]] = []
        below = 0
        for bucket in sorted(self.buckets):
            count = self.buckets[bucket]
            out.extend((bucket, rank - below) for rank in ranks if below <= rank < below + count)
            below += count
        return out

    def median(self, exact: Sequence[float]) -> float:
        """`exact`: the times of this group, outside `extra`, whose bucket holds a middle one. A run
        written or removed between the two reads (SQLite reads each statement's newest commit) moves
        the pick by at most that run; a bucket found empty gives its own second."""
        picked = []
        for bucket, rank in self.middle_buckets():
            inside = sorted(v for v in (*exact, *self.extra) if math.floor(v) == bucket)
            picked.append(inside[min(rank, len(inside) - 1)] if inside else float(bucket))
        return statistics.fmean(picked)


class _Runs:
    """客服绩效's waits, 3-minute misses and response times (mean and median; all runs, and each chat's
    first) per agent and for the shop, from the range's answered runs: counted per whole second in SQL
    (`ReportsRepository.run_histogram`), the medians then read from the times in their seconds only
    (`run_values`); the few runs that began before the range (`runs_begun_before`) added one by one.
    A run with no known answering agent counts its wait for the chat's agent."""

    SHOP = -1  # the shop's group, beside the agents'
    ANY = ("response",)  # the spreads of a run that is not its chat's first in the range
    FIRST = ("response", "first_response")
    FIRST_ONLY = ("first_response",)  # a run counted with all runs already, found to be its chat's first

    def __init__(self, repo: ReportsRepository, shop: int, start: datetime, end: datetime) -> None:
        self.waits: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])  # by who: [waits, late]
        self.spreads: dict[tuple[str, int | None], _Spread] = defaultdict(_Spread)
        counted, began_before = repo.run_histogram(shop, start, end)
        for who, chat_agent, bucket, first, n, total, late in counted:
            counts = self.waits[chat_agent if who is None else who]
            counts[0] += n
            counts[1] += late
            for key in self._groups(who, self.FIRST if first else self.ANY):
                self.spreads[key].add(bucket, n, total)
        self.days: dict[date, list[float]] = {d: [n, total] for d, n, total in repo.run_days(shop, start, end)}
        began, firsts_after = repo.runs_begun_before(shop, start, end, began_before)
        for who, chat_agent, secs, day in began:
            counts = self.waits[chat_agent if who is None else who]
            counts[0] += 1
            counts[1] += secs > LATE_REPLY_S
            for key in self._groups(who, self.FIRST):
                self.spreads[key].add_exact(secs)
            day_total = self.days.setdefault(day, [0, 0.0])
            day_total[0] += 1
            day_total[1] += secs
        for who, secs in firsts_after:
            # counted with all runs already: the first of its chat in the range after all
            for key in self._groups(who, self.FIRST_ONLY):
                self.spreads[key].add_exact(secs)
        wanted = sorted({b for spread in self.spreads.values() for b, _ in spread.middle_buckets()})
        self.exact: dict[tuple[str, int | None], list[float]] = defaultdict(list)
        for who, first, secs in repo.run_values(shop, start, end, wanted):
            for key in self._groups(who, self.FIRST if first else self.ANY):
                self.exact[key].append(secs)

    def _groups(self, who: int | None, kinds: tuple[str, ...]) -> list[tuple[str, int | None]]:
        """The spreads of `kinds` a run adds to: its agent's (if known) and the shop's."""
        return [(kind, w) for kind in kinds for w in ((self.SHOP,) if who is None else (who, self.SHOP))]

    def into(
        self,
        figures: dict[int | None, dict[str, Any]],
        still_open: Sequence[tuple[int, int | None, datetime]],
        now: datetime,
    ) -> dict[date, float]:
        """Add the figures (a run still open at the range's end counts as a wait, and a miss, once it
        has waited 3 minutes at `now`); returns the mean response per day."""
        waits = {who: list(counts) for who, counts in self.waits.items()}
        for _chat, chat_agent, began in still_open:
            if (now - began).total_seconds() >= LATE_REPLY_S:
                counts = waits.setdefault(chat_agent, [0, 0])
                counts[0] += 1
                counts[1] += 1
        for who, (n, late) in waits.items():
            for key in _with_shop(who):
                _add(figures, key, waits=n, late=late)
        for (kind, who), spread in self.spreads.items():
            if spread.n:
                row = figures[None if who == self.SHOP else who]
                row[f"{kind}_avg_s"] = round(spread.total / spread.n, 1)
                row[f"{kind}_median_s"] = round(spread.median(self.exact.get((kind, who), ())), 1)
        return {d: round(total / n, 1) for d, (n, total) in self.days.items() if n}


def _with_shop(agent: int | None) -> tuple[int | None, ...]:
    """The rows a per-agent count adds to: the agent's (if known) and the shop's (None)."""
    return (None,) if agent is None else (agent, None)


def _add(figures: dict[int | None, dict[str, Any]], who: int | None, **values: int) -> None:
    row = figures[who]
    for key, value in values.items():
        row[key] = row.get(key, 0) + value


# -- the baseline: every row of the range into Python ------------------------------------------------------


class NaiveReports:
    """The same figures computed the obvious way: read every message, bot reply, conversation and
    order of the range and count in Python. The tests check the SQL against it; the benchmark times
    both. Covers the figures the SQL computes from messages and bot replies (not cases, suggestions,
    invitations)."""

    def __init__(self, db: Database, shop_id: int, clock: Clock = system_clock) -> None:
        self.db = db
        self.shop_id = shop_id
        self.clock = clock

    def _raw(self, days: DateRange) -> dict[str, list[tuple[Any, ...]]]:
        with self.db.session() as s:
            return ReportsRepository(s).raw(self.shop_id, days.start, days.end)

    def performance(self, days: DateRange) -> dict[int | None, dict[str, Any]]:
        """agent (None: shop) → asked, replied_buyers, converted, received, waits, late, response and
        first-response mean and median."""
        raw = self._raw(days)
        now = self.clock()
        handed = {cid: at for cid, at, _ in raw["bot"]}
        msgs = sorted(
            (
                m
                for m in raw["messages"]
                if m[2] in ("customer", "agent")
                and (m[2] == "agent" or m[1] not in handed or (handed[m[1]] is not None and m[4] >= handed[m[1]]))
            ),
            key=lambda m: (m[1], m[4], m[0]),
        )
        orders: dict[int, list[datetime]] = defaultdict(list)
        for cust, at in raw["orders"]:
            orders[cust].append(at)
        out: dict[int | None, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
        resp: dict[int | None, list[float]] = defaultdict(list)
        first: dict[int | None, list[float]] = defaultdict(list)
        asked: dict[tuple[int | None, int], datetime] = {}
        replied: set[tuple[int | None, int]] = set()
        received: dict[int | None, set[int]] = defaultdict(set)
        by_chat: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for m in msgs:
            by_chat[m[1]].append(m)
        for chat in by_chat.values():
            run_start: datetime | None = None
            answered_once = False
            for i, (_mid, _cid, sender, agent, at, cust, chat_agent) in enumerate(chat):
                prev = chat[i - 1][2] if i else None
                if sender == "customer":
                    for key in _with_shop(chat_agent):
                        seen = asked.get((key, cust))
                        asked[(key, cust)] = at if seen is None else min(seen, at)
                    if prev is None or prev == "agent":
                        run_start = at
                        nxt = next((m for m in chat[i + 1 :] if m[2] == "agent"), None)
                        if nxt is None:
                            if (now - at).total_seconds() >= LATE_REPLY_S:
                                for key in _with_shop(chat_agent):
                                    out[key]["waits"] += 1
                                    out[key]["late"] += 1
                        else:
                            late = (nxt[4] - at).total_seconds() > LATE_REPLY_S
                            for key in _with_shop(nxt[3]):
                                out[key]["waits"] += 1
                                out[key]["late"] += int(late)
                else:
                    for key in _with_shop(chat_agent):
                        replied.add((key, cust))
                    for key in _with_shop(agent):
                        received[key].add(cust)
                    if prev == "customer" and run_start is not None:
                        secs = (at - run_start).total_seconds()
                        for key in _with_shop(agent):
                            resp[key].append(secs)
                            if not answered_once:
                                first[key].append(secs)
                        answered_once = True
        for (key, cust), at in asked.items():
            out[key]["asked"] += 1
            out[key]["replied_buyers"] += int((key, cust) in replied)
            out[key]["converted"] += int(any(at < o <= at + CONVERSION_WINDOW for o in orders.get(cust, ())))
        for key, custs in received.items():
            out[key]["received"] = len(custs)
        for key, values in resp.items():
            out[key]["response_avg_s"] = round(statistics.fmean(values), 1)
            out[key]["response_median_s"] = round(statistics.median(values), 1)
        for key, values in first.items():
            out[key]["first_response_avg_s"] = round(statistics.fmean(values), 1)
            out[key]["first_response_median_s"] = round(statistics.median(values), 1)
        return {k: dict(v) for k, v in out.items()}

    def bot(self, days: DateRange) -> dict[str, Any]:
        raw = self._raw(days)
        bot = {cid: (at, reason) for cid, at, reason in raw["bot"]}
        repeated: set[int] = set()
        last: dict[tuple[int, str], datetime] = {}
        for _id, cid, at, text, _action, _reason, _entry in sorted(raw["replies"], key=lambda r: r[0]):
            prev = last.get((cid, text))
            if prev is not None and (at - prev).total_seconds() <= REPEAT_WINDOW_S:
                repeated.add(cid)
            last[(cid, text)] = at
        totals = {"conversations": 0, "bot": 0, "full_auto": 0, "solved": 0, "handed_off": 0}
        reasons: dict[str, int] = defaultdict(int)
        for cid, _started in raw["conversations"]:
            totals["conversations"] += 1
            if cid not in bot:
                continue
            totals["bot"] += 1
            handed_at, reason = bot[cid]
            if handed_at is None:
                totals["full_auto"] += 1
                totals["solved"] += int(cid not in repeated)
            else:
                totals["handed_off"] += 1
                reasons[reason] += 1
        answers: dict[int, int] = defaultdict(int)
        for r in raw["replies"]:
            if r[4] == "answer" and r[6] is not None:
                answers[r[6]] += 1
        top = sorted(answers.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_QUESTIONS]
        return {**totals, "reasons": dict(reasons), "top": top}

    def unresolved_ids(self, days: DateRange) -> list[int]:
        raw = self._raw(days)
        chats: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for r in sorted(raw["replies"], key=lambda r: r[0]):
            chats[r[1]].append(r)
        out = []
        for rows in chats.values():
            for i, (rid, _cid, _at, _text, action, reason, _entry) in enumerate(rows):
                nxt = rows[i + 1][4] if i + 1 < len(rows) else None
                if (
                    action == "fallback"
                    or (action == "clarify" and nxt != "answer")
                    or (action == "handoff" and reason in ("misses", "repeat"))
                ):
                    out.append(rid)
        return sorted(out, reverse=True)


def days_between(first: date, last: date) -> Iterable[date]:
    d = first
    while d <= last:
        yield d
        d += timedelta(days=1)


__all__: Sequence[str] = ("NaiveReports", "ReportsService", "final_case_states")
