"""CSV / XLSX import and export: template, round trip, all-or-nothing with row numbers, question files."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from tests.unit.kb_admin.conftest import FakeClock, draft
from workbench.domain.identity import PROGRAM
from workbench.domain.kb import Phrasing, PhrasingKind
from workbench.domain.kb_admin import Answer, IssueField, KbValidationError
from workbench.services.kb_admin import KbAdminService
from workbench.services.kb_io import COLUMNS, KbIoService, read_questions, read_rows
from workbench.services.packs import PackService
from workbench.storage.db import Database


@pytest.fixture
def svc(db: Database, shop_id: int, clock: FakeClock) -> KbAdminService:
    return KbAdminService(db, shop_id, clock, actor=PROGRAM)


@pytest.fixture
def io(db: Database, shop_id: int, clock: FakeClock) -> KbIoService:
    return KbIoService(db, shop_id, clock, actor=PROGRAM)


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows([list(COLUMNS), *rows])
    return path


def row(question: str, phrasing: str = "", answer: str = "", **cells: str) -> list[str]:
    values = {"分类": "物流问题", "标准问题": question, "问法": phrasing, "答案": answer, **cells}
    return [values.get(c, "") for c in COLUMNS]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_then_import_round_trips(suffix: str, tmp_path: Path, svc: KbAdminService, io: KbIoService) -> None:
    svc.add_category("尺码专区")
    full = draft(
        phrasings=(
            Phrasing("今天下单能发吗", core_words=("今天", "发")),
            Phrasing("发货 多久", PhrasingKind.KEYWORD),
            Phrasing("不用发货了", negative=True),
        ),
        answers=(Answer("亲，48小时内发货", date(2026, 11, 1), date(2026, 11, 11)), Answer("亲，预售按页面时间")),
        needs_human=True,
    )
    svc.create_entry(full)
    svc.create_entry(draft("童装怎么选码", "尺码专区", (Phrasing("孩子穿多大"),), enabled=False))
    before = [e.draft().cleaned() for e in svc.entries()]
    path = tmp_path / f"kb{suffix}"
    assert io.export(path) == 2
    result = io.import_file(path)
    assert (result.added, result.updated) == (0, 2)
    assert [e.draft().cleaned() for e in svc.entries()] == before
    assert {e.question for e in result.change.entries} == {"什么时候发货", "童装怎么选码"}


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_template_imports_as_it_is(suffix: str, tmp_path: Path, svc: KbAdminService, io: KbIoService) -> None:
    path = tmp_path / f"模板{suffix}"
    io.write_template(path)
    assert read_rows(path)[0] == list(COLUMNS)
    result = io.import_file(path)
    assert result.added == 3 and result.updated == 0
    entries = {e.question: e for e in svc.entries()}
    ship = entries["什么时候发货"]
    assert [p.text for p in ship.phrasings] == ["啥时候能发", "今天下单能发吗", "发货 多久", "不用发货了"]
    assert ship.phrasings[1].core_words == ("今天", "发") and ship.phrasings[2].kind is PhrasingKind.KEYWORD
    assert ship.phrasings[3].negative and ship.custom
    assert entries["修改尺码"].needs_human
    assert entries["双十一有什么活动"].answers[0].valid_to == date(2024, 11, 11)


def test_errors_carry_row_numbers_and_nothing_is_written(tmp_path: Path, svc: KbAdminService, io: KbIoService) -> None:
    svc.create_entry(draft("包邮吗", phrasings=(Phrasing("包不包邮"),)))
    rows = [row("什么时候发货", "啥时候能发", "亲，48小时内发货")]
    rows += [row("什么时候发货", f"问法{i}") for i in range(9)]
    rows.append(row("包邮吗", "能包邮吗", "亲，包邮哦", 核心词="包邮、顺丰"))  # row 12
    rows.append(row("发什么快递", "用哪家快递", "", 问法类型="正则"))  # row 13: bad kind, and no answer
    rows.append(row("发什么快递", "", "亲，中通", 答案生效开始="下周一"))  # row 14
    rows.append(row("多久能到", "几天能到", "亲，3天", 分类="玩具问题"))  # row 15
    path = write_csv(tmp_path / "kb.csv", rows)
    with pytest.raises(KbValidationError) as info:
        io.import_file(path)
    got = [(i.line, i.field, i.code, dict(i.params)) for i in info.value.issues]
    assert got == [
        (12, IssueField.CORE_WORDS, "kb.core.not_in_phrasing", {"word": "顺丰"}),
        (13, IssueField.KIND, "kb.import.bad_kind", {"value": "正则"}),
        (14, IssueField.VALIDITY, "kb.import.bad_date", {"value": "下周一"}),
        (15, IssueField.CATEGORY, "kb.category.unknown", {"name": "玩具问题"}),
    ]
    assert [e.question for e in svc.entries()] == ["包邮吗"]  # all or nothing
    assert svc.entries()[0].phrasings[0].text == "包不包邮"


def test_header_problems_and_inconsistent_rows(tmp_path: Path, io: KbIoService) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("分类,标准问题,答按\n物流问题,包邮吗,亲\n", encoding="utf-8")
    with pytest.raises(KbValidationError) as info:
        io.import_file(path)
    assert [(i.line, i.code, dict(i.params)) for i in info.value.issues] == [
        (1, "kb.import.unknown_column", {"column": "答按"})
    ]
    path.write_text("问法,答案\n", encoding="utf-8")
    with pytest.raises(KbValidationError) as info:
        io.import_file(path)
    assert [i.code for i in info.value.issues] == ["kb.import.missing_column"] * 2
    rows = [row("包邮吗", "包不包邮", "亲，包邮", 启用="是"), row("包邮吗", "运费多少", 启用="否", 分类="售后问题")]
    with pytest.raises(KbValidationError) as info:
        io.import_file(write_csv(tmp_path / "b.csv", rows))
    assert sorted((i.line, i.field.value, i.code) for i in info.value.issues) == [
        (3, "category", "kb.import.inconsistent"),
        (3, "enabled", "kb.import.inconsistent"),
    ]
    with pytest.raises(KbValidationError) as info:
        io.import_file(write_csv(tmp_path / "empty.csv", []))
    assert [i.code for i in info.value.issues] == ["kb.import.no_entries"]
    with pytest.raises(KbValidationError) as info:
        io.import_file(tmp_path / "kb.json")
    assert [i.code for i in info.value.issues] == ["kb.import.format"]


def test_a_gbk_csv_from_chinese_excel_is_read(tmp_path: Path, svc: KbAdminService, io: KbIoService) -> None:
    path = write_csv(tmp_path / "gbk.csv", [row("包邮吗", "包不包邮", "亲，包邮哦")], encoding="gb18030")
    assert io.import_file(path).added == 1
    assert svc.entries()[0].answer == "亲，包邮哦"


def test_import_updates_a_pack_entry_as_an_edit(tmp_path: Path, svc: KbAdminService, io: KbIoService, db: Database,
                                                shop_id: int, clock: FakeClock) -> None:  # fmt: skip
    PackService(db, shop_id, clock, actor=PROGRAM).subscribe("food")
    path = write_csv(tmp_path / "kb.csv", [row("辣不辣", "有多辣", "亲，微辣不怎么辣", 分类="商品问题")])
    assert io.import_file(path).updated == 1
    spicy = next(e for e in svc.entries() if e.question == "辣不辣")
    assert spicy.pack is not None and spicy.pack.edited and spicy.answer == "亲，微辣不怎么辣"


def test_question_files(tmp_path: Path) -> None:
    txt = tmp_path / "q.txt"
    txt.write_text("啥时候能发\n\n包邮吗\n", encoding="utf-8")
    assert [(c.question, c.expected, c.line) for c in read_questions(txt)] == [("啥时候能发", "", 1), ("包邮吗", "", 3)]
    with_header = tmp_path / "q.csv"
    with_header.write_text("问题,期望知识\n啥时候能发,什么时候发货\n能开发票吗,\n", encoding="utf-8-sig")
    assert [(c.question, c.expected, c.line) for c in read_questions(with_header)] == [
        ("啥时候能发", "什么时候发货", 2),
        ("能开发票吗", "", 3),
    ]
    bare = tmp_path / "bare.csv"
    bare.write_text("啥时候能发,什么时候发货\n", encoding="utf-8")
    assert [(c.question, c.expected, c.line) for c in read_questions(bare)] == [("啥时候能发", "什么时候发货", 1)]
    empty = tmp_path / "empty.txt"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(KbValidationError):
        read_questions(empty)
