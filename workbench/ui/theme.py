"""Fonts, translator and the style sheet: a light 千牛-like look."""

from __future__ import annotations

import logging
from importlib import resources

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

# Simplified-Chinese faces by platform, best first. Setting one explicitly keeps Qt from
# falling back to a Japanese face for Han characters.
CJK_FAMILIES = (
    "Microsoft YaHei UI",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
)

ACCENT = "#1677ff"


def pick_cjk_family() -> str | None:
    available = set(QFontDatabase.families())
    return next((f for f in CJK_FAMILIES if f in available), None)


def apply_font(app: QApplication, point_size: int = 10) -> QFont:
    font = QFont(app.font())
    family = pick_cjk_family()
    if family:
        font.setFamilies([family, *[f for f in CJK_FAMILIES if f != family]])
    else:
        log.warning("no Simplified-Chinese font found; Chinese text may render with a fallback face")
    font.setPointSize(point_size)
    app.setFont(font)
    return font


def install_translator(app: QApplication, language: str) -> QTranslator | None:
    """zh_CN is the source language; other languages load a .qm from the assets."""
    QLocale.setDefault(QLocale(QLocale.Language.Chinese if language == "zh_CN" else QLocale.Language.English))
    if language == "zh_CN":
        install_qt_translator(app, language)
        return None
    qm = resources.files("workbench.assets") / "i18n" / f"workbench_{language}.qm"
    translator = QTranslator(app)
    try:
        data = qm.read_bytes()
    except OSError:
        log.warning("translation %s missing; staying in Chinese", language)
        return None
    # QTranslator.load(bytes) keeps a pointer into the buffer: keep it alive on the translator.
    translator._data = data  # type: ignore[attr-defined]
    if not translator.load(data):
        log.warning("translation %s unreadable", language)
        return None
    app.installTranslator(translator)
    return translator


def install_qt_translator(app: QApplication, language: str) -> QTranslator | None:
    """Qt's own texts in the user's language: standard buttons (确定, 取消), the copy/paste menu of
    text fields, file dialogs. Qt ships them; without this they stay in English."""
    translator = QTranslator(app)
    if not translator.load(f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        log.warning("Qt's own %s translation is missing; its standard texts stay in English", language)
        return None
    app.installTranslator(translator)
    return translator


STYLE_SHEET = f"""
QMainWindow, QWidget#centralPane {{ background: #f3f5f8; }}
QToolBar {{ background: #ffffff; border-bottom: 1px solid #e4e7ec; spacing: 8px; padding: 4px 8px; }}
QStatusBar {{ background: #ffffff; border-top: 1px solid #e4e7ec; color: #667085; }}
QSplitter::handle {{ background: #e4e7ec; }}
QSplitter::handle:horizontal {{ width: 1px; }}
QListView, QTreeView {{ background: #ffffff; border: none; outline: 0; }}
QTabWidget::pane {{ border: none; background: #ffffff; }}
QTabBar::tab {{ background: transparent; padding: 8px 14px; color: #475467; border: none;
               border-bottom: 2px solid transparent; }}
QTabBar::tab:selected {{ color: {ACCENT}; border-bottom: 2px solid {ACCENT}; font-weight: bold; }}
QPushButton {{ background: #ffffff; border: 1px solid #d0d5dd; border-radius: 4px; padding: 4px 12px;
               color: #344054; }}
QPushButton:hover {{ border-color: {ACCENT}; color: {ACCENT}; }}
QPushButton:disabled {{ color: #98a2b3; border-color: #e4e7ec; }}
QPushButton#primary {{ background: {ACCENT}; color: #ffffff; border: 1px solid {ACCENT}; }}
QPushButton#primary:hover {{ background: #4096ff; color: #ffffff; }}
QPushButton#primary:disabled {{ background: #bfd6ff; border-color: #bfd6ff; }}
QLineEdit, QPlainTextEdit, QTextEdit, QComboBox {{ background: #ffffff; border: 1px solid #d0d5dd;
               border-radius: 4px;               padding: 3px 6px; selection-background-color: {ACCENT}; }}
QLineEdit:focus, QPlainTextEdit:focus, QComboBox:focus {{ border-color: {ACCENT}; }}
QToolButton::menu-indicator {{ image: none; width: 0px; }}
QToolButton {{ padding: 3px 8px; }}
QListView#phrasePicker {{ border: 1px solid #d0d5dd; border-radius: 4px; padding: 2px; }}
QListView#phrasePicker::item {{ padding: 4px 6px; }}
QListView#phrasePicker::item:selected {{ background: #e6f0ff; color: #101828; }}
QListWidget#navRail {{ background: #1f2a44; border: none; padding-top: 6px; }}
QListWidget#navRail::item {{ color: #c9d1e3; border-left: 3px solid transparent; }}
QListWidget#navRail::item:selected {{ background: #2c3a5c; color: #ffffff; border-left: 3px solid {ACCENT}; }}
QListWidget#navRail::item:hover {{ background: #27345226; color: #ffffff; }}
QLabel#muted {{ color: #667085; }}
QLabel#error {{ color: #d92d20; }}
QLabel#paneTitle {{ font-weight: bold; color: #101828; }}
QWidget#chatHeader, QWidget#composerPane {{ background: #ffffff; }}
QWidget#composerPane {{ border-top: 1px solid #e4e7ec; }}
QWidget#chatHeader {{ border-bottom: 1px solid #e4e7ec; }}
QPlainTextEdit#composer {{ border: none; }}
"""
