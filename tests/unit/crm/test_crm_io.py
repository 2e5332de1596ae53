"""Import and export of customers and orders: CSV (UTF-8 / GBK) and XLSX, all or nothing,
line-numbered errors, duplicates merged by the chosen policy."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from tests.unit.crm.conftest import Known, clock
from workbench.domain.crm import CustomerFilter, ImportFailed, MergePolicy, Segment, Selection
from workbench.services.crm import CrmService
from workbench.services.crm_io import CrmImportExport
from workbench.storage.db import Database
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.tables import CustomerRow, OrderRow

HEADER = ["昵称", "姓名", "手机", "性别", "会员等级", "积分", "注册时间", "标签", "不认识的列"]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def count(db: Database, table: type) -> int:
    with db.session() as s:
        return int(s.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.fixture
def io(db: Database, known: Known) -> CrmImportExport:
    return CrmImportExport(db, known.shop_id, clock)


def test_customers_from_csv_with_tags(db: Database, known: Known, io: CrmImportExport, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "c.csv",
        [
            HEADER,
            ["新客_甲", "张三", "139 0000 0001", "女", "银卡", "120", "2020-03-04", "新品试穿、学生党", "x"],
            ["", "", "", "", "", "", "", "", ""],  # blank lines are skipped
            ["新客_乙", "", "", "male", "", "", "2021/5/6 10:20", "", ""],
        ],
    )
    plan = io.plan_customers(path)
    assert (plan.new_count, plan.duplicates) == (2, ())
    result = io.apply_customers(plan, MergePolicy.SKIP)
    assert (result.created, result.updated, result.skipped) == (2, 0, 0)
    with db.session() as s:
        repo = CustomerRepository(s)
        a = repo.by_nick(known.shop_id, "新客_甲")
        b = repo.by_nick(known.shop_id, "新客_乙")
        assert a is not None and b is not None
        assert (a.phone, a.member_level, a.points, a.gender) == ("13900000001", "银卡", 120, "女")
        assert {t.name for t in repo.tags_of(a.id)} == {"新品试穿", "学生党"}
        assert b.gender == "男" and b.registered_at is not None and b.registered_at.hour == 10
    crm = CrmService(db, known.shop_id, clock)
    assert crm.count(CustomerFilter(segments=(Segment.NONE,), search="新客_")) == 2  # statistics are ready at once


def test_every_bad_line_is_reported_and_nothing_is_written(
    db: Database, known: Known, io: CrmImportExport, tmp_path: Path
) -> None:
    before = count(db, CustomerRow)
    path = write_csv(
        tmp_path / "bad.csv",
        [
            HEADER,
            ["好人", "", "", "", "", "", "", "", ""],
            ["", "没昵称", "", "", "", "", "", "", ""],
            ["坏电话", "", "12345", "", "", "", "", "", ""],
            ["坏等级", "", "", "不男不女", "黑卡", "-5", "昨天", "88VIP", ""],
            ["好人", "", "", "", "", "", "", "", ""],
        ],
    )
    with pytest.raises(ImportFailed) as info:
        io.plan_customers(path)
    issues = [(i.line, i.code, i.column) for i in info.value.issues]
    assert issues == [
        (3, "import.required", "昵称"),
        (4, "import.phone", "手机"),
        (5, "import.gender", "性别"),
        (5, "import.level", "会员等级"),
        (5, "import.number", "积分"),
        (5, "import.date", "注册时间"),
        (5, "import.tag_official", "标签"),
        (6, "import.duplicate_in_file", "昵称"),
    ]
    assert info.value.issues[-1].other_line == 2
    assert count(db, CustomerRow) == before


def test_missing_column_and_empty_file(io: CrmImportExport, tmp_path: Path) -> None:
    with pytest.raises(ImportFailed) as info:
        io.plan_customers(write_csv(tmp_path / "a.csv", [["姓名", "手机"], ["张三", ""]]))
    assert [(i.line, i.code, i.column) for i in info.value.issues] == [(1, "import.missing_column", "昵称")]
    with pytest.raises(ImportFailed) as info:
        io.plan_customers(write_csv(tmp_path / "b.csv", [["昵称"]]))
    assert info.value.issues[0].code == "import.empty"


def test_gbk_csv_from_excel(db: Database, known: Known, io: CrmImportExport, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "gbk.csv", [["昵称", "姓名"], ["国标客户", "李四"]], encoding="gbk")
    io.apply_customers(io.plan_customers(path), MergePolicy.SKIP)
    with db.session() as s:
        customer = CustomerRepository(s).by_nick(known.shop_id, "国标客户")
    assert customer is not None and customer.name == "李四"


@pytest.mark.parametrize(
    ("policy", "expected_name", "expected_points"),
    [(MergePolicy.SKIP, "old", 10), (MergePolicy.FILL, "old", 10), (MergePolicy.OVERWRITE, "新名字", 999)],
)
def test_duplicates_by_nick_or_phone_follow_the_policy(
    db: Database,
    known: Known,
    io: CrmImportExport,
    tmp_path: Path,
    policy: MergePolicy,
    expected_name: str,
    expected_points: int,
) -> None:
    by_nick = known.customers[next(c for c in known.customers if known.customers[c].phone)]
    by_phone = known.customers[next(c for c in known.customers if known.customers[c].phone and c != by_nick.id)]
    with db.session() as s:
        for cid in (by_nick.id, by_phone.id):
            row = s.get(CustomerRow, cid)
            assert row is not None
            row.name, row.points, row.city = "old", 10, ""
    path = write_xlsx(
        tmp_path / "dup.xlsx",
        [
            ["昵称", "姓名", "手机", "积分", "城市", "标签"],
            [by_nick.nick, "新名字", "", 999, "上海", "回头客"],
            ["改过名的人", "新名字", by_phone.phone, 999, "上海", ""],
            ["全新的人", "", "", "", "", ""],
        ],
    )
    plan = io.plan_customers(path)
    assert [(d.line, d.matched_on, d.existing_id) for d in plan.duplicates] == [
        (2, "nick", by_nick.id),
        (3, "phone", by_phone.id),
    ]
    result = io.apply_customers(plan, policy)
    merged = 0 if policy is MergePolicy.SKIP else 2
    assert (result.created, result.updated, result.skipped) == (1, merged, 2 - merged)
    with db.session() as s:
        repo = CustomerRepository(s)
        for cid in (by_nick.id, by_phone.id):
            customer = repo.get(cid)
            assert customer is not None
            assert (customer.name, customer.points) == (expected_name, expected_points)
            assert customer.city == ("" if policy is MergePolicy.SKIP else "上海")  # blank fields fill either way
        assert repo.by_nick(known.shop_id, "改过名的人") is None  # merged into the phone's owner, not created
        has_tag = "回头客" in {t.name for t in repo.tags_of(by_nick.id)}
        assert has_tag is (policy is not MergePolicy.SKIP)


def test_nick_and_phone_of_two_different_customers_is_an_error(
    known: Known, io: CrmImportExport, tmp_path: Path
) -> None:
    a, b = [c for c in known.customers.values() if c.phone][:2]
    path = write_csv(tmp_path / "x.csv", [["昵称", "手机"], [a.nick, b.phone]])
    with pytest.raises(ImportFailed) as info:
        io.plan_customers(path)
    assert [(i.line, i.code) for i in info.value.issues] == [(2, "import.conflict")]


def test_orders_import_updates_segments(db: Database, known: Known, io: CrmImportExport, tmp_path: Path) -> None:
    crm = CrmService(db, known.shop_id, clock)
    crm.refresh()
    quiet = next(c for c in known.customers if not known.purchases(c))
    nick = known.customers[quiet].nick
    header = ["订单号", "买家昵称", "状态", "实付金额", "下单时间", "签收时间", "商品", "数量"]
    path = write_csv(
        tmp_path / "orders.csv",
        [
            header,
            ["88880001", nick, "交易成功", "¥1,299.00", "2026-05-20 10:00", "2026-05-22 12:00", "羊毛大衣", "1"],
            ["88880002", nick, "已签收", "99.5", "2026-05-28 09:00", "", "", ""],
        ],
    )
    plan = io.plan_orders(path)
    assert plan.new_count == 2
    result = io.apply_orders(plan, MergePolicy.SKIP)
    assert result.created == 2 and result.customer_ids == (quiet,)
    stats = crm.profile(quiet).stats
    assert (stats.order_count, stats.total_cents) == (2, 129_900 + 9_950)
    assert stats.segment is Segment.POTENTIAL
    again = io.plan_orders(path)
    assert [d.matched_on for d in again.duplicates] == ["order_no", "order_no"]
    assert io.apply_orders(again, MergePolicy.SKIP).skipped == 2


def test_bad_order_lines(db: Database, known: Known, io: CrmImportExport, tmp_path: Path) -> None:
    before = count(db, OrderRow)
    nick = next(iter(known.customers.values())).nick
    path = write_xlsx(
        tmp_path / "orders.xlsx",
        [
            ["订单号", "买家昵称", "状态", "实付金额", "下单时间", "付款时间"],
            ["10001", "不存在的人", "交易成功", 10, "2026-05-01", ""],
            ["10002", nick, "发货了", "abc", "2026-05-01", "2026-04-01"],
            ["10003", nick, "待发货", "1.234", "", ""],
            ["10004", nick, "待发货", 10, "2026-05-01", ""],
        ],
    )
    with pytest.raises(ImportFailed) as info:
        io.plan_orders(path)
    assert [(i.line, i.code) for i in info.value.issues] == [
        (3, "import.state"),
        (3, "import.money"),
        (3, "import.time_order"),
        (4, "import.money"),
        (4, "import.required"),
    ]
    assert count(db, OrderRow) == before


def test_export_masks_phones_unless_asked_and_reimports(
    db: Database, known: Known, io: CrmImportExport, tmp_path: Path
) -> None:
    CrmService(db, known.shop_id, clock).refresh()
    with_phone = [c for c in known.customers.values() if c.phone][:5]
    selection = Selection.of([c.id for c in with_phone])
    assert io.export_customers(selection, tmp_path / "masked.csv") == 5
    text = (tmp_path / "masked.csv").read_text(encoding="utf-8-sig")
    assert all(c.phone not in text for c in with_phone)
    assert "****" in text
    assert io.export_customers(selection, tmp_path / "full.xlsx", full_phone=True) == 5
    sheet = load_workbook(tmp_path / "full.xlsx", read_only=True).worksheets[0]
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert cells[0][:3] == ["昵称", "姓名", "手机"]
    assert sorted(r[2] for r in cells[1:]) == sorted(c.phone for c in with_phone)
    # our own export imports back: everyone is a duplicate by nick, masked phones are ignored
    plan = io.plan_customers(tmp_path / "masked.csv")
    assert len(plan.duplicates) == 5 and plan.new_count == 0
    everyone = Selection.matching(CustomerFilter())
    assert io.export_orders(everyone, tmp_path / "orders.csv") == sum(len(o) for o in known.orders.values())
    assert io.plan_orders(tmp_path / "orders.csv").new_count == 0
