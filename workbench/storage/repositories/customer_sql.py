"""SQL building blocks shared by the customer-management repositories (customer list, statistics, tags,
groups, follow-ups, import/export): the tables they query, the customer filter turned into WHERE
conditions, batched IN (...) lists, INSERT … SELECT, and row-to-dataclass mapping.

Naming: a table is plural (``CUSTOMERS``), its columns are the singular row (``CUSTOMER.nick``);
``STATS`` holds the columns of ``CUSTOMER_STATS``. Queries use these Core tables (not ORM classes)
where they build set-based statements.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, time, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    func,
    insert,
    intersect,
    literal_column,
    not_,
    or_,
    select,
)
from sqlalchemy.orm import Session

from workbench.domain.crm import PURCHASE_STATES, CustomerFilter, CustomerStats, Segment, TagMatch
from workbench.domain.customers import Tag
from workbench.storage.tables import Base, CustomerRow, CustomerTagRow, OrderRow, TagRow
from workbench.storage.tables_crm import (
    NO_ORDER_AT,
    CustomerGroupMemberRow,
    CustomerSearchGramRow,
    CustomerStatsRow,
    FollowUpRow,
)


def table(model: type[Base]) -> Table:
    """The Core table behind an ORM class."""
    return cast(Table, model.__table__)


CUSTOMERS = table(CustomerRow)
CUSTOMER_STATS = table(CustomerStatsRow)
CUSTOMER_TAGS = table(CustomerTagRow)
ORDERS = table(OrderRow)
TAGS = table(TagRow)
FOLLOWUPS = table(FollowUpRow)
SEARCH_GRAMS = table(CustomerSearchGramRow)
CUSTOMER = CUSTOMERS.c
STATS = CUSTOMER_STATS.c
CUSTOMER_TAG = CUSTOMER_TAGS.c
ORDER = ORDERS.c
TAG = TAGS.c
FOLLOWUP = FOLLOWUPS.c
GRAM = SEARCH_GRAMS.c

CHUNK = 500  # ids per IN (...) list: well under every backend's bound-parameter limit
PURCHASE_VALUES = tuple(s.value for s in PURCHASE_STATES)

T = TypeVar("T")


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def insert_from_select(session: Session, target: Table, columns: list[str], source: Select[Any]) -> int:
    """INSERT … SELECT; returns the rows inserted (counted first: drivers differ in rowcount)."""
    count = int(session.execute(select(func.count()).select_from(source.subquery())).scalar_one())
    if count:
        session.execute(insert(target).from_select(columns, source))
    return count


# ------------------------------------------------------------------------------- row → dataclass


def _last_order(value: datetime | None) -> datetime | None:
    return None if value is None or value <= NO_ORDER_AT else value


def stats_from_row(row: Any) -> CustomerStats:
    """CustomerStats from a row holding the ``customer_stats`` columns (all None: not computed yet)."""
    if row.order_count is None:  # no statistics row yet (outer join)
        return CustomerStats()
    return CustomerStats(
        order_count=row.order_count,
        total_cents=int(row.total_cents),
        first_order_at=row.first_order_at,
        last_order_at=_last_order(row.last_order_at),
        r=row.r_score,
        f=row.f_score,
        m=row.m_score,
        segment=Segment(row.segment),
    )


def to_tag(row: TagRow) -> Tag:
    return Tag(id=row.id, name=row.name, color=row.color, group=row.group_name, official=row.official)


# ------------------------------------------------------------------------------- filter → SQL


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _like(column: Any, term: str, sqlite: bool) -> ColumnElement[bool]:
    """Substring match. SQLite's LIKE already ignores ASCII case (and lower() would double the cost);
    PostgreSQL needs ILIKE, unless the term has no letter with a case (Chinese, digits): ILIKE lowers
    every value it reads. The escape clause only when the term holds a wildcard character."""
    escape = "\\" if any(ch in term for ch in "%_\\") else None
    pattern = _like_pattern(term) if escape else f"%{term}%"
    if sqlite or term.lower() == term.upper():
        return cast(ColumnElement[bool], column.like(pattern, escape=escape))
    return cast(ColumnElement[bool], column.ilike(pattern, escape=escape))


# What PostgreSQL's trigram index covers (revision 0012_customer_search), written exactly as there so
# the planner recognises it.
PG_SEARCH_TEXT: ColumnElement[str] = literal_column(
    "(customers.nick || ' ' || customers.name || ' ' || customers.phone)"
)
MAX_GRAMS = 6  # trigrams intersected per term: enough to be selective, few enough to stay cheap


def _ascii_lower(text: str) -> str:
    """Lower case as SQLite's lower() and LIKE see it (ASCII letters only)."""
    return "".join(ch.lower() if ch.isascii() else ch for ch in text)


def _after_prefix(text: str) -> str:
    """The smallest string greater than every string starting with ``text`` (code point order)."""
    last = ord(text[-1]) + 1
    if 0xD800 <= last <= 0xDFFF:  # surrogates are no characters; the next one is U+E000
        last = 0xE000
    return text[:-1] + chr(min(last, 0x10FFFF))


def gram_candidates(text: str) -> Select[tuple[int]]:
    """Customers whose nick, name or phone may contain ``text``, from SQLite's gram index: every
    trigram of a longer text (up to MAX_GRAMS of them, spread over it), the grams starting with a text
    of one or two characters. A superset: the caller keeps the exact LIKE conditions."""
    text = _ascii_lower(text)
    if len(text) <= 2:
        return select(GRAM.customer_id).where(GRAM.gram >= text, GRAM.gram < _after_prefix(text))
    grams = list(dict.fromkeys(text[i : i + 3] for i in range(len(text) - 2)))
    if len(grams) > MAX_GRAMS:
        grams = [grams[round(k * (len(grams) - 1) / (MAX_GRAMS - 1))] for k in range(MAX_GRAMS)]
    queries = [select(GRAM.customer_id).where(GRAM.gram == g) for g in grams]
    if len(queries) == 1:
        return queries[0]
    return cast(Select[tuple[int]], intersect(*queries))


def search_condition(term: str, *, sqlite: bool) -> ColumnElement[bool]:
    """Nick or name contains the term, or (for digits, ignoring spaces and dashes) the phone does;
    found through the search index of the backend, then checked exactly with LIKE."""
    compact = term.replace(" ", "").replace("-", "")
    texts = [term]
    exact = [_like(CUSTOMER.nick, term, sqlite)]
    if compact.isdigit():
        exact.append(_like(CUSTOMER.phone, compact, sqlite))
        if compact != term:
            texts.append(compact)
    else:
        exact.append(_like(CUSTOMER.name, term, sqlite))
    found: ColumnElement[bool]
    if sqlite:
        found = or_(*(CUSTOMER.id.in_(gram_candidates(t)) for t in texts))
    else:
        if any(len(t) < 3 for t in texts):  # no trigram to look up: the exact conditions scan
            return or_(*exact)
        found = or_(*(_like(PG_SEARCH_TEXT, t, sqlite) for t in texts))
    return and_(found, or_(*exact))


def customer_conditions(f: CustomerFilter, *, sqlite: bool = False) -> list[ColumnElement[bool]]:
    """WHERE conditions on ``customers`` (the shop condition is added by the caller)."""
    conds: list[ColumnElement[bool]] = []
    term = f.search.strip()
    if term:
        conds.append(search_condition(term, sqlite=sqlite))
    if f.tag_ids:
        tagged = select(CUSTOMER_TAG.customer_id).where(CUSTOMER_TAG.tag_id.in_(f.tag_ids))
        if f.tag_match is TagMatch.ANY:
            conds.append(CUSTOMER.id.in_(tagged))
        elif f.tag_match is TagMatch.ALL:
            has_every_tag = func.count(CUSTOMER_TAG.tag_id) == len(f.tag_ids)
            conds.append(CUSTOMER.id.in_(tagged.group_by(CUSTOMER_TAG.customer_id).having(has_every_tag)))
        else:
            conds.append(CUSTOMER.id.not_in(tagged))
    if f.levels:
        conds.append(CUSTOMER.member_level.in_(f.levels))
    if f.sources:
        conds.append(CUSTOMER.traffic_source.in_(f.sources))
    if f.vip88 is not None:
        conds.append(CUSTOMER.is_88vip.is_(True) if f.vip88 else CUSTOMER.is_88vip.is_(False))
    if f.credit_tiers:
        tier_conds = []
        for tier in f.credit_tiers:
            cond: ColumnElement[bool] = CUSTOMER.credit_level.like(f"%{tier}")
            if tier == "冠":  # 3冠 but not 3金冠
                cond = and_(cond, not_(CUSTOMER.credit_level.like("%金冠")))
            tier_conds.append(cond)
        conds.append(or_(*tier_conds))
    if f.group_id is not None:
        members = select(CustomerGroupMemberRow.customer_id).where(CustomerGroupMemberRow.group_id == f.group_id)
        conds.append(CUSTOMER.id.in_(members))
    return conds


def stats_conditions(f: CustomerFilter) -> list[ColumnElement[bool]]:
    """WHERE conditions on ``customer_stats`` (segment, last purchase, spend, order count)."""
    conds: list[ColumnElement[bool]] = []
    if f.segments:
        conds.append(STATS.segment.in_([s.value for s in f.segments]))
    if f.last_order_from or f.last_order_to:
        conds.append(STATS.order_count > 0)
    if f.last_order_from:
        conds.append(STATS.last_order_at >= datetime.combine(f.last_order_from, time()))
    if f.last_order_to:
        conds.append(STATS.last_order_at < datetime.combine(f.last_order_to + timedelta(days=1), time()))
    if f.min_spent_cents is not None:
        conds.append(STATS.total_cents >= f.min_spent_cents)
    if f.max_spent_cents is not None:
        conds.append(STATS.total_cents <= f.max_spent_cents)
    if f.min_orders is not None:
        conds.append(STATS.order_count >= f.min_orders)
    if f.max_orders is not None:
        conds.append(STATS.order_count <= f.max_orders)
    return conds


def filter_conditions(shop_id: int, f: CustomerFilter, *, sqlite: bool = False) -> list[ColumnElement[bool]]:
    """Every condition of a filter; statistics conditions need ``customer_stats`` joined."""
    conds = [CUSTOMER.shop_id == shop_id, *customer_conditions(f, sqlite=sqlite)]
    if f.needs_stats():
        conds += [STATS.shop_id == shop_id, *stats_conditions(f)]
    return conds


def filtered_ids(shop_id: int, f: CustomerFilter, *, sqlite: bool) -> Select[Any]:
    """SELECT customers.id for a filter (for IN (...) sub-queries and INSERT … SELECT)."""
    query = select(CUSTOMER.id)
    if f.needs_stats():
        query = query.select_from(CUSTOMERS.join(CUSTOMER_STATS, STATS.customer_id == CUSTOMER.id))
    return query.where(*filter_conditions(shop_id, f, sqlite=sqlite))
