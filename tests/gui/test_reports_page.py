"""数据中心 in the main window: the period's figures with their definitions, the 训练 loop (analyse,
approve a proposal, the bot answers at once), and XLSX export of the tables."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from openpyxl import load_workbook
from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory
from tests.unit.storage.test_reports import Log
from workbench.kb.matcher import OutcomeKind
from workbench.services.workspace import Workspace
from workbench.ui.reports.page import ReportsPage, TableModel

ABROAD = ["可以寄到新加坡吗", "能发新加坡吗", "新加坡能寄吗"]
WAIT_MS = 60_000


def _traffic(ws: Workspace) -> None:
    """An agent's chat answered after 2 minutes and a bot chat whose questions the bot could not answer."""
    now = datetime.now().replace(microsecond=0)
    with ws.db.session() as s:
        log = Log(s, ws.shop.id)
        log.n = 900
        buyer = log.customer()
        chat = log.chat(buyer, ws.agent.id, now - timedelta(minutes=10))
        log.msg(chat, "customer", now - timedelta(minutes=10))
        log.msg(chat, "agent", now - timedelta(minutes=8), ws.agent.id)
        for i, text in enumerate(ABROAD):
            bot_chat = log.chat(log.customer(), None, now - timedelta(minutes=5 - i))
            log.bot(bot_chat, now - timedelta(minutes=5 - i))
            log.reply(bot_chat, now - timedelta(minutes=5 - i), "fallback", text)


def test_the_data_centre_shows_figures_trains_the_bot_and_exports(
    make_window: WindowFactory, qtbot: QtBot, tmp_path: Path
) -> None:
    window = make_window()
    ws = window.workspace
    assert ws is not None
    _traffic(ws)
    assert "数据中心" in [window.nav.item(i).text() for i in range(window.nav.count())]
    page = window.show_page(window.page_index["reports"])
    assert isinstance(page, ReportsPage)
    qtbot.waitUntil(lambda: page.performance is not None, timeout=WAIT_MS)
    assert page.performance is not None and page.bot is not None
    assert page.agents_model.shown[0][0] == "全店" and page.performance.shop.asked >= 1
    assert page.performance.shop.response_avg_s is not None
    assert page.bot.bot >= len(ABROAD)
    assert page.bot_cards["solve_rate"].text().endswith("%")
    assert len(page.performance_chart.series()) == 2

    # 训练: the misses come back as one cluster; approving it as a new entry answers them at once
    page.tabs.setCurrentIndex(2)
    page.analyse()
    qtbot.waitUntil(lambda: page.coverage is not None, timeout=WAIT_MS)
    [row] = [i for i, c in enumerate(page.clusters) if set(c.examples) == set(ABROAD)]
    page.clusters_view.selectRow(row)
    assert page.phrasings_edit.toPlainText().splitlines()[0] in ABROAD
    page.target.setCurrentIndex(0)  # 新建条目
    page.category.setCurrentText("物流问题")
    page.answer_edit.setPlainText("可以寄新加坡，运费另计")
    with qtbot.waitSignal(page.proposal_done, timeout=WAIT_MS):
        page.approve_current()
    assert page.coverage is not None and page.coverage.answered >= len(ABROAD)
    matcher = ws.matcher.current()
    assert matcher is not None
    assert all(matcher.answer(t).kind is OutcomeKind.DIRECT for t in ABROAD)
    assert not any(set(c.examples) & set(ABROAD) for c in page.clusters)

    # every table of the tab into one workbook, with the definitions
    target = tmp_path / "bot.xlsx"
    with qtbot.waitSignal(page.exported, timeout=WAIT_MS):
        page.export_to("bot", target)
    book = load_workbook(target, read_only=True)
    assert book.sheetnames == ["转人工原因", "热门问题", "每日", "指标说明"]
    assert any("解决率" in str(r[0]) for r in book["指标说明"].iter_rows(values_only=True))


def test_the_table_model_passes_the_model_tester(qtmodeltester: object) -> None:
    model = TableModel()
    model.set_rows(("a", "b"), [(1, None)], [("1", "—")])
    qtmodeltester.check(model)  # type: ignore[attr-defined]
