"""The one typed settings object, stored as JSON in the platform config dir.

Settings are read defensively: the file is the user's to edit, and a value the program cannot use
(wrong type, out of range, NaN, an unknown language) must not stop the window. Each such value falls
back to its default and is reported as a `SettingProblem`, which the window shows and the log keeps.
"""

from __future__ import annotations

import json
import logging
import math
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

LANGUAGES = ("zh_CN", "en")
LOGIN_STATUSES = ("online", "busy")  # AgentStatus values a desk may open in (在线, 挂起)

# Ranges shared with the settings dialog's spin boxes.
SIMULATOR_RATE_RANGE = (0.1, 60.0)  # customers per minute
SIMULATOR_SPEED_RANGE = (0.1, 20.0)  # 1 = human pace
SUGGESTIONS_RANGE = (1, 20)
FONT_SIZE_RANGE = (6, 32)
BACKUPS_KEPT_RANGE = (1, 100)
IDLE_END_RANGE = (5, 24 * 60)  # minutes an open chat may stay quiet before it ends by itself

MAX_SETTINGS_BYTES = 1_000_000  # a settings file is a few hundred bytes; a bigger one is not ours
MAX_TEXT_LENGTH = 2_000  # longest string setting (a database URL)


@dataclass(frozen=True, slots=True)
class Settings:
    language: str = "zh_CN"
    db_url: str = ""  # empty: the SQLite file in the data dir
    backups_kept: int = 7  # SQLite backups kept in the data dir's backups/ (the oldest go first)
    enter_sends: bool = True  # Enter sends, Shift+Enter new line; False swaps them (Ctrl+Enter sends)
    # The agent's status when the desk opens, as in 千牛: 在线 ("online") unless set to 挂起 ("busy").
    status_on_login: str = "online"
    last_username: str = ""  # who last logged in here (a shared database's login dialog offers it; no secret)
    simulator_enabled: bool = True
    simulator_rate_per_min: float = 1.5
    simulator_speed: float = 1.0
    suggestions_shown: int = 5
    # A chat nobody wrote in for this long ends by itself (a buyer who left is never the end of it).
    idle_end_minutes: int = 30
    font_size: int = 10
    theme: str = "light"  # a palette in workbench/assets/themes; the UI checks the name (unknown: light)
    # The student at a single-seat desk (classroom labs without a server), entered once: it goes on the
    # 实战记录表 and the submission file. On a shared server the logged-in user is the student.
    student_name: str = ""
    student_number: str = ""  # 学号
    student_class: str = ""

    def with_changes(self, **changes: Any) -> Settings:
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class SettingProblem:
    """A setting the program could not use; its default took its place.

    `reason` is a code the UI turns into a sentence: ``unreadable`` (the file is no JSON, not UTF-8 or
    cannot be read; `key` is empty), ``too_large`` (the file; `key` empty), ``not_an_object`` (the
    JSON is no ``{...}``; `key` empty), ``wrong_type``, ``out_of_range``, ``not_finite``,
    ``not_a_choice``, ``too_long``. `value` is the value as written (shortened), `kind` the type the
    setting takes (``bool``, ``int``, ``float``, ``str``), `expected` the allowed range or choices
    (e.g. ``0.1–60``, ``zh_CN, en``; empty when any value of the kind will do), `default` the value
    used instead (as JSON)."""

    key: str
    reason: str
    value: str = ""
    kind: str = ""
    expected: str = ""
    default: str = ""


@dataclass(frozen=True, slots=True)
class LoadedSettings:
    settings: Settings
    problems: tuple[SettingProblem, ...] = ()


@dataclass(frozen=True, slots=True)
class _Rule:
    kind: type  # bool, int, float or str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    max_length: int = MAX_TEXT_LENGTH


_RULES: dict[str, _Rule] = {
    "language": _Rule(str, choices=LANGUAGES),
    "status_on_login": _Rule(str, choices=LOGIN_STATUSES),
    "backups_kept": _Rule(int, *BACKUPS_KEPT_RANGE),
    "last_username": _Rule(str, max_length=64),
    "student_name": _Rule(str, max_length=64),
    "student_number": _Rule(str, max_length=64),
    "student_class": _Rule(str, max_length=64),
    "simulator_rate_per_min": _Rule(float, *SIMULATOR_RATE_RANGE),
    "simulator_speed": _Rule(float, *SIMULATOR_SPEED_RANGE),
    "suggestions_shown": _Rule(int, *SUGGESTIONS_RANGE),
    "idle_end_minutes": _Rule(int, *IDLE_END_RANGE),
    "font_size": _Rule(int, *FONT_SIZE_RANGE),
}


def _rule(name: str) -> _Rule:
    """A setting's rule; one without its own rule must at least have its default's type."""
    return _RULES.get(name) or _Rule(type(getattr(Settings(), name)))


def _shown(value: object) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _number(value: float) -> str:
    return f"{value:g}"


def _expected(rule: _Rule) -> str:
    if rule.choices:
        return ", ".join(rule.choices)
    if rule.low is not None and rule.high is not None:
        return f"{_number(rule.low)}–{_number(rule.high)}"
    return ""


def check_setting(name: str, value: object) -> tuple[Any, str | None]:
    """The value to use for setting `name` and None, or (None, the reason code) when it is unusable."""
    rule = _rule(name)
    if rule.kind is bool:
        return (value, None) if isinstance(value, bool) else (None, "wrong_type")
    if rule.kind is str:
        if not isinstance(value, str):
            return None, "wrong_type"
        if len(value) > rule.max_length:
            return None, "too_long"
        if rule.choices and value not in rule.choices:
            return None, "not_a_choice"
        return value, None
    # Numbers. bool is an int in Python but never a number here; JSON has one number type, so 2 is a
    # fine float and 12.0 a fine integer.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None, "wrong_type"
    if isinstance(value, float) and not math.isfinite(value):
        return None, "not_finite"
    if rule.kind is int and isinstance(value, float) and not value.is_integer():
        return None, "wrong_type"
    # Compared before converting: Python compares int and float exactly, while float(10**400) overflows.
    if (rule.low is not None and value < rule.low) or (rule.high is not None and value > rule.high):
        return None, "out_of_range"
    try:
        return (int(value) if rule.kind is int else float(value)), None
    except OverflowError:  # a huge integer for a number without a range
        return None, "out_of_range"


def settings_problems(settings: Settings) -> list[SettingProblem]:
    """What is wrong with a settings object (empty for every object `read_settings` returns)."""
    problems = []
    for f in fields(Settings):
        value = getattr(settings, f.name)
        _, reason = check_setting(f.name, value)
        if reason is not None:
            problems.append(SettingProblem(f.name, reason, _shown(value), _rule(f.name).kind.__name__))
    return problems


def read_settings(path: Path) -> LoadedSettings:
    """Read settings and say which could not be used. Never raises: a missing file gives the defaults
    without complaint; an unreadable one, and each unusable value, gives the default and a problem.
    Unknown keys are ignored (a newer version's settings must not upset an older one)."""
    defaults = Settings()
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_SETTINGS_BYTES + 1)
    except FileNotFoundError:
        return LoadedSettings(defaults)
    except OSError as exc:
        return LoadedSettings(defaults, (SettingProblem("", "unreadable", exc.strerror or str(exc)),))
    if len(data) > MAX_SETTINGS_BYTES:
        return LoadedSettings(defaults, (SettingProblem("", "too_large", f"> {MAX_SETTINGS_BYTES} bytes"),))
    try:
        raw = json.loads(data.decode("utf-8-sig"))  # -sig: Notepad's byte-order mark is no error
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return LoadedSettings(defaults, (SettingProblem("", "unreadable", str(exc)[:200]),))
    if not isinstance(raw, dict):
        return LoadedSettings(defaults, (SettingProblem("", "not_an_object", _shown(raw)),))
    values: dict[str, Any] = {}
    problems: list[SettingProblem] = []
    for f in fields(Settings):
        if f.name not in raw:
            continue
        value, reason = check_setting(f.name, raw[f.name])
        if reason is None:
            values[f.name] = value
        else:
            rule, default = _rule(f.name), getattr(defaults, f.name)
            problems.append(
                SettingProblem(
                    f.name, reason, _shown(raw[f.name]), rule.kind.__name__, _expected(rule), _shown(default)
                )
            )
    return LoadedSettings(Settings(**values), tuple(problems))


def log_problems(path: Path, problems: tuple[SettingProblem, ...]) -> None:
    for p in problems:
        if p.key:
            log.warning(
                "settings file %s: %s = %s is unusable (%s; expected %s %s); using the default %s",
                path, p.key, p.value, p.reason, p.kind, p.expected, p.default,
            )  # fmt: skip
        else:
            log.warning("settings file %s is unusable (%s: %s); using the defaults", path, p.reason, p.value)


def load_settings(path: Path) -> Settings:
    """Read settings, logging what could not be used (see `read_settings`)."""
    loaded = read_settings(path)
    log_problems(path, loaded.problems)
    return loaded.settings


def save_settings(path: Path, settings: Settings) -> None:
    """Write atomically so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(settings), ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)
