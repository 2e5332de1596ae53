"""The commands that run without a window: ``workbench report cases [--json]``.

App layer, next to :mod:`workbench.app` (which parses the arguments and calls in here). It opens
the shop's database like the window does, asks the use cases for the numbers and formats them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping

from workbench.composition import build_backups, open_workspace
from workbench.launch import resolve_db_url, resolve_paths
from workbench.paths import DataDirError
from workbench.services.backups import BackupError, BackupService
from workbench.settings import load_settings
from workbench.storage.errors import DatabaseError


def run_report(args: argparse.Namespace) -> int:
    """`workbench report cases [--json]`: an empty data dir starts as the demo shop, as the window does."""
    paths = resolve_paths(args.data_dir)
    try:
        paths.ensure()
        settings = load_settings(paths.settings_file)
        url = resolve_db_url(args.db, settings, paths)
        backups = build_backups(url, paths.backups, settings.backups_kept)  # before a migration, as the window
        text = case_report(url, as_json=args.json, backups=backups)
    except (DataDirError, DatabaseError, BackupError) as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return 2
    print(text)
    return 0


def case_report(url: str, *, as_json: bool, backups: BackupService | None = None) -> str:
    """Cases by kind and state in the shop at `url` (an empty database starts as the demo shop)."""
    ws = open_workspace(url, backups=backups)
    try:
        counts = ws.aftersales.counts()
    finally:
        ws.close()
    if as_json:
        return json.dumps(counts, ensure_ascii=False)
    return format_case_counts(counts)


def format_case_counts(counts: Mapping[str, Mapping[str, int]]) -> str:
    """One line per kind: its total, then the count in each state (``return  27  completed 19, …``)."""
    lines = []
    for kind, states in counts.items():
        total = sum(states.values())
        detail = ", ".join(f"{state} {n}" for state, n in states.items())
        lines.append(f"{kind:<10} {total:>4}  {detail}")
    return "\n".join(lines)
