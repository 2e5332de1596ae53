"""Order statistics per customer (customer_stats), RFM scores and segments, their settings, member
levels from spend, and the dashboard that sums them up.

Statistics are kept current by the writers: every repository method that writes orders or creates
customers calls `touch` for the customers concerned, in the same transaction (set-based: DELETE +
INSERT … SELECT + one UPDATE for those customers, through the orders' customer index). Scores and
segments also depend on the date: they are as of ``crm_state.computed_at`` and `age` moves them on
once a day, rescoring only the rows that crossed a threshold. `rebuild` recounts the whole shop
(maintenance, bulk loads). The rules they implement live in ``workbench.domain.crm``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, Select, and_, case, delete, exists, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from workbench.domain.crm import (
    MEMBER_LEVELS,
    CustomerStats,
    Dashboard,
    RfmSettings,
    Segment,
    SegmentStat,
    SourceStat,
)
from workbench.storage.repositories.customer_sql import (
    CUSTOMER,
    CUSTOMER_STATS,
    CUSTOMERS,
    ORDER,
    PURCHASE_VALUES,
    STATS,
    chunks,
    stats_from_row,
)
from workbench.storage.tables_crm import NO_ORDER_AT, CrmStateRow


class CustomerStatsRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # -- settings and freshness -----------------------------------------------------------------

    def settings(self, shop_id: int) -> RfmSettings:
        row = self.s.get(CrmStateRow, shop_id)
        return RfmSettings.from_json(row.settings_json) if row else RfmSettings()

    def save_settings(self, shop_id: int, settings: RfmSettings) -> None:
        row = self.s.get(CrmStateRow, shop_id)
        if row is None:
            row = CrmStateRow(shop_id=shop_id, fingerprint="")
            self.s.add(row)
        row.settings_json = settings.validated().to_json()
        row.computed_at = None  # the next `age` rescores every row with the new thresholds
        self.s.flush()

    def computed(self, shop_id: int) -> datetime | None:
        """The moment the shop's scores and segments are as of (None: not scored yet)."""
        row = self.s.get(CrmStateRow, shop_id)
        return row.computed_at if row else None

    def _mark_scored(self, shop_id: int, at: datetime) -> None:
        row = self.s.get(CrmStateRow, shop_id)
        if row is None:
            row = CrmStateRow(shop_id=shop_id, settings_json=RfmSettings().to_json(), fingerprint="")
            self.s.add(row)
        row.computed_at = at
        self.s.flush()

    # -- kept as orders and customers are written -----------------------------------------------

    def touch(self, shop_id: int, customer_ids: Iterable[int]) -> None:
        """Recompute these customers' statistics from their orders (through the orders' customer index)
        and score them as of the shop's scoring moment: called in the transaction that wrote their
        orders or created them, so the list never needs a shop-wide recount."""
        ids = sorted(set(customer_ids))
        if ids:
            at, settings = self.computed(shop_id), self.settings(shop_id)
            for part in chunks(ids):
                self._lock(CUSTOMER.id.in_(part))
                self._refresh_part(shop_id, at, settings, part)

    def touch_of(self, shop_id: int, ids: Select[tuple[int]]) -> None:
        """`touch` for the customers a query selects (an import's thousands, in three statements)."""
        self._lock(CUSTOMER.id.in_(ids))
        self._refresh_part(shop_id, self.computed(shop_id), self.settings(shop_id), ids)

    def _lock(self, which: Any) -> None:
        """On PostgreSQL, two desks writing orders of one buyer would both delete and re-insert the
        buyer's statistics row: the second insert would collide. Locking the customers first (in id
        order) makes the second wait, then recount with the first one's orders in view. FOR NO KEY
        UPDATE: the orders' foreign-key checks hold KEY SHARE on the same rows and must not conflict."""
        if self.s.get_bind().dialect.name == "postgresql":
            locking = select(CUSTOMER.id).where(which).order_by(CUSTOMER.id).with_for_update(key_share=True)
            self.s.execute(locking)

    def age(self, shop_id: int, now: datetime) -> bool:
        """Bring scores and segments to ``now`` once a day (they depend on the days since the last
        purchase). Only rows whose last purchase crossed a threshold since the last scoring are
        rescored, through the last-order index; every row (statistics only, never the orders) when
        the shop was never scored or its settings changed. True if anything was rescored."""
        scored_at = self.computed(shop_id)
        if scored_at is not None and scored_at.date() == now.date() and scored_at <= now:
            return False
        settings = self.settings(shop_id)
        statement = self._score_update(shop_id, now, settings, None)
        if scored_at is not None and scored_at <= now:
            thresholds = {*settings.recency_days, settings.churned_days, settings.at_risk_days, settings.new_days}
            windows = [
                and_(
                    STATS.last_order_at >= scored_at - timedelta(days=d), STATS.last_order_at < now - timedelta(days=d)
                )
                for d in sorted(thresholds)
            ]
            statement = statement.where(STATS.order_count > 0, or_(*windows))
        self.s.execute(statement)
        self._mark_scored(shop_id, now)
        return True

    def rebuild(self, shop_id: int, now: datetime) -> None:
        """Recount every customer's statistics from the orders and score them as of ``now`` (maintenance,
        and after bulk loads that bypass the repositories)."""
        self._refresh_part(shop_id, now, self.settings(shop_id), None)
        self._mark_scored(shop_id, now)

    # -- recomputing ----------------------------------------------------------------------------

    def refresh_stats(
        self, shop_id: int, now: datetime, settings: RfmSettings, customer_ids: Sequence[int] | None = None
    ) -> None:
        """Recompute order statistics, RFM scores and segments (every customer, or just ``customer_ids``)."""
        if customer_ids is None:
            self._refresh_part(shop_id, now, settings, None)
        else:
            for part in chunks(sorted(set(customer_ids))):
                self._refresh_part(shop_id, now, settings, part)

    def refresh_stats_of(self, shop_id: int, now: datetime, settings: RfmSettings, ids: Select[tuple[int]]) -> None:
        """`refresh_stats` for the customers a query selects (an import's thousands, in three statements)."""
        self._refresh_part(shop_id, now, settings, ids)

    def _refresh_part(
        self, shop_id: int, now: datetime | None, settings: RfmSettings, ids: Sequence[int] | Select[tuple[int]] | None
    ) -> None:
        purchases = select(
            ORDER.customer_id.label("customer_id"),
            func.count().label("order_count"),
            func.sum(ORDER.total_cents).label("total_cents"),
            func.min(ORDER.created_at).label("first_order_at"),
            func.max(ORDER.created_at).label("last_order_at"),
        ).where(ORDER.shop_id == shop_id, ORDER.state.in_(PURCHASE_VALUES))
        wipe = delete(CUSTOMER_STATS).where(STATS.shop_id == shop_id)
        customer_cond = CUSTOMER.shop_id == shop_id
        if ids is not None:
            purchases = purchases.where(ORDER.customer_id.in_(ids))
            wipe = wipe.where(STATS.customer_id.in_(ids))
            customer_cond = and_(customer_cond, CUSTOMER.id.in_(ids))
        purchase_totals = purchases.group_by(ORDER.customer_id).subquery("purchase_totals")
        source = (
            select(
                CUSTOMER.id,
                CUSTOMER.shop_id,
                func.coalesce(purchase_totals.c.order_count, 0),
                func.coalesce(purchase_totals.c.total_cents, 0),
                purchase_totals.c.first_order_at,
                func.coalesce(purchase_totals.c.last_order_at, literal(NO_ORDER_AT, DateTime)),
            )
            .select_from(CUSTOMERS.outerjoin(purchase_totals, purchase_totals.c.customer_id == CUSTOMER.id))
            .where(customer_cond)
        )
        self.s.execute(wipe)
        self.s.execute(
            insert(CUSTOMER_STATS).from_select(
                ["customer_id", "shop_id", "order_count", "total_cents", "first_order_at", "last_order_at"], source
            )
        )
        if now is not None:  # not scored yet: the next `age` scores every row
            self.s.execute(self._score_update(shop_id, now, settings, ids))

    @staticmethod
    def _score_update(
        shop_id: int, now: datetime, settings: RfmSettings, ids: Sequence[int] | Select[tuple[int]] | None
    ) -> Any:
        no_orders = STATS.order_count <= 0

        def since(days: int) -> datetime:
            return now - timedelta(days=days)

        recency = case(
            (no_orders, 0),
            *[
                (STATS.last_order_at >= since(d), score)
                for score, d in zip((5, 4, 3, 2), settings.recency_days, strict=True)
            ],
            else_=1,
        )

        def score_up(column: Any, thresholds: Sequence[int]) -> Any:
            return case(
                (no_orders, 0),
                *[(column >= t, score) for score, t in zip((5, 4, 3, 2), reversed(thresholds), strict=True)],
                else_=1,
            )

        segment = case(
            (no_orders, Segment.NONE.value),
            (STATS.last_order_at < since(settings.churned_days), Segment.CHURNED.value),
            (STATS.last_order_at < since(settings.at_risk_days), Segment.AT_RISK.value),
            (
                and_(STATS.order_count >= settings.high_value_orders, STATS.total_cents >= settings.high_value_cents),
                Segment.HIGH_VALUE.value,
            ),
            (and_(STATS.order_count == 1, STATS.last_order_at >= since(settings.new_days)), Segment.NEW.value),
            else_=Segment.POTENTIAL.value,
        )
        statement = update(CUSTOMER_STATS).where(STATS.shop_id == shop_id)
        if ids is not None:
            statement = statement.where(STATS.customer_id.in_(ids))
        return statement.values(
            r_score=recency,
            f_score=score_up(STATS.order_count, settings.frequency_orders),
            m_score=score_up(STATS.total_cents, settings.monetary_cents),
            segment=segment,
        )

    # -- reading --------------------------------------------------------------------------------

    def stats_of(self, customer_id: int) -> CustomerStats:
        row = self.s.execute(
            select(
                STATS.order_count, STATS.total_cents, STATS.first_order_at, STATS.last_order_at, STATS.r_score,
                STATS.f_score, STATS.m_score, STATS.segment,
            ).where(STATS.customer_id == customer_id)
        ).first()  # fmt: skip
        return stats_from_row(row) if row is not None else CustomerStats()

    def apply_member_levels(self, shop_id: int, settings: RfmSettings) -> int:
        """Set every customer's member level from total spend (statistics must be current)."""
        level = case(
            *[
                (STATS.total_cents >= t, name)
                for name, t in reversed(list(zip(MEMBER_LEVELS[1:], settings.level_cents, strict=True)))
            ],
            else_=MEMBER_LEVELS[0],
        )
        level_by_spend = select(level).where(STATS.customer_id == CUSTOMER.id).scalar_subquery()
        has_stats = exists().where(STATS.customer_id == CUSTOMER.id)
        result = self.s.execute(
            update(CUSTOMERS)
            .where(CUSTOMER.shop_id == shop_id, has_stats, CUSTOMER.member_level != level_by_spend)
            .values(member_level=level_by_spend)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def dashboard(self, shop_id: int, settings: RfmSettings, computed_at: datetime | None) -> Dashboard:
        segment_rows = self.s.execute(
            select(
                STATS.segment, func.count(), func.coalesce(func.sum(STATS.total_cents), 0), func.sum(STATS.order_count)
            )
            .where(STATS.shop_id == shop_id)
            .group_by(STATS.segment)
        ).all()
        by_segment = {
            Segment(segment): SegmentStat(Segment(segment), customers, int(total_cents), int(orders or 0))
            for segment, customers, total_cents, orders in segment_rows
        }
        segments = tuple(by_segment.get(s, SegmentStat(s, 0, 0, 0)) for s in Segment)
        buyer = case((STATS.order_count >= 1, 1), else_=0)
        repeat_buyer = case((STATS.order_count >= 2, 1), else_=0)
        source_rows = self.s.execute(
            select(CUSTOMER.traffic_source, func.count(), func.sum(buyer), func.sum(repeat_buyer))
            .select_from(CUSTOMERS.join(CUSTOMER_STATS, STATS.customer_id == CUSTOMER.id))
            .where(CUSTOMER.shop_id == shop_id)
            .group_by(CUSTOMER.traffic_source)
        ).all()
        sources = tuple(
            sorted(
                (
                    SourceStat(source or "", customers, int(buyers or 0), int(repeat_buyers or 0))
                    for source, customers, buyers, repeat_buyers in source_rows
                ),
                key=lambda s: -s.customers,
            )
        )
        level_rows: dict[str, int] = dict(
            self.s.execute(
                select(CUSTOMER.member_level, func.count())
                .where(CUSTOMER.shop_id == shop_id)
                .group_by(CUSTOMER.member_level)
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
