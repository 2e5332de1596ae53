"""A per-exercise reset puts back what that exercise has students change and leaves the rest of the
shop as it was (on the demo shop, SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select

from tests.unit.accounts.conftest import T0
from tests.unit.classroom.conftest import P4T1, P4T2, P4T3
from tests.unit.kb_admin.conftest import draft
from workbench.composition import open_workspace
from workbench.domain.customers import Customer
from workbench.domain.exercises import CHECK_AREAS, Exercise, LabArea, lab_areas
from workbench.domain.kb import Phrasing
from workbench.services.exercise_checks import CHECKS
from workbench.services.exercises import load_exercises
from workbench.services.workspace import Workspace
from workbench.storage.tables import ConversationRow, CustomerTagRow, KbCategoryRow, KbEntryRow, TagRow
from workbench.storage.tables_crm import CustomerGroupRow, FollowUpRow


def snapshot(ws: Workspace) -> dict[str, object]:
    with ws.db.session() as s:
        return {
            "kb": sorted(s.scalars(select(KbEntryRow.question).where(KbEntryRow.shop_id == ws.shop.id))),
            "categories": sorted(s.scalars(select(KbCategoryRow.name).where(KbCategoryRow.shop_id == ws.shop.id))),
            "tags": sorted(
                s.execute(
                    select(CustomerTagRow.customer_id, TagRow.name).join(TagRow, TagRow.id == CustomerTagRow.tag_id)
                ).all()
            ),
            "tag_library": sorted(s.scalars(select(TagRow.name).where(TagRow.shop_id == ws.shop.id))),
            "groups": sorted(s.scalars(select(CustomerGroupRow.name))),
            "followups": s.scalar(select(func.count()).select_from(FollowUpRow)),
            "chats": s.scalar(select(func.count()).select_from(ConversationRow)),
            "nickname": ws.bot.settings().welcome.nickname,
        }


def test_reset_areas_by_exercise() -> None:
    assert lab_areas(P4T1) == {LabArea.BOT, LabArea.KB}
    assert lab_areas(P4T2) == {LabArea.AUTO_MESSAGES}
    assert lab_areas(P4T3) == {LabArea.CRM}
    scenario = Exercise("ch5", "售后", "第5章 售后服务", (), ("zhang_exchange",), 7, ())
    assert lab_areas(scenario) == {LabArea.CHATS}


def test_every_check_has_its_reset_area_and_the_shipped_exercises_reset_what_they_check() -> None:
    assert set(CHECK_AREAS) == set(CHECKS)
    shipped = {e.id: lab_areas(e) for e in load_exercises()}
    assert shipped["p4-t1"] == {LabArea.BOT, LabArea.KB, LabArea.CHATS}  # it has simulated buyers too
    assert LabArea.AUTO_MESSAGES in shipped["p4-t2"] and LabArea.BOT not in shipped["p4-t2"]
    assert LabArea.CRM in shipped["p4-t3"] and LabArea.KB not in shipped["p4-t3"]
    assert LabArea.CHATS in shipped["ch5-aftersales"] and LabArea.KB not in shipped["ch5-aftersales"]
    assert LabArea.CRM in shipped["ch7-crm"]


def test_resetting_one_exercise_leaves_the_rest_of_the_shop_alone(demo_url: str) -> None:
    now = T0 + timedelta(hours=1)
    ws = open_workspace(demo_url, clock=lambda: now)
    try:
        demo = snapshot(ws)
        assert demo["kb"] and demo["tags"] and demo["groups"]
        # the student's 任务1 work: a new nickname and card questions, a new entry, a custom category
        ws.bot.save_welcome(replace(ws.bot.settings().welcome, nickname="小蜜蜂"))
        ws.kb_admin.create_entry(draft(question="学生写的新问题"))
        ws.kb_admin.add_category("学生版块")
        ws.kb_admin.create_entry(draft(question="自定义版块的问题", category="学生版块"))
        # and 任务3 work: a tag on a customer, a new tag
        with ws.db.session() as s:
            customer_id = s.scalar(select(CustomerTagRow.customer_id).limit(1))
        assert customer_id is not None
        ws.customers.add_tag(customer_id, "学生加的标签")
        worked = snapshot(ws)
        assert worked != demo

        ws.classroom.start(P4T1.id)
        ws.classroom.reset(P4T1)
        after = snapshot(ws)
        assert after["kb"] == demo["kb"] and after["categories"] == demo["categories"]
        assert after["nickname"] == demo["nickname"]
        # 任务3's work is still there
        assert after["tags"] == worked["tags"] and after["tag_library"] == worked["tag_library"]
        assert after["groups"] == demo["groups"] and after["chats"] == demo["chats"]
        assert ws.classroom.started(P4T1.id) is None  # a reset lab waits for its next start

        ws.kb_admin.create_entry(draft(question="又写了一条"))
        ws.classroom.reset(P4T3)
        final = snapshot(ws)
        assert final["tags"] == demo["tags"] and final["tag_library"] == demo["tag_library"]
        assert final["groups"] == demo["groups"] and final["followups"] == demo["followups"]
        assert "又写了一条" in final["kb"]  # 任务1's area untouched by 任务3's reset
    finally:
        ws.close()


def test_a_scenario_exercises_reset_removes_only_the_chats_since_its_lab_began(demo_url: str) -> None:
    clock_now = [T0 + timedelta(hours=1)]
    ws = open_workspace(demo_url, clock=lambda: clock_now[0])
    scenario = Exercise("ch5", "售后", "第5章 售后服务", (), ("zhang_exchange",), 7, ())
    try:
        before = snapshot(ws)
        ws.classroom.start(scenario.id)
        clock_now[0] += timedelta(minutes=1)
        with ws.db.session() as s:
            from workbench.storage.repositories.conversations import ConversationRepository
            from workbench.storage.repositories.customers import CustomerRepository

            buyer = CustomerRepository(s).add(ws.shop.id, Customer(0, "tb_实训买家"))
            ConversationRepository(s).create(ws.shop.id, buyer.id, clock_now[0])
        assert snapshot(ws)["chats"] == before["chats"] + 1
        ws.classroom.reset(scenario)
        assert snapshot(ws) == before
    finally:
        ws.close()


def test_the_auto_message_exercise_resets_only_the_auto_messages(demo_url: str) -> None:
    ws = open_workspace(demo_url, clock=lambda: T0 + timedelta(hours=1))
    p4t2 = P4T2
    try:
        before = ws.auto_messages.rules()
        kind = next(iter(before))
        ws.auto_messages.save_rule(replace(before[kind], enabled=True, template="亲，您的订单已发货～"))
        ws.bot.save_welcome(replace(ws.bot.settings().welcome, nickname="小蜜蜂"))  # 任务1's work
        assert ws.auto_messages.rules() != before
        ws.classroom.reset(p4t2)
        assert ws.auto_messages.rules() == before
        assert ws.bot.settings().welcome.nickname == "小蜜蜂"
    finally:
        ws.close()


def test_the_desk_that_resets_answers_from_the_restored_knowledge(demo_url: str) -> None:
    ws = open_workspace(demo_url, clock=lambda: T0 + timedelta(hours=1))
    try:
        ws.matcher.build()
        change = ws.kb_admin.create_entry(draft(question="学生写的维修问题", phrasings=(Phrasing("坏了能修吗"),)))
        ws.matcher.apply(change)
        assert ws.matcher.build().answer("坏了能修吗").best.question == "学生写的维修问题"  # type: ignore[union-attr]
        ws.classroom.reset(P4T1)
        best = ws.matcher.build().answer("坏了能修吗").best
        assert best is None or best.question != "学生写的维修问题"
    finally:
        ws.close()
