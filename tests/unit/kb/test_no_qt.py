"""workbench.kb runs without Qt (checked in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys


def test_kb_imports_no_qt() -> None:
    code = (
        "import sys\n"
        "import workbench.kb.matcher, workbench.kb.cli, workbench.kb.bench, workbench.kb.tokenizer\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6'))\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'bm25s', 'sklearn', 'jieba'))\n"
        "assert not bad, bad\n"
        "assert not heavy, heavy  # peers and jieba load lazily\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
