"""The core does not load Qt at run time (the import contracts in pyproject.toml check the imports
themselves; this checks what an actual start of the core pulls in)."""

from __future__ import annotations

import subprocess
import sys


def test_core_runs_without_loading_qt() -> None:
    code = (
        "import sys\n"
        "import workbench.services.workspace, workbench.services.live, workbench.kb.matcher\n"
        "import workbench.app\n"
        "workbench.app.build_parser()\n"
        "assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt loaded'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
