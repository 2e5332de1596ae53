"""行业包 tab: the shipped industry packs; subscribe, upgrade (keeping the shop's edits) and
unsubscribe, with a report of what changed."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from workbench.domain.packs import ChangeKind, PackReport
from workbench.services.packs import PackResult, PackStatus
from workbench.ui.kb_admin.common import Confirm, ask_yes_no, panel, row_table, split_root, style_tab
from workbench.ui.kb_admin.models import PackListModel, PackReportModel, PackRoles, pack_state_text
from workbench.ui.kb_admin.session import KbSession
from workbench.ui.kb_admin.texts import category_label, change_label, failure_text
from workbench.ui.theme import colour
from workbench.ui.widgets.style import adjusted_font

AnyIndex = QModelIndex | QPersistentModelIndex


class PackDelegate(QStyledItemDelegate):
    """A pack as a card: name and version, size, and its subscription state."""

    HEIGHT = 84

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        return QSize(option.rect.width(), self.HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        status: PackStatus = index.data(PackRoles.STATUS)
        rect: QRect = option.rect.adjusted(2, 4, -2, -4)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(colour("accent" if selected else "card_border")))
        painter.setBrush(colour("accent_faint" if selected else "surface"))
        painter.drawRoundedRect(rect, 6, 6)
        inner = rect.adjusted(12, 10, -12, -10)
        base = option.font
        bold = adjusted_font(base, 1, bold=True)
        small = adjusted_font(base, -1)
        painter.setFont(bold)
        painter.setPen(colour("text"))
        fm_bold = QFontMetrics(bold)
        title = index.data(Qt.ItemDataRole.DisplayRole)
        painter.drawText(QRect(inner.left(), inner.top(), inner.width(), fm_bold.height()), 0, title)
        fm_small = QFontMetrics(small)
        y = inner.top() + fm_bold.height() + 4
        painter.setFont(small)
        painter.setPen(colour("text_muted"))
        size = self.tr("{entries} 条知识 · {phrasings} 个问法").format(
            entries=len(status.pack.entries), phrasings=status.pack.phrasing_count
        )
        painter.drawText(QRect(inner.left(), y, inner.width(), fm_small.height()), 0, size)
        y += fm_small.height() + 6
        state = pack_state_text(status)
        # the state pill: upgradable (warning), subscribed (accent) or not (muted), each on its soft tint
        tone = "warning" if status.upgradable else ("accent" if status.subscription else "text_muted")
        pill_w = fm_small.horizontalAdvance(state) + 14
        pill = QRect(inner.left(), y, min(pill_w, inner.width()), fm_small.height() + 4)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour({"accent": "accent_soft", "warning": "warning_soft"}.get(tone, "neutral_soft")))
        painter.drawRoundedRect(pill, 8, 8)
        painter.setPen(colour(tone))
        painter.drawText(
            pill,
            Qt.AlignmentFlag.AlignCenter,
            fm_small.elidedText(state, Qt.TextElideMode.ElideRight, pill.width() - 8),
        )
        painter.restore()


class PacksTab(QWidget):
    catalog_loaded = Signal()
    """The pack list shows the shipped packs and the shop's subscriptions."""
    pack_changed = Signal(object)
    """A subscribe, upgrade or unsubscribe finished; carries its PackReport."""

    def __init__(self, session: KbSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        style_tab(self, "packsTab", "kb_packs")
        self.session = session
        self.confirm: Confirm = lambda title, text: ask_yes_no(self, title, text)
        self.last_report: PackReport | None = None
        self._build()

    def _build(self) -> None:
        split = split_root(self)

        left, lv = panel(split, 10, 10, 10, 10)
        title = QLabel(self.tr("行业包"), left)
        title.setObjectName("sectionTitle")
        lv.addWidget(title)
        hint = QLabel(self.tr("按店铺主营类目订阅，一键获得该行业的高频问题、问法和参考答案。"), left)
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        lv.addWidget(hint)
        self.model = PackListModel(self)
        self.list = QListView(left)
        self.list.setObjectName("packList")
        self.list.setModel(self.model)
        self.list.setItemDelegate(PackDelegate(self.list))
        self.list.setSpacing(2)
        self.list.selectionModel().currentRowChanged.connect(self._selected)
        lv.addWidget(self.list, 1)

        right, rv = panel(split, 16, 14, 16, 12)
        rv.setSpacing(8)
        self.title = QLabel(right)
        self.title.setObjectName("packTitle")
        self.title.setFont(adjusted_font(self.font(), 3, bold=True))
        rv.addWidget(self.title)
        self.description = QLabel(right)
        self.description.setObjectName("muted")
        self.description.setWordWrap(True)
        rv.addWidget(self.description)
        self.coverage = QLabel(right)
        self.coverage.setWordWrap(True)
        rv.addWidget(self.coverage)
        self.subscription = QLabel(right)
        self.subscription.setWordWrap(True)
        rv.addWidget(self.subscription)
        actions = QHBoxLayout()
        self.version_label = QLabel(self.tr("版本"), right)
        actions.addWidget(self.version_label)
        self.version = QComboBox(right)
        actions.addWidget(self.version)
        self.subscribe_button = QPushButton(self.tr("订阅"), right)
        self.subscribe_button.setObjectName("primary")
        self.subscribe_button.clicked.connect(self.subscribe)
        actions.addWidget(self.subscribe_button)
        self.upgrade_button = QPushButton(right)
        self.upgrade_button.setObjectName("primary")
        self.upgrade_button.clicked.connect(self.upgrade)
        actions.addWidget(self.upgrade_button)
        self.unsubscribe_button = QPushButton(self.tr("退订"), right)
        self.unsubscribe_button.setObjectName("danger")
        self.unsubscribe_button.clicked.connect(self.unsubscribe)
        actions.addWidget(self.unsubscribe_button)
        actions.addStretch(1)
        rv.addLayout(actions)
        self.status = QLabel(right)
        self.status.setObjectName("muted")
        self.status.setWordWrap(True)
        rv.addWidget(self.status)

        line = QFrame(right)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setObjectName("packsRule")
        rv.addWidget(line)
        self.report_title = QLabel(self.tr("变更报告"), right)
        self.report_title.setObjectName("sectionTitle")
        rv.addWidget(self.report_title)
        self.report_summary = QLabel(self.tr("订阅、升级或退订后，这里列出新增、更新、保留和移除的知识。"), right)
        self.report_summary.setObjectName("summary")
        self.report_summary.setWordWrap(True)
        rv.addWidget(self.report_summary)
        self.report = PackReportModel(self)
        self.report_view = row_table(right, self.report, 30)
        header = self.report_view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(1, 260)
        rv.addWidget(self.report_view, 1)

        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([330, 1000])
        self._show(None)

    # -- loading -----------------------------------------------------------------------------

    def refresh(self, select: str | None = None) -> None:
        current = self.current_status()
        wanted = select or (current.pack.id if current else None)

        def loaded(packs: list[PackStatus]) -> None:
            self.model.set_packs(packs)
            row = self.model.row_of(wanted) if wanted else 0
            self.list.selectionModel().setCurrentIndex(
                self.model.index(max(row, 0)), QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
            self._show(self.current_status())
            self.catalog_loaded.emit()

        self.session.read(self.session.packs.catalog, loaded, self._failed)

    def current_status(self) -> PackStatus | None:
        index = self.list.currentIndex()
        return self.model.status(index.row()) if index.isValid() else None

    def select_pack(self, pack_id: str) -> None:
        row = self.model.row_of(pack_id)
        if row >= 0:
            self.list.selectionModel().setCurrentIndex(
                self.model.index(row), QItemSelectionModel.SelectionFlag.ClearAndSelect
            )

    def _selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show(self.model.status(current.row()) if current.isValid() else None)

    def _show(self, status: PackStatus | None) -> None:
        for w in (self.version, self.subscribe_button, self.upgrade_button, self.unsubscribe_button):
            w.setVisible(status is not None)
        self.version_label.setVisible(status is not None)
        if status is None:
            self.title.setText(self.tr("行业包"))
            self.description.setText("")
            self.coverage.setText("")
            self.subscription.setText("")
            return
        pack, sub = status.pack, status.subscription
        self.title.setText(self.tr("{name}行业包").format(name=pack.name))
        self.description.setText(pack.description)
        parts = [
            self.tr("{category} {n}").format(category=category_label(c), n=n) for c, n in pack.categories().items()
        ]
        self.coverage.setText(
            self.tr("最新版本 {version} · {entries} 条知识 · {phrasings} 个问法\n覆盖：{parts}").format(
                version=pack.version, entries=len(pack.entries), phrasings=pack.phrasing_count, parts=" · ".join(parts)
            )
        )
        if sub is None:
            self.subscription.setText(self.tr("未订阅。订阅后这些知识会加入店铺知识库，可以随时修改答案。"))
        else:
            self.subscription.setText(
                self.tr(
                    "已订阅 {version}（{when} 订阅）· 知识库中有 {n} 条来自此包，其中 {edited} 条店铺修改过"
                ).format(
                    version=sub.version, when=f"{sub.subscribed_at:%Y-%m-%d %H:%M}", n=sub.entries, edited=sub.edited
                )
            )
        self.version.clear()
        for v in reversed(status.versions):
            self.version.addItem(v, v)
        self.version.setEnabled(sub is None and len(status.versions) > 1)
        self.subscribe_button.setVisible(sub is None)
        self.upgrade_button.setVisible(sub is not None)
        self.upgrade_button.setEnabled(status.upgradable)
        self.upgrade_button.setText(
            self.tr("升级到 {version}").format(version=pack.version) if status.upgradable else self.tr("已是最新版本")
        )
        self.unsubscribe_button.setVisible(sub is not None)
        self.version_label.setVisible(sub is None)
        self.version.setVisible(sub is None)

    # -- actions -----------------------------------------------------------------------------

    def subscribe(self, version: str | None = None) -> None:
        status = self.current_status()
        if status is None:
            return
        chosen = version or self.version.currentData() or None
        packs = self.session.packs
        pack_id = status.pack.id
        self._run(lambda: packs.subscribe(pack_id, chosen), pack_id)

    def upgrade(self) -> None:
        status = self.current_status()
        if status is None:
            return
        packs = self.session.packs
        pack_id = status.pack.id
        self._run(lambda: packs.upgrade(pack_id), pack_id)

    def unsubscribe(self) -> None:
        status = self.current_status()
        if status is None or status.subscription is None:
            return
        sub = status.subscription
        text = self.tr(
            "退订「{name}」？店铺没改过的 {plain} 条知识会从知识库删除；改过的 {edited} 条保留为自定义问题。"
        ).format(name=status.pack.name, plain=sub.entries - sub.edited, edited=sub.edited)
        if not self.confirm(self.tr("退订行业包"), text):
            return
        packs = self.session.packs
        pack_id = status.pack.id
        self._run(lambda: packs.unsubscribe(pack_id), pack_id)

    def _run(self, job: Callable[[], PackResult], pack_id: str) -> None:
        for b in (self.subscribe_button, self.upgrade_button, self.unsubscribe_button):
            b.setEnabled(False)
        self.status.setText(self.tr("正在处理…"))

        def done(result: PackResult) -> None:
            self.status.setText("")
            self.show_report(result.report)
            self.refresh(pack_id)
            self.pack_changed.emit(result.report)

        def failed(exc: BaseException) -> None:
            self._failed(exc)
            self.refresh(pack_id)

        self.session.write(job, lambda r: r.change, done, failed)

    def show_report(self, report: PackReport) -> None:
        self.last_report = report
        if report.from_version and report.to_version:
            title = self.tr("变更报告：{name} {old} → {new}").format(
                name=report.pack_name, old=report.from_version, new=report.to_version
            )
        elif report.to_version:
            title = self.tr("变更报告：订阅 {name} {new}").format(name=report.pack_name, new=report.to_version)
        else:
            title = self.tr("变更报告：退订 {name} {old}").format(name=report.pack_name, old=report.from_version)
        self.report_title.setText(title)
        counts = report.counts()
        shown = [
            f"{change_label(kind)} {counts[kind]}"
            for kind in (
                ChangeKind.ADDED,
                ChangeKind.UPDATED,
                ChangeKind.KEPT_EDITED,
                ChangeKind.KEPT_DETACHED,
                ChangeKind.REMOVED,
                ChangeKind.SKIPPED_EXISTING,
                ChangeKind.SKIPPED_DELETED,
                ChangeKind.UNCHANGED,
            )
            if counts[kind]
        ]
        summary = " · ".join(shown) or self.tr("没有变化")
        conflicts = len(report.conflicts)
        if conflicts:
            summary += "\n" + self.tr(
                "{n} 条冲突：新版本也改了店铺修改过的知识，已保留店铺的版本，请对比后手动合并。"
            ).format(n=conflicts)
        self.report_summary.setText(summary)
        self.report.set_changes(report.changes)

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(failure_text(exc))
