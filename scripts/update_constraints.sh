#!/usr/bin/env bash
# Refresh constraints.txt: install Workbench with its test and bench extras into a fresh virtualenv at
# the newest releases pyproject.toml allows, and pin what got installed. Then run `bash scripts/test.sh`
# and commit the file if the suite passes.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=$(mktemp -d "${TMPDIR:-/tmp}/workbench-pins.XXXXXX")
trap 'rm -rf "$VENV"' EXIT
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e ".[test,bench]"
{
  echo "# The versions the test suite passes with. scripts/test.sh and scripts/check_core_without_qt.sh"
  echo "# install with them (pip install -c constraints.txt); scripts/run.sh does not."
  echo "# Refresh: bash scripts/update_constraints.sh, then bash scripts/test.sh."
  "$VENV/bin/python" -m pip freeze --exclude-editable | grep -iv '^workbench\b'
} >constraints.txt
echo "constraints.txt: $(grep -vc '^#' constraints.txt) pins"
