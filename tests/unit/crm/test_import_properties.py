"""Property tests of the import validators: whatever the text (lone surrogates, control characters,
huge or odd numbers), they answer with the documented import error and line-numbered issues, never
with anything else; what they accept is within the ranges every database column holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.domain.crm import ImportFailed, ImportIssue
from workbench.domain.errors import DomainError
from workbench.domain.kb_admin import KbValidationError
from workbench.services.crm_io import (
    CUSTOMER_COLUMNS,
    FIRST_DATE,
    LAST_DATE,
    MAX_POINTS,
    MAX_QUANTITY,
    MAX_TOTAL_CENTS,
    ORDER_COLUMNS,
    SourceRow,
    parse_customer,
    parse_order,
    read_rows,
)
from workbench.services.kb_io import COLUMNS as KB_COLUMNS
from workbench.services.kb_io import parse_sheet

ODD_NUMBERS = [
    "Infinity", "-Infinity", "inf", "NaN", "-nan", "sNaN", "1e30", "1e-30", "1E+999999999", "1e-999999999",
    "9" * 25, "-" + "9" * 25, "1234567890123456789012345.678", "0.005", "-0", "+5", "1_000", "１２",
    "٣", "1e3", "0x10", "", " ", "¥1,299.50", "￥-1", "1,,2", "4" * 5000, "2024-02-30", "9999-12-31 23:59:59",
    "0001-01-01", "1989-12-31", "2101-01-01", "2024/6/18 25:61",
]  # fmt: skip
# Every character, lone surrogates and controls included (hypothesis leaves surrogates out by default).
ANY_CHAR = st.characters(codec=None, exclude_categories=())
TEXT = st.one_of(st.text(ANY_CHAR, max_size=40), st.sampled_from(ODD_NUMBERS), st.just("\ud800"))
NUMBER_TEXT = st.one_of(
    st.sampled_from(ODD_NUMBERS),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    TEXT,
)


def row_of(columns: dict[str, tuple[str, ...]], values: dict[str, str], line: int) -> SourceRow:
    return SourceRow(line, {k: v for k, v in values.items() if k in columns})


def check_issues(issues: list[ImportIssue], line: int) -> None:
    assert issues and all(i.line == line and i.code.startswith("import.") for i in issues)


def lines_of(columns: dict[str, tuple[str, ...]], numeric: tuple[str, ...]) -> st.SearchStrategy[dict[str, str]]:
    """Lines with any of the columns, numeric ones drawn mostly from odd numbers."""
    return st.fixed_dictionaries({}, optional={key: NUMBER_TEXT if key in numeric else TEXT for key in columns})


@given(values=lines_of(CUSTOMER_COLUMNS, ("points", "registered_at")), line=st.integers(2, 10**6))
@settings(max_examples=400, deadline=None)
def test_a_customer_line_is_a_draft_or_issues(values: dict[str, str], line: int) -> None:
    issues: list[ImportIssue] = []
    draft = parse_customer(row_of(CUSTOMER_COLUMNS, values, line), issues)
    if draft is None:
        check_issues(issues, line)
        return
    assert not issues
    assert draft.points is None or 0 <= draft.points <= MAX_POINTS
    assert draft.registered_at is None or FIRST_DATE <= draft.registered_at <= LAST_DATE
    texts = [draft.nick, draft.name, draft.city, draft.preferences, *draft.tags]
    for text in filter(None, texts):
        text.encode("utf-8")  # storable: no lone surrogate
        assert "\x00" not in text


@given(values=lines_of(ORDER_COLUMNS, ("total", "quantity", "created_at", "paid_at")), line=st.integers(2, 10**6))
@settings(max_examples=400, deadline=None)
def test_an_order_line_is_a_draft_or_issues(values: dict[str, str], line: int) -> None:
    issues: list[ImportIssue] = []
    draft = parse_order(row_of(ORDER_COLUMNS, values, line), issues)
    if draft is None:
        check_issues(issues, line)
        return
    assert 0 <= draft.total_cents <= MAX_TOTAL_CENTS and 1 <= draft.quantity <= MAX_QUANTITY
    assert FIRST_DATE <= draft.created_at <= LAST_DATE
    assert draft.total_cents // draft.quantity >= 0


def test_well_formed_lines_still_pass() -> None:
    """The property tests above must not pass merely because everything is refused."""
    issues: list[ImportIssue] = []
    good = {"nick": "小鹿", "points": "1e3", "registered_at": "2024-06-18 14:30"}
    customer = parse_customer(SourceRow(2, good), issues)
    assert customer is not None and customer.points == 1000 and not issues
    order = {"order_no": "A-0001", "nick": "小鹿", "state": "交易成功", "total": "¥1,299.50",
             "created_at": "2024-06-18", "quantity": "2"}  # fmt: skip
    parsed = parse_order(SourceRow(3, order), issues)
    assert parsed is not None and parsed.total_cents == 129_950 and parsed.quantity == 2


KB_ROW = st.lists(TEXT, min_size=0, max_size=len(KB_COLUMNS) + 2)


@given(rows=st.lists(KB_ROW, max_size=8), header_ok=st.booleans())
@settings(max_examples=300, deadline=None)
def test_a_knowledge_sheet_is_entries_or_a_validation_error(rows: list[list[str]], header_ok: bool) -> None:
    sheet: list[Any] = [list(KB_COLUMNS), *rows] if header_ok else rows
    try:
        drafts = parse_sheet(sheet, ["物流问题", "售后问题"])
    except KbValidationError as exc:
        assert exc.issues
        return
    for draft, line in drafts:
        assert line >= 2 and draft.question
        for answer in draft.answers:
            answer.text.encode("utf-8")


@given(data=st.binary(max_size=2000), xlsx=st.booleans())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_bytes_are_read_or_refused_as_a_file_problem(tmp_path: Path, data: bytes, xlsx: bool) -> None:
    path = tmp_path / ("any.xlsx" if xlsx else "any.csv")
    path.write_bytes(data)
    try:
        for row in read_rows(path, CUSTOMER_COLUMNS, ("nick",)):
            issues: list[ImportIssue] = []
            parse_customer(row, issues)
    except (ImportFailed, DomainError):
        pass


@pytest.mark.parametrize(
    "text",
    ["=1+1", "'=1+1", "\ud800", "名\x00字", "\U0001f600" * 30],
)
def test_odd_text_in_a_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(("昵称,姓名\n小鹿," + text + "\n").encode("utf-8", "surrogatepass"))
    issues: list[ImportIssue] = []
    try:
        rows = list(read_rows(path, CUSTOMER_COLUMNS, ("nick",)))
    except DomainError as exc:  # a lone surrogate is not UTF-8: read as GB18030 or refused
        assert exc.code in ("import.encoding", "import.unreadable")
        return
    drafts = [parse_customer(r, issues) for r in rows]
    assert drafts[0] is not None or issues
