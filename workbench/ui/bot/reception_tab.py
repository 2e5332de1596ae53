"""接待模式: off, smart assist, or full-auto (人工优先 / 机器人优先 / 人机混合), the bot's fallback and
"你可能想问" texts, and what the bot has done so far."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QWidget,
)

from workbench.domain.bot import AutoStrategy, ReceptionConfig, ReceptionMode, reception_problems
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
from workbench.ui.bot.labels import bot_error_text, mode_label, strategy_label
from workbench.ui.tasks import Tasks
from workbench.ui.widgets.guard import while_alive

Choice = TypeVar("Choice")


def radio_choices(
    section: Section, group: QButtonGroup, choices: list[tuple[Choice, str, str]]
) -> dict[Choice, QRadioButton]:
    """One radio button a (value, label, hint) choice, the hint indented under its button."""
    buttons: dict[Choice, QRadioButton] = {}
    for value, label, hint_text in choices:
        button = QRadioButton(label)
        group.addButton(button)
        buttons[value] = button
        section.body.addWidget(button)
        hint = muted(hint_text)
        hint.setContentsMargins(24, 0, 0, 4)
        section.body.addWidget(hint)
    return buttons


class ReceptionTab(QWidget):
    loaded = Signal()
    """The saved mode and the bot's numbers are on screen."""

    saved = Signal()
    """The reception mode was saved."""

    def __init__(self, tasks: Tasks, service: BotService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._service = service
        self.errors = FieldErrors(bot_error_text)
        content, column = page_column()

        summary = Section(self.tr("当前状态"))
        self.summary = QLabel()
        self.summary.setObjectName("pageTitle")
        summary.body.addWidget(self.summary)
        stats = QGridLayout()
        stats.setHorizontalSpacing(28)
        self.stat_taken = QLabel("0")
        self.stat_serving = QLabel("0")
        self.stat_handed = QLabel("0")
        for col, (label, value) in enumerate(
            (
                (self.tr("机器人接待"), self.stat_taken),
                (self.tr("正在接待"), self.stat_serving),
                (self.tr("已转人工"), self.stat_handed),
            )
        ):
            value.setObjectName("statValue")
            stats.addWidget(value, 0, col)
            stats.addWidget(muted(label, wrap=False), 1, col)
        stats.setColumnStretch(3, 1)
        summary.body.addLayout(stats)
        self.refresh_button = QPushButton(self.tr("刷新"))
        self.refresh_button.clicked.connect(self.load)
        summary.header.addWidget(self.refresh_button)
        column.addWidget(summary)

        modes = Section(self.tr("接待模式"))
        self.mode_group = QButtonGroup(self)
        hints = {
            ReceptionMode.OFF: self.tr("机器人不参与接待，也不给客服推荐答案。"),
            ReceptionMode.ASSIST: self.tr("客服接待买家，机器人在右侧「智能辅助」里推荐答案，客服一键发送。"),
            ReceptionMode.AUTO: self.tr("机器人直接回复买家，答不了或买家要求时转人工。"),
        }
        self.mode_buttons = radio_choices(modes, self.mode_group, [(m, mode_label(m), hints[m]) for m in ReceptionMode])
        column.addWidget(modes)

        self.auto_section = Section(self.tr("全自动接待方式"))
        self.strategy_group = QButtonGroup(self)
        strategy_hints = {
            AutoStrategy.HUMAN_FIRST: self.tr(
                "客服在线时由客服接待；所有客服挂起或离线时，机器人自动接待（适合只在夜间使用）。"
            ),
            AutoStrategy.BOT_FIRST: self.tr("机器人先接待每位买家，按转人工规则转给客服（适合咨询量大的店铺）。"),
            AutoStrategy.MIXED: self.tr("按比例把一部分新进店的买家分给机器人，其余由客服接待。"),
        }
        self.strategy_buttons = radio_choices(
            self.auto_section,
            self.strategy_group,
            [(s, strategy_label(s), strategy_hints[s]) for s in AutoStrategy],
        )
        self.share = QSpinBox()
        self.share.setRange(0, 100)
        self.share.setSuffix(" %")
        self.auto_section.body.addLayout(hbox(muted(self.tr("机器人接待比例"), wrap=False), self.share, 1))
        self.auto_section.body.addWidget(self.errors.add("bot_share", error_label(), self.share))
        column.addWidget(self.auto_section)

        texts = Section(self.tr("机器人的回复"))
        grid = FormGrid()
        self.fallback = QPlainTextEdit()
        self.fallback.setFixedHeight(56)
        grid.add_row(
            self.tr("答不上来时"), self.fallback, self.errors.add("fallback_text", error_label(), self.fallback)
        )
        self.clarify = QPlainTextEdit()
        self.clarify.setFixedHeight(44)
        grid.add_row(
            self.tr("「你可能想问」"), self.clarify, self.errors.add("clarify_text", error_label(), self.clarify)
        )
        texts.body.addLayout(grid)
        texts.body.addWidget(muted(self.tr("问题不够明确时，机器人列出几个相近的问题，买家回复序号即可得到答案。")))
        column.addWidget(texts)

        self.status = status_line()
        self.save_button = primary_button(self.tr("保存接待模式"))
        self.save_button.clicked.connect(self.save)
        column.addLayout(hbox(self.status, 1, self.save_button))
        column.addStretch(1)
        fill_tab(self, content)
        self.mode_group.buttonToggled.connect(lambda *_: self._sync_enabled())
        self.strategy_group.buttonToggled.connect(lambda *_: self._sync_enabled())

    # -- loading and saving ----------------------------------------------------------------------

    def load(self) -> None:
        service = self._service

        def job() -> tuple[ReceptionConfig, dict[str, int]]:
            return service.settings().reception, service.stats()

        self._tasks.read(job, while_alive(self, self._on_loaded))

    def _on_loaded(self, result: tuple[ReceptionConfig, dict[str, int]]) -> None:
        cfg, stats = result
        self.set_config(cfg)
        self.show_stats(stats)
        self.loaded.emit()

    def set_config(self, cfg: ReceptionConfig) -> None:
        self.mode_buttons[cfg.mode].setChecked(True)
        self.strategy_buttons[cfg.strategy].setChecked(True)
        self.share.setValue(cfg.bot_share)
        self.fallback.setPlainText(cfg.fallback_text)
        self.clarify.setPlainText(cfg.clarify_text)
        self.errors.clear()
        self._show_summary(cfg)
        self._sync_enabled()

    def show_stats(self, stats: dict[str, int]) -> None:
        self.stat_taken.setText(str(stats.get("taken", 0)))
        self.stat_serving.setText(str(stats.get("serving", 0)))
        self.stat_handed.setText(str(stats.get("handed_off", 0)))

    def _show_summary(self, cfg: ReceptionConfig) -> None:
        if cfg.mode is ReceptionMode.AUTO:
            text = self.tr("全自动：开启中 · {strategy}").format(strategy=strategy_label(cfg.strategy))
            if cfg.strategy is AutoStrategy.MIXED:
                text += self.tr("（机器人 {share}%）").format(share=cfg.bot_share)
        else:
            text = self.tr("全自动：未开启 · 当前模式：{mode}").format(mode=mode_label(cfg.mode))
        self.summary.setText(text)

    def form(self) -> ReceptionConfig:
        mode = (
            next(m for m, b in self.mode_buttons.items() if b.isChecked())
            if self.mode_group.checkedButton()
            else ReceptionMode.ASSIST
        )
        strategy = (
            next(s for s, b in self.strategy_buttons.items() if b.isChecked())
            if self.strategy_group.checkedButton()
            else AutoStrategy.BOT_FIRST
        )
        return ReceptionConfig(
            mode=mode,
            strategy=strategy,
            bot_share=self.share.value(),
            fallback_text=self.fallback.toPlainText().strip(),
            clarify_text=self.clarify.toPlainText().strip(),
        )

    def save(self) -> None:
        cfg = self.form()
        problems = reception_problems(cfg)
        if problems:
            self._show_problems(problems)
            return
        self.errors.clear()
        self.save_button.setEnabled(False)
        service = self._service
        self._tasks.write(
            lambda: service.save_reception(cfg), while_alive(self, self._on_saved), while_alive(self, self._on_failed)
        )

    def _show_problems(self, problems: list[DomainError]) -> None:
        loose = self.errors.show(problems)
        show_status(self.status, " ".join([self.tr("请先改正标红的内容。"), *loose]), "error")

    def _on_saved(self, settings: object) -> None:
        self.save_button.setEnabled(True)
        self._show_summary(self.form())
        show_status(self.status, self.tr("已保存，对新进店的买家生效。"), "okLine")
        self.saved.emit()

    def _on_failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(exc, DomainError):
            self._show_problems([exc])
        else:
            show_status(self.status, bot_error_text(exc), "error")

    def _sync_enabled(self) -> None:
        auto = self.mode_buttons[ReceptionMode.AUTO].isChecked()
        for button in self.strategy_buttons.values():
            button.setEnabled(auto)
        self.share.setEnabled(auto and self.strategy_buttons[AutoStrategy.MIXED].isChecked())
