"""欢迎语: the bot's nickname, welcome texts by time period, the welcome card's questions and quick
buttons, with a live preview as the customer will see it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import time

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.bot import (
    BOT_NAME,
    MAX_CARD_QUESTIONS,
    SMART_PREDICTED,
    CardMode,
    CardQuestion,
    QuickButton,
    WelcomeConfig,
    WelcomePeriod,
    format_hhmm,
    parse_hhmm,
    welcome_card,
    welcome_problems,
)
from workbench.domain.errors import DomainError
from workbench.domain.kb import KbEntry
from workbench.services.bot import BotService
from workbench.ui.bot.common import (
    FieldErrors,
    FormGrid,
    Section,
    error_label,
    hbox,
    muted,
    page_column,
    primary_button,
    scroll_page,
    show_status,
    status_line,
)
from workbench.ui.bot.kb_picker import KbPickerDialog
from workbench.ui.bot.labels import bot_error_text
from workbench.ui.bot.models import Column, RecordTableModel
from workbench.ui.tasks import Tasks
from workbench.ui.widgets.guard import while_alive

PREVIEW_DELAY_MS = 120


@dataclass(frozen=True, slots=True)
class PeriodRow:
    """A custom period as typed in the table (times checked on save)."""

    start: str
    end: str
    text: str


class WelcomeTab(QWidget):
    """Edits `WelcomeConfig`; Save checks every field and shows problems next to them."""

    loaded = Signal()
    """The saved configuration, the hot questions and the KB entries are on screen."""

    saved = Signal()
    """The welcome configuration was saved."""

    preview_updated = Signal()
    """The preview shows the form's current state."""

    def __init__(self, tasks: Tasks, service: BotService, shop_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._service = service
        self._shop_name = shop_name
        self._hot: list[CardQuestion] = []
        self._entries: list[KbEntry] = []
        self._kb_answers: dict[int, str] = {}
        self._loading = False
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.update_preview)
        self.errors = FieldErrors(bot_error_text)
        self._build()

    # -- building --------------------------------------------------------------------------------

    def _build(self) -> None:
        from workbench.ui.bot.preview import WelcomePreview

        content, column = page_column()

        basics = Section(self.tr("机器人昵称与欢迎语"), self.tr("客户进入聊天窗口时，机器人自动发送欢迎语和卡片。"))
        grid = FormGrid()
        self.nickname = QLineEdit()
        self.nickname.setMaxLength(30)
        self.nickname.setPlaceholderText(self.tr("例如：小蜜"))
        grid.add_row(self.tr("机器人昵称"), self.nickname, self.errors.add("nickname", error_label(), self.nickname))
        self.default_text = QPlainTextEdit()
        self.default_text.setFixedHeight(72)
        self.insert_name = QPushButton(self.tr("插入机器人昵称"))
        self.insert_name.setObjectName("link")
        self.insert_name.clicked.connect(lambda: self.default_text.insertPlainText(BOT_NAME))
        text_box = QVBoxLayout()
        text_box.setSpacing(2)
        text_box.addWidget(self.default_text)
        text_box.addLayout(
            hbox((muted(self.tr("默认时间段（不在下列时段内时）使用这段欢迎语。")), 1), self.insert_name)
        )
        grid.add_row(self.tr("默认欢迎语"), text_box, self.errors.add("default_text", error_label(), self.default_text))
        basics.body.addLayout(grid)
        column.addWidget(basics)

        periods = Section(
            self.tr("自定义时间段"),
            self.tr("例如夜间人工下班后，用另一段欢迎语告诉客户。时间按 时:分 填写，结束早于开始表示跨过午夜。"),
        )
        self.period_model: RecordTableModel[PeriodRow] = RecordTableModel(
            [
                Column(self.tr("开始"), lambda r: r.start, edit=lambda r, v: replace(r, start=v.strip())),
                Column(self.tr("结束"), lambda r: r.end, edit=lambda r, v: replace(r, end=v.strip())),
                Column(self.tr("欢迎语"), lambda r: r.text, edit=lambda r, v: replace(r, text=v)),
            ],
            parent=self,
        )
        self.period_view = QTableView()
        self.period_view.setModel(self.period_model)
        self.period_view.verticalHeader().hide()
        header = self.period_view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(0, 70)
        header.resizeSection(1, 70)
        self.period_view.setFixedHeight(118)
        self.period_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.add_period = QPushButton(self.tr("添加时间段"))
        self.add_period.clicked.connect(self._on_add_period)
        self.remove_period = QPushButton(self.tr("删除"))
        self.remove_period.clicked.connect(
            lambda: self._remove_current(self.period_view, self.period_model)  # type: ignore[arg-type]
        )
        periods.body.addWidget(self.period_view)
        periods.body.addWidget(self.errors.add("periods", error_label(), self.period_view))
        periods.body.addLayout(hbox(self.add_period, self.remove_period, 1))
        column.addWidget(periods)

        card = Section(self.tr("欢迎语卡片问题"))
        self.mode_smart = QRadioButton(self.tr("智能预测+人工配置"))
        self.mode_manual = QRadioButton(self.tr("全部由人工配置"))
        self.mode_group = QButtonGroup(self)
        self.mode_group.addButton(self.mode_smart)
        self.mode_group.addButton(self.mode_manual)
        card.body.addLayout(hbox(self.mode_smart, self.mode_manual, 1, spacing=18))
        card.body.addWidget(
            muted(
                self.tr(
                    "智能预测：在您添加的问题之后，按热度自动补充 {n} 个本店买家最常问的问题。最多 {max} 个问题。"
                ).format(n=SMART_PREDICTED, max=MAX_CARD_QUESTIONS)
            )
        )
        self.card_model: RecordTableModel[CardQuestion] = RecordTableModel(
            [
                Column(
                    self.tr("问题"),
                    lambda q: q.question,
                    tooltip=lambda q: q.answer or self._kb_answers.get(q.entry_id or 0, ""),
                )
            ],
            key=lambda q: q.question,
            parent=self,
        )
        self.card_view = QListView()
        self.card_view.setObjectName("cardList")
        self.card_view.setModel(self.card_model)
        self.card_view.setFixedHeight(150)
        self.card_view.selectionModel().currentChanged.connect(lambda *_: self._show_card_answer())
        self.add_question = QPushButton(self.tr("+ 新增卡片问题"))
        self.add_question.setObjectName("primary")
        self.add_question.clicked.connect(self.open_picker)
        self.custom_question = QLineEdit()
        self.custom_question.setPlaceholderText(self.tr("或输入一个自定义问题，回车添加"))
        self.custom_question.returnPressed.connect(self._on_add_custom)
        self.remove_question = QPushButton(self.tr("删除"))
        self.remove_question.clicked.connect(lambda: self._remove_current(self.card_view, self.card_model))  # type: ignore[arg-type]
        self.up_question = QPushButton(self.tr("上移"))
        self.up_question.clicked.connect(lambda: self._move_current(-1))
        self.down_question = QPushButton(self.tr("下移"))
        self.down_question.clicked.connect(lambda: self._move_current(1))
        card.body.addLayout(hbox(self.add_question, (self.custom_question, 1)))
        card.body.addWidget(self.card_view)
        card.body.addWidget(self.errors.add("card_questions", error_label(), self.card_view))
        card.body.addLayout(hbox(self.up_question, self.down_question, self.remove_question, 1))
        self.card_answer = QPlainTextEdit()
        self.card_answer.setFixedHeight(60)
        self.card_answer.setEnabled(False)
        self.card_answer.setPlaceholderText(self.tr("选中一个问题，可修改它在卡片里的答案（留空则用知识库的答案）"))
        self.card_answer.textChanged.connect(self._on_card_answer_edited)
        card.body.addWidget(self.card_answer)
        column.addWidget(card)

        buttons = Section(
            self.tr("快捷按钮"), self.tr("显示在卡片下方，客户点一下就发出对应的话；「转人工」建议放在最后。")
        )
        self.button_model: RecordTableModel[QuickButton] = RecordTableModel(
            [
                Column(self.tr("按钮名称"), lambda b: b.label, edit=lambda b, v: replace(b, label=v)),
                Column(self.tr("点击后发送"), lambda b: b.message, edit=lambda b, v: replace(b, message=v)),
            ],
            parent=self,
        )
        self.button_view = QTableView()
        self.button_view.setModel(self.button_model)
        self.button_view.verticalHeader().hide()
        self.button_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.button_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.button_view.setFixedHeight(150)
        self.add_button = QPushButton(self.tr("添加按钮"))
        self.add_button.clicked.connect(self._on_add_button)
        self.remove_button = QPushButton(self.tr("删除"))
        self.remove_button.clicked.connect(
            lambda: self._remove_current(self.button_view, self.button_model)  # type: ignore[arg-type]
        )
        buttons.body.addWidget(self.button_view)
        buttons.body.addWidget(self.errors.add("quick_buttons", error_label(), self.button_view))
        buttons.body.addLayout(hbox(self.add_button, self.remove_button, 1))
        column.addWidget(buttons)

        self.status = status_line()
        self.save_button = primary_button(self.tr("保存欢迎语设置"))
        self.save_button.clicked.connect(self.save)
        column.addLayout(hbox(self.status, 1, self.save_button))
        column.addStretch(1)

        self.preview = WelcomePreview()
        preview_box = QVBoxLayout()
        preview_box.setContentsMargins(0, 16, 16, 16)
        preview_box.setSpacing(8)
        title = QLabel(self.tr("买家看到的效果"))
        title.setObjectName("pageTitle")
        preview_box.addWidget(title)
        preview_box.addWidget(self.preview, 1)
        preview_box.addWidget(muted(self.tr("预览随编辑即时更新；保存后对新进店的客户生效。")))

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(scroll_page(content), 1)
        layout.addLayout(preview_box)

        for signal in (
            self.nickname.textChanged,
            self.default_text.textChanged,
            self.mode_smart.toggled,
            self.period_model.dataChanged,
            self.period_model.rowsInserted,
            self.period_model.rowsRemoved,
            self.card_model.dataChanged,
            self.card_model.rowsInserted,
            self.card_model.rowsRemoved,
            self.card_model.rowsMoved,
            self.card_model.modelReset,
            self.button_model.dataChanged,
            self.button_model.rowsInserted,
            self.button_model.rowsRemoved,
        ):
            signal.connect(self._schedule_preview)

    # -- loading ---------------------------------------------------------------------------------

    def load(self, entries: list[KbEntry]) -> None:
        """Read the saved configuration and the hot questions (in the background)."""
        self._entries = entries
        self._kb_answers = {e.id: e.answer for e in entries}
        service = self._service

        def job() -> tuple[WelcomeConfig, list[CardQuestion]]:
            return service.settings().welcome, service.hot_questions()

        self._tasks.read(job, while_alive(self, self._on_loaded))

    def _on_loaded(self, result: tuple[WelcomeConfig, list[CardQuestion]]) -> None:
        welcome, hot = result
        self._hot = hot
        self.set_config(welcome)
        self.update_preview()
        self.loaded.emit()

    def set_config(self, cfg: WelcomeConfig) -> None:
        self._loading = True
        self.nickname.setText(cfg.nickname)
        self.default_text.setPlainText(cfg.default_text)
        self.period_model.set_records(
            [PeriodRow(format_hhmm(p.start), format_hhmm(p.end), p.text) for p in cfg.periods]
        )
        (self.mode_smart if cfg.card_mode is CardMode.SMART else self.mode_manual).setChecked(True)
        self.card_model.set_records(cfg.card_questions)
        self.button_model.set_records(cfg.quick_buttons)
        self.errors.clear()
        self.status.clear()
        self._loading = False

    # -- the form --------------------------------------------------------------------------------

    def form(self) -> tuple[WelcomeConfig, list[DomainError]]:
        """The configuration the form describes, and the problems with it (times included)."""
        problems: list[DomainError] = []
        periods: list[WelcomePeriod] = []
        for i, row in enumerate(self.period_model.records()):
            try:
                start = parse_hhmm(row.start, f"periods.{i}.start")
                end = parse_hhmm(row.end, f"periods.{i}.end")
            except DomainError as exc:
                problems.append(exc)
                continue
            periods.append(WelcomePeriod(start, end, row.text))
        cfg = WelcomeConfig(
            nickname=self.nickname.text().strip(),
            default_text=self.default_text.toPlainText().strip(),
            periods=tuple(periods),
            card_mode=CardMode.SMART if self.mode_smart.isChecked() else CardMode.MANUAL,
            card_questions=tuple(self.card_model.records()),
            quick_buttons=tuple(QuickButton(b.label.strip(), b.message.strip()) for b in self.button_model.records()),
        )
        return cfg, problems + welcome_problems(cfg)

    def save(self) -> None:
        cfg, problems = self.form()
        if problems:
            loose = self.errors.show(problems)
            show_status(self.status, " ".join([self.tr("请先改正标红的内容。"), *loose]), "error")
            return
        self.errors.clear()
        self.save_button.setEnabled(False)
        service = self._service
        self._tasks.write(
            lambda: service.save_welcome(cfg), while_alive(self, self._on_saved), while_alive(self, self._on_failed)
        )

    def _on_saved(self, _settings: object) -> None:
        self.save_button.setEnabled(True)
        show_status(self.status, self.tr("已保存，新进店的客户将看到新的欢迎语。"), "okLine")
        self.saved.emit()

    def _on_failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(exc, DomainError):
            loose = self.errors.show([exc])
            text = " ".join(loose) or self.tr("请先改正标红的内容。")
        else:
            text = bot_error_text(exc)
        show_status(self.status, text, "error")

    # -- preview ---------------------------------------------------------------------------------

    def _schedule_preview(self, *_args: object) -> None:
        if not self._loading:
            self._preview_timer.start()

    def update_preview(self) -> None:
        cfg, _ = self.form()
        card = welcome_card(cfg, self._now_time(), self._hot)
        self.preview.show_card(card, self._shop_name)
        self.preview_updated.emit()

    def _now_time(self) -> time:
        return self._service.clock().time()

    # -- card questions and rows -----------------------------------------------------------------

    def open_picker(self) -> KbPickerDialog:
        taken = {q.entry_id for q in self.card_model.records() if q.entry_id is not None}
        dialog = KbPickerDialog(self._entries, taken, self)
        dialog.finished.connect(lambda code: self._on_picked(dialog, code))
        dialog.open()
        return dialog

    def _on_picked(self, dialog: KbPickerDialog, code: int) -> None:
        if code == QDialog.DialogCode.Accepted:
            have = {q.question for q in self.card_model.records()}
            for entry in dialog.chosen():
                if entry.question not in have:
                    self.card_model.append(CardQuestion(entry.question, entry.id))
        dialog.deleteLater()

    def add_card_question(self, question: str, entry_id: int | None = None) -> None:
        if question.strip() and question.strip() not in {q.question for q in self.card_model.records()}:
            self.card_model.append(CardQuestion(question.strip(), entry_id))

    def _on_add_custom(self) -> None:
        text = self.custom_question.text().strip()
        if text:
            match = next((e for e in self._entries if e.question == text), None)
            self.add_card_question(text, match.id if match else None)
            self.custom_question.clear()

    def _show_card_answer(self) -> None:
        index = self.card_view.currentIndex()
        question = self.card_model.record(index.row()) if index.isValid() else None
        self._loading = True
        self.card_answer.setEnabled(question is not None)
        self.card_answer.setPlainText(question.answer if question else "")
        kb_answer = self._kb_answers.get(question.entry_id or 0, "") if question else ""
        self.card_answer.setPlaceholderText(
            kb_answer or self.tr("选中一个问题，可修改它在卡片里的答案（留空则用知识库的答案）")
        )
        self._loading = False

    def _on_card_answer_edited(self) -> None:
        if self._loading:
            return
        index = self.card_view.currentIndex()
        question = self.card_model.record(index.row()) if index.isValid() else None
        if question is not None:
            self.card_model.replace_row(index.row(), replace(question, answer=self.card_answer.toPlainText().strip()))

    def _move_current(self, delta: int) -> None:
        index = self.card_view.currentIndex()
        if index.isValid():
            row = self.card_model.move_row(index.row(), delta)
            self.card_view.setCurrentIndex(self.card_model.index(row, 0))

    def _on_add_period(self) -> None:
        row = self.period_model.append(PeriodRow("22:00", "08:00", ""))
        self.period_view.setCurrentIndex(self.period_model.index(row, 2))
        self.period_view.edit(self.period_model.index(row, 2))

    def _on_add_button(self) -> None:
        row = self.button_model.append(QuickButton(""))
        self.button_view.setCurrentIndex(self.button_model.index(row, 0))
        self.button_view.edit(self.button_model.index(row, 0))

    @staticmethod
    def _remove_current(view: QAbstractItemView, model: RecordTableModel[object]) -> None:
        index = view.currentIndex()
        if index.isValid():
            model.remove_row(index.row())
