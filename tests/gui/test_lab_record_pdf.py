"""The 实战记录表 PDF: written by Qt from the record's HTML, with the student's name and 学号."""

from __future__ import annotations

import zlib
from datetime import datetime
from pathlib import Path

from pytestqt.qtbot import QtBot

from workbench.domain.exercises import Student
from workbench.services.lab_record import LabRecord, QaRecord, RecordRow
from workbench.ui.lab_record_pdf import write_record_pdf


def test_the_record_pdf_is_written(qtbot: QtBot, tmp_path: Path) -> None:
    record = LabRecord(
        "p4-t1",
        '表4-1 淘宝"店小蜜"设置实战记录表',
        "项目4 任务1",
        Student("李小明", "2024030117", "电商2班"),
        datetime(2026, 11, 11, 10, 30),
        (RecordRow(1, "专业欢迎语配置", "修改昵称", "昵称: 小蜜蜂\n卡片问题 1: 什么时候发货"),),
        (QaRecord("什么时候发货", "亲，48小时内发货", "什么时候发货", 0.93, True),),
    )
    out = write_record_pdf(record, tmp_path / "记录表.pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 3000
    assert not (tmp_path / "记录表.pdf.part").exists()
    # the document title names the student (PDF metadata is UTF-16 in Qt's writer)
    assert "2024030117".encode("utf-16-be") in data or b"2024030117" in data or _in_streams(data, b"2024030117")


def _in_streams(data: bytes, needle: bytes) -> bool:
    for chunk in data.split(b"stream")[1:]:
        body = chunk.split(b"endstream")[0].strip(b"\r\n")
        try:
            if needle in zlib.decompress(body):
                return True
        except zlib.error:
            continue
    return False
