"""What a desk exports from a classroom lab, for one student: the result as the teacher sees it (the
program's check, the quiz marked from the saved answers, the teacher's marks filled in), the 实战记录表
(XLSX here; the PDF is laid out by the UI from `lab_record.record_html`) and the submission file.

The desk's pages call these off the UI thread with their workspace; they read through the workspace's
services and the record builders of `workbench.services.lab_record` / `submissions`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from workbench.domain.conversations import Conversation, Message
from workbench.domain.exercises import Exercise, ExerciseResult, ItemKind, ItemResult, QaQuestion, Student
from workbench.domain.identity import Role
from workbench.services import lab_record
from workbench.services.sandboxes import NO_SHOP
from workbench.services.submissions import Submission, write_submission

if TYPE_CHECKING:
    from workbench.services.workspace import Workspace


def student_result(ws: Workspace, exercise_id: str, agent_id: int) -> ExerciseResult:
    """The check of `agent_id`'s work with the quiz marked from their saved answers and the teacher's
    marks filled in. On a class server a student's work is in their own shop: checked there (a
    student who has none yet, never having logged in, scores 0 on the program's items)."""
    answers = ws.classroom.quiz_answers(exercise_id, agent_id)
    chosen = {question: answer for question, answer in answers.items() if not isinstance(answer, str)}
    checked: ExerciseResult | None = None
    if ws.sandbox is None and ws.student_shops is not None and _is_student(ws, agent_id):
        checked = ws.student_shops.check(exercise_id, agent_id, quiz_answers=chosen)
        if checked is None:
            layout = ws.exercises.check(exercise_id, agent_id, quiz_answers=chosen)
            checked = _nothing_yet(layout, ws.exercises.exercise(exercise_id))
    if checked is None:
        checked = ws.exercises.check(exercise_id, ws.seat_of(agent_id), quiz_answers=chosen)
    return ws.classroom.complete(checked, agent_id)


def _is_student(ws: Workspace, agent_id: int) -> bool:
    return any(a.id == agent_id and a.role is Role.STUDENT for a in ws.classroom.students())


def _nothing_yet(layout: ExerciseResult, exercise: Exercise) -> ExerciseResult:
    """`layout` with the program's rubric items at 0: the student has no shop of their own to check."""
    auto = {i.id for i in exercise.rubric if i.kind is ItemKind.AUTO}
    items = tuple(ItemResult(i.id, i.title, 0, i.max, False, NO_SHOP) if i.id in auto else i for i in layout.items)
    return ExerciseResult(layout.exercise, items, layout.checked_at)


def student_chats(ws: Workspace, agent_id: int) -> list[Conversation]:
    """The chats the student `agent_id` received (in their own shop on a class server)."""
    if ws.sandbox is None and ws.student_shops is not None and _is_student(ws, agent_id):
        return ws.student_shops.chats(agent_id)
    seat = ws.seat_of(agent_id)
    lists = ws.reception.lists()
    return [c for c in (*lists.active, *lists.waiting, *lists.ended) if c.agent_id == seat]


def student_messages(ws: Workspace, agent_id: int, conversation_id: int) -> list[Message]:
    """A chat of `student_chats`."""
    if ws.sandbox is None and ws.student_shops is not None and _is_student(ws, agent_id):
        return ws.student_shops.messages(agent_id, conversation_id)
    return ws.reception.messages(conversation_id)


def build_record(ws: Workspace, exercise_id: str, agent_id: int, student: Student) -> lab_record.LabRecord:
    """The 实战记录表 from the shop's configuration now (with the 问答测试 asked of the KB matcher)."""
    exercise = ws.exercises.exercise(exercise_id)
    result = student_result(ws, exercise_id, agent_id)
    return lab_record.build_record(
        ws.db,
        ws.shop.id,
        exercise,
        student,
        result,
        ws.clock(),
        matcher=ws.matcher.build(),
        questions=[q.text for q in exercise.questions],  # the exercise's 问答测试 file, when it has one
    )


def run_questions(ws: Workspace, exercise_id: str) -> list[tuple[QaQuestion, lab_record.QaRecord]]:
    """The exercise's 问答测试 questions asked of this shop's 店小蜜 as it is set up now (the 实训 page's
    问答测试 tab; the same answers as the 实战记录表's)."""
    exercise = ws.exercises.exercise(exercise_id)
    asked = lab_record.ask(ws.db, ws.shop.id, ws.matcher.build(), [q.text for q in exercise.questions], ws.clock())
    return list(zip(exercise.questions, asked, strict=True))


def write_record_xlsx(ws: Workspace, exercise_id: str, agent_id: int, student: Student, path: Path) -> Path:
    """The 实战记录表 as XLSX, with the 任务评价 sheet (自测 from the check, 互测 / 教师 from the marks)."""
    record = build_record(ws, exercise_id, agent_id, student)
    result = student_result(ws, exercise_id, agent_id)
    lab_record.write_record_xlsx(record, path, result, ws.classroom.marks(exercise_id, agent_id))
    return path


def export_submission(ws: Workspace, exercise_id: str, agent_id: int, student: Student, path: Path) -> Submission:
    """The submission file for the teacher: the result, the 实战记录表 and the configuration snapshot,
    signed with the class key when there is one (see `workbench.services.submissions`)."""
    now = ws.clock()
    result = student_result(ws, exercise_id, agent_id)
    record = build_record(ws, exercise_id, agent_id, student)
    configuration = lab_record.configuration_snapshot(ws.db, ws.shop.id, now.date())
    return write_submission(
        path,
        student=student,
        result=result,
        made_at=now,
        record=record,
        configuration=configuration,
        class_key=ws.classroom.class_key(),  # the class's (server), or the one the teacher gave (keyring)
    )


def class_submissions(ws: Workspace, exercise_id: str) -> list[tuple[int, Submission]]:
    """Every student of the class on this database with their result, as submissions (agent id first):
    the teacher console's roster and its grades export."""
    now = ws.clock()
    found = []
    for agent in ws.classroom.students():
        result = student_result(ws, exercise_id, agent.id)
        found.append((agent.id, Submission(Student(agent.display_name, agent.username), exercise_id, result, now)))
    return found
