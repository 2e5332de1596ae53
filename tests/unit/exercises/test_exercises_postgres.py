"""The checks' queries on PostgreSQL (a shared classroom server): every exercise checks a fresh demo."""

from __future__ import annotations

from workbench.composition import open_workspace


def test_every_exercise_checks_a_fresh_demo_shop_on_postgresql(pg_demo_url: str) -> None:
    ws = open_workspace(pg_demo_url, username="xiaozhao")
    try:
        results = {e.id: ws.exercises.check(e.id) for e in ws.exercises.exercises()}
    finally:
        ws.close()
    assert set(results) == {"ch5-aftersales", "ch7-crm", "p4-t1", "p4-t2", "p4-t3"}
    p4 = results["p4-t1"]
    assert [(i.id, i.points) for i in p4.items[:3]] == [("welcome", 5), ("knowledge", 0), ("routing", 0)]
    assert results["ch5-aftersales"].items[0].why == "还没有接待本练习的客户 ✗"
    assert results["p4-t3"].total == 0
