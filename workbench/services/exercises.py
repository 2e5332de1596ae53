"""Classroom exercises (实训任务): read the exercise files and check a student's work against them.

An exercise is a JSON file in `workbench/assets/exercises/` (`schema.json` there describes the format
for teachers). `read_exercise_file` reads and validates one file with clear errors
(`FILE: field.path: why`); `load_exercises` reads every file the program ships. `ExerciseService`
computes the automatic rubric items from the database (`workbench.services.exercise_checks`), leaves
the teacher's items at 0 ("待教师评定") and marks the quiz.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from workbench.channels.scenarios import load_scenarios
from workbench.domain.errors import DomainError
from workbench.domain.exercises import (
    Exercise,
    ExerciseResult,
    ItemKind,
    ItemResult,
    QaQuestion,
    QuizQuestion,
    RubricItem,
)
from workbench.domain.identity import Actor
from workbench.services.clock import Clock
from workbench.services.exercise_checks import CHECKS, CheckContext
from workbench.storage.db import Database

EXERCISES_PACKAGE = "workbench.assets.exercises"
SCHEMA_FILE = "schema.json"
TEACHER_PENDING = "待教师评定"
QUIZ_ITEM = "quiz"

_TOP_KEYS = {
    "id",
    "title",
    "section",
    "steps",
    "scenarios",
    "seed",
    "rubric",
    "quiz",
    "questions_file",
    "rubric_source",
    "comment",
}
_ITEM_KEYS = {"id", "category", "title", "points", "kind", "check", "params", "requirement", "comment"}
_QUESTION_KEYS = {"id", "text", "choices", "answer", "points", "comment"}
_QA_FILE_KEYS = {"title", "comment", "questions"}
_QA_KEYS = {"text", "section", "comment"}
MAX_QA_QUESTIONS = 30  # the 实战记录表's 问答测试 is a page (lab_record.MAX_QA)


class ExerciseFileError(ValueError):
    """An exercise file that cannot be used; the message is `FILE: field.path: why`."""

    def __init__(self, file: str, field: str, why: str) -> None:
        super().__init__(f"{file}: {field}: {why}")
        self.file = file
        self.field = field
        self.why = why


# -- reading and validating ----------------------------------------------------------------------


class _Reader:
    """Validates one parsed file; every error names the file and the field's path."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, field: str, why: str) -> ExerciseFileError:
        return ExerciseFileError(self.file, field, why)

    def text(self, raw: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> str:
        value = raw.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(path, "必须是非空文本 (a non-empty string)")
        return value.strip()

    def integer(self, raw: Mapping[str, Any], key: str, path: str, *, minimum: int = 0) -> int:
        value = raw.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self.fail(path, f"必须是不小于 {minimum} 的整数 (an integer >= {minimum})")
        return value

    def texts(self, raw: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> tuple[str, ...]:
        value = raw.get(key, None if required else [])
        if not isinstance(value, list) or (required and not value):
            raise self.fail(path, "必须是非空的文本列表 (a non-empty list of strings)")
        out: list[str] = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.fail(f"{path}[{i}]", "必须是非空文本 (a non-empty string)")
            out.append(item.strip())
        return tuple(out)

    def unknown_keys(self, raw: Mapping[str, Any], allowed: set[str], path: str) -> None:
        extra = sorted(set(raw) - allowed)
        if extra:
            where = f"{path}.{extra[0]}" if path else extra[0]
            raise self.fail(where, "未知字段 (unknown field)")


def _rubric_item(r: _Reader, raw: Any, path: str) -> RubricItem:
    if not isinstance(raw, dict):
        raise r.fail(path, "必须是对象 (an object)")
    r.unknown_keys(raw, _ITEM_KEYS, path)
    kind_raw = raw.get("kind")
    try:
        kind = ItemKind(str(kind_raw))
    except ValueError:
        raise r.fail(f"{path}.kind", "必须是 auto 或 teacher (auto or teacher)") from None
    check = raw.get("check")
    params = raw.get("params", {})
    if not isinstance(params, dict):
        raise r.fail(f"{path}.params", "必须是对象 (an object)")
    if kind is ItemKind.AUTO:
        if not isinstance(check, str) or check not in CHECKS:
            known = ", ".join(sorted(CHECKS))
            raise r.fail(f"{path}.check", f"自动评分项需要已知的检查 (an AUTO item needs a known check: {known})")
        problem = CHECKS[check].validate(params)
        if problem:
            raise r.fail(f"{path}.params", problem)
    elif check is not None:
        raise r.fail(f"{path}.check", "教师评分项没有检查 (a TEACHER item has no check)")
    return RubricItem(
        id=r.text(raw, "id", f"{path}.id"),
        category=r.text(raw, "category", f"{path}.category"),
        title=r.text(raw, "title", f"{path}.title"),
        points=r.integer(raw, "points", f"{path}.points", minimum=1),
        kind=kind,
        check=check if kind is ItemKind.AUTO else None,
        params=dict(params),
    )


def _question(r: _Reader, raw: Any, path: str) -> QuizQuestion:
    if not isinstance(raw, dict):
        raise r.fail(path, "必须是对象 (an object)")
    r.unknown_keys(raw, _QUESTION_KEYS, path)
    choices = r.texts(raw, "choices", f"{path}.choices", required=False)
    answer_raw = raw.get("answer", [])
    if not isinstance(answer_raw, list) or not all(isinstance(a, int) and not isinstance(a, bool) for a in answer_raw):
        raise r.fail(f"{path}.answer", "必须是选项序号的列表 (a list of choice indices, from 0)")
    for i, a in enumerate(answer_raw):
        if not 0 <= a < len(choices):
            raise r.fail(f"{path}.answer[{i}]", f"没有第 {a} 个选项 (no choice {a}; there are {len(choices)})")
    if len(set(answer_raw)) != len(answer_raw):
        raise r.fail(f"{path}.answer", "选项重复 (a choice twice)")
    points = raw.get("points", 0)
    if not isinstance(points, int) or isinstance(points, bool) or points < 0:
        raise r.fail(f"{path}.points", "必须是不小于 0 的整数 (an integer >= 0)")
    question = QuizQuestion(
        id=r.text(raw, "id", f"{path}.id"),
        text=r.text(raw, "text", f"{path}.text"),
        choices=choices,
        answer=tuple(answer_raw),
        points=points,
    )
    if question.auto_marked and question.points == 0:
        raise r.fail(f"{path}.points", "自动评分的题目需要分值 (an auto-marked question needs points)")
    return question


def _unique(r: _Reader, ids: list[str], path: str) -> None:
    seen: set[str] = set()
    for i, item_id in enumerate(ids):
        if item_id in seen:
            raise r.fail(f"{path}[{i}].id", f"重复的 id (duplicate id {item_id!r})")
        seen.add(item_id)


def parse_exercise(
    data: Any,
    file: str,
    scenario_ids: set[str] | None = None,
    questions: Callable[[str], tuple[QaQuestion, ...]] | None = None,
) -> Exercise:
    """An exercise from a parsed JSON document; `scenario_ids` (when given) are the simulator's
    scenarios the exercise may name; `questions(name)` reads its 问答测试 file (None: not read)."""
    r = _Reader(file)
    if not isinstance(data, dict):
        raise r.fail("(file)", "必须是 JSON 对象 (a JSON object)")
    r.unknown_keys(data, _TOP_KEYS, "")
    exercise_id = r.text(data, "id", "id")
    steps = r.texts(data, "steps", "steps")
    scenarios = r.texts(data, "scenarios", "scenarios", required=False)
    if scenario_ids is not None:
        for i, sid in enumerate(scenarios):
            if sid not in scenario_ids:
                raise r.fail(f"scenarios[{i}]", f"没有这个场景 (no scenario {sid!r})")
    rubric_raw = data.get("rubric")
    if not isinstance(rubric_raw, list) or not rubric_raw:
        raise r.fail("rubric", "必须是非空列表 (a non-empty list)")
    rubric = tuple(_rubric_item(r, item, f"rubric[{i}]") for i, item in enumerate(rubric_raw))
    _unique(r, [item.id for item in rubric], "rubric")
    if any(item.id == QUIZ_ITEM for item in rubric):
        raise r.fail("rubric", f"id {QUIZ_ITEM!r} 留给课后作业 (is kept for the quiz)")
    quiz_raw = data.get("quiz", [])
    if not isinstance(quiz_raw, list):
        raise r.fail("quiz", "必须是列表 (a list)")
    quiz = tuple(_question(r, q, f"quiz[{i}]") for i, q in enumerate(quiz_raw))
    _unique(r, [q.id for q in quiz], "quiz")
    questions_file = data.get("questions_file")
    if questions_file is not None and (not isinstance(questions_file, str) or not questions_file.strip()):
        raise r.fail("questions_file", "必须是文件名或 null (a file name or null)")
    for key in ("rubric_source", "comment"):
        if key in data and not isinstance(data[key], str):
            raise r.fail(key, "必须是文本 (a string)")
    qa: tuple[QaQuestion, ...] = ()
    if questions_file and questions is not None:
        qa = questions(questions_file.strip())
    return Exercise(
        id=exercise_id,
        title=r.text(data, "title", "title"),
        section=r.text(data, "section", "section"),
        steps=steps,
        scenarios=scenarios,
        seed=r.integer(data, "seed", "seed"),
        rubric=rubric,
        quiz=quiz,
        questions_file=questions_file,
        questions=qa,
    )


def _scenario_ids() -> set[str]:
    return {s.id for s in load_scenarios()}


def parse_questions(data: Any, file: str) -> tuple[QaQuestion, ...]:
    """The buyer questions of a 问答测试 file (``{"questions": [{"text", "section"?}…]}``)."""
    r = _Reader(file)
    if not isinstance(data, dict):
        raise r.fail("(file)", "必须是 JSON 对象 (a JSON object)")
    r.unknown_keys(data, _QA_FILE_KEYS, "")
    raw = data.get("questions")
    if not isinstance(raw, list) or not raw:
        raise r.fail("questions", "必须是非空列表 (a non-empty list)")
    if len(raw) > MAX_QA_QUESTIONS:
        raise r.fail("questions", f"最多 {MAX_QA_QUESTIONS} 个问题 (at most {MAX_QA_QUESTIONS} questions)")
    found: list[QaQuestion] = []
    for i, item in enumerate(raw):
        path = f"questions[{i}]"
        if not isinstance(item, dict):
            raise r.fail(path, "必须是对象 (an object)")
        r.unknown_keys(item, _QA_KEYS, path)
        found.append(
            QaQuestion(r.text(item, "text", f"{path}.text"), r.text(item, "section", f"{path}.section", required=False))
        )
    texts = [q.text for q in found]
    for i, text in enumerate(texts):
        if text in texts[:i]:
            raise r.fail(f"questions[{i}].text", f"重复的问题 (duplicate question {text!r})")
    return tuple(found)


def _json(source: Traversable | Path, name: str) -> Any:
    try:
        return json.loads(source.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ExerciseFileError(name, f"(line {exc.lineno})", f"不是有效的 JSON (not valid JSON: {exc.msg})") from exc
    except OSError as exc:
        raise ExerciseFileError(name, "(file)", f"无法读取 (cannot be read: {exc})") from exc


def _question_reader(
    folders: Sequence[Traversable | Path], exercise_file: str
) -> Callable[[str], tuple[QaQuestion, ...]]:
    """Reads an exercise's question file from the first of `folders` that has it (a teacher's
    exercise file: its own folder, then the program's; a missing file is the exercise's error)."""

    def read(name: str) -> tuple[QaQuestion, ...]:
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise ExerciseFileError(exercise_file, "questions_file", "必须是练习文件旁的相对路径 (a relative path)")
        for folder in folders:
            source = folder.joinpath(*Path(name).parts)
            if source.is_file():
                return parse_questions(_json(source, name), name)
        raise ExerciseFileError(exercise_file, "questions_file", f"找不到问答测试文件 (no question file {name!r})")

    return read


def _program_folder() -> Traversable:
    return resources.files(EXERCISES_PACKAGE)


def _read(
    source: Traversable | Path, name: str, scenario_ids: set[str] | None, folders: Sequence[Traversable | Path]
) -> Exercise:
    return parse_exercise(_json(source, name), name, scenario_ids, _question_reader(folders, name))


def read_exercise_file(path: Path) -> Exercise:
    """One exercise file (a teacher's, or one of the program's); ExerciseFileError when it is not valid.
    Its question file is looked for beside it, then among the program's."""
    return _read(path, path.name, _scenario_ids(), (path.parent, _program_folder()))


def load_exercises() -> tuple[Exercise, ...]:
    """Every exercise the program ships, validated, sorted by id (two files with one id: an error)."""
    scenario_ids = _scenario_ids()
    found: dict[str, Exercise] = {}
    folder = _program_folder()
    for entry in folder.iterdir():
        if not entry.name.endswith(".json") or entry.name == SCHEMA_FILE:
            continue
        exercise = _read(entry, entry.name, scenario_ids, (folder,))
        if exercise.id in found:
            raise ExerciseFileError(entry.name, "id", f"另一个文件已用此 id (another file has id {exercise.id!r})")
        found[exercise.id] = exercise
    return tuple(found[key] for key in sorted(found))


# -- checking ----------------------------------------------------------------------------------------


class ExerciseService:
    """The exercises and the program's check of a student's work (学生自测). Reading only: a check
    never changes the shop."""

    def __init__(self, db: Database, shop_id: int, clock: Clock, *, actor: Actor) -> None:
        self.db = db
        self.shop_id = shop_id
        self.clock = clock
        self.actor = actor
        self._exercises: tuple[Exercise, ...] | None = None

    def exercises(self) -> tuple[Exercise, ...]:
        if self._exercises is None:
            self._exercises = load_exercises()
        return self._exercises

    def exercise(self, exercise_id: str) -> Exercise:
        for exercise in self.exercises():
            if exercise.id == exercise_id:
                return exercise
        raise DomainError("exercise.unknown", field="exercise", exercise=exercise_id)

    def check(
        self,
        exercise_id: str,
        agent_id: int | None = None,
        *,
        quiz_answers: Mapping[str, tuple[int, ...]] | None = None,
        since: datetime | None = None,
    ) -> ExerciseResult:
        """Every rubric item of the exercise: the AUTO items computed from the database (`agent_id`'s
        seat counts for chats and cases; None: the actor's), the TEACHER items at 0 ("待教师评定"),
        then the quiz as one item `quiz` when the exercise has auto-marked questions (marked from
        `quiz_answers`; none given: every question unanswered). Customer-management work counts after
        `since` (the exercise's start, when known; None: after the shop was set up)."""
        exercise = self.exercise(exercise_id)
        now = self.clock()
        seat = agent_id if agent_id is not None else self.actor.user_id
        ctx = CheckContext(self.db, self.shop_id, now, seat, exercise.scenarios, since)
        items: list[ItemResult] = []
        for item in exercise.rubric:
            if item.kind is ItemKind.TEACHER or item.check is None:
                items.append(ItemResult(item.id, item.title, 0, item.points, False, TEACHER_PENDING))
            else:
                items.append(CHECKS[item.check].run(ctx, item))
        if any(q.auto_marked for q in exercise.quiz):
            items.append(self.mark_quiz(exercise.id, quiz_answers or {}))
        return ExerciseResult(exercise.id, tuple(items), now)

    def mark_quiz(self, exercise_id: str, answers: Mapping[str, tuple[int, ...]]) -> ItemResult:
        """The auto-marked 课后作业 questions as one item (`quiz`): a question scores its points when
        the chosen choices are exactly the right ones; open questions are left to the teacher."""
        exercise = self.exercise(exercise_id)
        marked = [q for q in exercise.quiz if q.auto_marked]
        points = 0
        lines: list[str] = []
        for q in marked:
            given = tuple(sorted(set(answers.get(q.id, ()))))
            right = given == tuple(sorted(q.answer))
            points += q.points if right else 0
            shown = "".join(_letter(i) for i in given) or "未答"
            lines.append(f"{q.id} {'✓' if right else '✗'} ({shown})")
        maximum = sum(q.points for q in marked)
        open_count = len(exercise.quiz) - len(marked)
        why = " · ".join(lines) if lines else "没有自动评分的题目"
        if open_count:
            why += f" · 简答题 {open_count} 道{TEACHER_PENDING}"
        return ItemResult(QUIZ_ITEM, "课后作业", points, maximum, points == maximum, why)


def _letter(index: int) -> str:
    return chr(ord("A") + index) if 0 <= index < 26 else str(index)
