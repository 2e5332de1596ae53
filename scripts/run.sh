#!/usr/bin/env bash
# Start Workbench from this checkout, passing every argument on (bash scripts/run.sh --smoke-test).
#
# The first run installs it into .venv, which needs the package index; so does the first run after
# pyproject.toml changed. Every other run starts the installed program directly, without the network:
# .venv/.workbench-installed records what was installed (pyproject.toml's hash and the Python version).
# Written for bash 3.2 too (macOS).
set -euo pipefail
cd "$(dirname "$0")/.."

REQUIRED_MAJOR=3 REQUIRED_MINOR=11 # keep in step with requires-python in pyproject.toml
REQUIRED="$REQUIRED_MAJOR.$REQUIRED_MINOR"
VENV=.venv
STAMP="$VENV/.workbench-installed"

say() { printf 'workbench: %s\n' "$*" >&2; }

# "3.11" for an interpreter, nothing when it does not run.
py_version() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true; }

version_ok() {
  local major minor
  IFS=. read -r major minor <<<"$1"
  [[ $major =~ ^[0-9]+$ && $minor =~ ^[0-9]+$ ]] || return 1
  ((major > REQUIRED_MAJOR || (major == REQUIRED_MAJOR && minor >= REQUIRED_MINOR)))
}

# What the stamp must say for the installed .venv to be started as it is.
install_key() { "$VENV/bin/python" -c 'import hashlib, sys
print(hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest(), sys.version.split()[0])'; }

start() { exec "$VENV/bin/workbench" "$@"; }

# 1. Installed and up to date: start without touching the network.
stale=""
if [[ -x $VENV/bin/python ]]; then
  venv_version=$(py_version "$VENV/bin/python")
  if ! version_ok "$venv_version"; then
    stale="made with Python ${venv_version:-that no longer runs}"
  elif [[ -f $STAMP && "$(cat "$STAMP")" == "$(install_key)" ]]; then
    start "$@"
  fi
elif [[ -e $VENV ]]; then
  stale="without a working Python"
fi

# 2. Find a Python that is new enough before anything is created.
need_python() {
  say "Workbench needs Python $REQUIRED or newer; $1."
  say "  Windows, macOS: install it from https://www.python.org/downloads/ (macOS with Homebrew: brew install python@3.12)"
  say "  Debian, Ubuntu, UOS, Kylin: sudo apt install python3 python3-venv (python3.11 or newer)"
  say "  Then run this again, or name the interpreter: PYTHON=/path/to/python3.12 bash scripts/run.sh"
  if [[ -n $stale ]]; then
    say "The existing $VENV was $stale; it is not used and will be rebuilt with the new Python."
  fi
  exit 1
}
if [[ -n ${PYTHON:-} ]]; then
  found=$(py_version "$PYTHON")
  version_ok "$found" || need_python "PYTHON=$PYTHON is Python ${found:-that does not run}"
  python=$PYTHON
else
  python="" seen=""
  for candidate in python3.13 python3.12 python3.11 python3; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    found=$(py_version "$candidate")
    if version_ok "$found"; then
      python=$candidate
      break
    fi
    seen="${seen:+$seen, }$candidate is ${found:-broken}"
  done
  [[ -n $python ]] || need_python "found ${seen:-no python3 on PATH}"
fi

# 3. (Re)build .venv and install; a failed first install leaves no .venv behind.
if [[ -n $stale ]]; then
  say "$VENV was $stale: rebuilding it with $python."
  rm -rf "$VENV"
fi
created=""
if [[ ! -x $VENV/bin/python ]]; then
  say "installing into $VENV (the first start needs the package index; later starts do not)"
  created=1
  if ! "$python" -m venv "$VENV"; then
    rm -rf "$VENV"
    say "could not create $VENV with $python (Debian, Ubuntu: sudo apt install python3-venv)."
    exit 1
  fi
fi
# No constraints.txt here: users get the newest compatible releases, only the tests pin.
if "$VENV/bin/python" -m pip install -q --upgrade pip && "$VENV/bin/python" -m pip install -q -e .; then
  install_key >"$STAMP"
elif [[ -n $created ]]; then
  rm -rf "$VENV"
  say "installation failed (is the package index reachable?); nothing was left behind, run this again."
  exit 1
elif [[ -f $STAMP ]]; then
  say "pyproject.toml changed but the update could not be installed; starting the version installed before."
else
  say "installation failed (is the package index reachable?); run this again."
  exit 1
fi
start "$@"
