"""Import and export of customers and orders as CSV or XLSX.

An import has two steps, both meant for a background worker with its own database connection:

- **plan**: the file is streamed (never read whole; size, line and row limits are checked first and
  as it goes), every line is checked, and the good lines are loaded into staging tables in small
  batches, each its own short transaction, so the desk's own writes go on in between. Duplicates in
  the file and matches with existing customers or orders are then found by queries. A file with any
  bad line imports nothing, and every problem is reported with its line number.
- **apply**: one short transaction moves the staged lines into the real tables with a few set-based
  statements, merging the lines that match an existing customer (same nick or phone) or order (same
  order number) by the policy the user picked. Until it commits nothing of the file is visible; a
  cancel or a crash leaves only staging rows, which are deleted.

Both report their progress through a callback and stop when a `Cancel` flag is set. CSV is read as
UTF-8 (with or without BOM) or GBK, as Excel in China saves it. Exports neutralise formula-like text
(see `workbench.services.sheets`), and phone numbers are masked unless the user asks for full numbers.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

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
from workbench.domain.orders import OrderState
from workbench.domain.text import clean_line
from workbench.services.clock import Clock, system_clock
from workbench.services.notifications import Topic
from workbench.services.sheets import (
    Cancel,
    Progress,
    ProgressCallback,
    ReadLimits,
    SheetError,
    SheetFormat,
    Stage,
    read_table,
    write_table,
)
from workbench.storage.db import Database
from workbench.storage.repositories.customer_list import CustomerListRepository
from workbench.storage.repositories.customer_stats import CustomerStatsRepository
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.import_export import ImportExportRepository
from workbench.storage.repositories.import_staging import ImportStagingRepository

log = logging.getLogger(__name__)

MAX_IMPORT_ROWS = 200_000
MAX_IMPORT_BYTES = 100 * 1024 * 1024  # CSV text, or a zipped XLSX
MAX_UNZIPPED_BYTES = 400 * 1024 * 1024  # an XLSX's sheets and shared strings, unpacked
MAX_ISSUES = 1000  # problems reported; reading stops after that many
MAX_LISTED = 1000  # duplicates listed in a plan (all are counted)
STAGE_BATCH = 2000  # lines per staging transaction
DELETE_BATCH = 5000  # staging rows deleted per transaction
GIL_YIELD_EVERY = 20  # lines checked between two chances for other threads to run
WRITER_PAUSE = 0.025  # seconds between two import transactions on SQLite
STALE_AFTER = timedelta(days=1)  # a staging job older than this was abandoned (a crash, a closed dialog)
EXPORT_BATCH = 1000
LIMITS = ReadLimits(max_bytes=MAX_IMPORT_BYTES, max_rows=MAX_IMPORT_ROWS, max_unzipped_bytes=MAX_UNZIPPED_BYTES)

# Ranges of the numeric columns: what a shop can mean, and what every database column holds.
MAX_POINTS = 1_000_000_000
MAX_TOTAL_CENTS = 1_000_000_000  # ¥10,000,000.00 for one order
MAX_YUAN = Decimal(MAX_TOTAL_CENTS) / 100
MAX_QUANTITY = 100_000
FIRST_DATE = datetime(1990, 1, 1)
LAST_DATE = datetime(2100, 12, 31, 23, 59, 59)

TAG_SEPARATORS = re.compile(r"[、,，;；|]")
MASKED = re.compile(r"^[0-9]{3}\*+[0-9]{4}$")
# Text a database cannot store (NUL, lone surrogates) or XML cannot carry (the other C0 controls).
BAD_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
SHIPPED_EVENT = "商家已发货"

SEGMENT_NAMES = {
    Segment.HIGH_VALUE: "高价值",
    Segment.POTENTIAL: "潜力",
    Segment.NEW: "新客",
    Segment.AT_RISK: "流失预警",
    Segment.CHURNED: "已流失",
    Segment.NONE: "未购买",
}

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


def sheet_format(path: Path) -> SheetFormat:
    """CSV or XLSX, as the file name says; DomainError for anything else."""
    fmt = SheetFormat.of(path)
    if fmt is None:
        raise DomainError("import.format", name=path.name)
    return fmt


# --------------------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class SourceRow:
    line: int
    values: dict[str, str]


def file_error(path: Path, exc: SheetError) -> DomainError:
    """The domain error for a file that cannot be read as a table (the OSError, if any, stays the cause)."""
    codes = {
        "format": "import.format",
        "unreadable": "import.unreadable",
        "too_big": "import.too_big",
        "too_many_rows": "import.too_many",
        "line_too_long": "import.line_too_long",
        "encoding": "import.encoding",
    }
    return DomainError(codes.get(exc.code, "import.unreadable"), name=path.name, line=exc.line, **exc.params)


def read_rows(
    path: Path,
    columns: dict[str, tuple[str, ...]],
    required: Sequence[str],
    progress: ProgressCallback | None = None,
    cancel: Cancel | None = None,
) -> Iterator[SourceRow]:
    """The data rows of a CSV or XLSX file, keyed by column, streamed; blank lines are skipped.
    Raises ImportFailed for missing columns, DomainError when the file cannot be read (too big, too
    many rows, a line too long, not CSV or XLSX…), ImportCancelled when `cancel` is set."""
    sheet_format(path)
    rows = read_table(path, LIMITS, progress, cancel)
    try:
        header_line, header = next(rows, (1, []))
        aliases = {alias.lower(): key for key, names in columns.items() for alias in names}
        keys = [aliases.get(h.strip().lstrip("*").strip().lower()) for h in header]
        missing = [columns[k][0] for k in required if k not in keys]
        if missing:
            raise ImportFailed([ImportIssue(header_line, "import.missing_column", column=m) for m in missing])
        for line, cells in rows:
            if not any(cells):
                continue
            yield SourceRow(line, {k: cells[i] if i < len(cells) else "" for i, k in enumerate(keys) if k is not None})
    except SheetError as exc:
        raise file_error(path, exc) from (exc.__cause__ if isinstance(exc.__cause__, OSError) else exc)


# ----------------------------------------------------------------------------------------- parsing

_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d")


class OutOfRange(ValueError):
    """A well-formed value outside the range the column allows."""


def parse_datetime(text: str) -> datetime | None:
    """A date or date and time (None for blank); ValueError if unreadable, OutOfRange outside 1990–2100."""
    text = text.strip()
    if not text:
        return None
    for fmt in _DATE_FORMATS:
        try:
            value = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if not FIRST_DATE <= value <= LAST_DATE:
            raise OutOfRange(text)
        return value
    raise ValueError(text)


def parse_bool(text: str) -> bool | None:
    value = text.strip().lower()
    if value in ("", "否", "no", "n", "false", "0", "×"):
        return False if value else None
    if value in ("是", "yes", "y", "true", "1", "√", "88vip"):
        return True
    raise ValueError(text)


def _decimal(text: str) -> Decimal:
    """A finite decimal number; ValueError for anything else (NaN, Infinity, words)."""
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(text) from exc
    if not value.is_finite():
        raise ValueError(text)
    return value


def parse_count(text: str, low: int, high: int) -> int:
    """A whole number ("120", "120.0", "1e3"); ValueError if it is not one or is below `low`,
    OutOfRange above `high` (checked before it becomes an int, so "1e999999" costs nothing)."""
    value = _decimal(text)
    if value != value.to_integral_value() or value < low:
        raise ValueError(text)
    if value > high:
        raise OutOfRange(text)
    return int(value)


def parse_yuan(text: str) -> int:
    """Cents from an amount in yuan (¥1,299.50); ValueError unless ≥ 0 with at most two decimals,
    OutOfRange above ¥10,000,000 (compared exactly, before any arithmetic)."""
    value = _decimal(text.replace("¥", "").replace("￥", "").replace(",", ""))
    if value < 0:
        raise ValueError(text)
    if value > MAX_YUAN:
        raise OutOfRange(text)
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(text)
    return int(value * 100)


def clean_phone(text: str) -> str:
    """11 digits, or "" for a blank or masked (138****1234) number."""
    value = re.sub(r"[\s\-]", "", text)
    if value.startswith("+86"):
        value = value[3:]
    if not value or MASKED.match(value):
        return ""
    if not re.fullmatch(r"1[0-9]{10}", value):
        raise ValueError(text)
    return value


def _bad_text(
    values: dict[str, str], columns: dict[str, tuple[str, ...]], line: int, issues: list[ImportIssue]
) -> bool:
    """Report the cells holding characters no database or spreadsheet can keep; True if any."""
    before = len(issues)
    for key, value in values.items():
        if BAD_TEXT.search(value):
            shown = BAD_TEXT.sub("\ufffd", value)[:60]
            issues.append(ImportIssue(line, "import.text", column=columns[key][0], value=shown))
    return len(issues) > before


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

    def staged(self) -> dict[str, Any]:
        """The staging row (see `ImportStagingRepository.add_customers`)."""
        return {"line": self.line, "nick": self.nick, **{name: getattr(self, name) for name in self.FIELDS}}


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
    """A checked customer file, staged as job `job_id` until it is applied or discarded."""

    path: Path
    job_id: int
    rows: int  # good lines
    duplicates: tuple[Duplicate, ...]  # the first MAX_LISTED
    duplicate_count: int

    @property
    def new_count(self) -> int:
        return self.rows - self.duplicate_count


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

    def staged(self) -> dict[str, Any]:
        """The staging row (see `ImportStagingRepository.add_orders`)."""
        return {
            "line": self.line, "order_no": self.order_no, "nick": self.nick, "state": self.state.value,
            "total_cents": self.total_cents, "created_at": self.created_at, "paid_at": self.paid_at,
            "shipped_at": self.shipped_at, "signed_at": self.signed_at, "address": self.address,
            "carrier": self.carrier, "tracking_no": self.tracking_no, "title": self.title, "quantity": self.quantity,
            "memo": self.memo,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class OrderImportPlan:
    path: Path
    job_id: int
    rows: int
    duplicates: tuple[Duplicate, ...]
    duplicate_count: int

    @property
    def new_count(self) -> int:
        return self.rows - self.duplicate_count


ImportPlan = CustomerImportPlan | OrderImportPlan


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
    """The customer on one line, or None with its problems added to `issues`. Raises nothing else,
    whatever the text (see the property tests)."""
    v = row.values
    if _bad_text(v, CUSTOMER_COLUMNS, row.line, issues):
        return None
    bad_before = len(issues)

    def bad(code: str, column: str) -> None:
        issues.append(ImportIssue(row.line, code, column=CUSTOMER_COLUMNS[column][0], value=v.get(column, "")))

    nick = clean_line(v.get("nick", ""), field="nick")  # no NUL, control or bidi character in a nick
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
            points = parse_count(v["points"], 0, MAX_POINTS)
        except OutOfRange:
            bad("import.points_range", "points")
        except ValueError:
            bad("import.number", "points")
    registered: datetime | None = None
    try:
        registered = parse_datetime(v.get("registered_at", ""))
    except OutOfRange:
        bad("import.date_range", "registered_at")
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
    """The order on one line, or None with its problems added to `issues`. Raises nothing else."""
    v = row.values
    if _bad_text(v, ORDER_COLUMNS, row.line, issues):
        return None
    bad_before = len(issues)

    def bad(code: str, column: str) -> None:
        issues.append(ImportIssue(row.line, code, column=ORDER_COLUMNS[column][0], value=v.get(column, "")))

    order_no = v.get("order_no", "").strip()
    if not order_no:
        bad("import.required", "order_no")
    elif not re.fullmatch(r"[0-9A-Za-z\-]{4,30}", order_no):
        bad("import.order_no", "order_no")
    nick = clean_line(v.get("nick", ""), field="nick")  # no NUL, control or bidi character in a nick
    if not nick:
        bad("import.required", "nick")
    elif len(nick) > 60:
        bad("import.too_long", "nick")
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
        except OutOfRange:
            bad("import.money_range", "total")
        except ValueError:
            bad("import.money", "total")
    times: dict[str, datetime | None] = {}
    for key in ("created_at", "paid_at", "shipped_at", "signed_at"):
        try:
            times[key] = parse_datetime(v.get(key, ""))
        except OutOfRange:
            bad("import.date_range", key)
            times[key] = None
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
            quantity = parse_count(v["quantity"], 1, MAX_QUANTITY)
        except OutOfRange:
            bad("import.quantity_range", "quantity")
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


# -------------------------------------------------------------------------------------- the service


def _report(progress: ProgressCallback | None, stage: Stage, done: int = 0, total: int = 0) -> None:
    if progress is not None:
        progress(Progress(stage, done, total))


class CrmImportExport:
    def __init__(self, db: Database, shop_id: int, clock: Clock = system_clock) -> None:
        self.db = db
        self.shop_id = shop_id
        self.clock = clock

    # -- staging jobs -----------------------------------------------------------------------------

    def _new_job(self, kind: str) -> int:
        with self.db.session() as s:
            return ImportStagingRepository(s).new_job(self.shop_id, kind, self.clock())

    def _drop_job(self, job_id: int) -> None:
        """Delete a job's staging rows in small transactions (the desk's writes go on in between)."""
        while True:
            with self.db.session() as s:
                if not ImportStagingRepository(s).delete_part(job_id, DELETE_BATCH):
                    return
            self._let_others_write()

    def _let_others_write(self, pause: float = WRITER_PAUSE) -> None:
        """Between two of an import's transactions on SQLite (one writer at a time, and a waiting one
        polls with growing sleeps, up to 100 ms): leave a gap long enough for a waiting writer, such as
        an agent's reply, to take its turn instead of losing every race to the next batch."""
        if self.db.is_sqlite:
            time.sleep(pause)

    def drop_stale(self) -> None:
        """Delete what crashed or abandoned imports left in staging."""
        with self.db.session() as s:
            stale = ImportStagingRepository(s).stale_jobs(self.shop_id, self.clock() - STALE_AFTER)
        for job_id in stale:
            self._drop_job(job_id)

    def discard(self, plan: ImportPlan) -> None:
        """The user will not apply this plan (the dialog closed, another file was chosen)."""
        self._drop_job(plan.job_id)

    def _stage(
        self,
        kind: str,
        rows: Iterator[SourceRow],
        parse: Callable[[SourceRow, list[ImportIssue]], CustomerDraft | OrderDraft | None],
        issues: list[ImportIssue],
        cancel: Cancel | None,
    ) -> tuple[int, int]:
        """Check every line and stage the good ones in batches; (job id, good lines). Stops reading
        after MAX_ISSUES problems. The caller drops the job if anything goes wrong."""
        job_id = self._new_job(kind)
        good = 0
        batch: list[dict[str, Any]] = []
        tags: list[tuple[int, str]] = []

        def flush() -> None:
            if cancel is not None:
                cancel.check()
            if batch:
                lines = (batch[0]["line"], batch[-1]["line"])
                with self.db.session() as s:
                    repo = ImportStagingRepository(s)
                    if kind == "customers":
                        repo.add_customers(job_id, batch, tags)
                        repo.match_customers(job_id, self.shop_id, lines)
                    else:
                        repo.add_orders(job_id, batch)
                        repo.match_orders(job_id, self.shop_id, lines)
                self._let_others_write()
            batch.clear()
            tags.clear()

        try:
            for n, row in enumerate(rows):
                if n % GIL_YIELD_EVERY == 0:
                    # This loop is pure Python: hand the interpreter to the desk's threads now and then,
                    # instead of making each of them wait out the 5 ms switch interval at every turn.
                    time.sleep(0)
                draft = parse(row, issues)
                if draft is not None:
                    good += 1
                    batch.append(draft.staged())
                    if isinstance(draft, CustomerDraft):
                        tags.extend((draft.line, name) for name in draft.tags)
                if len(issues) >= MAX_ISSUES:
                    issues.append(ImportIssue(row.line, "import.stopped"))
                    break
                if len(batch) >= STAGE_BATCH:
                    flush()
            flush()
        except BaseException:
            self._drop_job(job_id)
            raise
        return job_id, good

    # -- customers ------------------------------------------------------------------------------

    def plan_customers(
        self, path: Path, progress: ProgressCallback | None = None, cancel: Cancel | None = None
    ) -> CustomerImportPlan:
        """Read, check and stage a customer file; raises ImportFailed listing every bad line."""
        self.drop_stale()
        issues: list[ImportIssue] = []
        rows = read_rows(path, CUSTOMER_COLUMNS, ("nick",), progress, cancel)
        job_id, good = self._stage("customers", rows, parse_customer, issues, cancel)
        try:
            _report(progress, Stage.CHECKING)
            if cancel is not None:
                cancel.check()
            duplicates: list[Duplicate] = []
            count = 0
            with self.db.session() as s:
                staging = ImportStagingRepository(s)
                if not issues or issues[-1].code != "import.stopped":
                    for key in ("nick", "phone"):
                        for line, value, first in staging.in_file_duplicates(job_id, key, MAX_ISSUES):
                            issues.append(
                                ImportIssue(line, "import.duplicate_in_file", column=CUSTOMER_COLUMNS[key][0],
                                            value=value, other_line=first)
                            )  # fmt: skip
                if not good and not issues:
                    issues.append(ImportIssue(1, "import.empty"))
                if not issues:
                    issues += self._official_library_tags(CustomerRepository(s), staging, job_id)
                if not issues:
                    issues += [
                        ImportIssue(line, "import.conflict", column=CUSTOMER_COLUMNS["phone"][0], value=phone)
                        for line, phone in staging.customer_conflicts(job_id, self.shop_id, MAX_ISSUES)
                    ]
                if not issues:
                    for m in staging.customer_matches(job_id):
                        count += 1
                        if len(duplicates) < MAX_LISTED:
                            duplicates.append(Duplicate(m.line, m.nick, m.customer_id, m.customer_nick, m.matched_on))
            if issues:
                raise ImportFailed(sorted(issues, key=lambda i: i.line))
        except BaseException:
            self._drop_job(job_id)
            raise
        return CustomerImportPlan(path, job_id, good, tuple(duplicates), count)

    def _official_library_tags(
        self, customers: CustomerRepository, staging: ImportStagingRepository, job_id: int
    ) -> list[ImportIssue]:
        """Tags the shop's library flags official are refused like 88VIP (parse_customer judged the names)."""
        official = [t.name for t in customers.all_tags(self.shop_id) if is_official_tag(t)]
        return [
            ImportIssue(line, "import.tag_official", column=CUSTOMER_COLUMNS["tags"][0], value=name)
            for line, name in staging.tag_lines(job_id, official, MAX_ISSUES)
        ]

    def apply_customers(
        self,
        plan: CustomerImportPlan,
        policy: MergePolicy,
        progress: ProgressCallback | None = None,
        cancel: Cancel | None = None,
    ) -> ImportResult:
        """Move the staged lines into the customers in one short transaction, with their statistics;
        the plan is used up either way. Matches are found again
        before the switch and checked inside it."""
        steps = 4
        merge = policy is not MergePolicy.SKIP
        try:
            if cancel is not None:
                cancel.check()
            now = self.clock()
            with self.db.session() as s:
                staging = ImportStagingRepository(s)

                def step(n: int) -> None:
                    _report(progress, Stage.WRITING, n, steps)
                    if cancel is not None:
                        cancel.check()  # rolls the whole switch back

                step(0)
                if not staging.claim(plan.job_id, self.shop_id, "customers", now):
                    raise DomainError("import.gone")
                if staging.customer_matches_changed(plan.job_id, self.shop_id):
                    staging.match_customers(plan.job_id, self.shop_id)  # a customer was added or renamed meanwhile
                issues = self._official_library_tags(CustomerRepository(s), staging, plan.job_id)
                issues += [
                    ImportIssue(line, "import.conflict", column=CUSTOMER_COLUMNS["phone"][0], value=phone)
                    for line, phone in staging.customer_conflicts(plan.job_id, self.shop_id, MAX_ISSUES)
                ]
                if issues:
                    raise ImportFailed(sorted(issues, key=lambda i: i.line))
                step(1)
                matched = staging.staged_count(plan.job_id, "customers", matched=True)
                created = staging.insert_new_customers(plan.job_id, self.shop_id)
                step(2)
                if merge:
                    staging.merge_customers(plan.job_id, overwrite=policy is MergePolicy.OVERWRITE)
                step(3)
                staging.tag_customers(plan.job_id, self.shop_id, now, matched_too=merge)
                chosen = staging.switched_customers(plan.job_id, self.shop_id, matched_too=merge)
                ids = self._touch_switched(s, chosen)
                self.db.notify(s, Topic.CUSTOMERS)
            _report(progress, Stage.WRITING, steps, steps)
        finally:
            self._drop_job(plan.job_id)
        updated, skipped = (matched, 0) if merge else (0, matched)
        log.info("customers imported: %d new, %d updated, %d skipped", created, updated, skipped)
        return ImportResult(created, updated, skipped, ids)

    def _touch_switched(self, s: Session, chosen: Select[tuple[int]]) -> tuple[int, ...]:
        """Inside the switch's transaction: recount the statistics of the customers it created or
        changed (set-based, so a kill at any moment leaves the counts matching the orders); their ids."""
        CustomerStatsRepository(s).touch_of(self.shop_id, chosen)
        return tuple(sorted(set(s.scalars(chosen))))

    def import_customers(
        self,
        path: Path,
        policy: MergePolicy,
        progress: ProgressCallback | None = None,
        cancel: Cancel | None = None,
    ) -> ImportResult:
        """Check and apply a customer file in one go (the command line)."""
        return self.apply_customers(self.plan_customers(path, progress, cancel), policy, progress, cancel)

    # -- orders ---------------------------------------------------------------------------------

    def plan_orders(
        self, path: Path, progress: ProgressCallback | None = None, cancel: Cancel | None = None
    ) -> OrderImportPlan:
        """Read, check and stage an order file; raises ImportFailed listing every bad line."""
        self.drop_stale()
        issues: list[ImportIssue] = []
        required = ("order_no", "nick", "state", "total", "created_at")
        rows = read_rows(path, ORDER_COLUMNS, required, progress, cancel)
        job_id, good = self._stage("orders", rows, parse_order, issues, cancel)
        try:
            _report(progress, Stage.CHECKING)
            if cancel is not None:
                cancel.check()
            duplicates: list[Duplicate] = []
            count = 0
            with self.db.session() as s:
                staging = ImportStagingRepository(s)
                if not issues or issues[-1].code != "import.stopped":
                    for line, value, first in staging.in_file_duplicates(job_id, "order_no", MAX_ISSUES):
                        issues.append(
                            ImportIssue(line, "import.duplicate_in_file", column=ORDER_COLUMNS["order_no"][0],
                                        value=value, other_line=first)
                        )  # fmt: skip
                if not good and not issues:
                    issues.append(ImportIssue(1, "import.empty"))
                if not issues:
                    issues += [
                        ImportIssue(line, "import.unknown_customer", column=ORDER_COLUMNS["nick"][0], value=nick)
                        for line, nick in staging.unknown_buyer_lines(job_id, MAX_ISSUES)
                    ]
                    for line, order_no, order_id in staging.order_matches(job_id):
                        count += 1
                        if len(duplicates) < MAX_LISTED:
                            duplicates.append(Duplicate(line, order_no, order_id, order_no, "order_no"))
            if issues:
                raise ImportFailed(sorted(issues, key=lambda i: i.line))
        except BaseException:
            self._drop_job(job_id)
            raise
        return OrderImportPlan(path, job_id, good, tuple(duplicates), count)

    def apply_orders(
        self,
        plan: OrderImportPlan,
        policy: MergePolicy,
        progress: ProgressCallback | None = None,
        cancel: Cancel | None = None,
    ) -> ImportResult:
        """Move the staged orders into the shop in one short transaction, with the buyers' statistics;
        the plan is used up either way."""
        steps = 3
        merge = policy is not MergePolicy.SKIP
        try:
            if cancel is not None:
                cancel.check()
            now = self.clock()
            with self.db.session() as s:
                staging = ImportStagingRepository(s)

                def step(n: int) -> None:
                    _report(progress, Stage.WRITING, n, steps)
                    if cancel is not None:
                        cancel.check()

                step(0)
                if not staging.claim(plan.job_id, self.shop_id, "orders", now):
                    raise DomainError("import.gone")
                if staging.order_matches_changed(plan.job_id, self.shop_id):
                    staging.match_orders(plan.job_id, self.shop_id)
                issues = [
                    ImportIssue(line, "import.unknown_customer", column=ORDER_COLUMNS["nick"][0], value=nick)
                    for line, nick in staging.unknown_buyer_lines(plan.job_id, MAX_ISSUES)
                ]
                if not issues and merge:
                    issues = [
                        ImportIssue(line, "import.order_other_customer", value=order_no)
                        for line, order_no in staging.orders_of_others(plan.job_id, self.shop_id, MAX_ISSUES)
                    ]
                if issues:
                    raise ImportFailed(issues)
                step(1)
                matched = staging.staged_count(plan.job_id, "orders", matched=True)
                created = staging.insert_new_orders(plan.job_id, self.shop_id, SHIPPED_EVENT)
                step(2)
                if merge:
                    staging.merge_orders(plan.job_id, overwrite=policy is MergePolicy.OVERWRITE)
                ids = self._touch_switched(s, staging.order_customers(plan.job_id, matched_too=merge))
                self.db.notify(s, Topic.CUSTOMERS)
            _report(progress, Stage.WRITING, steps, steps)
        finally:
            self._drop_job(plan.job_id)
        updated, skipped = (matched, 0) if merge else (0, matched)
        log.info("orders imported: %d new, %d updated, %d skipped", created, updated, skipped)
        return ImportResult(created, updated, skipped, ids)

    def import_orders(
        self,
        path: Path,
        policy: MergePolicy,
        progress: ProgressCallback | None = None,
        cancel: Cancel | None = None,
    ) -> ImportResult:
        """Check and apply an order file in one go (the command line)."""
        return self.apply_orders(self.plan_orders(path, progress, cancel), policy, progress, cancel)

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

            return _write(path, header, rows())

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


def _write(path: Path, header: list[str], rows: Iterator[list[Any]]) -> int:
    """Write a CSV (UTF-8 with BOM, so Excel opens it) or XLSX file via a temp file; returns data rows."""
    sheet_format(path)
    try:
        return write_table(path, header, rows)
    except OSError as exc:
        raise DomainError("export.write", name=path.name, detail=exc.strerror or str(exc)) from exc
