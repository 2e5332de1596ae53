"""Classroom labs: lab runs (started / stopped / reset per shop and exercise), the 互测 / 教师检测 marks
and the 课后作业 answers of each student."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from workbench.domain.exercises import MarkColumn
from workbench.storage.tables_exercises import ExerciseMarkRow, LabRunRow, QuizAnswerRow

QuizAnswer = tuple[int, ...] | str  # the chosen choices' indices, or the text of an open answer


def _encode_answer(answer: QuizAnswer) -> str:
    if isinstance(answer, str):
        return json.dumps({"text": answer}, ensure_ascii=False)
    return json.dumps({"choices": [int(i) for i in answer]})


def _decode_answer(raw: str) -> QuizAnswer:
    data = json.loads(raw)
    if "text" in data:
        return str(data["text"])
    return tuple(int(i) for i in data.get("choices", ()))


class ClassroomRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # -- lab runs ---------------------------------------------------------------------------------

    def _run(self, shop_id: int, exercise_id: str) -> LabRunRow:
        row = self.s.get(LabRunRow, (shop_id, exercise_id))
        if row is None:
            row = LabRunRow(shop_id=shop_id, exercise_id=exercise_id)
            self.s.add(row)
        return row

    def start(self, shop_id: int, exercise_id: str, by_agent_id: int | None, at: datetime) -> None:
        """Start the lab unless it runs already (a second start keeps the first start's time)."""
        row = self._run(shop_id, exercise_id)
        if row.started_at is None:
            row.started_at = at
            row.started_by = by_agent_id
        if row.since_at is None:
            row.since_at = at
        self.s.flush()

    def stop(self, shop_id: int, exercise_id: str) -> None:
        row = self._run(shop_id, exercise_id)
        row.started_at = None
        row.started_by = None
        self.s.flush()

    def started(self, shop_id: int, exercise_id: str) -> datetime | None:
        return self.s.scalar(
            select(LabRunRow.started_at).where(LabRunRow.shop_id == shop_id, LabRunRow.exercise_id == exercise_id)
        )

    def since(self, shop_id: int, exercise_id: str) -> datetime | None:
        """When the lab was first started since it was last reset (None: never): its work is newer."""
        return self.s.scalar(
            select(LabRunRow.since_at).where(LabRunRow.shop_id == shop_id, LabRunRow.exercise_id == exercise_id)
        )

    def running(self, shop_id: int) -> dict[str, datetime]:
        """The shop's running labs: exercise id → when it started."""
        rows = self.s.execute(
            select(LabRunRow.exercise_id, LabRunRow.started_at).where(
                LabRunRow.shop_id == shop_id, LabRunRow.started_at.is_not(None)
            )
        ).all()
        return {exercise_id: started for exercise_id, started in rows if started is not None}

    def mark_reset(self, shop_id: int, exercise_id: str, at: datetime) -> None:
        """The lab was reset: it is stopped (the student starts it again when ready)."""
        row = self._run(shop_id, exercise_id)
        row.started_at = None
        row.started_by = None
        row.since_at = None
        row.reset_at = at
        self.s.flush()

    # -- marks ------------------------------------------------------------------------------------

    def save_mark(
        self,
        exercise_id: str,
        agent_id: int,
        item_id: str,
        column: MarkColumn,
        points: int,
        by_agent_id: int | None,
        at: datetime,
    ) -> None:
        row = self.s.get(ExerciseMarkRow, (exercise_id, agent_id, item_id, column.value))
        if row is None:
            row = ExerciseMarkRow(exercise_id=exercise_id, agent_id=agent_id, item_id=item_id, column=column.value)
            self.s.add(row)
        row.points = points
        row.by_agent_id = by_agent_id
        row.marked_at = at
        self.s.flush()

    def marks(self, exercise_id: str, agent_id: int) -> dict[tuple[str, MarkColumn], int]:
        rows = self.s.execute(
            select(ExerciseMarkRow.item_id, ExerciseMarkRow.column, ExerciseMarkRow.points).where(
                ExerciseMarkRow.exercise_id == exercise_id, ExerciseMarkRow.agent_id == agent_id
            )
        ).all()
        return {(item_id, MarkColumn(column)): points for item_id, column, points in rows}

    # -- quiz answers -----------------------------------------------------------------------------

    def save_answers(self, exercise_id: str, agent_id: int, answers: Mapping[str, QuizAnswer], at: datetime) -> None:
        for question_id, answer in answers.items():
            row = self.s.get(QuizAnswerRow, (exercise_id, agent_id, question_id))
            if row is None:
                row = QuizAnswerRow(exercise_id=exercise_id, agent_id=agent_id, question_id=question_id)
                self.s.add(row)
            row.answer_json = _encode_answer(answer)
            row.answered_at = at
        self.s.flush()

    def answers(self, exercise_id: str, agent_id: int) -> dict[str, QuizAnswer]:
        rows = self.s.execute(
            select(QuizAnswerRow.question_id, QuizAnswerRow.answer_json)
            .where(QuizAnswerRow.exercise_id == exercise_id, QuizAnswerRow.agent_id == agent_id)
            .order_by(QuizAnswerRow.question_id)
        ).all()
        return {question_id: _decode_answer(raw) for question_id, raw in rows}

    def delete_work(self, exercise_id: str, agent_ids: list[int]) -> None:
        """Forget the students' quiz answers for the exercise (a reset); the marks stay: they are the
        teacher's and the classmates' record, not the student's work."""
        if agent_ids:
            self.s.execute(
                delete(QuizAnswerRow).where(
                    QuizAnswerRow.exercise_id == exercise_id, QuizAnswerRow.agent_id.in_(agent_ids)
                )
            )
