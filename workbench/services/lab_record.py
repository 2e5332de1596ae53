"""The 实战记录表 (the textbook's practice record, e.g. 表4-1 淘宝"店小蜜"设置实战记录表) filled from the
student's own work, and the snapshot of their configuration that goes into a submission file.

The table keeps the textbook's columns — 序号 | 实战任务 | 具体要求 | 实战记录 — with one row per
technical rubric item (the rows of 表4-1 for 项目4 任务1); the 实战记录 column is what the student made:
the nickname, welcome text, card questions and 转人工 rules they set, the knowledge they wrote (question,
问法 with 划词, answers), the 分流 and reception mode. For an exercise without a table in the textbook
the rows are its technical items with the check's evidence.

问答测试: the program keeps no log of what a student typed into the test window, so the record asks
the bot again, when it is made, a fixed set of questions — the exercise's question file if it has one,
else questions taken from the student's own work (card questions, the 问法 of their custom questions,
the questions whose answers they edited; before they made any, two questions of each standard
section) — and writes each answer, the entry that matched and its score.
Anyone can repeat the test on the same configuration and get the same rows.

XLSX is written here (openpyxl, every text cell through `sheets.xlsx_cell`, so a name or answer that
looks like a formula stays text); the PDF needs Qt's layout and is written by the UI
(`workbench.ui.lab_record_pdf`) from `record_html`, which is plain HTML built here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from html import escape
from pathlib import Path
from typing import Any

from workbench.domain.exercises import Exercise, ExerciseResult, ItemKind, MarkColumn, RubricItem, Student
from workbench.domain.kb_admin import KnowledgeEntry
from workbench.kb.matcher import Matcher
from workbench.services.exercise_checks import STANDARD_SECTIONS, answer_edited, starter_answers
from workbench.services.kb_admin import QaCase, batch_test
from workbench.services.sheets import save_workbook, xlsx_cell
from workbench.storage.db import Database
from workbench.storage.repositories.bot import BotRepository
from workbench.storage.repositories.kb_admin import KbAdminRepository

MAX_QA = 30  # questions in the record's 问答测试 (a page, not the whole KB)

# The textbook's own words for 表4-1's rows, by the check that scores them.
TEXTBOOK_ROWS: dict[str, tuple[str, str]] = {
    "welcome_config": (
        "专业欢迎语配置",
        '修改"店小蜜"昵称修改默认时间段下的欢迎语，人工添加5条欢迎语卡片问题',
    ),
    "kb_sections_edited": (
        "专业问答知识配置",
        "挑选聊天互动、商品问题、活动优惠、购买操作、物流问题、售后问题等6个版块中各10个常见问题的答案进行修改。",
    ),
    "routing_and_auto": ("子账号分流及全自动模式设置", '完成子账号的领取及分流设置开通"店小蜜"全自动模式'),
}
TEXTBOOK_TABLES: dict[str, str] = {"p4-t1": '表4-1 淘宝"店小蜜"设置实战记录表'}  # by exercise id
RECORD_HEADER = ("序号", "实战任务", "具体要求", "实战记录")
QA_HEADER = ("问题", '"店小蜜"的回答', "匹配的知识", "得分", "直接回答")
RUBRIC_HEADER = ("类别", "考核内容及要求", "分值", "学生自测", "学生互测", "教师检测", "说明")


@dataclass(frozen=True, slots=True)
class RecordRow:
    number: int  # 序号
    task: str  # 实战任务
    requirement: str  # 具体要求
    record: str  # 实战记录: what the student made (several lines)


@dataclass(frozen=True, slots=True)
class QaRecord:
    question: str
    answer: str  # the bot's reply ("" when it did not answer directly)
    matched: str  # the standard question of the entry that answered, if any
    score: float
    direct: bool  # answered directly (not asked back, not handed to a human)


@dataclass(frozen=True, slots=True)
class LabRecord:
    exercise: str  # the exercise id
    title: str  # the table's title, e.g. 表4-1 淘宝"店小蜜"设置实战记录表
    section: str
    student: Student
    made_at: datetime
    rows: tuple[RecordRow, ...]
    qa: tuple[QaRecord, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "exercise": self.exercise,
            "title": self.title,
            "section": self.section,
            "student": asdict(self.student),
            "made_at": self.made_at.isoformat(timespec="seconds"),
            "rows": [asdict(r) for r in self.rows],
            "qa": [asdict(q) for q in self.qa],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LabRecord:
        """The record as `as_json` wrote it (KeyError/TypeError/ValueError on a malformed one)."""
        return cls(
            exercise=str(data["exercise"]),
            title=str(data["title"]),
            section=str(data["section"]),
            student=Student(**{k: str(v) for k, v in dict(data["student"]).items()}),
            made_at=datetime.fromisoformat(str(data["made_at"])),
            rows=tuple(
                RecordRow(int(r["number"]), str(r["task"]), str(r["requirement"]), str(r["record"]))
                for r in data["rows"]
            ),
            qa=tuple(
                QaRecord(str(q["question"]), str(q["answer"]), str(q["matched"]), float(q["score"]), bool(q["direct"]))
                for q in data["qa"]
            ),
        )


# -- building the record ---------------------------------------------------------------------------


def build_record(
    db: Database,
    shop_id: int,
    exercise: Exercise,
    student: Student,
    result: ExerciseResult,
    now: datetime,
    *,
    matcher: Matcher | None = None,
    questions: Sequence[str] = (),
) -> LabRecord:
    """The 实战记录表 of `exercise` from the shop's current configuration. `result` is the program's
    check (its evidence fills rows no table of the textbook describes). With a `matcher` the 问答测试
    asks `questions`, or, when there are none, questions taken from the student's work."""
    with db.session() as s:
        bot = BotRepository(s)
        config = bot.config(shop_id)
        accounts = bot.sub_accounts(shop_id)
        entries = KbAdminRepository(s).entries(shop_id, now.date())
    starter = starter_answers()
    written = [e for e in entries if answer_edited(e, starter) or e.custom]
    evidence = {item.id: item.evidence for item in result.items}
    rows: list[RecordRow] = []
    for item in (i for i in exercise.rubric if i.kind is ItemKind.AUTO):
        task, requirement = TEXTBOOK_ROWS.get(item.check or "", (item.title, item.title))
        if item.check == "welcome_config":
            welcome, transfer = config.bot.welcome, config.bot.transfer
            lines = [f"昵称: {welcome.nickname}", f"默认欢迎语: {welcome.default_text}"]
            lines += [f"卡片问题 {n}: {q.question}" for n, q in enumerate(welcome.card_questions, 1)]
            lines += [
                f"转人工关键词: {'、'.join(transfer.keywords) or '无'}; 连续 {transfer.max_misses} 次未答转人工",
                f"转接提示语: {transfer.success_prompt}",
            ]
        elif item.check == "kb_sections_edited":
            lines = _knowledge_lines(written, item)
        elif item.check == "routing_and_auto":
            routed = [a for a in accounts if a.can_route and not a.simulated]
            lines = [f"分流: {'已开启' if config.routing.enabled else '未开启'}"]
            lines += [f"子账号 {a.username} ({a.display_name}) 有分流权限" for a in routed] or ["没有子账号有分流权限"]
            lines.append(f"接待模式: {_MODES.get(config.bot.reception.mode.value, config.bot.reception.mode.value)}")
        else:
            lines = list(evidence.get(item.id, ())) or ["(无)"]
        rows.append(RecordRow(len(rows) + 1, task, requirement, "\n".join(lines)))
    qa: tuple[QaRecord, ...] = ()
    if matcher is not None:
        asked = list(questions) or _questions_from_work(config.bot.welcome.card_questions, written, entries)
        qa = _qa(matcher, asked[:MAX_QA], entries, now.date())
    title = TEXTBOOK_TABLES.get(exercise.id, f"{exercise.title} 实战记录表")
    return LabRecord(exercise.id, title, exercise.section, student, now, tuple(rows), qa)


_MODES = {"off": "关闭", "assist": "智能辅助", "auto": "全自动"}


def ask(db: Database, shop_id: int, matcher: Matcher, questions: Sequence[str], now: datetime) -> tuple[QaRecord, ...]:
    """`questions` asked of the shop's bot as it is set up now (the 问答测试 of an exercise's file)."""
    with db.session() as s:
        entries = KbAdminRepository(s).entries(shop_id, now.date())
    return _qa(matcher, list(questions)[:MAX_QA], entries, now.date())


def _knowledge_lines(written: Sequence[KnowledgeEntry], item: RubricItem) -> list[str]:
    sections = item.params.get("sections")
    names = [str(n) for n in sections] if isinstance(sections, list) else list(STANDARD_SECTIONS)
    lines: list[str] = []
    for name in [*names, *sorted({e.category for e in written} - set(names))]:
        mine = [e for e in written if e.category == name]
        lines.append(f"【{name}】{len(mine)} 条")
        for e in mine:
            answers = " / ".join(a.text for a in e.answers if a.text.strip())
            lines.append(f"{'自定义 ' if e.custom else ''}问题: {e.question} → 答案: {answers}")
            for p in e.phrasings:
                core = f" (划词: {'、'.join(p.core_words)})" if p.core_words else ""
                lines.append(f"    问法{'(反向)' if p.negative else ''}: {p.text}{core}")
    return lines


def _questions_from_work(
    cards: Sequence[Any], written: Sequence[KnowledgeEntry], entries: Sequence[KnowledgeEntry]
) -> list[str]:
    """The card questions, the 问法 of the student's custom questions, the questions they edited; when
    they made none of these yet, the first two questions of each standard section."""
    asked = [q.question for q in cards]
    asked += [p.text for e in written if e.custom for p in e.phrasings if not p.negative][:10]
    asked += [e.question for e in written]
    if not asked:
        for name in STANDARD_SECTIONS:
            asked += [e.question for e in entries if e.category == name][:2]
    return list(dict.fromkeys(q for q in asked if q.strip()))


def _qa(
    matcher: Matcher, questions: Sequence[str], entries: Sequence[KnowledgeEntry], today: date
) -> tuple[QaRecord, ...]:
    report = batch_test(matcher, [QaCase(q) for q in questions], [e.live(today) for e in entries])
    return tuple(
        QaRecord(
            r.case.question,
            r.outcome.best.answer if r.hit and r.outcome.best else "",
            r.answered_by,
            round(r.score, 3),
            r.hit,
        )
        for r in report.results
    )


# -- the configuration snapshot ---------------------------------------------------------------------


def configuration_snapshot(db: Database, shop_id: int, today: date) -> dict[str, Any]:
    """What the student configured, as plain JSON: the bot's settings, 分流 and sub-accounts, and
    the knowledge they wrote (edited or custom entries, in full). The teacher's drill-down shows it."""
    with db.session() as s:
        bot = BotRepository(s)
        config = bot.config(shop_id)
        accounts = bot.sub_accounts(shop_id)
        entries = KbAdminRepository(s).entries(shop_id, today)
    starter = starter_answers()
    snapshot = {
        "bot": asdict(config.bot),
        "routing": asdict(config.routing),
        "auto_messages": {kind.value: asdict(rule) for kind, rule in config.rules.items()},
        "sub_accounts": [asdict(a) for a in accounts if not a.simulated],
        "knowledge": [
            {
                "id": e.id,
                "category": e.category,
                "question": e.question,
                "custom": e.custom,
                "enabled": e.enabled,
                "phrasings": [asdict(p) for p in e.phrasings],
                "answers": [asdict(a) for a in e.answers],
            }
            for e in entries
            if e.custom or answer_edited(e, starter)
        ],
    }
    plain: dict[str, Any] = json.loads(json.dumps(snapshot, ensure_ascii=False, default=str))
    return plain


# -- XLSX and HTML ----------------------------------------------------------------------------------


def write_record_xlsx(
    record: LabRecord,
    path: Path,
    result: ExerciseResult | None = None,
    marks: Mapping[tuple[str, MarkColumn], int] | None = None,
) -> None:
    """The record as a workbook: 实战记录表 (the student above the table), 问答测试, and with `result`
    任务评价 (学生自测 from the check; 互测 and 教师检测 from `marks`). Written through a temp file."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    def wrap(cell: Any) -> None:
        cell.alignment = Alignment(wrap_text=True, vertical="top")

    def bold(cell: Any) -> None:
        cell.font = Font(bold=True)

    book = Workbook(write_only=True)
    sheet = book.create_sheet("实战记录表")
    for column, width in zip("ABCD", (6, 22, 40, 80), strict=True):
        sheet.column_dimensions[column].width = width
    s = record.student
    sheet.append([xlsx_cell(sheet, record.title, bold)])
    sheet.append([xlsx_cell(sheet, v) for v in ("姓名", s.name, "学号", s.number)])
    sheet.append([xlsx_cell(sheet, v) for v in ("班级", s.class_name, "日期", f"{record.made_at:%Y-%m-%d %H:%M}")])
    sheet.append([xlsx_cell(sheet, v, bold) for v in RECORD_HEADER])
    for row in record.rows:
        sheet.append([row.number, *(xlsx_cell(sheet, v, wrap) for v in (row.task, row.requirement, row.record))])

    qa = book.create_sheet("问答测试")
    for column, width in zip("ABCDE", (30, 60, 30, 8, 10), strict=True):
        qa.column_dimensions[column].width = width
    qa.append([xlsx_cell(qa, v, bold) for v in QA_HEADER])
    for q in record.qa:
        qa.append([xlsx_cell(qa, q.question), xlsx_cell(qa, q.answer, wrap), xlsx_cell(qa, q.matched), q.score,
                   "是" if q.direct else "否"])  # fmt: skip

    if result is not None:
        rubric = book.create_sheet("任务评价")
        for column, width in zip("ABCDEFG", (12, 34, 8, 10, 10, 10, 60), strict=True):
            rubric.column_dimensions[column].width = width
        rubric.append([xlsx_cell(rubric, v, bold) for v in RUBRIC_HEADER])
        given = marks or {}
        for item in result.items:
            peer, teacher = given.get((item.id, MarkColumn.PEER)), given.get((item.id, MarkColumn.TEACHER))
            rubric.append([xlsx_cell(rubric, v) for v in ("", item.title)] + [item.max, item.points, peer, teacher,
                          xlsx_cell(rubric, item.why, wrap)])  # fmt: skip
        rubric.append([xlsx_cell(rubric, "总分", bold), "", result.max, result.total])
    save_workbook(book, path)


def record_html(record: LabRecord) -> str:
    """The record as a small HTML document (every text escaped) for the UI's PDF writer."""

    def lines(text: str) -> str:
        return escape(text).replace("\n", "<br/>")

    s = record.student
    head = (
        f"<h2>{escape(record.title)}</h2>"
        f"<p>姓名: {escape(s.name)}　学号: {escape(s.number)}　班级: {escape(s.class_name)}　"
        f"日期: {record.made_at:%Y-%m-%d %H:%M}</p>"
    )
    rows = "".join(
        f"<tr><td>{r.number}</td><td>{escape(r.task)}</td><td>{lines(r.requirement)}</td><td>{lines(r.record)}</td></tr>"
        for r in record.rows
    )
    table = (
        '<table class="grid" border="1" cellspacing="0" cellpadding="4" width="100%"><tr>'
        + "".join(f"<th>{h}</th>" for h in RECORD_HEADER)
        + f"</tr>{rows}</table>"
    )
    qa = ""
    if record.qa:
        qa_rows = "".join(
            f"<tr><td>{escape(q.question)}</td><td>{lines(q.answer)}</td><td>{escape(q.matched)}</td>"
            f"<td>{q.score:.2f}</td><td>{'是' if q.direct else '否'}</td></tr>"
            for q in record.qa
        )
        qa = (
            '<h3>问答测试</h3><table class="grid" border="1" cellspacing="0" cellpadding="4" width="100%"><tr>'
            + "".join(f"<th>{escape(h)}</th>" for h in QA_HEADER)
            + f"</tr>{qa_rows}</table>"
        )
    return f"<html><body>{head}{table}{qa}</body></html>"
