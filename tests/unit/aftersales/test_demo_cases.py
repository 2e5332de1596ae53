"""The demo shop's after-sales cases and the `report cases` command."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from workbench.composition import open_workspace
from workbench.demo import reset_demo
from workbench.domain.aftersales import (
    CaseKind,
    CaseState,
    ComplaintDetails,
    EventAction,
    EvidenceKind,
    ReviewDetails,
    next_states,
)
from workbench.services.aftersales import AftersalesService, CaseFilter
from workbench.services.reviews import ReviewService
from workbench.services.workspace import Workspace
from workbench.storage.db import sqlite_url

ROOT = Path(__file__).resolve().parents[3]


class FixedClock:
    def __call__(self) -> datetime:
        return datetime(2026, 11, 24, 12, 0)


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    workspace = open_workspace(sqlite_url(tmp_path_factory.mktemp("demo") / "wb.sqlite3"), clock=FixedClock())
    yield workspace
    workspace.close()


@pytest.fixture(scope="module")
def service(ws: Workspace) -> AftersalesService:
    return AftersalesService(ws.db, ws.shop.id, ws.clock)


def test_every_kind_is_there_in_several_states(service: AftersalesService) -> None:
    counts = service.counts()
    assert list(counts) == [k.value for k in CaseKind]
    for kind, states in counts.items():
        assert len(states) >= 3, kind
    assert counts["review"]["appealing"] >= 1 and counts["complaint"]["appealing"] >= 1
    assert counts["dispute"].get("platform", 0) >= 1


def test_demo_timelines_follow_the_workflows(service: AftersalesService) -> None:
    page = service.search(CaseFilter(), limit=1000)
    assert page.total == len(page.cases) >= 100
    for case in page.cases:
        file = service.case_file(case.id)
        created = [e for e in file.events if e.action is EventAction.CREATED]
        assert len(created) == 1 and created[0].to_state is not None
        state = created[0].to_state
        for event in file.events:
            assert event.at <= FixedClock()()
            if event.action is EventAction.TRANSITION or (event.action is EventAction.REPLY and event.to_state):
                assert event.from_state is state, (case.case_no, event)
                assert (
                    event.to_state in next_states(case.kind, case.subtype, state) or event.to_state is CaseState.REPLIED
                )
                state = event.to_state
        assert state is case.state, case.case_no


def test_refunding_orders_have_an_open_case(ws: Workspace, service: AftersalesService) -> None:
    with ws.db.session() as s:
        from workbench.storage.repositories.orders import OrderRepository

        refunding = [o for o in OrderRepository(s).recent(ws.shop.id, 5000) if o.state.value == "退款中"]
    assert refunding
    for order in refunding:
        cases = service.search(CaseFilter(query=order.order_no, open_only=True)).cases
        if order.customer_id == _customer_id(ws, "小鹿乱撞77"):
            continue
        assert any(c.kind in (CaseKind.REFUND, CaseKind.RETURN) for c in cases), order.order_no


def _customer_id(ws: Workspace, nick: str) -> int:
    with ws.db.session() as s:
        from workbench.storage.repositories.customers import CustomerRepository

        customer = CustomerRepository(s).by_nick(ws.shop.id, nick)
    assert customer is not None
    return customer.id


def test_the_professional_bad_reviewer_is_suggested_never_accused(ws: Workspace, service: AftersalesService) -> None:
    wind = _customer_id(ws, "路过的风2023")
    reviews = [c for c in service.of_customer(wind) if c.kind is CaseKind.REVIEW]
    appealing = next(c for c in reviews if c.state is CaseState.APPEALING)
    assert appealing.flagged and appealing.risk_score >= 80
    assert isinstance(appealing.details, ReviewDetails)
    hits = {s.code for s in appealing.details.signals if s.hit}
    assert {"new_account", "no_history", "similar_wording", "emotional_vague", "money_request"} <= hits
    evidence = service.case_file(appealing.id).evidence
    assert any(e.kind is EvidenceKind.MESSAGE and "删评" in e.text for e in evidence)
    risk = ReviewService(ws.db, ws.shop.id, ws.clock).assess(appealing.id)
    assert risk.score == appealing.risk_score
    complaint = next(c for c in service.of_customer(wind) if c.kind is CaseKind.COMPLAINT and not c.is_final)
    assert complaint.flagged and isinstance(complaint.details, ComplaintDetails)
    assert complaint.details.appeal.reference
    # a genuine bad review is never flagged by the seeding
    others = service.search(CaseFilter(kinds=(CaseKind.REVIEW,), subtypes=("bad",)), limit=500).cases
    assert all(not c.flagged for c in others if c.customer_id != wind)


def test_the_textbook_exchange_customer_is_left_for_the_live_chat(ws: Workspace, service: AftersalesService) -> None:
    assert service.of_customer(_customer_id(ws, "小鹿乱撞77")) == [] or all(
        c.kind is CaseKind.REVIEW for c in service.of_customer(_customer_id(ws, "小鹿乱撞77"))
    )


def test_demo_reminders_are_due(service: AftersalesService) -> None:
    labels = {r.label for r in service.reminders()}
    assert "举证截止" in labels


def test_reset_demo_restores_the_cases(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "wb.sqlite3")
    first = open_workspace(url, clock=FixedClock())
    before = AftersalesService(first.db, first.shop.id, first.clock).counts()
    AftersalesService(first.db, first.shop.id).save_draft("x", {"a": 1})
    first.close()
    reset_demo(url, clock=FixedClock())
    again = open_workspace(url, clock=FixedClock())
    svc = AftersalesService(again.db, again.shop.id, again.clock)
    assert svc.counts() == before and svc.draft("x") is None
    again.close()


def test_report_cases_json_on_an_empty_data_dir(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from workbench.app import main\n"
        f"rc = main(['--data-dir', {str(tmp_path / 'data')!r}, 'report', 'cases', '--json'])\n"
        "assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt loaded'\n"
        "sys.exit(rc)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    report = json.loads(result.stdout)
    assert list(report) == ["return", "exchange", "refund", "repair", "complaint", "dispute", "review"]
    assert all(isinstance(n, int) and n > 0 for states in report.values() for n in states.values())
    assert (tmp_path / "data" / "workbench.sqlite3").is_file()


def test_report_cases_text_and_a_bad_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from workbench.app import main

    assert main(["--data-dir", str(tmp_path / "d"), "--db", "nonsense://", "report", "cases"]) == 2
    assert "db.bad_url" in capsys.readouterr().err


def test_genuine_negative_reviews_do_not_look_professional(ws: Workspace, service: AftersalesService) -> None:
    wind = _customer_id(ws, "路过的风2023")
    negative = service.search(CaseFilter(kinds=(CaseKind.REVIEW,), subtypes=("bad", "neutral")), limit=500).cases
    genuine = [c for c in negative if c.customer_id != wind]
    assert genuine
    assert all(c.risk_score < 50 for c in genuine), [(c.case_no, c.risk_score) for c in genuine]
