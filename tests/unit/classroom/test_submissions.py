"""Submission files: a valid one round-trips; a changed one (a score, the student) is refused naming
the file; a folder is graded with bad files reported and one row per student in the grades XLSX."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from workbench.domain.exercises import ExerciseResult, ItemResult, Student
from workbench.services.lab_record import LabRecord, QaRecord, RecordRow
from workbench.services.submissions import (
    Submission,
    SubmissionError,
    grade_folder,
    read_submission,
    write_grades_xlsx,
    write_submission,
)

AT = datetime(2026, 11, 11, 10, 30)
ME = Student("李小明", "2024030117", "电商2班")


def result(points: int = 20, exercise: str = "p4-t1") -> ExerciseResult:
    return ExerciseResult(
        exercise,
        (
            ItemResult("welcome", "完成专业欢迎语配置", points, 20, points == 20, "昵称已修改 ✓", ("昵称: 小蜜蜂",)),
            ItemResult("knowledge", "完成专业问答知识配置", 10, 40, False, "6 个版块各 10 条答案已编辑 → 1/6 ✗"),
        ),
        AT,
    )


def record(student: Student = ME) -> LabRecord:
    return LabRecord(
        "p4-t1",
        '表4-1 淘宝"店小蜜"设置实战记录表',
        "项目4 任务1",
        student,
        AT,
        (RecordRow(1, "专业欢迎语配置", "修改昵称", "昵称: 小蜜蜂\n卡片问题 1: 什么时候发货"),),
        (QaRecord("什么时候发货", "亲，48小时内发货", "什么时候发货", 0.93, True),),
    )


def write(
    path: Path, student: Student = ME, *, points: int = 20, at: datetime = AT, key: str | None = None
) -> Submission:
    return write_submission(
        path,
        student=student,
        result=result(points),
        made_at=at,
        record=record(student),
        configuration={"bot": {"welcome": {"nickname": "小蜜蜂"}}},
        class_key=key,
    )


def test_a_valid_submission_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "2024030117-p4-t1.wbsub"
    written = write(path)
    back = read_submission(path)
    assert back == written
    assert back.student == ME and back.result == result() and back.record == record()
    assert back.configuration == {"bot": {"welcome": {"nickname": "小蜜蜂"}}}
    assert back.result.items[0].evidence == ("昵称: 小蜜蜂",)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('"points": 10', '"points": 40'),  # a score
        ("1/6 ✗", "6/6 ✓"),  # an explanation
        ("李小明", "王小红"),  # whose work it is
        ("2024030117", "2024030118"),
        ('"total": 30', '"total": 31'),  # one character of the result
    ],
)
def test_a_changed_file_is_refused_naming_it(tmp_path: Path, old: str, new: str) -> None:
    path = tmp_path / "李小明.wbsub"
    write(path)
    _edit(path, old, new)
    with pytest.raises(SubmissionError) as err:
        read_submission(path)
    assert str(err.value).startswith("李小明.wbsub: ")
    assert "修改" in str(err.value) and "changed" in str(err.value)


def test_a_changed_hash_or_a_file_that_is_no_submission_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.wbsub"
    write(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["hmac"] = "0" * 64
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SubmissionError, match=r"a\.wbsub"):
        read_submission(path)
    junk = tmp_path / "notes.txt"
    junk.write_text("作业", encoding="utf-8")
    with pytest.raises(SubmissionError, match=r"notes\.txt: 不是提交文件"):
        read_submission(junk)


def test_a_class_key_is_needed_when_the_teacher_set_one(tmp_path: Path) -> None:
    path = tmp_path / "a.wbsub"
    write(path, key="电商2班-秋")
    assert read_submission(path, "电商2班-秋").student == ME
    with pytest.raises(SubmissionError, match="班级密钥"):
        read_submission(path)
    with pytest.raises(SubmissionError, match="修改"):
        read_submission(path, "猜一个")


def test_grading_a_folder_reports_bad_files_and_keeps_each_students_latest(tmp_path: Path) -> None:
    folder = tmp_path / "交作业"
    folder.mkdir()
    write(folder / "a-first.wbsub", points=5, at=AT)
    write(
        folder / "a-second.wbsub",
        Student("李小明", "２０２４０３０１１７", "电商2班"),
        points=20,
        at=AT + timedelta(hours=1),
    )
    hostile = Student('=HYPERLINK("http://x.example","点我")', "2024030120", "@SUM(1)")
    write(folder / "hostile.wbsub", hostile, points=15)
    write(folder / "changed.wbsub", Student("赵六", "2024030130"))
    _edit(folder / "changed.wbsub", "赵六", "钱七")
    (folder / "readme.txt").write_text("not one", encoding="utf-8")
    (folder / "grades.xlsx").write_bytes(b"left from last time")  # a teacher's earlier grades: not a submission
    errors: list[SubmissionError] = []
    graded = grade_folder(folder, errors=errors)
    assert sorted(e.path.name for e in errors) == ["changed.wbsub", "readme.txt"]
    assert [(s.student.number, s.result.total) for s in graded] == [("２０２４０３０１１７", 30), ("2024030120", 25)]

    out = tmp_path / "grades.xlsx"
    assert write_grades_xlsx(graded, out) == 2
    sheet = load_workbook(out)["p4-t1"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["学号", "姓名", "班级", "完成专业欢迎语配置 (20)", "完成专业问答知识配置 (40)", "总分", "满分"]
    assert rows[1:] == [
        ["2024030117", "李小明", "电商2班", 20, 10, 30, 60],
        ["2024030120", '=HYPERLINK("http://x.example","点我")', "@SUM(1)", 15, 10, 25, 60],
    ]
    name, class_name = sheet.cell(3, 2), sheet.cell(3, 3)
    assert name.data_type == "s" and class_name.data_type == "s"  # text, never a formula
    assert sheet.cell(2, 1).data_type == "s"  # a 学号 stays text (leading zeros kept)
