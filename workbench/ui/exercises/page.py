"""实训: the student's classroom lab page.

Pick an exercise, follow its steps, start it (开始实训: the simulated buyers of the exercise come from
then on — lab control), check the work (检查: every rubric item ✓/✗ with its points and why, the total
rising item by item), answer the 课后作业 quiz, export the 实战记录表 (XLSX/PDF) and the submission file
for the teacher. On a single seat the student's name, 学号 and class are entered once (settings); on a
shared server the logged-in user is the student and the teacher starts the exercise for the class.

Every read and write runs off the UI thread (`workbench.ui.tasks`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.exercises import Exercise, ExerciseResult, QaQuestion, QuizQuestion, Student
from workbench.services import lab_exports
from workbench.services.lab_record import QaRecord
from workbench.settings import Settings, read_settings, save_settings
from workbench.ui.errors import error_text
from workbench.ui.exercises.results import ResultsView
from workbench.ui.tasks import Tasks
from workbench.ui.theme import scope, set_tone

if TYPE_CHECKING:
    from workbench.services.workspace import Workspace

log = logging.getLogger(__name__)

Answer = tuple[int, ...] | str


class LabPage(QWidget):
    """The student's 实训 page."""

    exercises_loaded = Signal(int)  # the exercise list is shown (how many)
    exercise_shown = Signal(str)  # an exercise's steps, lab state and saved answers are shown (its id)
    lab_started = Signal(str)  # 开始实训 done: the exercise's buyers come (its id)
    lab_reset = Signal(str)  # 重置本实训 done (its id)
    check_shown = Signal(int, int)  # 检查: every item is on screen (total, max)
    quiz_saved = Signal(str)  # the quiz answers were saved (exercise id)
    questions_asked = Signal(int, int)  # 问答测试 shown: questions answered directly, questions asked
    exported = Signal(str)  # a file was written (its path)
    failed = Signal(str)  # something did not work; the translated reason (also on the page)
    student_saved = Signal(object)  # the single seat's student (a Student) is in the settings now
    class_key_saved = Signal(bool)  # the class key the teacher gave is kept (True) or cleared (False)

    def __init__(
        self,
        tasks: Tasks,
        ws: Workspace,
        *,
        single_seat: bool,
        settings_file: Path | None = None,
        settings: Settings | None = None,
        hold_lab: Callable[[], None] | None = None,
        start_lab: Callable[[Exercise], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("labPage")
        scope(self, "lab")
        self.tasks = tasks
        self.ws = ws
        self.single_seat = single_seat
        self.settings_file = settings_file
        self.settings = settings or Settings()
        self._hold_lab = hold_lab
        self._start_lab = start_lab
        self.exercises: list[Exercise] = []
        self.current: Exercise | None = None
        self.started_at: datetime | None = None
        self.result: ExerciseResult | None = None
        self._quiz_inputs: dict[str, list[QAbstractButton] | QLineEdit] = {}
        self._build()
        self.refresh()

    # -- layout -------------------------------------------------------------------------------

    def _build(self) -> None:
        self.exercise_list = QListWidget(self)
        self.exercise_list.setObjectName("exerciseList")
        self.exercise_list.setMinimumWidth(220)
        self.exercise_list.currentRowChanged.connect(self._on_pick)

        self.title = QLabel(self.tr("选择左侧的实训任务"), self)
        self.title.setObjectName("paneTitle")
        self.section = QLabel(self)
        set_tone(self.section, "muted")
        self.lab_state = QLabel(self)
        self.lab_state.setObjectName("labState")
        self.start_button = QPushButton(self.tr("开始实训"), self)
        self.start_button.setObjectName("primary")
        self.start_button.clicked.connect(self.start_exercise)
        self.reset_button = QPushButton(self.tr("重置本实训"), self)
        self.reset_button.setToolTip(self.tr("清除本实训的设置、会话与成绩，店铺的其他数据保持不变"))
        self.reset_button.clicked.connect(lambda: self.reset_exercise())
        self.check_button = QPushButton(self.tr("检查"), self)
        self.check_button.setToolTip(self.tr("按任务评价表逐项检查你的操作"))
        self.check_button.clicked.connect(self.check)
        for button in (self.start_button, self.reset_button, self.check_button):
            button.setEnabled(False)
        controls = QHBoxLayout()
        controls.addWidget(self.lab_state, 1)
        controls.addWidget(self.start_button)
        controls.addWidget(self.reset_button)
        controls.addWidget(self.check_button)

        self.steps = QLabel(self)
        self.steps.setObjectName("exerciseSteps")
        self.steps.setWordWrap(True)
        self.steps.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.steps.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        steps_scroll = QScrollArea(self)
        steps_scroll.setWidgetResizable(True)
        steps_scroll.setWidget(self.steps)

        self.results = ResultsView(self)
        self.results.shown.connect(self.check_shown)

        self.quiz_box = QWidget(self)
        self.quiz_layout = QVBoxLayout(self.quiz_box)
        self.quiz_layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        quiz_scroll = QScrollArea(self)
        quiz_scroll.setWidgetResizable(True)
        quiz_scroll.setWidget(self.quiz_box)
        self.save_quiz_button = QPushButton(self.tr("保存答案"), self)
        self.save_quiz_button.setEnabled(False)
        self.save_quiz_button.clicked.connect(self.save_quiz)
        quiz_page = QWidget(self)
        quiz_layout = QVBoxLayout(quiz_page)
        quiz_layout.addWidget(quiz_scroll, 1)
        quiz_buttons = QHBoxLayout()
        quiz_buttons.addStretch(1)
        quiz_buttons.addWidget(self.save_quiz_button)
        quiz_layout.addLayout(quiz_buttons)

        self.tabs = QTabWidget(self)
        self.tabs.addTab(steps_scroll, self.tr("任务步骤"))
        self.tabs.addTab(self.results, self.tr("检查结果"))
        self.tabs.addTab(quiz_page, self.tr("课后作业"))
        self.tabs.addTab(self._qa_page(), self.tr("问答测试"))

        self.export_xlsx_button = QPushButton(self.tr("导出实战记录表（XLSX）"), self)
        self.export_xlsx_button.clicked.connect(lambda: self.export_record("xlsx"))
        self.export_pdf_button = QPushButton(self.tr("导出实战记录表（PDF）"), self)
        self.export_pdf_button.clicked.connect(lambda: self.export_record("pdf"))
        self.export_submission_button = QPushButton(self.tr("导出提交文件"), self)
        self.export_submission_button.setToolTip(self.tr("交给老师的文件：检查结果、实战记录表和你的配置，防篡改"))
        self.export_submission_button.clicked.connect(lambda: self.export_submission())
        exports = QHBoxLayout()
        for button in (self.export_xlsx_button, self.export_pdf_button, self.export_submission_button):
            button.setEnabled(False)
            exports.addWidget(button)
        exports.addStretch(1)

        self.message = QLabel(self)
        self.message.setObjectName("muted")
        self.message.setWordWrap(True)

        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.title)
        right_layout.addWidget(self.section)
        right_layout.addLayout(controls)
        right_layout.addWidget(self.tabs, 1)
        right_layout.addLayout(exports)
        right_layout.addWidget(self.message)

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        heading = QLabel(self.tr("实训任务"), left)
        heading.setObjectName("paneTitle")
        left_layout.addWidget(heading)
        left_layout.addWidget(self.exercise_list, 1)
        left_layout.addWidget(self._student_box(left))

        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([280, 900])
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)

    def _qa_page(self) -> QWidget:
        """问答测试: the exercise's buyer questions asked of the student's 店小蜜 as it is set up now."""
        page = QWidget(self)
        layout = QVBoxLayout(page)
        self.qa_summary = QLabel(self.tr("用本实训的测试题检验你的店小蜜配置：每个问题的回答、匹配的知识和得分"), page)
        self.qa_summary.setWordWrap(True)
        set_tone(self.qa_summary, "muted")
        self.qa_button = QPushButton(self.tr("运行问答测试"), page)
        self.qa_button.setEnabled(False)
        self.qa_button.clicked.connect(self.run_questions)
        top = QHBoxLayout()
        top.addWidget(self.qa_summary, 1)
        top.addWidget(self.qa_button)
        self.qa_table = QTableWidget(0, 5, page)
        self.qa_table.setObjectName("qaTable")
        self.qa_table.setHorizontalHeaderLabels(
            [self.tr("版块"), self.tr("问题"), self.tr("店小蜜的回答"), self.tr("匹配的知识"), self.tr("得分")]
        )
        self.qa_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.qa_table.setWordWrap(False)
        self.qa_table.verticalHeader().hide()
        header = self.qa_table.horizontalHeader()
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for column in (0, 1, 3, 4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        layout.addLayout(top)
        layout.addWidget(self.qa_table, 1)
        return page

    def _student_box(self, parent: QWidget) -> QWidget:
        """Who the student is: entered once on a single seat; the logged-in user on a shared server."""
        box = QGroupBox(self.tr("学生信息"), parent)
        box.setObjectName("studentBox")
        form = QFormLayout(box)
        self.student_name = QLineEdit(self.settings.student_name, box)
        self.student_number = QLineEdit(self.settings.student_number, box)
        self.student_class = QLineEdit(self.settings.student_class, box)
        for edit in (self.student_name, self.student_number, self.student_class):
            edit.setMaxLength(64)
        # The key the teacher gave the class signs the submission file; it is kept in the system keyring
        # (on a class server the class database holds it and this row is hidden).
        self.class_key = QLineEdit(box)
        self.class_key.setObjectName("classKey")
        self.class_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.class_key.setPlaceholderText(self.tr("老师给的班级密钥（没有可留空）"))
        self.class_key.setMaxLength(200)
        self._saved_key = ""
        self.save_student_button = QPushButton(self.tr("保存"), box)
        self.save_student_button.clicked.connect(self.save_student)
        if not self.single_seat:
            agent = self.ws.user
            self.student_name.setText(agent.display_name)
            self.student_number.setText(agent.username)
            for edit in (self.student_name, self.student_number, self.student_class):
                edit.setReadOnly(True)
            self.save_student_button.hide()
        form.addRow(self.tr("姓名"), self.student_name)
        form.addRow(self.tr("学号"), self.student_number)
        form.addRow(self.tr("班级"), self.student_class)
        if self.single_seat:
            form.addRow(self.tr("班级密钥"), self.class_key)
            self.tasks.read(self.ws.classroom.class_key, self._show_class_key, self._failed)
        else:
            self.class_key.hide()
        form.addRow("", self.save_student_button)
        return box

    def _show_class_key(self, key: str | None) -> None:
        self._saved_key = key or ""
        self.class_key.setText(self._saved_key)

    # -- the student --------------------------------------------------------------------------

    def student(self) -> Student:
        return Student(
            self.student_name.text().strip(), self.student_number.text().strip(), self.student_class.text().strip()
        )

    def save_student(self) -> None:
        """Keep name, 学号 and class in the settings (read again first: only these three are ours)."""
        student = self.student()
        if not student.name or not student.number:
            self._say(self.tr("请填写姓名和学号"), error=True)
            return
        self.settings = self.settings.with_changes(
            student_name=student.name, student_number=student.number, student_class=student.class_name
        )
        if self.settings_file is not None:
            path = self.settings_file
            try:
                current = read_settings(path).settings
                save_settings(
                    path,
                    current.with_changes(
                        student_name=student.name,
                        student_number=student.number,
                        student_class=student.class_name,
                    ),
                )
            except OSError as exc:
                self._say(self.tr("学生信息未能保存：{error}").format(error=exc.strerror or str(exc)), error=True)
                return
        self._say(self.tr("学生信息已保存"))
        self.student_saved.emit(student)
        key = self.class_key.text().strip()
        if key != self._saved_key:
            classroom = self.ws.classroom

            def saved(_: object) -> None:
                self._saved_key = key
                self.class_key_saved.emit(bool(key))

            self.tasks.write(lambda: classroom.set_class_key(key), saved, self._failed)

    # -- exercises ----------------------------------------------------------------------------

    def refresh(self) -> None:
        exercises = self.ws.exercises

        def done(found: tuple[Exercise, ...]) -> None:
            picked = self.current.id if self.current is not None else None
            self.exercises = list(found)
            self.exercise_list.blockSignals(True)
            self.exercise_list.clear()
            for exercise in self.exercises:
                item = QListWidgetItem(f"{exercise.section}\n{exercise.title}", self.exercise_list)
                item.setData(Qt.ItemDataRole.UserRole, exercise.id)
            self.exercise_list.blockSignals(False)
            self.exercises_loaded.emit(len(self.exercises))
            if picked is not None:
                self.pick(picked)

        self.tasks.read(exercises.exercises, done, self._failed)

    def pick(self, exercise_id: str) -> None:
        for row, exercise in enumerate(self.exercises):
            if exercise.id == exercise_id:
                if row == self.exercise_list.currentRow():
                    self._on_pick(row)
                else:
                    self.exercise_list.setCurrentRow(row)
                return

    def _on_pick(self, row: int) -> None:
        if not 0 <= row < len(self.exercises):
            return
        exercise = self.exercises[row]
        self.current = exercise
        self.result = None
        self.results.clear()
        self.title.setText(exercise.title)
        self.section.setText(exercise.section)
        self.steps.setText("\n\n".join(f"{n}. {step}" for n, step in enumerate(exercise.steps, 1)))
        self._build_quiz(exercise.quiz)
        self.qa_table.setRowCount(0)
        self.qa_button.setEnabled(bool(exercise.questions))
        self.qa_summary.setText(
            self.tr("用本实训的测试题检验你的店小蜜配置：每个问题的回答、匹配的知识和得分")
            if exercise.questions
            else self.tr("本实训没有问答测试题")
        )
        set_tone(self.qa_summary, "muted")
        classroom, agent_id = self.ws.classroom, self.ws.user.id

        def load() -> tuple[datetime | None, dict[str, Answer]]:
            return classroom.started(exercise.id), classroom.quiz_answers(exercise.id, agent_id)

        def done(found: tuple[datetime | None, dict[str, Answer]]) -> None:
            if self.current is not exercise:
                return
            started, answers = found
            self._fill_quiz(answers)
            self._show_lab(started)
            if started is None:
                if self._hold_lab is not None:
                    self._hold_lab()
            elif self._start_lab is not None:
                self._start_lab(exercise)
            self.exercise_shown.emit(exercise.id)

        self.tasks.read(load, done, self._failed)

    def _show_lab(self, started: datetime | None) -> None:
        self.started_at = started
        if started is None:
            text = (
                self.tr("未开始：点「开始实训」后模拟买家才会进店")
                if self.single_seat
                else self.tr("等待老师开始本实训：开始后模拟买家才会进店")
            )
            set_tone(self.lab_state, "muted")
        else:
            text = self.tr("实训进行中（{time} 开始）").format(time=started.astimezone().strftime("%H:%M"))
            set_tone(self.lab_state, "text")
        self.lab_state.setText(text)
        self.start_button.setEnabled(started is None and self.single_seat)
        self.start_button.setVisible(self.single_seat)
        self.reset_button.setEnabled(True)
        self.reset_button.setVisible(self.single_seat)
        self.check_button.setEnabled(True)
        for button in (self.export_xlsx_button, self.export_pdf_button, self.export_submission_button):
            button.setEnabled(True)
        self.save_quiz_button.setEnabled(bool(self.current and self.current.quiz))

    # -- lab control --------------------------------------------------------------------------

    def start_exercise(self) -> None:
        exercise = self.current
        if exercise is None:
            return
        classroom = self.ws.classroom

        def job() -> datetime | None:
            classroom.start(exercise.id)
            return classroom.started(exercise.id)

        def done(started: datetime | None) -> None:
            if self.current is exercise:
                self._show_lab(started)
            if self._start_lab is not None:
                self._start_lab(exercise)
            self.lab_started.emit(exercise.id)

        self.start_button.setEnabled(False)
        self.tasks.write(job, done, self._failed)

    def reset_exercise(self, confirmed: bool = False) -> None:
        """重置本实训 after a confirmation: this exercise's work is undone, the rest of the shop stays."""
        exercise = self.current
        if exercise is None:
            return
        if not confirmed:
            answer = QMessageBox.question(
                self,
                self.tr("重置本实训"),
                self.tr("确定重置「{title}」吗？本实训的设置、会话与成绩将被清除，店铺的其他数据保持不变。").format(
                    title=exercise.title
                ),
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        classroom = self.ws.classroom

        def job() -> datetime | None:
            classroom.reset(exercise)
            return classroom.started(exercise.id)

        def done(started: datetime | None) -> None:
            if self.current is exercise:
                self.results.clear()
                self.result = None
                self._show_lab(started)
                if started is None and self._hold_lab is not None:
                    self._hold_lab()
            self._say(self.tr("「{title}」已重置").format(title=exercise.title))
            self.lab_reset.emit(exercise.id)

        self.tasks.write(job, done, self._failed)

    # -- checking -----------------------------------------------------------------------------

    def check(self) -> None:
        exercise = self.current
        if exercise is None:
            return
        ws, agent_id = self.ws, self.ws.user.id

        def job() -> ExerciseResult:
            return lab_exports.student_result(ws, exercise.id, agent_id)

        def done(result: ExerciseResult) -> None:
            self.check_button.setEnabled(True)
            if self.current is not exercise:
                return
            self.result = result
            self.tabs.setCurrentWidget(self.results)
            self.results.show_result(result)

        def failed(exc: BaseException) -> None:
            self.check_button.setEnabled(True)
            self._failed(exc)

        self.check_button.setEnabled(False)
        self.results.total_label.setText(self.tr("正在检查…"))
        self.tasks.read(job, done, failed)

    # -- 问答测试 ------------------------------------------------------------------------------

    def run_questions(self) -> None:
        """Ask the exercise's test questions of the 店小蜜 as the student set it up (the 实战记录表
        records the same questions and answers)."""
        exercise = self.current
        if exercise is None or not exercise.questions:
            return
        ws = self.ws

        def done(rows: list[tuple[QaQuestion, QaRecord]]) -> None:
            self.qa_button.setEnabled(True)
            if self.current is not exercise:
                return
            self._show_questions(rows)

        def failed(exc: BaseException) -> None:
            self.qa_button.setEnabled(True)
            self._failed(exc)

        self.qa_button.setEnabled(False)
        self.qa_summary.setText(self.tr("正在提问…"))
        self.tasks.read(lambda: lab_exports.run_questions(ws, exercise.id), done, failed)

    def _show_questions(self, rows: list[tuple[QaQuestion, QaRecord]]) -> None:
        self.qa_table.setRowCount(len(rows))
        for row, (question, answer) in enumerate(rows):
            reply = answer.answer if answer.direct else self.tr("（没有直接回答）")
            cells = (question.section, question.text, reply, answer.matched, f"{answer.score:.2f}")
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)  # one line per question; the whole answer on hover
                self.qa_table.setItem(row, column, item)
        answered = sum(1 for _, a in rows if a.direct)
        self.qa_summary.setText(
            self.tr("直接回答 {answered}/{total} 个问题；没答好的，到知识库修改答案或添加问法后再测").format(
                answered=answered, total=len(rows)
            )
        )
        set_tone(self.qa_summary, "text")
        self.questions_asked.emit(answered, len(rows))

    # -- quiz ---------------------------------------------------------------------------------

    def _build_quiz(self, quiz: tuple[QuizQuestion, ...]) -> None:
        while self.quiz_layout.count():
            child = self.quiz_layout.takeAt(0)
            widget = child.widget() if child is not None else None
            if widget is not None:
                widget.deleteLater()
        self._quiz_inputs = {}
        if not quiz:
            empty = QLabel(self.tr("本实训没有课后作业"), self.quiz_box)
            set_tone(empty, "muted")
            self.quiz_layout.addWidget(empty)
            return
        for n, question in enumerate(quiz, 1):
            box = QGroupBox(f"{n}. {question.text}", self.quiz_box)
            box.setObjectName("quizQuestion")
            inner = QVBoxLayout(box)
            if question.choices:
                several = len(question.answer) > 1
                group = QButtonGroup(box)
                group.setExclusive(not several)
                buttons: list[QAbstractButton] = []
                for i, choice in enumerate(question.choices):
                    label = f"{chr(ord('A') + i)}. {choice}"
                    button: QAbstractButton = QCheckBox(label, box) if several else QRadioButton(label, box)
                    group.addButton(button, i)
                    inner.addWidget(button)
                    buttons.append(button)
                self._quiz_inputs[question.id] = buttons
            else:
                edit = QLineEdit(box)
                edit.setPlaceholderText(self.tr("简答，由老师评定"))
                inner.addWidget(edit)
                self._quiz_inputs[question.id] = edit
            self.quiz_layout.addWidget(box)

    def _fill_quiz(self, answers: dict[str, Answer]) -> None:
        for question_id, answer in answers.items():
            widget = self._quiz_inputs.get(question_id)
            if isinstance(widget, QLineEdit) and isinstance(answer, str):
                widget.setText(answer)
            elif isinstance(widget, list) and not isinstance(answer, str):
                for i, button in enumerate(widget):
                    button.setChecked(i in answer)

    def quiz_answers(self) -> dict[str, Answer]:
        """What the student answered (unanswered questions are left out)."""
        answers: dict[str, Answer] = {}
        for question_id, widget in self._quiz_inputs.items():
            if isinstance(widget, QLineEdit):
                if widget.text().strip():
                    answers[question_id] = widget.text().strip()
            else:
                picked = tuple(i for i, button in enumerate(widget) if button.isChecked())
                if picked:
                    answers[question_id] = picked
        return answers

    def choose(self, question_id: str, *choices: int) -> None:
        """Tick these choices of a question (the keyboard's and tests' way)."""
        widget = self._quiz_inputs[question_id]
        assert isinstance(widget, list)
        for i, button in enumerate(widget):
            button.setChecked(i in choices)

    def save_quiz(self) -> None:
        exercise = self.current
        if exercise is None:
            return
        answers = self.quiz_answers()
        classroom, agent_id = self.ws.classroom, self.ws.user.id

        def done(_: object) -> None:
            self._say(self.tr("课后作业答案已保存（{n} 题）").format(n=len(answers)))
            self.quiz_saved.emit(exercise.id)

        self.tasks.write(lambda: classroom.save_quiz_answers(exercise.id, agent_id, answers), done, self._failed)

    # -- exports ------------------------------------------------------------------------------

    def _ask_path(self, title: str, suggested: str, filter_text: str) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(self, title, suggested, filter_text)
        return Path(path) if path else None

    def _file_stem(self, exercise: Exercise) -> str:
        student = self.student()
        return "_".join(p for p in (exercise.id, student.number, student.name) if p)

    def export_record(self, kind: str, path: Path | None = None) -> None:
        """The 实战记录表 as XLSX or PDF (`kind`), filled from the student's own work."""
        exercise = self.current
        if exercise is None:
            return
        if not self._student_known():
            return
        if path is None:
            filter_text = self.tr("Excel 表格 (*.xlsx)") if kind == "xlsx" else self.tr("PDF 文件 (*.pdf)")
            path = self._ask_path(
                self.tr("导出实战记录表"),
                self.tr("{name}_实战记录表.{kind}").format(name=self._file_stem(exercise), kind=kind),
                filter_text,
            )
            if path is None:
                return
        ws, agent_id, student, target = self.ws, self.ws.user.id, self.student(), path

        def write() -> Path:
            if kind == "xlsx":
                return lab_exports.write_record_xlsx(ws, exercise.id, agent_id, student, target)
            from workbench.ui.lab_record_pdf import write_record_pdf

            return write_record_pdf(lab_exports.build_record(ws, exercise.id, agent_id, student), target)

        self._export(write, path)

    def export_submission(self, path: Path | None = None) -> None:
        """The submission file for the teacher: the checks, the 实战记录表 and the configuration."""
        exercise = self.current
        if exercise is None or not self._student_known():
            return
        if path is None:
            path = self._ask_path(
                self.tr("导出提交文件"), f"{self._file_stem(exercise)}.wbsub.json", self.tr("提交文件 (*.json)")
            )
            if path is None:
                return
        ws, agent_id, student, target = self.ws, self.ws.user.id, self.student(), path
        self._export(lambda: lab_exports.export_submission(ws, exercise.id, agent_id, student, target), path)

    def _student_known(self) -> bool:
        student = self.student()
        if student.name and student.number:
            return True
        self._say(self.tr("请先在左下方填写姓名和学号并保存：它们会写在实战记录表和提交文件上"), error=True)
        return False

    def _export(self, job: Callable[[], object], path: Path) -> None:
        def done(_: object) -> None:
            self._say(self.tr("已导出：{path}").format(path=str(path)))
            self.exported.emit(str(path))

        self.tasks.long(lambda _report: job(), done, self._failed)

    # -- messages -----------------------------------------------------------------------------

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setObjectName("error" if error else "muted")
        self.message.setText(text)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)

    def _failed(self, exc: BaseException) -> None:
        log.warning("lab page: %r", exc)
        text = error_text(exc)
        self._say(text, error=True)
        self.failed.emit(text)
