"""Any text typed, pasted or searched reaches the database cleanly or is refused with a DomainError:
never a UnicodeEncodeError (lone surrogates) or a database error (PostgreSQL refuses NUL)."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import copy_demo, postgres_url
from workbench.composition import open_workspace
from workbench.domain.aftersales import CaseKind
from workbench.domain.crm import CustomerFilter, GroupKind, ProfileEdit, SortKey
from workbench.domain.errors import DomainError
from workbench.domain.orders import OrderState
from workbench.domain.quick_phrases import PhraseDraft, PhrasePool
from workbench.domain.text import BIDI_CONTROLS
from workbench.services.workspace import Workspace
from workbench.storage.db import sqlite_url
from workbench.storage.repositories.aftersales import CaseFilter

NASTY = (
    list("亲在吗发货😊é\u0301\t\n \x00\x01\x1b\x7f\u200b%_\\") + sorted(BIDI_CONTROLS) + ["\ud800", "\udc00", "\ud83d"]
)
texts = st.text(
    alphabet=st.one_of(
        st.characters(), st.sampled_from(NASTY), st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
    ),
    max_size=20,
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def ws(
    request: pytest.FixtureRequest, demo_database: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workspace]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("text") / "wb.sqlite3"
        copy_demo(demo_database, path)
        workspace = open_workspace(sqlite_url(path))
        yield workspace
        workspace.close()
        return
    base = postgres_url()
    if base is None:
        if os.environ.get("WORKBENCH_TEST_PG_REQUIRED"):
            pytest.fail("WORKBENCH_TEST_PG_REQUIRED is set but WORKBENCH_TEST_PG_URL is not")
        pytest.skip("no PostgreSQL server (set WORKBENCH_TEST_PG_URL)")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"wb_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    workspace = open_workspace(make_url(base).set(database=name).render_as_string(hide_password=False))
    try:
        yield workspace
    finally:
        workspace.close()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


Operation = Callable[[Workspace, str], object]


def _customer(ws: Workspace) -> int:
    return ws.crm.page(CustomerFilter(), SortKey.ID, False, 0, 1)[0].id


def _open_chat(ws: Workspace) -> int:
    return ws.reception.customer_arrives(_customer(ws)).id


def _order(ws: Workspace, states: tuple[OrderState, ...] = tuple(OrderState)) -> int:
    return next(o.id for o, _ in ws.orders.page(limit=500).rows if o.state in states)


def _case(ws: Workspace, kind: CaseKind | None = None) -> int:
    f = CaseFilter(kinds=(kind,) if kind else ())
    return ws.aftersales.search(f, limit=1).cases[0].id


WRITES: dict[str, Operation] = {
    "agent reply": lambda ws, t: ws.reception.agent_sends(_open_chat(ws), ws.agent.id, t),
    "customer message": lambda ws, t: ws.reception.customer_says(_open_chat(ws), t),
    "customer tag": lambda ws, t: ws.customers.add_tag(_customer(ws), t),
    "customer note": lambda ws, t: ws.customers.add_note(_customer(ws), t, "客服"),
    "profile edit": lambda ws, t: ws.crm.edit_profile(
        _customer(ws), ProfileEdit(name=t, city=t, style=t, size=t, preferences=t)
    ),
    "tag library": lambda ws, t: ws.crm.create_tag(t, group=t),
    "customer group": lambda ws, t: ws.crm.create_group(t, GroupKind.STATIC, note=t),
    "care template": lambda ws, t: ws.followups.save_template(None, t, t),
    "quick phrase": lambda ws, t: ws.quick_phrases.add(None, PhraseDraft(PhrasePool.SHOP, t, "", t)),
    "kb category": lambda ws, t: ws.kb_admin.add_category(t),
    "order memo": lambda ws, t: ws.orders.change_memo(_order(ws), t),
    "order address": lambda ws, t: ws.orders.change_address(
        _order(ws, (OrderState.AWAITING_PAYMENT, OrderState.AWAITING_SHIPMENT)), t
    ),
    "case note": lambda ws, t: ws.aftersales.add_note(_case(ws), t, "客服"),
    "review reply": lambda ws, t: ws.reviews.reply(_case(ws, CaseKind.REVIEW), t, "客服"),
    "bot welcome": lambda ws, t: ws.bot.save_welcome(replace(ws.bot.settings().welcome, default_text=t or "您好")),
    "case form draft": lambda ws, t: ws.aftersales.save_draft("complaint:new", {"description": t}),
}

SEARCHES: dict[str, Operation] = {
    "orders": lambda ws, t: ws.orders.page(search=t),
    "order number": lambda ws, t: ws.orders.by_number(t),
    "customers": lambda ws, t: ws.crm.page(CustomerFilter(search=t), SortKey.ID, False, 0, 20),
    "customer count": lambda ws, t: ws.crm.count(CustomerFilter(search=t)),
    "cases": lambda ws, t: ws.aftersales.search(CaseFilter(query=t)),
    "reviews": lambda ws, t: ws.reviews.find(query=t),
    "tag by name": lambda ws, t: ws.crm.tag_by_name(t),
    "knowledge": lambda ws, t: ws.kb_admin.entries(search=t),
}


def _only_domain_errors(ws: Workspace, operation: Operation, text: str) -> None:
    with contextlib.suppress(DomainError):  # anything else fails the test
        operation(ws, text)


@pytest.mark.parametrize("name", sorted(WRITES))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts)
@example(text="好\x00")
@example(text="好\ud800")
@example(text="photo\u202egpj")
def test_writes_store_clean_text_or_refuse_it(ws: Workspace, name: str, text: str) -> None:
    _only_domain_errors(ws, WRITES[name], text)


@pytest.mark.parametrize("name", sorted(SEARCHES))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts)
@example(text="\x00")
@example(text="\ud800")
@example(text="%\u202e_")
def test_searches_run_or_refuse_the_text(ws: Workspace, name: str, text: str) -> None:
    _only_domain_errors(ws, SEARCHES[name], text)


def test_a_draft_keeps_the_text_as_typed(ws: Workspace) -> None:
    typed = {"description": "坏了\ud800\x00\u202e"}
    ws.aftersales.save_draft("complaint:new", typed)
    draft = ws.aftersales.draft("complaint:new")
    assert draft is not None and dict(draft.payload) == typed


def test_a_message_is_stored_clean(ws: Workspace) -> None:
    message = ws.reception.agent_sends(_open_chat(ws), ws.agent.id, "亲\x00，\u202e您好e\u0301")
    assert message.text == "亲，您好\u00e9"
    with pytest.raises(DomainError) as info:
        ws.reception.agent_sends(_open_chat(ws), ws.agent.id, "亲\ud800")
    assert info.value.code == "text.invalid"
