#!/usr/bin/env bash
# Install Workbench into .venv and start it (an empty machine opens on the demo shop).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .  # no constraints.txt: users get the newest compatible releases, only the tests pin
exec .venv/bin/workbench "$@"
