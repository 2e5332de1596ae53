"""转人工: when the bot hands a customer to a human, and what it tells the customer."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from workbench.domain.bot import (
    EMOTION_LEVELS,
    MAX_MISSES,
    MAX_REPEATS,
    TransferRules,
    clean_keywords,
    keyword_in,
    transfer_problems,
)
from workbench.domain.emotion import default_detector
from workbench.domain.errors import DomainError
from workbench.services.bot import BotService
from workbench.ui.bot.common import (
    FieldErrors,
    FormGrid,
    Section,
    error_label,
    fill_tab,
    hbox,
    muted,
    page_column,
    primary_button,
    show_status,
    status_line,
)
from workbench.ui.bot.labels import bot_error_text
from workbench.ui.tasks import Tasks
from workbench.ui.widgets.guard import while_alive


class TransferTab(QWidget):
    loaded = Signal()
    """The saved rules are on screen."""

    saved = Signal()
    """The transfer rules were saved."""

    def __init__(self, tasks: Tasks, service: BotService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._service = service
        self.errors = FieldErrors(bot_error_text)
        content, column = page_column()

        rules = Section(
            self.tr("转人工规则"),
            self.tr(
                "机器人无法回答、买家要求人工或情绪激动时，转给人工客服；会话进入客服的「待接待」，并注明转接原因。"
            ),
        )
        grid = FormGrid()
        self.keywords = QLineEdit()
        self.keywords.setPlaceholderText(self.tr("用逗号或空格分隔，例如：人工 投诉 差评"))
        grid.add_row(self.tr("转人工关键词"), self.keywords, self.errors.add("keywords", error_label(), self.keywords))
        self.max_misses = QSpinBox()
        self.max_misses.setRange(0, MAX_MISSES)
        self.max_misses.setSuffix(self.tr(" 条"))
        grid.add_row(
            self.tr("连续未识别"),
            hbox(self.max_misses, (muted(self.tr("机器人连续这么多条答不上来就转人工（0 表示不启用）")), 1)),
            self.errors.add("max_misses", error_label(), self.max_misses),
        )
        self.repeat_limit = QSpinBox()
        self.repeat_limit.setRange(0, MAX_REPEATS)
        self.repeat_limit.setSuffix(self.tr(" 次"))
        self.repeat_limit.setSpecialValueText(self.tr("不启用"))
        grid.add_row(
            self.tr("重复提问"),
            hbox(self.repeat_limit, (muted(self.tr("买家把同一个问题问了这么多次（说明答案没解决），转人工")), 1)),
            self.errors.add("repeat_limit", error_label(), self.repeat_limit),
        )
        self.emotion = QCheckBox(self.tr("检测到负面情绪时转人工"))
        self.sensitivity = QComboBox()
        for code, threshold in EMOTION_LEVELS:
            text = {"high": self.tr("灵敏度：高"), "medium": self.tr("灵敏度：中"), "low": self.tr("灵敏度：低")}[code]
            self.sensitivity.addItem(text, threshold)
        self.emotion.toggled.connect(self.sensitivity.setEnabled)
        grid.add_row(self.tr("负面情绪"), hbox(self.emotion, self.sensitivity, 1))
        self.needs_human = QCheckBox(self.tr("知识库中标记为「需要人工」的问题（如修改尺码）直接转人工"))
        grid.add_row(self.tr("需人工问题"), self.needs_human)
        rules.body.addLayout(grid)
        column.addWidget(rules)

        prompts = Section(self.tr("转接提示语"))
        grid = FormGrid()
        self.success_prompt = QPlainTextEdit()
        self.success_prompt.setFixedHeight(56)
        grid.add_row(
            self.tr("转接成功"),
            self.success_prompt,
            self.errors.add("success_prompt", error_label(), self.success_prompt),
        )
        self.failure_prompt = QPlainTextEdit()
        self.failure_prompt.setFixedHeight(56)
        grid.add_row(
            self.tr("无客服在线"),
            self.failure_prompt,
            self.errors.add("failure_prompt", error_label(), self.failure_prompt),
        )
        prompts.body.addLayout(grid)
        prompts.body.addWidget(muted(self.tr("没有客服在线时，会话仍进入「待接待」作为留言，客服上线后可以看到。")))
        column.addWidget(prompts)

        trial = Section(
            self.tr("试一试"),
            self.tr("输入一句买家的话，看看关键词和情绪规则会不会转人工（按当前表单，未保存也可试）。"),
        )
        self.trial_input = QLineEdit()
        self.trial_input.setPlaceholderText(self.tr("例如：你们这什么破服务，气死我了"))
        self.trial_input.textChanged.connect(self._update_trial)
        self.trial_result = QLabel()
        self.trial_result.setObjectName("statusLine")
        self.trial_result.setWordWrap(True)
        trial.body.addWidget(self.trial_input)
        trial.body.addWidget(self.trial_result)
        column.addWidget(trial)

        self.status = status_line()
        self.save_button = primary_button(self.tr("保存转人工设置"))
        self.save_button.clicked.connect(self.save)
        column.addLayout(hbox(self.status, 1, self.save_button))
        column.addStretch(1)
        fill_tab(self, content)

    # -- loading and saving ----------------------------------------------------------------------

    def load(self) -> None:
        service = self._service
        self._tasks.read(lambda: service.settings().transfer, while_alive(self, self._on_loaded))

    def _on_loaded(self, rules: TransferRules) -> None:
        self.set_rules(rules)
        self.loaded.emit()

    def set_rules(self, rules: TransferRules) -> None:
        self.keywords.setText(" ".join(rules.keywords))
        self.max_misses.setValue(rules.max_misses)
        self.repeat_limit.setValue(rules.repeat_limit)
        self.emotion.setChecked(rules.on_negative_emotion)
        self.sensitivity.setEnabled(rules.on_negative_emotion)
        nearest = min(
            range(self.sensitivity.count()), key=lambda i: abs(self.sensitivity.itemData(i) - rules.emotion_threshold)
        )
        self.sensitivity.setCurrentIndex(nearest)
        self.needs_human.setChecked(rules.honour_needs_human)
        self.success_prompt.setPlainText(rules.success_prompt)
        self.failure_prompt.setPlainText(rules.failure_prompt)
        self.errors.clear()
        self.status.clear()

    def form(self) -> TransferRules:
        return TransferRules(
            keywords=clean_keywords(self.keywords.text()),
            max_misses=self.max_misses.value(),
            repeat_limit=self.repeat_limit.value(),
            on_negative_emotion=self.emotion.isChecked(),
            emotion_threshold=float(self.sensitivity.currentData()),
            honour_needs_human=self.needs_human.isChecked(),
            success_prompt=self.success_prompt.toPlainText().strip(),
            failure_prompt=self.failure_prompt.toPlainText().strip(),
        )

    def save(self) -> None:
        rules = self.form()
        problems = transfer_problems(rules)
        if problems:
            self._show_problems(problems)
            return
        self.errors.clear()
        self.save_button.setEnabled(False)
        service = self._service
        self._tasks.write(
            lambda: service.save_transfer(rules), while_alive(self, self._on_saved), while_alive(self, self._on_failed)
        )

    def _show_problems(self, problems: list[DomainError]) -> None:
        loose = self.errors.show(problems)
        show_status(self.status, " ".join([self.tr("请先改正标红的内容。"), *loose]), "error")

    def _on_saved(self, _settings: object) -> None:
        self.save_button.setEnabled(True)
        show_status(self.status, self.tr("已保存，对之后的买家消息生效。"), "okLine")
        self.saved.emit()

    def _on_failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(exc, DomainError):
            self._show_problems([exc])
        else:
            show_status(self.status, bot_error_text(exc), "error")

    # -- trial -----------------------------------------------------------------------------------

    def _update_trial(self, text: str) -> None:
        if not text.strip():
            self.trial_result.clear()
            return
        rules = self.form()
        word = keyword_in(text, rules.keywords)
        if word:
            self.trial_result.setText(self.tr("会转人工：含关键词「{word}」。").format(word=word))
            return
        found = default_detector().score(text)
        if rules.on_negative_emotion and found.score >= rules.emotion_threshold:
            self.trial_result.setText(
                self.tr("会转人工：负面情绪 {score:.0%}（{words}），达到当前灵敏度。").format(
                    score=found.score, words="、".join(found.words)
                )
            )
        elif found.words:
            self.trial_result.setText(
                self.tr("不会因关键词或情绪转人工：情绪 {score:.0%}（{words}），未达到当前灵敏度。").format(
                    score=found.score, words="、".join(found.words)
                )
            )
        else:
            self.trial_result.setText(self.tr("不会因关键词或情绪转人工；机器人会先按知识库回答。"))
