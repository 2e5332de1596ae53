"""Fonts, translator and the theme: the colour palette and the one application style sheet.

A theme is a palette file in `workbench/assets/themes/` (`light.json`, `high_contrast.json`): named
colour roles (`accent`, `text_muted`, `danger`…). The style sheet `workbench.qss` beside it names roles
as `@role`; `style_sheet()` fills them in. Code that paints asks `colour("role")`; code that builds a
style string at run time (a tag chip in the user's colour) asks `hex_colour("role")`. No widget
carries a colour literal: a new theme is a new palette file.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import TypeVar

from PySide6.QtCore import QLibraryInfo, QLocale, Qt, QTranslator
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QApplication, QWidget

log = logging.getLogger(__name__)

K = TypeVar("K")

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
    # What Qt's catalogue leaves in English (the file dialog's 查找范围 and 文件类型), from our assets;
    # installed after it, so it is asked first. It goes with the translator (`extra`).
    extra = QTranslator(app)
    try:
        data = (resources.files("workbench.assets") / "i18n" / f"qtbase_extra_{language}.qm").read_bytes()
    except OSError:
        data = b""
    if data and extra.load(data):
        extra._data = data  # type: ignore[attr-defined]  # load(bytes) keeps a pointer into it
        app.installTranslator(extra)
        translator.extra = extra  # type: ignore[attr-defined]
    return translator


# -- the theme ------------------------------------------------------------------------------------

THEMES = ("light", "high_contrast")
DEFAULT_THEME = "light"
_THEMES_DIR = "themes"
_STYLE_SHEET = "workbench.qss"
# `@role` in the style sheet; QSS itself never uses `@`, so a placeholder cannot be mistaken for QSS.
_PLACEHOLDER = re.compile(r"@([a-z][a-z0-9_]*)")
_ROLE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# #rgb, #rrggbb or #aarrggbb, as both QColor and QSS read them.
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")


class ThemeError(ValueError):
    """A palette or the style sheet is unusable; the message names the file and the role."""


@dataclass(frozen=True, slots=True)
class Theme:
    name: str
    colours: Mapping[str, str]  # role -> "#rrggbb" (or #rgb, #aarrggbb), exactly as written in the file

    def hex(self, role: str) -> str:
        try:
            return self.colours[role]
        except KeyError:
            raise ThemeError(f"theme {self.name!r} has no colour role {role!r}") from None

    def style_sheet(self) -> str:
        """The application style sheet with every `@role` replaced by this theme's colour."""
        return fill_style_sheet(read_style_sheet(), self)


def _read_asset(name: str) -> str:
    return (resources.files("workbench.assets") / _THEMES_DIR / name).read_text(encoding="utf-8")


def read_style_sheet() -> str:
    return _read_asset(_STYLE_SHEET)


def style_sheet_roles(text: str) -> set[str]:
    """The roles a style sheet names."""
    return set(_PLACEHOLDER.findall(text))


def fill_style_sheet(text: str, theme: Theme) -> str:
    missing = sorted(style_sheet_roles(text) - set(theme.colours))
    if missing:
        raise ThemeError(f"theme {theme.name!r} lacks the colour role(s) the style sheet uses: {', '.join(missing)}")
    return _PLACEHOLDER.sub(lambda m: theme.colours[m.group(1)], text)


def parse_palette(name: str, text: str, required: Iterable[str] = ()) -> Theme:
    """A theme from a palette file's text; every role in `required` must be there."""
    where = f"themes/{name}.json"
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise ThemeError(f"{where} is not valid JSON: {exc}") from None
    colours = raw.get("colours") if isinstance(raw, dict) else None
    if not isinstance(colours, dict):
        raise ThemeError(f'{where} needs a "colours" object of role -> "#rrggbb"')
    for role, value in colours.items():
        if not _ROLE_NAME.match(role):
            raise ThemeError(f"{where}: {role!r} is not a role name (lower case, digits and _)")
        if not isinstance(value, str) or not _HEX.match(value):
            raise ThemeError(f"{where}: colour role {role!r} has {value!r}, not #rgb, #rrggbb or #aarrggbb")
    missing = sorted(set(required) - set(colours))
    if missing:
        raise ThemeError(f"{where} lacks the colour role(s): {', '.join(missing)}")
    return Theme(name, dict(colours))


def load_theme(name: str) -> Theme:
    """A shipped theme, checked to define every role the light theme (the reference) defines."""
    if name not in THEMES:
        raise ThemeError(f"unknown theme {name!r}; the themes are {', '.join(THEMES)}")
    reference = parse_palette(DEFAULT_THEME, _read_asset(f"{DEFAULT_THEME}.json"))
    if name == DEFAULT_THEME:
        return reference
    return parse_palette(name, _read_asset(f"{name}.json"), required=reference.colours)


def theme_for_settings(name: str) -> Theme:
    """The theme the settings ask for; an unknown name logs a warning and gives the light theme."""
    if name not in THEMES:
        log.warning("unknown theme %r in the settings; using %s", name, DEFAULT_THEME)
        name = DEFAULT_THEME
    return load_theme(name)


class RoleColours(Mapping[K, str]):
    """Things (order states, segments…) mapped to colour roles. Looking one up gives the colour of its
    role in the current theme, as "#rrggbb" for a pill, a chart or a style string."""

    def __init__(self, roles: Mapping[K, str]) -> None:
        self.roles = dict(roles)

    def __getitem__(self, key: K) -> str:
        return hex_colour(self.roles[key])

    def __iter__(self) -> Iterator[K]:
        return iter(self.roles)

    def __len__(self) -> int:
        return len(self.roles)


_current: Theme | None = None
_qcolours: dict[str, QColor] = {}


def current_theme() -> Theme:
    """The theme the application uses: the light one until `use_theme` chose another."""
    global _current
    if _current is None:
        _current = load_theme(DEFAULT_THEME)
    return _current


def use_theme(theme: Theme) -> None:
    """Make `theme` the one `colour()` answers from (the style sheet is applied by the caller)."""
    global _current
    _current = theme
    _qcolours.clear()


# The Qt palette from the theme's roles: what the style sheet does not paint (menus, tooltips, tables,
# message boxes, the style's own controls) takes these, not the system's colours.
PALETTE_ROLES: dict[QPalette.ColorRole, str] = {
    QPalette.ColorRole.Window: "page",
    QPalette.ColorRole.WindowText: "text",
    QPalette.ColorRole.Base: "surface",
    QPalette.ColorRole.AlternateBase: "surface_alt",
    QPalette.ColorRole.ToolTipBase: "surface",
    QPalette.ColorRole.ToolTipText: "text",
    QPalette.ColorRole.PlaceholderText: "text_muted",
    QPalette.ColorRole.Text: "text",
    QPalette.ColorRole.Button: "surface",
    QPalette.ColorRole.ButtonText: "text",
    QPalette.ColorRole.BrightText: "on_accent",
    QPalette.ColorRole.Light: "surface",
    QPalette.ColorRole.Midlight: "border",
    QPalette.ColorRole.Mid: "border_strong",
    QPalette.ColorRole.Dark: "text_muted",
    QPalette.ColorRole.Highlight: "accent",
    QPalette.ColorRole.HighlightedText: "on_accent",
    QPalette.ColorRole.Link: "accent",
    QPalette.ColorRole.LinkVisited: "accent",
}
DISABLED_PALETTE_ROLES: dict[QPalette.ColorRole, str] = {
    QPalette.ColorRole.WindowText: "text_disabled",
    QPalette.ColorRole.Text: "text_disabled",
    QPalette.ColorRole.ButtonText: "text_disabled",
    QPalette.ColorRole.Base: "control_disabled",
    QPalette.ColorRole.Button: "control_disabled",
}


def theme_palette(theme: Theme) -> QPalette:
    palette = QPalette()
    for role, name in PALETTE_ROLES.items():
        palette.setColor(role, QColor(theme.hex(name)))
    for role, name in DISABLED_PALETTE_ROLES.items():
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(theme.hex(name)))
    return palette


def apply_theme(app: QApplication, theme: Theme) -> None:
    """The theme's style sheet and palette. Both themes are light: on a system in dark mode the window
    keeps them whole (a light style sheet over the system's dark palette would mix dark menus and
    tables with light panes, and dark text on them), and the style is told to draw light controls."""
    use_theme(theme)
    app.setPalette(theme_palette(theme))
    hints = app.styleHints()
    if hasattr(hints, "setColorScheme"):  # Qt 6.8+: Windows 11 and macOS styles follow it
        hints.setColorScheme(Qt.ColorScheme.Light)
    app.setStyleSheet(theme.style_sheet())


def hex_colour(role: str) -> str:
    """A role's colour as written in the palette, for a style string built at run time."""
    return current_theme().hex(role)


def colour(role: str) -> QColor:
    """A role's colour for painting. A copy each call, so a caller may change its alpha freely."""
    cached = _qcolours.get(role)
    if cached is None:
        cached = _qcolours[role] = QColor(hex_colour(role))
    return QColor(cached)


def scope(widget: QWidget, *blocks: str) -> None:
    """Style `widget` and everything in it with the style sheet's blocks `blocks` (the rules written
    `QWidget[sheet~="name"] …` in workbench.qss). Call it before the widget is shown."""
    widget.setProperty("sheet", " ".join(blocks))


def repolish(widget: QWidget) -> None:
    """Apply the style sheet again after a dynamic property or object name it selects on has changed."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()


def set_tone(widget: QWidget, tone: str) -> None:
    """Colour a label with one of the style sheet's `QLabel[tone="…"]` rules (text, secondary, muted)."""
    if widget.property("tone") != tone:
        widget.setProperty("tone", tone)
        if widget.testAttribute(Qt.WidgetAttribute.WA_WState_Polished):
            repolish(widget)


# -- style strings that depend on run-time data ---------------------------------------------------
# Everything else is in workbench.qss. These few widgets take a colour chosen at run time (a tag's
# colour picked by the user, an order state's colour), so their style string is built here.


def rgba(color: str | QColor, alpha: int) -> str:
    """A style-sheet rgba() for `color` with `alpha` 0..255."""
    c = QColor(color)
    return f"rgba({c.red()}, {c.green()}, {c.blue()}, {alpha})"


def pill_style(color: str, h_padding: int) -> str:
    """A rounded label tinted with `color` (see widgets/pill.py)."""
    fg = QColor(color).darker(112).name()
    return f"QLabel {{ background: {rgba(color, 30)}; color: {fg}; border-radius: 9px; padding: 1px {h_padding}px; }}"


def tag_chip_style(color: str, *, official: bool) -> str:
    """A tag chip: tinted with the tag's own colour, or the solid official-tag colour (widgets/tag_chip.py)."""
    if official:
        # read-only platform tags: solid and square-cornered, unlike the tinted custom pills
        solid = hex_colour("tag_official")
        return (
            f"QFrame#tagChip {{ background: {solid}; border: 1px solid {solid}; border-radius: 4px; }}"
            f" QFrame#tagChip QLabel {{ color: {hex_colour('on_accent')}; background: transparent; border: none; }}"
        )
    base = QColor(color)
    if not base.isValid():
        base = colour("tag_default")
    fg = base.darker(115).name()
    return (
        f"QFrame#tagChip {{ background: {rgba(base, 22)}; border: 1px solid {rgba(base, 70)}; border-radius: 11px; }}"
        f" QFrame#tagChip QLabel {{ color: {fg}; background: transparent; border: none; }}"
        f" QFrame#tagChip QToolButton {{ color: {fg}; }}"
        f" QFrame#tagChip QToolButton:hover {{ color: {hex_colour('danger')}; }}"
    )


def swatch_button_style(color: str) -> str:
    """A button showing a colour the user picked as a thick left edge (the tag colour button)."""
    return f"QPushButton {{ border-left: 14px solid {color}; }}"


def text_style(role: str, *, bold: bool = False) -> str:
    """A label's text in a role's colour, for labels whose colour follows the data shown (a risk
    level, a policy finding)."""
    return f"color: {hex_colour(role)};" + (" font-weight: bold;" if bold else "")
