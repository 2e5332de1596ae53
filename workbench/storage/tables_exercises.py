"""Classroom labs (实训): lab runs per shop and exercise, the 互测 / 教师检测 marks and the 课后作业
answers of each student. Registered on the shared `Base`.

Exercises themselves are files (`workbench/assets/exercises/`), so rows name them by their id string."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workbench.storage.tables import Base


class LabRunRow(Base):
    """An exercise's lab in a shop (a class): started (the simulator may send its buyers), stopped, reset."""

    __tablename__ = "lab_runs"
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True)
    exercise_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # None: not running
    started_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    since_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # first start since the last reset
    reset_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class ExerciseMarkRow(Base):
    """A mark a person entered for a student's rubric item: 学生互测 (peer) or 教师检测 (teacher)."""

    __tablename__ = "exercise_marks"
    exercise_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    column: Mapped[str] = mapped_column(String(10), primary_key=True)  # MarkColumn
    points: Mapped[int] = mapped_column(Integer)
    by_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    marked_at: Mapped[datetime] = mapped_column(DateTime)


class QuizAnswerRow(Base):
    """A student's answer to a 课后作业 question: the chosen indices, or the text of an open answer (JSON)."""

    __tablename__ = "quiz_answers"
    exercise_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    answer_json: Mapped[str] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(DateTime)
