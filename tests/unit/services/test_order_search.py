"""Order search (查单) matches the typed text literally: `%` and `_` are characters, not wildcards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import copy_demo
from workbench.composition import open_workspace
from workbench.domain.errors import DomainError
from workbench.domain.text import clean_search
from workbench.services.workspace import Workspace
from workbench.storage.db import sqlite_url


@pytest.fixture(scope="module")
def ws(demo_database: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    path = tmp_path_factory.mktemp("orders") / "wb.sqlite3"
    copy_demo(demo_database, path)
    workspace = open_workspace(sqlite_url(path))
    yield workspace
    workspace.close()


def _ascii_fold(text: str) -> str:
    """SQLite's LIKE ignores the case of ASCII letters only."""
    return "".join(c.lower() if c.isascii() else c for c in text)


def _found(ws: Workspace, search: str) -> list[tuple[str, str, str]]:
    page = ws.orders.page(search=search, limit=10_000)
    assert page.total == len(page.rows)
    return [(order.order_no, order.tracking_no, nick) for order, nick in page.rows]


@pytest.mark.parametrize("search", ["%", "%%", "\\", "1%1", "%_%"])
def test_wildcards_find_nothing_they_do_not_contain(ws: Workspace, search: str) -> None:
    assert ws.orders.page(limit=10_000).total > 100  # the demo shop has orders to find
    assert _found(ws, search) == []


def test_an_underscore_finds_the_nicks_that_have_one(ws: Workspace) -> None:
    found = _found(ws, "_")
    assert found  # demo nicks like "lily_2002"
    assert len(found) < ws.orders.page(limit=10_000).total
    assert all("_" in nick for _no, _tracking, nick in found)


def test_a_part_of_an_order_number_still_finds_it(ws: Workspace) -> None:
    order, _nick = ws.orders.page(limit=1).rows[0]
    found = _found(ws, order.order_no[3:12])
    assert order.order_no in [no for no, _, _ in found]


_pieces = st.sampled_from(["%", "_", "\\", "2", "0", "1", "SF", "YT", "小", "的", " ", "a", "A"])


_any_char = st.characters() | st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)  # surrogates too


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_pieces, max_size=5).map("".join) | st.text(_any_char, max_size=6))
def test_every_order_found_contains_the_text(ws: Workspace, search: str) -> None:
    try:
        found = _found(ws, search)
    except DomainError as exc:  # only a clean refusal of unusable text (lone surrogates)
        assert exc.code == "text.invalid"
        return
    text = _ascii_fold(clean_search(search))  # what is searched: no control characters, blanks collapsed
    for fields in found:
        assert any(text in _ascii_fold(field) for field in fields), (search, fields)
