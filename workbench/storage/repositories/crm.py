"""Customer management queries: the filtered, paged customer list, statistics and segments, tag library,
groups, preferences, the dashboard, care templates, follow-up rules and visits.

The list never loads all rows: ``count`` and ``page`` push every filter into SQL, and each sortable
column has an index (see ``tables_crm``). Bulk actions run as set-based statements.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Select,
    Table,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from workbench.domain.crm import (
    CREDIT_TIERS,
    MEMBER_LEVELS,
    PURCHASE_STATES,
    VIP_TAG,
    CareTemplate,
    ChatSummary,
    CustomerExtras,
    CustomerFilter,
    CustomerGroup,
    CustomerListItem,
    CustomerStats,
    Dashboard,
    FollowUp,
    FollowUpOutcome,
    FollowUpRule,
    FollowUpSource,
    FollowUpStatus,
    FollowUpView,
    GroupKind,
    ProfileEdit,
    RfmSettings,
    RuleTrigger,
    Segment,
    SegmentStat,
    Selection,
    SortKey,
    SourceStat,
    TagMatch,
    TagRef,
    TagUsage,
    credit_tier,
)
from workbench.domain.customers import Tag, masked_phone
from workbench.domain.errors import DomainError
from workbench.storage.tables import Base, ConversationRow, CustomerRow, CustomerTagRow, MessageRow, OrderRow, TagRow
from workbench.storage.tables_crm import (
    NO_ORDER_AT,
    CareTemplateRow,
    CrmStateRow,
    CustomerExtrasRow,
    CustomerGroupMemberRow,
    CustomerGroupRow,
    CustomerStatsRow,
    FollowUpRow,
    FollowUpRuleRow,
)


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


CUSTOMERS = _table(CustomerRow)
STATS = _table(CustomerStatsRow)
CUSTOMER_TAGS = _table(CustomerTagRow)
ORDERS = _table(OrderRow)
TAGS = _table(TagRow)
GROUPS = _table(CustomerGroupRow)
GROUP_MEMBERS = _table(CustomerGroupMemberRow)
TEMPLATES = _table(CareTemplateRow)
RULES = _table(FollowUpRuleRow)
FOLLOWUPS = _table(FollowUpRow)
C = CUSTOMERS.c
ST = STATS.c
CT = CUSTOMER_TAGS.c
OD = ORDERS.c
CHUNK = 500  # ids per IN (...) list: well under every backend's bound-parameter limit
PURCHASE_VALUES = tuple(s.value for s in PURCHASE_STATES)


def chunks(values: Sequence[int], size: int = CHUNK) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _last_order(value: datetime | None) -> datetime | None:
    return None if value is None or value <= NO_ORDER_AT else value


def _stats(row: Any) -> CustomerStats:
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


# ------------------------------------------------------------------------------------ the list query


def _like(column: Any, term: str, sqlite: bool) -> ColumnElement[bool]:
    """Substring match. SQLite's LIKE already ignores ASCII case (and lower() would double the cost);
    PostgreSQL needs ILIKE. The escape clause only when the term holds a wildcard character."""
    escape = "\\" if any(ch in term for ch in "%_\\") else None
    pattern = _like_pattern(term) if escape else f"%{term}%"
    if sqlite:
        return cast(ColumnElement[bool], column.like(pattern, escape=escape))
    return cast(ColumnElement[bool], column.ilike(pattern, escape=escape))


def customer_conditions(f: CustomerFilter, *, sqlite: bool = False) -> list[ColumnElement[bool]]:
    """WHERE conditions on ``customers`` (the shop condition is added by the caller)."""
    conds: list[ColumnElement[bool]] = []
    term = f.search.strip()
    if term:
        options = [_like(C.nick, term, sqlite)]
        compact = term.replace(" ", "").replace("-", "")
        if compact.isdigit():
            options.append(_like(C.phone, compact, sqlite))
        else:
            options.append(_like(C.name, term, sqlite))
        conds.append(or_(*options))
    if f.tag_ids:
        tagged = select(CT.customer_id).where(CT.tag_id.in_(f.tag_ids))
        if f.tag_match is TagMatch.ANY:
            conds.append(C.id.in_(tagged))
        elif f.tag_match is TagMatch.ALL:
            conds.append(C.id.in_(tagged.group_by(CT.customer_id).having(func.count(CT.tag_id) == len(f.tag_ids))))
        else:
            conds.append(C.id.not_in(tagged))
    if f.levels:
        conds.append(C.member_level.in_(f.levels))
    if f.sources:
        conds.append(C.traffic_source.in_(f.sources))
    if f.vip88 is not None:
        conds.append(C.is_88vip.is_(True) if f.vip88 else C.is_88vip.is_(False))
    if f.credit_tiers:
        tier_conds = []
        for tier in f.credit_tiers:
            cond: ColumnElement[bool] = C.credit_level.like(f"%{tier}")
            if tier == "冠":  # 3冠 but not 3金冠
                cond = and_(cond, not_(C.credit_level.like("%金冠")))
            tier_conds.append(cond)
        conds.append(or_(*tier_conds))
    if f.group_id is not None:
        members = select(CustomerGroupMemberRow.customer_id).where(CustomerGroupMemberRow.group_id == f.group_id)
        conds.append(C.id.in_(members))
    return conds


def stats_conditions(f: CustomerFilter) -> list[ColumnElement[bool]]:
    """WHERE conditions on ``customer_stats`` (segment, last purchase, spend, order count)."""
    conds: list[ColumnElement[bool]] = []
    if f.segments:
        conds.append(ST.segment.in_([s.value for s in f.segments]))
    if f.last_order_from or f.last_order_to:
        conds.append(ST.order_count > 0)
    if f.last_order_from:
        conds.append(ST.last_order_at >= datetime.combine(f.last_order_from, time()))
    if f.last_order_to:
        conds.append(ST.last_order_at < datetime.combine(f.last_order_to + timedelta(days=1), time()))
    if f.min_spent_cents is not None:
        conds.append(ST.total_cents >= f.min_spent_cents)
    if f.max_spent_cents is not None:
        conds.append(ST.total_cents <= f.max_spent_cents)
    if f.min_orders is not None:
        conds.append(ST.order_count >= f.min_orders)
    if f.max_orders is not None:
        conds.append(ST.order_count <= f.max_orders)
    return conds


def filter_conditions(shop_id: int, f: CustomerFilter, *, sqlite: bool = False) -> list[ColumnElement[bool]]:
    """Every condition of a filter; statistics conditions need ``customer_stats`` joined."""
    conds = [C.shop_id == shop_id, *customer_conditions(f, sqlite=sqlite)]
    if f.needs_stats():
        conds += [ST.shop_id == shop_id, *stats_conditions(f)]
    return conds


_STATS_SORTS = {SortKey.ORDERS: ST.order_count, SortKey.SPENT: ST.total_cents, SortKey.LAST_ORDER: ST.last_order_at}


def _order_by(sort: SortKey, descending: bool, *, stats_only: bool = False) -> list[Any]:
    def d(col: Any) -> Any:
        return col.desc() if descending else col.asc()

    if sort in _STATS_SORTS:  # (shop_id, column, customer_id) index: walked in order, no sort step
        return [d(_STATS_SORTS[sort]), d(ST.customer_id)]
    if sort is SortKey.NICK:
        return [d(C.nick)]
    return [d(ST.customer_id if stats_only else C.id)]


def _uses_stats(f: CustomerFilter, sort: SortKey) -> bool:
    """Statistics filters and sorts drive the query from customer_stats; customers without a
    statistics row (not yet computed) drop out of both the count and the pages, consistently."""
    return f.needs_stats() or sort in _STATS_SORTS


LIST_COLUMNS = (
    C.id, C.nick, C.name, C.phone, C.gender, C.city, C.credit_level, C.is_88vip, C.traffic_source, C.member_level,
    C.points, C.registered_at, ST.order_count, ST.total_cents, ST.first_order_at, ST.last_order_at, ST.r_score,
    ST.f_score, ST.m_score, ST.segment,
)  # fmt: skip


class CrmRepository:
    def __init__(self, session: Session) -> None:
        self.s = session
        self.sqlite = session.get_bind().dialect.name == "sqlite"

    def _insert_from_select(self, table: Table, columns: list[str], source: Select[Any]) -> int:
        """INSERT … SELECT; returns the rows inserted (counted first: drivers differ in rowcount)."""
        count = int(self.s.execute(select(func.count()).select_from(source.subquery())).scalar_one())
        if count:
            self.s.execute(insert(table).from_select(columns, source))
        return count

    def filtered_ids(self, shop_id: int, f: CustomerFilter) -> Select[Any]:
        """SELECT customers.id for a filter (for IN (...) sub-queries and INSERT … SELECT)."""
        query = select(C.id)
        if f.needs_stats():
            query = query.select_from(CUSTOMERS.join(STATS, ST.customer_id == C.id))
        return query.where(*filter_conditions(shop_id, f, sqlite=self.sqlite))

    # -- list ---------------------------------------------------------------------------------
    #
    # Each query takes the narrowest path the filter allows: statistics alone (their indexes cover
    # segment, spend, order count and last order), customers alone, the tag index alone, or the join.

    def count(self, shop_id: int, f: CustomerFilter, sort: SortKey = SortKey.ID) -> int:
        cust = customer_conditions(f, sqlite=self.sqlite)
        if _uses_stats(f, sort) and not cust:
            query = select(func.count()).select_from(STATS).where(ST.shop_id == shop_id, *stats_conditions(f))
        elif _uses_stats(f, sort):
            query = (
                select(func.count())
                .select_from(STATS.join(CUSTOMERS, C.id == ST.customer_id))
                .where(ST.shop_id == shop_id, C.shop_id == shop_id, *cust, *stats_conditions(f))
            )
        elif f.tag_ids and f.tag_match is TagMatch.ANY and replace(f, tag_ids=()).is_empty():
            own = select(TAGS.c.id).where(TAGS.c.shop_id == shop_id, TAGS.c.id.in_(f.tag_ids))
            distinct = func.count(CT.customer_id.distinct()) if len(f.tag_ids) > 1 else func.count()
            query = select(distinct).where(CT.tag_id.in_(own))
        else:
            query = select(func.count()).select_from(CUSTOMERS).where(C.shop_id == shop_id, *cust)
        return int(self.s.execute(query).scalar_one())

    def page_ids(
        self, shop_id: int, f: CustomerFilter, sort: SortKey, descending: bool, offset: int, limit: int
    ) -> list[int]:
        """The ids on one page, in order: the narrow first step of a page (index-only where possible)."""
        cust = customer_conditions(f, sqlite=self.sqlite)
        if _uses_stats(f, sort) and not cust and sort is not SortKey.NICK:
            query = (
                select(ST.customer_id)
                .where(ST.shop_id == shop_id, *stats_conditions(f))
                .order_by(*_order_by(sort, descending, stats_only=True))
            )
        elif _uses_stats(f, sort):
            query = (
                select(C.id)
                .select_from(STATS.join(CUSTOMERS, C.id == ST.customer_id))
                .where(ST.shop_id == shop_id, C.shop_id == shop_id, *cust, *stats_conditions(f))
                .order_by(*_order_by(sort, descending))
            )
        else:
            query = select(C.id).where(C.shop_id == shop_id, *cust).order_by(*_order_by(sort, descending))
        return list(self.s.scalars(query.offset(offset).limit(limit)))

    def page(
        self, shop_id: int, f: CustomerFilter, sort: SortKey, descending: bool, offset: int, limit: int
    ) -> list[CustomerListItem]:
        """One page of the list: its ids first, then those rows with their tags."""
        return self.items(shop_id, self.page_ids(shop_id, f, sort, descending, offset, limit))

    def items(self, shop_id: int, customer_ids: Sequence[int]) -> list[CustomerListItem]:
        """List rows for these customers, in the given order (unknown ids are left out)."""
        found: dict[int, CustomerListItem] = {}
        for part in chunks(customer_ids):
            query = (
                select(*LIST_COLUMNS)
                .select_from(CUSTOMERS.outerjoin(STATS, ST.customer_id == C.id))
                .where(C.shop_id == shop_id, C.id.in_(part))
            )
            found.update((i.id, i) for i in self._items(self.s.execute(query).all()))
        return [found[i] for i in customer_ids if i in found]

    def _items(self, rows: Sequence[Any]) -> list[CustomerListItem]:
        tags = self.tag_refs([r.id for r in rows])
        return [
            CustomerListItem(
                id=r.id,
                nick=r.nick,
                name=r.name,
                phone_masked=masked_phone(r.phone),
                gender=r.gender,
                city=r.city,
                credit_level=r.credit_level,
                is_88vip=bool(r.is_88vip),
                traffic_source=r.traffic_source,
                member_level=r.member_level,
                points=r.points,
                registered_at=r.registered_at,
                stats=_stats(r),
                tags=tuple(tags.get(r.id, ())),
            )
            for r in rows
        ]

    def private_fields(self, customer_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        """id → (full phone, preferences): for exports only, never for a list."""
        out: dict[int, tuple[str, str]] = {}
        for part in chunks(customer_ids):
            for cid, phone, preferences in self.s.execute(select(C.id, C.phone, C.preferences).where(C.id.in_(part))):
                out[cid] = (phone, preferences)
        return out

    def tag_refs(self, customer_ids: Sequence[int]) -> dict[int, list[TagRef]]:
        out: dict[int, list[TagRef]] = defaultdict(list)
        for part in chunks(customer_ids):
            rows = self.s.execute(
                select(CT.customer_id, TagRow.id, TagRow.name, TagRow.color)
                .join(TagRow, TagRow.id == CT.tag_id)
                .where(CT.customer_id.in_(part))
                .order_by(CT.customer_id, CT.created_at, TagRow.name)
            )
            for customer_id, tag_id, name, color in rows:
                out[customer_id].append(TagRef(tag_id, name, color))
        return out

    def selection_ids(self, shop_id: int, selection: Selection, limit: int | None = None) -> list[int]:
        """The shop's customer ids in a selection, in a stable order (at most ``limit``)."""
        if selection.filter is not None:
            query = self.filtered_ids(shop_id, selection.filter).order_by(C.id)
            if limit is not None:
                query = query.limit(limit)
            return list(self.s.scalars(query))
        wanted = list(selection.ids[: limit if limit is not None else None])
        found: set[int] = set()
        for part in chunks(wanted):
            found.update(self.s.scalars(select(C.id).where(C.id.in_(part), C.shop_id == shop_id)))
        return [i for i in wanted if i in found]

    def selection_count(self, shop_id: int, selection: Selection) -> int:
        if selection.filter is not None:
            return self.count(shop_id, selection.filter)
        return len(self.selection_ids(shop_id, selection))

    # -- statistics and segments ----------------------------------------------------------------

    def settings(self, shop_id: int) -> RfmSettings:
        row = self.s.get(CrmStateRow, shop_id)
        return RfmSettings.from_json(row.settings_json) if row else RfmSettings()

    def save_settings(self, shop_id: int, settings: RfmSettings) -> None:
        row = self.s.get(CrmStateRow, shop_id)
        if row is None:
            row = CrmStateRow(shop_id=shop_id, fingerprint="")
            self.s.add(row)
        row.settings_json = settings.validated().to_json()
        row.fingerprint = ""  # recompute with the new thresholds
        self.s.flush()

    def computed(self, shop_id: int) -> tuple[str, datetime | None]:
        row = self.s.get(CrmStateRow, shop_id)
        return (row.fingerprint, row.computed_at) if row else ("", None)

    def fingerprint(self, shop_id: int, now: datetime) -> str:
        """Changes when customers, purchases, the settings or the date change (segments age daily)."""
        customers = self.s.execute(select(func.count(), func.max(C.id)).where(C.shop_id == shop_id)).one()
        orders = self.s.execute(
            select(func.count(), func.coalesce(func.sum(OD.total_cents), 0), func.max(OD.id)).where(
                OD.shop_id == shop_id, OD.state.in_(PURCHASE_VALUES)
            )
        ).one()
        settings = hashlib.sha1(self.settings(shop_id).to_json().encode()).hexdigest()[:12]
        return f"{now.date().isoformat()}|{tuple(customers)}|{tuple(orders)}|{settings}"

    def mark_computed(self, shop_id: int, fingerprint: str, at: datetime) -> None:
        row = self.s.get(CrmStateRow, shop_id)
        if row is None:
            row = CrmStateRow(shop_id=shop_id, settings_json=RfmSettings().to_json())
            self.s.add(row)
        row.fingerprint = fingerprint
        row.computed_at = at
        self.s.flush()

    def refresh_stats(
        self, shop_id: int, now: datetime, settings: RfmSettings, customer_ids: Sequence[int] | None = None
    ) -> None:
        """Recompute order statistics, RFM scores and segments (every customer, or just ``customer_ids``)."""
        if customer_ids is None:
            self._refresh_part(shop_id, now, settings, None)
        else:
            for part in chunks(sorted(set(customer_ids))):
                self._refresh_part(shop_id, now, settings, part)

    def _refresh_part(self, shop_id: int, now: datetime, settings: RfmSettings, ids: Sequence[int] | None) -> None:
        st = STATS
        purchases = select(
            OD.customer_id.label("customer_id"),
            func.count().label("n"),
            func.sum(OD.total_cents).label("total"),
            func.min(OD.created_at).label("first"),
            func.max(OD.created_at).label("last"),
        ).where(OD.shop_id == shop_id, OD.state.in_(PURCHASE_VALUES))
        wipe = delete(st).where(st.c.shop_id == shop_id)
        customer_cond = C.shop_id == shop_id
        if ids is not None:
            purchases = purchases.where(OD.customer_id.in_(ids))
            wipe = wipe.where(st.c.customer_id.in_(ids))
            customer_cond = and_(customer_cond, C.id.in_(ids))
        agg = purchases.group_by(OD.customer_id).subquery()
        source = (
            select(
                C.id,
                C.shop_id,
                func.coalesce(agg.c.n, 0),
                func.coalesce(agg.c.total, 0),
                agg.c.first,
                func.coalesce(agg.c.last, literal(NO_ORDER_AT, DateTime)),
            )
            .select_from(CUSTOMERS.outerjoin(agg, agg.c.customer_id == C.id))
            .where(customer_cond)
        )
        self.s.execute(wipe)
        self.s.execute(
            insert(st).from_select(
                ["customer_id", "shop_id", "order_count", "total_cents", "first_order_at", "last_order_at"], source
            )
        )
        self.s.execute(self._score_update(shop_id, now, settings, ids))

    @staticmethod
    def _score_update(shop_id: int, now: datetime, settings: RfmSettings, ids: Sequence[int] | None) -> Any:
        st = STATS.c
        none = st.order_count <= 0

        def since(days: int) -> datetime:
            return now - timedelta(days=days)

        r = case(
            (none, 0),
            *[
                (st.last_order_at >= since(d), score)
                for score, d in zip((5, 4, 3, 2), settings.recency_days, strict=True)
            ],
            else_=1,
        )

        def up(col: Any, thresholds: Sequence[int]) -> Any:
            return case(
                (none, 0),
                *[(col >= t, score) for score, t in zip((5, 4, 3, 2), reversed(thresholds), strict=True)],
                else_=1,
            )

        segment = case(
            (none, Segment.NONE.value),
            (st.last_order_at < since(settings.churned_days), Segment.CHURNED.value),
            (st.last_order_at < since(settings.at_risk_days), Segment.AT_RISK.value),
            (
                and_(st.order_count >= settings.high_value_orders, st.total_cents >= settings.high_value_cents),
                Segment.HIGH_VALUE.value,
            ),
            (and_(st.order_count == 1, st.last_order_at >= since(settings.new_days)), Segment.NEW.value),
            else_=Segment.POTENTIAL.value,
        )
        statement = update(STATS).where(st.shop_id == shop_id)
        if ids is not None:
            statement = statement.where(st.customer_id.in_(ids))
        return statement.values(
            r_score=r,
            f_score=up(st.order_count, settings.frequency_orders),
            m_score=up(st.total_cents, settings.monetary_cents),
            segment=segment,
        )

    def stats_of(self, customer_id: int) -> CustomerStats:
        row = self.s.execute(
            select(
                ST.order_count, ST.total_cents, ST.first_order_at, ST.last_order_at, ST.r_score, ST.f_score,
                ST.m_score, ST.segment,
            ).where(ST.customer_id == customer_id)
        ).first()  # fmt: skip
        return _stats(row) if row is not None else CustomerStats()

    def apply_member_levels(self, shop_id: int, settings: RfmSettings) -> int:
        """Set every customer's member level from total spend (statistics must be current)."""
        level = case(
            *[
                (ST.total_cents >= t, name)
                for name, t in reversed(list(zip(MEMBER_LEVELS[1:], settings.level_cents, strict=True)))
            ],
            else_=MEMBER_LEVELS[0],
        )
        wanted = select(level).where(ST.customer_id == C.id).scalar_subquery()
        has_stats = exists().where(ST.customer_id == C.id)
        result = self.s.execute(
            update(CUSTOMERS)
            .where(C.shop_id == shop_id, has_stats, C.member_level != wanted)
            .values(member_level=wanted)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    # -- dashboard ----------------------------------------------------------------------------

    def dashboard(self, shop_id: int, settings: RfmSettings, computed_at: datetime | None) -> Dashboard:
        seg_rows = self.s.execute(
            select(ST.segment, func.count(), func.coalesce(func.sum(ST.total_cents), 0), func.sum(ST.order_count))
            .where(ST.shop_id == shop_id)
            .group_by(ST.segment)
        ).all()
        by_segment = {Segment(s): SegmentStat(Segment(s), n, int(t), int(o or 0)) for s, n, t, o in seg_rows}
        segments = tuple(by_segment.get(s, SegmentStat(s, 0, 0, 0)) for s in Segment)
        buyer = case((ST.order_count >= 1, 1), else_=0)
        repeat = case((ST.order_count >= 2, 1), else_=0)
        src_rows = self.s.execute(
            select(C.traffic_source, func.count(), func.sum(buyer), func.sum(repeat))
            .select_from(CUSTOMERS.join(STATS, ST.customer_id == C.id))
            .where(C.shop_id == shop_id)
            .group_by(C.traffic_source)
        ).all()
        sources = tuple(
            sorted(
                (SourceStat(src or "", n, int(b or 0), int(r or 0)) for src, n, b, r in src_rows),
                key=lambda s: -s.customers,
            )
        )
        level_rows: dict[str, int] = dict(
            self.s.execute(
                select(C.member_level, func.count()).where(C.shop_id == shop_id).group_by(C.member_level)
            ).all()
        )
        levels = tuple((name, int(level_rows.pop(name, 0))) for name in MEMBER_LEVELS)
        levels += tuple(sorted((k or "", int(v)) for k, v in level_rows.items()))
        return Dashboard(
            computed_at=computed_at,
            customers=sum(s.customers for s in segments),
            buyers=sum(s.buyers for s in sources),
            repeat_buyers=sum(s.repeat_buyers for s in sources),
            total_cents=sum(s.total_cents for s in segments),
            orders=sum(s.orders for s in segments),
            segments=segments,
            sources=sources,
            levels=levels,
            settings=settings,
        )

    # -- tag library ----------------------------------------------------------------------------

    def tag_usage(self, shop_id: int) -> list[TagUsage]:
        """Every stored tag with its usage, plus the official ones derived from customer fields."""
        counts: dict[int, int] = dict(
            self.s.execute(
                select(CT.tag_id, func.count())
                .join(TagRow, TagRow.id == CT.tag_id)
                .where(TagRow.shop_id == shop_id)
                .group_by(CT.tag_id)
            ).all()
        )
        stored = self.s.scalars(
            select(TagRow).where(TagRow.shop_id == shop_id).order_by(TagRow.group_name, TagRow.name)
        )
        usage = [
            TagUsage(t.id, t.name, t.color, t.group_name, t.official, int(counts.get(t.id, 0)))
            for t in stored
            if not (t.official and (t.name == VIP_TAG or t.name in CREDIT_TIERS))
        ]
        vip = self.s.scalar(select(func.count()).where(C.shop_id == shop_id, C.is_88vip.is_(True))) or 0
        official = [TagUsage(0, VIP_TAG, "#262626", "", True, int(vip))]
        tiers: dict[str, int] = defaultdict(int)
        for level, n in self.s.execute(
            select(C.credit_level, func.count()).where(C.shop_id == shop_id).group_by(C.credit_level)
        ).all():
            tier = credit_tier(level or "")
            if tier:
                tiers[tier] += int(n)
        official += [TagUsage(0, tier, "#d48806", "", True, tiers.get(tier, 0)) for tier in CREDIT_TIERS]
        return official + usage

    def tag(self, tag_id: int) -> Tag | None:
        row = self.s.get(TagRow, tag_id)
        if row is None:
            return None
        return Tag(id=row.id, name=row.name, color=row.color, group=row.group_name, official=row.official)

    def tag_by_name(self, shop_id: int, name: str) -> Tag | None:
        row = self.s.scalars(select(TagRow).where(TagRow.shop_id == shop_id, TagRow.name == name)).first()
        return self.tag(row.id) if row else None

    def create_tag(self, shop_id: int, name: str, color: str, group: str) -> Tag:
        if self.tag_by_name(shop_id, name) is not None:
            raise DomainError("tag.exists", field="tag", name=name)
        row = TagRow(shop_id=shop_id, name=name, color=color, group_name=group, official=False)
        self.s.add(row)
        self.s.flush()
        tag = self.tag(row.id)
        assert tag is not None
        return tag

    def update_tag(
        self, shop_id: int, tag_id: int, *, name: str | None = None, color: str | None = None, group: str | None = None
    ) -> Tag:
        row = self._own_tag(shop_id, tag_id)
        if name is not None and name != row.name:
            other = self.tag_by_name(shop_id, name)
            if other is not None:
                raise DomainError("tag.exists", field="tag", name=name)
            row.name = name
        if color is not None:
            row.color = color
        if group is not None:
            row.group_name = group
        self.s.flush()
        tag = self.tag(row.id)
        assert tag is not None
        return tag

    def _own_tag(self, shop_id: int, tag_id: int) -> TagRow:
        row = self.s.get(TagRow, tag_id)
        if row is None or row.shop_id != shop_id:
            raise DomainError("tag.missing", field="tag")
        if row.official:
            raise DomainError("tag.official", field="tag", name=row.name)
        return row

    def merge_tags(self, shop_id: int, source_ids: Sequence[int], target_id: int) -> int:
        """Give the sources' customers the target tag, then delete the sources; returns customers moved."""
        self._own_tag(shop_id, target_id)
        sources = [i for i in dict.fromkeys(source_ids) if i != target_id]
        moved = 0
        for source_id in sources:
            self._own_tag(shop_id, source_id)
            ct2 = CUSTOMER_TAGS.alias("ct2")
            moved += self._insert_from_select(
                CUSTOMER_TAGS,
                ["customer_id", "tag_id", "created_at"],
                select(CT.customer_id, literal(target_id), CT.created_at).where(
                    CT.tag_id == source_id,
                    ~exists().where(ct2.c.customer_id == CT.customer_id, ct2.c.tag_id == target_id),
                ),
            )
            self.s.execute(delete(CUSTOMER_TAGS).where(CT.tag_id == source_id))
            self.s.execute(delete(TAGS).where(TagRow.id == source_id))
        self.s.flush()
        return moved

    def delete_tag(self, shop_id: int, tag_id: int) -> int:
        self._own_tag(shop_id, tag_id)
        used = self.s.scalar(select(func.count()).where(CT.tag_id == tag_id)) or 0
        self.s.execute(delete(CUSTOMER_TAGS).where(CT.tag_id == tag_id))
        self.s.execute(delete(TAGS).where(TagRow.id == tag_id))
        return int(used)

    def bulk_tag(self, shop_id: int, selection: Selection, tag_id: int, at: datetime) -> int:
        """Add a tag to every selected customer who lacks it; returns how many got it."""
        self._own_tag(shop_id, tag_id)
        has_tag = exists().where(CT.customer_id == C.id, CT.tag_id == tag_id)
        if selection.filter is not None:
            source = select(C.id, literal(tag_id), literal(at, DateTime)).where(
                C.id.in_(self.filtered_ids(shop_id, selection.filter)), ~has_tag
            )
            return self._insert_from_select(CUSTOMER_TAGS, ["customer_id", "tag_id", "created_at"], source)
        added = 0
        for part in chunks(list(selection.ids)):
            missing = list(self.s.scalars(select(C.id).where(C.id.in_(part), C.shop_id == shop_id, ~has_tag)))
            if missing:
                self.s.execute(
                    insert(CUSTOMER_TAGS),
                    [{"customer_id": cid, "tag_id": tag_id, "created_at": at} for cid in missing],
                )
                added += len(missing)
        return added

    def bulk_untag(self, shop_id: int, selection: Selection, tag_id: int) -> int:
        self._own_tag(shop_id, tag_id)
        if selection.filter is not None:
            result = self.s.execute(
                delete(CUSTOMER_TAGS).where(
                    CT.tag_id == tag_id, CT.customer_id.in_(self.filtered_ids(shop_id, selection.filter))
                )
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]
        removed = 0
        for part in chunks(list(selection.ids)):
            result = self.s.execute(
                delete(CUSTOMER_TAGS).where(
                    CT.tag_id == tag_id,
                    CT.customer_id.in_(select(C.id).where(C.id.in_(part), C.shop_id == shop_id)),
                )
            )
            removed += int(result.rowcount or 0)  # type: ignore[attr-defined]
        return removed

    def tag_events(self, customer_id: int) -> list[tuple[datetime, Tag]]:
        rows = self.s.execute(
            select(CT.created_at, TagRow).join(TagRow, TagRow.id == CT.tag_id).where(CT.customer_id == customer_id)
        ).all()
        return [
            (at, Tag(id=t.id, name=t.name, color=t.color, group=t.group_name, official=t.official)) for at, t in rows
        ]

    # -- groups -------------------------------------------------------------------------------

    @staticmethod
    def _group(row: CustomerGroupRow) -> CustomerGroup:
        kind = GroupKind(row.kind)
        try:
            f = CustomerFilter.from_json(row.filter_json) if kind is GroupKind.FILTER else CustomerFilter()
        except DomainError:
            f = CustomerFilter()
        return CustomerGroup(id=row.id, name=row.name, kind=kind, filter=f, created_at=row.created_at, note=row.note)

    def groups(self, shop_id: int) -> list[CustomerGroup]:
        rows = self.s.scalars(
            select(CustomerGroupRow).where(CustomerGroupRow.shop_id == shop_id).order_by(CustomerGroupRow.id)
        )
        return [self._group(r) for r in rows]

    def group(self, shop_id: int, group_id: int) -> CustomerGroup:
        return self._group(self._own_group(shop_id, group_id))

    def _own_group(self, shop_id: int, group_id: int) -> CustomerGroupRow:
        row = self.s.get(CustomerGroupRow, group_id)
        if row is None or row.shop_id != shop_id:
            raise DomainError("group.missing")
        return row

    def _check_group_name(self, shop_id: int, name: str, except_id: int = 0) -> None:
        clash = self.s.scalar(
            select(CustomerGroupRow.id).where(
                CustomerGroupRow.shop_id == shop_id, CustomerGroupRow.name == name, CustomerGroupRow.id != except_id
            )
        )
        if clash is not None:
            raise DomainError("group.exists", field="name", name=name)

    def create_group(
        self, shop_id: int, name: str, kind: GroupKind, f: CustomerFilter, at: datetime, note: str = ""
    ) -> CustomerGroup:
        self._check_group_name(shop_id, name)
        row = CustomerGroupRow(
            shop_id=shop_id,
            name=name,
            kind=kind.value,
            filter_json=f.to_json() if kind is GroupKind.FILTER else "{}",
            note=note,
            created_at=at,
        )
        self.s.add(row)
        self.s.flush()
        return self._group(row)

    def update_group(
        self, shop_id: int, group_id: int, *, name: str | None = None, f: CustomerFilter | None = None
    ) -> CustomerGroup:
        row = self._own_group(shop_id, group_id)
        if name is not None and name != row.name:
            self._check_group_name(shop_id, name, except_id=group_id)
            row.name = name
        if f is not None:
            if row.kind != GroupKind.FILTER.value:
                raise DomainError("group.static")
            row.filter_json = f.to_json()
        self.s.flush()
        return self._group(row)

    def delete_group(self, shop_id: int, group_id: int) -> None:
        self._own_group(shop_id, group_id)
        self.s.execute(delete(GROUPS).where(CustomerGroupRow.id == group_id))

    def rewrite_group_filters(self, shop_id: int, removed: Sequence[int], merged_into: int | None) -> None:
        """Keep saved filters pointing at live tags after a merge or delete."""
        for row in self.s.scalars(
            select(CustomerGroupRow).where(
                CustomerGroupRow.shop_id == shop_id, CustomerGroupRow.kind == GroupKind.FILTER.value
            )
        ):
            try:
                f = CustomerFilter.from_json(row.filter_json)
            except DomainError:
                continue
            new = f.with_tag_merged(removed, merged_into) if merged_into is not None else f.without_tags(removed)
            if new != f:
                row.filter_json = new.to_json()
        self.s.flush()

    def add_members(self, shop_id: int, group_id: int, selection: Selection, at: datetime) -> int:
        row = self._own_group(shop_id, group_id)
        if row.kind != GroupKind.STATIC.value:
            raise DomainError("group.not_static")
        gm = GROUP_MEMBERS.c
        member = exists().where(gm.group_id == group_id, gm.customer_id == C.id)
        if selection.filter is not None:
            source = select(literal(group_id), C.id, literal(at, DateTime)).where(
                C.id.in_(self.filtered_ids(shop_id, selection.filter)), ~member
            )
            return self._insert_from_select(GROUP_MEMBERS, ["group_id", "customer_id", "added_at"], source)
        added = 0
        for part in chunks(list(selection.ids)):
            missing = list(self.s.scalars(select(C.id).where(C.id.in_(part), C.shop_id == shop_id, ~member)))
            if missing:
                self.s.execute(
                    insert(GROUP_MEMBERS),
                    [{"group_id": group_id, "customer_id": cid, "added_at": at} for cid in missing],
                )
                added += len(missing)
        return added

    def remove_members(self, shop_id: int, group_id: int, customer_ids: Sequence[int]) -> int:
        self._own_group(shop_id, group_id)
        gm = GROUP_MEMBERS.c
        removed = 0
        for part in chunks(list(customer_ids)):
            result = self.s.execute(delete(GROUP_MEMBERS).where(gm.group_id == group_id, gm.customer_id.in_(part)))
            removed += int(result.rowcount or 0)  # type: ignore[attr-defined]
        return removed

    def static_groups_of(self, customer_id: int) -> list[CustomerGroup]:
        rows = self.s.scalars(
            select(CustomerGroupRow)
            .join(CustomerGroupMemberRow, CustomerGroupMemberRow.group_id == CustomerGroupRow.id)
            .where(CustomerGroupMemberRow.customer_id == customer_id)
            .order_by(CustomerGroupRow.name)
        )
        return [self._group(r) for r in rows]

    # -- profile --------------------------------------------------------------------------------

    def extras(self, customer_id: int) -> CustomerExtras:
        row = self.s.get(CustomerExtrasRow, customer_id)
        if row is None:
            return CustomerExtras()
        return CustomerExtras(row.style, row.size, row.height_cm, row.weight_jin, row.birthday)

    def save_extras(self, customer_id: int, extras: CustomerExtras) -> None:
        row = self.s.get(CustomerExtrasRow, customer_id)
        if row is None:
            row = CustomerExtrasRow(customer_id=customer_id)
            self.s.add(row)
        row.style, row.size = extras.style, extras.size
        row.height_cm, row.weight_jin, row.birthday = extras.height_cm, extras.weight_jin, extras.birthday
        self.s.flush()

    def edit_customer(self, shop_id: int, customer_id: int, edit: ProfileEdit) -> None:
        row = self.s.get(CustomerRow, customer_id)
        if row is None or row.shop_id != shop_id:
            raise DomainError("customer.missing")
        for name in ("name", "phone", "gender", "city", "traffic_source", "member_level", "points", "preferences"):
            value = getattr(edit, name)
            if value is not None:
                setattr(row, name, value)
        extras = self.extras(customer_id)
        changed = {
            name: getattr(edit, name)
            for name in ("style", "size", "height_cm", "weight_jin", "birthday")
            if getattr(edit, name) is not None
        }
        if changed:
            self.save_extras(customer_id, replace(extras, **changed))
        self.s.flush()

    def chats(self, customer_id: int, limit: int = 50) -> list[ChatSummary]:
        count = select(func.count()).where(MessageRow.conversation_id == ConversationRow.id).scalar_subquery()
        rows = self.s.execute(
            select(ConversationRow, count)
            .where(ConversationRow.customer_id == customer_id)
            .order_by(ConversationRow.started_at.desc())
            .limit(limit)
        ).all()
        return [ChatSummary(c.id, c.started_at, c.last_message_at, c.state, c.last_message, int(n)) for c, n in rows]

    # -- care templates -------------------------------------------------------------------------

    def templates(self, shop_id: int) -> list[CareTemplate]:
        rows = self.s.scalars(
            select(CareTemplateRow).where(CareTemplateRow.shop_id == shop_id).order_by(CareTemplateRow.id)
        )
        return [CareTemplate(r.id, r.name, r.text) for r in rows]

    def template(self, shop_id: int, template_id: int) -> CareTemplate:
        row = self.s.get(CareTemplateRow, template_id)
        if row is None or row.shop_id != shop_id:
            raise DomainError("template.missing")
        return CareTemplate(row.id, row.name, row.text)

    def save_template(self, shop_id: int, template_id: int | None, name: str, text: str) -> CareTemplate:
        clash = self.s.scalar(
            select(CareTemplateRow.id).where(
                CareTemplateRow.shop_id == shop_id,
                CareTemplateRow.name == name,
                CareTemplateRow.id != (template_id or 0),
            )
        )
        if clash is not None:
            raise DomainError("template.exists", field="name", name=name)
        if template_id is None:
            row = CareTemplateRow(shop_id=shop_id, name=name, text=text)
            self.s.add(row)
        else:
            found = self.s.get(CareTemplateRow, template_id)
            if found is None or found.shop_id != shop_id:
                raise DomainError("template.missing")
            row = found
            row.name, row.text = name, text
        self.s.flush()
        return CareTemplate(row.id, row.name, row.text)

    def delete_template(self, shop_id: int, template_id: int) -> None:
        self.template(shop_id, template_id)
        self.s.execute(delete(TEMPLATES).where(CareTemplateRow.id == template_id))

    # -- follow-up rules -----------------------------------------------------------------------

    @staticmethod
    def _rule(row: FollowUpRuleRow) -> FollowUpRule:
        return FollowUpRule(
            row.id, row.name, RuleTrigger(row.trigger), row.min_days, row.max_days, row.template_id, row.enabled
        )

    def rules(self, shop_id: int) -> list[FollowUpRule]:
        rows = self.s.scalars(
            select(FollowUpRuleRow).where(FollowUpRuleRow.shop_id == shop_id).order_by(FollowUpRuleRow.id)
        )
        return [self._rule(r) for r in rows]

    def save_rule(self, shop_id: int, rule: FollowUpRule) -> FollowUpRule:
        rule = rule.validated()
        if rule.template_id is not None:
            self.template(shop_id, rule.template_id)
        if rule.id:
            row = self.s.get(FollowUpRuleRow, rule.id)
            if row is None or row.shop_id != shop_id:
                raise DomainError("rule.missing")
        else:
            row = FollowUpRuleRow(shop_id=shop_id)
            self.s.add(row)
        row.name, row.trigger = rule.name, rule.trigger.value
        row.min_days, row.max_days = rule.min_days, rule.max_days
        row.template_id, row.enabled = rule.template_id, rule.enabled
        self.s.flush()
        return self._rule(row)

    def delete_rule(self, shop_id: int, rule_id: int) -> None:
        row = self.s.get(FollowUpRuleRow, rule_id)
        if row is None or row.shop_id != shop_id:
            raise DomainError("rule.missing")
        self.s.execute(delete(RULES).where(FollowUpRuleRow.id == rule_id))

    def rule_candidates(
        self, shop_id: int, rule: FollowUpRule, now: datetime
    ) -> list[tuple[int, int | None, datetime]]:
        """(customer id, order id, due) for what a rule should schedule now and has not scheduled yet."""
        fu = FOLLOWUPS.c
        today = datetime.combine(now.date(), time())
        if rule.trigger is RuleTrigger.SIGNED:
            scheduled = exists().where(fu.order_id == OD.id, fu.rule_id == rule.id)
            rows = self.s.execute(
                select(OD.customer_id, OD.id, OD.signed_at)
                .where(
                    OD.shop_id == shop_id,
                    OD.signed_at.is_not(None),
                    OD.signed_at <= now,
                    OD.signed_at >= now - timedelta(days=rule.max_days),
                    OD.state.in_(PURCHASE_VALUES),
                    ~scheduled,
                )
                .order_by(OD.signed_at, OD.id)
            ).all()
            return [(cid, oid, max(signed + timedelta(days=rule.min_days), today)) for cid, oid, signed in rows]
        recent = exists().where(
            fu.customer_id == ST.customer_id,
            fu.rule_id == rule.id,
            fu.created_at >= now - timedelta(days=rule.max_days),
        )
        ids = self.s.scalars(
            select(ST.customer_id)
            .where(ST.shop_id == shop_id, ST.segment == Segment.AT_RISK.value, ~recent)
            .order_by(ST.customer_id)
        )
        return [(cid, None, today + timedelta(days=rule.min_days)) for cid in ids]

    # -- follow-ups ---------------------------------------------------------------------------

    def add_followups(self, shop_id: int, rows: Iterable[dict[str, Any]]) -> int:
        values = [{"shop_id": shop_id, **r} for r in rows]
        if values:
            for start in range(0, len(values), CHUNK):
                self.s.execute(insert(FOLLOWUPS), values[start : start + CHUNK])
        return len(values)

    def add_followup(self, shop_id: int, **values: Any) -> int:
        row = FollowUpRow(shop_id=shop_id, **values)
        self.s.add(row)
        self.s.flush()
        return row.id

    def _followup_query(self, shop_id: int) -> Any:
        return (
            select(FollowUpRow, CustomerRow.nick, CustomerRow.phone, OrderRow.order_no)
            .join(CustomerRow, CustomerRow.id == FollowUpRow.customer_id)
            .outerjoin(OrderRow, OrderRow.id == FollowUpRow.order_id)
            .where(FollowUpRow.shop_id == shop_id)
        )

    @staticmethod
    def _view_conditions(view: FollowUpView, now: datetime) -> list[ColumnElement[bool]]:
        fu = FOLLOWUPS.c
        today = datetime.combine(now.date(), time())
        tomorrow = today + timedelta(days=1)
        pending = fu.status == FollowUpStatus.PENDING.value
        match view:
            case FollowUpView.DUE:
                return [pending, fu.due_at < tomorrow]
            case FollowUpView.OVERDUE:
                return [pending, fu.due_at < today]
            case FollowUpView.UPCOMING:
                return [pending, fu.due_at >= tomorrow]
            case FollowUpView.AWAITING:
                return [fu.status == FollowUpStatus.SENT.value]
            case FollowUpView.DONE:
                return [fu.status.in_((FollowUpStatus.DONE.value, FollowUpStatus.CANCELLED.value))]
        return []

    @staticmethod
    def _followup(row: FollowUpRow, nick: str, phone: str, order_no: str | None) -> FollowUp:
        return FollowUp(
            id=row.id,
            customer_id=row.customer_id,
            customer_nick=nick,
            phone_masked=masked_phone(phone),
            due_at=row.due_at,
            status=FollowUpStatus(row.status),
            source=FollowUpSource(row.source),
            reason=row.reason,
            order_id=row.order_id,
            order_no=order_no or "",
            rule_id=row.rule_id,
            template_id=row.template_id,
            message=row.message,
            sent_at=row.sent_at,
            outcome=FollowUpOutcome(row.outcome) if row.outcome else None,
            outcome_note=row.outcome_note,
            done_at=row.done_at,
            agent=row.agent,
            created_at=row.created_at,
        )

    def followup_count(self, shop_id: int, view: FollowUpView, now: datetime) -> int:
        fu = FOLLOWUPS.c
        query = select(func.count()).where(fu.shop_id == shop_id, *self._view_conditions(view, now))
        return int(self.s.execute(query).scalar_one())

    def followups(self, shop_id: int, view: FollowUpView, now: datetime, offset: int, limit: int) -> list[FollowUp]:
        fu = FOLLOWUPS.c
        query = self._followup_query(shop_id).where(*self._view_conditions(view, now))
        if view is FollowUpView.DONE:
            query = query.order_by(fu.done_at.desc(), fu.id.desc())
        elif view is FollowUpView.AWAITING:
            query = query.order_by(fu.sent_at.desc(), fu.id.desc())
        else:
            query = query.order_by(fu.due_at, fu.id)
        return [self._followup(*r) for r in self.s.execute(query.offset(offset).limit(limit)).all()]

    def followups_of(self, customer_id: int, limit: int = 100) -> list[FollowUp]:
        fu = FOLLOWUPS.c
        rows = self.s.execute(
            select(FollowUpRow, CustomerRow.nick, CustomerRow.phone, OrderRow.order_no)
            .join(CustomerRow, CustomerRow.id == FollowUpRow.customer_id)
            .outerjoin(OrderRow, OrderRow.id == FollowUpRow.order_id)
            .where(fu.customer_id == customer_id)
            .order_by(fu.due_at.desc(), fu.id.desc())
            .limit(limit)
        ).all()
        return [self._followup(*r) for r in rows]

    def followup(self, shop_id: int, followup_id: int) -> FollowUp:
        found = self.s.execute(self._followup_query(shop_id).where(FollowUpRow.id == followup_id)).first()
        if found is None:
            raise DomainError("followup.missing")
        return self._followup(*found)

    def update_followup(self, shop_id: int, followup_id: int, **values: Any) -> FollowUp:
        row = self.s.get(FollowUpRow, followup_id)
        if row is None or row.shop_id != shop_id:
            raise DomainError("followup.missing")
        for key, value in values.items():
            setattr(row, key, value)
        self.s.flush()
        return self.followup(shop_id, followup_id)

    def care_values(self, customer_id: int, order_id: int | None) -> dict[str, str]:
        """Placeholder values for a care message to this customer (about this order, if any)."""
        row = self.s.get(CustomerRow, customer_id)
        if row is None:
            raise DomainError("customer.missing")
        values = {
            "买家昵称": row.nick,
            "姓名": row.name or row.nick,
            "会员等级": row.member_level,
            "积分": str(row.points),
        }
        order = self.s.get(OrderRow, order_id) if order_id else None
        if order is None:
            order = self.s.scalars(
                select(OrderRow).where(OrderRow.customer_id == customer_id).order_by(OrderRow.created_at.desc())
            ).first()
        if order is not None:
            values["订单号"] = order.order_no
            values["商品"] = order.items[0].title if order.items else ""
        return values

    # -- import / export ------------------------------------------------------------------------

    def customers_by_nick(self, shop_id: int, nicks: Sequence[str]) -> dict[str, tuple[int, str]]:
        """nick → (id, phone) for the nicks that exist."""
        out: dict[str, tuple[int, str]] = {}
        values = list(dict.fromkeys(nicks))
        for start in range(0, len(values), CHUNK):
            part = values[start : start + CHUNK]
            for cid, nick, phone in self.s.execute(
                select(C.id, C.nick, C.phone).where(C.shop_id == shop_id, C.nick.in_(part))
            ):
                out[nick] = (cid, phone)
        return out

    def customers_by_phone(self, shop_id: int, phones: Sequence[str]) -> dict[str, tuple[int, str]]:
        """phone → (id, nick) for the phones that exist (the first customer when several share one)."""
        out: dict[str, tuple[int, str]] = {}
        values = [p for p in dict.fromkeys(phones) if p]
        for start in range(0, len(values), CHUNK):
            part = values[start : start + CHUNK]
            for cid, nick, phone in self.s.execute(
                select(C.id, C.nick, C.phone).where(C.shop_id == shop_id, C.phone.in_(part)).order_by(C.id)
            ):
                out.setdefault(phone, (cid, nick))
        return out

    def customer_row(self, shop_id: int, customer_id: int) -> CustomerRow:
        row = self.s.get(CustomerRow, customer_id)
        if row is None or row.shop_id != shop_id:
            raise DomainError("customer.missing")
        return row

    def add_customer_rows(self, rows: Sequence[CustomerRow]) -> None:
        self.s.add_all(rows)
        self.s.flush()

    def orders_by_number(self, order_nos: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        values = list(dict.fromkeys(order_nos))
        for start in range(0, len(values), CHUNK):
            part = values[start : start + CHUNK]
            out.update(self.s.execute(select(OD.order_no, OD.id).where(OD.order_no.in_(part))).all())
        return out

    def order_row(self, order_id: int) -> OrderRow:
        row = self.s.get(OrderRow, order_id)
        if row is None:
            raise DomainError("order.missing")
        return row

    def export_orders(self, customer_ids: Sequence[int]) -> Iterator[tuple[OrderRow, str]]:
        """Orders of these customers with the buyer's nick, newest first per batch of customers."""
        for part in chunks(customer_ids):
            rows = self.s.execute(
                select(OrderRow, C.nick)
                .join(CUSTOMERS, C.id == OrderRow.customer_id)
                .where(OrderRow.customer_id.in_(part))
                .order_by(OrderRow.customer_id, OrderRow.created_at.desc())
            ).all()
            yield from ((o, nick) for o, nick in rows)
