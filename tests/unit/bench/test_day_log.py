"""The day benchmark's check against the simulator's log: what counts as lost or duplicated."""

from __future__ import annotations

from collections import Counter

from workbench.ui.bench.day import DayLog, check_log


def test_lost_and_duplicated_messages_are_counted_against_the_log() -> None:
    log = DayLog(said=[("v1", "在吗a", True), ("v1", "我要退货b", False), ("v2", "发货了吗c", True)])
    assert check_log(log, Counter({"在吗a": 1, "我要退货b": 1, "发货了吗c": 1})) == (3, 0, 0)
    assert check_log(log, Counter({"在吗a": 1, "我要退货b": 2})) == (3, 1, 1)


def test_an_opening_a_card_click_replaced_is_not_expected() -> None:
    log = DayLog(said=[("v1", "在吗a", True), ("v1", "我要退货b", False)], clicked={"v1"})
    assert check_log(log, Counter({"我要退货b": 1})) == (1, 0, 0)
