"""问答测试: ask anything and see what the bot answers, which entry and phrasing matched, the score,
the 你可能想问 options and why; 修改答案内容 in place; batch tests from a file of questions.

The reply shown is the live reception bot's (its transfer rules included: keyword, emotion, repeated
question, misses), for the test messages taken as one chat until 新对话; "为什么不是它？" explains
why a chosen entry is not the answer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.bot import BotAction, BotChatState, fill_bot_name
from workbench.domain.kb import Suggestion
from workbench.domain.kb_admin import KnowledgeEntry
from workbench.kb.matcher import EntryCheck, MatchConfig, Matcher, MatchOutcome, OutcomeKind
from workbench.services.kb_admin import (
    BatchReport,
    KbChange,
    LiveReply,
    QaCase,
    batch_test,
    find_entry,
    live_reply,
    why_not,
)
from workbench.services.kb_io import read_questions
from workbench.ui.kb_admin.common import OpenFile, ask_open_file, panel, row_table, style_tab
from workbench.ui.kb_admin.models import MissModel, OptionModel
from workbench.ui.kb_admin.session import KbSession
from workbench.ui.kb_admin.texts import category_label, failure_text, handoff_text, outcome_label, reason_text


@dataclass(frozen=True, slots=True)
class QaAnswer:
    """One test question's result, as the window shows it."""

    question: str
    outcome: MatchOutcome
    candidates: tuple[Suggestion, ...]
    entry: KnowledgeEntry | None  # the best entry as stored (needs_human, origin)
    live: LiveReply | None = None  # what the live reception bot does with it (None: no bot settings)


class QaTab(QWidget):
    tested = Signal(str)
    """The answer to this question is on screen."""
    answer_edited = Signal(int)
    """修改答案内容 was saved for this entry (and the test re-run)."""
    batch_finished = Signal(object)
    """A batch test ended; carries its BatchReport."""
    checked = Signal(object)
    """"为什么不是它？" is answered; carries the EntryCheck (None: no such entry)."""

    def __init__(self, session: KbSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        style_tab(self, "qaTab", "kb_qa")
        self.session = session
        self.choose_open_file: OpenFile = lambda title, file_filter: ask_open_file(self, title, file_filter)
        self.result: QaAnswer | None = None
        self.batch: BatchReport | None = None
        self.chat_state = BotChatState()  # the test messages so far, as the live bot counts them
        self.check: EntryCheck | None = None
        self._build()
        self._show(None)

    # -- layout ------------------------------------------------------------------------------

    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(12, 12, 12, 12)
        root.setSpacing(10)

        ask = QFrame(self)
        ask.setObjectName("panel")
        al = QHBoxLayout(ask)
        al.setContentsMargins(12, 10, 12, 10)
        self.input = QLineEdit(ask)
        self.input.setPlaceholderText(self.tr("输入任意问题或关键词，看看机器人怎么回答，例如：今天下单能发吗"))
        self.input.returnPressed.connect(self.run)
        al.addWidget(self.input, 1)
        self.run_button = QPushButton(self.tr("测试"), ask)
        self.run_button.setObjectName("primary")
        self.run_button.clicked.connect(self.run)
        al.addWidget(self.run_button)
        self.new_chat_button = QPushButton(self.tr("新对话"), ask)
        self.new_chat_button.setToolTip(self.tr("重新开始测试对话：重复提问和连续未识别从头计算"))
        self.new_chat_button.clicked.connect(self.new_chat)
        al.addWidget(self.new_chat_button)
        root.addWidget(ask)

        split = QSplitter(Qt.Orientation.Vertical, self)
        split.setChildrenCollapsible(False)
        root.addWidget(split, 1)
        top = QWidget(split)
        tl = QHBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.setSpacing(10)

        # The bot's reply, as the customer sees it.
        reply, rl = panel(top, 14, 12, 14, 12)
        rl.setSpacing(8)
        head = QHBoxLayout()
        title = QLabel(self.tr("机器人回复"), reply)
        title.setObjectName("sectionTitle")
        head.addWidget(title, 1)
        self.outcome = QLabel(reply)
        self.outcome.setObjectName("outcome")
        head.addWidget(self.outcome)
        rl.addLayout(head)
        self.asked = QLabel(reply)
        self.asked.setObjectName("askBubble")
        self.asked.setWordWrap(True)
        self.asked.setAlignment(Qt.AlignmentFlag.AlignRight)
        # right-aligned by a stretch beside it, not by the layout's alignment flag: with the flag the
        # row's height was taken for the panel's whole width, and a long question lost its last lines
        asked_row = QHBoxLayout()
        asked_row.addStretch(1)
        asked_row.addWidget(self.asked)
        rl.addLayout(asked_row)
        self.bubble = QLabel(reply)
        self.bubble.setObjectName("botBubble")
        self.bubble.setWordWrap(True)
        self.bubble.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        rl.addWidget(self.bubble)
        self.human_note = QLabel(reply)
        self.human_note.setObjectName("humanNote")
        self.human_note.setWordWrap(True)
        rl.addWidget(self.human_note)
        self.chat_note = QLabel(reply)
        self.chat_note.setObjectName("muted")
        self.chat_note.setWordWrap(True)
        rl.addWidget(self.chat_note)
        self.edit_button = QPushButton(self.tr("修改答案内容"), reply)
        self.edit_button.clicked.connect(self.start_edit)
        rl.addWidget(self.edit_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.edit_box = QWidget(reply)
        el = QVBoxLayout(self.edit_box)
        el.setContentsMargins(0, 0, 0, 0)
        self.edit_for = QLabel(self.edit_box)
        self.edit_for.setObjectName("muted")
        self.edit_for.setWordWrap(True)
        el.addWidget(self.edit_for)
        self.answer_edit = QPlainTextEdit(self.edit_box)
        self.answer_edit.setFixedHeight(84)
        el.addWidget(self.answer_edit)
        self.edit_error = QLabel(self.edit_box)
        self.edit_error.setObjectName("statusError")
        self.edit_error.setWordWrap(True)
        self.edit_error.hide()
        el.addWidget(self.edit_error)
        eb = QHBoxLayout()
        eb.addStretch(1)
        cancel = QPushButton(self.tr("取消"), self.edit_box)
        cancel.clicked.connect(self.cancel_edit)
        self.save_answer_button = QPushButton(self.tr("保存并重新测试"), self.edit_box)
        self.save_answer_button.setObjectName("primary")
        self.save_answer_button.clicked.connect(self.save_answer)
        eb.addWidget(cancel)
        eb.addWidget(self.save_answer_button)
        el.addLayout(eb)
        self.edit_box.hide()
        rl.addWidget(self.edit_box)
        rl.addStretch(1)
        tl.addWidget(reply, 5)

        # Why: the matched entry, phrasing, score, words, reasons, and the other candidates.
        why, wl = panel(top, 14, 12, 14, 12)
        wl.setSpacing(6)
        wt = QLabel(self.tr("匹配详情"), why)
        wt.setObjectName("sectionTitle")
        wl.addWidget(wt)
        self.detail_rows: dict[str, QLabel] = {}
        for key, label in (
            ("entry", self.tr("命中知识")),
            ("phrasing", self.tr("命中问法")),
            ("score", self.tr("相似度")),
            ("words", self.tr("命中词")),
            ("reasons", self.tr("原因")),
        ):
            row = QHBoxLayout()
            name = QLabel(label, why)
            name.setObjectName("fieldName")
            name.setFixedWidth(72)
            name.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            value = QLabel(why)
            value.setObjectName("value")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            row.addWidget(name)
            row.addWidget(value, 1)
            if key == "score":
                self.score_bar = QProgressBar(why)
                self.score_bar.setRange(0, 100)
                self.score_bar.setTextVisible(False)
                self.score_bar.setFixedWidth(160)
                row.addWidget(self.score_bar)
            wl.addLayout(row)
            self.detail_rows[key] = value
        self.options_title = QLabel(self.tr("候选知识（你可能想问）"), why)
        self.options_title.setObjectName("sectionTitle")
        wl.addWidget(self.options_title)
        self.options = OptionModel(self)
        self.options_view = row_table(why, self.options, 28)
        oh = self.options_view.horizontalHeader()
        oh.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        oh.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        oh.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        oh.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        oh.resizeSection(0, 170)
        oh.resizeSection(2, 150)
        self.options_view.doubleClicked.connect(self._ask_option)
        self.options_view.clicked.connect(self._pick_option)
        wl.addWidget(self.options_view, 1)

        # Why not this entry?
        wn = QHBoxLayout()
        self.why_input = QLineEdit(why)
        self.why_input.setPlaceholderText(self.tr("知识编号或标准问题（可单击上方候选）"))
        self.why_input.returnPressed.connect(self.explain)
        wn.addWidget(self.why_input, 1)
        self.why_button = QPushButton(self.tr("为什么不是它？"), why)
        self.why_button.clicked.connect(self.explain)
        wn.addWidget(self.why_button)
        wl.addLayout(wn)
        self.why_result = QLabel(why)
        self.why_result.setObjectName("value")
        self.why_result.setWordWrap(True)
        self.why_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        wl.addWidget(self.why_result)
        tl.addWidget(why, 6)
        split.addWidget(top)

        # Batch test.
        batch, bl = panel(split, 14, 12, 14, 12)
        bl.setSpacing(6)
        bh = QHBoxLayout()
        bt = QLabel(self.tr("批量测试"), batch)
        bt.setObjectName("sectionTitle")
        bh.addWidget(bt)
        hint = QLabel(self.tr("txt 每行一个问题；csv / xlsx 有“问题”列，可加“期望知识”列（标准问题或编号）"), batch)
        hint.setObjectName("muted")
        bh.addWidget(hint, 1)
        self.batch_button = QPushButton(self.tr("选择问题文件…"), batch)
        self.batch_button.clicked.connect(self.choose_batch_file)
        bh.addWidget(self.batch_button)
        bl.addLayout(bh)
        self.batch_summary = QLabel(batch)
        self.batch_summary.setWordWrap(True)
        bl.addWidget(self.batch_summary)
        self.misses = MissModel(self)
        self.misses_view = row_table(batch, self.misses, 28)
        mh = self.misses_view.horizontalHeader()
        mh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        mh.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        for col, width in ((0, 48), (1, 240), (2, 170), (3, 170), (5, 70)):
            mh.resizeSection(col, width)
        self.misses_view.doubleClicked.connect(self._ask_miss)
        bl.addWidget(self.misses_view, 1)
        split.addWidget(batch)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([470, 300])

    # -- single question ---------------------------------------------------------------------

    def ask(self, question: str) -> None:
        self.input.setText(question)
        self.run()

    def run(self) -> None:
        question = self.input.text().strip()
        if not question:
            return
        admin = self.session.admin
        bot = self.session.workspace.bot
        state = self.chat_state
        self.run_button.setEnabled(False)

        def with_matcher(matcher: Matcher) -> None:
            def job() -> QaAnswer:
                outcome = matcher.answer(question)
                candidates = tuple(matcher.match(question, top=matcher.config.max_options))
                entry = admin.entry(outcome.best.entry_id) if outcome.best else None
                return QaAnswer(question, outcome, candidates, entry, live_reply(bot, matcher, state, question))

            self.session.read(job, self._answered, self._failed)

        self.session.with_matcher(with_matcher)

    def _answered(self, result: QaAnswer) -> None:
        self.run_button.setEnabled(True)
        if result.live is not None:
            self.chat_state = result.live.decision.state
        self._show(result)
        self.tested.emit(result.question)

    def _failed(self, exc: BaseException) -> None:
        self.run_button.setEnabled(True)
        self.bubble.setText(failure_text(exc))

    def _show(self, result: QaAnswer | None) -> None:
        self.result = result
        self.cancel_edit()
        if result is None:
            self.outcome.setText("")
            self.asked.hide()
            self.bubble.setText(self.tr("在上方输入问题，点“测试”看看机器人的回答。"))
            self.human_note.hide()
            self.chat_note.hide()
            self.edit_button.hide()
            for value in self.detail_rows.values():
                value.setText("—")
            self.score_bar.setValue(0)
            self.options.set_suggestions([])
            self.why_result.setText("")
            return
        outcome, best = result.outcome, result.outcome.best
        kind = outcome.kind
        self.outcome.setText(outcome_label(kind))
        self.outcome.setProperty("kind", kind.value)
        self.outcome.style().unpolish(self.outcome)
        self.outcome.style().polish(self.outcome)
        self.asked.setText(result.question)
        self.asked.show()
        if kind is OutcomeKind.DIRECT and best is not None:
            self.bubble.setText(best.answer)
        elif kind is OutcomeKind.CLARIFY:
            lines = [self.tr("亲，您是不是想问：")]
            lines += [f"{i}. {s.question}" for i, s in enumerate(outcome.options, start=1)]
            self.bubble.setText("\n".join(lines))
        else:
            self.bubble.setText(self.tr("（没有找到合适的知识：机器人会发送兜底回复，或按转人工规则转给人工客服）"))
        live = result.live
        if live is not None:
            decision = live.decision
            if decision.action is BotAction.HANDOFF and decision.reason is not None:
                self.outcome.setText(self.tr("转人工"))
                self.outcome.setProperty("kind", "handoff")
                self.outcome.style().unpolish(self.outcome)
                self.outcome.style().polish(self.outcome)
                self.bubble.setText(fill_bot_name(live.rules.success_prompt, live.nickname))
                self.human_note.setText(
                    self.tr("机器人不回答这条消息，转给人工客服。{why}").format(
                        why=handoff_text(decision.reason, decision.detail)
                    )
                )
                self.human_note.show()
            else:
                self.bubble.setText(decision.text)
                self.human_note.hide()
            self.chat_note.setText(
                self.tr(
                    "测试对话第 {n} 条消息：按店铺的转人工规则计算重复提问和连续未识别，点“新对话”重新开始。"
                ).format(n=decision.state.turns)
            )
            self.chat_note.show()
        else:
            self.human_note.hide()
            self.chat_note.hide()
        self.edit_button.setVisible(best is not None)
        shown = best or (result.candidates[0] if result.candidates else None)
        if shown is None:
            for value in self.detail_rows.values():
                value.setText("—")
            self.score_bar.setValue(0)
        else:
            self.detail_rows["entry"].setText(
                self.tr("{question}（{category}）").format(
                    question=shown.question, category=category_label(shown.category)
                )
            )
            self.detail_rows["phrasing"].setText(shown.matched_phrasing or "—")
            self.detail_rows["score"].setText(
                self.tr("{score}（直接回答需 ≥ {direct}，反问需 ≥ {clarify}）").format(
                    score=f"{shown.score:.0%}",
                    direct=f"{self._config_value('t_direct'):.0%}",
                    clarify=f"{self._config_value('t_clarify'):.0%}",
                )
            )
            self.score_bar.setValue(round(shown.score * 100))
            self.detail_rows["words"].setText("、".join(shown.matched_words) or "—")
            self.detail_rows["reasons"].setText("\n".join(reason_text(r) for r in shown.reasons) or "—")
        self.options.set_suggestions(result.candidates)

    def _config_value(self, name: str) -> float:
        matcher = self.session.current_matcher()
        config = matcher.config if matcher is not None else MatchConfig()
        return float(getattr(config, name))

    def new_chat(self) -> None:
        """Start the test chat again: the live bot's counts (repeats, misses) start from zero."""
        self.chat_state = BotChatState()
        self.chat_note.setText(self.tr("新的测试对话"))

    def _pick_option(self, index: object) -> None:
        row = getattr(index, "row", lambda: -1)()
        s = self.options.suggestion(row)
        if s is not None:
            self.why_input.setText(str(s.entry_id))

    def explain(self, entry: str | None = None) -> None:
        """为什么不是它: why the entry named in the field (its id or standard question) is not the answer
        to the question on screen."""
        result = self.result
        name = (entry if isinstance(entry, str) else self.why_input.text()).strip()
        if result is None or not name:
            self.why_result.setText(self.tr("先测试一个问题，再输入知识编号或标准问题。"))
            return
        admin = self.session.admin
        question = result.question

        def with_matcher(matcher: Matcher) -> None:
            def job() -> tuple[EntryCheck | None, str]:
                found = find_entry(name, admin.live_entries())
                if found is None:
                    return None, ""
                return why_not(matcher, question, found.id), found.question

            self.session.read(job, self._explained, self._failed)

        self.session.with_matcher(with_matcher)

    def _explained(self, found: tuple[EntryCheck | None, str]) -> None:
        check, question = found
        self.check = check
        if check is None or not check.known:
            self.why_result.setText(self.tr("知识库里没有这条知识（按编号或完整的标准问题查找）。"))
            self.checked.emit(check)
            return
        lines = [self.tr("「{question}」").format(question=question)]
        if not check.enabled:
            lines.append(self.tr("这条知识没有启用，机器人不会用它回答。"))
        if check.rank == 1:
            lines.append(self.tr("它就是排第一的知识（{score}）。").format(score=f"{check.score:.0%}"))
        elif check.rank is not None:
            lines.append(self.tr("排在第 {rank} 位（{score}）。").format(rank=check.rank, score=f"{check.score:.0%}"))
        else:
            lines.append(self.tr("不在候选里。"))
        if check.phrasing:
            lines.append(
                self.tr("最接近的问法：{phrasing}（{score}）").format(
                    phrasing=check.phrasing, score=f"{check.score:.0%}"
                )
            )
        if check.missing_core:
            lines.append(
                self.tr("缺少核心词：{words}（问法的划词必须都出现才会匹配）").format(
                    words="、".join(check.missing_core)
                )
            )
        if check.vetoed_by:
            lines.append(self.tr("被反向问法排除：{phrasing}").format(phrasing=check.vetoed_by))
        if check.winner is not None:
            lines.append(
                self.tr("胜出的知识：{question}（{score}）").format(
                    question=check.winner.question, score=f"{check.winner.score:.0%}"
                )
            )
        self.why_result.setText("\n".join(lines))
        self.checked.emit(check)

    def _ask_option(self, index: object) -> None:
        row = getattr(index, "row", lambda: -1)()
        s = self.options.suggestion(row)
        if s is not None:
            self.ask(s.question)

    def _ask_miss(self, index: object) -> None:
        row = getattr(index, "row", lambda: -1)()
        r = self.misses.result(row)
        if r is not None:
            self.ask(r.case.question)

    # -- 修改答案内容 ---------------------------------------------------------------------------

    def start_edit(self) -> None:
        result = self.result
        best = result.outcome.best if result else None
        if best is None:
            return
        self.edit_for.setText(self.tr("修改「{question}」的答案：").format(question=best.question))
        self.answer_edit.setPlainText(best.answer)
        self.edit_error.hide()
        self.edit_box.show()
        self.edit_button.hide()
        self.answer_edit.setFocus()

    def cancel_edit(self) -> None:
        self.edit_box.hide()
        self.edit_error.hide()
        if self.result is not None and self.result.outcome.best is not None:
            self.edit_button.show()

    def save_answer(self) -> None:
        result = self.result
        best = result.outcome.best if result else None
        if result is None or best is None:
            return
        text = self.answer_edit.toPlainText()
        entry_id = best.entry_id
        admin = self.session.admin
        self.save_answer_button.setEnabled(False)

        def done(_: KbChange) -> None:
            self.save_answer_button.setEnabled(True)
            self.edit_box.hide()
            self.answer_edited.emit(entry_id)
            self.ask(result.question)  # the change is already in the matcher: show it

        def failed(exc: BaseException) -> None:
            self.save_answer_button.setEnabled(True)
            self.edit_error.setText(failure_text(exc))
            self.edit_error.show()

        self.session.write(lambda: admin.edit_shown_answer(entry_id, text), lambda c: c, done, failed)

    # -- batch -------------------------------------------------------------------------------

    def choose_batch_file(self) -> None:
        path = self.choose_open_file(self.tr("选择问题文件"), self.tr("问题文件 (*.txt *.csv *.xlsx)"))
        if path:
            self.run_batch(Path(path))

    def run_batch(self, path: Path) -> None:
        admin = self.session.admin
        self.batch_button.setEnabled(False)
        self.batch_summary.setText(self.tr("正在测试 {name}…").format(name=path.name))

        def with_matcher(matcher: Matcher) -> None:
            def job() -> BatchReport:
                cases: list[QaCase] = read_questions(path)
                return batch_test(matcher, cases, admin.live_entries())

            self.session.read(job, self._batch_done, self._batch_failed)

        self.session.with_matcher(with_matcher)

    def _batch_done(self, report: BatchReport) -> None:
        self.batch_button.setEnabled(True)
        self.batch = report
        text = self.tr(
            "共 {total} 个问题：命中 {hits} 个，命中率 {rate}。直接回答 {direct} · 反问 {clarify} · 未回答 {fallback}"
        ).format(
            total=report.total,
            hits=report.hits,
            rate=f"{report.hit_rate:.1%}",
            direct=report.count(OutcomeKind.DIRECT),
            clarify=report.count(OutcomeKind.CLARIFY),
            fallback=report.count(OutcomeKind.FALLBACK),
        )
        if report.unknown_expected:
            text += "\n" + self.tr("{n} 个期望知识在知识库里找不到（按标准问题或编号查找）").format(
                n=len(report.unknown_expected)
            )
        if report.misses:
            text += "\n" + self.tr("没命中的问题（双击可单独测试）：")
        self.batch_summary.setText(text)
        self.misses.set_results(report.misses)
        self.batch_finished.emit(report)

    def _batch_failed(self, exc: BaseException) -> None:
        self.batch_button.setEnabled(True)
        self.batch_summary.setText(failure_text(exc))
