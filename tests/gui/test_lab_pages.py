"""Classroom labs in the window: the student's 实训 page (check, quiz, exports, lab control) and the
teacher's 实训管理 console (from a folder of submission files and from the shared database)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory
from workbench.domain.exercises import MarkColumn
from workbench.domain.identity import PROGRAM, Role
from workbench.services.accounts import AccountService
from workbench.settings import read_settings
from workbench.storage.db import Database
from workbench.storage.repositories.shops import ShopRepository
from workbench.ui.exercises.console import TeacherConsole
from workbench.ui.exercises.page import LabPage
from workbench.ui.main_window import MainWindow

EXERCISE = "p4-t1"
PASSWORD = "Xue-sheng-2026"


def lab_page(window: MainWindow, qtbot: QtBot, exercise: str = EXERCISE) -> LabPage:
    page = window.show_page(window.page_index["lab"])
    assert isinstance(page, LabPage)
    qtbot.waitUntil(lambda: bool(page.exercises), timeout=10_000)
    with qtbot.waitSignal(page.exercise_shown, timeout=10_000):
        page.pick(exercise)
    return page


def check(page: LabPage, qtbot: QtBot) -> tuple[int, int]:
    with qtbot.waitSignal(page.check_shown, timeout=20_000) as blocker:
        page.check_button.click()
    total, top = blocker.args
    return total, top


def fill_student(page: LabPage) -> None:
    page.student_name.setText("李明")
    page.student_number.setText("2026001")
    page.student_class.setText("电商2班")
    page.save_student_button.click()


def test_the_student_checks_the_exercise_and_the_score_rises_after_a_change(
    make_window: WindowFactory, qtbot: QtBot
) -> None:
    window = make_window()
    page = lab_page(window, qtbot)
    assert page.title.text() and "昵称" in page.steps.text()  # the steps students follow
    before, top = check(page, qtbot)
    assert top >= 100 and 0 <= before < top  # the demo shop never gets full marks
    assert page.results.table.rowCount() == len(page.result.items)  # type: ignore[union-attr]
    welcome_row = next(i for i, item in enumerate(page.result.items) if item.id == "welcome")  # type: ignore[union-attr]
    assert "昵称未修改" in page.results.table.item(welcome_row, 2).text()
    assert page.results.table.item(welcome_row, 0).text().startswith("✗")

    ws = window.workspace
    assert ws is not None
    welcome = ws.bot.settings().welcome
    ws.bot.save_welcome(replace(welcome, nickname="小蜜课堂版"))
    after, _ = check(page, qtbot)
    assert after > before
    assert "昵称已修改" in page.results.table.item(welcome_row, 2).text()
    assert page.results.total_text() == f"得分 {after} / {top}"


def test_the_quiz_answers_are_saved_and_shown_again(make_window: WindowFactory, qtbot: QtBot) -> None:
    window = make_window()
    page = lab_page(window, qtbot)
    page.choose("q1", 2)
    with qtbot.waitSignal(page.quiz_saved, timeout=10_000):
        page.save_quiz_button.click()
    ws = window.workspace
    assert ws is not None
    assert ws.classroom.quiz_answers(EXERCISE, ws.agent.id)["q1"] == (2,)
    page.choose("q1")  # cleared on screen; the saved answer comes back when the exercise is shown again
    with qtbot.waitSignal(page.exercise_shown, timeout=10_000):
        page.pick(EXERCISE)
    assert page.quiz_answers()["q1"] == (2,)


def test_the_record_and_the_submission_are_exported(make_window: WindowFactory, qtbot: QtBot, tmp_path: Path) -> None:
    window = make_window()
    page = lab_page(window, qtbot)
    page.export_record("xlsx", tmp_path / "no-student.xlsx")
    assert "学号" in page.message.text() and not (tmp_path / "no-student.xlsx").exists()
    fill_student(page)
    saved = read_settings(window.config.paths.settings_file).settings
    assert (saved.student_name, saved.student_number, saved.student_class) == ("李明", "2026001", "电商2班")
    assert window.config.settings.student_number == "2026001"  # the settings dialog starts from it
    for kind in ("xlsx", "pdf"):
        target = tmp_path / f"record.{kind}"
        with qtbot.waitSignal(page.exported, timeout=20_000):
            page.export_record(kind, target)
        assert target.stat().st_size > 0
    target = tmp_path / "submission.json"
    with qtbot.waitSignal(page.exported, timeout=20_000):
        page.export_submission(target)
    from workbench.services.submissions import read_submission

    submission = read_submission(target)
    assert submission.student.number == "2026001"


def test_no_buyers_come_before_the_lab_starts_and_the_exercises_buyers_after(
    make_window: WindowFactory, qtbot: QtBot
) -> None:
    window = make_window()
    ws = window.workspace
    assert ws is not None and window.channel is not None
    page = lab_page(window, qtbot)
    assert window.controller.lab_waiting
    assert page.start_button.isEnabled()
    window.channel.set_rate(60.0)
    window.sim_action.setChecked(True)
    qtbot.wait(1500)  # ticks that would bring a buyer a second
    assert not window.channel.conversation_ids()
    exercise = ws.exercises.exercise(EXERCISE)
    with qtbot.waitSignal(page.lab_started, timeout=10_000):
        page.start_button.click()
    qtbot.waitUntil(lambda: not window.controller.lab_waiting, timeout=10_000)
    assert ws.classroom.started(EXERCISE) is not None
    assert not page.start_button.isEnabled()
    assert {s.id for s in window.channel.simulator.scenarios} == set(exercise.scenarios)
    window.channel.set_rate(60.0)
    qtbot.waitUntil(lambda: bool(window.channel.conversation_ids()), timeout=15_000)  # type: ignore[union-attr]
    ids = set(window.channel.conversation_ids())  # type: ignore[union-attr]
    lists = ws.reception.lists()
    assert {c.scenario_id for c in (*lists.waiting, *lists.active) if c.id in ids} <= set(exercise.scenarios)

    with qtbot.waitSignal(page.lab_reset, timeout=10_000):
        page.reset_exercise(confirmed=True)
    assert ws.classroom.started(EXERCISE) is None
    assert window.controller.lab_waiting


def test_the_teacher_console_reads_a_folder_of_submissions(
    make_window: WindowFactory, qtbot: QtBot, tmp_path: Path
) -> None:
    student = make_window(tmp_path / "student")
    page = lab_page(student, qtbot)
    fill_student(page)
    folder = tmp_path / "submissions"
    folder.mkdir()
    with qtbot.waitSignal(page.exported, timeout=20_000):
        page.export_submission(folder / "2026001.json")
    (folder / "broken.json").write_text('{"not": "a submission"}', encoding="utf-8")

    teacher = make_window(tmp_path / "teacher")
    console = teacher.show_page(teacher.page_index["lab_console"])
    assert isinstance(console, TeacherConsole)
    qtbot.waitUntil(lambda: bool(console.exercises), timeout=10_000)
    console.pick(EXERCISE)
    with qtbot.waitSignal(console.roster_shown, timeout=20_000) as shown:
        console.load_folder(folder)
    assert shown.args == [1]
    assert console.roster.item(0, 1).text() == "2026001" and console.roster.item(0, 2).text() == "李明"
    assert console.roster.item(0, 0).text() == "1"  # ranking
    assert "broken.json" in console.source_label.text()  # refused, by name
    assert "未通过人数最多" in console.most_missed.text()
    grades = tmp_path / "grades.xlsx"
    with qtbot.waitSignal(console.exported, timeout=20_000):
        console.export_grades(grades)
    import openpyxl

    sheet = openpyxl.load_workbook(grades).active
    assert sheet is not None
    assert any("2026001" in [str(c.value) for c in row] for row in sheet.iter_rows())
    dialog = console.open_student(0)
    assert dialog is not None and not dialog.save_button.isEnabled()  # a file's marks are read only
    dialog.close()


def test_the_class_key_signs_the_students_file_and_the_console_checks_with_it(
    make_window: WindowFactory, qtbot: QtBot, tmp_path: Path
) -> None:
    from workbench.services.submissions import SubmissionError, read_submission

    key = "电商2班-秋"
    student = make_window(tmp_path / "student")
    page = lab_page(student, qtbot)
    assert page.class_key.isVisible() and page.class_key.echoMode() is page.class_key.EchoMode.Password
    page.class_key.setText(key)
    with qtbot.waitSignal(page.class_key_saved, timeout=10_000) as saved:
        fill_student(page)
    assert saved.args == [True]
    settings = student.config.paths.settings_file.read_text(encoding="utf-8")
    assert "2026001" in settings and key not in settings  # the keyring keeps it, not the settings file
    folder = tmp_path / "submissions"
    folder.mkdir()
    with qtbot.waitSignal(page.exported, timeout=20_000):
        page.export_submission(folder / "2026001.json")
    with pytest.raises(SubmissionError):
        read_submission(folder / "2026001.json")  # signed with the class key
    assert read_submission(folder / "2026001.json", key).student.number == "2026001"

    teacher = make_window(tmp_path / "teacher")
    console = teacher.show_page(teacher.page_index["lab_console"])
    assert isinstance(console, TeacherConsole)
    qtbot.waitUntil(lambda: bool(console.exercises), timeout=10_000)
    console.pick(EXERCISE)
    with qtbot.waitSignal(console.class_key_saved, timeout=10_000):
        console.set_class_key("")  # no class key: the file does not verify
    assert console.key_label.text() == "班级密钥：未设置"
    with qtbot.waitSignal(console.roster_shown, timeout=20_000) as shown:
        console.load_folder(folder)
    assert shown.args == [0] and "2026001.json" in console.source_label.text()
    with qtbot.waitSignal(console.class_key_saved, timeout=10_000):
        console.set_class_key(key)
    assert console.key_label.text() == "班级密钥：已设置"
    with qtbot.waitSignal(console.roster_shown, timeout=20_000) as shown:
        console.load_folder(folder)
    assert shown.args == [1]


def test_the_question_test_asks_the_exercises_questions_of_the_students_bot(
    make_window: WindowFactory, qtbot: QtBot, tmp_path: Path
) -> None:
    window = make_window()
    page = lab_page(window, qtbot)
    assert page.current is not None and page.qa_button.isEnabled()
    with qtbot.waitSignal(page.questions_asked, timeout=30_000) as asked:
        page.run_questions()
    answered, total = asked.args
    assert total == len(page.current.questions) == page.qa_table.rowCount()
    assert 0 < answered < total  # the demo answers some; the rest is the student's work
    assert page.qa_table.item(0, 1).text() == page.current.questions[0].text
    assert f"{answered}/{total}" in page.qa_summary.text()
    page.tabs.setCurrentIndex(page.tabs.count() - 1)
    page.window().grab().save(str(tmp_path / "qa.png"))

    fill_student(page)
    import openpyxl

    record = tmp_path / "record.xlsx"
    with qtbot.waitSignal(page.exported, timeout=30_000):
        page.export_record("xlsx", record)
    cells = {str(c.value) for sheet in openpyxl.load_workbook(record) for row in sheet.iter_rows() for c in row}
    assert {q.text for q in page.current.questions} <= cells  # the 实战记录表 records the same questions


def add_class(url: str) -> None:
    db = Database(url)
    try:
        with db.session() as s:
            shop = ShopRepository(s).first()
        assert shop is not None
        accounts = AccountService(db, shop.id, actor=PROGRAM)
        accounts.add_user("laoshi", "王老师", Role.TEACHER, "Jiao-shi-2026")
        accounts.add_user("xs01", "张同学", Role.STUDENT, PASSWORD)
        accounts.add_user("xs02", "刘同学", Role.STUDENT, PASSWORD)
    finally:
        db.dispose()


@pytest.mark.postgres
def test_the_teacher_console_on_the_shared_database_starts_the_lab_and_takes_marks(
    pg_demo_url: str, make_window: WindowFactory, qtbot: QtBot, tmp_path: Path
) -> None:
    add_class(pg_demo_url)
    student = make_window(tmp_path / "xs01", db_url=pg_demo_url, login=("xs01", PASSWORD))
    assert "lab" in student.page_index and "lab_console" not in student.page_index
    # The student works in a shop of their own: 店小蜜 and the knowledge base are theirs to configure,
    # and its simulated buyers are the desk's own (they wait for the teacher's 开始实训).
    assert "assistant" in student.page_index and "knowledge" in student.page_index
    assert student.workspace is not None and student.workspace.sandbox is not None
    assert student.sim_action.isEnabled()
    page = lab_page(student, qtbot)
    assert not page.start_button.isVisible()  # on a server the teacher starts the lab
    assert "等待老师" in page.lab_state.text()

    teacher = make_window(tmp_path / "laoshi", db_url=pg_demo_url, login=("laoshi", "Jiao-shi-2026"))
    assert "lab" not in teacher.page_index
    console = teacher.show_page(teacher.page_index["lab_console"])
    assert isinstance(console, TeacherConsole)
    qtbot.waitUntil(lambda: bool(console.exercises), timeout=10_000)
    with qtbot.waitSignal(console.roster_shown, timeout=30_000):
        console.pick(EXERCISE)
    assert console.roster.rowCount() == 2
    names = {console.roster.item(r, 2).text() for r in range(2)}
    assert names == {"张同学", "刘同学"}
    with qtbot.waitSignal(console.lab_changed, timeout=10_000) as changed:
        console.start_button.click()
    assert changed.args == [EXERCISE, True]
    assert teacher.workspace is not None and teacher.workspace.classroom.started(EXERCISE) is not None

    row = next(r for r in range(2) if console.roster.item(r, 2).text() == "张同学")
    dialog = console.open_student(row)
    assert dialog is not None and dialog.save_button.isEnabled()
    dialog.set_mark("attitude", MarkColumn.TEACHER, 5)
    dialog.set_mark("welcome", MarkColumn.PEER, 10)
    with qtbot.waitSignal(console.roster_shown, timeout=30_000):
        dialog.save_button.click()
    xs01 = next(a for a in teacher.workspace.classroom.students() if a.username == "xs01")
    marks = teacher.workspace.classroom.marks(EXERCISE, xs01.id)
    assert marks[("attitude", MarkColumn.TEACHER)] == 5 and marks[("welcome", MarkColumn.PEER)] == 10
    row = next(r for r in range(2) if console.roster.item(r, 2).text() == "张同学")
    header = [console.roster.horizontalHeaderItem(c).text() for c in range(console.roster.columnCount())]
    attitude = next(c for c, h in enumerate(header) if h.startswith("态度"))
    assert console.roster.item(row, attitude).text().endswith("5")  # the teacher's mark counts
    dialog.close()

    with qtbot.waitSignal(page.exercise_shown, timeout=10_000):
        page.pick(EXERCISE)
    assert "进行中" in page.lab_state.text()


def test_the_ranking_shares_places_and_the_statistics_put_the_most_missed_item_first() -> None:
    from datetime import UTC, datetime

    from workbench.domain.exercises import ExerciseResult, ItemResult, Student
    from workbench.services.exercises import TEACHER_PENDING
    from workbench.ui.exercises.console import StudentWork, item_stats, ranking

    def work(number: str, welcome: int, knowledge: int) -> StudentWork:
        items = (
            ItemResult("welcome", "欢迎语", welcome, 20, welcome == 20, ""),
            ItemResult("knowledge", "问答知识", knowledge, 40, knowledge == 40, ""),
            ItemResult("attitude", "态度", 0, 5, False, TEACHER_PENDING),
        )
        return StudentWork(Student(number, number), ExerciseResult("p4-t1", items, datetime(2026, 12, 1, tzinfo=UTC)))

    works = [work("3", 20, 0), work("1", 20, 40), work("2", 0, 60 - 40)]
    assert [(place, w.student.number) for place, w in ranking(works)] == [(1, "1"), (2, "2"), (2, "3")]
    stats = item_stats(works)
    assert [(s.id, s.missed) for s in stats] == [("knowledge", 2), ("welcome", 1), ("attitude", 0)]


def test_a_lab_left_running_goes_on_with_its_buyers_when_the_desk_opens_again(
    make_window: WindowFactory, qtbot: QtBot, tmp_path: Path
) -> None:
    first = make_window(tmp_path / "seat")
    page = lab_page(first, qtbot)
    with qtbot.waitSignal(page.lab_started, timeout=10_000):
        page.start_button.click()
    first.close()

    again = make_window(tmp_path / "seat")
    assert again.workspace is not None and again.channel is not None
    exercise = again.workspace.exercises.exercise(EXERCISE)
    qtbot.waitUntil(lambda: not again.controller.lab_waiting, timeout=10_000)
    assert {s.id for s in again.channel.simulator.scenarios} == set(exercise.scenarios)


def test_a_too_long_class_key_is_explained_to_the_teacher() -> None:
    from workbench.domain.errors import DomainError
    from workbench.ui.errors import error_text

    text = error_text(DomainError("exercise.class_key_too_long", field="class_key", limit=200))
    assert "200" in text and "班级密钥" in text
