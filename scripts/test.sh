#!/usr/bin/env bash
# Install Workbench with its test extras into .venv (at the versions pinned in constraints.txt) and run
# every check: ruff (lint and format), mypy, the import contracts and the whole test suite. A failing
# check does not stop the others; the script fails at the end if any did.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -c constraints.txt -e ".[test,bench]"
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}

failed=()
check() {
  echo "==> $*"
  "$@" || failed+=("$*")
}
check .venv/bin/python -m ruff check workbench tests
check .venv/bin/python -m ruff format --check workbench tests
check .venv/bin/python -m mypy workbench
check .venv/bin/lint-imports
# On every core; each test has its own data dir and database, so workers never share state
# (pass -n 0 to run in one process).
check .venv/bin/python -m pytest -n auto "$@"

if ((${#failed[@]})); then
  printf 'FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
