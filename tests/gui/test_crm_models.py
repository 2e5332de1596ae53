"""The paged customer and follow-up models (checked with qtmodeltester), the charts and the forms."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from workbench.bench.customers import generate
from workbench.domain.crm import (
    CustomerFilter,
    FollowUpOutcome,
    FollowUpView,
    GroupKind,
    RfmSettings,
    Segment,
    SortKey,
    TagMatch,
    TagUsage,
)
from workbench.services.crm import CrmService
from workbench.services.crm_followups import FollowUpService
from workbench.storage.db import Database, sqlite_url
from workbench.ui.crm import paged_model
from workbench.ui.crm.charts import BarChart, Datum, DonutChart
from workbench.ui.crm.dialogs import (
    CareTemplateDialog,
    FollowUpRuleDialog,
    MoreCustomerFiltersDialog,
    OutcomeDialog,
    ProfileEditDialog,
    RfmSettingsDialog,
    SaveGroupDialog,
)
from workbench.ui.crm.filter_bar import CustomerFilterBar
from workbench.ui.crm.list_model import Col, CustomerRoles, CustomerTableModel, FollowUpRoles, FollowUpTableModel
from workbench.ui.crm.tags_page import TagLibraryModel
from workbench.ui.tasks import Tasks

NOW = datetime(2026, 11, 11, 12, 0)
CUSTOMERS = 2_500  # more than the model ever holds (MAX_PAGES × PAGE_SIZE = 2,000)


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, int]]:
    db = Database(sqlite_url(tmp_path_factory.mktemp("crm") / "big.sqlite3"))
    db.migrate()
    shop_id, _tags = generate(db, CUSTOMERS, 12_000)
    CrmService(db, shop_id, lambda: NOW).refresh()
    yield db, shop_id
    db.dispose()


@pytest.fixture
def tasks(qtbot: QtBot) -> Iterator[Tasks]:
    tasks = Tasks()
    yield tasks
    assert tasks.wait_idle()
    qtbot.waitUntil(lambda: tasks.pending() == 0)


@pytest.fixture
def crm(big_db: tuple[Database, int]) -> CrmService:
    db, shop_id = big_db
    return CrmService(db, shop_id, lambda: NOW)


def load(
    qtbot: QtBot, model: CustomerTableModel, f: CustomerFilter, sort: SortKey = SortKey.ID, desc: bool = True
) -> None:
    with qtbot.waitSignal(model.page_loaded, timeout=10_000):
        model.set_query(f, sort, desc)


def test_customer_model_passes_the_model_tester(
    qtbot: QtBot, qtmodeltester: ModelTester, tasks: Tasks, crm: CrmService
) -> None:
    model = CustomerTableModel(tasks, crm)
    load(qtbot, model, CustomerFilter(segments=(Segment.NEW,)))
    assert 0 < model.rowCount() <= paged_model.PAGE_SIZE  # one page: every row is on hand
    qtmodeltester.check(model)
    item = model.index(0, Col.CUSTOMER).data(CustomerRoles.ITEM)
    assert item.stats.segment is Segment.NEW
    assert model.index(0, Col.PHONE).data() == item.phone_masked
    assert "*" in item.phone_masked


def test_the_model_never_holds_all_rows(qtbot: QtBot, tasks: Tasks, crm: CrmService) -> None:
    model = CustomerTableModel(tasks, crm)
    load(qtbot, model, CustomerFilter(), SortKey.SPENT)
    assert model.rowCount() == CUSTOMERS
    assert model.index(CUSTOMERS - 1, 0).data() == "…"  # not fetched yet: a placeholder
    spent: list[int] = []
    for row in range(0, CUSTOMERS, paged_model.PAGE_SIZE):
        model.request_row(row)
        qtbot.waitUntil(lambda r=row: model.is_loaded(r), timeout=10_000)  # type: ignore[misc]
        assert model.cached_rows() <= paged_model.MAX_PAGES * paged_model.PAGE_SIZE < CUSTOMERS
        item = model.item(row)
        assert item is not None
        spent.append(item.stats.total_cents)
    assert spent == sorted(spent, reverse=True)
    assert not model.is_loaded(0)  # the first pages were dropped on the way down


def test_a_new_query_ignores_pages_of_the_old_one(qtbot: QtBot, tasks: Tasks, crm: CrmService) -> None:
    model = CustomerTableModel(tasks, crm)
    model.set_query(CustomerFilter())
    with qtbot.waitSignal(model.page_loaded, timeout=10_000):
        model.set_query(CustomerFilter(segments=(Segment.CHURNED,)))
    assert model.rowCount() == crm.count(CustomerFilter(segments=(Segment.CHURNED,)))
    rows = [model.item(r) for r in range(min(model.rowCount(), paged_model.PAGE_SIZE))]
    assert all(r is not None and r.stats.segment is Segment.CHURNED for r in rows)


def test_sorting_by_a_sortable_column_only(qtbot: QtBot, tasks: Tasks, crm: CrmService) -> None:
    model = CustomerTableModel(tasks, crm)
    load(qtbot, model, CustomerFilter(tag_ids=(1,)))
    with qtbot.waitSignal(model.page_loaded, timeout=10_000):
        model.sort(Col.ORDERS, Qt.SortOrder.DescendingOrder)
    counts = [model.item(r).stats.order_count for r in range(20)]  # type: ignore[union-attr]
    assert counts == sorted(counts, reverse=True) and model.sort_column() == Col.ORDERS
    with qtbot.assertNotEmitted(model.count_changed):
        model.sort(Col.PHONE, Qt.SortOrder.AscendingOrder)  # masked phones cannot be sorted
    assert model.sort_key is SortKey.ORDERS


def test_follow_up_model(qtbot: QtBot, qtmodeltester: ModelTester, tasks: Tasks, big_db: tuple[Database, int]) -> None:
    db, shop_id = big_db
    service = FollowUpService(db, shop_id, lambda: NOW, "压测旗舰店")
    for cid in (1, 2, 3):
        service.schedule(cid, NOW, "电话回访")
    model = FollowUpTableModel(tasks, service, lambda: NOW)
    with qtbot.waitSignal(model.page_loaded, timeout=10_000):
        model.set_view(FollowUpView.DUE)
    assert model.rowCount() >= 3
    qtmodeltester.check(model)
    fu = model.index(0, 0).data(FollowUpRoles.FOLLOWUP)
    assert model.index(0, 0).data(FollowUpRoles.FOLLOWUP_ID) == fu.id
    assert model.index(0, 1).data() == fu.customer_nick


def test_tag_library_model(qtmodeltester: ModelTester) -> None:
    model = TagLibraryModel()
    model.set_tags(
        [
            TagUsage(3, "爱砍价", "#fa8c16", "沟通", False, 4),
            TagUsage(0, "88VIP", "#262626", "", True, 9),
            TagUsage(5, "大码", "#722ed1", "", False, 1),
        ]
    )
    qtmodeltester.check(model)
    assert [model.index(r, 0).data() for r in range(3)] == ["88VIP", "爱砍价", "大码"]
    assert model.index(0, 2).data() == "官方（只读）"


# -- charts ----------------------------------------------------------------------------------------


def test_bar_chart_reports_the_clicked_bar(qtbot: QtBot) -> None:
    chart = BarChart()
    qtbot.addWidget(chart)
    chart.resize(500, 240)
    chart.set_data([Datum("a", "高价值", 5, "#d4380d", "5"), Datum("b", "潜力", 10, "#1677ff", "10")])
    chart.show()
    qtbot.waitExposed(chart)
    row_h, _label_w, _text_w, top = chart._rows()
    with qtbot.waitSignal(chart.item_clicked) as blocker:
        y = top + row_h * 1.5  # the middle of the second row
        QTest.mouseClick(chart, Qt.MouseButton.LeftButton, pos=QPointF(chart.width() / 2, y).toPoint())
    assert blocker.args == ["b"]
    chart.set_scale(1.6)
    assert chart.sizeHint().height() > BarChart().sizeHint().height()


def test_donut_chart_hit_test_follows_the_slices(qtbot: QtBot) -> None:
    chart = DonutChart()
    qtbot.addWidget(chart)
    chart.resize(420, 240)
    chart.set_data([Datum("right", "站内免费", 1, "#1677ff", "1"), Datum("left", "站外", 1, "#fa8c16", "1")])
    ring, thickness, _legend = chart._geometry()
    centre = ring.center()
    r = ring.width() / 2 - thickness / 2
    assert chart._hit(QPointF(centre.x() + r, centre.y())) == 0  # first half: clockwise from 12 o'clock
    assert chart._hit(QPointF(centre.x() - r, centre.y())) == 1
    assert chart._hit(centre) == -1  # the hole


# -- the filter bar and forms ---------------------------------------------------------------------


def test_filter_bar_menus_build_the_filter(qtbot: QtBot) -> None:
    bar = CustomerFilterBar()
    qtbot.addWidget(bar)
    bar.set_tags([TagUsage(7, "老客户", "#52c41a", "价值", False, 3), TagUsage(8, "大码", "#722ed1", "", False, 1)])
    tag_menu = bar.tag_button.menu()
    assert tag_menu is not None
    actions = {a.data(): a for a in tag_menu.actions() if a.isCheckable()}
    with qtbot.waitSignal(bar.filter_changed) as blocker:
        actions[7].trigger()
    assert blocker.args[0] == CustomerFilter(tag_ids=(7,))
    with qtbot.waitSignal(bar.filter_changed) as blocker:
        actions[TagMatch.NONE.value].trigger()
    assert blocker.args[0].tag_match is TagMatch.NONE
    segment_menu = bar.segment_button.menu()
    assert segment_menu is not None
    with qtbot.waitSignal(bar.filter_changed) as blocker:
        next(a for a in segment_menu.actions() if a.data() == Segment.AT_RISK.value).trigger()
    assert blocker.args[0].segments == (Segment.AT_RISK,)
    assert bar.tag_button.text().startswith("标签 · 1")
    bar.search_edit.setText("13800")
    with qtbot.waitSignal(bar.filter_changed, timeout=2000) as blocker:
        QTest.keyClick(bar.search_edit, Qt.Key.Key_Return)
    assert blocker.args[0].search == "13800"
    assert "不含标签 老客户" in bar.summary() and "搜索“13800”" in bar.summary()
    with qtbot.waitSignal(bar.filter_changed) as blocker:
        bar.clear_button.click()
    assert blocker.args[0] == CustomerFilter() and not bar.clear_button.isEnabled()
    assert not any(a.isChecked() for a in segment_menu.actions())


def test_search_waits_for_a_pause_in_typing(qtbot: QtBot) -> None:
    bar = CustomerFilterBar()
    qtbot.addWidget(bar)
    bar.search_edit.setFocus()
    with qtbot.waitSignal(bar.filter_changed, timeout=3000) as blocker:
        QTest.keyClicks(bar.search_edit, "lily")
    assert blocker.args[0].search == "lily"


def test_more_filters_dialog_validates_ranges(qtbot: QtBot) -> None:
    dialog = MoreCustomerFiltersDialog(CustomerFilter(search="x"), date(2026, 11, 11))
    qtbot.addWidget(dialog)
    dialog.min_spent.setValue(500)
    dialog.max_spent.setValue(100)
    dialog.try_accept()
    assert dialog.error.isVisibleTo(dialog) and "消费金额范围" in dialog.error.text()
    dialog.max_spent.setValue(-1)  # 不限
    dialog.from_check.setChecked(True)
    dialog.min_orders.setValue(2)
    with qtbot.waitSignal(dialog.accepted):
        dialog.try_accept()
    value = dialog.result_value
    assert isinstance(value, CustomerFilter)
    assert (value.search, value.min_spent_cents, value.max_spent_cents, value.min_orders) == ("x", 50_000, None, 2)
    assert value.last_order_from == date(2026, 1, 1)


def test_forms_refuse_bad_input(qtbot: QtBot) -> None:
    template = CareTemplateDialog(None)
    qtbot.addWidget(template)
    template.name_edit.setText("节日")
    template.text_edit.setPlainText("{优惠券}到账啦")
    template.try_accept()
    assert "{优惠券}" in template.error.text()
    rule = FollowUpRuleDialog(None, [])
    qtbot.addWidget(rule)
    rule.min_spin.setValue(5)
    rule.max_spin.setValue(2)
    rule.try_accept()
    assert "天数范围" in rule.error.text()
    rfm = RfmSettingsDialog(RfmSettings())
    qtbot.addWidget(rfm)
    rfm.at_risk_days.setValue(400)
    rfm.try_accept()
    assert "流失预警天数" in rfm.error.text()
    group = SaveGroupDialog(GroupKind.STATIC)
    qtbot.addWidget(group)
    group.try_accept()
    assert "分组名不能为空" in group.error.text()
    outcome = OutcomeDialog("小鹿")
    qtbot.addWidget(outcome)
    outcome.choose(FollowUpOutcome.REPURCHASE)
    with qtbot.waitSignal(outcome.accepted):
        outcome.try_accept()
    assert outcome.result_value == (FollowUpOutcome.REPURCHASE, "")


def test_profile_form(qtbot: QtBot, tmp_path: Path) -> None:
    from workbench.domain.customers import Customer

    dialog = ProfileEditDialog(Customer(id=1, nick="小鹿", phone="13812345678", member_level="金卡"), "通勤", "M")
    qtbot.addWidget(dialog)
    dialog.phone_edit.setText("1381234")
    dialog.try_accept()
    assert "11 位" in dialog.error.text()
    dialog.phone_edit.setText("13900001111")
    dialog.points_spin.setValue(66)
    with qtbot.waitSignal(dialog.accepted):
        dialog.try_accept()
    edit = dialog.result_value
    assert edit.phone == "13900001111" and edit.points == 66 and edit.member_level == "金卡"  # type: ignore[attr-defined]
