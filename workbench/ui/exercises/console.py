"""课堂实训 (teacher console): the class's work on one exercise.

The roster comes from the shared database (every student's seat checked by the program, with the
teacher's marks) or from a folder of submission files the students exported. The console shows each
student's points per rubric item and total with the class ranking, the item statistics ("which item
did most students miss?"), a drill-down into one student (their check, configuration and chats, read
only) where the teacher enters the 互测 / 教师 marks and the 非技术考评, starts and stops the exercise
for the class (the team's feed waits for it) and exports the grades as XLSX.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.exercises import Exercise, ExerciseResult, ItemKind, MarkColumn, Student
from workbench.services import lab_exports, submissions
from workbench.services.submissions import Submission
from workbench.ui.errors import error_text
from workbench.ui.exercises.results import ResultsView, mark, mark_colour_role, pending
from workbench.ui.tasks import Tasks
from workbench.ui.theme import colour, scope, set_tone

if TYPE_CHECKING:
    from workbench.domain.conversations import Conversation, Message
    from workbench.services.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StudentWork:
    """One student's work on the exercise, from the database (`agent_id` set) or a submission file
    (`source` its path, `configuration` the snapshot it carries)."""

    student: Student
    result: ExerciseResult
    agent_id: int | None = None
    source: str = ""
    configuration: object = None
    submission: Submission | None = None  # as a submission file holds it (the grades export's row)


@dataclass(frozen=True, slots=True)
class ItemStat:
    id: str
    title: str
    max: int
    missed: int  # students who did not pass it
    of: int
    average: float


def ranking(works: Sequence[StudentWork]) -> list[tuple[int, StudentWork]]:
    """The class ranking: highest total first; equal totals share a place (1, 2, 2, 4)."""
    ordered = sorted(works, key=lambda w: (-w.result.total, w.student.number, w.student.name))
    ranked: list[tuple[int, StudentWork]] = []
    for i, work in enumerate(ordered):
        place = ranked[-1][0] if ranked and ranked[-1][1].result.total == work.result.total else i + 1
        ranked.append((place, work))
    return ranked


def item_stats(works: Sequence[StudentWork]) -> list[ItemStat]:
    """Per rubric item: how many students missed it (an item the teacher has not marked yet is no
    miss); the most missed first."""
    titles: dict[str, tuple[str, int]] = {}
    missed: dict[str, int] = {}
    points: dict[str, int] = {}
    for work in works:
        for item in work.result.items:
            titles.setdefault(item.id, (item.title, item.max))
            missed[item.id] = missed.get(item.id, 0) + (
                0 if item.passed or pending(item) else 1
            )  # not yet marked: no miss
            points[item.id] = points.get(item.id, 0) + item.points
    n = len(works)
    stats = [ItemStat(i, title, top, missed[i], n, points[i] / n if n else 0.0) for i, (title, top) in titles.items()]
    return sorted(stats, key=lambda s: -s.missed)


class TeacherConsole(QWidget):
    """The teacher's 课堂实训 page."""

    exercises_loaded = Signal(int)
    roster_shown = Signal(int)  # the class's work is on screen (how many students)
    lab_changed = Signal(str, bool)  # exercise id, started
    mark_saved = Signal(int, str)  # student agent id, item id
    exported = Signal(str)  # the grades file's path
    class_key_saved = Signal(bool)  # the class key was saved (True) or cleared (False)
    failed = Signal(str)

    def __init__(self, tasks: Tasks, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("teacherConsole")
        scope(self, "lab")
        self.tasks = tasks
        self.ws = ws
        self.exercises: list[Exercise] = []
        self.works: list[StudentWork] = []
        self.folder: Path | None = None  # the submissions shown come from here (None: the database)
        self.problems: list[str] = []  # submission files refused, with why
        self.dialog: StudentDialog | None = None
        self._loading = 0  # the latest roster read: an older one that finishes later is not shown
        self._build()
        self.refresh_exercises()
        self.tasks.read(ws.classroom.class_key, lambda key: self._show_key(bool(key)), self._failed)

    # -- layout -------------------------------------------------------------------------------

    def _build(self) -> None:
        self.exercise_combo = QComboBox(self)
        self.exercise_combo.setMinimumWidth(260)
        self.exercise_combo.currentIndexChanged.connect(lambda _i: self.load())
        self.database_button = QPushButton(self.tr("班级数据库"), self)
        self.database_button.setToolTip(self.tr("读取登录本服务器的每位学生的实训"))
        self.database_button.clicked.connect(self.load_database)
        self.folder_button = QPushButton(self.tr("打开提交文件夹…"), self)
        self.folder_button.setToolTip(self.tr("读取学生导出的提交文件（一个文件夹）"))
        self.folder_button.clicked.connect(lambda: self.load_folder())
        self.start_button = QPushButton(self.tr("开始"), self)
        self.start_button.setObjectName("primary")
        self.start_button.setToolTip(self.tr("为全班开始本实训：模拟买家从此进店"))
        self.start_button.clicked.connect(lambda: self.set_started(True))
        self.stop_button = QPushButton(self.tr("停止"), self)
        self.stop_button.clicked.connect(lambda: self.set_started(False))
        self.export_button = QPushButton(self.tr("导出成绩（XLSX）"), self)
        self.export_button.clicked.connect(lambda: self.export_grades())
        self.key_button = QPushButton(self.tr("班级密钥…"), self)
        self.key_button.setToolTip(
            self.tr("学生导出提交文件时用它签名，导入提交文件时用它核对；没有服务器时请把它告诉全班")
        )
        self.key_button.clicked.connect(lambda: self.set_class_key())
        top = QHBoxLayout()
        title = QLabel(self.tr("课堂实训"), self)
        title.setObjectName("paneTitle")
        top.addWidget(title)
        top.addWidget(self.exercise_combo)
        top.addWidget(self.database_button)
        top.addWidget(self.folder_button)
        top.addStretch(1)
        top.addWidget(self.start_button)
        top.addWidget(self.stop_button)
        top.addWidget(self.export_button)
        top.addWidget(self.key_button)

        self.source_label = QLabel(self)
        set_tone(self.source_label, "muted")
        self.lab_label = QLabel(self)
        self.lab_label.setObjectName("labState")
        info = QHBoxLayout()
        self.key_label = QLabel(self)
        self.key_label.setObjectName("classKeyState")
        set_tone(self.key_label, "muted")
        info.addWidget(self.source_label, 1)
        info.addWidget(self.key_label)
        info.addWidget(self.lab_label)

        self.roster = QTableWidget(0, 0, self)
        self.roster.setObjectName("classRoster")
        self.roster.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.roster.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.roster.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.roster.verticalHeader().hide()
        self.roster.cellDoubleClicked.connect(lambda row, _col: self.open_student(row))
        self.open_button = QPushButton(self.tr("查看学生详情 / 录入评分"), self)
        self.open_button.clicked.connect(lambda: self.open_student(self.roster.currentRow()))
        roster_page = QWidget(self)
        roster_layout = QVBoxLayout(roster_page)
        roster_layout.addWidget(self.roster, 1)
        roster_buttons = QHBoxLayout()
        roster_buttons.addStretch(1)
        roster_buttons.addWidget(self.open_button)
        roster_layout.addLayout(roster_buttons)

        self.most_missed = QLabel(self)
        self.most_missed.setObjectName("mostMissed")
        self.most_missed.setWordWrap(True)
        self.stats = QTableWidget(0, 4, self)
        self.stats.setObjectName("itemStats")
        self.stats.setHorizontalHeaderLabels(
            [self.tr("评分项"), self.tr("未通过人数"), self.tr("平均分"), self.tr("满分")]
        )
        self.stats.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.stats.verticalHeader().hide()
        self.stats.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        stats_page = QWidget(self)
        stats_layout = QVBoxLayout(stats_page)
        stats_layout.addWidget(self.most_missed)
        stats_layout.addWidget(self.stats, 1)

        self.tabs = QTabWidget(self)
        self.tabs.addTab(roster_page, self.tr("班级进度与排名"))
        self.tabs.addTab(stats_page, self.tr("评分项统计"))

        self.message = QLabel(self)
        self.message.setObjectName("muted")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(info)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)

    # -- loading ------------------------------------------------------------------------------

    def refresh_exercises(self) -> None:
        def done(found: tuple[Exercise, ...]) -> None:
            self.exercises = list(found)
            self.exercise_combo.blockSignals(True)
            self.exercise_combo.clear()
            for exercise in self.exercises:
                self.exercise_combo.addItem(f"{exercise.section} · {exercise.title}", exercise.id)
            self.exercise_combo.blockSignals(False)
            self.exercises_loaded.emit(len(self.exercises))
            self.load()

        self.tasks.read(self.ws.exercises.exercises, done, self._failed)

    def exercise(self) -> Exercise | None:
        index = self.exercise_combo.currentIndex()
        return self.exercises[index] if 0 <= index < len(self.exercises) else None

    def pick(self, exercise_id: str) -> None:
        index = self.exercise_combo.findData(exercise_id)
        if index >= 0 and index != self.exercise_combo.currentIndex():
            self.exercise_combo.setCurrentIndex(index)  # loads
        else:
            self.load()

    def load(self) -> None:
        if self.folder is not None:
            self.load_folder(self.folder)
        else:
            self.load_database()

    def load_database(self) -> None:
        """Every student of the class, checked now by the program, with the teacher's marks."""
        exercise = self.exercise()
        if exercise is None:
            return
        self.folder = None
        ws = self.ws
        self._loading += 1
        loading = self._loading

        def job() -> tuple[list[StudentWork], datetime | None]:
            works = [
                StudentWork(sub.student, sub.result, agent_id=agent_id, submission=sub)
                for agent_id, sub in lab_exports.class_submissions(ws, exercise.id)
            ]
            return works, ws.classroom.started(exercise.id)

        def done(found: tuple[list[StudentWork], datetime | None]) -> None:
            if loading != self._loading:
                return
            works, started = found
            self.problems = []
            self.source_label.setText(self.tr("来源：班级数据库（{n} 名学生）").format(n=len(works)))
            self._show_lab(started)
            self._show(exercise, works)

        self.source_label.setText(self.tr("正在检查全班的实训…"))
        self.tasks.read(job, done, self._failed)

    def load_folder(self, folder: Path | None = None) -> None:
        """The submission files in a folder (a changed or unreadable file is refused and named)."""
        if folder is None:
            chosen = QFileDialog.getExistingDirectory(self, self.tr("选择提交文件所在的文件夹"))
            if not chosen:
                return
            folder = Path(chosen)
        exercise = self.exercise()
        if exercise is None:
            return
        self.folder = folder
        self._loading += 1
        loading = self._loading

        classroom = self.ws.classroom

        def job() -> tuple[list[StudentWork], list[str]]:
            errors: list[submissions.SubmissionError] = []
            graded = submissions.grade_folder(folder, classroom.class_key(), errors=errors)
            works = [
                StudentWork(
                    sub.student,
                    sub.result,
                    source=str(sub.path or ""),
                    configuration=sub.configuration,
                    submission=sub,
                )
                for sub in graded
                if sub.exercise == exercise.id
            ]
            return works, [str(e) for e in errors]

        def done(found: tuple[list[StudentWork], list[str]]) -> None:
            if loading != self._loading:
                return
            works, self.problems = found
            self.start_button.setEnabled(False)  # files: the class's lab is started on the database
            self.stop_button.setEnabled(False)
            self.lab_label.clear()
            text = self.tr("来源：提交文件夹 {folder}（{n} 份）").format(folder=str(folder), n=len(works))
            if self.problems:
                text += "  " + self.tr("未采用 {n} 个文件：{files}").format(
                    n=len(self.problems), files="；".join(self.problems)
                )
            self.source_label.setText(text)
            self._show(exercise, works)

        self.tasks.read(job, done, self._failed)

    # -- the class key ------------------------------------------------------------------------

    def set_class_key(self, key: str | None = None) -> None:
        """Set the class key (asked for when not given; empty: no class key). On a class server it is
        kept in the class database, where the students' desks read it; on a PC without one in the
        system keyring — the teacher tells the class, and each student enters it on the 实训 page."""
        if key is None:
            entered, ok = QInputDialog.getText(
                self,
                self.tr("班级密钥"),
                self.tr("学生的提交文件用班级密钥签名（留空：不用班级密钥）："),
                QLineEdit.EchoMode.Password,
            )
            if not ok:
                return
            key = entered
        classroom, value = self.ws.classroom, key.strip()

        def done(_: object) -> None:
            self._show_key(bool(value))
            self.class_key_saved.emit(bool(value))

        self.tasks.write(lambda: classroom.set_class_key(value), done, self._failed)

    def _show_key(self, is_set: bool) -> None:
        self.key_label.setText(self.tr("班级密钥：已设置") if is_set else self.tr("班级密钥：未设置"))

    # -- showing ------------------------------------------------------------------------------

    def _show(self, exercise: Exercise, works: list[StudentWork]) -> None:
        self.works = works
        items = [(item.id, item.title, item.points) for item in exercise.rubric]
        known = {i for i, _, _ in items}
        for work in works:  # e.g. the quiz item, which is not in the rubric
            for result_item in work.result.items:
                if result_item.id not in known:
                    known.add(result_item.id)
                    items.append((result_item.id, result_item.title, result_item.max))
        # The total beside the name: the ranking is read at a glance, whatever the number of items.
        headers = [self.tr("名次"), self.tr("学号"), self.tr("姓名"), self.tr("班级"), self.tr("总分")]
        headers += [f"{title}\n({top})" for _, title, top in items]
        self.roster.clear()
        self.roster.setColumnCount(len(headers))
        self.roster.setHorizontalHeaderLabels(headers)
        ranked = ranking(works)
        self.roster.setRowCount(len(ranked))
        self._row_work: list[StudentWork] = []
        for row, (place, work) in enumerate(ranked):
            self._row_work.append(work)
            by_id = {i.id: i for i in work.result.items}
            cells = [str(place), work.student.number, work.student.name, work.student.class_name]
            for column, text in enumerate(cells):
                self.roster.setItem(row, column, QTableWidgetItem(text))
            for offset, (item_id, _title, _top) in enumerate(items):
                found = by_id.get(item_id)
                cell = QTableWidgetItem(f"{mark(found)} {found.points}" if found is not None else "–")
                if found is not None:
                    cell.setForeground(colour(mark_colour_role(found)))
                    cell.setToolTip(found.why)
                self.roster.setItem(row, 5 + offset, cell)
            total = QTableWidgetItem(f"{work.result.total}/{work.result.max}")
            self.roster.setItem(row, 4, total)
        self.roster.resizeColumnsToContents()
        stats = item_stats(works)
        self.stats.setRowCount(len(stats))
        for row, stat in enumerate(stats):
            for column, text in enumerate(
                (stat.title, f"{stat.missed}/{stat.of}", f"{stat.average:.1f}", str(stat.max))
            ):
                self.stats.setItem(row, column, QTableWidgetItem(text))
        worst = stats[0] if stats and stats[0].missed else None
        self.most_missed.setText(
            self.tr("未通过人数最多的评分项：{title}（{missed}/{of} 名学生未通过）").format(
                title=worst.title, missed=worst.missed, of=worst.of
            )
            if worst is not None
            else self.tr("每个评分项都已全部通过")
            if works
            else self.tr("还没有学生的实训")
        )
        self.open_button.setEnabled(bool(works))
        self.export_button.setEnabled(bool(works))
        self.roster_shown.emit(len(works))

    def _show_lab(self, started: datetime | None) -> None:
        from_db = self.folder is None
        self.start_button.setEnabled(from_db and started is None)
        self.stop_button.setEnabled(from_db and started is not None)
        if started is None:
            self.lab_label.setText(self.tr("本实训未开始：模拟买家不会进店"))
            set_tone(self.lab_label, "muted")
        else:
            self.lab_label.setText(
                self.tr("本实训进行中（{time} 开始）").format(time=started.astimezone().strftime("%H:%M"))
            )
            set_tone(self.lab_label, "text")

    # -- lab control --------------------------------------------------------------------------

    def set_started(self, on: bool) -> None:
        exercise = self.exercise()
        if exercise is None:
            return
        classroom = self.ws.classroom

        def job() -> datetime | None:
            if on:
                classroom.start(exercise.id)
            else:
                classroom.stop(exercise.id)
            return classroom.started(exercise.id)

        def done(started: datetime | None) -> None:
            self._show_lab(started)
            self.lab_changed.emit(exercise.id, started is not None)

        self.tasks.write(job, done, self._failed)

    # -- one student --------------------------------------------------------------------------

    def open_student(self, row: int) -> StudentDialog | None:
        exercise = self.exercise()
        rows = getattr(self, "_row_work", [])
        if exercise is None or not 0 <= row < len(rows):
            return None
        self.dialog = StudentDialog(self.tasks, self.ws, exercise, rows[row], self)
        self.dialog.mark_saved.connect(self.mark_saved)
        self.dialog.marks_saved.connect(self._marks_saved)
        self.dialog.open()
        return self.dialog

    def _marks_saved(self, _agent_id: int) -> None:
        if self.folder is None:  # the totals and the ranking with the new marks
            self.load_database()

    # -- grades -------------------------------------------------------------------------------

    def export_grades(self, path: Path | None = None) -> None:
        exercise = self.exercise()
        if exercise is None or not self.works:
            return
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self,
                self.tr("导出成绩"),
                self.tr("{exercise}_成绩.xlsx").format(exercise=exercise.id),
                self.tr("Excel 表格 (*.xlsx)"),
            )
            if not chosen:
                return
            path = Path(chosen)
        works = list(self.works)
        target = path

        def job(_report: Callable[[Any], None]) -> None:
            submissions.write_grades_xlsx([w.submission for w in works if w.submission is not None], target)

        def done(_: object) -> None:
            self._say(self.tr("成绩已导出：{path}").format(path=str(target)))
            self.exported.emit(str(target))

        self.tasks.long(job, done, self._failed)

    # -- messages -----------------------------------------------------------------------------

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setObjectName("error" if error else "muted")
        self.message.setText(text)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)

    def _failed(self, exc: BaseException) -> None:
        log.warning("teacher console: %r", exc)
        text = error_text(exc)
        self._say(text, error=True)
        self.failed.emit(text)


class StudentDialog(QDialog):
    """One student's work, read only: the check with its explanations, the configuration and the chats;
    the teacher enters the 互测 / 教师 marks and the items the program does not check."""

    mark_saved = Signal(int, str)  # student agent id, item id
    marks_saved = Signal(int)  # every changed mark of this student is saved (agent id)

    def __init__(self, tasks: Tasks, ws: Workspace, exercise: Exercise, work: StudentWork, parent: QWidget) -> None:
        super().__init__(parent)
        self.tasks, self.ws, self.exercise, self.work = tasks, ws, exercise, work
        student = work.student
        self.setWindowTitle(
            self.tr("{name}（{number}）· {title}").format(
                name=student.name, number=student.number, title=exercise.title
            )
        )
        self.resize(900, 620)
        scope(self, "lab")
        self.results = ResultsView(self)
        self.results.show_result(work.result, reveal=False)
        tabs = QTabWidget(self)
        tabs.addTab(self.results, self.tr("检查结果"))
        self.marks = QTableWidget(0, 4, self)
        self.marks.setObjectName("marksTable")
        self.marks.setHorizontalHeaderLabels([self.tr("评分项"), self.tr("自测"), self.tr("互测"), self.tr("教师")])
        self.marks.verticalHeader().hide()
        self.marks.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self._spins: dict[tuple[str, MarkColumn], QSpinBox] = {}
        self.save_button = QPushButton(self.tr("保存评分"), self)
        self.save_button.setObjectName("primary")
        self.save_button.clicked.connect(self.save_marks)
        marks_page = QWidget(self)
        marks_layout = QVBoxLayout(marks_page)
        self.marks_note = QLabel(self)
        self.marks_note.setWordWrap(True)
        set_tone(self.marks_note, "muted")
        marks_layout.addWidget(self.marks_note)
        marks_layout.addWidget(self.marks, 1)
        marks_layout.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignRight)
        tabs.addTab(marks_page, self.tr("评分录入"))
        self.configuration = QPlainTextEdit(self)
        self.configuration.setReadOnly(True)
        tabs.addTab(self.configuration, self.tr("配置"))
        self.chats = QListWidget(self)
        self.chats.currentItemChanged.connect(lambda item, _old: self._open_chat(item))
        self.chat_text = QPlainTextEdit(self)
        self.chat_text.setReadOnly(True)
        chats_page = QWidget(self)
        chats_layout = QHBoxLayout(chats_page)
        chats_layout.addWidget(self.chats, 1)
        chats_layout.addWidget(self.chat_text, 2)
        tabs.addTab(chats_page, self.tr("会话"))
        self.tabs = tabs
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs, 1)
        layout.addWidget(buttons)
        self._fill_marks({})
        self._load()

    def _load(self) -> None:
        work = self.work
        if work.agent_id is None:  # a submission file: what it carries
            self.marks_note.setText(self.tr("提交文件中的成绩只读；在班级数据库中才能录入评分。"))
            self.save_button.setEnabled(False)
            self.configuration.setPlainText(_as_text(work.configuration))
            self.chats.addItem(self.tr("提交文件不含会话记录"))
            return
        self.marks_note.setText(
            self.tr("自测由程序检查；互测和教师检测在此录入，非技术考评（态度、纪律、协作、文明）填入「教师」列。")
        )
        ws, agent_id, exercise_id = self.ws, work.agent_id, self.exercise.id

        def job() -> tuple[dict[tuple[str, MarkColumn], int], list[Conversation]]:
            # On a class server the student's chats are in their own shop.
            return ws.classroom.marks(exercise_id, agent_id), lab_exports.student_chats(ws, agent_id)

        def done(found: tuple[dict[tuple[str, MarkColumn], int], list[Conversation]]) -> None:
            marks, chats = found
            self._fill_marks(marks)
            self.configuration.setPlainText(
                "\n".join(
                    f"{i.title}：{i.why}" + ("".join(f"\n    · {e}" for e in i.evidence)) for i in work.result.items
                )
            )
            for conv in chats:
                item = QListWidgetItem(f"{conv.customer_nick} · {conv.last_message}", self.chats)
                item.setData(Qt.ItemDataRole.UserRole, conv.id)
            if not chats:
                self.chats.addItem(self.tr("该学生还没有接待过买家"))

        self.tasks.read(job, done)

    def _fill_marks(self, marks: dict[tuple[str, MarkColumn], int]) -> None:
        self._loaded = dict(marks)
        by_id = {i.id: i for i in self.work.result.items}
        rubric = self.exercise.rubric
        self.marks.setRowCount(len(rubric))
        self._spins = {}
        for row, item in enumerate(rubric):
            self.marks.setItem(row, 0, QTableWidgetItem(f"{item.category} · {item.title}（{item.points}）"))
            own = by_id.get(item.id)
            self_check = "—" if item.kind is ItemKind.TEACHER or own is None else str(own.points)
            self.marks.setItem(row, 1, QTableWidgetItem(self_check))
            for column, mark_column in ((2, MarkColumn.PEER), (3, MarkColumn.TEACHER)):
                spin = QSpinBox(self.marks)
                spin.setRange(0, item.points)
                spin.setValue(marks.get((item.id, mark_column), 0))
                spin.setEnabled(self.work.agent_id is not None)
                self.marks.setCellWidget(row, column, spin)
                self._spins[(item.id, mark_column)] = spin

    def set_mark(self, item_id: str, column: MarkColumn, points: int) -> None:
        self._spins[(item_id, column)].setValue(points)

    def save_marks(self) -> None:
        agent_id = self.work.agent_id
        if agent_id is None:
            return
        # Only what the teacher changed: an untouched 0 is no mark (and a peer mark is not overwritten).
        values = {key: spin.value() for key, spin in self._spins.items() if key in self._loaded or spin.value() != 0}
        values = {key: v for key, v in values.items() if self._loaded.get(key) != v}
        classroom, exercise_id = self.ws.classroom, self.exercise.id

        def job() -> list[str]:
            saved = []
            for (item_id, column), points in values.items():
                classroom.save_mark(exercise_id, agent_id, item_id, column, points)
                saved.append(item_id)
            return saved

        def done(saved: list[str]) -> None:
            self._loaded.update(values)
            for item_id in dict.fromkeys(saved):
                self.mark_saved.emit(agent_id, item_id)
            self.marks_saved.emit(agent_id)
            self.marks_note.setText(self.tr("评分已保存"))

        def failed(exc: BaseException) -> None:
            self.marks_note.setText(error_text(exc))

        self.tasks.write(job, done, failed)

    def _open_chat(self, item: QListWidgetItem | None) -> None:
        conv_id = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if not isinstance(conv_id, int):
            return
        ws, agent_id = self.ws, self.work.agent_id
        if agent_id is None:
            return

        def done(messages: list[Message]) -> None:
            self.chat_text.setPlainText(
                "\n".join(
                    f"[{m.created_at.astimezone().strftime('%H:%M')}] {m.sender.value}: {m.text}" for m in messages
                )
            )

        self.tasks.read(lambda: lab_exports.student_messages(ws, agent_id, conv_id), done)


def _as_text(value: object) -> str:
    if value is None:
        return ""
    try:
        return json.dumps(value, ensure_ascii=False, indent=2, default=str)
    except (TypeError, ValueError):
        return str(value)
