"""An import never reads a whole file: a 2 GB CSV, an endless one and one just under the size limit
with too many rows are refused with the memory of a small import (peak RSS within idle + 100 MB), and
so are XLSX files that unpack to millions of rows: empty ones (which openpyxl's read-only mode kept in
memory) and, at the row limit, ones whose every cell is a distinct shared string (Excel's way).

Each import is the real command (`workbench customers import`) in a child process; a small wrapper
process runs it and reports the child's peak resident set size (getrusage RUSAGE_CHILDREN, so only
that one child is counted). "Idle" is the same command importing a three-line file.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import copy_demo
from workbench.services.crm_io import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS
from workbench.services.sheets import write_table

pytestmark = pytest.mark.slow

MB = 1024 * 1024
CEILING = 100 * MB  # above idle
WRAPPER = """
import json, resource, subprocess, sys, time
started = time.monotonic()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({"rc": done.returncode, "stderr": done.stderr[-2000:], "seconds": time.monotonic() - started,
                  "peak_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


@dataclass(frozen=True)
class Run:
    rc: int
    stderr: str
    seconds: float
    peak: int  # bytes

    def __str__(self) -> str:
        return f"exit {self.rc}, peak RSS {self.peak / MB:.1f} MB, {self.seconds:.1f} s"


def import_peak(data_dir: Path, source: Path) -> Run:
    """Run `workbench customers import` on `source` in a child; its exit status, stderr and peak RSS."""
    command = [sys.executable, "-m", "workbench", "customers", "import", "--data-dir", str(data_dir), str(source)]
    done = subprocess.run([sys.executable, "-c", WRAPPER, *command], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    return Run(result["rc"], result["stderr"], result["seconds"], result["peak_kb"] * 1024)  # Linux: kilobytes


def write_big_csv(path: Path, size: int) -> None:
    """A CSV of `size` bytes, written fast: one 1 MB block of customer lines, repeated."""
    line = "导入客户,13900000000,杭州\n".encode()
    block = line * (MB // len(line))
    with path.open("wb") as fh:
        fh.write("昵称,手机,城市\n".encode())
        written = 0
        while written < size:
            fh.write(block)
            written += len(block)


SHARED_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
SHARED_REL = (
    b'<Relationship Id="rIdS" Target="sharedStrings.xml" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
)


def write_xlsx(path: Path, rows: int, *, shared: bool) -> None:
    """An XLSX whose sheet is written part by part (never held whole): `rows` rows after the header,
    each an empty <row/> or, with `shared`, two distinct shared strings (as Excel saves text)."""
    template = path.with_name("template.xlsx")
    write_table(template, ["昵称"], [])
    ns = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "[Content_Types].xml" and shared:
                data = data.replace(b"</Types>", SHARED_TYPE + b"</Types>")
            if item.filename == "xl/_rels/workbook.xml.rels" and shared:
                data = data.replace(b"</Relationships>", SHARED_REL + b"</Relationships>")
            if item.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(item, data)
        with dst.open("xl/worksheets/sheet1.xml", "w") as sheet:  # no <dimension>: nothing says how big
            sheet.write(b'<worksheet ' + ns + b'><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>nick</t></is></c>'
                        b'<c r="B1" t="inlineStr"><is><t>city</t></is></c></row>')  # fmt: skip
            for r in range(2, rows + 2):
                if shared:
                    sheet.write(b'<row r="%d"><c r="A%d" t="s"><v>%d</v></c><c r="B%d" t="s"><v>%d</v></c></row>'
                                % (r, r, 2 * r, r, 2 * r + 1))  # fmt: skip
                else:
                    sheet.write(b'<row r="%d" ht="15" customHeight="1"/>' % r)
            sheet.write(b"</sheetData></worksheet>")
        if shared:
            with dst.open("xl/sharedStrings.xml", "w") as strings:
                strings.write(b"<sst " + ns + b">" + b"<si><t>-</t></si>" * 4)
                for r in range(2, rows + 2):
                    strings.write(f"<si><t>表格客户{r:07d}</t></si><si><t>城市{r}</t></si>".encode())
                strings.write(b"</sst>")
    template.unlink()


def test_huge_and_endless_files_are_refused_within_the_memory_ceiling(
    tmp_path: Path, demo_database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    copy_demo(demo_database, data_dir / "workbench.sqlite3")
    small = tmp_path / "small.csv"
    small.write_text("昵称,手机\n内存甲,13900000001\n内存乙,13900000002\n", encoding="utf-8")
    idle = import_peak(data_dir, small)
    assert idle.rc == 0, idle.stderr

    huge = tmp_path / "huge.csv"
    started = time.monotonic()
    write_big_csv(huge, 2 * 1024 * MB)
    written_in = time.monotonic() - started
    assert huge.stat().st_size >= 2 * 1024 * MB
    endless = tmp_path / "endless.csv"
    endless.symlink_to("/dev/zero")  # no size to check first: stopped by counting what is read
    too_many = tmp_path / "too_many.csv"  # under the size limit, over the row limit: refused as it is read
    with too_many.open("w", encoding="utf-8") as fh:
        fh.write("昵称\n")
        fh.writelines(f"c{i}\n" for i in range(MAX_IMPORT_ROWS + 50_000))
    assert too_many.stat().st_size < MAX_IMPORT_BYTES

    empty_rows = tmp_path / "empty_rows.xlsx"  # 5 million rows, some 12 MB zipped
    write_xlsx(empty_rows, 5_000_000, shared=False)
    shared = tmp_path / "shared.xlsx"  # at the row limit, every cell a distinct shared string
    write_xlsx(shared, MAX_IMPORT_ROWS, shared=True)
    assert empty_rows.stat().st_size < MAX_IMPORT_BYTES and shared.stat().st_size < MAX_IMPORT_BYTES

    files = (("2 GB", huge), ("endless", endless), ("too many rows", too_many), ("xlsx, 5M empty rows", empty_rows),
             ("xlsx, 200k rows of shared strings", shared))  # fmt: skip
    results = {name: import_peak(data_dir, path) for name, path in files}
    huge.unlink()
    with capsys.disabled():
        print(f"\nidle (a three-line import): {idle}; 2 GB file written in {written_in:.1f} s")
        for name, run in results.items():
            print(f"{name}: {run}")
    assert results["2 GB"].rc == 1 and "file too big" in results["2 GB"].stderr
    assert results["endless"].rc == 1 and "file too big" in results["endless"].stderr
    assert results["too many rows"].rc == 1 and "too many rows" in results["too many rows"].stderr
    assert results["xlsx, 5M empty rows"].rc == 1 and "the file has no data" in results["xlsx, 5M empty rows"].stderr
    assert results["xlsx, 200k rows of shared strings"].rc == 0  # imported, as it should be
    for name, run in results.items():
        assert run.peak <= idle.peak + CEILING, (name, str(run), str(idle))
