"""The 实战记录表 as a PDF: Qt lays out the record's HTML (built without Qt by
`workbench.services.lab_record.record_html`) on A4 pages, as the after-sales evidence packet does.

Safe to run on a worker thread: it paints on a QPdfWriter (not a widget) and reads nothing."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

from workbench.services.lab_record import LabRecord, record_html
from workbench.ui.aftersales.pdf import packet_css


def write_record_pdf(record: LabRecord, path: Path) -> Path:
    """Write `record` (the student's name and 学号 at the top) as a PDF to `path`."""
    doc = QTextDocument()
    doc.setDocumentMargin(0)
    doc.setDefaultStyleSheet(packet_css())  # the printed-page style: dark on white whatever the theme
    doc.setHtml(record_html(record))
    tmp = path.with_name(path.name + ".part")
    writer = QPdfWriter(str(tmp))
    writer.setResolution(150)
    writer.setPageLayout(
        QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, QMarginsF(16, 16, 16, 16))
    )
    writer.setTitle(f"{record.title} {record.student.name} {record.student.number}")
    writer.setCreator("Workbench")
    doc.print_(writer)
    del writer  # the PDF is complete when the writer is gone
    tmp.replace(path)
    return path
