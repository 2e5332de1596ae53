"""问答测试 question files: shipped for 项目4 任务1, validated with the exercise, asked of the student's
店小蜜 for the 实训 page and the 实战记录表."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from workbench.domain.exercises import Student
from workbench.services import lab_exports
from workbench.services.exercises import ExerciseFileError, load_exercises, read_exercise_file
from workbench.services.workspace import Workspace

SECTIONS = {"聊天互动", "商品问题", "活动优惠", "购买操作", "物流问题", "售后问题"}


def shipped(name: str) -> Any:
    return json.loads(resources.files("workbench.assets.exercises").joinpath(name).read_text(encoding="utf-8"))


def test_project4_task1_ships_about_twenty_buyer_questions_over_the_textbooks_sections() -> None:
    exercise = next(e for e in load_exercises() if e.id == "p4-t1")
    assert exercise.questions_file == "questions/p4-t1.json"
    assert 18 <= len(exercise.questions) <= 30
    assert {q.section for q in exercise.questions} >= SECTIONS
    assert any("维修" in q.text for q in exercise.questions)  # the textbook's own custom question
    assert len({q.text for q in exercise.questions}) == len(exercise.questions)


def write_exercise(folder: Path, questions: Any | None, name: str = "mine-questions.json") -> Path:
    data = shipped("p4-t1.json")
    data["questions_file"] = name
    if questions is not None:
        (folder / name).write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
    path = folder / "mine.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_teachers_exercise_reads_its_own_question_file(tmp_path: Path) -> None:
    path = write_exercise(tmp_path, {"questions": [{"text": "发什么快递", "section": "物流问题"}, {"text": "在吗"}]})
    exercise = read_exercise_file(path)
    assert [(q.text, q.section) for q in exercise.questions] == [("发什么快递", "物流问题"), ("在吗", "")]


@pytest.mark.parametrize(
    ("questions", "message"),
    [
        (None, "mine.json: questions_file: 找不到问答测试文件 (no question file 'mine-questions.json')"),
        ({"questions": []}, "mine-questions.json: questions: 必须是非空列表 (a non-empty list)"),
        (
            {"questions": [{"text": "在吗", "answer": "在"}]},
            "mine-questions.json: questions[0].answer: 未知字段 (unknown field)",
        ),
        ({"questions": [{"text": " "}]}, "mine-questions.json: questions[0].text: 必须是非空文本 (a non-empty string)"),
        (
            {"questions": [{"text": "在吗"}, {"text": "在吗"}]},
            "mine-questions.json: questions[1].text: 重复的问题 (duplicate question '在吗')",
        ),
        (
            {"questions": [{"text": f"问题{i}"} for i in range(31)]},
            "mine-questions.json: questions: 最多 30 个问题 (at most 30 questions)",
        ),
    ],
)
def test_a_broken_question_file_is_refused_naming_the_file_and_the_field(
    tmp_path: Path, questions: Any, message: str
) -> None:
    path = write_exercise(tmp_path, questions)
    with pytest.raises(ExerciseFileError) as caught:
        read_exercise_file(path)
    assert str(caught.value) == message


def test_a_question_file_outside_the_exercises_folder_is_refused(tmp_path: Path) -> None:
    path = write_exercise(tmp_path, None, name="../elsewhere.json")
    with pytest.raises(ExerciseFileError, match=r"questions_file: 必须是练习文件旁的相对路径"):
        read_exercise_file(path)


def test_the_record_and_the_page_ask_the_files_questions_of_the_students_bot(ws: Workspace) -> None:
    exercise = ws.exercises.exercise("p4-t1")
    asked = lab_exports.run_questions(ws, "p4-t1")
    assert [q.text for q, _ in asked] == [q.text for q in exercise.questions]
    record = lab_exports.build_record(ws, "p4-t1", ws.user.id, Student("李明", "2026001"))
    assert [r.question for r in record.qa] == [q.text for q in exercise.questions]
    assert [(r.answer, r.matched, r.direct) for r in record.qa] == [(a.answer, a.matched, a.direct) for _, a in asked]
    invoice = next(a for q, a in asked if q.text == "可以开发票吗")
    assert invoice.direct and invoice.answer  # the demo's KB answers it
    assert not all(a.direct for _, a in asked)  # and leaves the student questions to work on

    # The student's new answer is what the test shows next.
    entry = next(e for e in ws.kb_admin.entries() if e.question == invoice.matched)
    ws.matcher.apply(
        ws.kb_admin.edit_answer(entry.id, 0, "亲，可以开电子发票，确认收货后申请哦～")
    )  # as the KB page does
    again = {q.text: a for q, a in lab_exports.run_questions(ws, "p4-t1")}
    assert again["可以开发票吗"].answer == "亲，可以开电子发票，确认收货后申请哦～"
