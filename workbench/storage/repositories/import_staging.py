"""Customer and order imports through the staging tables (see `workbench.storage.tables_import`).

A job's checked lines are added in batches (`add_customers`, `add_orders`), checked against each other
and against the shop with set-based queries, and finally moved into the real tables by the `switch_*`
steps, which the service runs in ONE transaction: a handful of INSERT … SELECT and UPDATE statements
however long the file, so the write lock (one writer at a time on SQLite) is held briefly. Staging
rows are deleted in small batches afterwards (`delete_part`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Select,
    and_,
    case,
    delete,
    exists,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from workbench.storage.repositories.customer_sql import (
    CUSTOMER,
    CUSTOMER_TAG,
    CUSTOMER_TAGS,
    CUSTOMERS,
    ORDER,
    ORDERS,
    TAG,
    TAGS,
    table,
)
from workbench.storage.tables import LogisticsEventRow, OrderItemRow
from workbench.storage.tables_import import ImportCustomerRow, ImportCustomerTagRow, ImportJobRow, ImportOrderRow

JOBS = table(ImportJobRow)
STAGED_CUSTOMERS = table(ImportCustomerRow)
STAGED_TAGS = table(ImportCustomerTagRow)
STAGED_ORDERS = table(ImportOrderRow)
JOB = JOBS.c
SC = STAGED_CUSTOMERS.c
ST = STAGED_TAGS.c
SO = STAGED_ORDERS.c
ORDER_ITEMS = table(OrderItemRow)
LOGISTICS = table(LogisticsEventRow)

# The customer fields an import fills or merges, with what counts as "empty" for a FILL merge.
CUSTOMER_FIELDS = ("name", "phone", "gender", "city", "credit_level", "is_88vip", "traffic_source", "member_level",
                   "points", "registered_at", "preferences")  # fmt: skip
ORDER_FIELDS = ("state", "total_cents", "created_at", "paid_at", "shipped_at", "signed_at", "address", "carrier",
                "tracking_no", "memo")  # fmt: skip
TEXT_ORDER_FIELDS = ("state", "address", "carrier", "tracking_no", "memo")


@dataclass(frozen=True, slots=True)
class CustomerMatch:
    """A staged line that matches an existing customer."""

    line: int
    nick: str  # the file's
    customer_id: int
    matched_on: str  # nick | phone
    customer_nick: str


class ImportStagingRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # -- jobs -----------------------------------------------------------------------------------

    def new_job(self, shop_id: int, kind: str, now: datetime) -> int:
        return int(
            self.s.execute(
                insert(JOBS).values(shop_id=shop_id, kind=kind, created_at=now).returning(JOB.id)
            ).scalar_one()
        )

    def claim(self, job_id: int, shop_id: int, kind: str, now: datetime) -> bool:
        """Mark the job applied, once: the first write of the switch (it takes the write lock)."""
        result = self.s.execute(
            update(JOBS)
            .where(JOB.id == job_id, JOB.shop_id == shop_id, JOB.kind == kind, JOB.applied_at.is_(None))
            .values(applied_at=now)
        )
        return int(result.rowcount) == 1  # type: ignore[attr-defined]

    def stale_jobs(self, shop_id: int, created_before: datetime) -> list[int]:
        """Jobs left behind by a crash or a closed dialog (an import deletes its own staging rows when
        it ends; one under way on another desk is younger than `created_before`)."""
        return list(self.s.scalars(select(JOB.id).where(JOB.shop_id == shop_id, JOB.created_at < created_before)))

    def delete_part(self, job_id: int, limit: int) -> int:
        """Delete up to `limit` staging rows of a job (each table in turn), then the job itself; the
        number of rows deleted (0: the job is gone). Called until it returns 0, one transaction each."""
        for staged, columns in ((STAGED_TAGS, ST), (STAGED_CUSTOMERS, SC), (STAGED_ORDERS, SO)):
            lines = select(columns.line).where(columns.job_id == job_id).order_by(columns.line).limit(limit)
            bound = self.s.execute(select(func.max(lines.subquery().c.line))).scalar_one()
            if bound is not None:
                result = self.s.execute(delete(staged).where(columns.job_id == job_id, columns.line <= bound))
                return int(result.rowcount)  # type: ignore[attr-defined]
        return int(self.s.execute(delete(JOBS).where(JOB.id == job_id)).rowcount)  # type: ignore[attr-defined]

    # -- loading --------------------------------------------------------------------------------

    def add_customers(self, job_id: int, rows: Sequence[dict[str, Any]], tags: Sequence[tuple[int, str]]) -> None:
        if rows:
            self.s.execute(insert(STAGED_CUSTOMERS), [{**r, "job_id": job_id} for r in rows])
        if tags:
            self.s.execute(insert(STAGED_TAGS), [{"job_id": job_id, "line": line, "name": n} for line, n in tags])

    def add_orders(self, job_id: int, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.s.execute(insert(STAGED_ORDERS), [{**r, "job_id": job_id} for r in rows])

    def count(self, job_id: int, kind: str) -> int:
        columns = SC if kind == "customers" else SO
        return int(self.s.execute(select(func.count()).where(columns.job_id == job_id)).scalar_one())

    # -- checks ---------------------------------------------------------------------------------

    def in_file_duplicates(self, job_id: int, column: str, limit: int) -> list[tuple[int, str, int]]:
        """(line, value, first line with that value) for every later line repeating a value of
        `column` (nick, phone or order_no; blanks are not compared)."""
        columns = SC if column in ("nick", "phone") else SO
        value = columns[column]
        firsts = (
            select(value.label("value"), func.min(columns.line).label("first"))
            .where(columns.job_id == job_id, value.is_not(None), value != "")
            .group_by(value)
            .having(func.count() > 1)
            .subquery()
        )
        rows = self.s.execute(
            select(columns.line, value, firsts.c.first)
            .join(firsts, value == firsts.c.value)
            .where(columns.job_id == job_id, columns.line > firsts.c.first)
            .order_by(columns.line)
            .limit(limit)
        )
        return [(int(line), str(v), int(first)) for line, v, first in rows]

    def tag_lines(self, job_id: int, names: Sequence[str], limit: int) -> list[tuple[int, str]]:
        """(line, tag) for the staged tags among `names`."""
        if not names:
            return []
        rows = self.s.execute(
            select(ST.line, ST.name)
            .where(ST.job_id == job_id, ST.name.in_(list(names)))
            .order_by(ST.line, ST.name)
            .limit(limit)
        )
        return [(int(line), str(name)) for line, name in rows]

    def customer_matches(self, job_id: int) -> Iterator[CustomerMatch]:
        """The staged lines that match an existing customer (see `match_customers`), in line order,
        streamed, with the nick of the customer each merges into."""
        owner = CUSTOMERS.alias("owner")
        rows = self.s.execute(
            select(SC.line, SC.nick, SC.customer_id, SC.matched_on, owner.c.nick)
            .join(owner, owner.c.id == SC.customer_id)
            .where(SC.job_id == job_id)
            .order_by(SC.line)
            .execution_options(yield_per=1000)
        )
        for line, nick, customer_id, matched_on, owner_nick in rows:
            yield CustomerMatch(int(line), str(nick), int(customer_id), str(matched_on), str(owner_nick))

    def order_matches(self, job_id: int) -> Iterator[tuple[int, str, int]]:
        """(line, order number, existing order id) for the staged orders that exist (streamed)."""
        rows = self.s.execute(
            select(SO.line, SO.order_no, SO.order_id)
            .where(SO.job_id == job_id, SO.existed.is_(True))
            .order_by(SO.line)
            .execution_options(yield_per=1000)
        )
        for line, order_no, order_id in rows:
            yield int(line), str(order_no), int(order_id)

    # -- matching (as lines are staged; checked again by the switch) ---------------------------------

    def line_bounds(self, job_id: int, kind: str) -> tuple[int, int]:
        columns = SC if kind == "customers" else SO
        low, high = self.s.execute(
            select(func.min(columns.line), func.max(columns.line)).where(columns.job_id == job_id)
        ).one()
        return int(low or 0), int(high or -1)

    def match_customers(self, job_id: int, shop_id: int, lines: tuple[int, int] | None = None) -> None:
        """Point staged lines (all, or those in the range `lines`) at the customer each merges into:
        the one with its nick, else the first with its phone; NULL for a new customer."""
        nick_id, phone_id = _nick_owner(shop_id), _phone_owner(shop_id)
        chosen = and_(SC.job_id == job_id, SC.line.between(*lines) if lines else true())
        how = case((nick_id.is_not(None), "nick"), (phone_id.is_not(None), "phone"), else_=None)
        self.s.execute(
            update(STAGED_CUSTOMERS).where(chosen).values(customer_id=func.coalesce(nick_id, phone_id), matched_on=how)
        )

    def customer_matches_changed(self, job_id: int, shop_id: int) -> bool:
        """Whether a staged line would now match another customer than the one it points at (a
        customer was added, renamed or deleted since): a read, in the switch's transaction."""
        now_matching = func.coalesce(_nick_owner(shop_id), _phone_owner(shop_id))
        changed = select(SC.line).where(SC.job_id == job_id, now_matching.is_distinct_from(SC.customer_id)).limit(1)
        return self.s.execute(changed).first() is not None

    def customer_conflicts(self, job_id: int, shop_id: int, limit: int) -> list[tuple[int, str]]:
        """(line, phone) of the lines whose nick and phone belong to two different customers."""
        phone_id = _phone_owner(shop_id)
        rows = self.s.execute(
            select(SC.line, SC.phone)
            .where(SC.job_id == job_id, SC.matched_on == "nick", SC.phone.is_not(None), phone_id.is_not(None))
            .where(phone_id != SC.customer_id)
            .order_by(SC.line)
            .limit(limit)
        )
        return [(int(line), str(phone)) for line, phone in rows]

    def match_orders(self, job_id: int, shop_id: int, lines: tuple[int, int] | None = None) -> None:
        """Point staged orders (all, or those in the range `lines`) at their buyer and at the existing
        order with their number."""
        chosen = and_(SO.job_id == job_id, SO.line.between(*lines) if lines else true())
        existing = _order_with_number()
        self.s.execute(
            update(STAGED_ORDERS)
            .where(chosen)
            .values(customer_id=_buyer(shop_id), order_id=existing, existed=existing.is_not(None))
        )

    def order_matches_changed(self, job_id: int, shop_id: int) -> bool:
        changed = select(SO.line).where(
            SO.job_id == job_id,
            or_(
                _buyer(shop_id).is_distinct_from(SO.customer_id),
                _order_with_number().is_distinct_from(SO.order_id),
            ),
        )
        return self.s.execute(changed.limit(1)).first() is not None

    # -- the customer switch (one transaction, after `claim`) -------------------------------------

    def insert_new_customers(self, job_id: int, shop_id: int) -> int:
        """Create a customer for every unmatched line (blank fields get the table's empty values)."""
        new = and_(SC.job_id == job_id, SC.customer_id.is_(None))
        count = int(self.s.execute(select(func.count()).where(new)).scalar_one())
        if not count:
            return 0
        source = (
            select(
                literal(shop_id), SC.nick, func.coalesce(SC.name, ""), func.coalesce(SC.phone, ""),
                func.coalesce(SC.gender, ""), func.coalesce(SC.city, ""), func.coalesce(SC.credit_level, ""),
                func.coalesce(SC.is_88vip, false()), func.coalesce(SC.traffic_source, ""),
                func.coalesce(SC.member_level, ""), func.coalesce(SC.points, 0), SC.registered_at,
                func.coalesce(SC.preferences, ""), literal(0), literal(0),
            )
            .where(new)
            .order_by(SC.line)
        )  # fmt: skip
        columns = ["shop_id", "nick", *CUSTOMER_FIELDS, "refund_count", "bad_review_count"]
        self.s.execute(insert(CUSTOMERS).from_select(columns, source))
        return count

    def switched_customers(
        self, job_id: int, shop_id: int, *, matched_too: bool, lines: tuple[int, int] | None = None
    ) -> Select[tuple[int]]:
        """The customers a switch created (found by nick, unique in a shop) and, when `matched_too`,
        merged into; of all lines or those in the range `lines`."""
        chosen = and_(SC.job_id == job_id, SC.line.between(*lines) if lines else true())
        created = (
            select(CUSTOMER.id)
            .select_from(STAGED_CUSTOMERS)
            .join(CUSTOMERS, and_(CUSTOMER.shop_id == shop_id, CUSTOMER.nick == SC.nick))
            .where(chosen, SC.customer_id.is_(None))
        )
        if not matched_too:
            return created
        merged = select(SC.customer_id).where(chosen, SC.customer_id.is_not(None))
        return select(union_all(created, merged).subquery().c[0])

    def merge_customers(self, job_id: int, overwrite: bool) -> int:
        """Merge the matched lines into their customers: the file's non-blank values replace the
        customer's (overwrite) or fill only the customer's empty fields. When several lines merge into
        one customer, the last line's value wins an overwrite and the first line's a fill, as if the
        lines were applied one after another."""
        merged = and_(SC.job_id == job_id, SC.customer_id.is_not(None))
        count = int(self.s.execute(select(func.count()).where(merged)).scalar_one())
        if not count:
            return 0
        source = STAGED_CUSTOMERS.alias("source")
        values: dict[str, Any] = {}
        for name in CUSTOMER_FIELDS:
            current = CUSTOMER[name]
            pick = func.max(SC.line) if overwrite else func.min(SC.line)
            # MIN/MAX over the (job, customer) index, then the line by key: an ORDER BY … LIMIT 1 here
            # lets SQLite walk the whole job in line order for every customer.
            line = (
                select(pick)
                .where(merged, SC.customer_id == CUSTOMER.id, SC[name].is_not(None))
                .correlate(CUSTOMERS)
                .scalar_subquery()
            )
            value = (
                select(source.c[name])
                .where(source.c.job_id == job_id, source.c.line == line)
                .correlate(CUSTOMERS)
                .scalar_subquery()
            )
            if overwrite:
                values[name] = func.coalesce(value, current)
            else:
                values[name] = case((_empty(name, current), func.coalesce(value, current)), else_=current)
        self.s.execute(update(CUSTOMERS).where(CUSTOMER.id.in_(select(SC.customer_id).where(merged))).values(values))
        return count

    def tag_customers(self, job_id: int, shop_id: int, now: datetime, *, matched_too: bool) -> None:
        """Add the staged tags (creating the shop's missing tags) to the new customers, and to the
        matched ones when `matched_too`."""
        lines = and_(SC.job_id == ST.job_id, SC.line == ST.line)
        chosen = and_(ST.job_id == job_id, true() if matched_too else SC.customer_id.is_(None))
        names = select(ST.name.label("name")).join(STAGED_CUSTOMERS, lines).where(chosen).distinct().subquery()
        missing = select(literal(shop_id), names.c.name).where(
            ~exists().where(TAG.shop_id == shop_id, TAG.name == names.c.name)
        )
        self.s.execute(insert(TAGS).from_select(["shop_id", "name"], missing))
        # New customers are found by nick (they have no tags yet), matched ones by the id the line points at.
        new_pairs = (
            select(CUSTOMER.id, TAG.id, literal(now, DateTime))
            .select_from(STAGED_TAGS)
            .join(STAGED_CUSTOMERS, lines)
            .join(CUSTOMERS, and_(CUSTOMER.shop_id == shop_id, CUSTOMER.nick == SC.nick))
            .join(TAGS, and_(TAG.shop_id == shop_id, TAG.name == ST.name))
            .where(ST.job_id == job_id, SC.customer_id.is_(None))
        )
        self.s.execute(insert(CUSTOMER_TAGS).from_select(["customer_id", "tag_id", "created_at"], new_pairs))
        if matched_too:
            matched_pairs = (
                select(SC.customer_id, TAG.id, literal(now, DateTime))
                .select_from(STAGED_TAGS)
                .join(STAGED_CUSTOMERS, lines)
                .join(TAGS, and_(TAG.shop_id == shop_id, TAG.name == ST.name))
                .where(ST.job_id == job_id, SC.customer_id.is_not(None))
                .where(~exists().where(CUSTOMER_TAG.customer_id == SC.customer_id, CUSTOMER_TAG.tag_id == TAG.id))
                .distinct()  # two lines may merge into one customer
            )
            self.s.execute(insert(CUSTOMER_TAGS).from_select(["customer_id", "tag_id", "created_at"], matched_pairs))

    def staged_count(self, job_id: int, kind: str, matched: bool) -> int:
        """Lines that matched an existing record (or not)."""
        if kind == "customers":
            cond = SC.customer_id.is_not(None) if matched else SC.customer_id.is_(None)
            return int(self.s.execute(select(func.count()).where(SC.job_id == job_id, cond)).scalar_one())
        return int(
            self.s.execute(select(func.count()).where(SO.job_id == job_id, SO.existed.is_(matched))).scalar_one()
        )

    # -- the order switch -----------------------------------------------------------------------

    def unknown_buyer_lines(self, job_id: int, limit: int) -> list[tuple[int, str]]:
        """(line, nick) of the matched lines without a buyer."""
        rows = self.s.execute(
            select(SO.line, SO.nick).where(SO.job_id == job_id, SO.customer_id.is_(None)).order_by(SO.line).limit(limit)
        )
        return [(int(line), str(nick)) for line, nick in rows]

    def orders_of_others(self, job_id: int, shop_id: int, limit: int) -> list[tuple[int, str]]:
        """(line, order number) of existing orders that belong to another shop or another buyer."""
        rows = self.s.execute(
            select(SO.line, SO.order_no)
            .join(ORDERS, ORDER.id == SO.order_id)
            .where(SO.job_id == job_id, SO.existed.is_(True))
            .where(or_(ORDER.shop_id != shop_id, ORDER.customer_id != SO.customer_id))
            .order_by(SO.line)
            .limit(limit)
        )
        return [(int(line), str(order_no)) for line, order_no in rows]

    def insert_new_orders(self, job_id: int, shop_id: int, shipped_text: str) -> int:
        """Create the orders that do not exist yet, with their item (when the line names one) and a
        logistics event when they were shipped."""
        new = and_(SO.job_id == job_id, SO.existed.is_(False))
        count = int(self.s.execute(select(func.count()).where(new)).scalar_one())
        if not count:
            return 0
        source = (
            select(
                literal(shop_id), SO.order_no, SO.customer_id, SO.state, SO.total_cents, SO.created_at, SO.paid_at,
                SO.shipped_at, SO.signed_at, SO.address, SO.carrier, SO.tracking_no, SO.memo, literal(""),
            )
            .where(new)
            .order_by(SO.line)
        )  # fmt: skip
        columns = ["shop_id", "order_no", "customer_id", *ORDER_FIELDS, "flag"]
        self.s.execute(insert(ORDERS).from_select(columns, source))
        created = STAGED_ORDERS.join(ORDERS, ORDER.order_no == SO.order_no)  # order numbers are unique
        items = (
            select(
                ORDER.id, literal(""), SO.title, literal(""), literal(""), SO.quantity, SO.total_cents // SO.quantity
            )
            .select_from(created)
            .where(new, SO.title != "")
        )
        self.s.execute(
            insert(ORDER_ITEMS).from_select(
                ["order_id", "sku", "title", "size", "color", "quantity", "price_cents"], items
            )
        )
        shipped = (
            select(ORDER.id, SO.shipped_at, literal(shipped_text))
            .select_from(created)
            .where(new, SO.shipped_at.is_not(None))
        )
        self.s.execute(insert(LOGISTICS).from_select(["order_id", "at", "description"], shipped))
        return count

    def merge_orders(self, job_id: int, overwrite: bool) -> int:
        """Merge the lines of existing orders (one line per order: the file has no repeated number):
        non-blank values replace the order's (overwrite) or fill only its blank fields."""
        merged = and_(SO.job_id == job_id, SO.existed.is_(True))
        count = int(self.s.execute(select(func.count()).where(merged)).scalar_one())
        if not count:
            return 0
        values: dict[str, Any] = {}
        for name in ORDER_FIELDS:
            staged, current = SO[name], ORDER[name]
            value = select(staged).where(merged, SO.order_id == ORDER.id).correlate(ORDERS).scalar_subquery()
            given: ColumnElement[bool] = value.is_not(None)
            if name in TEXT_ORDER_FIELDS:
                given = and_(given, value != "")
            if not overwrite:
                blank = current.is_(None) if name not in TEXT_ORDER_FIELDS else or_(current.is_(None), current == "")
                given = and_(given, blank)
            values[name] = case((given, value), else_=current)
        self.s.execute(update(ORDERS).where(ORDER.id.in_(select(SO.order_id).where(merged))).values(values))
        return count

    def order_customers(
        self, job_id: int, *, matched_too: bool, lines: tuple[int, int] | None = None
    ) -> Select[tuple[int]]:
        """The buyers of the orders a switch created (and merged, when `matched_too`); of all lines or
        those in the range `lines`."""
        return select(SO.customer_id).where(
            SO.job_id == job_id,
            SO.line.between(*lines) if lines else true(),
            SO.customer_id.is_not(None),
            true() if matched_too else SO.existed.is_(False),
        )


def _nick_owner(shop_id: int) -> Any:
    """The shop's customer with the staged line's nick (correlated to the staged row)."""
    return select(CUSTOMER.id).where(CUSTOMER.shop_id == shop_id, CUSTOMER.nick == SC.nick).scalar_subquery()


def _buyer(shop_id: int) -> Any:
    """The shop's customer with the staged order's nick."""
    return select(CUSTOMER.id).where(CUSTOMER.shop_id == shop_id, CUSTOMER.nick == SO.nick).scalar_subquery()


def _order_with_number() -> Any:
    """The existing order with the staged order's number (numbers are unique across shops)."""
    return select(ORDER.id).where(ORDER.order_no == SO.order_no).scalar_subquery()


def _phone_owner(shop_id: int) -> Any:
    """The first customer of the shop with the staged line's phone (correlated to the staged row)."""
    return (
        select(func.min(CUSTOMER.id)).where(CUSTOMER.shop_id == shop_id, CUSTOMER.phone == SC.phone).scalar_subquery()
    )


def _empty(name: str, column: Any) -> ColumnElement[bool]:
    """A customer field a FILL merge may fill: blank text, no points, not 88VIP, no date."""
    if name == "points":
        return or_(column.is_(None), column == 0)
    if name == "is_88vip":
        return or_(column.is_(None), column.is_(False))
    if name == "registered_at":
        return column.is_(None)  # type: ignore[no-any-return]
    return or_(column.is_(None), column == "")
