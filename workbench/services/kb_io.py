"""Import and export of the knowledge base as CSV or XLSX, the import template, and question files
for the batch 问答测试.

The sheet has one row per phrasing and/or answer; rows with the same 标准问题 make one entry:

    分类 | 标准问题 | 问法 | 问法类型 | 反向问法 | 核心词 | 答案 | 答案生效开始 | 答案生效结束 | 启用 | 需要人工

Only 标准问题 is required in every row; 分类 in an entry's first row. An import is all or nothing:
every row is checked first and any problem fails the whole file with row-numbered issues (row 1 is
the header, as a spreadsheet numbers them). An entry whose 标准问题 is already in the KB is replaced;
the others are added as 自定义问题.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from workbench.domain.identity import Actor, Permission
from workbench.domain.kb import STANDARD_CATEGORIES, Phrasing, PhrasingKind
from workbench.domain.kb_admin import (
    Answer,
    EntryDraft,
    Issue,
    IssueField,
    KbValidationError,
    KnowledgeEntry,
    phrase_key,
    split_core_words,
    validate_entry,
)
from workbench.services.access import require
from workbench.services.clock import Clock, system_clock
from workbench.services.kb_admin import KbChange, QaCase, save_entry
from workbench.services.notifications import Topic
from workbench.services.sheets import (
    Cancel,
    ProgressCallback,
    ReadLimits,
    SheetError,
    XlsxLayout,
    read_table,
    write_table,
)
from workbench.storage.db import Database
from workbench.storage.repositories.kb_admin import KbAdminRepository

# Column headers (the file format; the same in every UI language).
COL_CATEGORY = "分类"
COL_QUESTION = "标准问题"
COL_PHRASING = "问法"
COL_KIND = "问法类型"
COL_NEGATIVE = "反向问法"
COL_CORE = "核心词"
COL_ANSWER = "答案"
COL_FROM = "答案生效开始"
COL_TO = "答案生效结束"
COL_ENABLED = "启用"
COL_HUMAN = "需要人工"
COLUMNS: tuple[str, ...] = (
    COL_CATEGORY, COL_QUESTION, COL_PHRASING, COL_KIND, COL_NEGATIVE, COL_CORE,
    COL_ANSWER, COL_FROM, COL_TO, COL_ENABLED, COL_HUMAN,
)  # fmt: skip
COLUMN_FIELDS = {
    COL_CATEGORY: IssueField.CATEGORY,
    COL_QUESTION: IssueField.QUESTION,
    COL_PHRASING: IssueField.PHRASING,
    COL_KIND: IssueField.KIND,
    COL_NEGATIVE: IssueField.NEGATIVE,
    COL_CORE: IssueField.CORE_WORDS,
    COL_ANSWER: IssueField.ANSWER,
    COL_FROM: IssueField.VALIDITY,
    COL_TO: IssueField.VALIDITY,
    COL_ENABLED: IssueField.ENABLED,
    COL_HUMAN: IssueField.NEEDS_HUMAN,
}
KIND_NAMES = {"相似问法": PhrasingKind.SIMILAR, "关键词": PhrasingKind.KEYWORD}
KIND_ALIASES = {"": PhrasingKind.SIMILAR, "相似": PhrasingKind.SIMILAR, "similar": PhrasingKind.SIMILAR,
                "keyword": PhrasingKind.KEYWORD, "关键字": PhrasingKind.KEYWORD}  # fmt: skip
YES = {"是", "y", "yes", "true", "1", "开", "启用", "需要", "✓"}
NO = {"否", "n", "no", "false", "0", "关", "停用", "不需要"}
MAX_ISSUES = 200
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
LIMITS = ReadLimits(max_bytes=MAX_FILE_BYTES, max_rows=MAX_ROWS)
FIRST_DATE = date(1990, 1, 1)
LAST_DATE = date(2100, 12, 31)
# Text a database cannot store (NUL, lone surrogates) or a spreadsheet cannot carry (other C0 controls).
BAD_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")

TEMPLATE_ROWS: tuple[tuple[str, ...], ...] = (
    ("物流问题", "什么时候发货", "啥时候能发", "相似问法", "否", "", "亲，付款后48小时内发货哦～", "", "", "是", "否"),
    ("物流问题", "什么时候发货", "今天下单能发吗", "相似问法", "否", "今天、发", "", "", "", "", ""),
    ("物流问题", "什么时候发货", "发货 多久", "关键词", "否", "", "", "", "", "", ""),
    ("物流问题", "什么时候发货", "不用发货了", "相似问法", "是", "", "", "", "", "", ""),
    ("售后问题", "修改尺码", "能换个尺码吗", "相似问法", "否", "尺码", "亲，马上为您转人工客服帮您修改哦",
     "", "", "是", "是"),
    ("活动优惠", "双十一有什么活动", "双11优惠多少", "相似问法", "否", "双11", "亲，11月1日至11日全店满300减50～",
     "2024-11-01", "2024-11-11", "是", "否"),
)  # fmt: skip
TEMPLATE_NOTES: tuple[str, ...] = (
    "每行填写一条问法和/或一条答案；标准问题相同的行属于同一条知识。",
    "分类：聊天互动、商品问题、活动优惠、购买操作、物流问题、售后问题、更多问题，或店铺的自定义分类。",
    "问法类型：相似问法（买家可能的问句）或 关键词（问句里同时出现这些词即命中，词之间用空格分开）。",
    "反向问法：填“是”表示买家这样问时不要用这条知识回答。",
    "核心词（划词）：问法里决定买家意图的词，最多 3 个，用顿号、逗号或空格分开，必须出现在问法中。",
    "答案生效开始/结束：可不填；格式 2024-11-01。",
    "启用、需要人工：是 或 否，写在这条知识的第一行。",
    "导入时标准问题已存在的知识会被整条替换，其余作为自定义问题新增；文件有任何错误时不会导入任何内容。",
)


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: int
    updated: int
    change: KbChange


@dataclass
class _Group:
    """The rows of one entry while reading a file."""

    line: int  # first row
    question: str
    category: str = ""
    category_line: int = 0
    phrasings: list[Phrasing] = field(default_factory=list)
    phrasing_lines: list[int] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    answer_lines: list[int] = field(default_factory=list)
    enabled: bool | None = None
    needs_human: bool | None = None


# -- reading files --------------------------------------------------------------------------------


class _FileProblem(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.issue = Issue(IssueField.FILE, code, params=params)


def _os_reason(exc: OSError) -> dict[str, str]:
    """The system's wording (English on most machines) and which common case it is, so the UI can
    say it in its own language."""
    kind = "denied" if isinstance(exc, PermissionError) else "missing" if isinstance(exc, FileNotFoundError) else ""
    return {"reason": exc.strerror or str(exc), "os": kind}


def _file_problem(exc: SheetError) -> _FileProblem:
    if exc.code == "unreadable":
        cause = exc.__cause__
        params = (
            _os_reason(cause) if isinstance(cause, OSError) else {"reason": str(exc.params.get("detail", "")), "os": ""}
        )
        return _FileProblem("kb.import.unreadable", **params)
    codes = {
        "too_big": "kb.import.too_big",
        "too_many_rows": "kb.import.too_many",
        "line_too_long": "kb.import.line_too_long",
        "encoding": "kb.import.encoding",
        "format": "kb.import.format",
    }
    return _FileProblem(codes.get(exc.code, "kb.import.unreadable"), line=exc.line, **exc.params)


def iter_rows(
    path: Path, progress: ProgressCallback | None = None, cancel: Cancel | None = None
) -> Iterator[list[str]]:
    """The cells of a .csv (UTF-8, or GB18030 as Chinese Excel saves it), .txt (a line is a cell) or
    .xlsx file, as text, streamed within the size and row limits; raises _FileProblem."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".txt", ".xlsx"):
        raise _FileProblem("kb.import.format", suffix=suffix or path.name)
    try:
        for _line, cells in read_table(path, LIMITS, progress, cancel, single_column=suffix == ".txt"):
            yield cells
    except SheetError as exc:
        raise _file_problem(exc) from exc


def read_rows(path: Path) -> list[list[str]]:
    """Every row of a file (see `iter_rows`)."""
    return list(iter_rows(path))


def _yes_no(raw: str, default: bool, column: str, line: int, issues: list[Issue]) -> bool:
    value = raw.strip().lower()
    if not value:
        return default
    if value in YES:
        return True
    if value in NO:
        return False
    issues.append(Issue(COLUMN_FIELDS[column], "kb.import.bad_yes_no", params={"value": raw}, line=line))
    return default


def _date(raw: str, column: str, line: int, issues: list[Issue]) -> date | None:
    value = raw.strip()
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S"):
        try:
            day = datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        if not FIRST_DATE <= day <= LAST_DATE:
            issues.append(Issue(IssueField.VALIDITY, "kb.import.date_range", params={"value": raw}, line=line))
            return None
        return day
    issues.append(Issue(IssueField.VALIDITY, "kb.import.bad_date", params={"value": raw}, line=line))
    return None


def parse_sheet(rows: Iterable[Sequence[str]], categories: Sequence[str]) -> list[tuple[EntryDraft, int]]:
    """Entries (with their first row) from a sheet's rows, header first; KbValidationError with every
    problem. Raises nothing else, whatever the text (see the property tests)."""
    issues: list[Issue] = []
    rows = iter(rows)
    first = next(rows, None)
    if first is None or not any(c.strip() for c in first):
        raise KbValidationError([Issue(IssueField.FILE, "kb.import.empty")])
    header = [c.strip() for c in first]
    index: dict[str, int] = {}
    for i, name in enumerate(header):
        if not name:
            continue
        if name not in COLUMNS:
            issues.append(Issue(IssueField.FILE, "kb.import.unknown_column", params={"column": name}, line=1))
        elif name in index:
            issues.append(Issue(IssueField.FILE, "kb.import.duplicate_column", params={"column": name}, line=1))
        else:
            index[name] = i
    for required in (COL_QUESTION, COL_CATEGORY):
        if required not in index:
            issues.append(Issue(IssueField.FILE, "kb.import.missing_column", params={"column": required}, line=1))
    if issues:
        raise KbValidationError(issues)

    def cell(row: Sequence[str], column: str) -> str:
        i = index.get(column)
        return row[i].strip() if i is not None and i < len(row) else ""

    groups: dict[str, _Group] = {}
    for line, row in enumerate(rows, start=2):
        if not any(c.strip() for c in row):
            continue
        bad = [c for c in row if BAD_TEXT.search(c)]
        if bad:
            shown = BAD_TEXT.sub("\ufffd", bad[0])[:60]
            issues.append(Issue(IssueField.FILE, "kb.import.bad_text", params={"value": shown}, line=line))
            if len(issues) >= MAX_ISSUES:
                break
            continue
        question = cell(row, COL_QUESTION)
        if not question:
            issues.append(Issue(IssueField.QUESTION, "kb.question.empty", line=line))
            continue
        group = groups.setdefault(phrase_key(question), _Group(line, question))
        category = cell(row, COL_CATEGORY)
        if category:
            if not group.category:
                group.category, group.category_line = category, line
            elif category != group.category:
                issues.append(
                    Issue(IssueField.CATEGORY, "kb.import.inconsistent",
                          params={"value": category, "first": group.category_line}, line=line)
                )  # fmt: skip
        for column, attr in ((COL_ENABLED, "enabled"), (COL_HUMAN, "needs_human")):
            raw = cell(row, column)
            if not raw:
                continue
            value = _yes_no(raw, True, column, line, issues)
            current = getattr(group, attr)
            if current is None:
                setattr(group, attr, value)
            elif current != value:
                issues.append(
                    Issue(COLUMN_FIELDS[column], "kb.import.inconsistent",
                          params={"value": raw, "first": group.line}, line=line)
                )  # fmt: skip
        text = cell(row, COL_PHRASING)
        kind_raw, negative_raw, core_raw = cell(row, COL_KIND), cell(row, COL_NEGATIVE), cell(row, COL_CORE)
        if text:
            kind = KIND_NAMES.get(kind_raw) or KIND_ALIASES.get(kind_raw.lower())
            if kind is None:
                issues.append(Issue(IssueField.KIND, "kb.import.bad_kind", params={"value": kind_raw}, line=line))
                kind = PhrasingKind.SIMILAR
            negative = _yes_no(negative_raw, False, COL_NEGATIVE, line, issues)
            group.phrasings.append(Phrasing(text, kind, negative, split_core_words(core_raw)))
            group.phrasing_lines.append(line)
        elif core_raw:
            issues.append(Issue(IssueField.CORE_WORDS, "kb.import.core_without_phrasing", line=line))
        answer = cell(row, COL_ANSWER)
        start, end = _date(cell(row, COL_FROM), COL_FROM, line, issues), _date(cell(row, COL_TO), COL_TO, line, issues)
        if answer:
            group.answers.append(Answer(answer, start, end))
            group.answer_lines.append(line)
        elif start or end:
            issues.append(Issue(IssueField.VALIDITY, "kb.import.window_without_answer", line=line))
        if len(issues) >= MAX_ISSUES:
            break
    if not groups and not issues:
        issues.append(Issue(IssueField.FILE, "kb.import.no_entries"))

    drafts: list[tuple[EntryDraft, int]] = []
    for group in groups.values():
        draft = EntryDraft(
            category=group.category,
            question=group.question,
            phrasings=tuple(group.phrasings),
            answers=tuple(group.answers),
            enabled=True if group.enabled is None else group.enabled,
            needs_human=bool(group.needs_human),
        ).cleaned()
        for issue in validate_entry(draft, categories):
            if issue.field in (IssueField.PHRASING, IssueField.CORE_WORDS) and issue.index >= 0:
                line = group.phrasing_lines[issue.index]
            elif issue.field in (IssueField.ANSWER, IssueField.VALIDITY) and issue.index >= 0:
                line = group.answer_lines[issue.index]
            elif issue.field is IssueField.CATEGORY and group.category_line:
                line = group.category_line
            else:
                line = group.line
            issues.append(issue.at_line(line))
        drafts.append((draft, group.line))
    if issues:
        raise KbValidationError(sorted(issues, key=lambda i: i.line)[:MAX_ISSUES])
    return drafts


def read_file(
    path: Path, categories: Sequence[str], progress: ProgressCallback | None = None, cancel: Cancel | None = None
) -> list[tuple[EntryDraft, int]]:
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise KbValidationError(
            [Issue(IssueField.FILE, "kb.import.format", params={"suffix": path.suffix or path.name})]
        )
    try:
        return parse_sheet(iter_rows(path, progress, cancel), categories)
    except _FileProblem as problem:
        raise KbValidationError([problem.issue]) from problem


# -- writing files --------------------------------------------------------------------------------


def entry_rows(entries: Iterable[KnowledgeEntry]) -> list[list[str]]:
    """The sheet rows of `entries` (without the header)."""
    kind_names = {v: k for k, v in KIND_NAMES.items()}
    rows: list[list[str]] = []
    for e in entries:
        for i in range(max(len(e.phrasings), len(e.answers), 1)):
            p = e.phrasings[i] if i < len(e.phrasings) else None
            a = e.answers[i] if i < len(e.answers) else None
            rows.append(
                [
                    e.category,
                    e.question,
                    p.text if p else "",
                    kind_names[p.kind] if p else "",
                    ("是" if p.negative else "否") if p else "",
                    "、".join(p.core_words) if p else "",
                    a.text if a else "",
                    a.valid_from.isoformat() if a and a.valid_from else "",
                    a.valid_to.isoformat() if a and a.valid_to else "",
                    ("是" if e.enabled else "否") if i == 0 else "",
                    ("是" if e.needs_human else "否") if i == 0 else "",
                ]
            )
    return rows


def _bold_header(cell: Any) -> None:
    from openpyxl.styles import Font, PatternFill

    cell.font = Font(bold=True)
    cell.fill = PatternFill("solid", fgColor="E8F3FF")


def _wrapped(cell: Any) -> None:
    from openpyxl.styles import Alignment

    cell.alignment = Alignment(wrap_text=True, vertical="top")


XLSX_LAYOUT = XlsxLayout(
    title="知识",
    widths=(12, 24, 28, 10, 9, 14, 48, 13, 13, 7, 9),
    freeze="C2",
    header_style=_bold_header,
    column_styles={COLUMNS.index(COL_ANSWER): _wrapped},
    notes_title="填写说明",
    notes_width=110,
)


def write_sheet(path: Path, rows: Sequence[Sequence[str]], notes: Sequence[str] = ()) -> None:
    """Write header + rows as .csv (UTF-8 with BOM, so Excel reads the Chinese) or .xlsx, text that a
    spreadsheet would run as a formula neutralised (see `workbench.services.sheets`)."""
    write_table(path, COLUMNS, rows, replace(XLSX_LAYOUT, notes=tuple(notes)))


class KbIoService:
    """Export is everybody's; an import changes the KB and needs `Permission.MANAGE_KB`."""

    def __init__(self, db: Database, shop_id: int, clock: Clock = system_clock, *, actor: Actor) -> None:
        self.db = db
        self.shop_id = shop_id
        self.clock = clock
        self.actor = actor

    def export(self, path: Path) -> int:
        """Write every entry (standard categories first) to a .csv or .xlsx; the number of entries."""
        with self.db.session() as s:
            repo = KbAdminRepository(s)
            order = {name: i for i, name in enumerate(repo.category_names(self.shop_id))}
            entries = sorted(
                repo.entries(self.shop_id, self.clock().date()), key=lambda e: (order.get(e.category, 999), e.id)
            )
        write_sheet(path, entry_rows(entries))
        return len(entries)

    @staticmethod
    def write_template(path: Path) -> None:
        write_sheet(path, TEMPLATE_ROWS, TEMPLATE_NOTES)

    def read_import(
        self, path: Path, progress: ProgressCallback | None = None, cancel: Cancel | None = None
    ) -> list[tuple[EntryDraft, int]]:
        """Read and check a file (streamed, in the background): its entries, or KbValidationError with
        row-numbered issues; nothing is written."""
        with self.db.session() as s:
            repo = KbAdminRepository(s)
            categories = [*repo.category_names(self.shop_id)]
        for name in STANDARD_CATEGORIES:
            if name not in categories:
                categories.append(name)  # `save_import` creates the standard ones if they are missing
        return read_file(path, categories, progress, cancel)

    def save_import(self, drafts: Sequence[tuple[EntryDraft, int]], cancel: Cancel | None = None) -> ImportResult:
        """All or nothing: save every entry of a checked file in one transaction (a cancel rolls it back)."""
        with self.db.session() as s:
            require(s, self.actor, Permission.MANAGE_KB)
            repo = KbAdminRepository(s)
            repo.ensure_standard_categories(self.shop_id)
            today = self.clock().date()
            now = self.clock()
            existing = {phrase_key(e.question): e.id for e in repo.entries(self.shop_id, today)}
            added = updated = 0
            ids: list[int] = []
            for n, (draft, _line) in enumerate(drafts):
                if cancel is not None and n % 100 == 0:
                    cancel.check()
                entry_id = existing.get(phrase_key(draft.question))
                if entry_id is None:
                    entry_id = repo.add_entry(self.shop_id, draft, now, custom=True)
                    added += 1
                else:
                    save_entry(repo, self.shop_id, entry_id, draft, now)
                    updated += 1
                ids.append(entry_id)
            entries = tuple(repo.entries(self.shop_id, today, ids))
            change = KbChange(upserts=tuple(e.live(today) for e in entries), entries=entries)
            self.db.notify(s, Topic.KB)
            return ImportResult(added, updated, change)

    def import_file(
        self, path: Path, progress: ProgressCallback | None = None, cancel: Cancel | None = None
    ) -> ImportResult:
        """All or nothing: KbValidationError (row-numbered issues) and nothing written, or every entry saved."""
        return self.save_import(self.read_import(path, progress, cancel), cancel)


# -- question files for the batch test ------------------------------------------------------------

QUESTION_HEADERS = {"问题", "买家问题", "测试问题", "question"}
EXPECTED_HEADERS = {"期望知识", "期望问题", "期望答案知识", "标准问题", "expected"}


def read_questions(path: Path) -> list[QaCase]:
    """Questions from a .txt (one per line) or a .csv/.xlsx (a 问题 column and an optional 期望知识
    column naming the entry that should answer; without a header: question, expected)."""
    try:
        rows = read_rows(path)
    except _FileProblem as problem:
        raise KbValidationError([problem.issue]) from problem
    if path.suffix.lower() == ".txt":
        cases = [QaCase(row[0], "", line) for line, row in enumerate(rows, start=1) if row and row[0]]
        if not cases:
            raise KbValidationError([Issue(IssueField.FILE, "kb.import.no_questions")])
        return cases
    q_col, e_col, start = 0, 1, 1
    if rows:
        header = [c.strip().lower() for c in rows[0]]
        q = next((i for i, h in enumerate(header) if h in QUESTION_HEADERS), None)
        if q is not None:
            q_col = q
            e_col = next((i for i, h in enumerate(header) if h in EXPECTED_HEADERS), -1)
            start = 2
    cases = []
    for line, row in enumerate(rows[start - 1 :], start=start):
        question = row[q_col].strip() if q_col < len(row) else ""
        if not question:
            continue
        expected = row[e_col].strip() if 0 <= e_col < len(row) else ""
        cases.append(QaCase(question, expected, line))
    if not cases:
        raise KbValidationError([Issue(IssueField.FILE, "kb.import.no_questions")])
    return cases
