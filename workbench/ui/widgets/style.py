"""Colours and the style sheet shared by the sidebar panels (light 千牛-like look)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont

ACCENT = "#1677ff"
ACCENT_HOVER = "#4096ff"
ACCENT_SOFT = "#e8f3ff"
TEXT = "#1d2129"
TEXT_SECONDARY = "#4e5969"
MUTED = "#86909c"
BORDER = "#e8ebf0"
DIVIDER = "#f0f1f4"
PAGE_BG = "#f3f5f8"
ERROR = "#d92d20"
WARNING = "#d46b08"

SIDEBAR_STYLE = f"""
QWidget#sidebarPage {{ background: {PAGE_BG}; }}
QScrollArea {{ border: none; background: transparent; }}
QFrame#card {{ background: #ffffff; border: 1px solid {BORDER}; border-radius: 8px; }}
QLabel#cardTitle {{ color: {TEXT}; font-weight: bold; }}
QLabel#muted, QLabel#fieldLabel {{ color: {MUTED}; }}
QLabel#value {{ color: {TEXT}; }}
QLabel#secondary {{ color: {TEXT_SECONDARY}; }}
QLabel#error {{ color: {ERROR}; }}
QLabel#info {{ color: {TEXT_SECONDARY}; }}
QLabel#emptyTitle {{ color: {TEXT_SECONDARY}; font-weight: bold; }}
QLabel#warningStrip {{ background: #fff7e6; color: {WARNING}; border: 1px solid #ffd591;
    border-radius: 4px; padding: 4px 8px; }}
QLabel#vipBadge {{ background: #262626; color: #f7d58b; border-radius: 3px; padding: 0px 5px;
    font-weight: bold; }}
QPushButton {{ background: #ffffff; border: 1px solid #d0d5dd; border-radius: 4px; padding: 4px 12px;
    color: #344054; }}
QPushButton:hover {{ border-color: {ACCENT}; color: {ACCENT}; }}
QPushButton:focus {{ border-color: {ACCENT}; }}
QPushButton:disabled {{ color: #98a2b3; border-color: #e4e7ec; background: #f9fafb; }}
QPushButton#primary {{ background: {ACCENT}; color: #ffffff; border: 1px solid {ACCENT}; }}
QPushButton#primary:hover {{ background: {ACCENT_HOVER}; border-color: {ACCENT_HOVER}; color: #ffffff; }}
QPushButton#primary:disabled {{ background: #bfd6ff; border-color: #bfd6ff; color: #ffffff; }}
QPushButton#link {{ border: none; background: transparent; color: {ACCENT}; padding: 0px 2px; }}
QPushButton#link:hover {{ color: {ACCENT_HOVER}; }}
QPushButton#link:disabled {{ color: #98a2b3; }}
QLineEdit, QPlainTextEdit {{ background: #ffffff; border: 1px solid #d0d5dd; border-radius: 4px;
    padding: 4px 6px; color: {TEXT}; selection-background-color: {ACCENT}; }}
QLineEdit:focus, QPlainTextEdit:focus {{ border-color: {ACCENT}; }}
QLineEdit[invalid="true"], QPlainTextEdit[invalid="true"] {{ border-color: {ERROR}; }}
QListView {{ background: transparent; border: none; outline: 0; }}
QToolButton#chipRemove {{ border: none; background: transparent; padding: 0px; margin: 0px; }}
QSplitter::handle {{ background: {PAGE_BG}; }}
QScrollBar:vertical {{ background: transparent; width: 8px; margin: 2px 1px 2px 1px; }}
QScrollBar::handle:vertical {{ background: #c9cdd4; border-radius: 3px; min-height: 28px; }}
QScrollBar::handle:vertical:hover {{ background: #a9aeb8; }}
QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical {{ height: 0px; border: none; }}
QScrollBar::add-page:vertical, QScrollBar::sub-page:vertical {{ background: transparent; }}
"""


def rgba(color: str | QColor, alpha: int) -> str:
    """A style-sheet rgba() for `color` with `alpha` 0..255."""
    c = QColor(color)
    return f"rgba({c.red()}, {c.green()}, {c.blue()}, {alpha})"


def adjusted_font(base: QFont, delta_pt: float = 0.0, *, bold: bool = False) -> QFont:
    """A copy of `base`, `delta_pt` points larger (or smaller), optionally bold."""
    font = QFont(base)
    if delta_pt:
        size = base.pointSizeF()
        if size > 0:
            font.setPointSizeF(max(size + delta_pt, 6.0))
        elif base.pixelSize() > 0:
            font.setPixelSize(max(round(base.pixelSize() + delta_pt * 4 / 3), 8))
    if bold:
        font.setWeight(QFont.Weight.DemiBold)
    return font
