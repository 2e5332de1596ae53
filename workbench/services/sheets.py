"""Spreadsheets in and out (CSV and XLSX): the one place every import reads and every export writes.

Writing. Buyer-controlled text (nicks, names, tags, notes, KB answers) must never reach a spreadsheet
as something it runs. Following the OWASP advice on CSV injection, text starting with ``= + - @``,
a tab or a carriage return is neutralised on every export:

- CSV has no cell types, so such a cell gets a leading single quote (``'=1+2``). Text that already
  starts with a quote gets one too, so the importer can undo exactly what the exporter added
  (`from_csv_cell`): a leading quote is removed only when a trigger or another quote follows it.
- XLSX cells are typed: text is always written as a string cell (data type ``s``), never a formula
  (openpyxl would store ``=…`` as one) nor an error value (``#N/A``). Text that looks like a formula
  also gets Excel's *quote prefix* style, so it stays text when someone edits the cell in Excel; the
  text itself is exact, no character is added, and the importer takes it as it is.

Numbers and dates stay numbers and dates; only text is touched.

Reading. Files are streamed, never loaded whole: the size is checked before the first byte is read
and the bytes and rows are counted as they come (a file that grows, or a device, is stopped at the
same limit), lines have a length limit, and XLSX goes through openpyxl's read-only mode after its
uncompressed parts are checked against a limit, with its shared strings kept on disk rather than in
memory. A caller can follow the progress and cancel.
"""

from __future__ import annotations

import codecs
import csv
import io
import mmap
import re
import tempfile
import zipfile
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, overload

from workbench.domain.errors import DomainError

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_QUOTED = (*FORMULA_TRIGGERS, QUOTE)
# Characters XML 1.0 cannot hold (openpyxl refuses them): shown as U+FFFD in an XLSX export.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ERROR_VALUES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})
CHUNK = 1 << 20  # bytes read at a time
MAX_COLUMNS = 256  # XLSX cells further right are ignored (no import has that many columns)
PROGRESS_EVERY = 1000  # rows between progress reports and cancel checks


class ImportCancelled(DomainError):
    """The user cancelled a long import; nothing was written."""

    def __init__(self) -> None:
        super().__init__("import.cancelled")


class Stage(StrEnum):
    READING = "reading"  # done/total: bytes of the file (CSV) or rows of the sheet (XLSX)
    CHECKING = "checking"  # matching against the database
    WRITING = "writing"  # done/total: steps of the final write


@dataclass(frozen=True, slots=True)
class Progress:
    stage: Stage
    done: int = 0
    total: int = 0  # 0: unknown

    @property
    def percent(self) -> int | None:
        return min(100, self.done * 100 // self.total) if self.total > 0 else None


ProgressCallback = Callable[[Progress], None]


class Cancel:
    """A flag the UI sets and a long job checks between steps (thread-safe: a bool is set atomically)."""

    def __init__(self) -> None:
        self._set = False

    def set(self) -> None:
        self._set = True

    def is_set(self) -> bool:
        return self._set

    def check(self) -> None:
        if self._set:
            raise ImportCancelled()


# --------------------------------------------------------------------------------------- writing


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet would take this text for a formula (or a DDE command)."""
    return text.startswith(FORMULA_TRIGGERS)


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: formula-like text (and text starting with a quote) gets a leading quote;
    numbers are left alone, None is an empty cell and datetimes are written to the second."""
    if value is None:
        return ""
    if isinstance(value, str):
        return QUOTE + value if value.startswith(_QUOTED) else value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value


def from_csv_cell(text: str) -> str:
    """Undo `csv_cell`: drop the one quote the exporter put before a trigger or a quote."""
    if len(text) > 1 and text[0] == QUOTE and text[1] in _QUOTED:
        return text[1:]
    return text


def save_workbook(book: Any, path: Path) -> None:
    """Save an openpyxl workbook to `path` whole or not at all: written beside it, then renamed over it."""
    tmp = path.with_name(path.name + ".part")
    try:
        book.save(tmp)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def xlsx_cell(sheet: WriteOnlyWorksheet, value: Any, style: Callable[[Any], None] | None = None) -> Any:
    """A value for a row of a write-only openpyxl sheet: text is always a string cell, formula-like
    text is marked with Excel's quote prefix; `style` (fonts, alignment) makes a styled cell."""
    from openpyxl.cell import WriteOnlyCell

    if value is None:
        value = ""
    if isinstance(value, str):
        value = _XML_ILLEGAL.sub("\ufffd", value)
        risky = is_formula_like(value)
        if risky or value in _ERROR_VALUES or style is not None:
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # openpyxl types "=…" as a formula and "#N/A" as an error
            if risky:
                cell.quotePrefix = True
            if style is not None:
                style(cell)
            return cell
        return value
    if style is not None:
        cell = WriteOnlyCell(sheet, value=value)
        style(cell)
        return cell
    return value


@dataclass(frozen=True, slots=True)
class XlsxLayout:
    """How an XLSX export looks: sheet title, column widths, frozen panes, styles, a notes sheet."""

    title: str = ""
    widths: Sequence[float] = ()
    freeze: str = ""
    header_style: Callable[[Any], None] | None = None
    column_styles: dict[int, Callable[[Any], None]] | None = None  # column index → style of its data cells
    notes_title: str = ""
    notes: Sequence[str] = ()
    notes_width: float = 0


class SheetFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"

    @classmethod
    def of(cls, path: Path) -> SheetFormat | None:
        suffix = path.suffix.lower().lstrip(".")
        if suffix in ("xlsx", "xlsm"):
            return cls.XLSX
        if suffix in ("csv", "txt"):
            return cls.CSV
        return None


def write_table(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]], layout: XlsxLayout | None = None
) -> int:
    """Write header + rows as CSV (UTF-8 with BOM, so Excel reads the Chinese) or XLSX, through a
    temp file that replaces `path` only when complete; returns the number of data rows. Raises
    OSError (the temp file is removed) and ValueError for a suffix that is neither."""
    fmt = SheetFormat.of(path)
    if fmt is None:
        raise ValueError(path.suffix)
    tmp = path.with_name(path.name + ".part")
    try:
        count = _write_csv(tmp, header, rows) if fmt is SheetFormat.CSV else _write_xlsx(tmp, header, rows, layout)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return count


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([csv_cell(v) for v in header])
        for row in rows:
            writer.writerow([csv_cell(v) for v in row])
            count += 1
    return count


def _write_xlsx(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]], layout: XlsxLayout | None) -> int:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    layout = layout or XlsxLayout()
    book = Workbook(write_only=True)
    sheet = book.create_sheet(layout.title or None)
    for i, width in enumerate(layout.widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    if layout.freeze:
        sheet.freeze_panes = layout.freeze
    sheet.append([xlsx_cell(sheet, v, layout.header_style) for v in header])
    styles = layout.column_styles or {}
    count = 0
    for row in rows:
        sheet.append([xlsx_cell(sheet, v, styles.get(i)) for i, v in enumerate(row)])
        count += 1
    if layout.notes:
        notes = book.create_sheet(layout.notes_title or None)
        if layout.notes_width:
            notes.column_dimensions["A"].width = layout.notes_width
        for note in layout.notes:
            notes.append([xlsx_cell(notes, note)])
    book.save(path)
    return count


# --------------------------------------------------------------------------------------- reading


class SheetError(Exception):
    """The file cannot be read as a table. `code`: format, unreadable, too_big, too_many_rows,
    line_too_long, encoding; `line` where it was found (0: the file as a whole); `params` for the text
    (``limit``, ``detail``); the OSError behind an unreadable file is the ``__cause__``."""

    def __init__(self, code: str, line: int = 0, **params: Any) -> None:
        super().__init__(code, line, params)
        self.code = code
        self.line = line
        self.params = params


@dataclass(frozen=True, slots=True)
class ReadLimits:
    max_bytes: int  # the file as stored (CSV bytes, or the zipped XLSX)
    max_rows: int  # non-blank rows after the first (the header)
    max_line_chars: int = 1 << 20  # one physical CSV line
    max_unzipped_bytes: int = 0  # XLSX: the first sheet and the shared strings, uncompressed (0: 4 × max_bytes)


def read_table(
    path: Path,
    limits: ReadLimits,
    progress: ProgressCallback | None = None,
    cancel: Cancel | None = None,
    *,
    single_column: bool = False,
) -> Iterator[tuple[int, list[str]]]:
    """(line, cells as text) for every row of a .csv/.txt (UTF-8, or GB18030 as Chinese Excel saves
    it) or .xlsx file, the header included; raises SheetError, or ImportCancelled when `cancel` is set.

    Line numbers are the file's own: a CSV record that spans lines has the number of its first line,
    an XLSX row its row number. Cells are stripped; CSV cells are unquoted as `from_csv_cell` says.
    `single_column`: a text file, each line one cell (no CSV quoting)."""
    fmt = SheetFormat.of(path)
    if fmt is None:
        raise SheetError("format", suffix=path.suffix or path.name)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SheetError("unreadable", detail=exc.strerror or str(exc)) from exc
    if size > limits.max_bytes:
        raise SheetError("too_big", limit_mb=limits.max_bytes // (1024 * 1024))
    if fmt is SheetFormat.CSV:
        rows = _csv_rows(path, size, limits, progress, single_column, cancel)
    else:
        rows = _xlsx_rows(path, limits, progress)
    seen = 0
    for count, (line, cells) in enumerate(rows, start=1):
        if any(cells):
            seen += 1
            if seen > limits.max_rows + 1:
                raise SheetError("too_many_rows", line=line, limit=limits.max_rows)
        if cancel is not None and count % PROGRESS_EVERY == 0:
            cancel.check()
        yield line, cells


class _CountingReader(io.RawIOBase):
    """A raw binary stream that counts the bytes it hands out and stops at a limit."""

    def __init__(self, raw: IO[bytes], limit: int) -> None:
        super().__init__()
        self._raw = raw
        self._limit = limit
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        self.count += n or 0
        if self.count > self._limit:  # a device or a file that grew: stat said less
            raise SheetError("too_big", limit_mb=self._limit // (1024 * 1024))
        return int(n or 0)


def _detect_encoding(path: Path, limits: ReadLimits, cancel: Cancel | None) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes as UTF-8, else GB18030: one streaming pass
    with an incremental decoder, so memory stays flat whatever the size."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb", buffering=0) as fh:
        counted = _CountingReader(fh, limits.max_bytes)
        buffer = bytearray(CHUNK)
        while n := counted.readinto(buffer):
            if cancel is not None:
                cancel.check()
            try:
                decoder.decode(bytes(buffer[:n]))
            except UnicodeDecodeError:
                return "gb18030"
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


def _bounded_lines(text: IO[str], max_chars: int) -> Iterator[str]:
    """The physical lines of `text`, refusing one longer than `max_chars` before it is read whole."""
    number = 0
    while line := text.readline(max_chars + 1):
        number += 1
        if len(line) > max_chars:
            raise SheetError("line_too_long", line=number, limit=max_chars)
        yield line


def _csv_rows(
    path: Path,
    size: int,
    limits: ReadLimits,
    progress: ProgressCallback | None,
    single_column: bool,
    cancel: Cancel | None = None,
) -> Iterator[tuple[int, list[str]]]:
    try:
        encoding = _detect_encoding(path, limits, cancel)
        with path.open("rb", buffering=0) as fh:
            counted = _CountingReader(fh, limits.max_bytes)
            text = io.TextIOWrapper(io.BufferedReader(counted, CHUNK), encoding=encoding, newline="")
            lines = _bounded_lines(text, limits.max_line_chars)
            if single_column:
                rows: Iterator[tuple[int, list[str]]] = ((n, [ln.strip()]) for n, ln in enumerate(lines, start=1))
            else:
                rows = _csv_records(lines)
            for n, row in enumerate(rows, start=1):
                yield row
                if progress is not None and n % PROGRESS_EVERY == 0:
                    progress(Progress(Stage.READING, counted.count, size))
    except OSError as exc:
        raise SheetError("unreadable", detail=exc.strerror or str(exc)) from exc
    except UnicodeDecodeError as exc:
        raise SheetError("encoding") from exc
    except csv.Error as exc:
        raise SheetError("unreadable", detail=str(exc)) from exc


def _csv_records(lines: Iterator[str]) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(lines)
    line = 1
    for record in reader:
        yield line, [from_csv_cell(c.strip()) for c in record]
        line = reader.line_num + 1


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _check_xlsx_parts(path: Path, limits: ReadLimits) -> None:
    """Refuse a workbook whose sheets and shared strings unpack to more than the limit (a zip bomb),
    before openpyxl reads them (it keeps the shared strings in memory)."""
    limit = limits.max_unzipped_bytes or 4 * limits.max_bytes
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(
                info.file_size
                for info in archive.infolist()
                if info.filename.startswith("xl/worksheets/") or info.filename == "xl/sharedStrings.xml"
            )
    except (zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
        raise SheetError("unreadable", detail=str(exc)) from exc
    except OSError as exc:
        raise SheetError("unreadable", detail=exc.strerror or str(exc)) from exc
    if unpacked > limit:
        raise SheetError("too_big", limit_mb=limits.max_bytes // (1024 * 1024))


class _SpilledStrings(Sequence[str]):
    """A workbook's shared strings (Excel keeps every distinct text of a sheet there), written to a
    temp file as they are parsed: only their offsets stay in memory, 8 bytes each, where openpyxl
    would keep every string as a Python object (some 100 bytes for a short Chinese one)."""

    def __init__(self, source: IO[bytes]) -> None:
        from openpyxl.cell.text import Text
        from openpyxl.xml.constants import SHEET_MAIN_NS
        from openpyxl.xml.functions import iterparse

        self._file = tempfile.TemporaryFile()  # noqa: SIM115  (open as long as the table: closed by `close`)
        self._offsets = array("q", [0])
        tag = f"{{{SHEET_MAIN_NS}}}si"
        root = None
        for event, node in iterparse(source, events=("start", "end")):
            if root is None:
                root = node
            if event == "end" and node.tag == tag:
                # as openpyxl's own read_string_table does
                data = Text.from_tree(node).content.replace("x005F_", "").encode("utf-8", "surrogatepass")
                self._file.write(data)
                self._offsets.append(self._offsets[-1] + len(data))
                root.clear()  # the parsed entries too, not just their content
        self._file.flush()
        self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ) if self._offsets[-1] else None

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        start, end = self._offsets[index], self._offsets[index + 1]
        return self._map[start:end].decode("utf-8", "surrogatepass") if self._map is not None else ""

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
        self._file.close()


@dataclass
class _Workbook:
    """What reading the first sheet needs: the zip, the workbook (date formats, epoch), the sheet's
    part and the shared strings."""

    archive: zipfile.ZipFile
    book: Any
    sheet: str | None
    strings: _SpilledStrings | None

    def close(self) -> None:
        self.archive.close()
        if self.strings is not None:
            self.strings.close()


def _open_workbook(path: Path) -> _Workbook:
    """The parts of an XLSX file an import reads, through openpyxl's reader, without what its
    read-only mode would do on top: parse every sheet once just to find its size (the whole sheet when
    it declares none), and keep the shared strings in memory (they go to disk, see `_SpilledStrings`)."""
    from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet

    class Reader(ExcelReader):  # type: ignore[misc]
        strings: _SpilledStrings | None = None
        sheet: str | None = None

        def read_strings(self) -> None:
            part = self.package.find(SHARED_STRINGS)
            if part is not None:
                with self.archive.open(part.PartName[1:]) as source:
                    self.strings = self.shared_strings = _SpilledStrings(source)

        def read(self) -> None:
            self.read_manifest()
            self.read_strings()
            self.read_workbook()
            apply_stylesheet(self.archive, self.wb)  # which cells are dates
            sheets = ((s, r) for s, r in self.parser.find_sheets() if r.target in self.valid_files)
            self.sheet = next((rel.target for _s, rel in sheets if "chartsheet" not in rel.Type), None)

    reader = Reader(path, read_only=True, keep_vba=False, data_only=True, keep_links=False)
    try:
        reader.read()
    except BaseException:
        reader.archive.close()
        if reader.strings is not None:
            reader.strings.close()
        raise
    return _Workbook(reader.archive, reader.wb, reader.sheet, reader.strings)


class _CountedStream:
    """A readable stream that counts what was read (an XLSX part, unpacked: for the progress)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self.count += len(data)
        return data


def _sheet_rows(source: Any, book: Any, strings: Sequence[str]) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cell values) of a worksheet, parsed as it streams. openpyxl's own read-only parser
    keeps every parsed <row> element (cleared, but still a child of <sheetData>) and the attributes
    of every row that has some: a sheet of millions of empty rows, a few MB zipped, took GBs."""
    from openpyxl.worksheet._reader import DATA_TAG, ROW_TAG, WorkSheetParser  # pinned openpyxl (3.1)
    from openpyxl.xml.functions import iterparse

    parser = WorkSheetParser(
        source,
        strings,
        data_only=True,
        epoch=book.epoch,
        date_formats=book._date_formats,
        timedelta_formats=book._timedelta_formats,
    )
    sheet_data = None
    for event, element in iterparse(source, events=("start", "end")):
        if event == "start":
            if element.tag == DATA_TAG:
                sheet_data = element
            continue
        if element.tag != ROW_TAG:
            continue
        number = element.get("r")
        parser.row_counter = int(float(number)) if number else parser.row_counter + 1
        parser.col_counter = 0
        cells = [parser.parse_cell(cell) for cell in element]
        kept = [c for c in cells if c["column"] <= MAX_COLUMNS]
        values: list[Any] = [None] * max((c["column"] for c in kept), default=0)
        for cell in kept:
            values[cell["column"] - 1] = cell["value"]
        if sheet_data is not None:
            sheet_data.clear()  # the rows parsed so far, this one included
        yield parser.row_counter, values


def _xlsx_rows(path: Path, limits: ReadLimits, progress: ProgressCallback | None) -> Iterator[tuple[int, list[str]]]:
    _check_xlsx_parts(path, limits)
    try:
        workbook = _open_workbook(path)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise SheetError("unreadable", detail=str(exc) or type(exc).__name__) from exc
    try:
        if workbook.sheet is None:
            return
        size = workbook.archive.getinfo(workbook.sheet).file_size
        with workbook.archive.open(workbook.sheet) as part:
            source = _CountedStream(part)
            rows = _sheet_rows(source, workbook.book, workbook.strings if workbook.strings is not None else [])
            line = 0
            while True:
                try:
                    number, values = next(rows)
                except StopIteration:
                    return
                except Exception as exc:  # a damaged part, or a number openpyxl cannot turn into a date
                    raise SheetError("unreadable", line=line + 1, detail=str(exc) or type(exc).__name__) from exc
                while line + 1 < number:  # rows the file leaves out are blank rows
                    line += 1
                    yield line, []
                line = max(line + 1, number)
                yield line, [_xlsx_cell(v) for v in values]
                if progress is not None and line % PROGRESS_EVERY == 0:
                    progress(Progress(Stage.READING, source.count, size))  # of the sheet, unpacked
    finally:
        workbook.close()
