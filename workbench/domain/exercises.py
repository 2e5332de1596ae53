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


class MarkColumn(StrEnum):
    """The 任务评价 table's columns a person fills (学生自测 is the program's check)."""

    PEER = "peer"  # 学生互测: a classmate
    TEACHER = "teacher"  # 教师检测: the teacher (Permission.GRADE)


MAX_MARK = 100  # no rubric item is worth more; a bigger mark is a typing mistake


class LabArea(StrEnum):
    """A part of the shop an exercise has students change, and so what its reset puts back."""

    BOT = "bot"  # 店小蜜: nickname, welcome, card questions, transfer, reception mode, 分流 groups and profiles
    KB = "kb"  # 专业问答知识: entries, 问法, 划词, answers, custom categories
    AUTO_MESSAGES = "auto_messages"  # 店小秘-style auto messages: their settings (in the bot's) and log
    CRM = "crm"  # 客户管理: tags, customer groups, care templates, follow-up rules and 回访
    CHATS = "chats"  # the simulated buyers' chats and what came of them (cases, complaints, reviews)


# What an exercise's reset restores, by the checks of its rubric: what a check looks at is what the
# students changed. Every check of `workbench.services.exercise_checks` is here (a test makes sure).
CHECK_AREAS: dict[str, LabArea] = {
    "welcome_config": LabArea.BOT,
    "routing_and_auto": LabArea.BOT,
    "kb_sections_edited": LabArea.KB,
    "auto_messages": LabArea.AUTO_MESSAGES,
    "customer_tags": LabArea.CRM,
    "notes_and_groups": LabArea.CRM,
    "followups_done": LabArea.CRM,
    "rfm_groups": LabArea.CRM,
    "care_messages": LabArea.CRM,
    "first_response": LabArea.CHATS,
    "case_forms": LabArea.CHATS,
    "complaint_class": LabArea.CHATS,
    "deadlines": LabArea.CHATS,
    "polite_closing": LabArea.CHATS,
}


def lab_areas(exercise: Exercise) -> frozenset[LabArea]:
    """What `reset(exercise)` puts back, from the checks of its rubric:

    - BOT (项目4 任务1 欢迎语, 分流/全自动): 店小蜜's settings back to the shop's defaults (the demo's
      nickname and welcome, no card questions, transfer rules, reception mode and 分流 as new) and the
      reception groups gone; the auto messages' settings are kept;
    - KB (项目4 任务1 问答知识): the knowledge base back to the demo's entries, custom categories and
      industry-pack subscriptions gone;
    - AUTO_MESSAGES (项目4 任务2 店小秘): the auto messages' settings back to their defaults, their log
      emptied; 店小蜜's other settings kept;
    - CRM (项目4 任务3, 第7章): the tag library, customers' tags, customer groups, care templates,
      follow-up rules, RFM settings and 回访 back to the demo's; notes written since the lab began gone;
    - CHATS (第5章, and every exercise with simulated buyers): the chats, and the after-sales cases,
      complaints, disputes and reviews, since the lab began, so the same buyers come again in order.
    An exercise with no known check gets CHATS only.
    """
    areas = {CHECK_AREAS[item.check] for item in exercise.rubric if item.check in CHECK_AREAS}
    if exercise.scenarios or not areas:
        areas.add(LabArea.CHATS)
    return frozenset(areas)


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
class QaQuestion:
    """A buyer's question of an exercise's 问答测试 file: asked of the student's 店小蜜 as it is set up."""

    text: str
    section: str = ""  # the textbook's section it tests (聊天互动, 物流问题, 转人工…), shown beside it


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
    questions: tuple[QaQuestion, ...] = ()  # read from `questions_file` by the loader

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
