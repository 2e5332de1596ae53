"""The 实战记录表 from the student's own work: the rows of 表4-1, 问答测试, the XLSX with name and 学号."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from openpyxl import load_workbook

from tests.unit.accounts.conftest import T0
from tests.unit.kb_admin.conftest import draft
from workbench.composition import open_workspace
from workbench.domain.bot import CardQuestion
from workbench.domain.exercises import MarkColumn, Student
from workbench.domain.kb import Phrasing
from workbench.kb.matcher import Matcher
from workbench.services.lab_record import (
    LabRecord,
    build_record,
    configuration_snapshot,
    record_html,
    write_record_xlsx,
)

STUDENT = Student("=李小明", "2024030117", "电商2班")  # a name a spreadsheet would take for a formula


def test_the_record_holds_the_students_own_work(demo_url: str, tmp_path: Path) -> None:
    now = T0 + timedelta(hours=1)
    ws = open_workspace(demo_url, clock=lambda: now)
    try:
        welcome = ws.bot.settings().welcome
        cards = tuple(CardQuestion(q) for q in ("什么时候发货", "有优惠券吗", "怎么选尺码", "包邮吗", "能开发票吗"))
        ws.bot.save_welcome(replace(welcome, nickname="小蜜蜂", card_questions=cards))
        ws.kb_admin.create_entry(
            draft(
                question="需要维修的时候怎么办",
                category="售后问题",
                phrasings=(Phrasing("坏了能修吗", core_words=("修",)),),
            )
        )
        exercise = ws.exercises.exercise("p4-t1")
        result = ws.exercises.check("p4-t1")
        record = build_record(
            ws.db, ws.shop.id, exercise, STUDENT, result, now, matcher=Matcher(ws.kb_admin.live_entries())
        )
        config = configuration_snapshot(ws.db, ws.shop.id, now.date())
    finally:
        ws.close()
    assert record.title == '表4-1 淘宝"店小蜜"设置实战记录表'
    assert [(r.number, r.task) for r in record.rows] == [
        (1, "专业欢迎语配置"),
        (2, "专业问答知识配置"),
        (3, "子账号分流及全自动模式设置"),
    ]
    welcome_row, knowledge_row, routing_row = (r.record for r in record.rows)
    assert "昵称: 小蜜蜂" in welcome_row and "卡片问题 5: 能开发票吗" in welcome_row
    assert "自定义 问题: 需要维修的时候怎么办" in knowledge_row and "问法: 坏了能修吗 (划词: 修)" in knowledge_row
    assert "接待模式" in routing_row
    asked = [q.question for q in record.qa]
    assert asked[:5] == ["什么时候发货", "有优惠券吗", "怎么选尺码", "包邮吗", "能开发票吗"]
    assert "坏了能修吗" in asked
    repair = next(q for q in record.qa if q.question == "坏了能修吗")
    assert repair.matched == "需要维修的时候怎么办" and repair.direct and repair.answer
    assert LabRecord.from_json(record.as_json()) == record
    assert config["bot"]["welcome"]["nickname"] == "小蜜蜂"
    assert [k["question"] for k in config["knowledge"]] == ["需要维修的时候怎么办"]

    out = tmp_path / "记录表.xlsx"
    write_record_xlsx(record, out, result, {("attitude", MarkColumn.TEACHER): 5})
    book = load_workbook(out)
    sheet = book["实战记录表"]
    assert sheet["A1"].value == record.title
    assert [sheet["B2"].value, sheet["D2"].value, sheet["B3"].value] == ["=李小明", "2024030117", "电商2班"]
    assert sheet["B2"].data_type == "s"  # the name stays text
    assert [c.value for c in sheet[4]] == ["序号", "实战任务", "具体要求", "实战记录"]
    assert sheet["D5"].value == welcome_row
    assert book["问答测试"].max_row == len(record.qa) + 1
    rubric = [[c.value for c in row] for row in book["任务评价"].iter_rows()]
    assert rubric[-1][:4] == ["总分", None, result.max, result.total]
    attitude = next(r for r in rubric if r[1] and str(r[1]).startswith("态度"))
    assert attitude[5] == 5  # 教师检测

    html = record_html(record)
    assert "=李小明" in html and "2024030117" in html and "<script" not in html


def test_before_any_work_the_qa_test_asks_each_standard_section(demo_url: str) -> None:
    ws = open_workspace(demo_url, clock=lambda: T0)
    try:
        exercise = ws.exercises.exercise("p4-t1")
        result = ws.exercises.check("p4-t1")
        matcher = Matcher(ws.kb_admin.live_entries())
        record = build_record(ws.db, ws.shop.id, exercise, STUDENT, result, T0, matcher=matcher)
        asked = build_record(ws.db, ws.shop.id, exercise, STUDENT, result, T0, matcher=matcher, questions=["包邮吗"])
    finally:
        ws.close()
    assert len(record.qa) == 12 and all(q.direct and q.matched == q.question for q in record.qa)
    assert "【物流问题】0 条" in record.rows[1].record  # nothing written yet
    assert [q.question for q in asked.qa] == ["包邮吗"]


def test_only_project_4_task_1_has_the_textbooks_table_title(demo_url: str) -> None:
    ws = open_workspace(demo_url, clock=lambda: T0)
    try:
        exercise = ws.exercises.exercise("p4-t2")  # its section is under 项目4 任务1 in the book
        record = build_record(ws.db, ws.shop.id, exercise, STUDENT, ws.exercises.check("p4-t2"), T0)
    finally:
        ws.close()
    assert record.title == f"{exercise.title} 实战记录表"
    assert record.rows and all(r.record for r in record.rows)
