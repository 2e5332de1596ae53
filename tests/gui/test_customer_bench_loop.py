"""`bench customers` runs the list as the desk does: the cyclic garbage collector only on the UI
thread (ui/gc_guard.py), never in the middle of a worker's or the writer's work."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from workbench.bench.customers import generate
from workbench.domain.crm import CustomerFilter, SortKey
from workbench.services.crm import CrmService
from workbench.storage.db import Database, sqlite_url
from workbench.ui.bench.customer_model import stall_during_writes

NOW = datetime(2026, 11, 11, 12, 0)


@pytest.fixture
def crm(tmp_path: Path) -> Iterator[CrmService]:
    db = Database(sqlite_url(tmp_path / "crm.sqlite3"))
    db.migrate()
    shop_id, _tags = generate(db, 300, 1_500)
    yield CrmService(db, shop_id, lambda: NOW)
    db.dispose()


def test_collections_during_writes_run_on_the_ui_thread_only(crm: CrmService) -> None:
    gc.enable()  # as in the benchmark's process (the GUI tests switch it off, as the desk does)

    def write(n: int) -> None:
        # A writer making cyclic garbage: an automatic collection would start on this thread.
        for _ in range(2_000):
            cycle: list[object] = []
            cycle.append(cycle)

    ops = [(CustomerFilter(), SortKey.SPENT, 0), (CustomerFilter(), SortKey.ID, 50)]
    try:
        result = stall_during_writes(crm, ops, write, seconds=1.5, writes_per_s=40)
        assert gc.isenabled()  # and the rest of the process collects as before
    finally:
        gc.disable()
    assert result["writes"] > 0 and result["gc_runs"] > 0
    assert result["gc_threads"] == ["MainThread"]
