"""The theme keeps styling in one place: colours come from a palette file, the style sheet is one asset.

A colour literal or a literal style string in a widget would bypass the palette, so a second theme
could no longer change it; these tests fail when one appears.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import logging
import pkgutil
import re
from importlib import resources
from pathlib import Path

import pytest

import workbench.ui
from workbench.ui import theme
from workbench.ui.theme import THEMES, RoleColours, ThemeError, load_theme, parse_palette

UI_DIR = Path(workbench.ui.__file__).parent
THEME_MODULE = UI_DIR / "theme.py"
# Calls whose string arguments name colour roles.
ROLE_CALLS = {"colour", "hex_colour", "text_style", "RoleColours"}

HEX_LITERAL = re.compile(r"#(?:[0-9a-fA-F]{8}|[0-9a-fA-F]{6}|[0-9a-fA-F]{3})(?![0-9a-zA-Z_])")
RGB_LITERAL = re.compile(r"\brgba?\(")


def ui_sources() -> list[Path]:
    return sorted(p for p in UI_DIR.rglob("*.py") if p != THEME_MODULE)


def string_constants(tree: ast.AST) -> list[ast.Constant]:
    """Every string constant, including the literal parts of f-strings."""
    return [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def call_name(node: ast.Call) -> str:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return ""


def colour_literals(source: str) -> list[str]:
    """The colour literals in a module: #rgb / #rrggbb / #aarrggbb or rgb( in a string, a QColor built
    from a literal, and Qt.GlobalColor used as a colour."""
    tree = ast.parse(source)
    found = []
    for const in string_constants(tree):
        if HEX_LITERAL.search(const.value) or RGB_LITERAL.search(const.value):
            found.append(f"line {const.lineno}: {const.value!r}")
    for node in ast.walk(tree):
        literal_args = isinstance(node, ast.Call) and node.args and all(isinstance(a, ast.Constant) for a in node.args)
        if isinstance(node, ast.Call) and call_name(node) == "QColor" and literal_args:
            found.append(f"line {node.lineno}: QColor(…)")
        if isinstance(node, ast.Attribute) and node.attr == "GlobalColor":
            found.append(f"line {node.lineno}: Qt.GlobalColor")
    return found


def literal_text(node: ast.AST) -> list[str]:
    """The literal strings an expression is made of, leaving out the arguments of calls in it."""
    if isinstance(node, ast.Call):
        return []
    if isinstance(node, ast.JoinedStr):
        return ["f-string"]
    if isinstance(node, ast.Constant):
        return [node.value] if isinstance(node.value, str) and node.value else []
    return [text for child in ast.iter_child_nodes(node) for text in literal_text(child)]


def literal_style_sheets(source: str) -> list[str]:
    """setStyleSheet calls given a literal string or an f-string: their rules belong in workbench.qss;
    a style that follows run-time data is built by a helper of the theme from palette roles."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and call_name(node) == "setStyleSheet"
            and node.args
            and literal_text(node.args[0])
        ):
            found.append(f"line {node.lineno}")
    return found


def test_no_colour_literal_in_the_ui_outside_the_theme() -> None:
    offenders = {
        str(path.relative_to(UI_DIR)): hits
        for path in ui_sources()
        if (hits := colour_literals(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}, "colours come from the theme: colour('role') or hex_colour('role')"


def test_no_literal_style_sheet_in_the_ui() -> None:
    offenders = {
        str(path.relative_to(UI_DIR)): hits
        for path in ui_sources()
        if (hits := literal_style_sheets(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}, "rules go into workbench/assets/themes/workbench.qss (run-time colours: theme.py helpers)"


@pytest.mark.parametrize(
    "source",
    [
        'label.setStyleSheet("color: red;")',
        'w.setStyleSheet(f"background: {x};")',
        'painter.setPen(QColor("#1677ff"))',
        "item.setForeground(Qt.GlobalColor.gray)",
        'BORDER = "#e4e7ec"',
        'PILL = "rgba(0, 0, 0, 30)"',
        "c = QColor(255, 0, 0)",
    ],
)
def test_the_guard_sees_what_it_forbids(source: str) -> None:
    assert colour_literals(source) or literal_style_sheets(source)


def test_the_guard_lets_theme_colours_and_names_through() -> None:
    source = (
        'painter.setPen(colour("text"))\n'
        'w.setStyleSheet("" if done else text_style("text_muted"))\n'
        'w.setObjectName("chatView")\n'
        'title = f"#{number}"\n'
    )
    assert colour_literals(source) == []
    assert literal_style_sheets(source) == []


def roles_named_in_code() -> dict[str, str]:
    """Role names the UI code passes to the theme: literals in colour()/hex_colour()/text_style()
    calls and in RoleColours tables, values of *_ROLES tables, and Column(foreground=…) roles."""
    roles: dict[str, str] = {}
    for path in ui_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = str(path.relative_to(UI_DIR))
        for node in ast.walk(tree):
            holders: list[ast.AST] = []
            if isinstance(node, ast.Call) and call_name(node) in ROLE_CALLS:
                holders = list(node.args)
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id.endswith("_ROLES") for t in node.targets
            ):
                holders = list(node.value.values) if isinstance(node.value, ast.Dict) else [node.value]  # type: ignore[arg-type]
            elif isinstance(node, ast.keyword) and node.arg == "foreground":
                holders = [node.value]
            for holder in holders:
                for const in string_constants(holder):
                    if re.fullmatch(r"[a-z][a-z0-9_]*", const.value):
                        roles[const.value] = where
    # Tables built from names held in variables: ask the tables themselves.
    for info in pkgutil.walk_packages(workbench.ui.__path__, "workbench.ui."):
        spec = importlib.util.find_spec(info.name)
        if spec is None or spec.origin is None or "RoleColours(" not in Path(spec.origin).read_text(encoding="utf-8"):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, RoleColours):
                for role in value.roles.values():
                    roles[role] = f"{info.name}.{name}"
    return roles


def palette(name: str) -> dict[str, str]:
    text = (resources.files("workbench.assets") / "themes" / f"{name}.json").read_text(encoding="utf-8")
    colours: dict[str, str] = json.loads(text)["colours"]
    return colours


@pytest.mark.parametrize("name", THEMES)
def test_every_theme_defines_every_role_the_code_and_the_style_sheet_use(name: str) -> None:
    defined = set(palette(name))
    used_in_code = roles_named_in_code()
    assert {role: where for role, where in used_in_code.items() if role not in defined} == {}
    assert theme.style_sheet_roles(theme.read_style_sheet()) - defined == set()


def test_the_themes_define_the_same_roles_and_none_is_unused() -> None:
    light = set(palette("light"))
    for name in THEMES:
        assert set(palette(name)) == light, name
    used = set(roles_named_in_code()) | theme.style_sheet_roles(theme.read_style_sheet())
    assert light - used == set(), "a role no code or rule uses: remove it from the palettes"


@pytest.mark.parametrize("name", THEMES)
def test_the_filled_style_sheet_has_no_placeholder_left(name: str) -> None:
    sheet = load_theme(name).style_sheet()
    assert "@" not in sheet
    assert sheet.count("{") == sheet.count("}") > 100


def test_a_palette_missing_a_role_or_with_a_bad_colour_is_refused_by_name() -> None:
    with pytest.raises(ThemeError, match="accent"):
        parse_palette("broken", json.dumps({"colours": {"text": "#000000"}}), required={"accent", "text"})
    with pytest.raises(ThemeError, match=r"text.*'black'"):
        parse_palette("broken", json.dumps({"colours": {"text": "black"}}))
    with pytest.raises(ThemeError, match="colours"):
        parse_palette("broken", json.dumps({"text": "#000000"}))
    with pytest.raises(ThemeError, match="no_such_role"):
        theme.fill_style_sheet("QLabel { color: @no_such_role; }", load_theme("light"))


def test_an_unknown_theme_in_the_settings_warns_and_gives_the_light_one(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="workbench.ui.theme"):
        chosen = theme.theme_for_settings("solarized")
    assert chosen.name == "light"
    assert "solarized" in caplog.text


def test_colour_answers_from_the_theme_in_use() -> None:
    try:
        theme.use_theme(load_theme("high_contrast"))
        assert theme.colour("text").name() == palette("high_contrast")["text"]
        changed = theme.colour("accent")
        changed.setAlpha(10)  # a caller's change does not leak into the next answer
        assert theme.colour("accent").alpha() == 255
    finally:
        theme.use_theme(load_theme("light"))
    assert theme.colour("text").name() == palette("light")["text"]
