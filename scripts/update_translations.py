"""Refresh the English translation of the UI and compile it for the app.

Chinese (zh_CN) is the source language of every string in the UI (`self.tr("中文")`,
`QCoreApplication.translate("Context", "中文")`). The English translations live in
resources/translations/workbench_en.ts (build input, edited by people) and ship compiled as
workbench/assets/i18n/workbench_en.qm (runtime asset, committed; loaded by ui/theme.py).

Usage, from anywhere (paths are relative to the repository):

    python scripts/update_translations.py               # lupdate, then lrelease
    python scripts/update_translations.py --no-release  # only refresh the .ts

The steps:

1. `pyside6-lupdate` scans workbench/ui/**/*.py and merges what it finds into the .ts: existing
   translations are kept, new or changed strings are added as unfinished, strings that left the
   code are dropped (-no-obsolete; git keeps the history). No source locations are stored and
   messages are sorted, so moving code around does not touch the .ts.
2. Translate every unfinished entry: open the .ts in Qt Linguist (`pyside6-linguist <ts>`) or any
   text editor, write the English text, and remove `type="unfinished"`. Keep `{placeholders}`
   exactly as in the source.
3. Run the script again: `pyside6-lrelease` compiles the .ts into the .qm (unfinished entries are
   left out, so the UI shows Chinese for them).

tests/gui/test_translations.py fails while a string in the code is missing or unfinished in the .ts,
or while the committed .qm differs from what lrelease makes of the .ts.

Only strings that lupdate can see are translated: a literal as the argument of `self.tr(...)` or
`QCoreApplication.translate("Context", ...)`. A wrapper such as `_t(text)` hides the literal from
lupdate.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UI_DIR = ROOT / "workbench" / "ui"
TS_FILE = ROOT / "resources" / "translations" / "workbench_en.ts"
QM_FILE = ROOT / "workbench" / "assets" / "i18n" / "workbench_en.qm"
SOURCE_LANGUAGE = "zh_CN"
TARGET_LANGUAGE = "en"


def find_tool(name: str) -> Path:
    """`lupdate` or `lrelease`: the pyside6-* wrapper next to the interpreter, else PySide6's own binary."""
    candidates = (
        (Path(sys.executable).parent, f"pyside6-{name}"),
        (_pyside_dir(), name),
    )
    for folder, command in candidates:
        if folder is None:
            continue
        found = shutil.which(command, path=str(folder))
        if found:
            return Path(found)
    raise FileNotFoundError(f"{name} not found next to {sys.executable} or in the PySide6 package")


def _pyside_dir() -> Path | None:
    try:
        import PySide6
    except ImportError:
        return None
    return Path(PySide6.__file__).parent


def ui_sources(ui_dir: Path = UI_DIR) -> list[Path]:
    """Every Python file of the UI layer, in a stable order."""
    return sorted(p for p in ui_dir.rglob("*.py") if "__pycache__" not in p.parts)


def run_lupdate(ts_file: Path = TS_FILE, sources: Sequence[Path] | None = None) -> None:
    """Merge the strings found in `sources` (default: the UI layer) into `ts_file`, creating it if needed."""
    files = list(sources) if sources is not None else ui_sources()
    ts_file.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            str(find_tool("lupdate")),
            "-silent",
            "-no-obsolete",
            "-locations",
            "none",
            "-sort-messages",
            "-source-language",
            SOURCE_LANGUAGE,
            "-target-language",
            TARGET_LANGUAGE,
            *(str(f) for f in files),
            "-ts",
            str(ts_file),
        ],
        check=True,
        cwd=ROOT,
    )


def run_lrelease(ts_file: Path = TS_FILE, qm_file: Path = QM_FILE) -> None:
    """Compile `ts_file` into `qm_file`, leaving unfinished entries out."""
    qm_file.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [str(find_tool("lrelease")), "-silent", "-nounfinished", str(ts_file), "-qm", str(qm_file)],
        check=True,
        cwd=ROOT,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Refresh workbench_en.ts from the UI code and compile it.")
    parser.add_argument("--no-release", action="store_true", help="only run lupdate; leave the .qm alone")
    args = parser.parse_args(argv)
    run_lupdate()
    print(f"updated {TS_FILE.relative_to(ROOT)}")
    if not args.no_release:
        run_lrelease()
        print(f"compiled {QM_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
