"""A killed import leaves nothing half-written: the customers and their tags are all there or none,
whenever the process dies (while reading and staging, during the switch, while the statistics are
refreshed). Statistics are derived data: after a kill the customer page recomputes what is missing."""

from __future__ import annotations

import csv
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import copy_demo
from workbench.composition import open_workspace

pytestmark = pytest.mark.slow

N = 30_000


def counts(db: Path) -> tuple[int, int, int]:
    """(imported customers, their tags, their statistics rows)."""
    with sqlite3.connect(db, timeout=30) as conn:
        customers = conn.execute("SELECT count(*) FROM customers WHERE nick LIKE '杀进程%'").fetchone()[0]
        tags = conn.execute(
            "SELECT count(*) FROM customer_tags JOIN customers ON customers.id = customer_id WHERE nick LIKE '杀进程%'"
        ).fetchone()[0]
        stats = conn.execute(
            "SELECT count(*) FROM customer_stats JOIN customers ON customers.id = customer_id WHERE nick LIKE '杀进程%'"
        ).fetchone()[0]
    return int(customers), int(tags), int(stats)


@pytest.mark.parametrize("delay", [0.8, 1.6, 2.4, 3.2, 4.0])
def test_a_killed_import_is_all_or_nothing(tmp_path: Path, demo_database: Path, delay: float) -> None:
    data_dir = tmp_path / "data"
    db = data_dir / "workbench.sqlite3"
    copy_demo(demo_database, db)
    source = tmp_path / "kill.csv"
    with source.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(
            [["昵称", "手机", "标签"], *([f"杀进程{i:06d}", f"136{i:08d}", "批量"] for i in range(N))]
        )
    command = [sys.executable, "-m", "workbench", "customers", "import", "--data-dir", str(data_dir), str(source)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    customers, tags, _stats = counts(db)
    assert (customers, tags) in ((0, 0), (N, N))
    if customers == 0:  # killed before the switch: try again, to the end this time
        again = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
        assert again.returncode == 0, again.stderr
    ws = open_workspace(f"sqlite:///{db}")
    try:
        ws.crm.refresh_if_stale()  # what the customer page does when it opens
    finally:
        ws.close()
    assert counts(db) == (N, N, N)
