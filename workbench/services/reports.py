"""数据中心: 客服绩效 and 店小蜜数据 computed from the stored reception data (SQL aggregates, see
`workbench.storage.repositories.reports`), and `NaiveReports`, the obvious load-everything version the
tests compare with and the benchmark times against."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

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
from workbench.storage.repositories.reports import ReportsRepository, as_date
from workbench.storage.repositories.shops import ShopRepository

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

    def _agents(self) -> dict[int, tuple[str, str]]:
        """agent id → (username, display name)."""
        with self.db.session() as s:
            return {a.id: (a.username, a.display_name) for a in ShopRepository(s).agents(self.shop_id)}

    def performance(self, days: DateRange) -> PerformanceReport:
        shop, start, end, now = self.shop_id, days.start, days.end, self.clock()
        with self.db.session() as s:
            repo = ReportsRepository(s)
            answered, chat_agents = repo.answered_runs(shop, start, end)
            still_open = repo.open_runs(shop, start, end)
            buyers = repo.buyers(shop, start, end)
            received = repo.received(shop, start, end)
            suggestions = repo.suggestions(shop, start, end)
            invitations = repo.invitations(shop, start, end, SATISFIED)
            cases = repo.cases(shop, start, end, final_case_states())
            day_rows = repo.performance_days(shop, start, end)
        agents = self._agents()
        by_name = {name: aid for aid, names in agents.items() for name in names}
        figures: dict[int | None, dict[str, Any]] = defaultdict(dict)
        response_days = _runs_into(figures, answered, chat_agents, still_open, now)
        for who, asked, replied, converted in buyers:
            _add(figures, who, asked=asked, replied_buyers=replied, converted=converted)
        for who, n in received:
            _add(figures, who, received=n)
        for who, as_is, edited, without in suggestions:
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


def _runs_into(
    figures: dict[int | None, dict[str, Any]],
    answered: Sequence[tuple[Any, ...]],
    chat_agents: dict[int, int | None],
    still_open: Sequence[tuple[int, int | None, datetime]],
    now: datetime,
) -> dict[date, float]:
    """Waits, 3-minute misses and response times (mean and median; all, and each chat's first) per
    agent and for the shop, from the range's answered runs (`ReportsRepository.answered_runs`: a run
    with no known answering agent counts for the chat's agent) and the runs still open at its end;
    returns the mean response per day. A run still open counts as a wait, and a miss, once it has
    waited 3 minutes at `now`."""
    every: dict[int | None, list[float]] = defaultdict(list)  # by the agent who answered
    firsts: dict[int, tuple[Any, int | None, float]] = {}  # chat → its first run (start, agent, seconds)
    by_day: dict[Any, list[float]] = defaultdict(list)  # by the answer's day as the database gave it
    day_key = _day_key(answered[0][4]) if answered else str
    for chat, responder, secs, began, replied in answered:
        every[responder].append(secs)
        by_day[day_key(replied)].append(secs)
        seen = firsts.get(chat)
        if seen is None or began < seen[0]:
            firsts[chat] = (began, responder, secs)
    waits: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])  # by who: [waits, late]
    for responder, secs_list in every.items():
        if responder is not None:
            waits[responder][0] += len(secs_list)
            waits[responder][1] += sum(1 for secs in secs_list if secs > LATE_REPLY_S)
    for chat, responder, secs, _began, _replied in answered:
        if responder is None:
            counts = waits[chat_agents.get(chat)]
            counts[0] += 1
            counts[1] += secs > LATE_REPLY_S
    for _chat, chat_agent, began in still_open:
        if (now - began).total_seconds() >= LATE_REPLY_S:
            counts = waits[chat_agent]
            counts[0] += 1
            counts[1] += 1
    for who, (n, late) in waits.items():
        for key in _with_shop(who):
            _add(figures, key, waits=n, late=late)
    first: dict[int | None, list[float]] = defaultdict(list)
    for _began, responder, secs in firsts.values():
        first[responder].append(secs)
    for kind, values in (("response", every), ("first_response", first)):
        everyone = [secs for secs_list in values.values() for secs in secs_list]
        for key, secs_list in [*((k, v) for k, v in values.items() if k is not None), (None, everyone)]:
            if secs_list:
                figures[key][f"{kind}_avg_s"] = round(statistics.fmean(secs_list), 1)
                figures[key][f"{kind}_median_s"] = round(statistics.median(secs_list), 1)
    return {as_date(d): round(statistics.fmean(v), 1) for d, v in by_day.items()}


def _day_key(sample: Any) -> Callable[[Any], Any]:
    """How to take the day of a time as the database returns it: a datetime's date, or the first ten
    characters of SQLite's text (cheap per row; `as_date` turns the key into a date once per day)."""
    if isinstance(sample, datetime):
        return datetime.date
    return lambda value: str(value)[:10]


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
