"""数据中心: 客服绩效 (per agent and the shop), 店小蜜数据 and the 训练 loop, for a chosen period, with
day-trend charts, every figure's definition on the page, and XLSX export of every table.

Reports, clustering and exports run on workers (`Tasks`); approving or dismissing a proposal is a
write on the write worker, and an approved one is in the live matcher when the write returns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.reports import BotReport, DateRange, PerformanceReport, Period
from workbench.services.report_export import Table, write_workbook
from workbench.services.training import Cluster, Coverage, Proposal
from workbench.ui.errors import error_text
from workbench.ui.reports.charts import Series, TrendChart
from workbench.ui.reports.texts import bot_definitions, performance_definitions, reason_label
from workbench.ui.tasks import Tasks

if TYPE_CHECKING:
    from workbench.services.workspace import Workspace

_Index = QModelIndex | QPersistentModelIndex


def seconds_text(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}" if value < 600 else f"{value / 60:.1f} min"


def rate_text(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


class TableModel(QAbstractTableModel):
    """A small read-only table: the rows as exported (raw values) and as shown (text)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header: tuple[str, ...] = ()
        self.raw: list[tuple[Any, ...]] = []
        self.shown: list[tuple[str, ...]] = []

    def set_rows(self, header: Sequence[str], raw: Sequence[tuple[Any, ...]], shown: Sequence[tuple[str, ...]]) -> None:
        self.beginResetModel()
        self.header, self.raw, self.shown = tuple(header), list(raw), list(shown)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.shown)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.header)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.shown[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and not isinstance(self.raw[index.row()][index.column()], str):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)  # figures line up
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.header[section]
        return None

    def table(self, title: str) -> Table:
        return Table(title, self.header, tuple(self.raw))


def _view(model: TableModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


def _definitions_label(lines: Sequence[str]) -> QLabel:
    label = QLabel("\n".join(lines))
    label.setWordWrap(True)
    label.setObjectName("reportDefinitions")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class ReportsPage(QWidget):
    reports_shown = Signal()
    """The period's 客服绩效 and 店小蜜数据 are on the page."""
    clusters_shown = Signal()
    """The 训练 tab shows the clusters of the last analysis."""
    proposal_done = Signal(str)
    """A proposal was approved or dismissed; carries the cluster's key."""
    exported = Signal(str)
    """A workbook was written; carries its path."""

    def __init__(self, tasks: Tasks, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.ws = ws
        self.performance: PerformanceReport | None = None
        self.bot: BotReport | None = None
        self.clusters: list[Cluster] = []
        self.coverage: Coverage | None = None

        top = QHBoxLayout()
        self.period = QComboBox()
        for period, text in (
            (Period.TODAY, self.tr("今天")),
            (Period.YESTERDAY, self.tr("昨天")),
            (Period.DAYS_7, self.tr("近 7 天")),
            (Period.DAYS_30, self.tr("近 30 天")),
            (Period.CUSTOM, self.tr("自选时段")),
        ):
            self.period.addItem(text, period.value)
        self.period.setCurrentIndex(2)
        today = ws.reports.today()
        self.date_from = QDateEdit(QDate(today.year, today.month, today.day))
        self.date_to = QDateEdit(QDate(today.year, today.month, today.day))
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
        self.refresh_button = QPushButton(self.tr("刷新"))
        self.status = QLabel()
        top.addWidget(QLabel(self.tr("时段")))
        top.addWidget(self.period)
        top.addWidget(self.date_from)
        top.addWidget(QLabel("—"))
        top.addWidget(self.date_to)
        top.addWidget(self.refresh_button)
        top.addWidget(self.status, 1)
        self.period.currentIndexChanged.connect(self._period_changed)
        self.refresh_button.clicked.connect(self.refresh)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._performance_tab(), self.tr("客服绩效"))
        self.tabs.addTab(self._bot_tab(), self.tr("店小蜜数据"))
        self.tabs.addTab(self._training_tab(), self.tr("训练（未解决问题）"))

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        self._period_changed()

    # -- building ------------------------------------------------------------------------------------

    def _performance_tab(self) -> QWidget:
        tab = QWidget()
        self.agents_model = TableModel(self)
        self.agents_view = _view(self.agents_model)
        self.performance_chart = TrendChart()
        self.performance_chart.set_empty_text(self.tr("该时段没有人工接待"))
        self.export_performance = QPushButton(self.tr("导出 XLSX"))
        self.export_performance.clicked.connect(lambda: self._export("performance"))
        bar = QHBoxLayout()
        bar.addStretch(1)
        bar.addWidget(self.export_performance)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.agents_view)
        split.addWidget(self.performance_chart)
        split.setSizes([260, 240])
        layout = QVBoxLayout(tab)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        layout.addWidget(_definitions_label(performance_definitions()))
        return tab

    def _bot_tab(self) -> QWidget:
        tab = QWidget()
        self.bot_cards: dict[str, QLabel] = {}
        cards = QGridLayout()
        for i, (key, title) in enumerate(
            (
                ("conversations", self.tr("对话数")),
                ("by_mode", self.tr("机器人接待 / 仅人工")),
                ("full_auto_share", self.tr("全自动接待占比")),
                ("solve_rate", self.tr("解决率")),
                ("handoff_rate", self.tr("转人工率")),
            )
        ):
            name = QLabel(title)
            value = QLabel("—")
            value.setObjectName("reportFigure")
            font = value.font()
            font.setPointSizeF(max(font.pointSizeF(), 9.0) * 1.8)
            font.setBold(True)
            value.setFont(font)
            cards.addWidget(name, 0, i)
            cards.addWidget(value, 1, i)
            self.bot_cards[key] = value
        self.reasons_model = TableModel(self)
        self.top_model = TableModel(self)
        self.bot_days_model = TableModel(self)
        self.bot_chart = TrendChart()
        self.bot_chart.set_empty_text(self.tr("该时段机器人没有接待"))
        self.export_bot = QPushButton(self.tr("导出 XLSX"))
        self.export_bot.clicked.connect(lambda: self._export("bot"))
        bar = QHBoxLayout()
        bar.addLayout(cards, 1)
        bar.addWidget(self.export_bot, 0, Qt.AlignmentFlag.AlignTop)
        tables = QSplitter(Qt.Orientation.Horizontal)
        tables.addWidget(_view(self.reasons_model))
        tables.addWidget(_view(self.top_model))
        tables.setSizes([260, 520])
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(tables)
        split.addWidget(self.bot_chart)
        layout = QVBoxLayout(tab)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        layout.addWidget(_definitions_label(bot_definitions()))
        return tab

    def _training_tab(self) -> QWidget:
        tab = QWidget()
        self.analyse_button = QPushButton(self.tr("分析近 7 天未解决问题"))
        self.analyse_button.clicked.connect(self.analyse)
        self.coverage_label = QLabel()
        self.coverage_label.setWordWrap(True)
        self.clusters_model = TableModel(self)
        self.clusters_view = _view(self.clusters_model)
        self.clusters_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.clusters_view.selectionModel().currentRowChanged.connect(lambda *_: self._show_cluster())
        self.export_clusters = QPushButton(self.tr("导出 XLSX"))
        self.export_clusters.clicked.connect(lambda: self._export("training"))
        bar = QHBoxLayout()
        bar.addWidget(self.analyse_button)
        bar.addWidget(self.coverage_label, 1)
        bar.addWidget(self.export_clusters)

        editor = QWidget()
        form = QFormLayout(editor)
        self.phrasings_edit = QPlainTextEdit()
        self.phrasings_edit.setPlaceholderText(self.tr("每行一个问法"))
        self.target = QComboBox()
        self.category = QComboBox()
        self.answer_edit = QPlainTextEdit()
        self.answer_edit.setPlaceholderText(self.tr("新建条目时必填：机器人的回答"))
        self.approve_button = QPushButton(self.tr("采纳"))
        self.dismiss_button = QPushButton(self.tr("忽略"))
        self.approve_button.clicked.connect(self.approve_current)
        self.dismiss_button.clicked.connect(self.dismiss_current)
        self.proposal_label = QLabel()
        self.proposal_label.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.dismiss_button)
        buttons.addStretch(1)
        form.addRow(self.proposal_label)
        form.addRow(self.tr("问法"), self.phrasings_edit)
        form.addRow(self.tr("加到"), self.target)
        form.addRow(self.tr("新条目分类"), self.category)
        form.addRow(self.tr("回答"), self.answer_edit)
        form.addRow(buttons)
        self.target.currentIndexChanged.connect(self._target_changed)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.clusters_view)
        split.addWidget(editor)
        split.setSizes([560, 420])
        layout = QVBoxLayout(tab)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        layout.addWidget(_definitions_label([bot_definitions()[-1]]))
        self._show_cluster()
        return tab

    # -- the period ------------------------------------------------------------------------------------

    def _period_changed(self) -> None:
        custom = self.period.currentData() == Period.CUSTOM.value
        self.date_from.setEnabled(custom)
        self.date_to.setEnabled(custom)

    def days(self) -> DateRange:
        period = Period(self.period.currentData())
        if period is Period.CUSTOM:
            first, last = self.date_from.date().toPython(), self.date_to.date().toPython()
            assert isinstance(first, date) and isinstance(last, date)
            return DateRange(min(first, last), max(first, last))
        return DateRange.of(period, self.ws.reports.today())

    def refresh(self) -> None:
        try:
            days = self.days()
        except Exception as exc:
            self.status.setText(error_text(exc))
            return
        reports = self.ws.reports
        self.status.setText(self.tr("正在统计…"))
        self.tasks.latest(
            ("reports", id(self)),
            lambda: (reports.performance(days), reports.bot(days)),
            self._shown,
            self._failed,
        )

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(error_text(exc))

    def _shown(self, result: tuple[PerformanceReport, BotReport] | None) -> None:
        if result is None:
            return
        self.performance, self.bot = result
        self._show_performance(self.performance)
        self._show_bot(self.bot)
        r = self.performance.range
        self.status.setText(self.tr("{first} 至 {last}").format(first=r.first.isoformat(), last=r.last.isoformat()))
        self.reports_shown.emit()

    def _show_performance(self, report: PerformanceReport) -> None:
        header = (
            self.tr("客服"),
            self.tr("咨询人数"),
            self.tr("接待人数"),
            self.tr("首次响应(秒) 平均"),
            self.tr("首次响应 中位"),
            self.tr("平均响应(秒)"),
            self.tr("响应 中位"),
            self.tr("回复率"),
            self.tr("3 分钟未回复"),
            self.tr("未回复率"),
            self.tr("询单转化率"),
            self.tr("邀请评价"),
            self.tr("满意度"),
            self.tr("采用建议"),
            self.tr("修改后采用"),
            self.tr("未用建议"),
            self.tr("售后新建"),
            self.tr("售后结案"),
            self.tr("48 小时内结案"),
        )
        raw, shown = [], []
        for row in (report.shop, *report.agents):
            name = self.tr("全店") if row.agent_id is None else row.name
            values = (
                name,
                row.asked,
                row.received,
                row.first_response_avg_s,
                row.first_response_median_s,
                row.response_avg_s,
                row.response_median_s,
                row.reply_rate,
                row.late,
                row.late_rate,
                row.conversion_rate,
                row.invitations,
                row.satisfaction,
                row.suggestions_as_is,
                row.suggestions_edited,
                row.replies_without_suggestion,
                row.cases_opened,
                row.cases_closed,
                row.cases_closed_in_time,
            )
            raw.append(values)
            shown.append(
                tuple(
                    seconds_text(v) if i in (3, 4, 5, 6) else rate_text(v) if i in (7, 9, 10, 12) else str(v)  # type: ignore[arg-type]
                    for i, v in enumerate(values)
                )
            )
        self.agents_model.set_rows(header, raw, shown)
        days = [d.day.strftime("%m-%d") for d in report.days]
        self.performance_chart.set_data(
            self.tr("每日咨询与接待人数"),
            days,
            [
                Series(self.tr("咨询人数"), tuple(float(d.asked) for d in report.days)),
                Series(self.tr("接待人数"), tuple(float(d.received) for d in report.days)),
            ],
        )

    def _show_bot(self, report: BotReport) -> None:
        self.bot_cards["conversations"].setText(str(report.conversations))
        self.bot_cards["by_mode"].setText(f"{report.bot} / {report.human_only}")
        self.bot_cards["full_auto_share"].setText(rate_text(report.full_auto_share))
        self.bot_cards["solve_rate"].setText(rate_text(report.solve_rate))
        self.bot_cards["handoff_rate"].setText(rate_text(report.handoff_rate))
        reasons = sorted(report.reasons.items(), key=lambda kv: -kv[1])
        self.reasons_model.set_rows(
            (self.tr("转人工原因"), self.tr("次数"), self.tr("占转人工")),
            [(reason_label(k), n, n / report.handed_off if report.handed_off else None) for k, n in reasons],
            [
                (reason_label(k), str(n), rate_text(n / report.handed_off if report.handed_off else None))
                for k, n in reasons
            ],
        )
        self.top_model.set_rows(
            (self.tr("热门问题（知识条目）"), self.tr("机器人回答次数"), self.tr("买家原话示例")),
            [(t.question, t.answered, t.example) for t in report.top],
            [(t.question, str(t.answered), t.example) for t in report.top],
        )
        day_header = (
            self.tr("日期"),
            self.tr("对话数"),
            self.tr("机器人接待"),
            self.tr("全自动"),
            self.tr("解决"),
            self.tr("转人工"),
        )
        self.bot_days_model.set_rows(
            day_header,
            [(d.day.isoformat(), d.conversations, d.bot, d.full_auto, d.solved, d.handed_off) for d in report.days],
            [
                (
                    d.day.isoformat(),
                    str(d.conversations),
                    str(d.bot),
                    str(d.full_auto),
                    str(d.solved),
                    str(d.handed_off),
                )
                for d in report.days
            ],
        )
        self.bot_chart.set_data(
            self.tr("每日机器人接待、解决与转人工"),
            [d.day.strftime("%m-%d") for d in report.days],
            [
                Series(self.tr("机器人接待"), tuple(float(d.bot) for d in report.days)),
                Series(self.tr("解决"), tuple(float(d.solved) for d in report.days)),
                Series(self.tr("转人工"), tuple(float(d.handed_off) for d in report.days)),
            ],
        )

    # -- the 训练 loop ------------------------------------------------------------------------------------

    def analyse(self) -> None:
        training = self.ws.training
        kb_admin = self.ws.kb_admin
        self.analyse_button.setEnabled(False)
        self.coverage_label.setText(self.tr("正在分析…"))

        def work() -> tuple[list[Cluster], Coverage, list[str]]:
            return (
                training.clusters(training.last_week()),
                training.coverage(),
                [c.name for c in kb_admin.categories()],
            )

        def done(result: tuple[list[Cluster], Coverage, list[str]]) -> None:
            self.analyse_button.setEnabled(True)
            clusters, coverage, categories = result
            current = self.category.currentText()
            self.category.clear()
            self.category.addItems(categories)
            if current:
                self.category.setCurrentText(current)
            self._set_clusters(clusters, coverage)

        def failed(exc: BaseException) -> None:
            self.analyse_button.setEnabled(True)
            self.coverage_label.setText(error_text(exc))

        self.tasks.read(work, done, failed)

    def _set_clusters(self, clusters: list[Cluster], coverage: Coverage) -> None:
        self.clusters, self.coverage = clusters, coverage
        rows = []
        for c in clusters:
            p = c.proposal
            what = (
                self.tr("新建条目（{category}）").format(category=p.category)
                if p.new_entry
                else self.tr("加为「{question}」的问法（{score:.2f}）").format(question=p.entry_question, score=p.score)
            )
            rows.append((c.count, " / ".join(c.examples), what))
        self.clusters_model.set_rows(
            (self.tr("条数"), self.tr("买家原话"), self.tr("建议")), rows, [tuple(str(v) for v in r) for r in rows]
        )
        self._show_coverage()
        if clusters:
            self.clusters_view.selectRow(0)
        self._show_cluster()
        self.clusters_shown.emit()

    def _show_coverage(self) -> None:
        c = self.coverage
        if c is None:
            self.coverage_label.setText(self.tr("点击分析，把机器人没答上的问题归类成建议"))
            return
        self.coverage_label.setText(
            self.tr(
                "近 7 天未解决 {total} 条，已采纳的修改让机器人现在能直接回答其中 {answered} 条；待处理 {n} 类"
            ).format(total=c.total, answered=c.answered, n=len(self.clusters))
        )

    def current_cluster(self) -> Cluster | None:
        row = self.clusters_view.currentIndex().row()
        return self.clusters[row] if 0 <= row < len(self.clusters) else None

    def _show_cluster(self) -> None:
        cluster = self.current_cluster()
        for w in (
            self.phrasings_edit,
            self.target,
            self.category,
            self.answer_edit,
            self.approve_button,
            self.dismiss_button,
        ):
            w.setEnabled(cluster is not None)
        self.target.blockSignals(True)
        self.target.clear()
        if cluster is None:
            self.proposal_label.setText(self.tr("选择左侧的一类问题"))
            self.phrasings_edit.setPlainText("")
            self.target.blockSignals(False)
            return
        p = cluster.proposal
        self.proposal_label.setText(
            self.tr("共 {count} 条：{examples}").format(count=cluster.count, examples=" / ".join(cluster.examples))
        )
        self.phrasings_edit.setPlainText("\n".join(p.phrasings))
        self.target.addItem(self.tr("新建条目"), None)
        seen: set[int] = set()
        if p.entry_id is not None:
            self.target.addItem(f"{p.entry_question}（{p.score:.2f}）", p.entry_id)
            seen.add(p.entry_id)
        for entry_id, question, score in p.alternatives:
            if entry_id not in seen:
                self.target.addItem(f"{question}（{score:.2f}）", entry_id)
                seen.add(entry_id)
        self.target.setCurrentIndex(0 if p.new_entry else 1)
        if p.new_entry and p.category:
            self.category.setCurrentText(p.category)
        self.target.blockSignals(False)
        self._target_changed()

    def _target_changed(self) -> None:
        new = self.target.currentData() is None
        self.category.setEnabled(new and self.current_cluster() is not None)
        self.answer_edit.setEnabled(new and self.current_cluster() is not None)

    def edited_proposal(self) -> Proposal | None:
        cluster = self.current_cluster()
        if cluster is None:
            return None
        phrasings = tuple(t.strip() for t in self.phrasings_edit.toPlainText().splitlines() if t.strip())
        entry_id = self.target.currentData()
        question = "" if entry_id is None else self.target.currentText()
        return Proposal(phrasings, entry_id, question, self.category.currentText(), cluster.proposal.score)

    def approve_current(self) -> None:
        cluster, proposal = self.current_cluster(), self.edited_proposal()
        if cluster is None or proposal is None:
            return
        answer = self.answer_edit.toPlainText()
        training = self.ws.training
        self._decide(cluster, lambda: training.approve(cluster, proposal, answer))

    def dismiss_current(self) -> None:
        cluster = self.current_cluster()
        if cluster is not None:
            training = self.ws.training
            self._decide(cluster, lambda: training.dismiss(cluster))

    def _decide(self, cluster: Cluster, write: Callable[[], object]) -> None:
        training = self.ws.training
        self.approve_button.setEnabled(False)
        self.dismiss_button.setEnabled(False)

        def work() -> Coverage:
            write()
            return training.coverage()

        def done(coverage: Coverage) -> None:
            left = [c for c in self.clusters if c.key != cluster.key]
            self.answer_edit.setPlainText("")
            self._set_clusters(left, coverage)
            self.proposal_done.emit(cluster.key)

        def failed(exc: BaseException) -> None:
            self._show_cluster()
            self.proposal_label.setText(error_text(exc))

        self.tasks.write(work, done, failed)

    # -- export ------------------------------------------------------------------------------------

    def tables(self, which: str) -> tuple[list[Table], list[str]]:
        """The tables of one tab as exported, with the definitions."""
        if which == "performance":
            return [self.agents_model.table(self.tr("客服绩效"))], performance_definitions()
        if which == "bot":
            return (
                [
                    self.reasons_model.table(self.tr("转人工原因")),
                    self.top_model.table(self.tr("热门问题")),
                    self.bot_days_model.table(self.tr("每日")),
                ],
                bot_definitions(),
            )
        return [self.clusters_model.table(self.tr("未解决问题"))], [bot_definitions()[-1]]

    def _export(self, which: str) -> None:
        suggested = str(Path.home() / f"{which}-{self.ws.reports.today().isoformat()}.xlsx")
        path, _ = QFileDialog.getSaveFileName(self, self.tr("导出 XLSX"), suggested, self.tr("Excel 工作簿 (*.xlsx)"))
        if path:
            self.export_to(which, Path(path))

    def export_to(self, which: str, path: Path) -> None:
        tables, notes = self.tables(which)
        title = self.tr("指标说明")
        self.status.setText(self.tr("正在导出…"))

        def done(_rows: int) -> None:
            self.status.setText(self.tr("已导出到 {path}").format(path=str(path)))
            self.exported.emit(str(path))

        self.tasks.read(lambda: write_workbook(path, tables, title, notes), done, self._failed)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.performance is None:
            self.refresh()
