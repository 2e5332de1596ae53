"""Import and export of customers and orders as CSV or XLSX.

Imports are planned first (every line checked, duplicates found) and applied in one transaction:
a file with any bad line imports nothing and every problem is reported with its line number. Rows
that match an existing customer (same nick or phone) or order (same order number) are merged by the
policy the user picks. CSV is read as UTF-8 (with or without BOM) or GBK, as Excel in China saves it.
Phone numbers are masked in exports unless the user asks for full numbers.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any

from workbench.domain.crm import (
    MEMBER_LEVELS,
    TRAFFIC_SOURCES,
    CustomerListItem,
    ImportFailed,
    ImportIssue,
    MergePolicy,
    Segment,
    Selection,
    credit_tier,
    is_official_tag,
)
from workbench.domain.customers import MAX_TAG_LENGTH
from workbench.domain.errors import DomainError
from workbench.domain.orders import LogisticsEvent, Order, OrderItem, OrderState
from workbench.services.clock import Clock, system_clock
from workbench.services.notifications import Topic
from workbench.storage.db import Database
from workbench.storage.repositories.customer_list import CustomerListRepository
from workbench.storage.repositories.customer_stats import CustomerStatsRepository
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.import_export import ImportExportRepository
from workbench.storage.repositories.orders import OrderRepository
from workbench.storage.tables import CustomerRow

log = logging.getLogger(__name__)

MAX_IMPORT_ROWS = 200_000
EXPORT_BATCH = 1000
TAG_SEPARATORS = re.compile(r"[、,，;；|]")
MASKED = re.compile(r"^\d{3}\*+\d{4}$")

SEGMENT_NAMES = {
    Segment.HIGH_VALUE: "高价值",
    Segment.POTENTIAL: "潜力",
    Segment.NEW: "新客",
    Segment.AT_RISK: "流失预警",
    Segment.CHURNED: "已流失",
    Segment.NONE: "未购买",
}


class FileFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"

    @classmethod
    def of(cls, path: Path) -> FileFormat:
        suffix = path.suffix.lower().lstrip(".")
        if suffix in ("xlsx", "xlsm"):
            return cls.XLSX
        if suffix in ("csv", "txt"):
            return cls.CSV
        raise DomainError("import.format", name=path.name)


# Column key → header written on export; headers read on import also accept the aliases.
CUSTOMER_COLUMNS: dict[str, tuple[str, ...]] = {
    "nick": ("昵称", "买家昵称", "旺旺", "nick"),
    "name": ("姓名", "name"),
    "phone": ("手机", "手机号", "电话", "phone"),
    "gender": ("性别", "gender"),
    "city": ("城市", "地区", "city"),
    "credit_level": ("信用等级", "credit_level"),
    "is_88vip": ("88VIP", "is_88vip"),
    "traffic_source": ("来源", "流量来源", "traffic_source"),
    "member_level": ("会员等级", "member_level"),
    "points": ("积分", "points"),
    "registered_at": ("注册时间", "registered_at"),
    "preferences": ("偏好", "preferences"),
    "tags": ("标签", "tags"),
}
CUSTOMER_EXPORT_EXTRA = ("订单数", "累计消费", "最近购买", "分层")

ORDER_COLUMNS: dict[str, tuple[str, ...]] = {
    "order_no": ("订单号", "订单编号", "order_no"),
    "nick": ("买家昵称", "昵称", "nick"),
    "state": ("状态", "订单状态", "state"),
    "total": ("实付金额", "金额", "total"),
    "created_at": ("下单时间", "创建时间", "created_at"),
    "paid_at": ("付款时间", "paid_at"),
    "shipped_at": ("发货时间", "shipped_at"),
    "signed_at": ("签收时间", "signed_at"),
    "address": ("收货地址", "address"),
    "carrier": ("快递公司", "carrier"),
    "tracking_no": ("运单号", "tracking_no"),
    "title": ("商品", "商品名称", "title"),
    "quantity": ("数量", "quantity"),
    "memo": ("备注", "memo"),
}


# --------------------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class SourceRow:
    line: int
    values: dict[str, str]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_csv(path: Path) -> Iterator[tuple[int, list[str]]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise DomainError("import.encoding", name=path.name)
    reader = csv.reader(text.splitlines(keepends=True))
    line = 1
    for row in reader:
        yield line, [c.strip() for c in row]
        line = reader.line_num + 1


def _read_xlsx(path: Path) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook  # loaded only for XLSX files

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a broken file
        raise DomainError("import.unreadable", name=path.name, detail=str(exc)) from exc
    try:
        sheet = book.worksheets[0]
        for line, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, [_cell(v) for v in row]
    finally:
        book.close()


def read_rows(path: Path, columns: dict[str, tuple[str, ...]], required: Sequence[str]) -> list[SourceRow]:
    """The data rows of a CSV or XLSX file, keyed by column; blank lines are skipped."""
    fmt = FileFormat.of(path)
    try:
        rows = iter(_read_csv(path) if fmt is FileFormat.CSV else _read_xlsx(path))
        header_line, header = next(rows, (1, []))
        aliases = {alias.lower(): key for key, names in columns.items() for alias in names}
        keys = [aliases.get(h.strip().lstrip("*").strip().lower()) for h in header]
        missing = [columns[k][0] for k in required if k not in keys]
        if missing:
            raise ImportFailed([ImportIssue(header_line, "import.missing_column", column=m) for m in missing])
        out: list[SourceRow] = []
        for line, cells in rows:
            if not any(cells):
                continue
            values = {k: cells[i] if i < len(cells) else "" for i, k in enumerate(keys) if k is not None}
            out.append(SourceRow(line, values))
            if len(out) > MAX_IMPORT_ROWS:
                raise DomainError("import.too_many", limit=MAX_IMPORT_ROWS)
        return out
    except OSError as exc:
        raise DomainError("import.unreadable", name=path.name, detail=exc.strerror or str(exc)) from exc
    except csv.Error as exc:
        raise DomainError("import.unreadable", name=path.name, detail=str(exc)) from exc


# ----------------------------------------------------------------------------------------- parsing

_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d")


def parse_datetime(text: str) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(text)


def parse_bool(text: str) -> bool | None:
    value = text.strip().lower()
    if value in ("", "否", "no", "n", "false", "0", "×"):
        return False if value else None
    if value in ("是", "yes", "y", "true", "1", "√", "88vip"):
        return True
    raise ValueError(text)


def parse_yuan(text: str) -> int:
    value = Decimal(text.replace("¥", "").replace("￥", "").replace(",", "").strip())
    if value < 0 or value != value.quantize(Decimal("0.01")):
        raise ValueError(text)
    return int(value * 100)


def clean_phone(text: str) -> str:
    """11 digits, or "" for a blank or masked (138****1234) number."""
    value = re.sub(r"[\s\-]", "", text)
    if value.startswith("+86"):
        value = value[3:]
    if not value or MASKED.match(value):
        return ""
    if not re.fullmatch(r"1\d{10}", value):
        raise ValueError(text)
    return value


@dataclass(frozen=True, slots=True)
class CustomerDraft:
    """One customer line of an import file; None means the file left the field blank."""

    line: int
    nick: str
    name: str | None = None
    phone: str | None = None
    gender: str | None = None
    city: str | None = None
    credit_level: str | None = None
    is_88vip: bool | None = None
    traffic_source: str | None = None
    member_level: str | None = None
    points: int | None = None
    registered_at: datetime | None = None
    preferences: str | None = None
    tags: tuple[str, ...] = ()

    FIELDS = ("name", "phone", "gender", "city", "credit_level", "is_88vip", "traffic_source", "member_level",
              "points", "registered_at", "preferences")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Duplicate:
    """An import line that matches an existing record."""

    line: int
    key: str  # the file's nick or order number
    existing_id: int
    existing_key: str  # the existing customer's nick / order number
    matched_on: str  # "nick", "phone" or "order_no"


@dataclass(frozen=True, slots=True)
class CustomerImportPlan:
    path: Path
    drafts: tuple[CustomerDraft, ...]
    duplicates: tuple[Duplicate, ...]

    @property
    def new_count(self) -> int:
        return len(self.drafts) - len(self.duplicates)


@dataclass(frozen=True, slots=True)
class OrderDraft:
    line: int
    order_no: str
    nick: str
    state: OrderState
    total_cents: int
    created_at: datetime
    paid_at: datetime | None = None
    shipped_at: datetime | None = None
    signed_at: datetime | None = None
    address: str = ""
    carrier: str = ""
    tracking_no: str = ""
    title: str = ""
    quantity: int = 1
    memo: str = ""


@dataclass(frozen=True, slots=True)
class OrderImportPlan:
    path: Path
    drafts: tuple[OrderDraft, ...]
    duplicates: tuple[Duplicate, ...]

    @property
    def new_count(self) -> int:
        return len(self.drafts) - len(self.duplicates)


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: int
    updated: int
    skipped: int
    customer_ids: tuple[int, ...] = field(default=())


def _opt(values: dict[str, str], key: str) -> str | None:
    value = values.get(key, "").strip()
    return value or None


def parse_customer(row: SourceRow, issues: list[ImportIssue]) -> CustomerDraft | None:
    v = row.values
    bad_before = len(issues)

    def bad(code: str, column: str) -> None:
        issues.append(ImportIssue(row.line, code, column=CUSTOMER_COLUMNS[column][0], value=v.get(column, "")))

    nick = " ".join(v.get("nick", "").split())
    if not nick:
        bad("import.required", "nick")
    elif len(nick) > 60:
        bad("import.too_long", "nick")
    phone: str | None = None
    try:
        phone = clean_phone(v.get("phone", "")) or None
    except ValueError:
        bad("import.phone", "phone")
    gender = _opt(v, "gender")
    if gender is not None:
        gender = {"m": "男", "male": "男", "f": "女", "female": "女"}.get(gender.lower(), gender)
        if gender not in ("男", "女"):
            bad("import.gender", "gender")
    credit = _opt(v, "credit_level")
    if credit is not None and not credit_tier(credit):
        bad("import.credit", "credit_level")
    vip: bool | None = None
    try:
        vip = parse_bool(v.get("is_88vip", ""))
    except ValueError:
        bad("import.bool", "is_88vip")
    source = _opt(v, "traffic_source")
    if source is not None and source not in TRAFFIC_SOURCES:
        bad("import.source", "traffic_source")
    level = _opt(v, "member_level")
    if level is not None and level not in MEMBER_LEVELS:
        bad("import.level", "member_level")
    points: int | None = None
    if _opt(v, "points") is not None:
        try:
            points = int(Decimal(v["points"]))
            if points < 0:
                raise ValueError
        except (ValueError, InvalidOperation):
            bad("import.number", "points")
    registered: datetime | None = None
    try:
        registered = parse_datetime(v.get("registered_at", ""))
    except ValueError:
        bad("import.date", "registered_at")
    tags: list[str] = []
    for part in TAG_SEPARATORS.split(v.get("tags", "")):
        name = " ".join(part.split())
        if not name:
            continue
        if len(name) > MAX_TAG_LENGTH:
            bad("import.tag_too_long", "tags")
        elif is_official_tag(name):
            bad("import.tag_official", "tags")
        elif name not in tags:
            tags.append(name)
    name_value = _opt(v, "name")
    if name_value is not None and len(name_value) > 60:
        bad("import.too_long", "name")
    city = _opt(v, "city")
    if city is not None and len(city) > 40:
        bad("import.too_long", "city")
    if len(issues) > bad_before:
        return None
    return CustomerDraft(
        line=row.line,
        nick=nick,
        name=name_value,
        phone=phone,
        gender=gender,
        city=city,
        credit_level=credit,
        is_88vip=vip,
        traffic_source=source,
        member_level=level,
        points=points,
        registered_at=registered,
        preferences=_opt(v, "preferences"),
        tags=tuple(tags),
    )


def parse_order(row: SourceRow, issues: list[ImportIssue]) -> OrderDraft | None:
    v = row.values
    bad_before = len(issues)

    def bad(code: str, column: str) -> None:
        issues.append(ImportIssue(row.line, code, column=ORDER_COLUMNS[column][0], value=v.get(column, "")))

    order_no = v.get("order_no", "").strip()
    if not order_no:
        bad("import.required", "order_no")
    elif not re.fullmatch(r"[0-9A-Za-z\-]{4,30}", order_no):
        bad("import.order_no", "order_no")
    nick = " ".join(v.get("nick", "").split())
    if not nick:
        bad("import.required", "nick")
    state: OrderState | None = None
    try:
        state = OrderState(v.get("state", "").strip())
    except ValueError:
        bad("import.state" if v.get("state", "").strip() else "import.required", "state")
    total = 0
    if not v.get("total", "").strip():
        bad("import.required", "total")
    else:
        try:
            total = parse_yuan(v["total"])
        except (ValueError, InvalidOperation):
            bad("import.money", "total")
    times: dict[str, datetime | None] = {}
    for key in ("created_at", "paid_at", "shipped_at", "signed_at"):
        try:
            times[key] = parse_datetime(v.get(key, ""))
        except ValueError:
            bad("import.date", key)
            times[key] = None
    created = times.get("created_at")
    if created is None and "created_at" in times and not v.get("created_at", "").strip():
        bad("import.required", "created_at")
    if created is not None:
        for key in ("paid_at", "shipped_at", "signed_at"):
            at = times.get(key)
            if at is not None and at < created:
                bad("import.time_order", key)
    quantity = 1
    if v.get("quantity", "").strip():
        try:
            quantity = int(v["quantity"])
            if quantity < 1:
                raise ValueError
        except ValueError:
            bad("import.number", "quantity")
    if len(issues) > bad_before or state is None or created is None:
        return None
    return OrderDraft(
        line=row.line,
        order_no=order_no,
        nick=nick,
        state=state,
        total_cents=total,
        created_at=created,
        paid_at=times.get("paid_at"),
        shipped_at=times.get("shipped_at"),
        signed_at=times.get("signed_at"),
        address=v.get("address", "").strip()[:300],
        carrier=v.get("carrier", "").strip()[:20],
        tracking_no=v.get("tracking_no", "").strip()[:40],
        title=v.get("title", "").strip()[:200],
        quantity=quantity,
        memo=v.get("memo", "").strip(),
    )


def _in_file_duplicates(
    rows: Iterable[tuple[int, str]], column: str, issues: list[ImportIssue], code: str = "import.duplicate_in_file"
) -> None:
    first: dict[str, int] = {}
    for line, key in rows:
        if not key:
            continue
        if key in first:
            issues.append(ImportIssue(line, code, column=column, value=key, other_line=first[key]))
        else:
            first[key] = line


# -------------------------------------------------------------------------------------- the service


class CrmImportExport:
    def __init__(self, db: Database, shop_id: int, clock: Clock = system_clock) -> None:
        self.db = db
        self.shop_id = shop_id
        self.clock = clock

    # -- customers ------------------------------------------------------------------------------

    def plan_customers(self, path: Path) -> CustomerImportPlan:
        """Read and check a customer file; raises ImportFailed listing every bad line."""
        rows = read_rows(path, CUSTOMER_COLUMNS, required=("nick",))
        issues: list[ImportIssue] = []
        drafts = [d for r in rows if (d := parse_customer(r, issues)) is not None]
        _in_file_duplicates(((d.line, d.nick) for d in drafts), CUSTOMER_COLUMNS["nick"][0], issues)
        _in_file_duplicates(((d.line, d.phone or "") for d in drafts), CUSTOMER_COLUMNS["phone"][0], issues)
        if not rows and not issues:
            issues.append(ImportIssue(1, "import.empty"))
        duplicates: list[Duplicate] = []
        if not issues:
            with self.db.session() as s:
                self._official_library_tags(CustomerRepository(s), drafts, issues)
                duplicates = self._customer_duplicates(ImportExportRepository(s), drafts, issues)
        if issues:
            raise ImportFailed(sorted(issues, key=lambda i: i.line))
        return CustomerImportPlan(path, tuple(drafts), tuple(duplicates))

    def _official_library_tags(
        self, repo: CustomerRepository, drafts: Sequence[CustomerDraft], issues: list[ImportIssue]
    ) -> None:
        """Tags the shop's library flags official are refused like 88VIP (parse_customer judged the names)."""
        official = {t.name for t in repo.all_tags(self.shop_id) if is_official_tag(t)}
        for d in drafts:
            for name in d.tags:
                if name in official:
                    issues.append(
                        ImportIssue(d.line, "import.tag_official", column=CUSTOMER_COLUMNS["tags"][0], value=name)
                    )

    def _customer_duplicates(
        self, repo: ImportExportRepository, drafts: Sequence[CustomerDraft], issues: list[ImportIssue]
    ) -> list[Duplicate]:
        by_nick = repo.customers_by_nick(self.shop_id, [d.nick for d in drafts])
        by_phone = repo.customers_by_phone(self.shop_id, [d.phone for d in drafts if d.phone])
        duplicates = []
        for d in drafts:
            nick_hit = by_nick.get(d.nick)
            phone_hit = by_phone.get(d.phone) if d.phone else None
            if nick_hit and phone_hit and phone_hit[0] != nick_hit[0]:
                issues.append(
                    ImportIssue(d.line, "import.conflict", column=CUSTOMER_COLUMNS["phone"][0], value=d.phone or "")
                )
            elif nick_hit:
                duplicates.append(Duplicate(d.line, d.nick, nick_hit[0], d.nick, "nick"))
            elif phone_hit:
                duplicates.append(Duplicate(d.line, d.nick, phone_hit[0], phone_hit[1], "phone"))
        return duplicates

    def apply_customers(self, plan: CustomerImportPlan, policy: MergePolicy) -> ImportResult:
        """Write the plan in one transaction (duplicates are found again inside it)."""
        now = self.clock()
        created = updated = skipped = 0
        touched: list[int] = []
        with self.db.session() as s:
            repo = ImportExportRepository(s)
            issues: list[ImportIssue] = []
            self._official_library_tags(CustomerRepository(s), plan.drafts, issues)
            duplicates = {d.line: d for d in self._customer_duplicates(repo, plan.drafts, issues)}
            if issues:
                raise ImportFailed(issues)
            new_rows: list[tuple[CustomerDraft, CustomerRow]] = []
            tags_for: list[tuple[int | CustomerRow, tuple[str, ...]]] = []
            for d in plan.drafts:
                dup = duplicates.get(d.line)
                if dup is None:
                    row = CustomerRow(
                        shop_id=self.shop_id, nick=d.nick, name=d.name or "", phone=d.phone or "",
                        gender=d.gender or "", city=d.city or "", credit_level=d.credit_level or "",
                        is_88vip=bool(d.is_88vip), traffic_source=d.traffic_source or "",
                        member_level=d.member_level or "", points=d.points or 0, registered_at=d.registered_at,
                        preferences=d.preferences or "", refund_count=0, bad_review_count=0,
                    )  # fmt: skip
                    new_rows.append((d, row))
                    tags_for.append((row, d.tags))
                    created += 1
                elif policy is MergePolicy.SKIP:
                    skipped += 1
                else:
                    existing = repo.customer_row(self.shop_id, dup.existing_id)
                    for name in CustomerDraft.FIELDS:
                        value = getattr(d, name)
                        if value is None:
                            continue
                        current = getattr(existing, name)
                        if policy is MergePolicy.OVERWRITE or current in ("", None, 0, False):
                            setattr(existing, name, value)
                    tags_for.append((existing.id, d.tags))
                    touched.append(existing.id)
                    updated += 1
            repo.add_customer_rows([row for _, row in new_rows])
            customers = CustomerRepository(s)
            for target, names in tags_for:
                customer_id = target if isinstance(target, int) else target.id
                for name in names:
                    tag = customers.ensure_tag(self.shop_id, name)
                    customers.add_tag(customer_id, tag.id, now)
            touched += [row.id for _, row in new_rows]
            stats = CustomerStatsRepository(s)
            stats.refresh_stats(self.shop_id, now, stats.settings(self.shop_id), touched)
            self.db.notify(s, Topic.CUSTOMERS)
        log.info("customers imported: %d new, %d updated, %d skipped", created, updated, skipped)
        return ImportResult(created, updated, skipped, tuple(touched))

    # -- orders ---------------------------------------------------------------------------------

    def plan_orders(self, path: Path) -> OrderImportPlan:
        rows = read_rows(path, ORDER_COLUMNS, required=("order_no", "nick", "state", "total", "created_at"))
        issues: list[ImportIssue] = []
        drafts = [d for r in rows if (d := parse_order(r, issues)) is not None]
        _in_file_duplicates(((d.line, d.order_no) for d in drafts), ORDER_COLUMNS["order_no"][0], issues)
        if not rows and not issues:
            issues.append(ImportIssue(1, "import.empty"))
        duplicates: list[Duplicate] = []
        if not issues:
            with self.db.session() as s:
                duplicates = self._order_checks(ImportExportRepository(s), drafts, issues)
        if issues:
            raise ImportFailed(sorted(issues, key=lambda i: i.line))
        return OrderImportPlan(path, tuple(drafts), tuple(duplicates))

    def _order_checks(
        self, repo: ImportExportRepository, drafts: Sequence[OrderDraft], issues: list[ImportIssue]
    ) -> list[Duplicate]:
        customers = repo.customers_by_nick(self.shop_id, [d.nick for d in drafts])
        for d in drafts:
            if d.nick not in customers:
                issues.append(
                    ImportIssue(d.line, "import.unknown_customer", column=ORDER_COLUMNS["nick"][0], value=d.nick)
                )
        existing = repo.orders_by_number([d.order_no for d in drafts])
        return [
            Duplicate(d.line, d.order_no, existing[d.order_no], d.order_no, "order_no")
            for d in drafts
            if d.order_no in existing
        ]

    def apply_orders(self, plan: OrderImportPlan, policy: MergePolicy) -> ImportResult:
        now = self.clock()
        created = updated = skipped = 0
        touched: set[int] = set()
        with self.db.session() as s:
            repo = ImportExportRepository(s)
            issues: list[ImportIssue] = []
            duplicates = {d.line: d for d in self._order_checks(repo, plan.drafts, issues)}
            if issues:
                raise ImportFailed(issues)
            customers = repo.customers_by_nick(self.shop_id, [d.nick for d in plan.drafts])
            orders = OrderRepository(s)
            for d in plan.drafts:
                customer_id = customers[d.nick][0]
                dup = duplicates.get(d.line)
                if dup is None:
                    items = (
                        (OrderItem("", d.title, "", "", d.quantity, d.total_cents // d.quantity),) if d.title else ()
                    )
                    logistics = (LogisticsEvent(d.shipped_at, "商家已发货"),) if d.shipped_at else ()
                    orders.add_order(
                        self.shop_id,
                        Order(
                            id=0, order_no=d.order_no, customer_id=customer_id, state=d.state,
                            total_cents=d.total_cents, created_at=d.created_at, paid_at=d.paid_at,
                            shipped_at=d.shipped_at, signed_at=d.signed_at, address=d.address, carrier=d.carrier,
                            tracking_no=d.tracking_no, memo=d.memo, items=items, logistics=logistics,
                        ),
                    )  # fmt: skip
                    created += 1
                    touched.add(customer_id)
                elif policy is MergePolicy.SKIP:
                    skipped += 1
                else:
                    row = repo.order_row(dup.existing_id)
                    if row.shop_id != self.shop_id or row.customer_id != customer_id:
                        raise ImportFailed([ImportIssue(d.line, "import.order_other_customer", value=d.order_no)])
                    changes: dict[str, Any] = {
                        "state": d.state.value, "total_cents": d.total_cents, "created_at": d.created_at,
                        "paid_at": d.paid_at, "shipped_at": d.shipped_at, "signed_at": d.signed_at,
                        "address": d.address, "carrier": d.carrier, "tracking_no": d.tracking_no, "memo": d.memo,
                    }  # fmt: skip
                    for key, value in changes.items():
                        if value in (None, ""):
                            continue
                        if policy is MergePolicy.OVERWRITE or getattr(row, key) in (None, ""):
                            setattr(row, key, value)
                    updated += 1
                    touched.add(customer_id)
            s.flush()
            stats = CustomerStatsRepository(s)
            stats.refresh_stats(self.shop_id, now, stats.settings(self.shop_id), sorted(touched))
            self.db.notify(s, Topic.CUSTOMERS)
        log.info("orders imported: %d new, %d updated, %d skipped", created, updated, skipped)
        return ImportResult(created, updated, skipped, tuple(sorted(touched)))

    # -- export -----------------------------------------------------------------------------------

    def export_customers(
        self,
        selection: Selection,
        path: Path,
        *,
        full_phone: bool = False,
    ) -> int:
        """Write the selected customers (with statistics and tags); returns how many."""
        header = [names[0] for names in CUSTOMER_COLUMNS.values()] + list(CUSTOMER_EXPORT_EXTRA)
        with self.db.session() as s:
            customer_list = CustomerListRepository(s)
            exports = ImportExportRepository(s)
            ids = customer_list.selection_ids(self.shop_id, selection)

            def rows() -> Iterator[list[Any]]:
                for start in range(0, len(ids), EXPORT_BATCH):
                    part = ids[start : start + EXPORT_BATCH]
                    private = exports.private_fields(part)
                    for item in customer_list.items(self.shop_id, part):
                        phone, preferences = private.get(item.id, ("", ""))
                        yield _customer_line(item, phone if full_phone else None, preferences)

            count = _write(path, header, rows())
        return count

    def export_orders(self, selection: Selection, path: Path) -> int:
        header = [names[0] for names in ORDER_COLUMNS.values()]
        with self.db.session() as s:
            ids = CustomerListRepository(s).selection_ids(self.shop_id, selection)
            exports = ImportExportRepository(s)

            def rows() -> Iterator[list[Any]]:
                for order, nick in exports.export_orders(ids):
                    first = order.items[0] if order.items else None
                    yield [
                        order.order_no, nick, order.state, f"{order.total_cents / 100:.2f}", order.created_at,
                        order.paid_at, order.shipped_at, order.signed_at, order.address, order.carrier,
                        order.tracking_no, first.title if first else "", first.quantity if first else "", order.memo,
                    ]  # fmt: skip

            return _write(path, header, rows())


def _customer_line(item: CustomerListItem, phone: str | None, preferences: str) -> list[Any]:
    st = item.stats
    return [
        item.nick, item.name, phone if phone is not None else item.phone_masked, item.gender, item.city,
        item.credit_level, "是" if item.is_88vip else "否", item.traffic_source, item.member_level, item.points,
        item.registered_at, preferences, "、".join(t.name for t in item.tags), st.order_count,
        f"{st.total_cents / 100:.2f}", st.last_order_at, SEGMENT_NAMES[st.segment],
    ]  # fmt: skip


def _export_cell(value: Any) -> Any:
    if value is None:
        return ""
    return value


def _write(path: Path, header: list[str], rows: Iterable[list[Any]]) -> int:
    """Write a CSV (UTF-8 with BOM, so Excel opens it) or XLSX file via a temp file; returns data rows."""
    fmt = FileFormat.of(path)
    tmp = path.with_name(path.name + ".part")
    count = 0
    try:
        if fmt is FileFormat.CSV:
            with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(header)
                for row in rows:
                    writer.writerow(
                        [v.strftime("%Y-%m-%d %H:%M:%S") if isinstance(v, datetime) else _export_cell(v) for v in row]
                    )
                    count += 1
        else:
            from openpyxl import Workbook

            book = Workbook(write_only=True)
            sheet = book.create_sheet()
            sheet.append(header)
            for row in rows:
                sheet.append([_export_cell(v) for v in row])
                count += 1
            book.save(tmp)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DomainError("export.write", name=path.name, detail=exc.strerror or str(exc)) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return count
