#!/usr/bin/env bash
# The core runs without Qt: in a throwaway virtualenv with every dependency but PySide6 (pinned by
# constraints.txt), import every module outside workbench.ui, run the command-line tools that need no
# window, and run the unit tests. Any of it reaching for Qt fails this script.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
started=$SECONDS
VENV=$(mktemp -d "${TMPDIR:-/tmp}/workbench-noqt.XXXXXX")
trap 'rm -rf "$VENV"' EXIT
"$PYTHON" -m venv "$VENV"
py="$VENV/bin/python"
"$py" -m pip install -q --upgrade pip

# The project's requirements without Qt: its dependencies and the test extra, less PySide6 and the
# tools that do not run here (the Qt test plugin, the bundler, linters and type checker).
"$py" - >"$VENV/requirements.txt" <<'PY'
import re
import tomllib

project = tomllib.load(open("pyproject.toml", "rb"))["project"]
left_out = {"pyside6-essentials", "pyside6", "shiboken6", "pytest-qt", "pyinstaller", "ruff", "mypy", "import-linter"}
for requirement in project["dependencies"] + project["optional-dependencies"]["test"]:
    name = re.match(r"[A-Za-z0-9._-]+", requirement).group().lower()
    if name not in left_out:
        print(requirement)
PY
"$py" -m pip install -q -c constraints.txt -r "$VENV/requirements.txt"
"$py" -m pip install -q --no-deps -e .
if "$py" -c "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('PySide6') else 1)"; then
  echo "PySide6 got installed into the no-Qt environment (a dependency pulls it in)" >&2
  exit 1
fi

echo "==> import every module outside workbench.ui"
"$py" - <<'PY'
import importlib
import pkgutil

import workbench

SKIPPED = {
    "workbench.ui",  # the one package that needs Qt (workbench.ui.bench included)
    "workbench.storage.migrations.env",  # Alembic runs it inside a migration (the unit tests do)
}


def fail(name: str) -> None:
    raise SystemExit(f"cannot walk {name}")


names = []
for top in pkgutil.iter_modules(workbench.__path__, "workbench."):
    if top.name in SKIPPED:
        continue
    names.append(top.name)
    if top.ispkg:
        package = importlib.import_module(top.name)
        names += [m.name for m in pkgutil.walk_packages(package.__path__, f"{top.name}.", onerror=fail)]
failed = []
for name in names:
    if name in SKIPPED:
        continue
    try:
        importlib.import_module(name)
    except ImportError as exc:
        failed.append(f"{name}: {exc!r}")
if failed:
    raise SystemExit("These modules cannot be imported without Qt:\n  " + "\n  ".join(failed))
print(f"imported {len(names)} modules without Qt")
PY

echo "==> the command-line tools"
"$py" -m workbench --help >/dev/null
"$py" -m workbench --data-dir "$VENV/data" kb packs --json | "$py" -m json.tool >/dev/null
echo "no-qt-pass-1" | "$py" -m workbench admin init --data-dir "$VENV/admin" --shop 无Qt --owner noqt --password-stdin >/dev/null
"$py" -m workbench admin list-users --data-dir "$VENV/admin" --json | "$py" -m json.tool >/dev/null
"$py" -m workbench simulate --help >/dev/null
"$py" -m workbench exercise list --json | "$py" -m json.tool >/dev/null
"$py" -m workbench exercise check --data-dir "$VENV/admin" --user noqt --exercise p4-t1 --json | "$py" -m json.tool >/dev/null
# the team's feed refuses a SQLite database (exit 2); on a PostgreSQL server it runs headless
if "$py" -m workbench simulate --db "sqlite:///$VENV/feed.sqlite3" --rate 2 --duration 1 2>/dev/null; then
  echo "simulate accepted a SQLite database" >&2
  exit 1
fi
if [ -n "${WORKBENCH_TEST_PG_URL:-}" ]; then
  feed_db=$("$py" - <<'PY'
import os, uuid
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

base = os.environ["WORKBENCH_TEST_PG_URL"]
name = f"wb_noqt_{uuid.uuid4().hex[:12]}"
engine = create_engine(base, isolation_level="AUTOCOMMIT")
with engine.connect() as conn:
    conn.execute(text(f'CREATE DATABASE "{name}"'))
print(make_url(base).set(database=name).render_as_string(hide_password=False))
PY
)
  "$py" -m workbench simulate --db "$feed_db" --rate 60 --duration 2 --data-dir "$VENV/feed" >"$VENV/feed.log"
  grep -q "stopped:" "$VENV/feed.log"
  FEED_DB=$feed_db "$py" - <<'PY'
import os
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

url = make_url(os.environ["FEED_DB"])
engine = create_engine(os.environ["WORKBENCH_TEST_PG_URL"], isolation_level="AUTOCOMMIT")
with engine.connect() as conn:
    conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
PY
fi

echo "==> the unit tests"
# no pytest-qt here, so its settings in pyproject.toml are unknown options: not worth a warning
"$py" -m pytest -n auto -m "not gui" tests/unit -q -p no:cacheprovider -W ignore::pytest.PytestConfigWarning

echo "The core runs without Qt ($((SECONDS - started)) s)."
