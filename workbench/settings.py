"""The one typed settings object, stored as JSON in the platform config dir."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

LANGUAGES = ("zh_CN", "en")


@dataclass(frozen=True, slots=True)
class Settings:
    language: str = "zh_CN"
    db_url: str = ""  # empty: the SQLite file in the data dir
    enter_sends: bool = True  # Enter sends, Shift+Enter new line; False swaps them (Ctrl+Enter sends)
    agent_username: str = ""  # the sub-account this desk works as; empty: the shop's first agent
    simulator_enabled: bool = True
    simulator_rate_per_min: float = 1.5
    simulator_speed: float = 1.0
    suggestions_shown: int = 5
    font_size: int = 10
    theme: str = "light"  # a palette in workbench/assets/themes; the UI checks the name (unknown: light)

    def with_changes(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def load_settings(path: Path) -> Settings:
    """Read settings; unknown keys are ignored and a broken file falls back to defaults."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError) as exc:
        log.warning("settings file %s unreadable (%s); using defaults", path, exc)
        return Settings()
    if not isinstance(raw, dict):
        return Settings()
    known = {f.name: f for f in fields(Settings)}
    values: dict[str, Any] = {}
    defaults = Settings()
    for key, value in raw.items():
        if key in known and isinstance(value, type(getattr(defaults, key))):
            values[key] = value
    settings = Settings(**values)
    if settings.language not in LANGUAGES:
        settings = settings.with_changes(language="zh_CN")
    return settings


def save_settings(path: Path, settings: Settings) -> None:
    """Write atomically so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(settings), ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)
