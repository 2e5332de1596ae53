"""ClassroomService: lab runs, 互测 / 教师检测 marks, quiz answers, the class, and who may do what."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from tests.unit.accounts.conftest import FakeClock, Shop
from tests.unit.classroom.conftest import P4T1
from workbench.domain.errors import DomainError
from workbench.domain.exercises import ExerciseResult, ItemResult, MarkColumn
from workbench.domain.identity import Actor, Role
from workbench.services.classroom import PENDING_TEACHER, ClassroomService
from workbench.storage.tables import AgentRow


def service(shop: Shop, clock: FakeClock, username: str) -> ClassroomService:
    return ClassroomService(shop.db, shop.id, clock, actor=Actor(shop.users[username]))


def test_a_lab_starts_stops_and_keeps_its_first_start(shop: Shop, clock: FakeClock) -> None:
    teacher = service(shop, clock, "laoshi")
    assert teacher.started("p4-t1") is None
    teacher.start("p4-t1")
    first = clock.now
    clock.now += timedelta(minutes=5)
    teacher.start("p4-t1")  # a second start changes nothing
    assert teacher.started("p4-t1") == first
    assert service(shop, clock, "xs1").started("p4-t1") == first  # a student's desk sees it
    assert teacher.running() == {"p4-t1": first}
    assert teacher.started("p4-t2") is None  # per exercise
    teacher.stop("p4-t1")
    assert teacher.started("p4-t1") is None and teacher.running() == {}


@pytest.mark.parametrize("username", ["xs1", "kf1"])
def test_a_student_or_agent_may_not_start_or_stop_the_classs_lab(shop: Shop, clock: FakeClock, username: str) -> None:
    for call in (lambda c: c.start("p4-t1"), lambda c: c.stop("p4-t1"), lambda c: c.reset(P4T1)):
        with pytest.raises(DomainError) as err:
            call(service(shop, clock, username))
        assert err.value.code == "permission.denied"
    assert service(shop, clock, "laoshi").started("p4-t1") is None


def test_marks_by_column(shop: Shop, clock: FakeClock) -> None:
    student = shop.users["xs1"]
    teacher = service(shop, clock, "laoshi")
    teacher.save_mark("p4-t1", student, "attitude", MarkColumn.TEACHER, 4)
    teacher.save_mark("p4-t1", student, "welcome", MarkColumn.TEACHER, 18)
    teacher.save_mark("p4-t1", student, "welcome", MarkColumn.TEACHER, 20)  # a correction replaces
    service(shop, clock, "boss").save_mark("p4-t1", student, "welcome", MarkColumn.PEER, 15)
    assert teacher.marks("p4-t1", student) == {
        ("attitude", MarkColumn.TEACHER): 4,
        ("welcome", MarkColumn.TEACHER): 20,
        ("welcome", MarkColumn.PEER): 15,
    }
    assert service(shop, clock, "xs1").marks("p4-t1", student) == teacher.marks("p4-t1", student)
    assert teacher.marks("p4-t2", student) == {}


def test_a_student_cannot_enter_a_teacher_mark(shop: Shop, clock: FakeClock) -> None:
    student = service(shop, clock, "xs1")
    for agent_id in (shop.users["xs1"], shop.users["kf1"]):
        with pytest.raises(DomainError) as err:
            student.save_mark("p4-t1", agent_id, "attitude", MarkColumn.TEACHER, 5)
        assert err.value.code == "permission.denied"
    with pytest.raises(DomainError) as err:  # nor a 互测 mark for their own work
        student.save_mark("p4-t1", shop.users["xs1"], "welcome", MarkColumn.PEER, 20)
    assert err.value.code == "permission.denied"
    assert service(shop, clock, "laoshi").marks("p4-t1", shop.users["xs1"]) == {}


def test_a_student_reads_only_their_own_marks(shop: Shop, clock: FakeClock) -> None:
    with pytest.raises(DomainError) as err:
        service(shop, clock, "xs1").marks("p4-t1", shop.users["kf1"])
    assert err.value.code == "permission.denied"


def test_a_mark_out_of_range_is_refused(shop: Shop, clock: FakeClock) -> None:
    with pytest.raises(DomainError) as err:
        service(shop, clock, "laoshi").save_mark("p4-t1", shop.users["xs1"], "welcome", MarkColumn.TEACHER, -1)
    assert err.value.code == "exercise.mark_range"


def test_quiz_answers_round_trip(shop: Shop, clock: FakeClock) -> None:
    me = shop.users["xs1"]
    student = service(shop, clock, "xs1")
    student.save_quiz_answers("p4-t1", me, {"q1": (1,), "q2": (0, 2), "q3": "先安抚情绪，再核实订单"})
    student.save_quiz_answers("p4-t1", me, {"q1": (0,)})  # an answer changed, the others kept
    assert student.quiz_answers("p4-t1", me) == {"q1": (0,), "q2": (0, 2), "q3": "先安抚情绪，再核实订单"}
    assert service(shop, clock, "laoshi").quiz_answers("p4-t1", me) == student.quiz_answers("p4-t1", me)
    with pytest.raises(DomainError) as err:  # nobody answers for a classmate
        service(shop, clock, "xs1").save_quiz_answers("p4-t1", shop.users["kf1"], {"q1": (1,)})
    assert err.value.code == "permission.denied"


def test_the_class_is_its_students_or_the_owner_on_a_single_seat(shop: Shop, clock: FakeClock) -> None:
    teacher = service(shop, clock, "laoshi")
    assert [a.username for a in teacher.students()] == ["xs1"]
    with shop.db.session() as s:
        s.execute(update(AgentRow).where(AgentRow.id == shop.users["xs1"]).values(role=Role.AGENT.value))
    assert [(a.username, a.role) for a in teacher.students()] == [("boss", Role.OWNER)]


def test_complete_fills_the_teachers_items_from_the_teachers_marks(shop: Shop, clock: FakeClock) -> None:
    student = shop.users["xs1"]
    checked = ExerciseResult(
        "p4-t1",
        (
            ItemResult("welcome", "完成专业欢迎语配置", 20, 20, True, "昵称已修改 ✓"),
            ItemResult("attitude", "态度", 0, 5, False, PENDING_TEACHER),
        ),
        datetime(2026, 11, 11, 10, 30),
    )
    teacher = service(shop, clock, "laoshi")
    assert teacher.complete(checked, student) == checked  # nothing entered yet
    teacher.save_mark("p4-t1", student, "attitude", MarkColumn.TEACHER, 4)
    teacher.save_mark("p4-t1", student, "welcome", MarkColumn.TEACHER, 10)  # 教师检测 of an AUTO item: a column
    done = teacher.complete(checked, student)
    assert done.items[0] == checked.items[0]
    assert done.items[1] == ItemResult("attitude", "态度", 4, 5, True, "教师评定 4/5")
    assert done.total == 24
    assert teacher.complete(checked, student, P4T1) == done  # the exercise names its teacher items
    teacher.save_mark("p4-t1", student, "attitude", MarkColumn.TEACHER, 9)  # more than the item's points
    assert teacher.complete(checked, student).items[1].points == 5


def test_only_the_teacher_and_the_owner_grade() -> None:
    from workbench.domain.identity import Permission, allows

    assert {r for r in Role if allows(r, Permission.GRADE)} == {Role.TEACHER, Role.OWNER}
