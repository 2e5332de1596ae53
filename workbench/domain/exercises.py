"""Classroom exercises (实训任务): what a student is asked to do, how it is scored, and the result.

An exercise is data (`workbench/assets/exercises/*.json`, loaded by `workbench.services.exercises`):
the steps students follow, the simulated buyers they meet (a scenario set and a seed, so every
student meets the same buyers in the same order), the rubric taken from the textbook's 任务评价
table, and the 课后作业 quiz. The program checks the rubric's automatic items from the database
(学生自测); the teacher enters the others (非技术考评) and the 互测 / 教师检测 columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class ItemKind(StrEnum):
    AUTO = "auto"  # checked by the program from the database
    TEACHER = "teacher"  # entered by the teacher (e.g. 态度, 纪律, 协作, 文明)


@dataclass(frozen=True, slots=True)
class RubricItem:
    """One line of the 任务评价 table. `check` names the program's check for an AUTO item (the
    checks are in `workbench.services.exercise_checks`); `params` are that check's settings."""

    id: str
    category: str  # e.g. 技术考评, 非技术考评
    title: str  # e.g. 完成专业欢迎语配置
    points: int
    kind: ItemKind
    check: str | None = None
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class QuizQuestion:
    """A 课后作业 question. `answer` holds the indices of the right choices; an open question (no
    single right answer) has no choices or no answer and is marked by the teacher."""

    id: str
    text: str
    choices: tuple[str, ...] = ()
    answer: tuple[int, ...] = ()
    points: int = 0

    @property
    def auto_marked(self) -> bool:
        return bool(self.choices) and bool(self.answer)


@dataclass(frozen=True, slots=True)
class Exercise:
    id: str  # stable, e.g. "p4-t1"
    title: str
    section: str  # where it is in the textbook, e.g. 项目4 任务1
    steps: tuple[str, ...]
    scenarios: tuple[str, ...]  # scenario ids for the simulator, in order
    seed: int
    rubric: tuple[RubricItem, ...]
    quiz: tuple[QuizQuestion, ...] = ()
    questions_file: str | None = None  # an optional 问答测试 question file (assets/exercises/...)

    @property
    def max_points(self) -> int:
        return sum(item.points for item in self.rubric)


@dataclass(frozen=True, slots=True)
class ItemResult:
    """The score of one rubric item with its explanation (`why`, e.g. "昵称已修改 ✓ · 卡片问题 6/5 ✓")
    and the evidence it was found in (a message, a case, a setting)."""

    id: str
    title: str
    points: int
    max: int
    passed: bool
    why: str
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ExerciseResult:
    exercise: str
    items: tuple[ItemResult, ...]
    checked_at: datetime

    @property
    def total(self) -> int:
        return sum(item.points for item in self.items)

    @property
    def max(self) -> int:
        return sum(item.max for item in self.items)

    def as_json(self) -> dict[str, object]:
        """The command line's stable shape (`workbench exercise check --json`)."""
        return {
            "exercise": self.exercise,
            "total": self.total,
            "max": self.max,
            "items": [
                {"id": i.id, "title": i.title, "points": i.points, "max": i.max, "passed": i.passed, "why": i.why}
                for i in self.items
            ],
        }


@dataclass(frozen=True, slots=True)
class Student:
    """Who did the work: on a shared server the logged-in user; without one, entered once."""

    name: str
    number: str  # 学号
    class_name: str = ""
