"""Does a big customer import make the desk wait? An agent's reply while 150,000 customers are imported.

    python -m workbench.bench import_wait --json [--customers 150000 --interval 0.1]

A temp SQLite file (WAL) holds the demo shop. A generated CSV of N new customers (a third with two
tags) is imported the way the customer page does it: `plan_customers` (stream, check, stage in
batches) then `apply_customers` (the one short switch, then statistics in batches), with the same
`Database` as the sends (each thread has its own connection, as the UI's long-job worker does).
Meanwhile a second thread sends an agent reply through `ReceptionService.agent_sends` every
`interval` seconds, on a fixed schedule; a send's wait is from its scheduled time to its return, so
a send held up by the import also delays the ones queued behind it, as a user would see.

The baseline is the same sends on the same schedule, for the same number of sends, in the same run
and database, with no import running. Reported: longest, p99 and median wait of a send, with and
without the import; the import's time; and how long the switch held the write lock (the longest a
send can wait for it). Excludes: the UI (signals, painting), the customer page's reload afterwards.
"""

from __future__ import annotations

import csv
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from workbench.demo import seed_if_empty
from workbench.domain.crm import MergePolicy
from workbench.services.crm_io import CrmImportExport
from workbench.services.desk import open_shop
from workbench.services.reception import ReceptionService
from workbench.services.sheets import Progress, Stage
from workbench.storage.db import Database, sqlite_url

CITIES = ("杭州", "上海", "北京", "广州", "成都", "武汉", "南京", "西安")
LEVELS = ("普通会员", "银卡", "金卡", "钻石")


def write_customers(path: Path, n: int, seed: int = 11) -> None:
    """N new customers as the import dialog takes them (distinct nicks and phones)."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["昵称", "姓名", "手机", "性别", "城市", "会员等级", "积分", "注册时间", "标签"])
        for i in range(n):
            registered = f"20{rng.randrange(10, 25)}-0{rng.randrange(1, 10)}-1{rng.randrange(0, 10)}"
            writer.writerow(
                [
                    f"导入买家_{i:07d}", f"客户{i}", f"15{i:09d}", rng.choice("男女"), rng.choice(CITIES),
                    rng.choice(LEVELS), rng.randrange(0, 20_000), registered, "导入、老客户" if i % 3 == 0 else "",
                ]
            )  # fmt: skip


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def _summary(waits: list[float]) -> dict[str, Any]:
    return {
        "sends": len(waits),
        "max_ms": round(max(waits) * 1000, 1),
        "p99_ms": round(_percentile(waits, 0.99) * 1000, 1),
        "p50_ms": round(statistics.median(waits) * 1000, 1),
    }


def _conversation(reception: ReceptionService) -> int:
    """A chat for the agent to answer in: a demo customer comes back."""
    lists = reception.lists()
    open_chats = lists.active + lists.waiting
    if open_chats:
        return open_chats[0].id
    return reception.customer_arrives(lists.ended[0].customer_id).id


def _send_every(
    reception: ReceptionService,
    agent_id: int,
    conversation_id: int,
    interval: float,
    until: threading.Event,
    count: int,
) -> list[float]:
    """Send on a fixed schedule until `until` is set (or `count` sends when given); each send's wait."""
    waits: list[float] = []
    start = time.perf_counter()
    k = 0
    while (count and k < count) or (not count and not until.is_set()):
        due = start + k * interval
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        reception.agent_sends(conversation_id, agent_id, f"亲，在的，请问还有什么可以帮您？（{k}）")
        waits.append(time.perf_counter() - due)
        k += 1
    return waits


def run(customers: int = 150_000, interval: float = 0.1) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="wb-import-wait-") as tmp:
        root = Path(tmp)
        source = root / "customers.csv"
        write_customers(source, customers)
        # The demo shop and the two services the desk would use (built as the composition root does).
        db = Database(sqlite_url(root / "workbench.sqlite3"))
        db.migrate()
        seed_if_empty(db)
        shop, agent, _agents = open_shop(db)
        reception = ReceptionService(db, shop.id)
        importer = CrmImportExport(db, shop.id)
        try:
            chat = _conversation(reception)
            # During the import.
            stop = threading.Event()
            during: list[float] = []
            sender = threading.Thread(
                target=lambda: during.extend(_send_every(reception, agent.id, chat, interval, stop, 0))
            )
            marks: dict[str, float] = {}

            def progress(p: Progress) -> None:
                if p.stage is Stage.WRITING:
                    marks.setdefault("switch_start", time.perf_counter())
                    if p.done == p.total:
                        marks["switch_end"] = time.perf_counter()

            sender.start()
            time.sleep(interval * 5)  # a few sends before the import starts
            started = time.perf_counter()
            plan = importer.plan_customers(source, progress)
            planned = time.perf_counter()
            result = importer.apply_customers(plan, MergePolicy.SKIP, progress)
            finished = time.perf_counter()
            time.sleep(interval * 5)
            stop.set()
            sender.join()
            assert result.created == customers, result
            # The baseline: as many sends on the same schedule, nothing else running.
            baseline = _send_every(reception, agent.id, chat, interval, threading.Event(), len(during))
        finally:
            db.dispose()
    return {
        "customers": customers,
        "interval_ms": round(interval * 1000),
        "import_s": round(finished - started, 2),
        "plan_s": round(planned - started, 2),
        "apply_s": round(finished - planned, 2),
        "switch_ms": round((marks["switch_end"] - marks["switch_start"]) * 1000),
        "without_import": _summary(baseline),
        "during_import": _summary(during),
    }
