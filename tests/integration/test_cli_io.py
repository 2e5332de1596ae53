"""`workbench customers|orders import|export`: the command-line contract, run as real commands.

Exit 0 with a one-line summary; 1 with `FILE:LINE: COLUMN: message` lines when the file is refused
(nothing written); 2 for usage and environment errors.
"""

from __future__ import annotations

import csv
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import copy_demo

COMMAND = [sys.executable, "-m", "workbench"]


def workbench(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *map(str, args)], capture_output=True, text=True, timeout=180, cwd=cwd, check=False
    )


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def customers(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM customers").fetchone()[0])


@pytest.fixture
def data_dir(tmp_path: Path, demo_database: Path) -> Path:
    root = tmp_path / "data"
    copy_demo(demo_database, root / "workbench.sqlite3")
    return root


def test_import_then_export_then_import_again(data_dir: Path, tmp_path: Path) -> None:
    db = data_dir / "workbench.sqlite3"
    before = customers(db)
    source = write_csv(
        tmp_path / "new.csv",
        [
            ["昵称", "手机", "积分", "标签"],
            ["命令行客户甲", "13912345678", "120", "学校"],
            ["=cmd|' /C calc'!A0", "", "0", "-危险"],
            ["'引号开头", "", "", ""],
        ],
    )
    done = workbench("customers", "import", "--data-dir", data_dir, source)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"imported {source}: 3 new, 0 updated, 0 skipped\n", "")
    assert customers(db) == before + 3

    out = tmp_path / "all.xlsx"
    exported = workbench("customers", "export", "--data-dir", data_dir, "--out", out)
    assert (exported.returncode, exported.stdout) == (0, f"exported {before + 3} customers to {out}\n")
    assert "<f>" not in zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml").decode()
    as_csv = tmp_path / "all.csv"
    assert workbench("--data-dir", data_dir, "customers", "export", "--out", as_csv).returncode == 0
    cells = [row[0] for row in csv.reader(as_csv.open(encoding="utf-8-sig", newline=""))]
    assert "'=cmd|' /C calc'!A0" in cells and "''引号开头" in cells

    again = workbench("customers", "import", as_csv, "--data-dir", data_dir)  # options after FILE work too
    assert (again.returncode, again.stdout) == (0, f"imported {as_csv}: 0 new, 0 updated, {before + 3} skipped\n")
    assert customers(db) == before + 3


def test_a_refused_file_lists_every_line_and_writes_nothing(data_dir: Path, tmp_path: Path) -> None:
    db = data_dir / "workbench.sqlite3"
    before = customers(db)
    source = write_csv(
        tmp_path / "bad.csv",
        [
            ["昵称", "手机", "积分", "注册时间"],
            ["好客户", "", "1", ""],
            ["坏电话", "139", "Infinity", ""],
            ["大数", "", "1e30", "9999-01-01"],
            ["", "", "NaN", ""],
            ["二十五位", "", "1234567890123456789012345", ""],
        ],
    )
    refused = workbench("customers", "import", "--data-dir", data_dir, source)
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.splitlines() == [
        f'{source}:3: 手机: not a valid 11-digit mobile number "139"',
        f'{source}:3: 积分: must be a whole number (0 or more; a quantity 1 or more) "Infinity"',
        f'{source}:4: 积分: points must be at most 1,000,000,000 "1e30"',
        f'{source}:4: 注册时间: date must be between 1990-01-01 and 2100-12-31 "9999-01-01"',
        f"{source}:5: 昵称: required, may not be blank",
        f'{source}:5: 积分: must be a whole number (0 or more; a quantity 1 or more) "NaN"',
        f'{source}:6: 积分: points must be at most 1,000,000,000 "1234567890123456789012345"',
    ]
    assert customers(db) == before
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM import_customer_rows").fetchone()[0] == 0


def test_orders_through_a_database_url(data_dir: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{data_dir / 'workbench.sqlite3'}"
    out = tmp_path / "orders.csv"
    exported = workbench("orders", "export", "--db", url, "--out", out, cwd=tmp_path)
    assert exported.returncode == 0 and exported.stdout.startswith("exported ") and " orders to " in exported.stdout
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    nick = rows[1][1]
    source = write_csv(
        tmp_path / "orders_new.csv",
        [rows[0][:6], ["CLI-0001", nick, "交易成功", "88.00", "2026-05-01 10:00", ""],
         ["CLI-0002", nick, "交易成功", "Infinity", "2026-05-01 10:00", ""],
         ["CLI-0003", "没有这个人", "交易成功", "1.00", "2026-05-01 10:00", ""]],
    )  # fmt: skip
    refused = workbench("orders", "import", "--db", url, source)
    assert refused.returncode == 1
    assert refused.stderr.splitlines() == [
        f'{source}:3: 实付金额: amount must be 0 or more with at most two decimals "Infinity"'
    ]
    fixed = write_csv(
        tmp_path / "orders_ok.csv", [rows[0][:6], ["CLI-0001", nick, "交易成功", "88.00", "2026-05-01 10:00", ""]]
    )
    done = workbench("orders", "import", "--db", url, "--duplicates", "overwrite", fixed)
    assert (done.returncode, done.stdout) == (0, f"imported {fixed}: 1 new, 0 updated, 0 skipped\n")


def test_a_file_refused_as_a_whole(data_dir: Path, tmp_path: Path) -> None:
    garbled = tmp_path / "garbled.csv"
    garbled.write_bytes(b"\xff\xfe\x80\x81,\x80\n")
    refused = workbench("customers", "import", "--data-dir", data_dir, garbled)
    assert (refused.returncode, refused.stderr) == (
        1,
        f"{garbled}: not readable text: save it as UTF-8 CSV or as XLSX\n",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["customers", "import", "{tmp}/missing.csv"], "workbench: {tmp}/missing.csv: no such file"),
        (["customers", "export", "--out", "{tmp}/out.json"], "workbench: {tmp}/out.json: use a .csv or .xlsx name"),
        (["orders", "export", "--out", "{tmp}/no/such/dir/out.csv"], "workbench: {tmp}/no/such/dir/out.csv: "),
    ],
)
def test_environment_errors_exit_2(data_dir: Path, tmp_path: Path, args: list[str], message: str) -> None:
    done = workbench(*[a.format(tmp=tmp_path) for a in args], "--data-dir", data_dir)
    assert done.returncode == 2 and done.stderr.startswith(message.format(tmp=tmp_path)), done.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    for args in (["customers"], ["customers", "frob"], ["orders", "import"], ["customers", "export"],
                 ["customers", "import", "x.csv", "--duplicates", "maybe"]):  # fmt: skip
        done = workbench(*args, "--data-dir", tmp_path / "d")
        assert done.returncode == 2 and "usage:" in done.stderr, args
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("", encoding="utf-8")
    done = workbench("customers", "export", "--data-dir", blocked / "data", "--out", tmp_path / "x.csv")
    assert done.returncode == 2 and done.stderr.startswith("workbench: ")


def test_rebuild_stats_recounts_what_was_loaded_around_the_program(data_dir: Path) -> None:
    db = data_dir / "workbench.sqlite3"
    with sqlite3.connect(db) as conn:  # as a load around the program would leave them
        conn.execute("UPDATE customer_stats SET order_count = 0, total_cents = 0")
    done = workbench("customers", "rebuild-stats", "--data-dir", data_dir)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("customer statistics rebuilt in ")
    with sqlite3.connect(db) as conn:
        kept = conn.execute("SELECT sum(order_count), sum(total_cents) FROM customer_stats").fetchone()
        counted = conn.execute(
            "SELECT count(*), sum(total_cents) FROM orders WHERE state IN ('待发货', '已发货', '已签收', '交易成功')"
        ).fetchone()
    assert kept == counted and kept[0] > 0
