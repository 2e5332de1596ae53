"""项目4 任务3 会员管理 and 第7章 客户关系管理: only the work done after the shop was set up (or after the
exercise began) counts; the demo shop's own tags, groups and follow-ups do not."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.unit.exercises.conftest import NOW
from workbench.composition import open_workspace
from workbench.domain.crm import CustomerFilter, FollowUpOutcome, GroupKind, Segment, Selection
from workbench.domain.exercises import ExerciseResult, ItemResult
from workbench.services.workspace import Workspace
from workbench.storage.db import sqlite_url
from workbench.storage.tables_crm import CustomerStatsRow

LATER = NOW + timedelta(hours=1)


@pytest.fixture
def later_ws(demo_copy: Path) -> Iterator[Workspace]:
    """The demo shop seeded at NOW, worked on an hour later."""
    workspace = open_workspace(sqlite_url(demo_copy), clock=lambda: LATER)
    yield workspace
    workspace.close()


def item(result: ExerciseResult, item_id: str) -> ItemResult:
    return next(i for i in result.items if i.id == item_id)


def customers_in(ws: Workspace, segment: Segment, n: int) -> list[int]:
    with ws.db.session() as s:
        return list(
            s.scalars(
                select(CustomerStatsRow.customer_id)
                .where(CustomerStatsRow.segment == segment.value)
                .order_by(CustomerStatsRow.customer_id)
                .limit(n)
            )
        )


def follow_up(ws: Workspace, customer_id: int, *, note: str = "", care: str = "") -> None:
    planned = ws.followups.schedule(customer_id, LATER, "签收后回访")
    if care:
        ws.followups.send_care(planned.id, care, ws.agent.id, ws.agent.display_name)
    ws.followups.complete(planned.id, FollowUpOutcome.SATISFIED, note, ws.agent.display_name)


def test_the_demo_shops_own_customer_work_does_not_count(later_ws: Workspace) -> None:
    result = later_ws.exercises.check("p4-t3")
    assert [(i.id, i.points) for i in result.items[:3]] == [("tags", 0), ("notes_groups", 0), ("followups", 0)]
    assert item(result, "tags").why == "已打标签的客户 0/5 ✗ · 使用的标签 0/2 ✗"
    rfm = item(later_ws.exercises.check("ch7-crm"), "rfm")
    assert (rfm.points, rfm.why) == (15, "RFM 已计算 ✓ · 按分层建立的分组 0/1 ✗")  # the demo computed RFM


def test_member_management_scores_tags_notes_groups_and_follow_ups(later_ws: Workspace) -> None:
    ws = later_ws
    ids = customers_in(ws, Segment.HIGH_VALUE, 3) + customers_in(ws, Segment.POTENTIAL, 3)
    assert len(ids) == 6
    ws.crm.bulk_tag(Selection.of(ids[:3]), "法式控")
    ws.crm.bulk_tag(Selection.of(ids[3:5]), "常穿M码")
    for cid in ids[:2]:
        ws.customers.add_note(cid, "喜欢法式风格，穿M码", ws.agent.display_name)
    ws.crm.create_group("老客户精选", GroupKind.STATIC)
    group = next(g for g in ws.crm.groups() if g.name == "老客户精选")
    ws.crm.add_to_group(group.id, Selection.of(ids[:2]))
    for cid in ids[:3]:
        follow_up(ws, cid)

    result = ws.exercises.check("p4-t3")

    tags = item(result, "tags")
    assert tags.why == "已打标签的客户 5/5 ✓ · 使用的标签 2/2 ✓", tags.evidence
    assert (tags.points, tags.passed) == (30, True)
    assert any(e.endswith(f": 法式控 ({LATER:%m-%d %H:%M})") for e in tags.evidence)
    notes_groups = item(result, "notes_groups")
    assert (notes_groups.points, notes_groups.why) == (12, "客户备注 2/3 ✗ · 客户分组 1/1 ✓")  # 25 × 1 ÷ 2
    assert "分组 老客户精选 (2 人)" in notes_groups.evidence
    followups = item(result, "followups")
    assert (followups.points, followups.why) == (12, "已完成回访 3/3 ✓ · 回访记录了客户反馈 0/1 ✗")


def test_crm_scores_rfm_groups_and_care_messages_to_the_customers_at_risk(later_ws: Workspace) -> None:
    ws = later_ws
    ws.crm.create_group("流失预警召回", GroupKind.FILTER, CustomerFilter(segments=(Segment.AT_RISK,)))
    at_risk = customers_in(ws, Segment.AT_RISK, 1)
    loyal = customers_in(ws, Segment.HIGH_VALUE, 2)
    assert at_risk and len(loyal) == 2
    for cid in loyal:
        follow_up(ws, cid, care="亲，衣服穿着还合适吗？有问题随时找我～")
    follow_up(ws, at_risk[0], care="好久不见，送您一张回归券～", note="说最近忙，下周来看看新款")

    result = ws.exercises.check("ch7-crm")

    assert item(result, "rfm").points == 30
    assert "分组 流失预警召回: 流失预警" in item(result, "rfm").evidence
    care = item(result, "care")
    assert (care.points, care.why) == (30, "已发送关怀消息 3/3 ✓ · 发给流失预警/已流失客户 1/1 ✓")
    assert care.evidence[-1].endswith("(流失预警): 好久不见，送您一张回归券～")
    feedback = item(result, "feedback")
    assert (feedback.points, feedback.passed) == (20, True)
    # the exercise's own start, when the caller knows it, moves the line: nothing was done after it
    assert ws.exercises.check("ch7-crm", since=LATER).total == 15
