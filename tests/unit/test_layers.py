"""Layering: the core imports no Qt, and an inner layer never imports an outer one."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "workbench"

# Inner to outer. A module may import its own layer and the layers before it.
# `demo` (the demo shop's content and seeding) sits above services: it may call the use cases,
# and nothing inside it (domain, kb, storage, services, channels) may import it.
LAYERS = ("domain", "kb", "storage", "services", "channels", "demo", "ui")
# `channels` is driven by services (simulated customers) but imports none of them.
ALLOWED_EXTRA = {"services": {"channels"}}
# The assist benchmark drives the real window, so it starts the desk the way the app does.
KNOWN_EXCEPTIONS = {("ui/bench/assist.py", "workbench.startup")}
TOP_LEVEL_CORE = {"paths", "settings", "credentials", "logging_setup", "launch"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _layer(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def test_no_qt_outside_ui() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        layer = _layer(path)
        if layer in ("ui", "app", "__main__"):
            continue
        if any(name.split(".")[0] in ("PySide6", "shiboken6") for name in _imports(path)):
            offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []


def test_inner_layers_do_not_import_outer_ones() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        layer = _layer(path)
        if layer not in LAYERS:
            continue
        allowed = set(LAYERS[: LAYERS.index(layer) + 1]) | ALLOWED_EXTRA.get(layer, set()) | TOP_LEVEL_CORE
        if layer == "channels":
            allowed = {"domain", "kb", "channels"} | TOP_LEVEL_CORE
        rel = path.relative_to(PACKAGE).as_posix()
        for name in _imports(path):
            if (rel, name) in KNOWN_EXCEPTIONS:
                continue
            parts = name.split(".")
            if parts[0] == "workbench" and len(parts) > 1 and parts[1] not in allowed and parts[1] != "assets":
                offenders.append(f"{rel} imports {name}")
    assert offenders == []


def test_core_runs_without_loading_qt() -> None:
    code = (
        "import sys\n"
        "import workbench.services.workspace, workbench.services.live, workbench.kb.matcher\n"
        "import workbench.app, workbench.cli\n"
        "workbench.app.build_parser()\n"
        "assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt loaded'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
