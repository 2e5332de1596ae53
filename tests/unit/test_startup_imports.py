"""What a desk's start imports before its window can paint, and before it can show the lists: the
argument parser is built on the UI thread before Qt starts, so it must not pull in the services; the
composition root is imported on the start-up thread, and the demo shop's package only when a database
is seeded."""

from __future__ import annotations

import subprocess
import sys


def _loaded_after(code: str, prefixes: tuple[str, ...]) -> list[str]:
    probe = f"import sys\n{code}\nprint('\\n'.join(sorted(m for m in sys.modules if m.startswith({prefixes!r}))))\n"
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout
    return out.split()


def test_the_parser_imports_no_service_and_no_database() -> None:
    loaded = _loaded_after(
        "import workbench.app\nworkbench.app.build_parser()",
        ("workbench.cli", "workbench.composition", "workbench.services", "sqlalchemy", "workbench.demo"),
    )
    assert loaded == ["workbench.cli_args"]


def test_the_composition_root_leaves_the_demo_package_until_it_seeds() -> None:
    assert _loaded_after("import workbench.composition", ("workbench.demo",)) == []


def test_a_sqlite_desk_never_loads_the_postgresql_dialect() -> None:
    """SQLAlchemy's PostgreSQL dialect takes about 50 ms to import: not on a single seat's path to its
    lists, nor in its upserts (workbench.storage.dialects)."""
    code = (
        "import workbench.entrance, workbench.composition\n"
        "from workbench.storage.repositories.contact_days import _upsert\n"
        "from workbench.storage.repositories.kb import _hit_day_upsert\n"
        "_upsert('sqlite'), _hit_day_upsert('sqlite')"
    )
    assert _loaded_after(code, ("sqlalchemy.dialects.postgresql",)) == []
    assert _loaded_after(f"{code}\n_upsert('postgresql')", ("sqlalchemy.dialects.postgresql",)) != []
