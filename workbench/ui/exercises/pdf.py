"""The 实战记录表 as PDF: the record's HTML (`workbench.services.lab_record.record_html`) laid out on A4.

Safe to run on a worker thread: it paints on a QPdfWriter (not a widget)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMarginsF
from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

from workbench.services.lab_record import LabRecord, record_html


def write_record_pdf(record: LabRecord, path: Path) -> Path:
    doc = QTextDocument()
    doc.setDocumentMargin(0)
    doc.setHtml(record_html(record))
    tmp = path.with_name(path.name + ".part")  # a half-written PDF never takes the file's name
    writer = QPdfWriter(str(tmp))
    writer.setResolution(150)
    writer.setPageLayout(
        QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, QMarginsF(16, 16, 16, 16))
    )
    writer.setTitle(QCoreApplication.translate("LabRecordPdf", "实战记录表") + f" {record.student.number}")
    writer.setCreator("Workbench")
    doc.print_(writer)
    del writer  # closes the file
    tmp.replace(path)
    return path
