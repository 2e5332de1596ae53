"""`workbench exercise export|grade` as a teacher's scripts run them: separate processes, exit status."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

from tests.conftest import DemoTemplate
from tests.unit.accounts.conftest import T0
from workbench.composition import open_workspace
from workbench.domain.bot import ReceptionConfig, ReceptionMode
from workbench.launch import resolve_paths
from workbench.services.submissions import read_submission
from workbench.storage.db import sqlite_url

ROOT = Path(__file__).resolve().parents[3]


def workbench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args], cwd=ROOT, capture_output=True, text=True, timeout=180
    )


def demo_data_dir(tmp_path: Path, demo_template: DemoTemplate, name: str) -> Path:
    data = tmp_path / name
    paths = resolve_paths(data)
    paths.ensure()
    shutil.copyfile(demo_template(T0), paths.database)
    return data


def test_export_then_grade(tmp_path: Path, demo_template: DemoTemplate) -> None:
    first = demo_data_dir(tmp_path, demo_template, "pc1")
    ws = open_workspace(sqlite_url(resolve_paths(first).database), clock=lambda: T0)
    ws.bot.save_reception(ReceptionConfig(mode=ReceptionMode.AUTO))  # 全自动: 10 points of 分流/全自动
    ws.classroom.save_quiz_answers("p4-t1", ws.agent.id, {"q1": (2,)})  # 课后作业 answered in the window
    ws.close()
    second = demo_data_dir(tmp_path, demo_template, "pc2")
    folder = tmp_path / "submissions"
    folder.mkdir()

    done = workbench(
        "exercise", "export", "--data-dir", str(first), "--exercise", "p4-t1", "--out", str(folder / "a.wbsub"),
        "--name", "李小明", "--number", "2024030117", "--class", "电商2班", "--record", str(tmp_path / "a.xlsx"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("exported p4-t1 for 李小明 (2024030117): ")
    mine = read_submission(folder / "a.wbsub")
    assert (mine.student.name, mine.student.number, mine.student.class_name) == ("李小明", "2024030117", "电商2班")
    routing = next(i for i in mine.result.items if i.id == "routing")
    assert (routing.points, routing.why) == (10, "分流未开启 ✗ · 全自动已开启 ✓")
    quiz = next(i for i in mine.result.items if i.id == "quiz")
    assert (quiz.points, quiz.passed) == (5, True)  # the command marks the answers the window saved
    assert mine.record is not None and mine.record.rows[0].task == "专业欢迎语配置"
    assert mine.configuration["bot"]["reception"]["mode"] == "auto"
    assert load_workbook(tmp_path / "a.xlsx")["实战记录表"]["D2"].value == "2024030117"

    done = workbench(
        "exercise", "export", "--data-dir", str(second), "--exercise", "p4-t1", "--out", str(folder / "b.wbsub"),
        "--name", '=cmd|" /C calc"!A0', "--number", "2024030118",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr

    done = workbench("exercise", "grade", "--folder", str(folder), "--out", str(tmp_path / "grades.xlsx"))
    assert done.returncode == 0, done.stderr
    rows = [[c.value for c in r] for r in load_workbook(tmp_path / "grades.xlsx")["p4-t1"].iter_rows()]
    assert [r[:3] for r in rows[1:]] == [
        ["2024030117", "李小明", "电商2班"],
        ["2024030118", '=cmd|" /C calc"!A0', None],
    ]
    assert rows[1][-2] == mine.result.total
    assert load_workbook(tmp_path / "grades.xlsx")["p4-t1"].cell(3, 2).data_type == "s"  # the name stays text

    # a changed file: exit 1, "FILE: message", and the good ones are still graded
    changed = folder / "b.wbsub"
    changed.write_text(changed.read_text(encoding="utf-8").replace("2024030118", "2024030119"), encoding="utf-8")
    done = workbench("exercise", "grade", "--folder", str(folder), "--out", str(tmp_path / "grades2.xlsx"))
    assert done.returncode == 1
    assert done.stderr.startswith("b.wbsub: 文件在导出后被修改过")
    assert len(done.stderr.strip().splitlines()) == 1
    rows = [[c.value for c in r] for r in load_workbook(tmp_path / "grades2.xlsx")["p4-t1"].iter_rows()]
    assert [r[0] for r in rows[1:]] == ["2024030117"]


def test_export_needs_the_student_and_a_known_exercise(tmp_path: Path, demo_template: DemoTemplate) -> None:
    data = demo_data_dir(tmp_path, demo_template, "pc")
    out = tmp_path / "x.wbsub"
    done = workbench("exercise", "export", "--data-dir", str(data), "--exercise", "p4-t1", "--out", str(out))
    assert done.returncode == 1 and "--number" in done.stderr and not out.exists()
    done = workbench(
        "exercise", "export", "--data-dir", str(data), "--exercise", "p9", "--out", str(out), "--name", "a",
        "--number", "1",
    )  # fmt: skip
    assert done.returncode == 1 and "unknown exercise" in done.stderr
    # on a shared seat the user is the student: name and username
    done = workbench("exercise", "export", "--data-dir", str(data), "--exercise", "p4-t1", "--out", str(out),
                     "--user", "xiaozhao")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert read_submission(out).student.number == "xiaozhao"
    assert json.loads(out.read_text(encoding="utf-8"))["format"] == "workbench-submission"
