"""The 数据中心's tables as one XLSX workbook: one sheet per table, and a sheet with the definitions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.services.sheets import save_workbook, xlsx_cell


@dataclass(frozen=True, slots=True)
class Table:
    title: str  # the sheet's name (at most 31 characters in Excel)
    header: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


def write_workbook(path: Path, tables: Sequence[Table], notes_title: str, notes: Sequence[str]) -> int:
    """Write every table as a sheet, then the notes (definitions), through a temp file that replaces
    `path` only when complete; returns the number of data rows written. OSError on a write failure."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    count = 0
    for table in tables:
        sheet = book.create_sheet(table.title[:31])
        sheet.append([xlsx_cell(sheet, v) for v in table.header])
        for row in table.rows:
            sheet.append([xlsx_cell(sheet, v) for v in row])
            count += 1
    if notes:
        sheet = book.create_sheet(notes_title[:31])
        for note in notes:
            sheet.append([xlsx_cell(sheet, note)])
    save_workbook(book, path)
    return count
