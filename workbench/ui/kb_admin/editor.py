"""The entry editor (自定义新建问题 / 编辑知识): question, phrasings with 划词 core words, answers with
an optional validity window, on/off and "needs a human"; problems shown beside their fields."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta

from PySide6.QtCore import QDate, QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.kb import MAX_CORE_WORDS, Phrasing, PhrasingKind
from workbench.domain.kb_admin import (
    MAX_ANSWERS,
    Answer,
    EntryDraft,
    Issue,
    IssueField,
    KnowledgeEntry,
    validate_entry,
)
from workbench.kb import tokenizer
from workbench.ui.kb_admin.models import PhrasingListModel
from workbench.ui.kb_admin.texts import category_label, issue_text
from workbench.ui.tasks import Tasks
from workbench.ui.theme import scope
from workbench.ui.widgets.flow_layout import FlowLayout
from workbench.ui.widgets.guard import while_alive

CUT_DELAY_MS = 200  # wait for typing to pause before segmenting the phrasing
_WORD = re.compile(r"[\w\u3400-\u9fff]")


def _error_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setObjectName("fieldError")
    label.setWordWrap(True)
    label.hide()
    return label


def _show_error(label: QLabel, messages: Sequence[str]) -> None:
    label.setText("\n".join(messages))
    label.setVisible(bool(messages))


def _mark_invalid(widget: QWidget, invalid: bool) -> None:
    if widget.property("invalid") != invalid:
        widget.setProperty("invalid", invalid)
        widget.style().unpolish(widget)
        widget.style().polish(widget)


def to_qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def from_qdate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


class AnswerCard(QFrame):
    """One answer: text and an optional validity window."""

    remove_requested = Signal(object)
    """The user clicked 删除 on this answer; carries the card."""
    edited = Signal()
    """The text or the window changed."""

    def __init__(self, answer: Answer, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("answerCard")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(6)
        head = QHBoxLayout()
        self.title = QLabel(self)
        self.title.setObjectName("muted")
        head.addWidget(self.title, 1)
        self.remove_button = QPushButton(self.tr("删除"), self)
        self.remove_button.setObjectName("link")
        self.remove_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self))
        head.addWidget(self.remove_button)
        layout.addLayout(head)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("answerText")
        self.text.setPlaceholderText(self.tr("机器人回复买家的内容"))
        self.text.setPlainText(answer.text)
        self.text.setFixedHeight(72)
        self.text.textChanged.connect(self.edited)
        layout.addWidget(self.text)
        window = QHBoxLayout()
        window.setSpacing(6)
        self.window_check = QCheckBox(self.tr("限定生效时间"), self)
        self.window_check.setChecked(answer.has_window)
        self.start = QDateEdit(self)
        self.end = QDateEdit(self)
        for edit, value in (
            (self.start, answer.valid_from or today),
            (self.end, answer.valid_to or today + timedelta(30)),
        ):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setDate(to_qdate(value))
            edit.dateChanged.connect(self.edited)
        self.to_label = QLabel(self.tr("至"), self)
        window.addWidget(self.window_check)
        window.addWidget(self.start)
        window.addWidget(self.to_label)
        window.addWidget(self.end)
        window.addStretch(1)
        layout.addLayout(window)
        self.error = _error_label(self)
        layout.addWidget(self.error)
        self.window_check.toggled.connect(self._window_toggled)
        self.window_check.toggled.connect(self.edited)
        self._window_toggled(answer.has_window)

    def _window_toggled(self, on: bool) -> None:
        for w in (self.start, self.end, self.to_label):
            w.setEnabled(on)

    def set_number(self, number: int, removable: bool) -> None:
        self.title.setText(self.tr("答案 {n}").format(n=number))
        self.remove_button.setEnabled(removable)

    def answer(self) -> Answer:
        if not self.window_check.isChecked():
            return Answer(self.text.toPlainText())
        return Answer(self.text.toPlainText(), from_qdate(self.start.date()), from_qdate(self.end.date()))

    def show_issues(self, messages: Sequence[str]) -> None:
        _show_error(self.error, messages)
        _mark_invalid(self.text, bool(messages))


class EntryEditor(QWidget):
    """Edits one entry (or a new 自定义问题). Validates on save; the tab does the saving."""

    save_requested = Signal(object, object)
    """Save pressed and the form is valid: (entry id, or None for a new entry; EntryDraft)."""
    delete_requested = Signal(int)
    """Delete pressed for a saved entry (entry id)."""
    words_shown = Signal(str)
    """The 划词 chips now show the words of this phrasing text."""

    def __init__(self, tasks: Tasks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("entryEditor")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        scope(self, "kb_editor")
        self.tasks = tasks
        self.entry: KnowledgeEntry | None = None
        self.today = date.today()
        self._categories: list[str] = []
        self._loading = False
        self._dirty = False
        self._cut_for = ""
        self._cut_timer = QTimer(self)
        self._cut_timer.setSingleShot(True)
        self._cut_timer.setInterval(CUT_DELAY_MS)
        self._cut_timer.timeout.connect(self._cut_current)
        self.answer_cards: list[AnswerCard] = []
        self._chips: list[QPushButton] = []
        self._build()
        self.clear()

    # -- layout ------------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget(scroll)
        body.setObjectName("entryEditor")
        form = QVBoxLayout(body)
        form.setContentsMargins(16, 14, 16, 14)
        form.setSpacing(8)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)

        head = QHBoxLayout()
        self.title = QLabel(body)
        self.title.setObjectName("editorTitle")
        head.addWidget(self.title, 1)
        self.origin = QLabel(body)
        self.origin.setObjectName("originPill")
        head.addWidget(self.origin)
        form.addLayout(head)
        self.meta = QLabel(body)
        self.meta.setObjectName("muted")
        form.addWidget(self.meta)

        form.addWidget(self._section(self.tr("问题类型"), body))
        self.category = QComboBox(body)
        self.category.currentIndexChanged.connect(self._touched)
        form.addWidget(self.category)
        self.category_error = _error_label(body)
        form.addWidget(self.category_error)

        form.addWidget(self._section(self.tr("标准问题"), body))
        self.question = QLineEdit(body)
        self.question.setPlaceholderText(self.tr("例如：需要维修的时候怎么办"))
        self.question.textEdited.connect(self._touched)
        form.addWidget(self.question)
        self.question_error = _error_label(body)
        form.addWidget(self.question_error)

        phr_head = QHBoxLayout()
        phr_head.addWidget(self._section(self.tr("问法"), body), 1)
        self.add_phrasing_button = QPushButton(self.tr("＋ 添加问法"), body)
        self.add_phrasing_button.clicked.connect(self.add_phrasing)
        self.remove_phrasing_button = QPushButton(self.tr("删除问法"), body)
        self.remove_phrasing_button.clicked.connect(self.remove_phrasing)
        phr_head.addWidget(self.add_phrasing_button)
        phr_head.addWidget(self.remove_phrasing_button)
        form.addLayout(phr_head)
        hint = QLabel(
            self.tr(
                "买家可能怎么问：相似问法是完整的问句；关键词问法里的词同时出现就命中；反向问法命中时不用这条知识回答。"
            ),
            body,
        )
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        form.addWidget(hint)
        self.phrasings = PhrasingListModel(self)
        self.phrasing_list = QListView(body)
        self.phrasing_list.setObjectName("phrasingList")
        self.phrasing_list.setModel(self.phrasings)
        self.phrasing_list.setMinimumHeight(132)
        self.phrasing_list.setMaximumHeight(180)
        self.phrasing_list.setUniformItemSizes(True)
        self.phrasing_list.selectionModel().currentRowChanged.connect(self._phrasing_selected)
        form.addWidget(self.phrasing_list)
        row = QHBoxLayout()
        self.phrasing_text = QLineEdit(body)
        self.phrasing_text.setPlaceholderText(self.tr("选中的问法"))
        self.phrasing_text.textEdited.connect(self._phrasing_edited)
        self.phrasing_kind = QComboBox(body)
        self.phrasing_kind.addItem(self.tr("相似问法"), PhrasingKind.SIMILAR.value)
        self.phrasing_kind.addItem(self.tr("关键词"), PhrasingKind.KEYWORD.value)
        self.phrasing_kind.currentIndexChanged.connect(self._phrasing_edited)
        self.phrasing_negative = QCheckBox(self.tr("反向问法"), body)
        self.phrasing_negative.toggled.connect(self._phrasing_edited)
        row.addWidget(self.phrasing_text, 1)
        row.addWidget(self.phrasing_kind)
        row.addWidget(self.phrasing_negative)
        form.addLayout(row)

        words_head = QHBoxLayout()
        words_title = QLabel(self.tr("划词"), body)
        words_title.setObjectName("sectionTitle")
        words_head.addWidget(words_title)
        self.core_count = QLabel(body)
        self.core_count.setObjectName("muted")
        words_head.addWidget(self.core_count, 1)
        # any span can be a core word (走光, 开线), not only the words cut below: select it in the 问法
        self.mark_span_button = QPushButton(self.tr("把选中的文字设为核心词"), body)
        self.mark_span_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keep the 问法's selection
        self.mark_span_button.clicked.connect(self.mark_selection)
        words_head.addWidget(self.mark_span_button)
        form.addLayout(words_head)
        self.words_box = QWidget(body)
        self.words_layout = FlowLayout(self.words_box, 6, 6)
        form.addWidget(self.words_box)
        words_hint = QLabel(
            self.tr(
                "划词（不同于关键词）可以协助算法判断问法中决定买家意图的核心词，提升匹配率。"
                "点选词语即可，最多可选 3 个；也可以在问法里选中任意文字（如“走光”“开线”）设为核心词。"
            ),
            body,
        )
        words_hint.setObjectName("hint")
        words_hint.setWordWrap(True)
        form.addWidget(words_hint)
        self.phrasing_error = _error_label(body)
        form.addWidget(self.phrasing_error)

        ans_head = QHBoxLayout()
        ans_head.addWidget(self._section(self.tr("答案"), body), 1)
        self.add_answer_button = QPushButton(self.tr("＋ 添加答案"), body)
        self.add_answer_button.clicked.connect(lambda: self.add_answer())
        ans_head.addWidget(self.add_answer_button)
        form.addLayout(ans_head)
        answers_hint = QLabel(self.tr("有多条答案时，机器人用当天有效的第一条。"), body)
        answers_hint.setObjectName("hint")
        form.addWidget(answers_hint)
        self.answers_box = QVBoxLayout()
        self.answers_box.setSpacing(8)
        form.addLayout(self.answers_box)
        self.answers_error = _error_label(body)
        form.addWidget(self.answers_error)

        self.enabled = QCheckBox(self.tr("启用（关闭后机器人不再用这条知识回答）"), body)
        self.enabled.toggled.connect(self._touched)
        form.addWidget(self.enabled)
        self.needs_human = QCheckBox(self.tr("需要人工：命中后直接转人工客服（如修改尺码、改地址）"), body)
        self.needs_human.toggled.connect(self._touched)
        form.addWidget(self.needs_human)
        self.form_error = _error_label(body)
        form.addWidget(self.form_error)
        form.addStretch(1)

        bar = QFrame(self)
        bar.setObjectName("editorBar")
        buttons = QHBoxLayout(bar)
        buttons.setContentsMargins(16, 8, 16, 8)
        self.delete_button = QPushButton(self.tr("删除知识"), bar)
        self.delete_button.setObjectName("danger")
        self.delete_button.clicked.connect(self._delete)
        buttons.addWidget(self.delete_button)
        self.dirty_label = QLabel(bar)
        self.dirty_label.setObjectName("muted")
        buttons.addWidget(self.dirty_label, 1)
        self.revert_button = QPushButton(self.tr("还原"), bar)
        self.revert_button.clicked.connect(self.revert)
        buttons.addWidget(self.revert_button)
        self.save_button = QPushButton(self.tr("保存"), bar)
        self.save_button.setObjectName("primary")
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.save_button)
        outer.addWidget(bar)

    def _section(self, title: str, parent: QWidget) -> QLabel:
        label = QLabel(title, parent)
        label.setObjectName("sectionTitle")
        return label

    # -- content -----------------------------------------------------------------------------

    def set_categories(self, names: Sequence[str]) -> None:
        self._categories = list(names)
        current = self.category.currentData()
        self._loading = True
        self.category.clear()
        for name in names:
            self.category.addItem(category_label(name), name)
        if current is not None:
            self.category.setCurrentIndex(max(0, self.category.findData(current)))
        self._loading = False

    def clear(self) -> None:
        """Nothing to edit: the form is shown empty and disabled."""
        self.entry = None
        self._load(EntryDraft("", ""), new=False)
        self.title.setText(self.tr("选择左侧的一条知识进行编辑，或新建自定义问题"))
        self.setEnabled(False)

    def edit_entry(self, entry: KnowledgeEntry) -> None:
        self.entry = entry
        self.setEnabled(True)
        self._load(entry.draft(), new=False)

    def new_entry(self, category: str) -> None:
        """新建自定义问题 in `category`."""
        self.entry = None
        self.setEnabled(True)
        self._load(EntryDraft(category, "", answers=(Answer(""),)), new=True)
        self.question.setFocus()

    def _load(self, d: EntryDraft, *, new: bool) -> None:
        self._loading = True
        if d.category and self.category.findData(d.category) < 0:
            self.category.addItem(category_label(d.category), d.category)
        self.category.setCurrentIndex(max(0, self.category.findData(d.category)))
        self.question.setText(d.question)
        self.phrasings.set_phrasings(d.phrasings)
        for card in self.answer_cards:
            card.deleteLater()
        self.answer_cards = []
        for answer in d.answers:
            self.add_answer(answer, touch=False)
        self.enabled.setChecked(d.enabled)
        self.needs_human.setChecked(d.needs_human)
        self._loading = False
        entry = self.entry
        if new:
            self.title.setText(self.tr("新建自定义问题"))
        else:
            self.title.setText(self.tr("编辑知识"))
        if entry is not None and entry.pack is not None:
            self.origin.setText(
                self.tr("行业包 {pack} {version} · 已修改").format(pack=entry.pack.pack_id, version=entry.pack.version)
                if entry.pack.edited
                else self.tr("行业包 {pack} {version}").format(pack=entry.pack.pack_id, version=entry.pack.version)
            )
            self.origin.show()
        elif entry is not None and entry.custom:
            self.origin.setText(self.tr("自定义问题"))
            self.origin.show()
        else:
            self.origin.hide()
        if entry is not None:
            self.meta.setText(
                self.tr("累计命中 {total} 次 · 昨日 {y} · 近7天 {w}").format(
                    total=entry.hits, y=entry.hits_yesterday, w=entry.hits_week
                )
            )
        else:
            self.meta.setText("")
        self.meta.setVisible(entry is not None)
        self.delete_button.setVisible(entry is not None)
        self.show_issues([])
        self._select_phrasing(0 if self.phrasings.rowCount() else -1)
        self._set_dirty(False)

    # -- phrasings and 划词 ------------------------------------------------------------------

    def current_phrasing_row(self) -> int:
        index = self.phrasing_list.currentIndex()
        return index.row() if index.isValid() else -1

    def _select_phrasing(self, row: int) -> None:
        if row < 0:
            self.phrasing_list.setCurrentIndex(QModelIndex())
            self._phrasing_selected(QModelIndex(), QModelIndex())
            return
        self.phrasing_list.selectionModel().setCurrentIndex(
            self.phrasings.index(row), QItemSelectionModel.SelectionFlag.ClearAndSelect
        )

    def add_phrasing(self) -> None:
        row = self.phrasings.append(Phrasing(""))
        self._select_phrasing(row)
        self.phrasing_text.setFocus()
        self._touched()

    def remove_phrasing(self) -> None:
        row = self.current_phrasing_row()
        if row < 0:
            return
        self.phrasings.remove(row)
        self._select_phrasing(min(row, self.phrasings.rowCount() - 1))
        self._touched()

    def _phrasing_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        p = self.phrasings.phrasing(current.row()) if current.isValid() else None
        loading, self._loading = self._loading, True
        for w in (self.phrasing_text, self.phrasing_kind, self.phrasing_negative, self.remove_phrasing_button):
            w.setEnabled(p is not None)
        self.phrasing_text.setText(p.text if p else "")
        self.phrasing_kind.setCurrentIndex(max(0, self.phrasing_kind.findData(p.kind.value if p else "similar")))
        self.phrasing_negative.setChecked(bool(p and p.negative))
        self._loading = loading
        self._show_words([] if p is None else None)
        if p is not None:
            self._cut_current()

    def _phrasing_edited(self, *_: object) -> None:
        if self._loading:
            return
        row = self.current_phrasing_row()
        old = self.phrasings.phrasing(row)
        if old is None:
            return
        text = self.phrasing_text.text()
        core = tuple(w for w in old.core_words if w and w in text)  # words no longer in the text go
        kind = PhrasingKind(self.phrasing_kind.currentData())
        self.phrasings.replace(row, Phrasing(text, kind, self.phrasing_negative.isChecked(), core))
        self._touched()
        if text != self._cut_for:
            self._cut_timer.start()

    def _cut_current(self) -> None:
        row = self.current_phrasing_row()
        p = self.phrasings.phrasing(row)
        if p is None:
            return
        text = p.text.strip()
        self._cut_for = p.text
        if not text:
            self._show_words([])
            return

        def done(words: list[str]) -> None:
            current = self.phrasings.phrasing(self.current_phrasing_row())
            if current is None or current.text.strip() != text:
                return  # the user moved on; a newer cut will come
            self._show_words(words)

        self.tasks.read(lambda: [w for w in tokenizer.cut(text) if _WORD.search(w)], while_alive(self, done))

    def _show_words(self, words: list[str] | None) -> None:
        """The current phrasing's words as toggle chips (None: keep the chips until the cut arrives)."""
        if words is None:
            return
        self.words_layout.clear()
        self._chips = []
        p = self.phrasings.phrasing(self.current_phrasing_row())
        core = p.core_words if p else ()
        shown = list(dict.fromkeys(words))
        shown += [w for w in core if w not in shown]  # core words typed in a file may span several words
        for word in shown:
            chip = QPushButton(word, self.words_box)
            chip.setObjectName("coreChip")
            chip.setCheckable(True)
            chip.setChecked(word in core)
            chip.setCursor(Qt.CursorShape.PointingHandCursor)
            chip.toggled.connect(lambda on, w=word, c=chip: self._core_toggled(w, on, c))
            self.words_layout.addWidget(chip)
            self._chips.append(chip)
        self.words_box.updateGeometry()
        self._update_core_count()
        self.words_shown.emit(p.text if p else "")

    def word_chips(self) -> list[QPushButton]:
        """The 划词 chips of the selected phrasing, in order."""
        return list(self._chips)

    def _core_toggled(self, word: str, on: bool, chip: QPushButton) -> None:
        row = self.current_phrasing_row()
        p = self.phrasings.phrasing(row)
        if p is None:
            return
        core = list(p.core_words)
        if on and word not in core:
            if len(core) >= MAX_CORE_WORDS:
                chip.blockSignals(True)
                chip.setChecked(False)
                chip.blockSignals(False)
                _show_error(self.phrasing_error, [self.tr("最多选 {n} 个核心词").format(n=MAX_CORE_WORDS)])
                return
            core.append(word)
        elif not on and word in core:
            core.remove(word)
        _show_error(self.phrasing_error, [])
        self.phrasings.replace(row, Phrasing(p.text, p.kind, p.negative, tuple(core)))
        self._update_core_count()
        self._touched()

    def mark_selection(self) -> None:
        """The text selected in the 问法 becomes a core word (a span of any characters)."""
        row = self.current_phrasing_row()
        p = self.phrasings.phrasing(row)
        if p is None:
            return
        word = self.phrasing_text.selectedText().strip()
        if not word or word not in p.text:
            _show_error(self.phrasing_error, [self.tr("先在问法里选中要设为核心词的文字")])
            return
        if word in p.core_words:
            return
        if len(p.core_words) >= MAX_CORE_WORDS:
            _show_error(self.phrasing_error, [self.tr("最多选 {n} 个核心词").format(n=MAX_CORE_WORDS)])
            return
        _show_error(self.phrasing_error, [])
        self.phrasings.replace(row, Phrasing(p.text, p.kind, p.negative, (*p.core_words, word)))
        self._touched()
        self._cut_current()  # the chips again, the span among them, checked

    def _update_core_count(self) -> None:
        p = self.phrasings.phrasing(self.current_phrasing_row())
        n = len(p.core_words) if p else 0
        self.core_count.setText(self.tr("已选 {n}/{limit}").format(n=n, limit=MAX_CORE_WORDS))

    # -- answers -----------------------------------------------------------------------------

    def add_answer(self, answer: Answer | None = None, *, touch: bool = True) -> AnswerCard | None:
        if len(self.answer_cards) >= MAX_ANSWERS:
            return None
        card = AnswerCard(answer or Answer(""), self.today, self)
        card.remove_requested.connect(self._remove_answer)
        card.edited.connect(self._touched)
        self.answers_box.addWidget(card)
        self.answer_cards.append(card)
        self._renumber()
        if touch:
            card.text.setFocus()
            self._touched()
        return card

    def _remove_answer(self, card: AnswerCard) -> None:
        if card in self.answer_cards and len(self.answer_cards) > 1:
            self.answer_cards.remove(card)
            card.deleteLater()
            self._renumber()
            self._touched()

    def _renumber(self) -> None:
        for i, card in enumerate(self.answer_cards, start=1):
            card.set_number(i, len(self.answer_cards) > 1)
        self.add_answer_button.setEnabled(len(self.answer_cards) < MAX_ANSWERS)

    # -- saving ------------------------------------------------------------------------------

    def draft(self) -> EntryDraft:
        return EntryDraft(
            category=str(self.category.currentData() or ""),
            question=self.question.text(),
            phrasings=self.phrasings.phrasings(),
            answers=tuple(card.answer() for card in self.answer_cards),
            enabled=self.enabled.isChecked(),
            needs_human=self.needs_human.isChecked(),
        )

    def is_dirty(self) -> bool:
        return self._dirty

    def _touched(self, *_: object) -> None:
        if not self._loading:
            self._set_dirty(True)

    def _set_dirty(self, dirty: bool) -> None:
        self._dirty = dirty
        self.dirty_label.setText(self.tr("有未保存的修改") if dirty else "")
        self.revert_button.setEnabled(dirty and self.entry is not None)

    def save(self) -> bool:
        """Check the form; when it is valid, ask the tab to save it. False with the problems shown."""
        d = self.draft()
        issues = validate_entry(d.cleaned(), self._categories)
        self.show_issues(issues)
        if issues:
            return False
        self.save_requested.emit(self.entry.id if self.entry else None, d)
        return True

    def revert(self) -> None:
        if self.entry is not None:
            self.edit_entry(self.entry)

    def _delete(self) -> None:
        if self.entry is not None:
            self.delete_requested.emit(self.entry.id)

    def show_issues(self, issues: Sequence[Issue]) -> None:
        """Each problem beside its field; problems of a phrasing select it."""
        by_field: dict[str, list[str]] = {}
        answer_issues: dict[int, list[str]] = {}
        first_phrasing = -1
        for issue in issues:
            message = issue_text(issue)
            if issue.field in (IssueField.ANSWER, IssueField.VALIDITY) and issue.index >= 0:
                answer_issues.setdefault(issue.index, []).append(message)
            elif issue.field in (IssueField.PHRASING, IssueField.CORE_WORDS):
                if issue.index >= 0:
                    p = self.phrasings.phrasing(issue.index)
                    label = p.text if p and p.text else self.tr("第 {n} 条").format(n=issue.index + 1)
                    message = self.tr("问法「{text}」：{message}").format(text=label, message=message)
                    first_phrasing = issue.index if first_phrasing < 0 else first_phrasing
                by_field.setdefault("phrasing", []).append(message)
            elif issue.field in (IssueField.CATEGORY, IssueField.QUESTION, IssueField.ANSWER):
                by_field.setdefault(issue.field.value, []).append(message)
            else:
                by_field.setdefault("form", []).append(message)
        _show_error(self.category_error, by_field.get("category", []))
        _mark_invalid(self.category, "category" in by_field)
        _show_error(self.question_error, by_field.get("question", []))
        _mark_invalid(self.question, "question" in by_field)
        _show_error(self.phrasing_error, by_field.get("phrasing", []))
        _mark_invalid(self.phrasing_list, "phrasing" in by_field)
        _show_error(self.answers_error, by_field.get("answer", []))
        _show_error(self.form_error, by_field.get("form", []))
        for i, card in enumerate(self.answer_cards):
            card.show_issues(answer_issues.get(i, []))
        if first_phrasing >= 0:
            self._select_phrasing(first_phrasing)

    def error_texts(self) -> list[str]:
        """Every problem shown now (tests and accessibility)."""
        labels = [self.category_error, self.question_error, self.phrasing_error, self.answers_error, self.form_error]
        labels += [c.error for c in self.answer_cards]
        return [line for label in labels if not label.isHidden() for line in label.text().split("\n") if line]
