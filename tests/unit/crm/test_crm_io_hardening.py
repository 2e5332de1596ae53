"""Customer and order import/export, hardened: no formula gets out, values survive a round trip,
numbers are range-checked with their line, and an import is streamed, staged, cancellable and still
all or nothing."""

from __future__ import annotations

import csv
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.unit.crm.conftest import NOW, Known, clock
from workbench.domain.crm import CustomerFilter, ImportFailed, MergePolicy, Selection
from workbench.domain.customers import Customer
from workbench.domain.errors import DomainError
from workbench.domain.orders import Order, OrderState
from workbench.services.crm_io import CrmImportExport
from workbench.services.sheets import Cancel, ImportCancelled, Progress, Stage
from workbench.storage.db import Database
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.orders import OrderRepository
from workbench.storage.tables import CustomerRow, CustomerTagRow, OrderRow
from workbench.storage.tables_import import ImportCustomerRow, ImportCustomerTagRow, ImportJobRow, ImportOrderRow

STAGING = (ImportJobRow, ImportCustomerRow, ImportCustomerTagRow, ImportOrderRow)
# Buyer-controlled text that a spreadsheet would run, and text that really starts with a quote.
EVIL = {
    "nick": "=cmd|' /C calc'!A0",
    "name": '=HYPERLINK("http://x.example","点")',
    "city": "+杭州",
    "preferences": "@SUM(1+1)",
    "tag": "-2+3",
}
QUOTED = {"nick": "'引号开头的昵称", "name": "''双引号", "preferences": "'=看起来像公式"}
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def count(db: Database, table: type) -> int:
    with db.session() as s:
        return int(s.execute(select(func.count()).select_from(table)).scalar_one())


def staged(db: Database) -> int:
    return sum(count(db, t) for t in STAGING)


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.fixture
def io(db: Database, known: Known) -> CrmImportExport:
    return CrmImportExport(db, known.shop_id, clock)


def add_customer(db: Database, shop_id: int, **fields: str) -> int:
    with db.session() as s:
        repo = CustomerRepository(s)
        customer = repo.add(
            shop_id,
            Customer(id=0, nick=fields["nick"], name=fields.get("name", ""), city=fields.get("city", ""), points=42),
        )
        if "tag" in fields:
            repo.add_tag(customer.id, repo.ensure_tag(shop_id, fields["tag"]).id, NOW)
        row = s.get(CustomerRow, customer.id)
        assert row is not None
        row.preferences = fields.get("preferences", "")
        return customer.id


# -- 1. no formula gets out ------------------------------------------------------------------------


def test_customer_exports_neutralise_formulas(db: Database, known: Known, io: CrmImportExport, tmp_path: Path) -> None:
    evil = add_customer(db, known.shop_id, **EVIL)
    selection = Selection.of([evil])
    io.export_customers(selection, tmp_path / "c.csv")
    with (tmp_path / "c.csv").open(encoding="utf-8-sig", newline="") as fh:
        header, row = list(csv.reader(fh))
    cells = dict(zip(header, row, strict=True))
    for column in ("昵称", "姓名", "城市", "偏好", "标签"):
        assert cells[column].startswith("'"), column
    io.export_customers(selection, tmp_path / "c.xlsx")
    xml = zipfile.ZipFile(tmp_path / "c.xlsx").read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml
    sheet = load_workbook(tmp_path / "c.xlsx").worksheets[0]
    values = {c.value: c for c in sheet[2]}
    for text in (EVIL["nick"], EVIL["name"], EVIL["city"], EVIL["preferences"], EVIL["tag"]):
        assert values[text].data_type == "s" and values[text].quotePrefix, text
    assert values[42].data_type == "n"  # points stay a number


def test_order_exports_neutralise_formulas(db: Database, known: Known, io: CrmImportExport, tmp_path: Path) -> None:
    buyer = add_customer(db, known.shop_id, nick="买家甲")
    with db.session() as s:
        OrderRepository(s).add_order(
            known.shop_id,
            Order(id=0, order_no="-2024001", customer_id=buyer, state=OrderState.SHIPPED, total_cents=9900,
                  created_at=NOW - timedelta(days=1), address="=WEBSERVICE(\"http://x\")", memo="@备注",
                  carrier="+顺丰", tracking_no="\t=1"),
        )  # fmt: skip
    io.export_orders(Selection.of([buyer]), tmp_path / "o.csv")
    with (tmp_path / "o.csv").open(encoding="utf-8-sig", newline="") as fh:
        row = list(csv.reader(fh))[1]
    assert not any(cell.startswith(TRIGGERS) for cell in row), row
    io.export_orders(Selection.of([buyer]), tmp_path / "o.xlsx")
    assert "<f>" not in zipfile.ZipFile(tmp_path / "o.xlsx").read("xl/worksheets/sheet1.xml").decode()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_then_import_gives_back_the_same_text(
    db: Database, known: Known, io: CrmImportExport, tmp_path: Path, suffix: str
) -> None:
    ids = [add_customer(db, known.shop_id, **EVIL), add_customer(db, known.shop_id, **QUOTED)]
    path = tmp_path / f"c{suffix}"
    io.export_customers(Selection.of(ids), path)
    with db.session() as s:  # blank them, so only the file can bring the values back
        for row in s.scalars(select(CustomerRow).where(CustomerRow.id.in_(ids))):
            row.name, row.city, row.preferences = "", "", ""
    result = io.apply_customers(io.plan_customers(path), MergePolicy.FILL)
    assert (result.created, result.updated) == (0, 2)
    with db.session() as s:
        repo = CustomerRepository(s)
        evil, quoted = repo.get(ids[0]), repo.get(ids[1])
        assert evil is not None and quoted is not None
        assert (evil.nick, evil.name, evil.city) == (EVIL["nick"], EVIL["name"], EVIL["city"])
        assert (quoted.nick, quoted.name) == (QUOTED["nick"], QUOTED["name"])
        prefs = dict(s.execute(select(CustomerRow.id, CustomerRow.preferences).where(CustomerRow.id.in_(ids))).all())
        assert prefs == {ids[0]: EVIL["preferences"], ids[1]: QUOTED["preferences"]}
        assert EVIL["tag"] in {t.name for t in repo.tags_of(ids[0])}


# -- 4. numbers ------------------------------------------------------------------------------------


def test_odd_numbers_are_reported_with_their_line(
    db: Database, known: Known, io: CrmImportExport, tmp_path: Path
) -> None:
    before = count(db, CustomerRow)
    path = write_csv(
        tmp_path / "n.csv",
        [
            ["昵称", "积分", "注册时间"],
            ["甲", "Infinity", ""],
            ["乙", "1e30", ""],
            ["丙", "NaN", ""],
            ["丁", "1234567890123456789012345", ""],
            ["戊", "-inf", "9999-12-31"],
            ["己", "12.5", "1850-01-01"],
            ["庚", "1e3", "2024-02-30"],
        ],
    )
    with pytest.raises(ImportFailed) as info:
        io.plan_customers(path)
    assert [(i.line, i.column, i.code) for i in info.value.issues] == [
        (2, "积分", "import.number"),
        (3, "积分", "import.points_range"),
        (4, "积分", "import.number"),
        (5, "积分", "import.points_range"),
        (6, "积分", "import.number"),
        (6, "注册时间", "import.date_range"),
        (7, "积分", "import.number"),
        (7, "注册时间", "import.date_range"),
        (8, "注册时间", "import.date"),  # 1e3 points is fine: 1000
    ]
    assert count(db, CustomerRow) == before and staged(db) == 0


def test_odd_amounts_and_quantities(db: Database, known: Known, io: CrmImportExport, tmp_path: Path) -> None:
    nick = next(iter(known.customers.values())).nick
    header = ["订单号", "买家昵称", "状态", "实付金额", "下单时间", "数量"]
    path = write_csv(
        tmp_path / "o.csv",
        [
            header,
            ["A0001", nick, "交易成功", "Infinity", "2026-05-01", "1"],
            ["A0002", nick, "交易成功", "1e30", "2026-05-01", "1e30"],
            ["A0003", nick, "交易成功", "NaN", "2026-05-01", "NaN"],
            ["A0004", nick, "交易成功", "99999999999999999999999.00", "2026-05-01", "1234567890123456789012345"],
            ["A0005", nick, "交易成功", "10000000.01", "2026-05-01", "0"],
            ["A0006", nick, "交易成功", "10000000.00", "2026-05-01", "100000"],
        ],
    )
    with pytest.raises(ImportFailed) as info:
        io.plan_orders(path)
    assert [(i.line, i.column, i.code) for i in info.value.issues] == [
        (2, "实付金额", "import.money"),
        (3, "实付金额", "import.money_range"),
        (3, "数量", "import.quantity_range"),
        (4, "实付金额", "import.money"),
        (4, "数量", "import.number"),
        (5, "实付金额", "import.money_range"),
        (5, "数量", "import.quantity_range"),
        (6, "实付金额", "import.money_range"),
        (6, "数量", "import.number"),
    ]
    assert staged(db) == 0


def test_text_no_database_can_store_is_refused(known: Known, io: CrmImportExport, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "t.csv", [["昵称", "姓名"], ["甲", "带\x00空字符"], ["乙", "带\x1b控制符"], ["丙", "好"]]
    )
    with pytest.raises(ImportFailed) as info:
        io.plan_customers(path)
    assert [(i.line, i.code, i.column) for i in info.value.issues] == [
        (2, "import.text", "姓名"),
        (3, "import.text", "姓名"),
    ]


# -- 2. streamed, limited -------------------------------------------------------------------------


def test_too_many_rows_are_refused_as_they_are_read(
    db: Database, known: Known, io: CrmImportExport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import workbench.services.crm_io as crm_io
    from workbench.services.sheets import ReadLimits

    monkeypatch.setattr(crm_io, "LIMITS", ReadLimits(max_bytes=1 << 20, max_rows=50))
    path = write_csv(tmp_path / "many.csv", [["昵称"], *([f"新客{i}"] for i in range(60))])
    with pytest.raises(DomainError) as info:
        io.plan_customers(path)
    assert (info.value.code, info.value.params["line"], info.value.params["limit"]) == ("import.too_many", 52, 50)
    assert staged(db) == 0


# -- 3. staged, cancellable, all or nothing ----------------------------------------------------------


def big_file(tmp_path: Path, n: int = 5000) -> Path:
    return write_csv(
        tmp_path / "big.csv",
        [["昵称", "手机", "标签"], *([f"批量客户{i:05d}", f"137{i:08d}", "批量、新品"] for i in range(n))],
    )


def test_a_plan_is_staged_and_the_switch_leaves_no_staging(
    db: Database, known: Known, io: CrmImportExport, tmp_path: Path
) -> None:
    before = count(db, CustomerRow)
    seen: list[Progress] = []
    plan = io.plan_customers(big_file(tmp_path), seen.append)
    assert plan.rows == 5000 and plan.new_count == 5000
    assert count(db, ImportCustomerRow) == 5000 and count(db, CustomerRow) == before  # nothing visible yet
    assert {p.stage for p in seen} == {Stage.READING, Stage.CHECKING}
    seen.clear()
    result = io.apply_customers(plan, MergePolicy.SKIP, seen.append)
    assert result.created == 5000 and len(result.customer_ids) == 5000
    assert count(db, CustomerRow) == before + 5000 and count(db, CustomerTagRow) >= 10_000
    assert [p.done for p in seen if p.stage is Stage.WRITING] == [0, 1, 2, 3, 4]
    assert staged(db) == 0
    with pytest.raises(DomainError) as info:  # a plan is used once
        io.apply_customers(plan, MergePolicy.SKIP)
    assert info.value.code == "import.gone"


def test_cancel_while_checking_writes_nothing(db: Database, known: Known, io: CrmImportExport, tmp_path: Path) -> None:
    cancel = Cancel()

    def progress(p: Progress) -> None:
        if p.stage is Stage.READING and p.done > 0:
            cancel.set()

    with pytest.raises(ImportCancelled):
        io.plan_customers(big_file(tmp_path), progress, cancel)
    assert staged(db) == 0


@pytest.mark.parametrize("at_step", [0, 2, 3])
def test_cancel_during_the_switch_rolls_it_all_back(
    db: Database, known: Known, io: CrmImportExport, tmp_path: Path, at_step: int
) -> None:
    before = (count(db, CustomerRow), count(db, CustomerTagRow))
    plan = io.plan_customers(big_file(tmp_path, 500))
    cancel = Cancel()

    def progress(p: Progress) -> None:
        if p.stage is Stage.WRITING and p.done == at_step:
            cancel.set()  # checked right after this report, inside the switch's transaction

    with pytest.raises(ImportCancelled):
        io.apply_customers(plan, MergePolicy.SKIP, progress, cancel)
    assert (count(db, CustomerRow), count(db, CustomerTagRow)) == before
    assert staged(db) == 0


def test_a_crashed_import_leaves_only_staging_which_the_next_one_clears(
    db: Database, known: Known, io: CrmImportExport, tmp_path: Path
) -> None:
    plan = io.plan_customers(big_file(tmp_path, 300))  # …and the program died before the switch
    with db.session() as s:
        job = s.get(ImportJobRow, plan.job_id)
        assert job is not None
        job.created_at = NOW - timedelta(days=2)
    fresh = io.plan_customers(big_file(tmp_path, 10))
    assert count(db, ImportCustomerRow) == 10  # the abandoned job's 300 lines are gone
    io.discard(fresh)
    assert staged(db) == 0


def test_a_customer_added_after_the_check_is_merged_not_duplicated(
    db: Database, known: Known, io: CrmImportExport, tmp_path: Path
) -> None:
    plan = io.plan_customers(big_file(tmp_path, 20))
    meanwhile = add_customer(db, known.shop_id, nick="批量客户00007", name="聊天时建的")
    result = io.apply_customers(plan, MergePolicy.FILL)
    assert (result.created, result.updated) == (19, 1)
    with db.session() as s:
        assert s.execute(select(func.count()).where(CustomerRow.nick == "批量客户00007")).scalar_one() == 1
        row = s.get(CustomerRow, meanwhile)
        assert row is not None and row.phone == "13700000007" and row.name == "聊天时建的"


def test_an_order_import_is_staged_switched_and_cleared(
    db: Database, known: Known, io: CrmImportExport, tmp_path: Path
) -> None:
    buyer = next(c for c in known.customers.values() if not known.orders[c.id])
    rows = [["订单号", "买家昵称", "状态", "实付金额", "下单时间", "发货时间", "商品", "数量"]]
    rows += [
        [f"B{i:06d}", buyer.nick, "已发货", "30.00", "2026-05-01 10:00", "2026-05-02", "袜子", "3"] for i in range(300)
    ]
    path = write_csv(tmp_path / "o.csv", rows)
    plan = io.plan_orders(path)
    assert plan.rows == 300 and count(db, ImportOrderRow) == 300
    result = io.apply_orders(plan, MergePolicy.SKIP)
    assert result.created == 300 and result.customer_ids == (buyer.id,)
    with db.session() as s:
        order = OrderRepository(s).by_number("B000007")
        assert order is not None and order.items[0].quantity == 3 and order.items[0].price_cents == 1000
        assert order.logistics[0].at == datetime(2026, 5, 2)
    assert staged(db) == 0
    assert io.plan_orders(path).duplicate_count == 300


def test_every_customer_export_is_everyone_in_the_selection(
    db: Database, known: Known, io: CrmImportExport, tmp_path: Path
) -> None:
    everyone = Selection.matching(CustomerFilter())
    assert io.export_customers(everyone, tmp_path / "all.xlsx") == len(known.customers)
    assert count(db, OrderRow) > 0
