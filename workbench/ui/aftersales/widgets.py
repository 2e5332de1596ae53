"""Building blocks of the after-sales forms: a grid of labelled fields with inline errors, the policy
and risk panels, money and date inputs, and the draft keeper that saves a form as it is typed."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QObject, Qt, QTime, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateTimeEdit,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.aftersales import (
    FieldError,
    FindingLevel,
    Payer,
    PolicyVerdict,
    RiskAssessment,
)
from workbench.services.aftersales import AftersalesService
from workbench.ui.aftersales.texts import (
    RISK_ROLES,
    field_error_text,
    finding_text,
    payer_label,
    risk_level_label,
    signal_name,
    signal_reason,
)
from workbench.ui.tasks import Tasks
from workbench.ui.theme import text_style
from workbench.ui.widgets.card import Card
from workbench.ui.widgets.guard import while_alive

DRAFT_DELAY_MS = 400


def settle_order_errors(errors: Iterable[FieldError], order_no: str, looked_up: str) -> list[FieldError]:
    """Until the order typed has been looked up, whether it exists is unknown: say nothing about it
    yet (the service checks it again when the form is submitted)."""
    if order_no and looked_up != order_no:
        return [e for e in errors if not (e.field == "order_no" and e.code in ("order_missing", "order_foreign"))]
    return list(errors)


def to_qdatetime(at: datetime) -> QDateTime:
    return QDateTime(QDate(at.year, at.month, at.day), QTime(at.hour, at.minute))


def from_qdatetime(value: QDateTime) -> datetime:
    d, t = value.date(), value.time()
    return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute())


def _mark_invalid(widget: QWidget, invalid: bool) -> None:
    if bool(widget.property("invalid")) != invalid:
        widget.setProperty("invalid", invalid)
        widget.style().unpolish(widget)
        widget.style().polish(widget)


class FormGrid(QWidget):
    """Labelled fields in two columns; each field can show an error line under its editor."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(4)
        self.grid.setColumnStretch(1, 1)
        self._editors: dict[str, QWidget] = {}
        self._errors: dict[str, QLabel] = {}
        self._names: dict[str, QWidget] = {}
        self._rows: dict[str, list[QWidget]] = {}
        self._labels: dict[str, str] = {}

    def add(self, name: str, label: str, editor: QWidget, *, required: bool = False, hint: str = "") -> QWidget:
        row = self.grid.rowCount()
        text = label + (" *" if required else "")
        caption = QLabel(text)
        caption.setObjectName("fieldName")
        caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        caption.setContentsMargins(0, 5, 0, 0)
        caption.setBuddy(editor)
        self.grid.addWidget(caption, row, 0)
        self.grid.addWidget(editor, row, 1)
        error = QLabel()
        error.setObjectName("fieldError")
        error.setWordWrap(True)
        error.hide()
        self.grid.addWidget(error, row + 1, 1)
        widgets: list[QWidget] = [caption, editor, error]
        if hint:
            note = QLabel(hint)
            note.setObjectName("fieldHint")
            note.setWordWrap(True)
            self.grid.addWidget(note, row + 2, 1)
            widgets.append(note)
        editor.setAccessibleName(label)
        self._labels[name] = label
        self._editors[name] = editor
        self._errors[name] = error
        self._names[name] = caption
        self._rows[name] = widgets
        return editor

    def alias(self, name: str, shown_as: str, editor: QWidget) -> None:
        """Errors of field `name` show in the row of `shown_as`; focus goes to `editor`."""
        self._editors[name] = editor
        self._errors[name] = self._errors[shown_as]
        self._names[name] = self._names[shown_as]

    def sink(self, name: str, label: QLabel, editor: QWidget, caption: QWidget) -> None:
        """Errors of field `name` show in `label` (a field laid out outside the grid)."""
        self._editors[name] = editor
        self._errors[name] = label
        self._names[name] = caption

    def set_row_visible(self, name: str, visible: bool) -> None:
        for widget in self._rows.get(name, ()):
            if widget is self._errors.get(name):
                widget.setVisible(visible and bool(widget.text()))
            else:
                widget.setVisible(visible)

    def set_required(self, name: str, required: bool) -> None:
        """Mark a field required (" *") or optional, for fields whose need depends on another field."""
        caption = self._names[name]
        if isinstance(caption, QLabel):
            caption.setText(self._labels[name] + (" *" if required else ""))

    def caption_text(self, name: str) -> str:
        caption = self._names[name]
        return caption.text() if isinstance(caption, QLabel) else ""

    def editor(self, name: str) -> QWidget:
        return self._editors[name]

    def error_text(self, name: str) -> str:
        label = self._errors.get(name)
        return label.text() if label is not None and not label.isHidden() else ""

    def errors_shown(self) -> dict[str, str]:
        return {name: label.text() for name, label in self._errors.items() if not label.isHidden()}

    def show_errors(self, errors: Iterable[FieldError], only: set[str] | None = None) -> list[str]:
        """Show each error under its field (only the fields in `only`, if given); returns the fields shown."""
        by_field: dict[str, list[str]] = {}
        for e in errors:
            by_field.setdefault(e.field, []).append(field_error_text(e, self._labels.get(e.field, "")))
        shown = []
        texts_by_label: dict[int, list[str]] = {}
        for name, label in self._errors.items():
            texts = by_field.get(name, []) if only is None or name in only else []
            texts_by_label.setdefault(id(label), []).extend(texts)
            _mark_invalid(self._editors[name], bool(texts))
            if texts:
                shown.append(name)
        for name, label in self._errors.items():
            texts = texts_by_label.get(id(label), [])
            label.setText("\n".join(texts))
            label.setVisible(bool(texts) and not self._names[name].isHidden())
        return shown

    def fields(self) -> list[str]:
        return list(self._editors)


class MoneyEdit(QDoubleSpinBox):
    """Yuan with two decimals; `cents()` for the domain. (Left to the platform style: a style sheet on a
    spin box without buttons hides its text.)"""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(2)
        self.setRange(0, 999_999)
        self.setPrefix("¥")
        self.setSingleStep(10)
        self.setButtonSymbols(QDoubleSpinBox.ButtonSymbols.NoButtons)
        self.setMaximumWidth(140)

    def cents(self) -> int:
        return round(self.value() * 100)

    def set_cents(self, cents: int) -> None:
        self.setValue(cents / 100)


class OptionalDateTime(QWidget):
    """A date and time that can be left unset (a check box switches it on)."""

    changed = Signal()
    """The value or whether it is set changed."""

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.check = QCheckBox(label)
        self.edit = QDateTimeEdit()
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.edit.setEnabled(False)
        layout.addWidget(self.check)
        layout.addWidget(self.edit)
        layout.addStretch(1)
        self.check.toggled.connect(self.edit.setEnabled)
        self.check.toggled.connect(lambda _on: self.changed.emit())
        self.edit.dateTimeChanged.connect(lambda _dt: self.changed.emit())

    def value(self) -> datetime | None:
        if not self.check.isChecked():
            return None
        return from_qdatetime(self.edit.dateTime())

    def set_value(self, at: datetime | None, default: datetime | None = None) -> None:
        self.check.setChecked(at is not None)
        shown = at or default
        if shown is not None:
            self.edit.setDateTime(to_qdatetime(shown))


class PolicyPanel(Card):
    """The policy verdict of a request: every finding with its reason, and who pays."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("政策检查"), parent)
        self.verdict_label = QLabel()
        self.verdict_label.setWordWrap(True)
        self.body.addWidget(self.verdict_label)
        self.lines = QVBoxLayout()
        self.lines.setSpacing(4)
        self.body.addLayout(self.lines)
        self.payer_label = QLabel()
        self.payer_label.setObjectName("secondary")
        self.payer_label.setWordWrap(True)
        self.body.addWidget(self.payer_label)
        self.set_verdict(None)

    def set_verdict(self, verdict: PolicyVerdict | None, *, waiting: bool = False) -> None:
        while (item := self.lines.takeAt(0)) is not None:
            if (w := item.widget()) is not None:
                w.hide()
                w.deleteLater()
        if verdict is None or not verdict.findings:
            self.verdict_label.setStyleSheet(text_style("text_muted"))
            idle = self.tr("填写订单号和原因后，这里显示七天无理由、质保期和运费规则的检查结果。")
            self.verdict_label.setText(self.tr("正在检查…") if waiting else idle)
            self.payer_label.hide()
            return
        if verdict.eligible:
            self.verdict_label.setStyleSheet(text_style("success_text", bold=True))
            self.verdict_label.setText(self.tr("✓ 符合店铺售后政策"))
        else:
            self.verdict_label.setStyleSheet(text_style("danger", bold=True))
            self.verdict_label.setText(self.tr("✗ 不符合店铺售后政策（可写明理由后仍受理，或拒绝并说明原因）"))
        marks = {
            FindingLevel.OK: ("✓", "success_text"),
            FindingLevel.INFO: ("·", "text_secondary"),
            FindingLevel.WARN: ("!", "warning"),
            FindingLevel.FAIL: ("✗", "danger"),
        }
        for finding in verdict.findings:
            mark, role = marks[finding.level]
            line = QLabel(f"{mark}  {finding_text(finding)}")
            line.setWordWrap(True)
            line.setStyleSheet(text_style(role))
            line.setProperty("code", finding.code)
            self.lines.addWidget(line)
        parts = []
        if verdict.repair_payer is not Payer.NONE:
            parts.append(self.tr("维修费用：{payer}").format(payer=payer_label(verdict.repair_payer)))
        self.payer_label.setText("　".join(parts))
        self.payer_label.setVisible(bool(parts))

    def finding_texts(self) -> list[str]:
        out = []
        for i in range(self.lines.count()):
            item = self.lines.itemAt(i)
            widget = item.widget() if item is not None else None
            if isinstance(widget, QLabel):
                out.append(widget.text())
        return out


class RiskPanel(Card):
    """The program's risk signals: score, level and every signal with its weight and reason.

    The panel says plainly that the score is a suggestion; the agent decides."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.score_label = QLabel()
        self.header.insertWidget(2, self.score_label)
        self.note = QLabel(self.tr("评分由程序根据下列信号估算，仅供参考，不是结论；是否按恶意处理由客服判断。"))
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        self.body.addWidget(self.note)
        self.lines = QVBoxLayout()
        self.lines.setSpacing(4)
        self.body.addLayout(self.lines)
        self.empty = QLabel(self.tr("还没有检查。"))
        self.empty.setObjectName("muted")
        self.body.addWidget(self.empty)
        self.assessment: RiskAssessment | None = None
        self.set_assessment(None)

    def set_assessment(self, risk: RiskAssessment | None) -> None:
        self.assessment = risk
        while (item := self.lines.takeAt(0)) is not None:
            if (w := item.widget()) is not None:
                w.hide()
                w.deleteLater()
        self.empty.setVisible(risk is None or not risk.signals)
        if risk is None or not risk.signals:
            self.score_label.setText("")
            return
        role = RISK_ROLES[risk.level]
        self.score_label.setText(
            self.tr("{score} 分 · 风险{level}").format(score=risk.score, level=risk_level_label(risk.level))
        )
        self.score_label.setStyleSheet(text_style(role, bold=True))
        for signal in sorted(risk.signals, key=lambda s: (not s.hit, -s.weight)):
            row = QWidget()
            layout = QHBoxLayout(row)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.setSpacing(6)
            mark = QLabel("●" if signal.hit else "○")
            mark.setStyleSheet(text_style(role if signal.hit else "text_muted"))
            mark.setAlignment(Qt.AlignmentFlag.AlignTop)
            weight = QLabel(f"+{signal.weight}" if signal.hit else f"{signal.weight}")
            weight.setStyleSheet(text_style(role if signal.hit else "text_muted"))
            weight.setFixedWidth(weight.fontMetrics().horizontalAdvance("+100") + 4)
            weight.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            text = QLabel(f"{signal_name(signal)} — {signal_reason(signal)}")
            text.setWordWrap(True)
            text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            text.setStyleSheet(text_style("text" if signal.hit else "text_muted"))
            text.setProperty("code", signal.code)
            layout.addWidget(mark)
            layout.addWidget(weight)
            layout.addWidget(text, 1)
            self.lines.addWidget(row)

    def signal_texts(self) -> dict[str, str]:
        out = {}
        for label in self.findChildren(QLabel):
            code = label.property("code")
            if code:
                out[str(code)] = label.text()
        return out


class DraftKeeper(QObject):
    """Saves a form's fields to the database as the agent types (debounced), and reads them back.

    Each save is its own committed write on the write worker: a crash or a kill loses at most the
    last `DRAFT_DELAY_MS` of typing. `restored` carries a draft found when the form opened."""

    saved = Signal(str)
    """A draft was written; carries its key."""

    restored = Signal(object)
    """A saved draft was found for the form being opened; carries the Draft."""

    def __init__(
        self, tasks: Tasks, service: AftersalesService, collect: Callable[[], Mapping[str, Any]], parent: QObject
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._service = service
        self._collect = collect
        self._key = ""
        self._owner = parent
        self._paused = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DRAFT_DELAY_MS)
        self._timer.timeout.connect(self.save_now)
        self._dirty = False

    def key(self) -> str:
        return self._key

    def start(self, key: str) -> None:
        """Work on the draft `key`; a saved one is announced through `restored`."""
        self.save_now()
        self._key = key
        service = self._service
        owner = self._owner

        def done(draft: object) -> None:
            if draft is not None and self._key == key:
                self.restored.emit(draft)

        self._tasks.read(lambda: service.draft(key), while_alive(owner, done))

    def pause(self) -> None:
        """While filling the form from code, edits are not the agent's typing."""
        self._paused += 1

    def resume(self) -> None:
        self._paused = max(0, self._paused - 1)

    def paused(self) -> bool:
        return self._paused > 0

    def changed(self) -> None:
        if self._key and not self._paused:
            self._dirty = True
            self._timer.start()

    def pending(self) -> bool:
        return self._dirty

    def save_now(self) -> None:
        """Write the form now if it changed since the last save."""
        self._timer.stop()
        if not self._dirty or not self._key:
            return
        self._dirty = False
        key, payload, service = self._key, dict(self._collect()), self._service
        self._tasks.write(
            lambda: service.save_draft(key, payload), while_alive(self._owner, lambda _d: self.saved.emit(key))
        )

    def discard(self) -> None:
        """The form was submitted or thrown away: forget its draft."""
        self._timer.stop()
        self._dirty = False
        if not self._key:
            return
        key, service = self._key, self._service
        self._tasks.write(lambda: service.discard_draft(key))

    def stop(self) -> None:
        self.save_now()
        self._key = ""
