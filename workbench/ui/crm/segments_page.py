"""会员分层: RFM segments, repurchase rate, traffic sources and member levels, with the thresholds a
shop can change. Large enough for a classroom projector (投影模式)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.crm import Dashboard, RfmSettings, Segment
from workbench.domain.orders import format_yuan
from workbench.services.crm import CrmService
from workbench.ui.crm.charts import BarChart, Datum, DonutChart
from workbench.ui.crm.dialogs import RfmSettingsDialog
from workbench.ui.crm.labels import (
    SEGMENT_COLORS,
    SOURCE_COLORS,
    crm_error_text,
    level_color,
    level_label,
    segment_hint,
    segment_label,
    source_label,
)
from workbench.ui.tasks import Tasks
from workbench.ui.theme import scope
from workbench.ui.widgets.card import Card
from workbench.ui.widgets.guard import while_alive
from workbench.ui.widgets.style import adjusted_font

PROJECTOR_SCALE = 1.6


def _money(cents: int) -> str:
    return f"¥{cents / 100:,.2f}"


def _percent(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "0%"


class _Kpi(QFrame):
    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(2)
        self.caption = QLabel(caption, self)
        self.caption.setObjectName("muted")
        self.value = QLabel("—", self)
        self.value.setObjectName("value")
        self.note = QLabel("", self)
        self.note.setObjectName("secondary")
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        layout.addWidget(self.note)
        self.set_scale(1.0)

    def set_scale(self, scale: float) -> None:
        self.value.setFont(adjusted_font(self.font(), 9 * scale, bold=True))
        self.caption.setFont(adjusted_font(self.font(), 3 * (scale - 1)))
        self.note.setFont(adjusted_font(self.font(), 3 * (scale - 1) - 1))


class SegmentDashboardPage(QWidget):
    """The segment dashboard; recomputes segments when orders changed since it was last shown."""

    loaded = Signal(object)
    """The dashboard is on screen; carries the Dashboard."""

    segment_clicked = Signal(object)
    """A segment bar was clicked; carries the Segment."""

    source_clicked = Signal(str)
    """A traffic source was clicked; carries the stored source value."""

    level_clicked = Signal(str)
    """A member level was clicked; carries the level."""

    levels_applied = Signal(int)
    """Member levels were updated from total spend; carries how many customers changed."""

    def __init__(self, tasks: Tasks, crm: CrmService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._crm = crm
        self._board: Dashboard | None = None
        self.dialog: QWidget | None = None
        self.setObjectName("sidebarPage")
        scope(self, "sidebar", "segments")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(scroll)
        content = QWidget()
        content.setObjectName("dashboard")
        scroll.setWidget(content)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(16, 14, 16, 16)
        layout.setSpacing(12)

        head = QHBoxLayout()
        self.title = QLabel(self.tr("会员分层与复购"), self)
        self.title.setObjectName("paneTitle")
        self.title.setFont(adjusted_font(self.font(), 3, bold=True))
        head.addWidget(self.title)
        self.updated = QLabel(self)
        self.updated.setObjectName("muted")
        head.addWidget(self.updated)
        head.addStretch(1)
        self.refresh_button = QPushButton(self.tr("刷新"), self)
        self.refresh_button.clicked.connect(self.refresh)
        self.rules_button = QPushButton(self.tr("分层规则…"), self)
        self.rules_button.clicked.connect(self.edit_rules)
        self.levels_button = QPushButton(self.tr("按消费更新会员等级"), self)
        self.levels_button.clicked.connect(self.apply_levels)
        self.projector_button = QPushButton(self.tr("投影模式"), self)
        self.projector_button.setCheckable(True)
        self.projector_button.toggled.connect(self.set_projector)
        for button in (self.refresh_button, self.rules_button, self.levels_button, self.projector_button):
            head.addWidget(button)
        layout.addLayout(head)

        kpis = QHBoxLayout()
        kpis.setSpacing(12)
        self.customers_kpi = _Kpi(self.tr("客户总数"))
        self.buyers_kpi = _Kpi(self.tr("购买过的客户"))
        self.repurchase_kpi = _Kpi(self.tr("复购率"))
        self.average_kpi = _Kpi(self.tr("客单价"))
        self.sales_kpi = _Kpi(self.tr("累计销售额"))
        self.kpis = (self.customers_kpi, self.buyers_kpi, self.repurchase_kpi, self.average_kpi, self.sales_kpi)
        for kpi in self.kpis:
            kpis.addWidget(kpi, 1)
        layout.addLayout(kpis)

        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(12)
        self.segment_chart = BarChart()
        self.segment_chart.item_clicked.connect(lambda key: self.segment_clicked.emit(Segment(key)))
        self.source_chart = DonutChart()
        self.source_chart.item_clicked.connect(self.source_clicked)
        self.repurchase_chart = BarChart()
        self.repurchase_chart.item_clicked.connect(self.source_clicked)
        self.level_chart = BarChart()
        self.level_chart.item_clicked.connect(self.level_clicked)
        self.charts = (self.segment_chart, self.source_chart, self.repurchase_chart, self.level_chart)
        for chart in self.charts:
            chart.set_empty_text(self.tr("暂无数据"))
        self.segment_card = self._chart_card(self.tr("RFM 客户分层（点击查看客户）"), self.segment_chart)
        self.source_card = self._chart_card(self.tr("客户来源"), self.source_chart)
        self.repurchase_card = self._chart_card(self.tr("各来源复购率"), self.repurchase_chart)
        self.level_card = self._chart_card(self.tr("会员等级"), self.level_chart)
        grid.addWidget(self.segment_card, 0, 0)
        grid.addWidget(self.source_card, 0, 1)
        grid.addWidget(self.repurchase_card, 1, 0)
        grid.addWidget(self.level_card, 1, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        layout.addLayout(grid)
        self.rules_label = QLabel(self)
        self.rules_label.setObjectName("muted")
        self.rules_label.setWordWrap(True)
        layout.addWidget(self.rules_label)
        self.error = QLabel(self)
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        layout.addStretch(1)

    def _chart_card(self, title: str, chart: QWidget) -> Card:
        card = Card(title)
        card.title_label.setFont(adjusted_font(self.font(), 1, bold=True))
        card.body.addWidget(chart, 1)
        chart.setAccessibleName(title)  # a screen reader names the chart by its card's title
        return card

    # -- data ------------------------------------------------------------------------------------

    def dashboard(self) -> Dashboard | None:
        return self._board

    def refresh(self) -> None:
        """Recount (and resegment first if orders changed) in the background."""
        self.refresh_button.setEnabled(False)
        crm = self._crm
        self._tasks.write(crm.dashboard, while_alive(self, self._show), while_alive(self, self._failed))

    def _failed(self, exc: BaseException) -> None:
        self.refresh_button.setEnabled(True)
        self.error.setText(crm_error_text(exc))

    def _show(self, board: Dashboard) -> None:
        self._board = board
        self.refresh_button.setEnabled(True)
        self.error.setText("")
        if board.computed_at is not None:
            self.updated.setText(self.tr("数据更新于 {at}").format(at=f"{board.computed_at:%Y-%m-%d %H:%M}"))
        self.customers_kpi.value.setText(f"{board.customers:,}")
        self.buyers_kpi.value.setText(f"{board.buyers:,}")
        self.buyers_kpi.note.setText(self.tr("占 {p}").format(p=_percent(board.buyers, board.customers)))
        self.repurchase_kpi.value.setText(f"{board.repurchase_rate:.1%}")
        self.repurchase_kpi.note.setText(self.tr("{n} 位买过两次及以上").format(n=f"{board.repeat_buyers:,}"))
        average = board.total_cents // board.orders if board.orders else 0
        self.average_kpi.value.setText(_money(average))
        self.average_kpi.note.setText(self.tr("{n} 笔订单").format(n=f"{board.orders:,}"))
        self.sales_kpi.value.setText(_money(board.total_cents))
        self.segment_chart.set_data(
            [
                Datum(
                    s.segment.value,
                    segment_label(s.segment),
                    s.customers,
                    SEGMENT_COLORS[s.segment],
                    f"{s.customers:,} · {_percent(s.customers, board.customers)}",
                    segment_hint(s.segment),
                )
                for s in board.segments
            ]
        )
        self.source_chart.set_data(
            [
                Datum(
                    s.source,
                    source_label(s.source),
                    s.customers,
                    SOURCE_COLORS[i % len(SOURCE_COLORS)],
                    f"{s.customers:,} · {_percent(s.customers, board.customers)}",
                )
                for i, s in enumerate(board.sources)
            ]
        )
        self.source_chart.set_centre(f"{board.customers:,}", self.tr("位客户"))
        self.repurchase_chart.set_data(
            [
                Datum(
                    s.source,
                    source_label(s.source),
                    s.repurchase_rate,
                    SOURCE_COLORS[i % len(SOURCE_COLORS)],
                    f"{s.repurchase_rate:.0%}",
                    self.tr("{b} 位购买客户中 {r} 位复购").format(b=s.buyers, r=s.repeat_buyers),
                )
                for i, s in enumerate(board.sources)
            ]
        )
        self.level_chart.set_data(
            [Datum(name, level_label(name), n, level_color(name), f"{n:,}") for name, n in board.levels if n or name]
        )
        self.rules_label.setText(self._rules_text(board.settings))
        self.loaded.emit(board)

    def _rules_text(self, s: RfmSettings) -> str:
        return self.tr(
            "规则：超过 {risk} 天未购买为流失预警，超过 {churn} 天为已流失；购买 ≥{orders} 次且累计 ≥{money} 为高价值；"
            "{new} 天内首次购买为新客；其余活跃客户为潜力客户。"
        ).format(
            risk=s.at_risk_days,
            churn=s.churned_days,
            orders=s.high_value_orders,
            money=format_yuan(s.high_value_cents),
            new=s.new_days,
        )

    # -- actions ---------------------------------------------------------------------------------

    def set_projector(self, on: bool) -> None:
        scale = PROJECTOR_SCALE if on else 1.0
        for chart in self.charts:
            chart.set_scale(scale)
        for kpi in self.kpis:
            kpi.set_scale(scale)
        for card in (self.segment_card, self.source_card, self.repurchase_card, self.level_card):
            card.title_label.setFont(adjusted_font(self.font(), 1 + 4 * (scale - 1), bold=True))
        self.title.setFont(adjusted_font(self.font(), 3 + 6 * (scale - 1), bold=True))

    def edit_rules(self) -> None:
        settings = self._board.settings if self._board else RfmSettings()
        dialog = RfmSettingsDialog(settings, self)
        self.dialog = dialog
        crm = self._crm

        def finished(result: int) -> None:
            self.dialog = None
            value = dialog.result_value
            if result and isinstance(value, RfmSettings):
                self.refresh_button.setEnabled(False)
                self._tasks.write(
                    lambda: crm.save_settings(value), while_alive(self, self._show), while_alive(self, self._failed)
                )
            dialog.deleteLater()

        dialog.finished.connect(finished)
        dialog.open()

    def apply_levels(self) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("更新会员等级"))
        settings = self._board.settings if self._board else RfmSettings()
        low, mid, high = (format_yuan(c) for c in settings.level_cents)
        box.setText(self.tr("按累计消费重新评定所有客户的会员等级？"))
        box.setInformativeText(
            self.tr("银卡 ≥{a}，金卡 ≥{b}，钻石 ≥{c}；其余为普通会员。").format(a=low, b=mid, c=high)
        )
        ok = box.addButton(self.tr("更新"), QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(self.tr("取消"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        crm = self._crm

        def answered(button: object) -> None:
            self.dialog = None
            if button is ok:

                def done(changed: int) -> None:
                    self.levels_applied.emit(changed)
                    self.refresh()

                self._tasks.write(crm.apply_member_levels, while_alive(self, done), while_alive(self, self._failed))

        box.buttonClicked.connect(answered)
        self.dialog = box
        box.open()
